//! Time. The engine reads the time only through a [`Clock`]; nothing else reads the system clock.

use std::fmt::Debug;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};

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

/// A clock the host sets: simulations, demos, replaying history. Shared as `Arc<SetClock>`, it
/// is moved by the host while the engine reads it.
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use hazardloop_core::clock::{Clock, SetClock};
///
/// let clock = SetClock::new(Utc.with_ymd_and_hms(2025, 9, 1, 1, 0, 0).unwrap());
/// clock.advance(Duration::hours(8));
/// assert_eq!(clock.now(), Utc.with_ymd_and_hms(2025, 9, 1, 9, 0, 0).unwrap());
/// ```
#[derive(Debug)]
pub struct SetClock(Mutex<DateTime<Utc>>);

impl SetClock {
    /// A clock that says `at` until it is set or advanced.
    pub fn new(at: DateTime<Utc>) -> SetClock {
        SetClock(Mutex::new(at))
    }

    /// Sets the time (earlier times too: the clock does not guard against going back).
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = at;
    }

    /// Moves the time on by `by` and returns the new time.
    pub fn advance(&self, by: Duration) -> DateTime<Utc> {
        let mut now = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
        *now
    }
}

impl Clock for SetClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
