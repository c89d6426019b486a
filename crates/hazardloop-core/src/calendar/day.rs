//! Days on the calendar: what kind of day a local date is (工作日, 周末, 法定节假日, 调休上班),
//! and the calendar's lookups of working days.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::Calendar;
use crate::model::named_enum;

/// What kind of day a date is on the business calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// Working day (工作日): Monday to Friday with no holiday.
    Workday,
    /// Weekend (周末): Saturday or Sunday with no adjusted working day.
    Weekend,
    /// Public holiday (法定节假日), or a local closure from the configuration.
    Holiday,
    /// Adjusted working day (调休上班): a Saturday or Sunday worked in exchange for a holiday.
    AdjustedWorkday,
}

named_enum!(DayKind {
    Workday => ("工作日", "working day"),
    Weekend => ("周末", "weekend"),
    Holiday => ("法定节假日", "public holiday"),
    AdjustedWorkday => ("调休上班", "adjusted working day"),
});

impl DayKind {
    /// Whether work is done on a day of this kind (a working day or an adjusted working day).
    pub const fn is_working(self) -> bool {
        matches!(self, Self::Workday | Self::AdjustedWorkday)
    }
}

/// One local date as the calendar sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Day {
    /// The local date.
    pub date: NaiveDate,
    /// What kind of day it is.
    pub kind: DayKind,
    /// Whether the official arrangement for this date is known: `false` when the date's year is
    /// not covered by a notice and the fallback (statutory holidays and weekends, or weekends
    /// only) was used.
    pub official: bool,
}

impl Calendar {
    /// What kind of day `date` (a local date) is. Local working days beat local closures, which
    /// beat the official data, which beats the weekday.
    pub fn day(&self, date: NaiveDate) -> Day {
        self.fast.day(date).unwrap_or_else(|| self.day_slow(date))
    }

    pub(super) fn day_slow(&self, date: NaiveDate) -> Day {
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        let listed = self.official.listed(date);
        let kind = if self.local_workdays.contains(&date) {
            if weekend {
                DayKind::AdjustedWorkday
            } else {
                DayKind::Workday
            }
        } else if self.local_holidays.contains(&date) {
            DayKind::Holiday
        } else {
            let statutory = || self.statutory_holiday(date).map(|_| DayKind::Holiday);
            listed.or_else(statutory).unwrap_or(if weekend {
                DayKind::Weekend
            } else {
                DayKind::Workday
            })
        };
        let official = listed.is_some() || self.covers(date.year());
        Day { date, kind, official }
    }

    /// Whether `date` (a local date) is a working day.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.day(date).kind.is_working()
    }

    /// The first working day on or after `date`. Returns `date` itself if no later date exists.
    pub fn next_working_day(&self, date: NaiveDate) -> NaiveDate {
        date.iter_days().find(|d| self.is_working_day(*d)).unwrap_or(date)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::date;
    use super::*;
    use crate::model::{Lang, Named};

    #[test]
    fn adjusted_sunday_is_a_working_day() {
        let day = Calendar::china().day(date(2025, 9, 28));
        assert_eq!(day.kind, DayKind::AdjustedWorkday);
        assert!(day.official);
        assert!(Calendar::china().is_working_day(date(2026, 1, 4)));
    }

    #[test]
    fn weekday_inside_a_holiday_is_not_a_working_day() {
        let cal = Calendar::china();
        for d in [date(2024, 2, 14), date(2025, 10, 8), date(2026, 2, 23), date(2026, 1, 2)] {
            assert_eq!(cal.day(d).kind, DayKind::Holiday, "{d}");
            assert!(!cal.is_working_day(d), "{d}");
        }
    }

    #[test]
    fn ordinary_days_follow_the_weekday() {
        let cal = Calendar::china();
        assert_eq!(cal.day(date(2025, 3, 12)).kind, DayKind::Workday);
        assert_eq!(cal.day(date(2025, 3, 15)).kind, DayKind::Weekend);
    }

    #[test]
    fn uncovered_year_falls_back_to_statutory_holidays_and_says_so() {
        let cal = Calendar::china();
        assert!(!cal.covers(2030));
        let new_year = cal.day(date(2030, 1, 1));
        assert_eq!(
            new_year,
            Day { date: date(2030, 1, 1), kind: DayKind::Holiday, official: false }
        );
        assert_eq!(cal.day(date(2030, 1, 2)).kind, DayKind::Workday);
        assert_eq!(cal.horizon(), Some(date(2026, 12, 31)));
        assert_eq!(cal.covered_years(), [2024, 2025, 2026]);
    }

    #[test]
    fn next_working_day_skips_the_spring_festival() {
        let cal = Calendar::china();
        assert_eq!(cal.next_working_day(date(2026, 2, 15)), date(2026, 2, 24));
        assert_eq!(cal.next_working_day(date(2026, 2, 24)), date(2026, 2, 24));
        assert_eq!(cal.next_working_day(date(2026, 2, 13)), date(2026, 2, 13));
    }

    #[test]
    fn day_kinds_have_chinese_and_english_names() {
        assert_eq!(DayKind::AdjustedWorkday.to_string(), "调休上班");
        assert_eq!(DayKind::Holiday.name(Lang::En), "public holiday");
    }
}
