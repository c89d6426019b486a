//! Per-cell tallies: the rows of one accountable unit and one category, counted over a period,
//! whether from ledger rows or from a store's own aggregation.

use std::collections::BTreeMap;

use super::{bucket, Bucket};
use crate::escalation::Action;
use crate::model::{Category, UnitId};
use crate::report::stats::{seconds_to_days, Bounds, Tally};
use crate::report::{LedgerRow, Stats};
use crate::store::StoreError;

/// The tally of one cell: the rows of one accountable unit and one category (`None` for
/// uncategorised rows), whatever their figures in the period. What [`Store::tally`] returns.
///
/// [`Store::tally`]: crate::store::Store::tally
#[derive(Clone, Debug, PartialEq)]
pub struct CellTally {
    /// The accountable unit (see [`LedgerRow::accountable_unit`]).
    pub unit: UnitId,
    /// The category, `None` for uncategorised rows.
    pub category: Option<Category>,
    /// The counts and durations of its rows over the period.
    pub tally: Tally,
}

impl CellTally {
    /// A cell as a store's own aggregation counted it (SQLite's and PostgreSQL's
    /// [`Store::tally`]): its unit and category; the eleven counts in the order of [`Stats`]'
    /// fields (discovered, registered, major, discovered_rectified, discovered_dismissed,
    /// rectified, rectified_on_time, open, overdue, reworks, extensions); the escalation actions
    /// fired in the period as comma-separated snake-case tags, one per firing; and the seconds
    /// from discovery to acceptance of each hazard rectified in it. A value that does not fit is
    /// [`StoreError::Corrupt`] naming it.
    ///
    /// [`Store::tally`]: crate::store::Store::tally
    pub fn from_counted(
        unit: &str,
        category: Option<&str>,
        counts: [i64; 11],
        fired: Option<&str>,
        seconds: impl IntoIterator<Item = i64>,
    ) -> Result<CellTally, StoreError> {
        let corrupt = |what: &str, value: &dyn std::fmt::Display| {
            StoreError::Corrupt(format!("{what}: {value}"))
        };
        let mut n = [0_usize; 11];
        for (to, from) in n.iter_mut().zip(counts) {
            *to = usize::try_from(from).map_err(|_| corrupt("a count", &from))?;
        }
        let mut escalations = BTreeMap::new();
        for tag in fired.into_iter().flat_map(|f| f.split(',')) {
            let action: Action = serde_json::from_value(serde_json::Value::String(tag.to_owned()))
                .map_err(|_| corrupt("an escalation action", &tag))?;
            *escalations.entry(action).or_insert(0) += 1;
        }
        let [discovered, registered, major, discovered_rectified, discovered_dismissed, rectified, rectified_on_time, open, overdue, reworks, extensions] =
            n;
        let counts = Stats {
            discovered,
            registered,
            major,
            discovered_rectified,
            discovered_dismissed,
            rectified,
            rectified_on_time,
            open,
            overdue,
            reworks,
            extensions,
            escalations,
            ..Stats::default()
        };
        Ok(CellTally {
            unit: UnitId::new(unit).map_err(|_| corrupt("a unit", &unit))?,
            category: category
                .map(|c| Category::new(c).map_err(|_| corrupt("a category", &c)))
                .transpose()?,
            tally: Tally::from_parts(counts, seconds.into_iter().map(seconds_to_days).collect()),
        })
    }
}

/// Adds rows into per-cell tallies over a period: the reference computation of
/// [`Store::tally`] (a store's own aggregation must give the same cells and counts).
///
/// [`Store::tally`]: crate::store::Store::tally
#[derive(Clone, Debug, Default)]
pub struct CellTallies {
    cells: BTreeMap<(UnitId, Bucket), Tally>,
}

impl CellTallies {
    /// Adds one row's contribution over `period_bounds` to its cell (a row with nothing in the
    /// period still makes its cell exist, as in [`statistics`]).
    ///
    /// [`statistics`]: super::statistics
    pub fn add(&mut self, row: &LedgerRow, period_bounds: Bounds) {
        let key = (row.accountable_unit().clone(), bucket(&row.category));
        self.cells.entry(key).or_default().merge(&Tally::of_row(row, period_bounds));
    }

    /// The cells, ordered by unit and then category (uncategorised last).
    pub fn into_cells(self) -> Vec<CellTally> {
        let cells = self.cells.into_iter();
        cells.map(|((unit, (_, category)), tally)| CellTally { unit, category, tally }).collect()
    }
}

/// The per-cell tallies of `rows` over `period_bounds`: see [`CellTallies`].
pub fn tally(rows: &[LedgerRow], period_bounds: Bounds) -> Vec<CellTally> {
    let mut cells = CellTallies::default();
    rows.iter().for_each(|row| cells.add(row, period_bounds));
    cells.into_cells()
}
