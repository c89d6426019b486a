//! Building the statistics table: cells rolled up the organisation tree, with category totals
//! and a grand total.

use std::collections::{BTreeMap, HashMap};

use super::{bucket, tally, Bucket, CategoryStats, CellTally, StatsCell, StatsTable, UnitStats};
use crate::model::UnitId;
use crate::org::{Org, Unit};
use crate::report::stats::{Bounds, Tally};
use crate::report::LedgerRow;

fn listed(tallies: &BTreeMap<Bucket, Tally>) -> Vec<CategoryStats> {
    let list =
        tallies.iter().map(|((_, c), t)| CategoryStats { category: c.clone(), stats: t.finish() });
    list.collect()
}

/// Builds the statistics table of `rows` over `period_bounds` (`[start, end)`, see
/// [`super::Period::bounds`]). Each row counts in the cell of its accountable unit (responsible
/// unit, else where it was found) and its category (registered, else suggested, else none).
///
/// [`super::Period::bounds`]: crate::report::Period::bounds
pub fn statistics(rows: &[LedgerRow], period_bounds: Bounds, org: &Org) -> StatsTable {
    statistics_of_cells(tally(rows, period_bounds), period_bounds, org)
}

/// Builds the statistics table from per-cell tallies ([`tally`], or a store's
/// [`Store::tally`]), rolling them up the organisation: the same table as [`statistics`] of the
/// rows the cells were tallied from. Cells given twice are added together.
///
/// [`Store::tally`]: crate::store::Store::tally
pub fn statistics_of_cells(given: Vec<CellTally>, period_bounds: Bounds, org: &Org) -> StatsTable {
    let mut cells: BTreeMap<(UnitId, Bucket), Tally> = BTreeMap::new();
    for CellTally { unit, category, tally } in given {
        cells.entry((unit, bucket(&category))).or_default().merge(&tally);
    }
    let mut own: HashMap<&UnitId, Tally> = HashMap::new();
    let mut subtree: HashMap<UnitId, BTreeMap<Bucket, Tally>> = HashMap::new();
    let mut categories: BTreeMap<Bucket, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    for ((unit, category), tally) in &cells {
        own.entry(unit).or_default().merge(tally);
        let mut lineage: Vec<UnitId> =
            org.ancestors(unit).into_iter().map(|u| u.id.clone()).collect();
        if lineage.is_empty() {
            lineage.push(unit.clone());
        }
        for above in lineage {
            subtree.entry(above).or_default().entry(category.clone()).or_default().merge(tally);
        }
        categories.entry(category.clone()).or_default().merge(tally);
        total.merge(tally);
    }

    let mut units: Vec<UnitStats> =
        tree_order(org).into_iter().map(|(u, depth)| UnitStats::blank(u, depth)).collect();
    let mut strangers: Vec<&UnitId> =
        own.keys().copied().filter(|u| org.unit(u).is_none()).collect();
    strangers.sort();
    units.extend(strangers.into_iter().map(UnitStats::stranger));
    for line in &mut units {
        if let Some(by_category) = subtree.get(&line.unit) {
            let mut sum = Tally::default();
            by_category.values().for_each(|t| sum.merge(t));
            line.total = sum.finish();
            line.by_category = listed(by_category);
        }
        line.own = own.get(&line.unit).map(Tally::finish).unwrap_or_default();
    }

    let position: HashMap<&UnitId, usize> =
        units.iter().enumerate().map(|(i, u)| (&u.unit, i)).collect();
    let mut cells: Vec<((UnitId, Bucket), Tally)> = cells.into_iter().collect();
    // Stable, so each unit's cells keep the category order of the map.
    cells.sort_by_key(|((unit, _), _)| position.get(unit).copied().unwrap_or(usize::MAX));
    let cells = cells
        .into_iter()
        .map(|((unit, (_, category)), t)| StatsCell { unit, category, stats: t.finish() })
        .collect();

    StatsTable {
        start: period_bounds.0,
        end: period_bounds.1,
        cells,
        units,
        categories: listed(&categories),
        total: total.finish(),
    }
}

/// Every unit of `org` with its depth, each followed by its subtree (depth first, pre-order).
fn tree_order(org: &Org) -> Vec<(&Unit, usize)> {
    let mut stack: Vec<(&Unit, usize)> =
        org.units().filter(|u| u.parent.is_none()).map(|u| (u, 0)).collect();
    stack.reverse();
    let mut order = Vec::new();
    while let Some((unit, depth)) = stack.pop() {
        order.push((unit, depth));
        stack.extend(org.children(&unit.id).into_iter().rev().map(|c| (c, depth + 1)));
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, Grade};
    use crate::report::fixtures::{day, org, Story};

    fn period() -> Bounds {
        (day(1), day(16))
    }

    fn id(s: &str) -> UnitId {
        UnitId::new(s).unwrap()
    }

    fn in_unit(unit: &str, found: i64) -> Story {
        Story::found(unit, day(found))
            .register(day(found), day(found + 5))
            .report(day(found))
            .treat(day(found))
    }

    fn rectified(unit: &str, found: i64, days: i64) -> LedgerRow {
        in_unit(unit, found).complete(day(found + days)).pass(day(found + days)).row(day(20))
    }

    #[test]
    fn rollup_sums_children_into_the_bureau() {
        let rows = [
            in_unit("s1/d1", 2).row(day(20)),
            in_unit("s1", 3).row(day(20)),
            in_unit("s2", 4).row(day(20)),
            in_unit("s2", 5).row(day(20)),
        ];
        let table = statistics(&rows, period(), &org());
        let discovered = |u: &str| {
            let line = table.unit(&id(u)).unwrap();
            (line.own.discovered, line.total.discovered)
        };
        assert_eq!(discovered("b"), (0, 4));
        assert_eq!(discovered("s1"), (1, 2));
        assert_eq!(discovered("s1/d1"), (1, 1));
        assert_eq!(discovered("s2"), (2, 2));
        assert_eq!(table.total.discovered, 4);
        assert_eq!(
            table.total.overdue, 4,
            "every deadline passed before day 16 without acceptance"
        );
    }

    #[test]
    fn rates_of_a_rollup_are_recomputed_not_averaged() {
        let rows = [
            rectified("s1", 2, 1),
            in_unit("s2", 2).row(day(20)),
            in_unit("s2", 3).row(day(20)),
            in_unit("s2", 4).row(day(20)),
        ];
        let table = statistics(&rows, period(), &org());
        assert_eq!(table.unit(&id("s1")).unwrap().total.rectification_rate, Some(1.0));
        assert_eq!(table.unit(&id("s2")).unwrap().total.rectification_rate, Some(0.0));
        assert_eq!(
            table.unit(&id("b")).unwrap().total.rectification_rate,
            Some(0.25),
            "1 of 4, not (100 % + 0 %) / 2"
        );
        assert_eq!(table.total.rectification_rate, Some(0.25));
    }

    #[test]
    fn medians_of_a_rollup_come_from_the_rows() {
        let rows = [rectified("s1", 2, 1), rectified("s2", 2, 2), rectified("s2", 2, 10)];
        let table = statistics(&rows, (day(1), day(30)), &org());
        assert_eq!(table.unit(&id("s1")).unwrap().total.median_days_to_rectify, Some(1.0));
        assert_eq!(table.unit(&id("s2")).unwrap().total.median_days_to_rectify, Some(6.0));
        assert_eq!(
            table.unit(&id("b")).unwrap().total.median_days_to_rectify,
            Some(2.0),
            "not the median or mean of medians"
        );
    }

    #[test]
    fn unregistered_rows_count_where_found_under_their_suggested_category_or_none() {
        let rows = [
            Story::found("s2", day(2)).row(day(20)),
            Story::found("s2", day(3)).suggest("food").row(day(20)),
            in_unit("s1", 3).row(day(20)),
        ];
        let table = statistics(&rows, period(), &org());
        let food = Category::new("food").unwrap();
        assert_eq!(table.cell(&id("s2"), None).map(|s| s.discovered), Some(1));
        assert_eq!(table.cell(&id("s2"), Some(&food)).map(|s| s.discovered), Some(1));
        let order: Vec<Option<&str>> =
            table.categories.iter().map(|c| c.category.as_ref().map(Category::as_str)).collect();
        assert_eq!(order, [Some("fire"), Some("food"), None], "uncategorised last");
        assert_eq!(table.unit(&id("b")).unwrap().category(None).map(|s| s.discovered), Some(1));
    }

    #[test]
    fn rows_come_in_tree_order_parents_first() {
        let rows = [in_unit("elsewhere", 2).row(day(20))];
        let table = statistics(&rows, period(), &org());
        let lines: Vec<(&str, usize)> = table.rows().map(|u| (u.unit.as_str(), u.depth)).collect();
        assert_eq!(lines, [("b", 0), ("s1", 1), ("s1/d1", 2), ("s2", 1), ("elsewhere", 0)]);
        assert_eq!(table.unit(&id("s1")).unwrap().name, "第一中学");
        assert_eq!(table.total.discovered, 1, "a unit the organisation lacks still counts");
    }

    #[test]
    fn category_totals_and_grand_total_agree_with_the_cells() {
        let rows = [
            Story::found("s1", day(2))
                .register_as(day(2), day(9), Grade::Major, "lab", "s1/d1")
                .row(day(20)),
            in_unit("s1", 3).row(day(20)),
            in_unit("s2", 4).row(day(20)),
        ];
        let table = statistics(&rows, period(), &org());
        let by_cells: usize = table.cells.iter().map(|c| c.stats.discovered).sum();
        let by_categories: usize = table.categories.iter().map(|c| c.stats.discovered).sum();
        assert_eq!((by_cells, by_categories, table.total.discovered), (3, 3, 3));
        assert_eq!(table.category(Some(&Category::new("lab").unwrap())).map(|s| s.major), Some(1));
        assert_eq!(table.cells[0].unit.as_str(), "s1", "cells follow the tree order");
    }

    #[test]
    fn table_serialises_to_json_and_back() {
        let rows = [rectified("s1", 2, 1), Story::found("s2", day(3)).row(day(20))];
        let table = statistics(&rows, period(), &org());
        let json = serde_json::to_string(&table).unwrap();
        assert!(json.contains("\"rectification_rate\":1.0"), "{json}");
        assert_eq!(serde_json::from_str::<StatsTable>(&json).unwrap(), table);
    }
}
