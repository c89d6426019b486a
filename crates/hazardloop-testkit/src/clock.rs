//! A clock tests move by hand.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use hazardloop_core::calendar::{Calendar, Span};
use hazardloop_core::clock::{Clock, SetClock};

/// A clock that only moves when told to. Clones share the same time.
#[derive(Clone, Debug)]
pub struct ManualClock {
    now: Arc<SetClock>,
    calendar: Calendar,
}

impl ManualClock {
    /// A clock at `start`, using the mainland-China calendar for working days.
    pub fn new(start: DateTime<Utc>) -> ManualClock {
        ManualClock::with_calendar(start, Calendar::china())
    }

    /// A clock at `start` with a calendar of your own.
    pub fn with_calendar(start: DateTime<Utc>, calendar: Calendar) -> ManualClock {
        ManualClock { now: Arc::new(SetClock::new(start)), calendar }
    }

    /// Sets the time.
    pub fn set(&self, at: DateTime<Utc>) {
        self.now.set(at);
    }

    /// Moves forward by a duration.
    pub fn advance(&self, by: Duration) -> DateTime<Utc> {
        self.now.advance(by)
    }

    /// Moves forward by hours.
    pub fn advance_hours(&self, hours: i64) -> DateTime<Utc> {
        self.advance(Duration::hours(hours))
    }

    /// Moves to the end of the working day `n` working days ahead (0 = end of this working day).
    pub fn advance_working_days(&self, n: i32) -> DateTime<Utc> {
        let at = self.calendar.add(self.now.now(), Span::working_days(n));
        self.now.set(at);
        at
    }

    /// The calendar used for working days.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        self.now.now()
    }
}
