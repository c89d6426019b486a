//! Time. The engine reads the time only through a [`Clock`]; nothing else reads the system clock.

use std::fmt::Debug;

use chrono::{DateTime, Utc};

/// A source of the current time. Tests use a manual clock (`hazardloop-testkit`).
pub trait Clock: Send + Sync + Debug {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that always says the same time (for one-shot commands such as the CLI's `--now`).
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}
