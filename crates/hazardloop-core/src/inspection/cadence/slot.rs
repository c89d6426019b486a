//! Slots: the occurrence windows a cadence yields over a run of dates on the working-day
//! calendar, each named by a period key unique within its plan.

use chrono::offset::LocalResult;
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::{Cadence, Window};
use crate::calendar::{Calendar, DayKind};

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
