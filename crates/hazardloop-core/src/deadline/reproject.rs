//! Re-projection (重新推算) of provisional deadlines after a holiday notice is loaded.
//!
//! A provisional due time was reckoned in working days over dates no notice covered. It is
//! re-reckoned as the same number of working days from an anchor both calendars agree on: the
//! end of the last working day before `since`, the first date the new notice may change. So a
//! 5-working-day deadline stays 5 working days, now counted with the notice's holidays and
//! adjusted working days (调休), without knowing when or from which rule the clock started.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{ClockKind, ClockSet, Deadlines};
use crate::calendar::{Calendar, Span};

/// One provisional clock after a new notice: where it was, where it is now, and whether it is
/// still provisional (its count still reaches past the new horizon).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Reprojection {
    /// The clock.
    pub clock: ClockKind,
    /// Its due time before.
    pub from: DateTime<Utc>,
    /// Its due time now (equal to `from` when the notice confirms it).
    pub to: DateTime<Utc>,
    /// Whether it is still provisional.
    pub provisional: bool,
}

/// The provisional clocks among `clocks` re-reckoned from the `old` calendar to the `new` one,
/// which agree on every date before `since`. A clock whose due time is before `since`, or is not
/// the end of a working day (hours and calendar days never were provisional), is left alone,
/// and so is one the new calendar neither moves nor confirms.
pub fn reproject(
    old: &Calendar,
    new: &Calendar,
    since: NaiveDate,
    clocks: &Deadlines,
    provisional: ClockSet,
) -> Vec<Reprojection> {
    let Some(anchor) = anchor(old, since) else { return Vec::new() };
    let mut moved = Vec::new();
    for (clock, from) in clocks.iter().filter(|(k, _)| provisional.contains(*k)) {
        let date = old.local_date(from);
        let at_day_end = old.is_working_day(date) && old.end_of_day(date) == from;
        if date < since || !at_day_end {
            continue;
        }
        let count = old.working_days_between(anchor, from);
        let reckoned = new.reckon(anchor, Span::working_days(count));
        if reckoned.at != from || !reckoned.fell_back {
            moved.push(Reprojection {
                clock,
                from,
                to: reckoned.at,
                provisional: reckoned.fell_back,
            });
        }
    }
    moved
}

/// The end of the last working day before `since` (the same day on both calendars).
fn anchor(old: &Calendar, since: NaiveDate) -> Option<DateTime<Utc>> {
    let mut date = since.pred_opt()?;
    while !old.is_working_day(date) {
        date = date.pred_opt()?;
    }
    Some(old.end_of_day(date))
}
