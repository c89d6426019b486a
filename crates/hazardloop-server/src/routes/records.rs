//! What the routes of records (incidents, report duties) and campaigns share: record ids from
//! the path, command bodies whose `command` tag comes from the path, list filters, periods, and
//! documents sent as TOML or JSON.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use hazardloop_core::calendar::Calendar;
use hazardloop_core::duty::{DutyError, RecordId, RecordQuery};
use hazardloop_core::engine::EngineError;
use hazardloop_core::model::{InputError, UnitId};
use hazardloop_core::report::Period;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use super::http::{json_media, object};
use crate::problem::Problem;

/// A malformed field of an incident, a duty or a campaign, as the engine would name it.
pub(crate) fn input(e: InputError) -> Problem {
    Problem::from(EngineError::Duty(DutyError::Input(e)))
}

/// The record id of a path segment (a duty's `schedule/unit/key`, its slashes as `%2F`).
pub(crate) fn record_id(text: &str) -> Result<RecordId, Problem> {
    RecordId::parse_as(text, "id").map_err(input)
}

/// The field a serde message names (`missing field `title``), if it names one.
fn named_field(message: &str) -> Option<String> {
    ["missing field `", "unknown field `", "duplicate field `"].iter().find_map(|marker| {
        let rest = message.split(marker).nth(1)?;
        rest.split('`').next().filter(|f| !f.is_empty()).map(str::to_owned)
    })
}

/// A typed value from a JSON value: 422 naming the path of the member that is wrong, or,
/// inside a tagged command (where serde buffers the members and loses the path), the member a
/// missing or unknown field names; else `what`.
pub(crate) fn decode<T: DeserializeOwned>(what: &str, value: Value) -> Result<T, Problem> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let field = if path == "." {
            named_field(&inner.to_string()).unwrap_or_else(|| what.to_owned())
        } else {
            path
        };
        Problem::invalid(&field, inner)
    })
}

/// The command `name` from a JSON body of its members (the tag comes from the path).
pub(crate) fn command<T: DeserializeOwned>(
    name: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<T, Problem> {
    let mut members = object(headers, body)?;
    members.insert("command".into(), Value::String(name.into()));
    decode("body", Value::Object(members))
}

/// A document sent as JSON (`Content-Type: application/json`) or else as TOML, as a JSON
/// value; TOML dates (`2021-11-22`) become the strings the types read.
pub(crate) fn document(headers: &HeaderMap, body: &Bytes) -> Result<Value, Problem> {
    if json_media(headers).is_ok() {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Object(Map::new()));
        }
        return serde_json::from_slice(body).map_err(|e| Problem::invalid("body", e));
    }
    let text =
        std::str::from_utf8(body).map_err(|_| Problem::invalid("body", "the body is not UTF-8"))?;
    let mut value: toml::Value =
        toml::from_str(text).map_err(|e| Problem::invalid("body", e.to_string().trim()))?;
    plain_dates(&mut value);
    serde_json::to_value(&value).map_err(|e| Problem::invalid("body", e))
}

/// Turns TOML dates and times into their text.
fn plain_dates(value: &mut toml::Value) {
    match value {
        toml::Value::Datetime(d) => *value = toml::Value::String(d.to_string()),
        toml::Value::Array(items) => items.iter_mut().for_each(plain_dates),
        toml::Value::Table(table) => table.iter_mut().for_each(|(_, v)| plain_dates(v)),
        _ => {}
    }
}

/// A date parameter (`2026-10-01`).
pub(crate) fn date(
    name: &str,
    params: &HashMap<String, String>,
) -> Result<Option<NaiveDate>, Problem> {
    params
        .get(name)
        .map(|d| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|e| {
                Problem::invalid(name, format!("`{d}`: {e} (give a date such as 2026-10-01)"))
            })
        })
        .transpose()
}

/// A required date parameter.
pub(crate) fn required_date(
    name: &str,
    params: &HashMap<String, String>,
) -> Result<NaiveDate, Problem> {
    date(name, params)?.ok_or_else(|| Problem::invalid(name, "give a date such as 2026-10-01"))
}

/// The required `period` parameter (`2026-10`, `2026-Q4`, `2026`, as the statistics take).
pub(crate) fn period(params: &HashMap<String, String>) -> Result<Period, Problem> {
    params
        .get("period")
        .ok_or_else(|| {
            Problem::invalid("period", "give a period such as 2026-10, 2026-Q4 or 2026")
        })?
        .parse()
        .map_err(|e| Problem::invalid("period", e))
}

/// The filter of a list of records: `open` (true or false), `unit` (comma-separated), `from`
/// and `to` (dates, both included, in the calendar's time zone), and `group` under the name
/// the kind gives it (`kind` of an incident, `schedule` of a duty), checked by `group`.
pub(crate) fn record_query(
    params: &HashMap<String, String>,
    calendar: &Calendar,
    group_name: &str,
    group: impl Fn(&str) -> Result<String, Problem>,
) -> Result<RecordQuery, Problem> {
    let mut query = RecordQuery::default();
    let day = |name: &str, d: NaiveDate| {
        Period::custom(d, d).map(|p| p.bounds(calendar)).map_err(|e| Problem::invalid(name, e))
    };
    for (key, value) in params {
        match key.as_str() {
            "open" => query.open = Some(value.parse().map_err(|e| Problem::invalid(key, e))?),
            "unit" => {
                let units = value.split(',').map(UnitId::new).collect::<Result<Vec<_>, _>>();
                query.units = Some(units.map_err(|e| Problem::invalid(key, e))?);
            }
            "from" => query.from = Some(day(key, required_date(key, params)?)?.0),
            "to" => query.to = Some(day(key, required_date(key, params)?)?.1),
            k if k == group_name => query.group = Some(group(value)?),
            _ => return Err(Problem::invalid(key, format!("unknown parameter `{key}`"))),
        }
    }
    Ok(query)
}

/// A record as answered: its JSON with `extra` members, its version as `ETag`, and on creation
/// 201 with `Location`.
pub(crate) fn record_response<R: Serialize>(
    record: &R,
    version: u64,
    extra: &[(&str, Value)],
    created_at: Option<String>,
) -> Response {
    let mut body = serde_json::to_value(record).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut body {
        for (k, v) in extra {
            map.insert((*k).to_owned(), v.clone());
        }
    }
    let status = if created_at.is_some() { StatusCode::CREATED } else { StatusCode::OK };
    let mut response = (status, axum::Json(body)).into_response();
    let headers = response.headers_mut();
    if let Ok(tag) = HeaderValue::from_str(&format!("\"{version}\"")) {
        headers.insert(header::ETAG, tag);
    }
    if let Some(at) = created_at.and_then(|at| HeaderValue::from_str(&at).ok()) {
        headers.insert(header::LOCATION, at);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_unknown_member_is_named() {
        assert_eq!(named_field("missing field `title`").as_deref(), Some("title"));
        assert_eq!(
            named_field("unknown field `titel`, expected one of `unit`, `title`").as_deref(),
            Some("titel")
        );
        assert_eq!(named_field("invalid type: string"), None);
    }

    #[test]
    fn toml_dates_become_text() {
        let mut v: toml::Value = toml::from_str("d = 2021-11-22\n[[x]]\ne = [2022-01-03]").unwrap();
        plain_dates(&mut v);
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["d"], "2021-11-22");
        assert_eq!(json["x"][0]["e"][0], "2022-01-03");
    }
}
