//! Adding spans to instants, and counting working days between instants.
//!
//! Working-day arithmetic walks the *ends* of working days: the instants at which a working day
//! ends (its local end-of-day time). Index them around an instant `at` so that end 0 is the first
//! one at or after `at`; then `n` working days from `at` is end `n`, for negative `n` too.

use chrono::{DateTime, TimeDelta, Utc};

use super::walk::{Direction, Walk};
use super::{Calendar, Span, SpanUnit};

/// The outcome of adding a [`Span`] to an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Reckoning {
    /// The resulting instant.
    pub at: DateTime<Utc>,
    /// True if any date consulted lies in a year the official data does not cover, so that
    /// holidays there were not known and weekends only were used. Elapsed-time spans (`d`, `h`,
    /// `min`) consult no date and never fall back.
    pub fell_back: bool,
}

impl Calendar {
    /// Adds `span` to `at`.
    ///
    /// - **Working days, `n >= 0`**: the end of the working day `n` working days after day 0.
    ///   Day 0 is the local date of `at` if that is a working day and `at` is not after its end
    ///   of day; otherwise the next working day. So `0wd` means "by the end of the same working
    ///   day" (registration), `5wd` "within a week", and the result is never before `at`.
    /// - **Working days, `n < 0`** (warning offsets): the `|n|`-th working-day end strictly
    ///   before `at`. From a due time at a working day's end (Monday 17:30) `-1wd` is the end of
    ///   the previous working day (Friday 17:30, or the last working day before a holiday).
    /// - **Calendar days**: `at + n × 24 h`. **Hours, minutes**: elapsed time.
    ///
    /// For fixed `at` the working-day result strictly increases with `n` and always lands on a
    /// working day's end of day, except that results beyond the range of dates chrono can
    /// represent saturate to [`DateTime::<Utc>::MAX_UTC`] / [`MIN_UTC`](DateTime::<Utc>::MIN_UTC).
    pub fn reckon(&self, at: DateTime<Utc>, span: Span) -> Reckoning {
        let amount = i64::from(span.amount);
        let delta = match span.unit {
            SpanUnit::WorkingDays => return self.reckon_working_days(at, span.amount),
            SpanUnit::CalendarDays => TimeDelta::try_days(amount),
            SpanUnit::Hours => TimeDelta::try_hours(amount),
            SpanUnit::Minutes => TimeDelta::try_minutes(amount),
        };
        let moved = delta.and_then(|delta| at.checked_add_signed(delta));
        Reckoning { at: moved.unwrap_or(saturated(span.amount)), fell_back: false }
    }

    /// `span` after `at`: [`Calendar::reckon`] without the fallback flag.
    pub fn add(&self, at: DateTime<Utc>, span: Span) -> DateTime<Utc> {
        self.reckon(at, span).at
    }

    /// `n` working days after `at` (before it when negative); see [`Calendar::reckon`].
    pub fn add_working_days(&self, at: DateTime<Utc>, n: i32) -> DateTime<Utc> {
        self.add(at, Span::working_days(n))
    }

    /// The signed number of working-day ends passed going from `from` to `to`: those after
    /// `from` and at or before `to`, negated when `to` is before `from`. Used for "days late"
    /// (`working_days_between(due, now)`): 0 until the end of the first working day after the
    /// due time, then 1, and so on. If `from` is itself a working day's end,
    /// `working_days_between(from, add_working_days(from, n)) == n`.
    pub fn working_days_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i32 {
        let (lo, hi, sign) = if from <= to { (from, to, 1) } else { (to, from, -1) };
        let mut walk = Walk { cal: self, fell_back: false };
        let count = match (
            walk.day_ending_beyond(lo, false, Direction::Forward),
            walk.day_ending_beyond(hi, true, Direction::Backward),
        ) {
            (Some(first), Some(last)) if first <= last => walk.count(first, last),
            _ => 0,
        };
        sign * i32::try_from(count).unwrap_or(i32::MAX)
    }

    fn reckon_working_days(&self, at: DateTime<Utc>, n: i32) -> Reckoning {
        if let Some((at, fell_back)) = self.fast.reckon(at, n) {
            return Reckoning { at, fell_back };
        }
        let mut walk = Walk { cal: self, fell_back: false };
        let date = if n >= 0 {
            walk.day_ending_beyond(at, true, Direction::Forward)
                .and_then(|day0| walk.advance(day0, n.unsigned_abs(), Direction::Forward))
        } else {
            walk.day_ending_beyond(at, false, Direction::Backward)
                .and_then(|first| walk.advance(first, n.unsigned_abs() - 1, Direction::Backward))
        };
        let at = date.map_or(saturated(n), |date| self.end_of_day(date));
        Reckoning { at, fell_back: walk.fell_back }
    }
}

/// The far end of time in the direction of `amount`.
fn saturated(amount: i32) -> DateTime<Utc> {
    if amount < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, TimeZone};
    use proptest::prelude::*;

    /// An instant given in Beijing time.
    fn bj(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Shanghai.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn five_working_days_skip_national_day_week() {
        let cal = Calendar::china();
        // Found Thursday 25 September 2025; Sunday 28 September is worked, 1–8 October are off.
        let due = cal.add(bj(2025, 9, 25, 9, 0), Span::working_days(5));
        assert_eq!(due, bj(2025, 10, 9, 17, 30));
    }

    #[test]
    fn same_day_registration_is_due_at_end_of_that_day() {
        let cal = Calendar::china();
        assert_eq!(cal.add_working_days(bj(2025, 3, 12, 9, 0), 0), bj(2025, 3, 12, 17, 30));
        assert_eq!(cal.add_working_days(bj(2025, 3, 12, 17, 30), 0), bj(2025, 3, 12, 17, 30));
    }

    #[test]
    fn same_day_registration_after_end_of_day_rolls_to_next_working_day() {
        let cal = Calendar::china();
        // Friday evening before the 2026 Spring Festival: Saturday 14 February is worked.
        assert_eq!(cal.add_working_days(bj(2026, 2, 13, 18, 0), 0), bj(2026, 2, 14, 17, 30));
        // Saturday 14 February evening: next working day is Tuesday 24 February.
        assert_eq!(cal.add_working_days(bj(2026, 2, 14, 20, 0), 0), bj(2026, 2, 24, 17, 30));
    }

    #[test]
    fn discovery_on_a_holiday_counts_from_the_next_working_day() {
        let cal = Calendar::china();
        // 3 working days for a major-hazard plan, reported on National Day 2024.
        assert_eq!(cal.add_working_days(bj(2024, 10, 1, 10, 0), 3), bj(2024, 10, 11, 17, 30));
    }

    #[test]
    fn warning_one_working_day_before_monday_due_is_friday() {
        let cal = Calendar::china();
        assert_eq!(cal.add_working_days(bj(2025, 3, 17, 17, 30), -1), bj(2025, 3, 14, 17, 30));
        // Due on the first day back from National Day 2025: warned at the end of Tuesday
        // 30 September, the last working day before the holiday.
        assert_eq!(cal.add_working_days(bj(2025, 10, 9, 17, 30), -1), bj(2025, 9, 30, 17, 30));
        assert_eq!(cal.add_working_days(bj(2025, 10, 9, 17, 30), -2), bj(2025, 9, 29, 17, 30));
        assert_eq!(cal.add_working_days(bj(2025, 9, 30, 17, 30), -2), bj(2025, 9, 28, 17, 30));
    }

    #[test]
    fn negative_working_days_from_a_non_working_day_start_with_the_last_working_day() {
        let cal = Calendar::china();
        assert_eq!(cal.add_working_days(bj(2025, 3, 15, 10, 0), -1), bj(2025, 3, 14, 17, 30));
        assert_eq!(cal.add_working_days(bj(2025, 3, 14, 18, 0), -1), bj(2025, 3, 14, 17, 30));
    }

    #[test]
    fn elapsed_spans_ignore_the_calendar() {
        let cal = Calendar::china();
        let at = bj(2025, 10, 1, 10, 0);
        assert_eq!(cal.add(at, Span::minutes(30)), bj(2025, 10, 1, 10, 30));
        assert_eq!(cal.add(at, Span::hours(2)), bj(2025, 10, 1, 12, 0));
        assert_eq!(cal.add(at, Span::days(10)), bj(2025, 10, 11, 10, 0));
        assert_eq!(cal.add(at, Span::days(-1)), bj(2025, 9, 30, 10, 0));
        assert!(!cal.reckon(bj(2031, 1, 1, 0, 0), Span::days(3)).fell_back);
    }

    #[test]
    fn uncovered_year_reckoning_says_it_fell_back() {
        let cal = Calendar::china();
        assert!(!cal.reckon(bj(2025, 3, 12, 9, 0), Span::working_days(5)).fell_back);
        let late = cal.reckon(bj(2026, 12, 28, 9, 0), Span::working_days(5));
        assert!(late.fell_back);
        // Past the horizon New Year's Day is still off (statutory), so not Monday 4 January.
        assert_eq!(late.at, bj(2027, 1, 5, 17, 30));
        let skipped = cal.reckon(bj(2026, 11, 2, 9, 0), Span::working_days(300));
        assert!(skipped.fell_back);
        assert!(cal.reckon(bj(2023, 12, 29, 9, 0), Span::working_days(1)).fell_back);
    }

    #[test]
    fn days_late_counts_working_day_ends_after_the_due_time() {
        let cal = Calendar::china();
        let due = bj(2025, 9, 26, 17, 30); // Friday
        assert_eq!(cal.working_days_between(due, bj(2025, 9, 26, 18, 0)), 0);
        assert_eq!(cal.working_days_between(due, bj(2025, 9, 28, 17, 29)), 0);
        assert_eq!(cal.working_days_between(due, bj(2025, 9, 28, 17, 30)), 1);
        assert_eq!(cal.working_days_between(due, bj(2025, 10, 9, 10, 0)), 3);
        assert_eq!(cal.working_days_between(bj(2025, 10, 9, 10, 0), due), -3);
        assert_eq!(cal.working_days_between(due, due), 0);
    }

    #[test]
    fn huge_spans_saturate_instead_of_looping_or_panicking() {
        let cal = Calendar::china();
        let at = bj(2025, 3, 12, 9, 0);
        assert_eq!(cal.add_working_days(at, i32::MAX), DateTime::<Utc>::MAX_UTC);
        assert_eq!(cal.add_working_days(at, i32::MIN), DateTime::<Utc>::MIN_UTC);
        assert_eq!(cal.add(at, Span::days(i32::MAX)), DateTime::<Utc>::MAX_UTC);
        assert!(cal.add_working_days(at, 50_000_000) > at);
        let (min, max) = (DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
        assert!(cal.working_days_between(min, max) > 100_000_000);
        assert_eq!(cal.add_working_days(max, 1), max);
        assert_eq!(cal.add_working_days(min, -1), min);
    }

    #[test]
    fn the_table_walk_reports_uncovered_days_as_the_calendar_walk_does() {
        // A local holiday in 2031 stretches the table over years no notice covers.
        let mut cal = Calendar::china();
        cal.local_holidays.insert(chrono::NaiveDate::from_ymd_opt(2031, 5, 6).unwrap());
        cal.reindex();
        let mut plain = cal.clone();
        plain.fast = super::super::fast::Fast::default();
        let mut fell_back = 0;
        for (at, n) in
            [(bj(2026, 12, 20, 9, 0), 30), (bj(2028, 3, 1, 9, 0), 5), (bj(2031, 6, 1, 9, 0), -40)]
        {
            let span = Span::working_days(n);
            assert_eq!(cal.reckon(at, span), plain.reckon(at, span), "{at} {n}");
            fell_back += usize::from(cal.reckon(at, span).fell_back);
        }
        assert_eq!(fell_back, 3, "each walk passed a day of an uncovered year");
        // At the edge of the notices: walks whose only uncovered day is the last one they
        // consult (back from the first uncovered day, on to it from the working day before).
        let mut uncovered = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        while cal.day(uncovered).official {
            uncovered = uncovered.succ_opt().unwrap();
        }
        let mut before = uncovered.pred_opt().unwrap();
        while !cal.is_working_day(before) {
            before = before.pred_opt().unwrap();
        }
        let morning = cal.end_of_day(uncovered) - chrono::TimeDelta::hours(8);
        for (at, n) in [(morning, -1), (morning, -3), (cal.end_of_day(before), 1)] {
            let span = Span::working_days(n);
            assert_eq!(cal.reckon(at, span), plain.reckon(at, span), "{at} {n}");
        }
        assert!(cal.reckon(morning, Span::working_days(-1)).fell_back);
        // A notice for the year after the uncovered one: walks whose only uncovered day is the
        // first one they consult.
        let next = crate::calendar::HolidayYear {
            year: uncovered.year() + 1,
            source: "a test notice".into(),
            holidays: Vec::new(),
            workdays: Vec::new(),
        };
        cal.load_year(next).unwrap();
        let mut plain = cal.clone();
        plain.fast = super::super::fast::Fast::default();
        let last = chrono::NaiveDate::from_ymd_opt(uncovered.year(), 12, 31).unwrap();
        let evening = cal.end_of_day(last) + chrono::TimeDelta::hours(1);
        for (at, n) in [(evening, 1), (evening, 4), (cal.end_of_day(last), 0)] {
            let span = Span::working_days(n);
            assert_eq!(cal.reckon(at, span), plain.reckon(at, span), "{at} {n}");
        }
        assert!(cal.reckon(evening, Span::working_days(1)).fell_back);
    }

    fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
        // 2022-01-01 to 2029-12-31: before, inside and after the built-in years.
        (1_640_995_200_i64..1_893_456_000).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
    }

    proptest! {
        #[test]
        fn working_days_land_on_a_working_day_end(at in any_instant(), n in -400_i32..400) {
            let cal = Calendar::china();
            let due = cal.add_working_days(at, n);
            let date = cal.local_date(due);
            prop_assert!(cal.is_working_day(date));
            prop_assert_eq!(due, cal.end_of_day(date));
        }

        #[test]
        fn working_days_never_go_back_and_grow_with_n(at in any_instant(), n in -400_i32..400) {
            let cal = Calendar::china();
            let (this, next) = (cal.add_working_days(at, n), cal.add_working_days(at, n + 1));
            prop_assert!(this < next);
            prop_assert_eq!(this >= at, n >= 0);
        }

        #[test]
        fn counting_undoes_adding_from_a_working_day_end(at in any_instant(), n in -400_i32..400) {
            let cal = Calendar::china();
            let due = cal.add_working_days(at, 0);
            prop_assert_eq!(cal.working_days_between(due, cal.add_working_days(due, n)), n);
        }

        #[test]
        fn the_table_walk_agrees_with_the_calendar_walk(
            at in any_instant(),
            n in -1500_i32..1500,
            snap in 0_u8..4,
        ) {
            let cal = Calendar::china();
            // A quarter of the instants lie exactly on a day's end, and a quarter a nanosecond
            // before it, where "at or after" and "before" part.
            let end = cal.end_of_day(cal.local_date(at));
            let at = match snap {
                0 => end,
                1 => end - TimeDelta::nanoseconds(1),
                _ => at,
            };
            let mut plain = cal.clone();
            plain.fast = super::super::fast::Fast::default();
            let span = Span::working_days(n);
            // The same instant and the same fallback flag, with and without the lookups.
            prop_assert_eq!(cal.reckon(at, span), plain.reckon(at, span));
        }

        #[test]
        fn skipping_weeks_matches_stepping_day_by_day(at in any_instant(), n in -1500_i32..1500) {
            let cal = Calendar::china();
            // End 0 (or end -1) found without skipping, then single steps.
            let start = if n >= 0 { 0 } else { -1 };
            let mut date = cal.local_date(cal.add_working_days(at, start));
            for _ in 0..(n - start).abs() {
                date = if n >= 0 {
                    cal.next_working_day(date.succ_opt().unwrap())
                } else {
                    let mut before = date.pred_opt().unwrap();
                    while !cal.is_working_day(before) {
                        before = before.pred_opt().unwrap();
                    }
                    before
                };
            }
            prop_assert_eq!(cal.add_working_days(at, n), cal.end_of_day(date));
        }
    }
}
