//! Support for the SQLite benchmark: ratios, sweep databases, sweep measurements.

pub(crate) mod population;
pub(crate) mod ratio;
pub(crate) mod sweep;
