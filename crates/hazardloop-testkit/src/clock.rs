//! A clock tests move by hand.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};
use hazardloop_core::calendar::{Calendar, Span};
use hazardloop_core::clock::Clock;

/// A clock that only moves when told to. Clones share the same time.
#[derive(Clone, Debug)]
pub struct ManualClock {
    now: Arc<Mutex<DateTime<Utc>>>,
    calendar: Calendar,
}

impl ManualClock {
    /// A clock at `start`, using the mainland-China calendar for working days.
    pub fn new(start: DateTime<Utc>) -> ManualClock {
        ManualClock::with_calendar(start, Calendar::china())
    }

    /// A clock at `start` with a calendar of your own.
    pub fn with_calendar(start: DateTime<Utc>, calendar: Calendar) -> ManualClock {
        ManualClock { now: Arc::new(Mutex::new(start)), calendar }
    }

    fn update(&self, f: impl FnOnce(DateTime<Utc>) -> DateTime<Utc>) -> DateTime<Utc> {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now = f(*now);
        *now
    }

    /// Sets the time.
    pub fn set(&self, at: DateTime<Utc>) {
        self.update(|_| at);
    }

    /// Moves forward by a duration.
    pub fn advance(&self, by: Duration) -> DateTime<Utc> {
        self.update(|t| t + by)
    }

    /// Moves forward by hours.
    pub fn advance_hours(&self, hours: i64) -> DateTime<Utc> {
        self.advance(Duration::hours(hours))
    }

    /// Moves to the end of the working day `n` working days ahead (0 = end of this working day).
    pub fn advance_working_days(&self, n: i32) -> DateTime<Utc> {
        let calendar = self.calendar.clone();
        self.update(|t| calendar.add(t, Span::working_days(n)))
    }

    /// The calendar used for working days.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
