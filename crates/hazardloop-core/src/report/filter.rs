//! Filtering and paging the ledger (台账查询): the same rules for every store, applied to rows.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Category, Grade, UnitId};
use crate::org::Org;
use crate::report::LedgerRow;
use crate::store::LedgerQuery;
use crate::workflow::StageKind;

/// Which ledger rows to show. Every criterion left empty lets every row through; the criteria
/// given must all hold. `LedgerFilter::default()` (or `{}` in JSON) matches everything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LedgerFilter {
    /// The row's current stage is one of these; empty for any stage.
    pub stages: BTreeSet<StageKind>,
    /// Whether the row is overdue ([`LedgerRow::is_overdue_at`]) as at the row's `as_of`;
    /// `Engine::ledger` judges it at the engine clock's now.
    pub overdue: Option<bool>,
    /// The row's accountable unit (responsible unit, else where it was found) is this unit or
    /// below it. An id the organisation does not know matches nothing.
    pub unit: Option<UnitId>,
    /// The row's category (registered, else suggested) is this one.
    pub category: Option<Category>,
    /// The row's grade is this one (so unregistered rows never match).
    pub grade: Option<Grade>,
    /// Found at or after this instant.
    pub discovered_from: Option<DateTime<Utc>>,
    /// Found before this instant (exclusive, so a [`super::Period`]'s bounds fit directly).
    pub discovered_to: Option<DateTime<Utc>>,
    /// Text the title or the location contains, ignoring the case of Latin letters; blank
    /// matches everything.
    pub text: Option<String>,
}

impl LedgerFilter {
    /// Whether `row` passes every criterion; `org` resolves the unit criterion. The rule is
    /// [`LedgerQuery::matches`] (the one every store follows), with overdue judged as at the
    /// row's `as_of`.
    pub fn matches(&self, row: &LedgerRow, org: &Org) -> bool {
        LedgerQuery::new(self, org, None, Page::all()).matches(row)
    }

    /// The rows on `page` among those matching, in the order given, and how many match in all.
    pub fn page<'a>(&self, rows: &'a [LedgerRow], org: &Org, page: Page) -> Paged<'a> {
        let query = LedgerQuery::new(self, org, None, page);
        let mut paged = Paged { total: 0, rows: Vec::new() };
        for row in rows.iter().filter(|r| query.matches(r)) {
            if paged.total >= page.offset && paged.rows.len() < page.limit {
                paged.rows.push(row);
            }
            paged.total += 1;
        }
        paged
    }
}

/// A window on a list: skip `offset` rows, show at most `limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Page {
    /// Rows to skip.
    pub offset: usize,
    /// Most rows to show.
    pub limit: usize,
}

impl Page {
    /// The page size when none is given.
    pub const DEFAULT_LIMIT: usize = 50;

    /// Skip `offset` rows and show at most `limit`.
    pub fn new(offset: usize, limit: usize) -> Page {
        Page { offset, limit }
    }

    /// Every row (for an export).
    pub fn all() -> Page {
        Page { offset: 0, limit: usize::MAX }
    }
}

impl Default for Page {
    /// The first [`Page::DEFAULT_LIMIT`] rows.
    fn default() -> Page {
        Page { offset: 0, limit: Page::DEFAULT_LIMIT }
    }
}

/// One page of matching rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Paged<'a> {
    /// How many rows match in all, on every page.
    pub total: usize,
    /// The rows on this page.
    pub rows: Vec<&'a LedgerRow>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::{day, org, Story};

    fn rows() -> Vec<LedgerRow> {
        vec![
            Story::found("s1", day(3)).row(day(12)),
            Story::found("s1", day(4))
                .register_as(day(4), day(10), Grade::Major, "food", "s1/d1")
                .row(day(12)),
            Story::found("s2", day(5)).register(day(5), day(20)).row(day(12)),
        ]
    }

    fn count(filter: &LedgerFilter) -> usize {
        filter.page(&rows(), &org(), Page::all()).total
    }

    #[test]
    fn empty_filter_matches_everything() {
        let filter: LedgerFilter = serde_json::from_str("{}").unwrap();
        assert_eq!(filter, LedgerFilter::default());
        assert_eq!(count(&filter), 3);
    }

    #[test]
    fn unit_filter_takes_the_whole_subtree() {
        let within = |u: &str| {
            count(&LedgerFilter { unit: Some(UnitId::new(u).unwrap()), ..Default::default() })
        };
        assert_eq!(within("b"), 3);
        assert_eq!(within("s1"), 2, "the department's hazard counts for its school");
        assert_eq!(within("s1/d1"), 1);
        assert_eq!(within("nowhere"), 0);
    }

    #[test]
    fn criteria_must_all_hold() {
        let overdue = LedgerFilter { overdue: Some(true), ..Default::default() };
        assert_eq!(count(&overdue), 1, "only the day-10 deadline has passed on day 12");
        let major_in_s2 = LedgerFilter {
            grade: Some(Grade::Major),
            unit: Some(UnitId::new("s2").unwrap()),
            ..Default::default()
        };
        assert_eq!(count(&major_in_s2), 0);
        let stages = LedgerFilter { stages: [StageKind::Discovered].into(), ..Default::default() };
        assert_eq!(count(&stages), 1);
    }

    #[test]
    fn discovery_window_is_half_open() {
        let window = LedgerFilter {
            discovered_from: Some(day(4)),
            discovered_to: Some(day(5)),
            ..Default::default()
        };
        assert_eq!(count(&window), 1);
    }

    #[test]
    fn text_search_ignores_case_on_title_and_location() {
        let mut rows = rows();
        rows[0].location = "Lab 3".into();
        let find = |t: &str| {
            LedgerFilter { text: Some(t.into()), ..Default::default() }
                .page(&rows, &org(), Page::all())
                .total
        };
        assert_eq!(find("lab"), 1);
        assert_eq!(find("灭火器"), 3);
        assert_eq!(find("  "), 3);
        assert_eq!(find("压力不足"), 0, "the description is not searched");
    }

    #[test]
    fn page_counts_every_match_and_shows_its_window() {
        let rows = rows();
        let paged = LedgerFilter::default().page(&rows, &org(), Page::new(1, 1));
        assert_eq!(paged.total, 3);
        assert_eq!(paged.rows, [&rows[1]]);
        assert!(LedgerFilter::default().page(&rows, &org(), Page::new(5, 10)).rows.is_empty());
    }
}
