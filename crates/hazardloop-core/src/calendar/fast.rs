//! Precomputed lookups that make working-day arithmetic cheap: a dense table of day kinds over
//! the listed span, and the zone's fixed UTC offset where it has had one since 2000.

use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use super::{Calendar, Day, DayKind};

/// Lookups derived from the calendar's data; rebuilt whenever the data changes.
#[derive(Clone, Debug, Default)]
pub(super) struct Fast {
    /// The kinds of every date from `first` on, with the covered flag, the instant the day
    /// ends (its end of day, as the calendar's zone has it) and its ranks.
    first: Option<NaiveDate>,
    days: Vec<TableDay>,
    /// The table's working days by rank: the index of the `k`th working day is `working[k]`.
    working: Vec<u32>,
    /// The zone's offset, if it was the same on every month's first day from 2000 to 2100.
    fixed: Option<FixedOffset>,
}

/// One date of the table.
#[derive(Clone, Copy, Debug)]
struct TableDay {
    kind: DayKind,
    official: bool,
    end: DateTime<Utc>,
    /// How many working days come before this one in the table (its rank, if it is one).
    rank: u32,
    /// How many days outside the official data come before this one in the table.
    unofficial_before: u32,
}

/// The range where a fixed offset is trusted: 2000-01-01 to 2100-01-01 UTC.
const FIXED_FROM: i64 = 946_684_800;
const FIXED_UNTIL: i64 = 4_102_444_800;

impl Fast {
    pub(super) fn build(cal: &Calendar) -> Fast {
        let mut fast = Fast { fixed: fixed_offset(cal.tz), ..Fast::default() };
        let Some((first, last)) = cal.listed else { return fast };
        let (mut rank, mut unofficial_before) = (0_u32, 0_u32);
        for (index, date) in first.iter_days().take_while(|d| *d <= last).enumerate() {
            let Ok(index) = u32::try_from(index) else { break };
            let day = cal.day_slow(date);
            let end = cal.end_of_day(date);
            fast.days.push(TableDay {
                kind: day.kind,
                official: day.official,
                end,
                rank,
                unofficial_before,
            });
            if day.kind.is_working() {
                fast.working.push(index);
                rank += 1;
            }
            unofficial_before += u32::from(!day.official);
        }
        fast.first = Some(first);
        fast
    }

    /// `n` working days from `at`, exactly as [`Calendar::reckon`] counts them, by rank on the
    /// table: the instant and whether a day it consulted lies outside the official data (the
    /// same days a walk of the calendar consults: every one from `at`'s day to the day found).
    /// `None` when the fixed offset does not apply or the walk would leave the table: the
    /// caller then walks.
    pub(super) fn reckon(&self, at: DateTime<Utc>, n: i32) -> Option<(DateTime<Utc>, bool)> {
        let offset = i64::from(self.fixed?.local_minus_utc());
        let secs = at.timestamp();
        if !(FIXED_FROM..FIXED_UNTIL).contains(&secs) {
            return None;
        }
        let first = i64::from(self.first?.to_epoch_days());
        let index = usize::try_from((secs + offset).div_euclid(86_400) - first).ok()?;
        let day = self.days.get(index)?;
        let forward = n >= 0;
        // Day 0 (or the first end before `at`): this day if it qualifies, else the nearest
        // working day that way.
        let qualifies = day.kind.is_working() && if forward { day.end >= at } else { day.end < at };
        let rank0 = i64::from(day.rank)
            + match (qualifies, forward) {
                (true, _) => 0,
                (false, true) => i64::from(day.kind.is_working()),
                (false, false) => -1,
            };
        // End `n` counts on from end 0; end -1 is the first end before `at`.
        let rank = rank0 + i64::from(n) + i64::from(!forward);
        let found = self.working_day(rank)?;
        let (lo, hi) = if forward { (index, found) } else { (found, index) };
        Some((self.days.get(found)?.end, self.unofficial_within(lo, hi)?))
    }

    /// The day, when `date` lies in the table.
    pub(super) fn day(&self, date: NaiveDate) -> Option<Day> {
        let index = usize::try_from((date - self.first?).num_days()).ok()?;
        let &TableDay { kind, official, .. } = self.days.get(index)?;
        Some(Day { date, kind, official })
    }

    /// The working day `steps` working days from the working day `date` (forward or back), by
    /// rank on the table, and whether a day it passed lies outside the official data (the
    /// same days, and the same answer, as a walk of the calendar). `None` when the walk would
    /// leave the table: the caller then walks the calendar.
    pub(super) fn advance(
        &self,
        date: NaiveDate,
        steps: u32,
        forward: bool,
    ) -> Option<(NaiveDate, bool)> {
        if steps == 0 {
            return Some((date, false));
        }
        let start = usize::try_from((date - self.first?).num_days()).ok()?;
        let day = self.days.get(start)?;
        let steps = i64::from(steps);
        let (found, lo, hi) = if forward {
            let found = self
                .working_day(i64::from(day.rank) + i64::from(day.kind.is_working()) + steps - 1)?;
            (found, start.checked_add(1)?, found)
        } else {
            let found = self.working_day(i64::from(day.rank) - steps)?;
            (found, found, start.checked_sub(1)?)
        };
        let days = Days::new(u64::try_from(found.abs_diff(start)).ok()?);
        let to = if forward { date.checked_add_days(days) } else { date.checked_sub_days(days) };
        Some((to?, self.unofficial_within(lo, hi)?))
    }

    /// The table index of the working day of `rank`, if the table has it.
    fn working_day(&self, rank: i64) -> Option<usize> {
        let &index = self.working.get(usize::try_from(rank).ok()?)?;
        usize::try_from(index).ok()
    }

    /// Whether a day of the table from `lo` to `hi` (both included) lies outside the official
    /// data.
    fn unofficial_within(&self, lo: usize, hi: usize) -> Option<bool> {
        let (lo, hi) = (self.days.get(lo)?, self.days.get(hi)?);
        Some(hi.unofficial_before + u32::from(!hi.official) > lo.unofficial_before)
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

fn fixed_offset(tz: Tz) -> Option<FixedOffset> {
    let probe = |y: i32, m: u32| {
        let at = NaiveDate::from_ymd_opt(y, m, 1)?.and_hms_opt(0, 0, 0)?;
        Some(tz.offset_from_utc_datetime(&at).fix())
    };
    let first = probe(2000, 1)?;
    let constant = (2000..2100).all(|y| (1..=12).all(|m| probe(y, m) == Some(first)));
    constant.then_some(first)
}
