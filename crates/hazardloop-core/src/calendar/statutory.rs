//! The statutory holidays (法定节假日) fixed by law, for the years no State Council notice covers.
//!
//! 《全国年节及纪念日放假办法》 as revised by the State Council on 12 November 2024 (in force from
//! 1 January 2025), article 2: 元旦 1 day (1 January); 春节 4 days (除夕 to 初三); 清明节 1 day (the
//! day of the 清明 solar term); 劳动节 2 days (1–2 May); 端午节 1 day (5th of the 5th lunar month);
//! 中秋节 1 day (15th of the 8th lunar month); 国庆节 3 days (1–3 October). 13 days in all.
//!
//! What the law does not fix is each year's arrangement (调休: which weekend days are worked and
//! which weekdays bridge to a weekend); only a notice gives that. So a calendar past its notices
//! knows these 13 days and nothing else, and says so (`Day::official` is `false`).
//!
//! Lunar dates and the 清明 solar term come from `tyme4rs` (6tail's Tyme, the Rust port of the
//! lunar/tyme libraries; solar terms by the 寿星万年历 astronomical algorithm, in Beijing time).
//! The unit tests pin 2025–2028 to the published dates.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{Days, NaiveDate};
use tyme4rs::tyme::lunar::LunarDay;
use tyme4rs::tyme::solar::{SolarDay, SolarTerm};

/// The first year the revised rule (13 days, 除夕 off) applies.
pub(super) const FIRST_YEAR: i32 = 2025;
/// The last year the table reaches; past it only weekends are known.
pub(super) const LAST_YEAR: i32 = 2100;

/// The statutory holidays of every year from [`FIRST_YEAR`] to [`LAST_YEAR`], computed once.
static TABLE: LazyLock<BTreeMap<NaiveDate, &'static str>> = LazyLock::new(|| {
    (FIRST_YEAR..=LAST_YEAR).flat_map(|year| holidays(year).unwrap_or_default()).collect()
});

/// The statutory holiday `date` falls on (its festival's name), if any. Only years from
/// [`FIRST_YEAR`] to [`LAST_YEAR`] are known.
pub(super) fn festival(date: NaiveDate) -> Option<&'static str> {
    TABLE.get(&date).copied()
}

/// The first and last statutory holiday in the table.
pub(super) fn span() -> Option<(NaiveDate, NaiveDate)> {
    Some((*TABLE.first_key_value()?.0, *TABLE.last_key_value()?.0))
}

/// The 13 statutory holidays of `year`, in date order, each with its festival. `None` where the
/// lunar library cannot give a date (outside its range).
pub(super) fn holidays(year: i32) -> Option<Vec<(NaiveDate, &'static str)>> {
    let ymd = |m, d| NaiveDate::from_ymd_opt(year, m, d);
    let spring = lunar(year, 1, 1)?;
    let eve = spring.pred_opt()?;
    let mut days = vec![(ymd(1, 1)?, "元旦")];
    for offset in 0..4 {
        days.push((eve.checked_add_days(Days::new(offset))?, "春节"));
    }
    days.push((qingming(year)?, "清明节"));
    days.push((ymd(5, 1)?, "劳动节"));
    days.push((ymd(5, 2)?, "劳动节"));
    days.push((lunar(year, 5, 5)?, "端午节"));
    days.push((lunar(year, 8, 15)?, "中秋节"));
    for d in 1..=3 {
        days.push((ymd(10, d)?, "国庆节"));
    }
    days.sort();
    Some(days)
}

/// The Gregorian date of day `day` of lunar month `month` (not a leap month) of lunar year `year`.
fn lunar(year: i32, month: isize, day: usize) -> Option<NaiveDate> {
    let solar = LunarDay::new(isize::try_from(year).ok()?, month, day).ok()?.get_solar_day();
    gregorian(&solar)
}

/// The date of the 清明 solar term in `year`.
fn qingming(year: i32) -> Option<NaiveDate> {
    let term = SolarTerm::new(isize::try_from(year).ok()?, "清明").ok()?;
    gregorian(&term.get_solar_day())
}

fn gregorian(day: &SolarDay) -> Option<NaiveDate> {
    let year = i32::try_from(day.get_year()).ok()?;
    let month = u32::try_from(day.get_month()).ok()?;
    let day = u32::try_from(day.get_day()).ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn of(year: i32, festival: &str) -> Vec<NaiveDate> {
        let days = holidays(year).unwrap();
        days.into_iter().filter(|(_, f)| *f == festival).map(|(d, _)| d).collect()
    }

    #[test]
    fn every_year_has_thirteen_statutory_days() {
        for year in FIRST_YEAR..=LAST_YEAR {
            let days = holidays(year).unwrap();
            assert_eq!(days.len(), 13, "{year}");
            // Only 中秋 can fall on a 国庆 day (3 October 2028): the day is off once.
            for w in days.windows(2).filter(|w| w[0].0 == w[1].0) {
                let mut names = [w[0].1, w[1].1];
                names.sort();
                assert_eq!(names, ["中秋节", "国庆节"], "{year}");
            }
            assert!(days.windows(2).all(|w| w[0].0 <= w[1].0), "{year}: not in date order");
        }
    }

    #[test]
    fn spring_festival_2027_starts_on_the_eve_5_february() {
        // 农历丁未年正月初一 = 2027-02-06; 除夕 2027-02-05.
        let days = ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08"];
        assert_eq!(of(2027, "春节"), days.map(date));
    }

    #[test]
    fn statutory_days_of_2027_match_the_published_dates() {
        assert_eq!(of(2027, "元旦"), [date("2027-01-01")]);
        assert_eq!(of(2027, "清明节"), [date("2027-04-05")]);
        assert_eq!(of(2027, "劳动节"), [date("2027-05-01"), date("2027-05-02")]);
        assert_eq!(of(2027, "端午节"), [date("2027-06-09")]);
        assert_eq!(of(2027, "中秋节"), [date("2027-09-15")]);
        assert_eq!(of(2027, "国庆节"), ["2027-10-01", "2027-10-02", "2027-10-03"].map(date));
    }

    #[test]
    fn statutory_days_of_2028_match_the_published_dates() {
        // 农历戊申年正月初一 = 2028-01-26.
        let spring = ["2028-01-25", "2028-01-26", "2028-01-27", "2028-01-28"];
        assert_eq!(of(2028, "春节"), spring.map(date));
        assert_eq!(of(2028, "清明节"), [date("2028-04-04")]);
        assert_eq!(of(2028, "端午节"), [date("2028-05-28")]);
        assert_eq!(of(2028, "中秋节"), [date("2028-10-03")]);
    }

    #[test]
    fn the_law_agrees_with_the_notices_of_2025_and_2026() {
        // The notices give each festival's statutory days plus bridging days: every statutory
        // day must be among the notice's days off.
        for (year, festivals) in [
            (2025, ["2025-01-29", "2025-04-04", "2025-05-31", "2025-10-06"]),
            (2026, ["2026-02-17", "2026-04-05", "2026-06-19", "2026-09-25"]),
        ] {
            let spring = of(year, "春节")[1];
            let qingming = of(year, "清明节")[0];
            let duanwu = of(year, "端午节")[0];
            let zhongqiu = of(year, "中秋节")[0];
            assert_eq!([spring, qingming, duanwu, zhongqiu], festivals.map(date), "{year}");
        }
        assert_eq!(festival(date("2027-01-01")), Some("元旦"));
        assert_eq!(festival(date("2027-01-04")), None);
    }
}
