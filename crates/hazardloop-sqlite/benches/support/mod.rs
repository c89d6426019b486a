//! Support for the SQLite benchmark: ratios, sweep databases, sweep measurements, city scale.

pub(crate) mod city;
pub(crate) mod population;
pub(crate) mod ratio;
pub(crate) mod sweep;
