//! Reports (报表): the ledger (台账) as rows, its filters and pages, reporting periods, and the
//! hazard statistics table (隐患问题统计表).
//!
//! Everything here is a pure function over [`LedgerRow`]s, so every store gives the same numbers:
//! no I/O, and `now` is a parameter.
//!
//! ```
//! use hazardloop_core::calendar::Calendar;
//! use hazardloop_core::model::{Lang, TenantId};
//! use hazardloop_core::org::Org;
//! use hazardloop_core::report::{statistics, LedgerRow, Period};
//!
//! let period: Period = "2025-03-H1".parse()?;
//! assert_eq!(period.label(Lang::Zh), "2025年3月上半月");
//! let rows: Vec<LedgerRow> = Vec::new(); // `LedgerRow::from_hazard(&hazard, now)` for each hazard
//! let org = Org::new(TenantId::new("demo")?);
//! let table = statistics(&rows, period.bounds(&Calendar::china()), &org);
//! assert_eq!(table.total.rectification_rate, None); // nothing was found
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod columns;
mod filter;
mod ledger;
mod period;
mod stats;
mod table;

#[cfg(test)]
mod fixtures;

pub use columns::{CellContext, Column};
pub use filter::{LedgerFilter, Page, Paged};
pub use ledger::LedgerRow;
pub use period::{Period, PeriodKind};
pub use stats::{seconds_to_days, Bounds, Stats, Tally};
pub use table::{
    statistics, statistics_of_cells, tally, CategoryStats, CellTallies, CellTally, StatsCell,
    StatsTable, UnitStats,
};
