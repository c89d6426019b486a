//! Cadences (检查频次): when a plan's occurrences fall, on the working-day calendar.
//!
//! [`slots`] turns a cadence into occurrence windows for a run of dates. It is pure and
//! deterministic: the same plan, calendar and dates give the same slots, each named by a
//! period key (`2026-09-H2`) that the store keeps unique per plan, so generating twice, or from
//! two processes at once, never makes an occurrence twice.

mod slot;

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::calendar::Span;
use crate::model::{named_enum, InputError};

pub use slot::{slots, Slot};

/// How often a plan's inspection falls.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "every", rename_all = "snake_case", deny_unknown_fields)]
pub enum Cadence {
    /// Every working day (日检查, 日常巡查).
    WorkingDay,
    /// Every week (周检查).
    Week {
        /// Held on the n-th working day of the week (1 = the first); none: any day of it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        day: Option<u32>,
    },
    /// Every half month: the 1st–15th and the 16th–end (半月集中检查, seed 004 七(四)).
    HalfMonth {
        /// Held on the n-th working day of the half month; none: any day of it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        day: Option<u32>,
    },
    /// Every month (月检查).
    Month {
        /// Held on the n-th working day of the month; none: any day of it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        day: Option<u32>,
    },
    /// Every quarter (季度检查): January, April, July, October.
    Quarter {
        /// Held on the n-th working day of the quarter; none: any day of it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        day: Option<u32>,
    },
    /// Every half year (半年检查): January–June and July–December.
    HalfYear {
        /// Held on the n-th working day of the half year; none: any day of it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        day: Option<u32>,
    },
    /// The first `days` working days of each term (开学前后检查).
    TermStart {
        /// How many working days.
        days: u32,
    },
    /// The week in the middle of each term (期中检查).
    MidTerm,
    /// The last `days` working days of each term (期末/放假前检查).
    TermEnd {
        /// How many working days.
        days: u32,
    },
    /// The last `days` working days before each public holiday (节假日前检查).
    BeforeHoliday {
        /// How many working days.
        days: u32,
    },
    /// Once, from `from` to `to` (专项检查).
    Once {
        /// The first day.
        #[serde(with = "super::dates")]
        from: NaiveDate,
        /// The last day.
        #[serde(with = "super::dates")]
        to: NaiveDate,
    },
}

/// The kind of a cadence, for display and statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CadenceKind {
    /// Every working day.
    WorkingDay,
    /// Weekly.
    Week,
    /// Half-monthly.
    HalfMonth,
    /// Monthly.
    Month,
    /// Quarterly.
    Quarter,
    /// Half-yearly.
    HalfYear,
    /// At term start.
    TermStart,
    /// Mid-term.
    MidTerm,
    /// At term end.
    TermEnd,
    /// Before public holidays.
    BeforeHoliday,
    /// Once.
    Once,
}

named_enum!(CadenceKind {
    WorkingDay => ("每日", "every working day"),
    Week => ("每周", "weekly"),
    HalfMonth => ("每半月", "half-monthly"),
    Month => ("每月", "monthly"),
    Quarter => ("每季度", "quarterly"),
    HalfYear => ("每半年", "half-yearly"),
    TermStart => ("开学", "term start"),
    MidTerm => ("期中", "mid-term"),
    TermEnd => ("期末", "term end"),
    BeforeHoliday => ("节假日前", "before holidays"),
    Once => ("一次性", "once"),
});

/// The availability window of each occurrence, relative to its days.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// The local time an occurrence opens on its first day.
    #[serde(default = "default_opens_at")]
    pub opens_at: NaiveTime,
    /// How long after the due time (the end of its last day) late submissions are taken; the
    /// occurrence is missed when this passes.
    #[serde(default = "default_close_after")]
    pub close_after: Span,
}

fn default_opens_at() -> NaiveTime {
    NaiveTime::from_hms_opt(8, 0, 0).unwrap_or(NaiveTime::MIN)
}

fn default_close_after() -> Span {
    Span::working_days(1)
}

impl Default for Window {
    fn default() -> Self {
        Window { opens_at: default_opens_at(), close_after: default_close_after() }
    }
}

impl Cadence {
    /// Its kind.
    pub fn kind(&self) -> CadenceKind {
        match self {
            Cadence::WorkingDay => CadenceKind::WorkingDay,
            Cadence::Week { .. } => CadenceKind::Week,
            Cadence::HalfMonth { .. } => CadenceKind::HalfMonth,
            Cadence::Month { .. } => CadenceKind::Month,
            Cadence::Quarter { .. } => CadenceKind::Quarter,
            Cadence::HalfYear { .. } => CadenceKind::HalfYear,
            Cadence::TermStart { .. } => CadenceKind::TermStart,
            Cadence::MidTerm => CadenceKind::MidTerm,
            Cadence::TermEnd { .. } => CadenceKind::TermEnd,
            Cadence::BeforeHoliday { .. } => CadenceKind::BeforeHoliday,
            Cadence::Once { .. } => CadenceKind::Once,
        }
    }

    /// Checks the numbers; `field` names the cadence in errors.
    pub fn validate(&self, field: &str) -> Result<(), InputError> {
        let positive = |name: &str, n: u32, max: u32| {
            if n == 0 || n > max {
                Err(InputError::NotAllowed {
                    field: format!("{field}.{name}"),
                    value: n.to_string(),
                    allowed: format!("1..={max}"),
                })
            } else {
                Ok(())
            }
        };
        match self {
            Cadence::Week { day: Some(d) } => positive("day", *d, 7),
            Cadence::HalfMonth { day: Some(d) } => positive("day", *d, 16),
            Cadence::Month { day: Some(d) } => positive("day", *d, 31),
            Cadence::Quarter { day: Some(d) } | Cadence::HalfYear { day: Some(d) } => {
                positive("day", *d, 60)
            }
            Cadence::TermStart { days } | Cadence::TermEnd { days } => positive("days", *days, 30),
            Cadence::BeforeHoliday { days } => positive("days", *days, 10),
            Cadence::Once { from, to } if to < from => Err(InputError::OutOfOrder {
                field: format!("{field}.to"),
                reason: format!("{to} is before {from}"),
            }),
            _ => Ok(()),
        }
    }
}
