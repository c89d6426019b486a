//! Dates in plan files: `"2026-09-01"` or a bare TOML date `2026-09-01`, both accepted.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum Written {
    Text(String),
    Toml(toml::value::Datetime),
}

fn parse<E: serde::de::Error>(written: Written) -> Result<NaiveDate, E> {
    let text = match written {
        Written::Text(t) => t,
        Written::Toml(d) => match (d.date, d.time) {
            (Some(date), None) => date.to_string(),
            _ => return Err(E::custom(format!("`{d}` is not a plain date (YYYY-MM-DD)"))),
        },
    };
    NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map_err(|_| E::custom(format!("`{text}` is not a date (YYYY-MM-DD)")))
}

/// A required date.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    parse(Written::deserialize(d)?)
}

/// Written as `YYYY-MM-DD`.
pub(crate) fn serialize<S: Serializer>(date: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&date.format("%Y-%m-%d"))
}

/// An optional date.
pub(crate) mod option {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<NaiveDate>, D::Error> {
        Option::<Written>::deserialize(d)?.map(parse).transpose()
    }

    pub(crate) fn serialize<S: Serializer>(
        date: &Option<NaiveDate>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match date {
            Some(d) => super::serialize(d, s),
            None => s.serialize_none(),
        }
    }
}
