//! The text form of a [`Period`] (`2025-03`, `2025-Q1`, `2025-W10`, `2025-03-H1`, `2025`,
//! `2025-03-01..2025-03-20`): what `Display` writes, `FromStr` reads and serde uses.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{Period, PeriodKind};
use crate::model::InputError;

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m) = (self.first.year(), self.first.month());
        match self.kind {
            PeriodKind::Year => write!(f, "{y:04}"),
            PeriodKind::Month => write!(f, "{y:04}-{m:02}"),
            PeriodKind::Quarter => write!(f, "{y:04}-Q{}", (m - 1) / 3 + 1),
            PeriodKind::HalfMonth => {
                write!(f, "{y:04}-{m:02}-H{}", if self.first.day() == 1 { 1 } else { 2 })
            }
            PeriodKind::Week => {
                let w = self.first.iso_week();
                write!(f, "{:04}-W{:02}", w.year(), w.week())
            }
            PeriodKind::Custom => write!(f, "{}..{}", self.first, self.last),
        }
    }
}

const FORMS: &str =
    "expected 2025, 2025-03, 2025-Q1, 2025-W10, 2025-03-H1 or 2025-03-01..2025-03-20";

/// A positive decimal number of at most `digits` digits; errors name `field`.
fn number(field: &str, text: &str, digits: usize) -> Result<u32, InputError> {
    if text.is_empty() || text.len() > digits || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(InputError::Malformed {
            field: field.into(),
            reason: format!("`{text}` is not a number; {FORMS}"),
        });
    }
    text.parse().map_err(|_| InputError::Malformed {
        field: field.into(),
        reason: format!("`{text}` is not a number"),
    })
}

fn year_number(text: &str) -> Result<i32, InputError> {
    let field = "period.year";
    if text.len() != 4 {
        return Err(InputError::Malformed {
            field: field.into(),
            reason: format!("`{text}` is not a 4-digit year; {FORMS}"),
        });
    }
    let y = number(field, text, 4)?;
    i32::try_from(y).map_err(|_| InputError::Malformed {
        field: field.into(),
        reason: format!("`{text}` is too large"),
    })
}

fn date(field: &str, text: &str) -> Result<NaiveDate, InputError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| InputError::Malformed {
        field: field.into(),
        reason: format!("`{}` is not a date like 2025-03-01", text.trim()),
    })
}

impl FromStr for Period {
    type Err = InputError;

    /// Reads the text form; errors name `period`, or the part that is wrong (`period.month`,
    /// `period.quarter`, `period.week`, `period.half`, `period.year`, `period.from`, `period.to`).
    fn from_str(s: &str) -> Result<Period, InputError> {
        let text = s.trim();
        if !text.get(..4).is_some_and(|y| y.bytes().all(|b| b.is_ascii_digit())) {
            return Err(InputError::Malformed {
                field: "period".into(),
                reason: format!("`{text}`: {FORMS}"),
            });
        }
        if let Some((from, to)) = text.split_once("..") {
            return Period::custom(date("period.from", from)?, date("period.to", to)?);
        }
        let parts: Vec<&str> = text.split('-').collect();
        match parts.as_slice() {
            [y] => Period::year(year_number(y)?),
            [y, rest] => {
                let y = year_number(y)?;
                if let Some(q) = rest.strip_prefix(['Q', 'q']) {
                    Period::quarter(y, number("period.quarter", q, 1)?)
                } else if let Some(w) = rest.strip_prefix(['W', 'w']) {
                    Period::week(y, number("period.week", w, 2)?)
                } else {
                    Period::month(y, number("period.month", rest, 2)?)
                }
            }
            [y, m, h] => {
                let half = h.strip_prefix(['H', 'h']).ok_or_else(|| InputError::Malformed {
                    field: "period.half".into(),
                    reason: format!("`{h}` is not H1 or H2; {FORMS}"),
                })?;
                Period::half_month(
                    year_number(y)?,
                    number("period.month", m, 2)?,
                    number("period.half", half, 1)?,
                )
            }
            _ => Err(InputError::Malformed {
                field: "period".into(),
                reason: format!("`{text}`: {FORMS}"),
            }),
        }
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Period, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::p;
    use super::*;

    #[test]
    fn text_form_round_trips() {
        for text in [
            "2025",
            "2025-03",
            "2025-Q1",
            "2025-W10",
            "2025-W01",
            "2025-03-H1",
            "2025-12-H2",
            "2025-03-01..2025-03-20",
        ] {
            assert_eq!(p(text).to_string(), text);
            let json = serde_json::to_string(&p(text)).unwrap();
            assert_eq!(serde_json::from_str::<Period>(&json).unwrap(), p(text));
        }
        assert_eq!(p(" 2025-q4 ").to_string(), "2025-Q4");
    }

    #[test]
    fn bad_period_text_names_the_field() {
        let field = |text: &str| text.parse::<Period>().unwrap_err().field().to_owned();
        assert_eq!(field("2025-13"), "period.month");
        assert_eq!(field("2025-Q5"), "period.quarter");
        assert_eq!(field("2025-W54"), "period.week");
        assert_eq!(field("2025-03-H3"), "period.half");
        assert_eq!(field("2025-03-X1"), "period.half");
        assert_eq!(field("20251-03"), "period.year");
        assert_eq!(field("25-03"), "period");
        assert_eq!(field("2025-03-20..2025-03-01"), "period.to");
        assert_eq!(field("2025-02-30..2025-03-01"), "period.from");
        assert_eq!(field("last month"), "period");
        assert_eq!(field("2025-03-01-02"), "period");
        assert!(serde_json::from_str::<Period>("\"2025-13\"")
            .unwrap_err()
            .to_string()
            .contains("period.month"));
    }
}
