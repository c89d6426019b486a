//! A record's deadline and the rungs it has fired: the same ladder type as the hazard clocks
//! ([`Rung`]: an offset from the due time, an action, recipients), one rung firing once.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::escalation::Rung;

/// One deadline of a record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DutyClock {
    /// When it falls due.
    pub due: DateTime<Utc>,
    /// When what it waits for was done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub met_at: Option<DateTime<Utc>>,
    /// The ladder's rungs fired on it (indexes into the ladder).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub fired: BTreeSet<usize>,
}

impl DutyClock {
    /// A clock due at `due`.
    pub fn new(due: DateTime<Utc>) -> DutyClock {
        DutyClock { due, met_at: None, fired: BTreeSet::new() }
    }

    /// Whether it was met after its due time.
    pub fn late(&self) -> bool {
        self.met_at.is_some_and(|at| at > self.due)
    }

    /// Whether it is past due at `now` and not met.
    pub fn overdue_at(&self, now: DateTime<Utc>) -> bool {
        self.met_at.is_none() && now > self.due
    }

    /// When rung `i` of `ladder` fires for it.
    pub fn fire_at(&self, ladder: &[Rung], i: usize, calendar: &Calendar) -> Option<DateTime<Utc>> {
        ladder.get(i).map(|r| calendar.add(self.due, r.offset))
    }

    /// The next unfired rung's time; none once met.
    pub fn next(&self, ladder: &[Rung], calendar: &Calendar) -> Option<DateTime<Utc>> {
        if self.met_at.is_some() {
            return None;
        }
        (0..ladder.len())
            .filter(|i| !self.fired.contains(i))
            .filter_map(|i| self.fire_at(ladder, i, calendar))
            .min()
    }

    /// The rungs due at `now` and not yet fired; none once met.
    pub fn due_rungs(
        &self,
        ladder: &[Rung],
        calendar: &Calendar,
        now: DateTime<Utc>,
    ) -> Vec<usize> {
        if self.met_at.is_some() {
            return Vec::new();
        }
        (0..ladder.len())
            .filter(|i| !self.fired.contains(i))
            .filter(|&i| self.fire_at(ladder, i, calendar).is_some_and(|at| at <= now))
            .collect()
    }
}
