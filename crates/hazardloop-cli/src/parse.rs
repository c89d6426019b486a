//! Parsing command-line values into domain values, with errors that name the option.

use hazardloop_core::model::{
    Category, Evidence, Grade, Method, PersonId, RiskColour, Source, UnitId,
};
use hazardloop_core::workflow::{InterimMeasure, StageKind};
use serde::de::DeserializeOwned;

use crate::error::CliError;

/// A snake_case enum value (`daily_patrol`, `major`), naming `option` on error.
pub fn variant<T: DeserializeOwned>(option: &str, text: &str) -> Result<T, CliError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|_| {
        CliError::Invalid(format!("{option}: `{text}` is not one of the allowed values"))
    })
}

/// A host key (unit, person, category).
pub fn key<T: TryFrom<String, Error = hazardloop_core::model::InputError>>(
    option: &str,
    text: &str,
) -> Result<T, CliError> {
    T::try_from(text.to_owned()).map_err(|e| CliError::Invalid(format!("{option}: {e}")))
}

/// `--unit`.
pub fn unit(option: &str, text: &str) -> Result<UnitId, CliError> {
    key(option, text)
}

/// `--assignee`, `--requested-by`.
pub fn person(option: &str, text: &str) -> Result<PersonId, CliError> {
    key(option, text)
}

/// `--category`.
pub fn category(option: &str, text: &str) -> Result<Category, CliError> {
    key(option, text)
}

/// `--source`.
pub fn source(text: &str) -> Result<Source, CliError> {
    variant("--source", text)
}

/// `--grade`.
pub fn grade(text: &str) -> Result<Grade, CliError> {
    variant("--grade", text)
}

/// `--stage`.
pub fn stage(text: &str) -> Result<StageKind, CliError> {
    variant("--stage", text)
}

/// The assessment from `--lec L,E,C`, `--ls L,S` or `--colour C` (default: judged blue).
pub fn method(
    lec: Option<&str>,
    ls: Option<&str>,
    colour: Option<&str>,
) -> Result<Method, CliError> {
    let numbers = |option: &str, text: &str| -> Result<Vec<f64>, CliError> {
        text.split(',')
            .map(|n| {
                n.trim()
                    .parse::<f64>()
                    .map_err(|_| CliError::Invalid(format!("{option}: `{n}` is not a number")))
            })
            .collect()
    };
    match (lec, ls, colour) {
        (Some(text), _, _) => match numbers("--lec", text)?.as_slice() {
            &[l, e, c] => Ok(Method::Lec { l, e, c }),
            _ => Err(CliError::Invalid("--lec: give three factors L,E,C".into())),
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
            _ => Err(CliError::Invalid("--ls: give two whole factors L,S from 1 to 5".into())),
        },
        (None, None, Some(text)) => {
            Ok(Method::Judgement { colour: variant::<RiskColour>("--colour", text)? })
        }
        (None, None, None) => Ok(Method::Judgement { colour: RiskColour::Blue }),
    }
}

/// `--evidence URI,SHA256,MEDIA_TYPE`.
pub fn evidence(items: &[String]) -> Result<Vec<Evidence>, CliError> {
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
                _ => Err(CliError::Invalid(format!(
                    "--evidence: `{item}` is not URI,SHA256,MEDIA_TYPE"
                ))),
            }
        })
        .collect()
}

/// `--interim cordon,warning_signs`.
pub fn measures(text: &str) -> Result<Vec<InterimMeasure>, CliError> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|m| variant("--interim", m.trim()))
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
