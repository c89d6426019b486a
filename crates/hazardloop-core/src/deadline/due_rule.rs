//! A due rule: how a clock's due time is computed from its start (`5wd`, `2h`, `month_end`).

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, Reckoning, Span};
use crate::model::InputError;

/// How a due time is computed from its start: a span, or the end of the start's month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DueRule {
    /// A span after the start (`5wd`, `2h`, `10d`).
    After(Span),
    /// The last working day of the start's month, at the end of the working day (`month_end`).
    MonthEnd,
}

impl DueRule {
    /// The due time for a start at `from`.
    pub fn due(&self, calendar: &Calendar, from: DateTime<Utc>) -> DateTime<Utc> {
        self.reckon(calendar, from).at
    }

    /// The due time for a start at `from`, and whether it is provisional: reckoned over dates
    /// past the calendar's horizon, whose 调休 no notice gives yet ([`Reckoning::fell_back`]).
    /// A provisional due time is logged once per calendar and horizon.
    pub fn reckon(&self, calendar: &Calendar, from: DateTime<Utc>) -> Reckoning {
        let reckoning = self.reckon_quietly(calendar, from);
        if reckoning.fell_back && calendar.horizon().is_some() {
            calendar.warn_provisional(reckoning.at);
        }
        reckoning
    }

    fn reckon_quietly(&self, calendar: &Calendar, from: DateTime<Utc>) -> Reckoning {
        match *self {
            DueRule::After(span) => calendar.reckon(from, span),
            DueRule::MonthEnd => {
                let date = calendar.local_date(from);
                let (y, m) = if date.month() == 12 {
                    (date.year() + 1, 1)
                } else {
                    (date.year(), date.month() + 1)
                };
                let first_next = NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(date);
                let mut last = first_next.pred_opt().unwrap_or(date);
                while !calendar.is_working_day(last) && last > date {
                    last = last.pred_opt().unwrap_or(date);
                }
                let due = calendar.end_of_day(last);
                // Closed on the month's last working day after hours: the next working day's end.
                if due <= from {
                    calendar.reckon(from, Span::working_days(0))
                } else {
                    let fell_back = !calendar.day(last).official;
                    Reckoning { at: due, fell_back }
                }
            }
        }
    }

    /// Checks a rule can serve as a deadline (positive span); errors name `field`.
    pub fn validate(&self, field: &str) -> Result<(), InputError> {
        match self {
            DueRule::After(span) if span.amount < 0 => Err(InputError::Malformed {
                field: field.into(),
                reason: "must not be negative".into(),
            }),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for DueRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DueRule::After(span) => span.fmt(f),
            DueRule::MonthEnd => f.write_str("month_end"),
        }
    }
}

impl std::str::FromStr for DueRule {
    type Err = InputError;
    fn from_str(s: &str) -> Result<Self, InputError> {
        match s {
            "month_end" => Ok(DueRule::MonthEnd),
            _ => s.parse::<Span>().map(DueRule::After),
        }
    }
}

impl Serialize for DueRule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DueRule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
