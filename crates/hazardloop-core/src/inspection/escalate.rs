//! Missed and overdue inspections (漏检、逾期未检) on a ladder from policy: a reminder before the
//! due time, then the inspector's head, the safety office, the principal. Each rung fires once
//! per occurrence (its index is kept in the occurrence), as the hazard clocks' rungs do.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::occurrence::{Occurrence, OccurrenceEvent};
use crate::calendar::{Calendar, Span};
use crate::escalation::{Action, Recipient, Rung};
use crate::model::InputError;

/// The `[inspections]` section of the policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InspectionPolicy {
    /// The ladder, at offsets from each occurrence's due time. The recipient `assignee` is the
    /// inspector, `unit_head` the inspector's head (the department head over the inspector's
    /// unit); the safety office and the principal are those of the inspector's school.
    pub ladder: Vec<Rung>,
}

impl Default for InspectionPolicy {
    /// Two hours before the due time remind the inspector; at the due time tell the inspector
    /// and the unit head it is overdue; a working day later (when the default window closes and
    /// the occurrence is missed) the school safety office; three working days later the
    /// principal (seed 003 第二十条: accountability starts with the responsible head).
    fn default() -> Self {
        use Recipient::*;
        let rung = |offset, action, to: &[Recipient]| Rung { offset, action, to: to.to_vec() };
        InspectionPolicy {
            ladder: vec![
                rung(Span::hours(-2), Action::Remind, &[Assignee]),
                rung(Span::working_days(0), Action::Overdue, &[Assignee, UnitHead]),
                rung(Span::working_days(1), Action::Overdue, &[SafetyOffice]),
                rung(Span::working_days(3), Action::Overdue, &[Principal]),
            ],
        }
    }
}

impl InspectionPolicy {
    /// Checks the ladder: recipients given, offsets increasing. Errors name
    /// `inspections.ladder[i]…`.
    pub fn validate(&self, calendar: &Calendar) -> Result<(), InputError> {
        crate::escalation::validate_rungs(&self.ladder, calendar, "inspections.ladder")
    }

    /// When rung `i` fires for an occurrence due at `due`.
    pub fn fire_at(
        &self,
        i: usize,
        due: DateTime<Utc>,
        calendar: &Calendar,
    ) -> Option<DateTime<Utc>> {
        self.ladder.get(i).map(|r| calendar.add(due, r.offset))
    }
}

/// The next time the sweep has something to do for `occurrence`: its window closing (to mark it
/// missed) or its next unfired rung. None once it is completed or excused.
pub fn next_due(
    occurrence: &Occurrence,
    policy: &InspectionPolicy,
    calendar: &Calendar,
) -> Option<DateTime<Utc>> {
    if occurrence.completed.is_some() || occurrence.excused.is_some() {
        return None;
    }
    let due = occurrence.scheduled.slot.due;
    let rung = (0..policy.ladder.len())
        .filter(|i| !occurrence.fired.contains(i))
        .filter_map(|i| policy.fire_at(i, due, calendar))
        .min();
    let close = occurrence.missed_at.is_none().then_some(occurrence.scheduled.slot.closes);
    [rung, close].into_iter().flatten().min()
}

/// What the sweep writes for `occurrence` at `now`: `Missed` once its window has closed, and
/// every rung due and not yet fired. Empty when nothing is due (so sweeping twice writes once).
pub fn sweep(
    occurrence: &Occurrence,
    now: DateTime<Utc>,
    policy: &InspectionPolicy,
    calendar: &Calendar,
) -> Vec<OccurrenceEvent> {
    let mut events = Vec::new();
    if occurrence.completed.is_some() || occurrence.excused.is_some() {
        return events;
    }
    let slot = &occurrence.scheduled.slot;
    if occurrence.missed_at.is_none() && now >= slot.closes {
        events.push(OccurrenceEvent::Missed { at: slot.closes });
    }
    for i in 0..policy.ladder.len() {
        if occurrence.fired.contains(&i) {
            continue;
        }
        if policy.fire_at(i, slot.due, calendar).is_some_and(|at| at <= now) {
            events.push(OccurrenceEvent::Escalated { rung: i, at: now });
        }
    }
    events
}
