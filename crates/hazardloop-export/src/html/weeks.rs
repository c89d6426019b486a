//! The weeks of a period, for the weekly chart: ISO weeks (Monday to Sunday) cut to the period.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use hazardloop_core::calendar::Calendar;
use hazardloop_core::report::{Bounds, LedgerRow, Period};

/// One week of the period, as local days and as instants.
#[derive(Clone, Debug, PartialEq)]
pub struct Week {
    /// `3/1–3/2`: first and last local day, month/day.
    pub label: String,
    /// `[start, end)` in the calendar's time zone.
    pub bounds: Bounds,
}

impl Week {
    fn holds(&self, at: DateTime<Utc>) -> bool {
        self.bounds.0 <= at && at < self.bounds.1
    }

    /// Hazards found this week.
    pub fn found(&self, rows: &[LedgerRow]) -> usize {
        rows.iter().filter(|r| self.holds(r.discovered_at)).count()
    }

    /// Hazards that passed acceptance this week (整改完成, as [`Stats::rectified`] counts them).
    ///
    /// [`Stats::rectified`]: hazardloop_core::report::Stats::rectified
    pub fn rectified(&self, rows: &[LedgerRow]) -> usize {
        rows.iter().filter(|r| r.accepted_at.is_some_and(|t| self.holds(t))).count()
    }
}

/// The label of a week from `first` to `last`: `3/3–3/9`.
pub(crate) fn label(first: NaiveDate, last: NaiveDate) -> String {
    format!("{}/{}–{}/{}", first.month(), first.day(), last.month(), last.day())
}

/// The Monday of `day`'s week.
pub(crate) fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Days::new(u64::from(day.weekday().num_days_from_monday()))
}

/// The weeks of `period` as first and last local days: Monday to Sunday, the first and last
/// cut to the period's days.
pub(crate) fn week_days(period: &Period) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut day = period.first_day();
    while day <= period.last_day() {
        let to_sunday = u64::from(6 - day.weekday().num_days_from_monday());
        let end =
            day.checked_add_days(Days::new(to_sunday)).map_or(day, |d| d.min(period.last_day()));
        out.push((day, end));
        match end.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    out
}

/// The weeks of `period`: Monday to Sunday, the first and last cut to the period's days.
pub fn weeks(period: &Period, calendar: &Calendar) -> Vec<Week> {
    week_days(period)
        .into_iter()
        .map_while(|(first, last)| {
            let week = Period::custom(first, last).ok()?;
            Some(Week { label: label(first, last), bounds: week.bounds(calendar) })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn march_2025_has_six_weeks_cut_to_the_month() {
        let period: Period = "2025-03".parse().unwrap();
        let weeks = weeks(&period, &Calendar::china());
        let labels: Vec<&str> = weeks.iter().map(|w| w.label.as_str()).collect();
        assert_eq!(
            labels,
            ["3/1–3/2", "3/3–3/9", "3/10–3/16", "3/17–3/23", "3/24–3/30", "3/31–3/31"]
        );
        assert_eq!(weeks[0].bounds.0, period.bounds(&Calendar::china()).0);
        assert_eq!(weeks[5].bounds.1, period.bounds(&Calendar::china()).1);
    }
}
