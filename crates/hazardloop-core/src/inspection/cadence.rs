//! Cadences (检查频次): when a plan's occurrences fall, on the working-day calendar.
//!
//! [`slots`] turns a cadence into occurrence windows for a run of dates. It is pure and
//! deterministic: the same plan, calendar and dates give the same slots, each named by a
//! period key (`2026-09-H2`) that the store keeps unique per plan, so generating twice, or from
//! two processes at once, never makes an occurrence twice.

use chrono::offset::LocalResult;
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, DayKind, Span};
use crate::model::{named_enum, InputError};

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

/// One occurrence's place in time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    /// The period key, unique within the plan (`2026-09-14`, `2026-W38`, `2026-09-H2`).
    pub period: String,
    /// The first day it may be done on (local).
    pub first_day: NaiveDate,
    /// The last day it is due on (local).
    pub last_day: NaiveDate,
    /// When it opens.
    pub opens: DateTime<Utc>,
    /// When it is due: the end of its last day.
    pub due: DateTime<Utc>,
    /// When it closes: after this it is missed.
    pub closes: DateTime<Utc>,
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

/// The occurrence windows of `cadence` whose first day lies in `from..=to`, in order.
///
/// Only days that are `active` count: working days on `calendar` (with 调休), and, when
/// `skip_vacations`, not in a school vacation. A period with no active day has no occurrence.
pub fn slots(
    cadence: &Cadence,
    window: &Window,
    skip_vacations: bool,
    calendar: &Calendar,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<Slot> {
    let active =
        |d: NaiveDate| calendar.is_working_day(d) && !(skip_vacations && calendar.is_vacation(d));
    let mut out = Vec::new();
    if to < from {
        return out;
    }
    let mut push = |period: String, days: &[NaiveDate]| {
        if let (Some(first), Some(last)) = (days.first(), days.last()) {
            if *first >= from && *first <= to {
                out.push(slot(period, *first, *last, window, calendar));
            }
        }
    };
    // Periods are walked from the one containing `from - 1 year` at most; each cadence below
    // starts at the period containing `from`.
    match cadence {
        Cadence::WorkingDay => {
            for d in from.iter_days().take_while(|d| *d <= to).filter(|d| active(*d)) {
                push(d.format("%Y-%m-%d").to_string(), &[d]);
            }
        }
        Cadence::Week { day } => {
            let mut start = from - Days::new(u64::from(from.weekday().num_days_from_monday()));
            while start <= to {
                let end = start + Days::new(6);
                let iso = start.iso_week();
                let days = pick(actives(start, end, &active), *day);
                push(format!("{}-W{:02}", iso.year(), iso.week()), &days);
                start = end + Days::new(1);
            }
        }
        Cadence::HalfMonth { day } => {
            let mut start = if from.day() > 15 { with_day(from, 16) } else { with_day(from, 1) };
            while start <= to {
                let (end, half) =
                    if start.day() == 1 { (with_day(start, 15), 1) } else { (month_end(start), 2) };
                let days = pick(actives(start, end, &active), *day);
                push(format!("{}-{:02}-H{half}", start.year(), start.month()), &days);
                start = end + Days::new(1);
            }
        }
        Cadence::Month { day } => months(from, to, 1, &active, *day, &mut |s, d| {
            push(format!("{}-{:02}", s.year(), s.month()), d)
        }),
        Cadence::Quarter { day } => months(from, to, 3, &active, *day, &mut |s, d| {
            push(format!("{}-Q{}", s.year(), (s.month() - 1) / 3 + 1), d)
        }),
        Cadence::HalfYear { day } => months(from, to, 6, &active, *day, &mut |s, d| {
            push(format!("{}-H{}", s.year(), (s.month() - 1) / 6 + 1), d)
        }),
        Cadence::TermStart { .. } | Cadence::TermEnd { .. } | Cadence::MidTerm => {
            let at_start = matches!(cadence, Cadence::TermStart { .. });
            for term in calendar.terms() {
                let all = actives(term.start, term.end, &active);
                let n = usize::try_from(match cadence {
                    Cadence::TermStart { days } | Cadence::TermEnd { days } => *days,
                    _ => 0,
                })
                .unwrap_or(usize::MAX);
                let (key, chosen): (&str, Vec<NaiveDate>) = match cadence {
                    Cadence::MidTerm => {
                        let middle = term.start + Days::new(half_days(term.start, term.end));
                        let monday =
                            middle - Days::new(u64::from(middle.weekday().num_days_from_monday()));
                        let sunday = monday + Days::new(6);
                        ("mid", all.into_iter().filter(|d| *d >= monday && *d <= sunday).collect())
                    }
                    _ if at_start => ("start", all.into_iter().take(n).collect()),
                    _ => {
                        let skip = all.len().saturating_sub(n);
                        ("end", all.into_iter().skip(skip).collect())
                    }
                };
                push(format!("{}/{key}", term.name), &chosen);
            }
        }
        Cadence::BeforeHoliday { days } => {
            let n = usize::try_from(*days).unwrap_or(usize::MAX);
            // A holiday is a run of non-working days holding at least one public holiday; the
            // occurrence takes the last `days` active days before the run (within 30 days).
            let working = |d: NaiveDate| calendar.is_working_day(d);
            let step = |d: NaiveDate| d.succ_opt().unwrap_or(d);
            let back = |d: NaiveDate| d.pred_opt().unwrap_or(d);
            let stop = to + Days::new(45);
            let mut d = from;
            while d <= stop {
                if working(d) {
                    d = step(d);
                    continue;
                }
                let (mut first, mut end) = (d, d);
                while !working(back(first)) && (d - first).num_days() < 60 {
                    first = back(first);
                }
                while !working(step(end)) && (end - d).num_days() < 60 {
                    end = step(end);
                }
                let holiday = first
                    .iter_days()
                    .take_while(|x| *x <= end)
                    .any(|x| calendar.day(x).kind == DayKind::Holiday);
                if holiday {
                    let before = actives(first - Days::new(30), back(first), &active);
                    let skip = before.len().saturating_sub(n);
                    let chosen: Vec<NaiveDate> = before.into_iter().skip(skip).collect();
                    push(format!("before-{}", first.format("%Y-%m-%d")), &chosen);
                }
                d = step(end);
            }
        }
        Cadence::Once { from: a, to: b } => {
            push("once".into(), &actives(*a, *b, &active));
        }
    }
    out.sort_by_key(|s| s.first_day);
    out.dedup_by(|a, b| a.period == b.period);
    out
}

fn slot(
    period: String,
    first: NaiveDate,
    last: NaiveDate,
    window: &Window,
    calendar: &Calendar,
) -> Slot {
    let due = calendar.end_of_day(last);
    let opens = local(calendar, first, window.opens_at).min(due);
    let closes = calendar.add(due, window.close_after).max(due);
    Slot { period, first_day: first, last_day: last, opens, due, closes }
}

/// `date` at local `time` on the calendar's zone (the earlier instant when it occurs twice).
fn local(calendar: &Calendar, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let naive = date.and_time(time);
    match calendar.time_zone().from_local_datetime(&naive) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at.with_timezone(&Utc),
        LocalResult::None => naive.and_utc(),
    }
}

fn actives(
    start: NaiveDate,
    end: NaiveDate,
    active: &impl Fn(NaiveDate) -> bool,
) -> Vec<NaiveDate> {
    start.iter_days().take_while(|d| *d <= end).filter(|d| active(*d)).collect()
}

/// The whole run of active days (`None`), or only its n-th day.
fn pick(days: Vec<NaiveDate>, nth: Option<u32>) -> Vec<NaiveDate> {
    match nth {
        None => days,
        Some(n) => {
            let i = usize::try_from(n.saturating_sub(1)).unwrap_or(usize::MAX);
            days.get(i).map(|d| vec![*d]).unwrap_or_default()
        }
    }
}

fn months(
    from: NaiveDate,
    to: NaiveDate,
    step: u32,
    active: &impl Fn(NaiveDate) -> bool,
    day: Option<u32>,
    push: &mut impl FnMut(NaiveDate, &[NaiveDate]),
) {
    let first_month = (from.month() - 1) / step * step + 1;
    let mut start = NaiveDate::from_ymd_opt(from.year(), first_month, 1).unwrap_or(from);
    while start <= to {
        let next = start.checked_add_months(chrono::Months::new(step)).unwrap_or(NaiveDate::MAX);
        let end = next.pred_opt().unwrap_or(next);
        push(start, &pick(actives(start, end, active), day));
        if next == NaiveDate::MAX {
            break;
        }
        start = next;
    }
}

fn with_day(date: NaiveDate, day: u32) -> NaiveDate {
    date.with_day(day).unwrap_or(date)
}

fn month_end(date: NaiveDate) -> NaiveDate {
    let next = date.with_day(1).and_then(|d| d.checked_add_months(chrono::Months::new(1)));
    next.and_then(|d| d.pred_opt()).unwrap_or(date)
}

fn half_days(start: NaiveDate, end: NaiveDate) -> u64 {
    u64::try_from((end - start).num_days() / 2).unwrap_or(0)
}
