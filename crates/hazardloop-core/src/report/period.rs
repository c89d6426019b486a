//! Reporting periods (统计周期): a week, half a month, a month, a quarter, a year or any run of
//! days, as local dates in the school's time zone.

mod label;
mod text;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::model::InputError;

/// The kind of a [`Period`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// An ISO week, Monday to Sunday (`2025-W10`).
    Week,
    /// The 1st to the 15th, or the 16th to the month's end (`2025-03-H1`, `2025-03-H2`).
    HalfMonth,
    /// A calendar month (`2025-03`).
    Month,
    /// A calendar quarter (`2025-Q1`).
    Quarter,
    /// A calendar year (`2025`).
    Year,
    /// Any run of days, both ends included (`2025-03-01..2025-03-20`).
    Custom,
}

/// A reporting period: whole local days from `first_day` to `last_day`, both included.
///
/// Built only through its constructors or its text form, so it always holds a real range. Its
/// text form (`2025-03`, `2025-Q1`, `2025-W10`, `2025-03-H1`, `2025`,
/// `2025-03-01..2025-03-20`) is what `Display` writes, `FromStr` reads and serde uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Period {
    kind: PeriodKind,
    first: NaiveDate,
    last: NaiveDate,
}

fn ymd(field: &str, year: i32, month: u32, day: u32) -> Result<NaiveDate, InputError> {
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| InputError::NotAllowed {
        field: field.into(),
        value: format!("{year:04}-{month:02}-{day:02}"),
        allowed: "a real date".into(),
    })
}

fn in_range(field: &str, value: u32, max: u32) -> Result<u32, InputError> {
    if (1..=max).contains(&value) {
        return Ok(value);
    }
    Err(InputError::NotAllowed {
        field: field.into(),
        value: value.to_string(),
        allowed: format!("1 to {max}"),
    })
}

/// The last day of `year`-`month` (already validated).
fn month_end(year: i32, month: u32) -> Option<NaiveDate> {
    let (y, m) = if month == 12 { (year.checked_add(1)?, 1) } else { (year, month + 1) };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}

impl Period {
    fn new(kind: PeriodKind, first: NaiveDate, last: NaiveDate) -> Period {
        Period { kind, first, last }
    }

    /// The ISO week (Monday to Sunday) containing `date`.
    pub fn week_of(date: NaiveDate) -> Period {
        let back = u64::from(date.weekday().num_days_from_monday());
        let first = date.checked_sub_days(Days::new(back)).unwrap_or(date);
        Period::new(PeriodKind::Week, first, first.checked_add_days(Days::new(6)).unwrap_or(date))
    }

    /// ISO week `week` of ISO year `year`; errors name `period.week`.
    pub fn week(year: i32, week: u32) -> Result<Period, InputError> {
        let monday = NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).ok_or_else(|| {
            InputError::NotAllowed {
                field: "period.week".into(),
                value: week.to_string(),
                allowed: format!("the weeks of ISO year {year}"),
            }
        })?;
        Ok(Period::week_of(monday))
    }

    /// The half month containing `date`: the 1st–15th or the 16th to the end.
    pub fn half_month_of(date: NaiveDate) -> Period {
        let half = if date.day() <= 15 { 1 } else { 2 };
        Period::half_month(date.year(), date.month(), half)
            .unwrap_or_else(|_| Period::month_of(date))
    }

    /// Half `half` (1 or 2) of `year`-`month`; errors name `period.month` or `period.half`.
    pub fn half_month(year: i32, month: u32, half: u32) -> Result<Period, InputError> {
        let month_period = Period::month(year, month)?;
        let (first, last) = match in_range("period.half", half, 2)? {
            1 => (month_period.first, ymd("period.half", year, month, 15)?),
            _ => (ymd("period.half", year, month, 16)?, month_period.last),
        };
        Ok(Period::new(PeriodKind::HalfMonth, first, last))
    }

    /// The month containing `date`.
    pub fn month_of(date: NaiveDate) -> Period {
        Period::month(date.year(), date.month())
            .unwrap_or_else(|_| Period::new(PeriodKind::Month, date, date))
    }

    /// `year`-`month`; errors name `period.month` (or `period.year` out of chrono's range).
    pub fn month(year: i32, month: u32) -> Result<Period, InputError> {
        let first = ymd("period.year", year, in_range("period.month", month, 12)?, 1)?;
        let last = month_end(year, month).ok_or_else(|| InputError::NotAllowed {
            field: "period.year".into(),
            value: year.to_string(),
            allowed: "a year with a following month".into(),
        })?;
        Ok(Period::new(PeriodKind::Month, first, last))
    }

    /// The quarter containing `date`.
    pub fn quarter_of(date: NaiveDate) -> Period {
        let q = (date.month() - 1) / 3 + 1;
        Period::quarter(date.year(), q).unwrap_or_else(|_| Period::month_of(date))
    }

    /// Quarter `quarter` (1 to 4) of `year`; errors name `period.quarter`.
    pub fn quarter(year: i32, quarter: u32) -> Result<Period, InputError> {
        let q = in_range("period.quarter", quarter, 4)?;
        let first = Period::month(year, q * 3 - 2)?.first;
        let last = Period::month(year, q * 3)?.last;
        Ok(Period::new(PeriodKind::Quarter, first, last))
    }

    /// The year containing `date`.
    pub fn year_of(date: NaiveDate) -> Period {
        Period::year(date.year()).unwrap_or_else(|_| Period::month_of(date))
    }

    /// The calendar year `year`; errors name `period.year`.
    pub fn year(year: i32) -> Result<Period, InputError> {
        let first = ymd("period.year", year, 1, 1)?;
        let last = ymd("period.year", year, 12, 31)?;
        Ok(Period::new(PeriodKind::Year, first, last))
    }

    /// The days `from` to `to`, both included; errors name `period.to` when it is before `from`.
    pub fn custom(from: NaiveDate, to: NaiveDate) -> Result<Period, InputError> {
        if to < from {
            return Err(InputError::OutOfOrder {
                field: "period.to".into(),
                reason: format!("{to} is before {from}"),
            });
        }
        Ok(Period::new(PeriodKind::Custom, from, to))
    }

    /// Its kind.
    pub fn kind(&self) -> PeriodKind {
        self.kind
    }

    /// The first local day.
    pub fn first_day(&self) -> NaiveDate {
        self.first
    }

    /// The last local day (included).
    pub fn last_day(&self) -> NaiveDate {
        self.last
    }

    /// Whether the local date `date` lies in the period.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.first <= date && date <= self.last
    }

    /// The period as instants: `[start, end)` from local midnight of the first day to local
    /// midnight after the last, in the calendar's time zone. Pass them to the statistics.
    pub fn bounds(&self, calendar: &Calendar) -> (DateTime<Utc>, DateTime<Utc>) {
        let tz = calendar.time_zone();
        let end = self.last.succ_opt().map_or(DateTime::<Utc>::MAX_UTC, |d| start_of_day(tz, d));
        (start_of_day(tz, self.first), end)
    }
}

/// Local midnight of `date`; where a daylight-saving jump skips midnight, the first local time
/// that exists that day.
fn start_of_day(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    (0..=24 * 4)
        .filter_map(|quarter| midnight.checked_add_signed(TimeDelta::minutes(15 * quarter)))
        .find_map(|local| tz.from_local_datetime(&local).earliest())
        .map_or_else(|| midnight.and_utc(), |at| at.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    pub(super) fn p(text: &str) -> Period {
        text.parse().unwrap()
    }

    #[test]
    fn half_month_splits_on_the_sixteenth() {
        assert_eq!(Period::half_month_of(d(2025, 2, 15)), p("2025-02-H1"));
        let second = Period::half_month_of(d(2025, 2, 16));
        assert_eq!((second.first_day(), second.last_day()), (d(2025, 2, 16), d(2025, 2, 28)));
        assert_eq!(p("2024-02-H2").last_day(), d(2024, 2, 29), "leap February");
    }

    #[test]
    fn period_bounds_use_local_midnight_in_shanghai() {
        let (start, end) = p("2025-03").bounds(&Calendar::china());
        assert_eq!(start, Utc.with_ymd_and_hms(2025, 2, 28, 16, 0, 0).unwrap());
        assert_eq!(end, Utc.with_ymd_and_hms(2025, 3, 31, 16, 0, 0).unwrap());
    }

    #[test]
    fn custom_period_includes_its_last_day() {
        let (start, end) = p("2025-03-01..2025-03-20").bounds(&Calendar::china());
        assert_eq!(end - start, TimeDelta::days(20));
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_at_the_jump() {
        // São Paulo skipped 2018-11-04 00:00-01:00 (daylight saving began at midnight).
        let calendar = Calendar::weekends_only(chrono_tz::America::Sao_Paulo);
        let (start, _) = Period::custom(d(2018, 11, 4), d(2018, 11, 4)).unwrap().bounds(&calendar);
        assert_eq!(start, Utc.with_ymd_and_hms(2018, 11, 4, 3, 0, 0).unwrap());
    }

    #[test]
    fn weeks_follow_iso_numbering() {
        let week = Period::week_of(d(2024, 12, 31));
        assert_eq!(week.to_string(), "2025-W01");
        assert_eq!((week.first_day(), week.last_day()), (d(2024, 12, 30), d(2025, 1, 5)));
        assert_eq!(p("2025-W10").first_day(), d(2025, 3, 3));
    }

    #[test]
    fn quarters_and_years_cover_whole_months() {
        assert_eq!(
            (p("2025-Q1").first_day(), p("2025-Q1").last_day()),
            (d(2025, 1, 1), d(2025, 3, 31))
        );
        assert_eq!(Period::quarter_of(d(2025, 11, 30)), p("2025-Q4"));
        assert_eq!(Period::year_of(d(2025, 6, 1)).last_day(), d(2025, 12, 31));
    }
}
