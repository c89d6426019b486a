//! Official holiday arrangements (节假日安排): their data shape, the built-in mainland-China years
//! (`cn.toml`) and the merged table a [`Calendar`](super::Calendar) consults.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::DayKind;
use crate::model::InputError;

/// The official data, embedded so that adding a year is a data change only.
const CN_TOML: &str = include_str!("cn.toml");

/// Longest accepted holiday range; the longest real one (春节) is nine days.
const MAX_RANGE_DAYS: i64 = 31;

/// Which official holiday arrangements a calendar starts from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HolidaySet {
    /// Mainland China (`"cn"`): the State Council notices shipped with the library.
    #[default]
    Cn,
    /// None (`"none"`): weekends only, plus whatever `extra_years` supplies.
    None,
}

impl HolidaySet {
    /// The official years this set ships with, oldest first.
    pub fn years(self) -> &'static [HolidayYear] {
        match self {
            Self::Cn => &CN_YEARS,
            Self::None => &[],
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CnFile {
    year: Vec<HolidayYear>,
}

// `cn.toml` is embedded at compile time and `builtin_data_parses_and_is_valid` proves it parses,
// so this cannot fail at run time.
#[allow(clippy::expect_used)]
static CN_YEARS: LazyLock<Vec<HolidayYear>> = LazyLock::new(|| {
    toml::from_str::<CnFile>(CN_TOML).expect("embedded cn.toml parses (tested)").year
});

/// One or more consecutive dates, both ends included. Written `"2025-10-01"` for one day or
/// `"2025-10-01..2025-10-08"` for a range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DateRange {
    /// The first day.
    pub first: NaiveDate,
    /// The last day (equal to `first` for a single day).
    pub last: NaiveDate,
}

impl DateRange {
    /// The single day `date`.
    pub const fn day(date: NaiveDate) -> DateRange {
        DateRange { first: date, last: date }
    }

    /// Every day of the range, in order.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> {
        let last = self.last;
        self.first.iter_days().take_while(move |d| *d <= last)
    }
}

impl fmt::Display for DateRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first == self.last {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}..{}", self.first, self.last)
        }
    }
}

impl FromStr for DateRange {
    type Err = InputError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let malformed = |reason: String| InputError::Malformed { field: "date".into(), reason };
        let date = |part: &str| {
            let reason = format!("{s:?} is not YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD");
            NaiveDate::parse_from_str(part.trim(), "%Y-%m-%d").map_err(|_| malformed(reason))
        };
        let range = match s.split_once("..") {
            Some((first, last)) => DateRange { first: date(first)?, last: date(last)? },
            None => DateRange::day(date(s)?),
        };
        if range.last < range.first {
            return Err(malformed(format!("{s:?} ends before it starts")));
        }
        Ok(range)
    }
}

impl Serialize for DateRange {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DateRange {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
    }
}

/// One year's official arrangement, as published in the State Council notice
/// (国务院办公厅关于XXXX年部分节假日安排的通知). Same shape as the `[[year]]` tables of `cn.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayYear {
    /// The year the notice is for. Listing it makes the calendar *cover* that year.
    pub year: i32,
    /// Title and document number of the notice (e.g. `国办发明电〔2024〕12号`).
    pub source: String,
    /// Days off (放假), as single days or ranges.
    #[serde(default)]
    pub holidays: Vec<DateRange>,
    /// Weekend days worked instead (调休上班).
    #[serde(default)]
    pub workdays: Vec<NaiveDate>,
}

impl HolidayYear {
    /// Checks the notice is coherent. Field paths are relative to the year (`holidays[2]`).
    ///
    /// Dates must lie between 1 December of the year before and 31 January of the year after
    /// (notices reach across New Year), ranges are at most 31 days, adjusted working days fall on
    /// a Saturday or Sunday, and no day is both a holiday and a working day.
    pub fn validate(&self) -> Result<(), InputError> {
        if self.source.trim().is_empty() {
            return Err(InputError::Missing { field: "source".into() });
        }
        let window = NaiveDate::from_ymd_opt(self.year - 1, 12, 1)
            .zip(NaiveDate::from_ymd_opt(self.year + 1, 1, 31))
            .ok_or_else(|| InputError::Malformed {
                field: "year".into(),
                reason: format!("{} is out of range", self.year),
            })?;
        let outside = |field: String, date: NaiveDate| InputError::Malformed {
            field,
            reason: format!("{date} is outside the notice's year {}", self.year),
        };
        let mut off = BTreeSet::new();
        for (i, range) in self.holidays.iter().enumerate() {
            let field = format!("holidays[{i}]");
            if range.first < window.0 || range.last > window.1 {
                return Err(outside(field, range.first));
            }
            if (range.last - range.first).num_days() >= MAX_RANGE_DAYS {
                let limit = format!("{MAX_RANGE_DAYS} days");
                return Err(InputError::TooLarge { field, limit });
            }
            off.extend(range.days());
        }
        for (i, &date) in self.workdays.iter().enumerate() {
            let field = format!("workdays[{i}]");
            if date < window.0 || date > window.1 {
                return Err(outside(field, date));
            }
            if !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
                let reason = format!(
                    "{date} is a {:?}; adjusted working days (调休上班) fall on weekends",
                    date.weekday()
                );
                return Err(InputError::Malformed { field, reason });
            }
            if off.contains(&date) {
                let reason = format!("{date} is also listed as a holiday");
                return Err(InputError::Malformed { field, reason });
            }
        }
        Ok(())
    }
}

/// The merged official arrangement: which years are covered and what each listed date is.
#[derive(Clone, Debug, Default)]
pub(super) struct Official {
    years: BTreeSet<i32>,
    days: BTreeMap<NaiveDate, DayKind>,
    /// The notices merged, by year, so that one can be added or replaced later.
    notices: BTreeMap<i32, HolidayYear>,
}

impl Official {
    /// Merges validated years. Where two notices list the same date (only possible around New
    /// Year), the later year's notice wins.
    pub(super) fn from_years<'a>(years: impl IntoIterator<Item = &'a HolidayYear>) -> Official {
        let mut sorted: Vec<&HolidayYear> = years.into_iter().collect();
        sorted.sort_by_key(|y| y.year);
        let mut official = Official::default();
        for year in sorted {
            official.notices.insert(year.year, year.clone());
            official.years.insert(year.year);
            for date in year.holidays.iter().flat_map(DateRange::days) {
                official.days.insert(date, DayKind::Holiday);
            }
            for &date in &year.workdays {
                official.days.insert(date, DayKind::AdjustedWorkday);
            }
        }
        official
    }

    /// The same data with `year`'s notice added, or replacing the one for that year.
    pub(super) fn with_year(&self, year: HolidayYear) -> Official {
        let mut notices = self.notices.clone();
        notices.insert(year.year, year);
        Official::from_years(notices.values())
    }

    /// The notice merged for `year`, if any.
    pub(super) fn notice(&self, year: i32) -> Option<&HolidayYear> {
        self.notices.get(&year)
    }

    pub(super) fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// Whether every year from `from` to `to` (inclusive) is covered.
    pub(super) fn covers_all(&self, from: i32, to: i32) -> bool {
        let wanted = i64::from(to) - i64::from(from) + 1;
        let covered = self.years.range(from..=to).count();
        i64::try_from(covered).is_ok_and(|n| n == wanted)
    }

    pub(super) fn covered_years(&self) -> Vec<i32> {
        self.years.iter().copied().collect()
    }

    /// The kind the notice gives `date`, if it lists it.
    pub(super) fn listed(&self, date: NaiveDate) -> Option<DayKind> {
        self.days.get(&date).copied()
    }

    /// The first and last listed dates.
    pub(super) fn listed_span(&self) -> Option<(NaiveDate, NaiveDate)> {
        Some((*self.days.first_key_value()?.0, *self.days.last_key_value()?.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn builtin_data_parses_and_is_valid() {
        let years = toml::from_str::<CnFile>(CN_TOML).unwrap().year;
        assert_eq!(years.iter().map(|y| y.year).collect::<Vec<_>>(), [2024, 2025, 2026]);
        for year in &years {
            assert_eq!(year.validate(), Ok(()), "{}", year.year);
            assert!(year.source.contains('号'), "{}", year.year);
        }
        assert_eq!(HolidaySet::Cn.years(), years.as_slice());
    }

    #[test]
    fn builtin_years_have_the_published_number_of_days_off() {
        // Days off and adjusted working days per notice: 2024 has 7 festivals, 2025 merges
        // National Day and Mid-Autumn.
        let count = |year: &HolidayYear| {
            (year.holidays.iter().flat_map(DateRange::days).count(), year.workdays.len())
        };
        let years = HolidaySet::Cn.years();
        assert_eq!(count(&years[0]), (1 + 8 + 3 + 5 + 1 + 3 + 7, 8));
        assert_eq!(count(&years[1]), (1 + 8 + 3 + 5 + 3 + 8, 5));
        assert_eq!(count(&years[2]), (3 + 9 + 3 + 5 + 3 + 3 + 7, 6));
    }

    #[test]
    fn date_range_reads_a_day_or_a_range() {
        let range: DateRange = "2025-10-01..2025-10-08".parse().unwrap();
        assert_eq!(range.days().count(), 8);
        assert_eq!(range.to_string(), "2025-10-01..2025-10-08");
        let day: DateRange = "2025-01-01".parse().unwrap();
        assert_eq!(day, DateRange::day(date("2025-01-01")));
        assert_eq!(day.to_string(), "2025-01-01");
        assert!("2025-10-08..2025-10-01".parse::<DateRange>().is_err());
        assert!("2025-13-01".parse::<DateRange>().is_err());
    }

    fn year(holidays: &[&str], workdays: &[&str]) -> HolidayYear {
        HolidayYear {
            year: 2027,
            source: "test notice".into(),
            holidays: holidays.iter().map(|s| s.parse().unwrap()).collect(),
            workdays: workdays.iter().map(|s| date(s)).collect(),
        }
    }

    #[test]
    fn adjusted_working_day_on_a_weekday_is_rejected() {
        let err = year(&[], &["2027-01-04"]).validate().unwrap_err();
        assert_eq!(err.field(), "workdays[0]");
        assert!(err.to_string().contains("Mon"), "{err}");
    }

    #[test]
    fn day_both_off_and_worked_is_rejected() {
        let err = year(&["2027-02-06..2027-02-13"], &["2027-02-07"]).validate().unwrap_err();
        assert_eq!(err.field(), "workdays[0]");
    }

    #[test]
    fn date_far_from_the_notice_year_is_rejected() {
        let err = year(&["2027-01-01", "2026-10-01..2026-10-07"], &[]).validate().unwrap_err();
        assert_eq!(err.field(), "holidays[1]");
        assert_eq!(year(&["2026-12-31..2027-01-02"], &[]).validate(), Ok(()));
    }

    #[test]
    fn overlong_holiday_range_is_rejected() {
        let err = year(&["2027-01-01..2027-02-01"], &[]).validate().unwrap_err();
        assert!(matches!(err, InputError::TooLarge { .. }), "{err}");
        assert!(year(&[], &[]).validate().is_ok());
        let mut unsourced = year(&[], &[]);
        unsourced.source = " ".into();
        assert_eq!(unsourced.validate(), Err(InputError::Missing { field: "source".into() }));
    }

    #[test]
    fn later_notice_wins_a_date_listed_twice() {
        let earlier = year(&["2027-12-31"], &[]);
        let mut later = year(&[], &["2027-12-31"]);
        later.year = 2028;
        let official = Official::from_years([&later, &earlier]);
        assert_eq!(official.listed(date("2027-12-31")), Some(DayKind::AdjustedWorkday));
        assert_eq!(official.covered_years(), [2027, 2028]);
        assert!(official.covers_all(2027, 2028));
        assert!(!official.covers_all(2027, 2029));
    }
}
