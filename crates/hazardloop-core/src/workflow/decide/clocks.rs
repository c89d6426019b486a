//! Reading the clock table: the `DeadlinesChanged` a step causes, with each policy clock
//! reckoned on the calendar.

use chrono::{DateTime, Utc};

use super::Decider;
use crate::deadline::{ClockKind, ClockRule, ClockSet, DueFrom};
use crate::model::Grade;
use crate::workflow::{Event, Step};

impl Decider<'_> {
    /// The `DeadlinesChanged` of `step`'s row in the clock table: policy clocks counted from
    /// `from`, the step's own date `given`.
    pub(super) fn clocks(
        &self,
        step: Step,
        grade: Grade,
        from: DateTime<Utc>,
        given: Option<DateTime<Utc>>,
    ) -> Option<Event> {
        self.clocks_marked(step, grade, from, given.map(|at| (at, false)))
    }

    /// [`Decider::clocks`], with whether the step's own date is provisional (a default the
    /// policy reckoned past the calendar's horizon). Policy clocks are marked provisional when
    /// their reckoning fell back.
    pub(super) fn clocks_marked(
        &self,
        step: Step,
        grade: Grade,
        from: DateTime<Utc>,
        given: Option<(DateTime<Utc>, bool)>,
    ) -> Option<Event> {
        let row = ClockRule::of(step)?;
        let supervised =
            self.h.and_then(|h| h.stage.report()).is_some_and(|r| r.supervision.is_some());
        let policy = self.policy();
        let mut provisional = ClockSet::EMPTY;
        let mut change = row.change(|kind, due_from| {
            let (due, marked) = match due_from {
                DueFrom::Step => given?,
                DueFrom::Policy => {
                    let rule = policy.deadlines().rule(kind, grade, supervised)?;
                    let reckoned = rule.reckon(policy.calendar(), from);
                    // A hazard found earlier and registered late is due now, not in the past.
                    match kind {
                        ClockKind::Register if reckoned.at < self.now => (self.now, false),
                        _ => (reckoned.at, reckoned.fell_back),
                    }
                }
            };
            if marked {
                provisional = provisional.with(kind);
            }
            Some(due)
        });
        change.provisional = provisional;
        // A row that only shifts (resume) changes nothing here: `ClockResumed` shifts the clocks.
        (!change.is_empty()).then_some(Event::DeadlinesChanged { change, at: self.now })
    }

    /// Appends the step's clock change to `out`.
    pub(super) fn push_clocks(
        &self,
        out: &mut Vec<Event>,
        step: Step,
        given: Option<DateTime<Utc>>,
    ) {
        out.extend(self.clocks(step, self.grade(), self.now, given));
    }
}
