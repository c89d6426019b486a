//! The figures of incidents (reported on time, late, not at all) and of report duties.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::clock::DutyClock;
use super::duty::Duty;
use super::incident::Incident;

/// How one report clock went.
fn count(
    clock: &DutyClock,
    now: DateTime<Utc>,
    on_time: &mut usize,
    late: &mut usize,
    missing: &mut usize,
) {
    match clock.met_at {
        Some(at) if at <= clock.due => *on_time += 1,
        Some(_) => *late += 1,
        None if now > clock.due => *missing += 1,
        None => {}
    }
}

/// Incidents and how their reports went.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentTally {
    /// Incidents.
    pub incidents: usize,
    /// Still open.
    pub open: usize,
    /// Phone reports made in time.
    pub phone_on_time: usize,
    /// Phone reports made late.
    pub phone_late: usize,
    /// Phone reports past due and not made.
    pub phone_missing: usize,
    /// Written reports sent in time.
    pub written_on_time: usize,
    /// Written reports sent late.
    pub written_late: usize,
    /// Written reports past due and not sent.
    pub written_missing: usize,
}

impl IncidentTally {
    /// The figures of `incidents` as at `now`.
    pub fn of<'a>(
        incidents: impl IntoIterator<Item = &'a Incident>,
        now: DateTime<Utc>,
    ) -> IncidentTally {
        let mut t = IncidentTally::default();
        for i in incidents {
            t.incidents += 1;
            t.open += usize::from(i.closed_at.is_none());
            count(&i.phone, now, &mut t.phone_on_time, &mut t.phone_late, &mut t.phone_missing);
            count(
                &i.written,
                now,
                &mut t.written_on_time,
                &mut t.written_late,
                &mut t.written_missing,
            );
        }
        t
    }
}

/// Report duties and how they went.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DutyTally {
    /// Duties due in the period.
    pub duties: usize,
    /// Submitted in time.
    pub on_time: usize,
    /// Submitted late.
    pub late: usize,
    /// Past due and not submitted (missed ones included).
    pub outstanding: usize,
    /// Of those, marked missed.
    pub missed: usize,
    /// Not yet due.
    pub pending: usize,
}

impl DutyTally {
    /// The figures of `duties` as at `now`.
    pub fn of<'a>(duties: impl IntoIterator<Item = &'a Duty>, now: DateTime<Utc>) -> DutyTally {
        let mut t = DutyTally::default();
        for d in duties {
            t.duties += 1;
            match (&d.submission, d.clock.overdue_at(now)) {
                (Some(s), _) if s.late => t.late += 1,
                (Some(_), _) => t.on_time += 1,
                (None, true) => {
                    t.outstanding += 1;
                    t.missed += usize::from(d.missed_at.is_some());
                }
                (None, false) => t.pending += 1,
            }
        }
        t
    }
}
