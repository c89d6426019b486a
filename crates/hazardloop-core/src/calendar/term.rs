//! School terms (学期) and vacations (假期).

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::Calendar;
use crate::model::InputError;

/// A named run of dates, both ends included: a term (`2025秋季学期`) or a vacation (`寒假`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    /// The name shown to people.
    pub name: String,
    /// The first day.
    pub start: NaiveDate,
    /// The last day.
    pub end: NaiveDate,
}

/// The school year (学年) a date belongs to, named by the year it starts in: school years run from
/// 1 September to 31 August, so 2026-03-02 belongs to school year 2025.
pub fn school_year(date: NaiveDate) -> i32 {
    if date.month() >= 9 {
        date.year()
    } else {
        date.year() - 1
    }
}

impl Term {
    /// Whether `date` lies within the term.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }

    /// The school year of the term: that of its middle day, so an autumn term starting in late
    /// August still belongs to the school year that begins that September.
    pub fn school_year(&self) -> i32 {
        let half = u64::try_from((self.end - self.start).num_days() / 2).unwrap_or(0);
        school_year(self.start.checked_add_days(Days::new(half)).unwrap_or(self.start))
    }

    fn validate(&self, field: &str) -> Result<(), InputError> {
        if self.name.trim().is_empty() {
            return Err(InputError::Missing { field: format!("{field}.name") });
        }
        if self.end < self.start {
            let reason = "before start".to_string();
            return Err(InputError::OutOfOrder { field: format!("{field}.end"), reason });
        }
        Ok(())
    }

    /// Validates each of `list` (named `list_name` in errors) and returns them sorted by start.
    /// Unless `may_overlap`, a term starting before the previous one ends is refused.
    pub(super) fn validated(
        list: &[Term],
        list_name: &str,
        may_overlap: bool,
    ) -> Result<Vec<Term>, InputError> {
        let mut order = Vec::with_capacity(list.len());
        for (i, term) in list.iter().enumerate() {
            term.validate(&format!("{list_name}[{i}]"))?;
            order.push((i, term));
        }
        order.sort_by_key(|(_, t)| (t.start, t.end));
        for pair in order.windows(2) {
            if let [(_, earlier), (i, later)] = pair {
                if !may_overlap && later.start <= earlier.end {
                    let reason = format!("overlaps {} ({})", earlier.name, earlier.start);
                    let field = format!("{list_name}[{i}].start");
                    return Err(InputError::OutOfOrder { field, reason });
                }
            }
        }
        Ok(order.into_iter().map(|(_, t)| t.clone()).collect())
    }
}

impl Calendar {
    /// The school's terms, in order.
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// The term `date` (a local date) lies in, if any.
    pub fn term_at(&self, date: NaiveDate) -> Option<&Term> {
        self.terms.iter().find(|t| t.contains(date))
    }

    /// Whether `date` (a local date) is in a school vacation: inside a listed vacation, or (when
    /// terms are configured) outside every term but in a school year ([`school_year`]) that has a
    /// listed term — between the terms, or before the first or after the last term of that year.
    /// Dates in school years with no listed term are not vacation unless listed as one.
    ///
    /// Vacations do not stop working days: deadlines keep running on the business calendar.
    pub fn is_vacation(&self, date: NaiveDate) -> bool {
        if self.vacations.iter().any(|v| v.contains(date)) {
            return true;
        }
        if self.term_at(date).is_some() {
            return false;
        }
        let year = school_year(date);
        self.terms.iter().any(|t| t.school_year() == year)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::date;
    use super::super::CalendarConfig;
    use super::*;

    fn term(name: &str, start: NaiveDate, end: NaiveDate) -> Term {
        Term { name: name.into(), start, end }
    }

    fn school() -> Calendar {
        let cfg = CalendarConfig {
            terms: vec![
                term("2026春季学期", date(2026, 3, 2), date(2026, 7, 10)),
                term("2025秋季学期", date(2025, 8, 30), date(2026, 1, 16)),
            ],
            vacations: vec![term("国庆假期", date(2025, 10, 1), date(2025, 10, 8))],
            ..Default::default()
        };
        Calendar::from_config(&cfg).unwrap()
    }

    #[test]
    fn term_at_finds_the_term_of_a_date() {
        let cal = school();
        assert_eq!(cal.term_at(date(2025, 8, 30)).map(|t| t.name.as_str()), Some("2025秋季学期"));
        assert_eq!(cal.term_at(date(2026, 7, 10)).map(|t| t.name.as_str()), Some("2026春季学期"));
        assert_eq!(cal.term_at(date(2026, 2, 1)), None);
    }

    #[test]
    fn days_between_terms_of_a_school_year_are_vacation() {
        let cal = school();
        assert!(cal.is_vacation(date(2026, 2, 1)), "winter vacation");
        assert!(cal.is_vacation(date(2026, 8, 20)), "summer vacation after the last term");
        assert!(!cal.is_vacation(date(2026, 3, 2)));
    }

    #[test]
    fn listed_vacation_inside_a_term_is_vacation() {
        assert!(school().is_vacation(date(2025, 10, 3)));
        assert!(!school().is_vacation(date(2025, 10, 9)));
    }

    #[test]
    fn school_year_without_terms_is_not_assumed_vacation() {
        let cal = school();
        assert!(!cal.is_vacation(date(2026, 9, 10)));
        assert!(!cal.is_vacation(date(2025, 8, 29)), "belongs to school year 2024");
        assert!(!Calendar::china().is_vacation(date(2026, 2, 1)));
    }

    #[test]
    fn bad_term_names_the_field() {
        let cfg = CalendarConfig {
            terms: vec![
                term("2025秋季学期", date(2025, 9, 1), date(2026, 1, 16)),
                term("2026春季学期", date(2026, 3, 2), date(2026, 2, 28)),
            ],
            ..Default::default()
        };
        let err = Calendar::from_config(&cfg).unwrap_err();
        assert_eq!(err.to_string(), "calendar.terms[1].end: before start");
    }

    #[test]
    fn unnamed_vacation_names_the_field() {
        let cfg = CalendarConfig {
            vacations: vec![term(" ", date(2026, 1, 17), date(2026, 2, 28))],
            ..Default::default()
        };
        let err = Calendar::from_config(&cfg).unwrap_err();
        assert_eq!(err, InputError::Missing { field: "calendar.vacations[0].name".into() });
    }

    #[test]
    fn overlapping_terms_name_the_later_one() {
        let cfg = CalendarConfig {
            terms: vec![
                term("2026春季学期", date(2026, 1, 10), date(2026, 7, 10)),
                term("2025秋季学期", date(2025, 9, 1), date(2026, 1, 16)),
            ],
            ..Default::default()
        };
        let err = Calendar::from_config(&cfg).unwrap_err();
        assert_eq!(err.field(), "calendar.terms[0].start");
    }

    #[test]
    fn school_year_starts_in_september() {
        assert_eq!(school_year(date(2026, 3, 2)), 2025);
        assert_eq!(school_year(date(2025, 9, 1)), 2025);
        assert_eq!(term("x", date(2025, 8, 28), date(2026, 1, 16)).school_year(), 2025);
    }
}
