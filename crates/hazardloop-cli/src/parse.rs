//! Parsing command-line values into domain values, with errors (in the chosen language) that
//! name the option.

use hazardloop_core::model::{
    Category, Evidence, Grade, Lang, Method, PersonId, RiskColour, Source, UnitId,
};
use hazardloop_core::workflow::{InterimMeasure, StageKind};
use serde::de::DeserializeOwned;

use crate::error::CliError;

fn say(lang: Lang, zh: String, en: String) -> CliError {
    CliError::Invalid(if lang == Lang::Zh { zh } else { en })
}

/// A snake_case enum value (`daily_patrol`, `major`), naming `option` on error.
pub fn variant<T: DeserializeOwned>(option: &str, text: &str, lang: Lang) -> Result<T, CliError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|_| {
        say(
            lang,
            format!("{option}：`{text}` 不是可选的值"),
            format!("{option}: `{text}` is not one of the allowed values"),
        )
    })
}

/// A host key (unit, person, category).
pub fn key<T: TryFrom<String, Error = hazardloop_core::model::InputError>>(
    option: &str,
    text: &str,
    lang: Lang,
) -> Result<T, CliError> {
    T::try_from(text.to_owned()).map_err(|e| {
        CliError::Invalid(format!(
            "{option}{}{}",
            if lang == Lang::Zh { "：" } else { ": " },
            crate::error::input(&e, lang)
        ))
    })
}

/// `--unit`.
pub fn unit(option: &str, text: &str, lang: Lang) -> Result<UnitId, CliError> {
    key(option, text, lang)
}

/// `--assignee`, `--requested-by`.
pub fn person(option: &str, text: &str, lang: Lang) -> Result<PersonId, CliError> {
    key(option, text, lang)
}

/// `--category` (its form only; whether the matrix knows it is checked by the caller).
pub fn category(option: &str, text: &str, lang: Lang) -> Result<Category, CliError> {
    key(option, text, lang)
}

/// `--source`.
pub fn source(text: &str, lang: Lang) -> Result<Source, CliError> {
    variant("--source", text, lang)
}

/// `--grade`.
pub fn grade(text: &str, lang: Lang) -> Result<Grade, CliError> {
    variant("--grade", text, lang)
}

/// `--stage`.
pub fn stage(text: &str, lang: Lang) -> Result<StageKind, CliError> {
    variant("--stage", text, lang)
}

/// The assessment from `--lec L,E,C`, `--ls L,S` or `--colour C` (default: judged blue).
pub fn method(
    lec: Option<&str>,
    ls: Option<&str>,
    colour: Option<&str>,
    lang: Lang,
) -> Result<Method, CliError> {
    let numbers = |option: &str, text: &str| -> Result<Vec<f64>, CliError> {
        text.split(',')
            .map(|n| {
                n.trim().parse::<f64>().map_err(|_| {
                    say(
                        lang,
                        format!("{option}：`{n}` 不是数字"),
                        format!("{option}: `{n}` is not a number"),
                    )
                })
            })
            .collect()
    };
    match (lec, ls, colour) {
        (Some(text), _, _) => match numbers("--lec", text)?.as_slice() {
            &[l, e, c] => Ok(Method::Lec { l, e, c }),
            _ => Err(say(
                lang,
                "--lec：须填三个因子 L,E,C".into(),
                "--lec: give three factors L,E,C".into(),
            )),
        },
        (None, Some(text), _) => match numbers("--ls", text)?.as_slice() {
            &[l, s]
                if l.fract() == 0.0
                    && s.fract() == 0.0
                    && (0.0..=255.0).contains(&l)
                    && (0.0..=255.0).contains(&s) =>
            {
                Ok(Method::Ls { l: l as u8, s: s as u8 })
            }
            _ => Err(say(
                lang,
                "--ls：须填两个 1 至 5 的整数因子 L,S".into(),
                "--ls: give two whole factors L,S from 1 to 5".into(),
            )),
        },
        (None, None, Some(text)) => {
            Ok(Method::Judgement { colour: variant::<RiskColour>("--colour", text, lang)? })
        }
        (None, None, None) => Ok(Method::Judgement { colour: RiskColour::Blue }),
    }
}

/// `--evidence URI,SHA256,MEDIA_TYPE`.
pub fn evidence(items: &[String], lang: Lang) -> Result<Vec<Evidence>, CliError> {
    items
        .iter()
        .map(|item| {
            let parts: Vec<&str> = item.splitn(3, ',').collect();
            match parts.as_slice() {
                [uri, sha, media] => Ok(Evidence {
                    uri: (*uri).into(),
                    sha256: sha.to_ascii_lowercase(),
                    media_type: (*media).into(),
                }),
                _ => Err(say(
                    lang,
                    format!("--evidence：`{item}` 不是“URI,SHA256,媒体类型”"),
                    format!("--evidence: `{item}` is not URI,SHA256,MEDIA_TYPE"),
                )),
            }
        })
        .collect()
}

/// `--interim cordon,warning_signs` (named `option` on error).
pub fn measures(option: &str, text: &str, lang: Lang) -> Result<Vec<InterimMeasure>, CliError> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|m| variant(option, m.trim(), lang))
        .collect()
}

/// A plan file with its TOML dates (`start = 2025-03-01`) turned into the strings the plan
/// types read (`start = "2025-03-01"`); a file without dates, or one that does not parse, is
/// left for `Plans::from_toml` to report.
pub fn plain_dates(text: &str) -> String {
    fn plain(v: &mut toml::Value) -> bool {
        match v {
            toml::Value::Datetime(d) => {
                *v = toml::Value::String(d.to_string());
                true
            }
            toml::Value::Array(a) => {
                let mut any = false;
                for x in a {
                    any |= plain(x);
                }
                any
            }
            toml::Value::Table(t) => {
                let mut any = false;
                for (_, x) in t.iter_mut() {
                    any |= plain(x);
                }
                any
            }
            _ => false,
        }
    }
    match toml::from_str::<toml::Value>(text) {
        Ok(mut v) => {
            if plain(&mut v) {
                toml::to_string(&v).unwrap_or_else(|_| text.to_owned())
            } else {
                text.to_owned()
            }
        }
        Err(_) => text.to_owned(),
    }
}
