//! Business calendar (工作日历): working days, holidays and the school's term dates, in the school's
//! time zone.
//!
//! A [`Calendar`] is pure data: it never reads the system clock, every instant is a parameter.
//!
//! - **Working day (工作日).** Monday to Friday unless an official holiday (法定节假日), plus the
//!   Saturdays and Sundays an official notice makes working days (调休上班). Local closures and
//!   local working days from the configuration override the official data.
//! - **Local dates** are dates in the calendar's time zone (Asia/Shanghai by default); every
//!   working day ends at the calendar's end of day (17:30 by default).
//! - **Coverage and horizon.** The official data covers the years its notices list (see
//!   `cn.toml`); the last day of the latest one is the calendar's [`horizon`](Calendar::horizon).
//!   For a year it does not cover, the mainland-China calendar still knows the 13 statutory
//!   holidays the law fixes (全国年节及纪念日放假办法, from 2025; see `statutory.rs`) but not the
//!   year's adjusted working days (调休); other calendars fall back to weekends only. Either way
//!   it says so in [`Day::official`] and [`Reckoning::fell_back`] (a deadline reckoned so is
//!   *provisional*), and keeps working. [`Calendar::load_year`] adds a notice later.
//! - **Spans** ([`Span`]) are added with [`Calendar::reckon`]; see there for the rules.
//!
//! ```
//! # use hazardloop_core::calendar::{Calendar, DayKind, Span};
//! # use chrono::{NaiveDate, TimeZone, Utc};
//! let cal = Calendar::china();
//! let sunday = NaiveDate::from_ymd_opt(2025, 9, 28).unwrap();
//! assert_eq!(cal.day(sunday).kind, DayKind::AdjustedWorkday);
//! // Found on Friday 26 September 2025 at 10:00 Beijing time: 5 working days count the
//! // adjusted Sunday, skip the National Day week and end on Friday 10 October at 17:30.
//! let found = Utc.with_ymd_and_hms(2025, 9, 26, 2, 0, 0).unwrap();
//! let due = cal.add(found, Span::working_days(5));
//! assert_eq!(due, Utc.with_ymd_and_hms(2025, 10, 10, 9, 30, 0).unwrap());
//! ```

mod china;
mod config;
mod day;
mod fast;
mod notice;
mod reckon;
mod span;
mod statutory;
mod term;
mod walk;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::offset::LocalResult;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

pub use china::{DateRange, HolidaySet, HolidayYear};
pub use config::{CalendarConfig, DEFAULT_END_OF_DAY, DEFAULT_TIME_ZONE};
pub use day::{Day, DayKind};
pub use notice::{HolidayFormat, HolidayNotice};
pub use reckon::Reckoning;
pub use span::{Span, SpanUnit};
pub use term::{school_year, Term};

use crate::model::InputError;
use china::Official;

/// A business calendar: time zone, end of the working day, official holidays, local closures and
/// the school's terms. Build one with [`Calendar::china`], [`Calendar::weekends_only`] or
/// [`Calendar::from_config`].
#[derive(Clone, Debug)]
pub struct Calendar {
    tz: Tz,
    end_of_day: NaiveTime,
    official: Official,
    local_holidays: BTreeSet<NaiveDate>,
    local_workdays: BTreeSet<NaiveDate>,
    /// Whether the statutory holidays stand in for a year no notice covers (mainland China).
    statutory: bool,
    /// First and last date with any listing; the fast table spans it.
    listed: Option<(NaiveDate, NaiveDate)>,
    /// First and last date that may differ from its weekday's kind (listings and statutory
    /// holidays); outside it only the weekday decides.
    irregular: Option<(NaiveDate, NaiveDate)>,
    /// Whether the provisional-deadline warning was logged for this calendar's horizon.
    warned: Arc<AtomicBool>,
    /// Sorted by start, not overlapping.
    terms: Vec<Term>,
    vacations: Vec<Term>,
    /// Precomputed lookups (rebuilt by [`Calendar::reindex`]).
    fast: fast::Fast,
}

impl Calendar {
    /// Mainland China: Asia/Shanghai, the official holidays shipped in `cn.toml`, working days
    /// ending at 17:30, no terms.
    ///
    /// Past the last notice ([`Calendar::horizon`]) it keeps the statutory holidays the law fixes.
    pub fn china() -> Calendar {
        let mut calendar =
            Calendar::new(DEFAULT_TIME_ZONE, Official::from_years(HolidaySet::Cn.years()));
        calendar.statutory = true;
        calendar.reindex();
        calendar
    }

    /// Weekends only, in `tz`, working days ending at 17:30. No year is covered, so every
    /// [`Day::official`] is `false` and every working-day [`Reckoning::fell_back`] is `true`.
    pub fn weekends_only(tz: Tz) -> Calendar {
        Calendar::new(tz, Official::default())
    }

    fn new(tz: Tz, official: Official) -> Calendar {
        let mut calendar = Calendar {
            tz,
            end_of_day: DEFAULT_END_OF_DAY,
            official,
            local_holidays: BTreeSet::new(),
            local_workdays: BTreeSet::new(),
            statutory: false,
            listed: None,
            irregular: None,
            warned: Arc::new(AtomicBool::new(false)),
            terms: Vec::new(),
            vacations: Vec::new(),
            fast: fast::Fast::default(),
        };
        calendar.reindex();
        calendar
    }

    /// Recomputes the listed span and the fast lookups after the data changed.
    fn reindex(&mut self) {
        self.listed = self.listed_span();
        let statutory = self.statutory.then(statutory::span).flatten();
        self.irregular = match (self.listed, statutory) {
            (Some(l), Some(s)) => Some((l.0.min(s.0), l.1.max(s.1))),
            (l, s) => l.or(s),
        };
        self.fast = fast::Fast::build(self);
        // A new horizon deserves its own warning.
        self.warned = Arc::new(AtomicBool::new(false));
    }

    fn listed_span(&self) -> Option<(NaiveDate, NaiveDate)> {
        let official = self.official.listed_span();
        let local = || self.local_holidays.iter().chain(&self.local_workdays).copied();
        let first = [official.map(|s| s.0), local().min()].into_iter().flatten().min()?;
        let last = [official.map(|s| s.1), local().max()].into_iter().flatten().max()?;
        Some((first, last))
    }

    /// The calendar's time zone; local dates are dates in this zone.
    pub fn time_zone(&self) -> Tz {
        self.tz
    }

    /// The local time at which every working day ends.
    pub fn end_of_day_time(&self) -> NaiveTime {
        self.end_of_day
    }

    /// Whether the official data covers `year`.
    pub fn covers(&self, year: i32) -> bool {
        self.official.covers(year)
    }

    /// The covered years, ascending.
    pub fn covered_years(&self) -> Vec<i32> {
        self.official.covered_years()
    }

    /// The horizon (预排期限): the last date the loaded notices cover, 31 December of the latest
    /// covered year; `None` when no notice is loaded. Past it a working-day count is
    /// provisional: the statutory holidays are known (mainland China), the year's 调休 is not.
    pub fn horizon(&self) -> Option<NaiveDate> {
        let last = *self.official.covered_years().last()?;
        NaiveDate::from_ymd_opt(last, 12, 31)
    }

    /// Whether the calendar stands in the statutory holidays for years without a notice.
    pub fn knows_statutory_holidays(&self) -> bool {
        self.statutory
    }

    /// The statutory holiday (法定节假日, by the law, not a notice) that `date` is, by festival
    /// name (`"春节"`), when the calendar uses them for `date`: mainland China, a year no notice
    /// covers, from 2025 to 2100.
    pub fn statutory_holiday(&self, date: NaiveDate) -> Option<&'static str> {
        if !self.statutory || self.covers(date.year()) {
            return None;
        }
        statutory::festival(date)
    }

    /// The notice loaded for `year`, if any.
    pub fn notice(&self, year: i32) -> Option<&HolidayYear> {
        self.official.notice(year)
    }

    /// Adds (or replaces) one year's official notice, after validating it; errors name the
    /// field (`holidays[2]`) and change nothing. The horizon moves if the year is later.
    pub fn load_year(&mut self, year: HolidayYear) -> Result<(), InputError> {
        year.validate()?;
        self.official = self.official.with_year(year);
        self.reindex();
        Ok(())
    }

    /// Logs, once per calendar and horizon, that a deadline past the horizon is provisional.
    pub(crate) fn warn_provisional(&self, due: DateTime<Utc>) {
        if !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                horizon = ?self.horizon(),
                due = %due,
                "deadline past the holiday calendar's horizon is provisional (statutory holidays \
                 only, no 调休): load the next year's notice to confirm it"
            );
        }
    }

    /// The local date of the instant `at`.
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        if let Some(date) = self.fast.local_date(at) {
            return date;
        }
        let utc = at.naive_utc();
        let offset = self.tz.offset_from_utc_datetime(&utc).fix();
        match utc.checked_add_offset(offset) {
            Some(local) => local.date(),
            // Only at the very ends of representable time, where chrono's own conversion panics.
            None if offset.local_minus_utc() > 0 => NaiveDate::MAX,
            None => NaiveDate::MIN,
        }
    }

    /// The instant the working day `date` ends: `date` at the end-of-day time, local.
    ///
    /// Where daylight saving makes that local time occur twice, the later instant; where it makes
    /// it not occur at all, the instant read with the offset in force before the jump.
    pub fn end_of_day(&self, date: NaiveDate) -> DateTime<Utc> {
        if let Some(at) = self.fast.to_utc(date, self.end_of_day) {
            return at;
        }
        let local = date.and_time(self.end_of_day);
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(at) | LocalResult::Ambiguous(_, at) => at.with_timezone(&Utc),
            LocalResult::None => {
                let offset = self.tz.offset_from_utc_datetime(&local).fix();
                local.checked_sub_offset(offset).unwrap_or(local).and_utc()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn weekends_only_calendar_covers_nothing() {
        let cal = Calendar::weekends_only(chrono_tz::Europe::Berlin);
        assert_eq!(cal.time_zone(), chrono_tz::Europe::Berlin);
        assert!(cal.covered_years().is_empty());
        assert!(cal.is_working_day(date(2025, 10, 1)));
        assert!(!cal.day(date(2025, 10, 1)).official);
    }

    #[test]
    fn working_day_ends_at_half_past_five_beijing_time() {
        let cal = Calendar::china();
        let end = cal.end_of_day(date(2025, 3, 12));
        assert_eq!(end.to_rfc3339(), "2025-03-12T09:30:00+00:00");
        assert_eq!(cal.local_date(end), date(2025, 3, 12));
        assert_eq!(cal.end_of_day_time(), NaiveTime::from_hms_opt(17, 30, 0).unwrap());
        // 23:00 UTC is already the next morning in Beijing.
        assert_eq!(cal.local_date(end + chrono::TimeDelta::hours(14)), date(2025, 3, 13));
    }

    #[test]
    fn extreme_dates_do_not_panic() {
        let cal = Calendar::china();
        for d in [NaiveDate::MIN, NaiveDate::MAX] {
            let _ = cal.end_of_day(d);
            let _ = cal.next_working_day(d);
        }
        let _ = cal.local_date(DateTime::<Utc>::MAX_UTC);
        let _ = cal.local_date(DateTime::<Utc>::MIN_UTC);
    }
}
