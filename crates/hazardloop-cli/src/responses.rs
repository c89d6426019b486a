//! Inspection answers from the command line or a response file.
//!
//! A response file is TOML (`[[answers]]`) or JSON (`{"answers": […]}` or a bare list):
//!
//! ```toml
//! [[answers]]
//! item = "fire_lanes_clear"
//! response = "fail"            # pass, fail, na, a number, or one of the item's options
//! comment = "一楼东侧通道堆放杂物"
//! evidence = ["https://files.example.cn/1.jpg,<sha256>,image/jpeg"]
//! location = "教学楼一楼东侧"     # optional: where the failure was seen
//! fixed = "当场清理"             # optional: fixed on the spot (立查立改)
//! ```
//!
//! Unknown keys are refused naming the key (`answers[1].commnet`); a response of the wrong kind
//! for its item is refused by the engine naming `answers[i].response`.

use std::path::Path;

use hazardloop_core::inspection::{Answer, Response, ResponseKind, Template};
use hazardloop_core::model::{Evidence, Lang};
use serde_json::{Map, Value};

use crate::error::CliError;

/// The keys of an answer; `fixed_on_the_spot` is the engine's name for `fixed`.
const ANSWER_KEYS: [&str; 7] =
    ["item", "response", "comment", "evidence", "location", "fixed", "fixed_on_the_spot"];
const EVIDENCE_KEYS: [&str; 3] = ["uri", "sha256", "media_type"];

/// A response as typed: text or a number, read against the item's kind.
#[derive(Clone, Debug, PartialEq)]
pub enum Typed {
    /// `pass`, `fail`, `na`, an option, or a number as text.
    Text(String),
    /// A number.
    Number(f64),
}

/// The response `typed` means for the item `item` of `template` (unknown items are left for
/// the engine to name): an option of a choice item is that option; `pass`/`合格`, `fail`/`不合格`
/// and `na`/`不适用` are those; a number is a number; other text is taken as an option.
pub fn response(typed: &Typed, item: &str, template: Option<&Template>) -> Response {
    let kind = template.and_then(|t| t.item(item)).map(|i| &i.response);
    match typed {
        Typed::Number(n) => Response::Number(*n),
        Typed::Text(t) => {
            let t = t.trim();
            if let Some(ResponseKind::Choice { options, .. }) = kind {
                if options.iter().any(|o| o == t) {
                    return Response::Choice(t.to_owned());
                }
            }
            match t.to_ascii_lowercase().as_str() {
                "pass" | "ok" | "合格" => Response::Pass,
                "fail" | "不合格" => Response::Fail,
                "na" | "n/a" | "not_applicable" | "不适用" => Response::NotApplicable,
                _ => match t.parse::<f64>() {
                    Ok(n) if !matches!(kind, Some(ResponseKind::Choice { .. })) => {
                        Response::Number(n)
                    }
                    _ => Response::Choice(t.to_owned()),
                },
            }
        }
    }
}

/// Reads a response file into answers for `template`. Nothing is sent to the store here.
pub fn read_file(path: &Path, template: &Template, lang: Lang) -> Result<Vec<Answer>, CliError> {
    let name = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Invalid(format!("--file {name}: {e}")))?;
    let text = text.trim_start_matches('\u{feff}');
    let value: Value = if path.extension().is_some_and(|x| x.eq_ignore_ascii_case("json")) {
        serde_json::from_str(text).map_err(|e| CliError::Invalid(format!("{name}: {e}")))?
    } else {
        let table: toml::Table = toml::from_str(text)
            .map_err(|e| CliError::Invalid(format!("{name}: {}", e.message().trim())))?;
        serde_json::to_value(table).map_err(|e| CliError::Invalid(format!("{name}: {e}")))?
    };
    parse(&value, template, lang).map_err(|m| CliError::Invalid(format!("{name}: {m}")))
}

/// Parses a response document (see the module docs); errors name the key.
pub fn parse(value: &Value, template: &Template, lang: Lang) -> Result<Vec<Answer>, String> {
    let zh = lang == Lang::Zh;
    let list = match value {
        Value::Array(list) => list,
        Value::Object(doc) => {
            if let Some(key) = doc.keys().find(|k| *k != "answers") {
                return Err(unknown(key, "answers", zh));
            }
            match doc.get("answers") {
                Some(Value::Array(list)) => list,
                Some(_) => return Err(kind("answers", "a list", "列表", zh)),
                None => return Err(missing("answers", zh)),
            }
        }
        _ => return Err(kind("answers", "a list", "列表", zh)),
    };
    list.iter()
        .enumerate()
        .map(|(i, a)| {
            let at = format!("answers[{i}]");
            let Value::Object(a) = a else { return Err(kind(&at, "a table", "表", zh)) };
            answer(a, &at, template, zh)
        })
        .collect()
}

fn answer(
    a: &Map<String, Value>,
    at: &str,
    template: &Template,
    zh: bool,
) -> Result<Answer, String> {
    if let Some(key) = a.keys().find(|k| !ANSWER_KEYS.contains(&k.as_str())) {
        return Err(unknown(&format!("{at}.{key}"), &ANSWER_KEYS[..6].join(", "), zh));
    }
    let text = |key: &str| -> Result<Option<String>, String> {
        match a.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(kind(&format!("{at}.{key}"), "text", "文字", zh)),
        }
    };
    let item = text("item")?.ok_or_else(|| missing(&format!("{at}.item"), zh))?;
    let typed = match a.get("response") {
        None => return Err(missing(&format!("{at}.response"), zh)),
        Some(Value::String(s)) => Typed::Text(s.clone()),
        Some(Value::Number(n)) => Typed::Number(n.as_f64().unwrap_or(f64::NAN)),
        Some(_) => {
            let field = format!("{at}.response");
            return Err(kind(
                &field,
                "pass, fail, na, a number or an option",
                "pass、fail、na、数字或选项",
                zh,
            ));
        }
    };
    let evidence = match a.get("evidence") {
        None => Vec::new(),
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(j, e)| evidence(e, &format!("{at}.evidence[{j}]"), zh))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(kind(&format!("{at}.evidence"), "a list", "列表", zh)),
    };
    let fixed = match (text("fixed")?, text("fixed_on_the_spot")?) {
        (Some(_), Some(_)) => {
            let field = format!("{at}.fixed_on_the_spot");
            return Err(if zh {
                format!("{field}：与 fixed 重复")
            } else {
                format!("{field}: repeats fixed")
            });
        }
        (a, b) => a.or(b),
    };
    Ok(Answer {
        response: response(&typed, &item, Some(template)),
        item,
        comment: text("comment")?.unwrap_or_default(),
        evidence,
        location: text("location")?,
        fixed_on_the_spot: fixed,
    })
}

fn evidence(e: &Value, at: &str, zh: bool) -> Result<Evidence, String> {
    match e {
        Value::String(s) => crate::parse::evidence(std::slice::from_ref(s), Lang::En)
            .map(|mut v| v.remove(0))
            .map_err(|_| kind(at, "URI,SHA256,MEDIA_TYPE", "“URI,SHA256,媒体类型”", zh)),
        Value::Object(m) => {
            if let Some(key) = m.keys().find(|k| !EVIDENCE_KEYS.contains(&k.as_str())) {
                return Err(unknown(&format!("{at}.{key}"), &EVIDENCE_KEYS.join(", "), zh));
            }
            let get = |k: &str| match m.get(k) {
                Some(Value::String(s)) => Ok(s.clone()),
                Some(_) => Err(kind(&format!("{at}.{k}"), "text", "文字", zh)),
                None => Err(missing(&format!("{at}.{k}"), zh)),
            };
            Ok(Evidence {
                uri: get("uri")?,
                sha256: get("sha256")?.to_ascii_lowercase(),
                media_type: get("media_type")?,
            })
        }
        _ => Err(kind(at, "URI,SHA256,MEDIA_TYPE", "“URI,SHA256,媒体类型”", zh)),
    }
}

fn unknown(field: &str, allowed: &str, zh: bool) -> String {
    if zh {
        format!("{field}：无法识别的键（可用：{allowed}）")
    } else {
        format!("{field}: unknown key (allowed: {allowed})")
    }
}

fn missing(field: &str, zh: bool) -> String {
    if zh {
        format!("{field}：必须填写")
    } else {
        format!("{field}: is required")
    }
}

fn kind(field: &str, en: &str, zh_name: &str, zh: bool) -> String {
    if zh {
        format!("{field}：应为{zh_name}")
    } else {
        format!("{field}: should be {en}")
    }
}
