//! Precomputed lookups that make working-day arithmetic cheap: a dense table of day kinds over
//! the listed span, and the zone's fixed UTC offset where it has had one since 2000.

use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use super::{Calendar, Day, DayKind};

/// Lookups derived from the calendar's data; rebuilt whenever the data changes.
#[derive(Clone, Debug, Default)]
pub(super) struct Fast {
    /// The kinds of every date from `first` on, with the covered flag and the instant the day
    /// ends (its end of day, as the calendar's zone has it).
    first: Option<NaiveDate>,
    days: Vec<TableDay>,
    /// The zone's offset, if it was the same on every month's first day from 2000 to 2100.
    fixed: Option<FixedOffset>,
}

/// One date of the table.
#[derive(Clone, Copy, Debug)]
struct TableDay {
    kind: DayKind,
    official: bool,
    end: DateTime<Utc>,
}

/// The range where a fixed offset is trusted: 2000-01-01 to 2100-01-01 UTC.
const FIXED_FROM: i64 = 946_684_800;
const FIXED_UNTIL: i64 = 4_102_444_800;

impl Fast {
    pub(super) fn build(cal: &Calendar) -> Fast {
        let mut fast = Fast { first: None, days: Vec::new(), fixed: fixed_offset(cal.tz) };
        if let Some((first, last)) = cal.listed {
            fast.days = first
                .iter_days()
                .take_while(|d| *d <= last)
                .map(|d| {
                    let day = cal.day_slow(d);
                    TableDay { kind: day.kind, official: day.official, end: cal.end_of_day(d) }
                })
                .collect();
            fast.first = Some(first);
        }
        fast
    }

    /// `n` working days from `at`, exactly as [`Calendar::reckon`] counts them, as integer
    /// arithmetic on the table: the instant and whether a day it consulted lies outside the
    /// official data (the same days a walk of the calendar consults). `None` when the fixed
    /// offset does not apply or the walk would leave the table: the caller then walks.
    pub(super) fn reckon(&self, at: DateTime<Utc>, n: i32) -> Option<(DateTime<Utc>, bool)> {
        let offset = i64::from(self.fixed?.local_minus_utc());
        let secs = at.timestamp();
        if !(FIXED_FROM..FIXED_UNTIL).contains(&secs) {
            return None;
        }
        let first = i64::from(self.first?.to_epoch_days());
        let index = usize::try_from((secs + offset).div_euclid(86_400) - first).ok()?;
        let mut walk = TableWalk { days: &self.days, at: index, fell_back: false };
        let forward = n >= 0;
        // Day 0 (or the first end before `at`): this day if it qualifies, else the nearest
        // working day that way.
        let end = self.days.get(index)?.end;
        let qualifies = if forward { end >= at } else { end < at };
        if !(walk.working()? && qualifies) {
            walk.step(forward)?;
        }
        let steps = if forward { n.unsigned_abs() } else { n.unsigned_abs() - 1 };
        for _ in 0..steps {
            walk.step(forward)?;
        }
        Some((self.days.get(walk.at)?.end, walk.fell_back))
    }

    /// The day, when `date` lies in the table.
    pub(super) fn day(&self, date: NaiveDate) -> Option<Day> {
        let index = usize::try_from((date - self.first?).num_days()).ok()?;
        let &TableDay { kind, official, .. } = self.days.get(index)?;
        Some(Day { date, kind, official })
    }

    /// The working day `steps` working days from the working day `date` (forward or back),
    /// walking the table, and whether a day it passed lies outside the official data (the
    /// same days, and the same answer, as a walk of the calendar). `None` when the walk would
    /// leave the table: the caller then walks the calendar.
    pub(super) fn advance(
        &self,
        date: NaiveDate,
        steps: u32,
        forward: bool,
    ) -> Option<(NaiveDate, bool)> {
        let start = usize::try_from((date - self.first?).num_days()).ok()?;
        let (mut at, mut left, mut fell_back) = (start, steps, false);
        while left > 0 {
            at = if forward { at.checked_add(1)? } else { at.checked_sub(1)? };
            let &TableDay { kind, official, .. } = self.days.get(at)?;
            fell_back |= !official;
            if kind.is_working() {
                left -= 1;
            }
        }
        let days = Days::new(u64::try_from(at.abs_diff(start)).ok()?);
        let to = if forward { date.checked_add_days(days) } else { date.checked_sub_days(days) };
        Some((to?, fell_back))
    }

    /// The local date of `at`, when the fixed offset applies.
    pub(super) fn local_date(&self, at: DateTime<Utc>) -> Option<NaiveDate> {
        let offset = self.fixed?;
        (FIXED_FROM..FIXED_UNTIL)
            .contains(&at.timestamp())
            .then(|| (at.naive_utc() + offset).date())
    }

    /// `date` at `time` local, as UTC, when the fixed offset applies.
    pub(super) fn to_utc(&self, date: NaiveDate, time: chrono::NaiveTime) -> Option<DateTime<Utc>> {
        let offset = self.fixed?;
        (2000..2100).contains(&date.year()).then(|| (date.and_time(time) - offset).and_utc())
    }
}

/// A walk over the table's days by index, noting each day it consults.
struct TableWalk<'a> {
    days: &'a [TableDay],
    at: usize,
    fell_back: bool,
}

impl TableWalk<'_> {
    /// Whether the current day is a working day (consulting it).
    fn working(&mut self) -> Option<bool> {
        let &TableDay { kind, official, .. } = self.days.get(self.at)?;
        self.fell_back |= !official;
        Some(kind.is_working())
    }

    /// Moves to the nearest working day strictly after (or before) the current one.
    fn step(&mut self, forward: bool) -> Option<()> {
        loop {
            self.at = if forward { self.at.checked_add(1)? } else { self.at.checked_sub(1)? };
            if self.working()? {
                return Some(());
            }
        }
    }
}

fn fixed_offset(tz: Tz) -> Option<FixedOffset> {
    let probe = |y: i32, m: u32| {
        let at = NaiveDate::from_ymd_opt(y, m, 1)?.and_hms_opt(0, 0, 0)?;
        Some(tz.offset_from_utc_datetime(&at).fix())
    };
    let first = probe(2000, 1)?;
    let constant = (2000..2100).all(|y| (1..=12).all(|m| probe(y, m) == Some(first)));
    constant.then_some(first)
}
