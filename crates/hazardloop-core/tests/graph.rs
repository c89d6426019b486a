//! The transition table, the graph built from it, and the stage methods agree.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use hazardloop_core::model::Grade;
use hazardloop_core::workflow::graph::{next_stage, AUXILIARY, TRANSITIONS};
use hazardloop_core::workflow::{
    decide, Event, Hazard, Rule, StageKind, Step, TransitionGraph, WorkflowError,
};
use hazardloop_testkit::{Fixture, Scenario};

/// A history ending in each stage, for both grades.
fn histories(f: &Fixture, grade: Grade) -> Vec<(StageKind, Vec<Event>)> {
    let mut out: Vec<_> = StageKind::ALL
        .into_iter()
        .filter(|k| *k != StageKind::Dismissed)
        .map(|k| (k, f.walked(grade, k).1))
        .collect();
    let (_, registered) = f.walked(grade, StageKind::Registered);
    let dismissed = Scenario::new(f)
        .given(registered.clone())
        .when(&f.deputy(), f.command_for(Step::Dismiss, grade, f.start))
        .result()
        .clone()
        .unwrap();
    out.push((StageKind::Dismissed, registered.into_iter().chain(dismissed).collect()));
    out
}

#[test]
fn table_and_stage_methods_agree() {
    let f = Fixture::school();
    for grade in [Grade::General, Grade::Major] {
        for (kind, history) in histories(&f, grade) {
            let hazard =
                Hazard::fold(hazardloop_core::model::HazardId::new_at(f.start), &history).unwrap();
            assert_eq!(hazard.kind(), kind);
            for step in Step::ALL {
                if matches!(step, Step::Discover | Step::FixOnTheSpot) {
                    continue;
                }
                let now = history.iter().map(Event::at).max().unwrap() + Duration::minutes(5);
                let actor = f.actor_for(step, Some(&hazard));
                let result =
                    decide(Some(&hazard), f.command_for(step, grade, now), &f.ctx(&actor, now));
                let allowed = next_stage(Some(kind), step);
                match (allowed, result) {
                    (None, Err(e)) => {
                        let expected = if kind == StageKind::Archived {
                            Rule::ArchivedIsSealed
                        } else {
                            Rule::StepOrder
                        };
                        assert_eq!(e.rule(), Some(expected), "{kind:?} {step:?}: {e}");
                    }
                    (None, Ok(events)) => panic!(
                        "{kind:?} {step:?} is not in the table but decide allowed it: {events:?}"
                    ),
                    (Some(to), Ok(events)) => {
                        let after = events.iter().try_fold(hazard.clone(), Hazard::apply).unwrap();
                        assert_eq!(after.kind(), to, "{kind:?} --{step:?}--> {to:?}");
                    }
                    (Some(to), Err(e)) => {
                        // Allowed by the table, refused by a data rule; never by step order.
                        assert!(
                            !matches!(e, WorkflowError::NotAllowed { .. }),
                            "{kind:?} {step:?}: {e}"
                        );
                        let main =
                            TRANSITIONS.iter().any(|t| t.from == Some(kind) && t.step == step);
                        assert!(
                            !main || to == kind,
                            "the main transition {kind:?} --{step:?}--> {to:?} was refused: {e}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn archived_is_reachable_from_every_stage() {
    let graph = TransitionGraph::new();
    assert_eq!(graph.dead_ends(StageKind::Archived), Vec::<StageKind>::new());
}

#[test]
fn auxiliary_steps_never_leave_their_stage_and_never_touch_closed_records() {
    for (step, stages) in AUXILIARY {
        assert!(!stages.contains(&StageKind::Archived), "{step:?}");
        for s in *stages {
            assert_eq!(next_stage(Some(*s), *step), Some(*s));
        }
    }
}

#[test]
fn mermaid_diagram_names_every_stage_and_main_step() {
    let m = TransitionGraph::new().to_mermaid();
    assert!(m.starts_with("stateDiagram-v2\n"));
    for t in TRANSITIONS {
        assert!(m.contains(&format!("--> {}:", t.to.ident())), "{t:?}");
    }
    assert!(m.contains("Treated --> Treating: 验收不合格"));
    assert!(TransitionGraph::new().to_dot().contains("Closed -> Archived"));
}
