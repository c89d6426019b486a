//! The statistics table (隐患问题统计表): figures per responsible unit and category, rolled up
//! the organisation tree, with category totals and a grand total.

mod cells;
mod rollup;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Category, UnitId};
use crate::org::{Unit, UnitKind};
use crate::report::Stats;

pub use cells::{tally, CellTallies, CellTally};
pub use rollup::{statistics, statistics_of_cells};

/// The figures of one category; `category` is `None` for rows not yet categorised (未分类).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategoryStats {
    /// The category, `None` for uncategorised rows.
    pub category: Option<Category>,
    /// Its figures.
    pub stats: Stats,
}

/// One cell: the rows a unit itself answers for in one category (not its sub-units').
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatsCell {
    /// The accountable unit (see [`LedgerRow::accountable_unit`]).
    ///
    /// [`LedgerRow::accountable_unit`]: crate::report::LedgerRow::accountable_unit
    pub unit: UnitId,
    /// The category, `None` for uncategorised rows.
    pub category: Option<Category>,
    /// Its figures.
    pub stats: Stats,
}

/// One line of the table: a unit with its own figures and those of its whole subtree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitStats {
    /// The unit.
    pub unit: UnitId,
    /// Its name, or its id when the organisation does not know it.
    pub name: String,
    /// Its kind, when the organisation knows it.
    pub kind: Option<UnitKind>,
    /// The unit above it.
    pub parent: Option<UnitId>,
    /// Levels below a root (a root is 0), for indenting.
    pub depth: usize,
    /// The rows the unit itself answers for (本级).
    pub own: Stats,
    /// The unit's own rows and those of every unit below it (合计): a bureau's cover its schools.
    pub total: Stats,
    /// `total` split by category, in table order; categories without rows here are left out.
    pub by_category: Vec<CategoryStats>,
}

impl UnitStats {
    /// An empty line for `unit` of the organisation.
    fn blank(unit: &Unit, depth: usize) -> UnitStats {
        UnitStats {
            name: unit.name.clone(),
            kind: Some(unit.kind),
            parent: unit.parent.clone(),
            depth,
            ..UnitStats::stranger(&unit.id)
        }
    }

    /// An empty root line for a unit the organisation does not know.
    fn stranger(unit: &UnitId) -> UnitStats {
        UnitStats {
            unit: unit.clone(),
            name: unit.to_string(),
            kind: None,
            parent: None,
            depth: 0,
            own: Stats::default(),
            total: Stats::default(),
            by_category: Vec::new(),
        }
    }

    /// The subtree's figures in `category` (`None` for uncategorised), if it has rows there.
    pub fn category(&self, category: Option<&Category>) -> Option<&Stats> {
        self.by_category.iter().find(|c| c.category.as_ref() == category).map(|c| &c.stats)
    }
}

/// The hazard statistics table (隐患问题统计表) of one period.
///
/// Every figure follows the definitions of [`Stats`]. A roll-up's counts are sums, its rates are
/// recomputed from those sums and its median from the underlying rows, so no figure is ever an
/// average of averages. Categories are in code order with the uncategorised last.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatsTable {
    /// Start of the period (included).
    pub start: DateTime<Utc>,
    /// End of the period (excluded).
    pub end: DateTime<Utc>,
    /// One line per unit in tree order: each unit followed by its subtree, children in the order
    /// the organisation lists them; units the organisation does not know come last as roots.
    pub units: Vec<UnitStats>,
    /// The cells that have rows, in the order of `units`, then of categories.
    pub cells: Vec<StatsCell>,
    /// Totals per category over every row.
    pub categories: Vec<CategoryStats>,
    /// The grand total (总计).
    pub total: Stats,
}

impl StatsTable {
    /// The unit lines in tree order (parents first), for rendering.
    pub fn rows(&self) -> impl Iterator<Item = &UnitStats> + '_ {
        self.units.iter()
    }

    /// The line of `unit`.
    pub fn unit(&self, unit: &UnitId) -> Option<&UnitStats> {
        self.units.iter().find(|u| u.unit == *unit)
    }

    /// The cell of `unit` and `category`, if it has rows.
    pub fn cell(&self, unit: &UnitId, category: Option<&Category>) -> Option<&Stats> {
        let cell = self.cells.iter().find(|c| c.unit == *unit && c.category.as_ref() == category);
        cell.map(|c| &c.stats)
    }

    /// The total of `category`, if it has rows.
    pub fn category(&self, category: Option<&Category>) -> Option<&Stats> {
        self.categories.iter().find(|c| c.category.as_ref() == category).map(|c| &c.stats)
    }
}

/// Orders categories by code, the uncategorised last.
type Bucket = (bool, Option<Category>);

fn bucket(category: &Option<Category>) -> Bucket {
    (category.is_none(), category.clone())
}
