//! Calendar configuration (TOML or JSON) and its validation into a [`Calendar`].

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, NaiveTime};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::china::Official;
use super::{Calendar, HolidaySet, HolidayYear, Term};
use crate::model::InputError;

/// The default time zone, Asia/Shanghai (Beijing time).
pub const DEFAULT_TIME_ZONE: Tz = Tz::Asia__Shanghai;

/// The default end of the working day, 17:30 local time.
pub const DEFAULT_END_OF_DAY: NaiveTime = match NaiveTime::from_hms_opt(17, 30, 0) {
    Some(time) => time,
    None => panic!("17:30 is a valid time"),
};

/// How a school's calendar is set up. Every field has a default, so an empty document gives
/// [`Calendar::china`]. Dates are `"YYYY-MM-DD"` strings, the end of day `"17:30"`.
///
/// ```toml
/// time_zone = "Asia/Shanghai"
/// holidays = "cn"
/// extra_holidays = ["2025-11-10"]          # closed for a local event
/// terms = [{ name = "2025秋季学期", start = "2025-09-01", end = "2026-01-16" }]
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CalendarConfig {
    /// The school's time zone (IANA name). Default Asia/Shanghai.
    pub time_zone: Tz,
    /// The official holiday data to start from: `"cn"` (default) or `"none"` (weekends only).
    pub holidays: HolidaySet,
    /// More official years, same shape as `cn.toml`. A year given here replaces the built-in one.
    pub extra_years: Vec<HolidayYear>,
    /// Local closures (e.g. a school closed for an exam or bad weather): not working days.
    pub extra_holidays: Vec<NaiveDate>,
    /// Local working days (e.g. a make-up Saturday): working days whatever else says.
    pub extra_workdays: Vec<NaiveDate>,
    /// When the working day ends, local time. Default 17:30.
    pub end_of_day: NaiveTime,
    /// The school's terms (学期), which must not overlap.
    pub terms: Vec<Term>,
    /// Vacations (假期) listed explicitly; they may overlap terms (a mid-term break).
    pub vacations: Vec<Term>,
}

impl Default for CalendarConfig {
    fn default() -> Self {
        CalendarConfig {
            time_zone: DEFAULT_TIME_ZONE,
            holidays: HolidaySet::Cn,
            extra_years: Vec::new(),
            extra_holidays: Vec::new(),
            extra_workdays: Vec::new(),
            end_of_day: DEFAULT_END_OF_DAY,
            terms: Vec::new(),
            vacations: Vec::new(),
        }
    }
}

impl Calendar {
    /// Builds a calendar from its configuration.
    ///
    /// Errors name the field path under `calendar`, e.g. `calendar.terms[1].end: before start`,
    /// `calendar.extra_years[0].workdays[2]: ...`, `calendar.extra_workdays[0]: ...`.
    pub fn from_config(cfg: &CalendarConfig) -> Result<Calendar, InputError> {
        Calendar::build(cfg).map_err(|e| e.within("calendar"))
    }

    fn build(cfg: &CalendarConfig) -> Result<Calendar, InputError> {
        let mut years: BTreeMap<i32, &HolidayYear> =
            cfg.holidays.years().iter().map(|y| (y.year, y)).collect();
        let mut extra = BTreeSet::new();
        for (i, year) in cfg.extra_years.iter().enumerate() {
            let prefix = format!("extra_years[{i}]");
            year.validate().map_err(|e| e.within(&prefix))?;
            if !extra.insert(year.year) {
                let reason = format!("{} is given twice", year.year);
                return Err(InputError::Malformed { field: format!("{prefix}.year"), reason });
            }
            years.insert(year.year, year);
        }
        let mut calendar = Calendar::new(cfg.time_zone, Official::from_years(years.into_values()));
        calendar.statutory = cfg.holidays == HolidaySet::Cn;
        calendar.end_of_day = cfg.end_of_day;
        calendar.local_holidays = cfg.extra_holidays.iter().copied().collect();
        for (i, date) in cfg.extra_workdays.iter().enumerate() {
            if calendar.local_holidays.contains(date) {
                let field = format!("extra_workdays[{i}]");
                let reason = format!("{date} is also listed in extra_holidays");
                return Err(InputError::Malformed { field, reason });
            }
            calendar.local_workdays.insert(*date);
        }
        calendar.terms = Term::validated(&cfg.terms, "terms", false)?;
        calendar.vacations = Term::validated(&cfg.vacations, "vacations", true)?;
        calendar.reindex();
        Ok(calendar)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::date;
    use super::super::DayKind;
    use super::*;

    fn from_toml(text: &str) -> Result<Calendar, InputError> {
        Calendar::from_config(&toml::from_str::<CalendarConfig>(text).unwrap())
    }

    #[test]
    fn empty_config_is_the_china_calendar() {
        let cal = from_toml("").unwrap();
        assert_eq!(cal.time_zone(), Tz::Asia__Shanghai);
        assert_eq!(cal.end_of_day_time(), DEFAULT_END_OF_DAY);
        assert_eq!(cal.covered_years(), Calendar::china().covered_years());
    }

    #[test]
    fn full_config_reads_from_toml() {
        let cal = from_toml(
            r#"
            time_zone = "Asia/Urumqi"
            holidays = "none"
            end_of_day = "18:00"
            extra_holidays = ["2025-11-10"]
            extra_workdays = ["2025-11-15"]
            terms = [{ name = "2025秋季学期", start = "2025-09-01", end = "2026-01-16" }]
            vacations = [{ name = "寒假", start = "2026-01-17", end = "2026-02-28" }]

            [[extra_years]]
            year = 2027
            source = "国务院办公厅关于2027年部分节假日安排的通知"
            holidays = ["2027-01-01"]
            workdays = []
            "#,
        )
        .unwrap();
        assert_eq!(cal.time_zone(), Tz::Asia__Urumqi);
        assert_eq!(cal.end_of_day_time(), NaiveTime::from_hms_opt(18, 0, 0).unwrap());
        assert_eq!(cal.covered_years(), [2027]);
        assert_eq!(cal.day(date(2027, 1, 1)).kind, DayKind::Holiday);
        assert_eq!(cal.day(date(2025, 11, 10)).kind, DayKind::Holiday);
        assert_eq!(cal.day(date(2025, 11, 15)).kind, DayKind::AdjustedWorkday);
        // "none": National Day 2025 is an ordinary Wednesday here.
        assert!(cal.is_working_day(date(2025, 10, 1)));
    }

    #[test]
    fn config_round_trips_through_json() {
        let cfg = CalendarConfig { extra_holidays: vec![date(2025, 11, 10)], ..Default::default() };
        let json = serde_json::to_string(&cfg).unwrap();
        assert_eq!(serde_json::from_str::<CalendarConfig>(&json).unwrap(), cfg);
    }

    #[test]
    fn unknown_config_field_is_rejected() {
        assert!(toml::from_str::<CalendarConfig>("timezone = \"Asia/Shanghai\"").is_err());
        assert!(toml::from_str::<CalendarConfig>("holidays = \"us\"").is_err());
    }

    #[test]
    fn extra_year_replaces_the_builtin_year() {
        let cfg = CalendarConfig {
            extra_years: vec![HolidayYear {
                year: 2025,
                source: "corrected notice".into(),
                holidays: vec![],
                workdays: vec![],
            }],
            ..Default::default()
        };
        let cal = Calendar::from_config(&cfg).unwrap();
        assert!(cal.is_working_day(date(2025, 10, 8)));
        assert!(!cal.is_working_day(date(2025, 9, 28)));
        assert!(!cal.is_working_day(date(2026, 10, 7)));
    }

    #[test]
    fn bad_extra_year_names_the_field() {
        let year = HolidayYear {
            year: 2027,
            source: "x".into(),
            holidays: vec![],
            workdays: vec![date(2027, 1, 4)],
        };
        let cfg = CalendarConfig { extra_years: vec![year.clone(), year], ..Default::default() };
        let err = Calendar::from_config(&cfg).unwrap_err();
        assert_eq!(err.field(), "calendar.extra_years[0].workdays[0]");
        let mut cfg = cfg;
        for year in &mut cfg.extra_years {
            year.workdays.clear();
        }
        let err = Calendar::from_config(&cfg).unwrap_err();
        assert_eq!(err.to_string(), "calendar.extra_years[1].year: 2027 is given twice");
    }

    #[test]
    fn local_day_both_closed_and_worked_names_the_field() {
        let cfg = CalendarConfig {
            extra_holidays: vec![date(2025, 11, 10)],
            extra_workdays: vec![date(2025, 11, 15), date(2025, 11, 10)],
            ..Default::default()
        };
        let err = Calendar::from_config(&cfg).unwrap_err();
        assert_eq!(err.field(), "calendar.extra_workdays[1]");
    }

    #[test]
    fn local_working_day_overrides_an_official_holiday() {
        let cfg = CalendarConfig { extra_workdays: vec![date(2025, 10, 8)], ..Default::default() };
        let cal = Calendar::from_config(&cfg).unwrap();
        assert_eq!(cal.day(date(2025, 10, 8)).kind, DayKind::Workday);
    }
}
