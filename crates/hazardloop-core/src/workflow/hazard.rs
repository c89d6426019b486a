//! The hazard record: the stage plus what runs alongside it (clocks, pause, fired rungs), and
//! `apply`, which folds events into it. Folding never has side effects.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::deadline::{ClockSet, Deadlines};
use crate::escalation::{Fired, FiredRungs};
use crate::model::{HazardId, TenantId};
use crate::workflow::{ApplyError, Discovered, Event, Pause, Stage, StageKind};

/// A hazard as the fold of its events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hazard {
    /// Its id.
    pub id: HazardId,
    /// Events applied so far (the version a commit expects).
    pub version: u64,
    /// The stage with its data.
    pub stage: Stage,
    /// Open clocks.
    pub clocks: Deadlines,
    /// The open clocks whose due time is provisional (暂定): reckoned past the calendar's
    /// horizon, so a later holiday notice may move them.
    #[serde(default, skip_serializing_if = "ClockSet::is_empty")]
    pub provisional: ClockSet,
    /// The pause in force, if any (boxed: a pause is rare, and the hazard moves by value).
    pub paused: Option<Box<Pause>>,
    /// Escalation rungs already fired (stored as a list of pairs: JSON maps need string keys).
    #[serde(with = "fired_pairs")]
    pub fired: FiredRungs,
    /// Its number (隐患编号, e.g. `2026-0017`), once the store has given it one; not part of
    /// its history (see [`numbering`](crate::numbering)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
}

impl Hazard {
    /// The tenant it belongs to.
    pub fn tenant(&self) -> &TenantId {
        &self.stage.facts().tenant
    }

    /// The stage's name.
    pub fn kind(&self) -> StageKind {
        self.stage.kind()
    }

    /// Starts a hazard from its first event, which must be `Discovered` (or `Imported`).
    pub fn start(id: HazardId, first: &Event) -> Result<Hazard, ApplyError> {
        match first {
            Event::Discovered { facts } => Ok(Hazard {
                id,
                version: 1,
                stage: Discovered::new(facts.clone()).into(),
                clocks: Deadlines::default(),
                provisional: ClockSet::EMPTY,
                paused: None,
                fired: FiredRungs::new(),
                number: None,
            }),
            Event::Imported { import } => Ok(Hazard {
                id,
                version: 1,
                stage: import.stage.clone(),
                clocks: Deadlines::default(),
                provisional: ClockSet::EMPTY,
                paused: None,
                fired: import.passed_rungs(),
                number: None,
            }),
            other => Err(ApplyError { stage: "nothing".into(), event: other.type_name() }),
        }
    }

    /// Folds a whole history. The first event must be `Discovered` (or `Imported`).
    pub fn fold<'a>(
        id: HazardId,
        events: impl IntoIterator<Item = &'a Event>,
    ) -> Result<Hazard, ApplyError> {
        let mut events = events.into_iter();
        let first = events.next().ok_or(ApplyError { stage: "nothing".into(), event: "none" })?;
        Hazard::start(id, first)?.apply_all(events)
    }

    /// Applies one event, returning the next state. Pure: no I/O, no clock, no notification,
    /// and no rule: `decide` checked them before the event existed, and the hash chain protects
    /// stored history. The only failure is an event that does not fit the stage at all, which
    /// an event `decide` produced for this hazard never is.
    pub fn apply(self, event: &Event) -> Result<Hazard, ApplyError> {
        self.apply_all(std::slice::from_ref(event))
    }

    /// Applies events in order, as [`Hazard::apply`] does one by one, without moving the whole
    /// hazard in and out of a call for each: a step moves only the stage, and any other event
    /// changes what it touches in place.
    ///
    /// Small enough to inline, so that a caller that owns the hazard moves it once: the step's
    /// stage change and the in-place changes are the calls.
    #[inline(always)]
    pub fn apply_all<'a>(
        mut self,
        events: impl IntoIterator<Item = &'a Event>,
    ) -> Result<Hazard, ApplyError> {
        for event in events {
            if event.step().is_some_and(super::graph::moves_stage) {
                self.stage = next_stage(self.stage, event)?;
            } else {
                self.apply_in_place(event)?;
            }
            self.version += 1;
        }
        Ok(self)
    }

    /// Applies an event that keeps the stage, changing what it touches in place; an event that
    /// does not fit changes nothing.
    fn apply_in_place(&mut self, event: &Event) -> Result<(), ApplyError> {
        let running = Running {
            clocks: &mut self.clocks,
            provisional: &mut self.provisional,
            paused: &mut self.paused,
            fired: &mut self.fired,
        };
        let fits = !matches!(self.stage, Stage::Archived(_))
            && apply_auxiliary(&mut self.stage, running, event).is_some();
        if fits {
            Ok(())
        } else {
            Err(misfit(&self.stage, event))
        }
    }
}

fn misfit(stage: &Stage, event: &Event) -> ApplyError {
    ApplyError { stage: stage.kind().to_string(), event: event.type_name() }
}

/// The stage after the step `event`.
fn next_stage(stage: Stage, event: &Event) -> Result<Stage, ApplyError> {
    Ok(match (stage, event) {
        (Stage::Discovered(s), Event::Registered { registration }) => {
            s.register(registration.clone()).into()
        }
        (Stage::Discovered(s), Event::Dismissed { dismissal }) => {
            s.dismiss(dismissal.clone()).into()
        }
        (Stage::Registered(s), Event::Reported { report }) => s.report(Arc::clone(report)).into(),
        (Stage::Registered(s), Event::Dismissed { dismissal }) => {
            s.dismiss(dismissal.clone()).into()
        }
        (Stage::Reported(s), Event::TreatmentStarted { treatment }) => {
            s.start(treatment.clone()).into()
        }
        (Stage::Treating(s), Event::TreatmentCompleted { completion }) => {
            s.complete(Arc::clone(completion)).into()
        }
        (Stage::Treated(s), Event::AcceptancePassed { acceptance }) => {
            s.pass(Arc::clone(acceptance)).into()
        }
        (Stage::Treated(s), Event::AcceptanceFailed { rejection }) => {
            s.fail(rejection.clone()).into()
        }
        (Stage::Accepted(s), Event::Closed { closure }) => s.close(Arc::clone(closure)).into(),
        (Stage::Closed(s), Event::Archived { seal }) => s.archive(seal.clone()).into(),
        (Stage::Dismissed(s), Event::Archived { seal }) => s.archive(seal.clone()).into(),
        (stage, event) => return Err(misfit(&stage, event)),
    })
}

/// What runs alongside the stage, borrowed for one event.
struct Running<'a> {
    clocks: &'a mut Deadlines,
    provisional: &'a mut ClockSet,
    paused: &'a mut Option<Box<Pause>>,
    fired: &'a mut FiredRungs,
}

/// Applies an event that keeps the stage. `None` if it does not fit.
fn apply_auxiliary(stage: &mut Stage, running: Running<'_>, event: &Event) -> Option<()> {
    let Running { clocks, provisional, paused, fired } = running;
    let parts = stage.parts_mut();
    match event {
        Event::DeadlinesChanged { change, .. } => {
            change.apply_to(clocks);
            change.apply_provisional(provisional);
        }
        Event::DeadlinesSet { clocks: set, .. } => {
            *clocks = *set;
            *provisional = ClockSet::EMPTY;
        }
        Event::DeadlineReprojected { clock, from, to, provisional: still, .. } => {
            if clocks.get(*clock) != Some(*from) {
                return None;
            }
            clocks.set(*clock, *to);
            *provisional =
                if *still { provisional.with(*clock) } else { provisional.without(*clock) };
            // A rung that fired for the old due time has fired for the new one: its key moves
            // with the clock (once, so the ledger lists it once).
            let moved: Vec<_> = fired
                .keys()
                .filter(|key| key.clock == *clock && key.due == *from)
                .copied()
                .collect();
            for key in moved {
                if let Some(f) = fired.remove(&key) {
                    fired.insert(crate::escalation::RungKey { due: *to, ..key }, f);
                }
            }
        }
        Event::Escalated { escalation, at } => {
            fired.insert(escalation.key, Fired { action: escalation.action, at: *at });
        }
        Event::ClockPaused { pause } if paused.is_none() => *paused = Some(Box::new(pause.clone())),
        Event::ClockResumed { at, .. } => {
            let pause = paused.take()?;
            *clocks = clocks.shifted(*at - pause.at);
        }
        Event::Commented { .. } => {}
        Event::EvidenceAdded { evidence, .. } => {
            Arc::make_mut(parts.facts).evidence.extend(evidence.iter().cloned())
        }
        Event::Reassigned { to, .. } => Arc::make_mut(parts.registration?).assignee = to.clone(),
        Event::Supervised { supervision } => {
            Arc::make_mut(parts.report?).supervision = Some(Box::new(supervision.clone()))
        }
        Event::InterimControlAdded { control } => {
            Arc::make_mut(parts.treatment?).interim.push(control.clone())
        }
        Event::ProgressRecorded { progress } => {
            Arc::make_mut(parts.treatment?).progress.push(progress.clone())
        }
        Event::ExtensionRequested { request } => {
            Arc::make_mut(parts.treatment?).pending_extension = Some(Box::new(request.clone()));
        }
        Event::ExtensionDecided { decision } => {
            let t = Arc::make_mut(parts.treatment?);
            t.pending_extension.take()?;
            t.extensions.push(decision.clone());
        }
        _ => return None,
    }
    Some(())
}

/// `FiredRungs` as a sequence of `[key, fired]` pairs.
mod fired_pairs {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::escalation::{Fired, FiredRungs, RungKey};

    pub(super) fn serialize<S: Serializer>(fired: &FiredRungs, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(fired.iter())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<FiredRungs, D::Error> {
        Ok(Vec::<(RungKey, Fired)>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hazard_with_fired_rungs_round_trips_through_json() {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let key = crate::escalation::RungKey {
            clock: crate::deadline::ClockKind::Rectify,
            due: at,
            rung: 1,
        };
        let mut fired = FiredRungs::new();
        fired.insert(key, Fired { action: crate::escalation::Action::Overdue, at });
        let json = serde_json::to_string(&fired_pairs_probe(fired.clone())).unwrap();
        let back: Probe = serde_json::from_str(&json).unwrap();
        assert_eq!(back.fired, fired);
    }

    #[derive(Serialize, Deserialize)]
    struct Probe {
        #[serde(with = "fired_pairs")]
        fired: FiredRungs,
    }

    fn fired_pairs_probe(fired: FiredRungs) -> Probe {
        Probe { fired }
    }
}
