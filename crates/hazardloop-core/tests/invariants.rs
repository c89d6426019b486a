//! Property tests: random command sequences by random actors against the transition table.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use hazardloop_core::calendar::Calendar;
use hazardloop_core::deadline::ClockKind;
use hazardloop_core::escalation::{plan_sweep, Escalation, Fired};
use hazardloop_core::model::{Grade, HazardId};
use hazardloop_core::workflow::graph::next_stage;
use hazardloop_core::workflow::{decide, Event, Hazard, Rule, Stage, StageKind, Step};
use hazardloop_testkit::Fixture;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Move {
    step: Step,
    actor: usize,
    /// Use the step's usual actor instead of `actor` (so runs get far into the loop).
    usual: bool,
    /// Take the next main step of the loop instead of `step` (so runs reach the end).
    advance: bool,
    hours: i64,
}

/// The next main step from a stage; at `Treated`, pass or fail by `coin`.
fn main_step(from: Option<StageKind>, coin: usize) -> Step {
    match from {
        None => Step::Discover,
        Some(StageKind::Treated) if coin % 3 == 0 => Step::Fail,
        Some(StageKind::Registered) if coin % 7 == 0 => Step::Dismiss,
        Some(kind) => hazardloop_core::workflow::graph::TRANSITIONS
            .iter()
            .find(|t| t.from == Some(kind))
            .map_or(Step::Comment, |t| t.step),
    }
}

fn moves() -> impl Strategy<Value = Vec<Move>> {
    let step = proptest::sample::select(Step::ALL.to_vec());
    prop::collection::vec(
        (step, 0usize..9, prop::bool::weighted(0.8), prop::bool::weighted(0.5), 0i64..40).prop_map(
            |(step, actor, usual, advance, hours)| Move { step, actor, usual, advance, hours },
        ),
        1..60,
    )
}

struct Run {
    events: Vec<Event>,
    hazard: Option<Hazard>,
    now: DateTime<Utc>,
}

fn run(f: &Fixture, grade: Grade, moves: &[Move]) -> Run {
    let actors = f.actors();
    let mut run = Run { events: Vec::new(), hazard: None, now: f.start };
    for m in moves {
        run.now += Duration::hours(m.hours);
        let before = run.hazard.clone();
        let from = before.as_ref().map(Hazard::kind);
        let step = if m.advance { main_step(from, m.actor) } else { m.step };
        let m = &Move { step, ..m.clone() };
        let actor = if m.usual {
            f.actor_for(m.step, run.hazard.as_ref())
        } else {
            actors[m.actor].clone()
        };
        let result =
            decide(before.as_ref(), f.command_for(m.step, grade, run.now), &f.ctx(&actor, run.now));
        let Ok(new) = result else {
            if from == Some(StageKind::Archived)
                && !matches!(m.step, Step::Discover | Step::FixOnTheSpot)
            {
                let err = result.unwrap_err();
                assert_eq!(
                    err.rule(),
                    Some(Rule::ArchivedIsSealed),
                    "archived refusal names the seal"
                );
            }
            continue;
        };
        // Never a skipped step: every accepted command is in the transition table.
        let to = next_stage(from, m.step);
        assert!(to.is_some(), "{from:?} --{:?}--> accepted outside the table", m.step);
        let after = match before.clone() {
            Some(h) => {
                // Folding all at once lands where folding one by one does.
                let one_by_one = new.iter().try_fold(h.clone(), Hazard::apply).unwrap();
                let at_once = h.apply_all(&new).unwrap();
                assert_eq!(at_once, one_by_one, "apply_all differs from apply");
                at_once
            }
            None => Hazard::fold(HazardId::new_at(f.start), &new).unwrap(),
        };
        assert_eq!(Some(after.kind()), to, "{from:?} --{:?}--> landed elsewhere", m.step);
        assert_ne!(from, Some(StageKind::Archived), "an archived hazard changed");
        let previous = before.as_ref().map(|h| h.clocks).unwrap_or_default();
        for e in &new {
            check_event(e, &previous, &after, m.step);
        }
        run.events.extend(new);
        run.hazard = Some(after);
    }
    run
}

fn check_event(
    e: &Event,
    previous: &hazardloop_core::deadline::Deadlines,
    after: &Hazard,
    step: hazardloop_core::workflow::Step,
) {
    match e {
        // Never accepted by the rectifier or the assignee.
        Event::AcceptancePassed { acceptance } => {
            let completion = after.stage.completion().unwrap();
            let reg = after.stage.registration().unwrap();
            assert_ne!(acceptance.by, completion.by, "accepted by the rectifier");
            assert_ne!(acceptance.by, reg.assignee, "accepted by the assignee");
        }
        Event::AcceptanceFailed { rejection } => {
            assert_ne!(Some(&rejection.by), after.stage.registration().map(|r| &r.assignee));
        }
        // No deadline lands before its start (rectification counts from registration). Clocks
        // carried over (shifted after a pause, kept after an extension) may already be overdue.
        // A change names only what it touches: what it does not name stays as it was.
        Event::DeadlinesChanged { change, at } => {
            for kind in ClockKind::ALL {
                if !change.stopped.contains(kind) && change.set.get(kind).is_none() {
                    assert_eq!(
                        after.clocks.get(kind),
                        previous.get(kind),
                        "{kind:?} changed unnamed by {step:?}"
                    );
                }
            }
            for (kind, due) in change.set.iter().filter(|(k, _)| previous.get(*k).is_none()) {
                let start = match kind {
                    ClockKind::Rectify => after.stage.registration().map_or(*at, |r| r.at),
                    ClockKind::Register => after.stage.facts().discovered_at,
                    _ => *at,
                };
                assert!(due >= start, "{kind:?} due {due} before its start {start}");
            }
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_sequences_keep_every_invariant(moves in moves(), major in any::<bool>()) {
        let f = Fixture::school();
        let grade = if major { Grade::Major } else { Grade::General };
        let run = run(&f, grade, &moves);
        if std::env::var_os("HAZARDLOOP_PROPTEST_TRACE").is_some() {
            eprintln!("reached {:?}", run.hazard.as_ref().map(Hazard::kind));
        }
        // Every event survives a JSON round trip exactly (stores keep events as JSON).
        for e in &run.events {
            let json = serde_json::to_string(e).unwrap();
            let back: Event = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(&back, e);
        }
        if let Some(live) = run.hazard.clone() {
            let json = serde_json::to_string(&live).unwrap();
            prop_assert_eq!(&serde_json::from_str::<Hazard>(&json).unwrap(), &live);
        }
        if let Some(live) = run.hazard {
            // Folding the whole history equals the state built step by step.
            let folded = Hazard::fold(live.id, &run.events).unwrap();
            prop_assert_eq!(&folded, &live);
            prop_assert_eq!(live.version as usize, run.events.len());
            // The stage sequence follows the table: every stage change is one table edge.
            let mut h: Option<Hazard> = None;
            for e in &run.events {
                let before = h.as_ref().map(Hazard::kind);
                let next = match h { None => Hazard::fold(live.id, [e]).unwrap(), Some(x) => x.apply(e).unwrap() };
                if before != Some(next.kind()) {
                    let ok = hazardloop_core::workflow::graph::TRANSITIONS.iter()
                        .any(|t| t.from == before && t.to == next.kind())
                        || (before.is_none() && next.kind() == StageKind::Discovered);
                    // Fix on the spot passes through every stage in one command, one event each.
                    let adjacent = matches!((before, next.kind()),
                        (Some(StageKind::Discovered), StageKind::Registered)
                        | (Some(StageKind::Registered), StageKind::Reported)
                        | (Some(StageKind::Reported), StageKind::Treating)
                        | (Some(StageKind::Treating), StageKind::Treated));
                    prop_assert!(ok || adjacent, "{:?} -> {:?}", before, next.kind());
                }
                h = Some(next);
            }
            // A second sweep at the same instant fires nothing.
            let f2 = Fixture::school();
            let cal = f2.policy.calendar();
            let grade = live.stage.registration().map_or(Grade::General, |r| r.grade);
            let later = run.now + Duration::days(30);
            let first = plan_sweep(later, &live.clocks, grade, &live.fired, f2.policy.ladders(), cal);
            let mut fired = live.fired.clone();
            for Escalation { key, action, .. } in &first {
                prop_assert!(fired.insert(*key, Fired { action: *action, at: later }).is_none(), "a rung fired twice in one sweep");
            }
            let second = plan_sweep(later, &live.clocks, grade, &fired, f2.policy.ladders(), cal);
            prop_assert!(second.is_empty(), "second sweep fired {:?}", second);
            // Oldest first.
            prop_assert!(first.windows(2).all(|w| w[0].fire_at <= w[1].fire_at));
        }
    }

    #[test]
    fn archived_hazards_refuse_everything(step in proptest::sample::select(Step::ALL.to_vec()), actor in 0usize..9) {
        let f = Fixture::school();
        let (h, _) = f.walked(Grade::General, StageKind::Archived);
        let actor = f.actors()[actor].clone();
        let now = f.start + Duration::days(3);
        let result = decide(Some(&h), f.command_for(step, Grade::General, now), &f.ctx(&actor, now));
        prop_assert!(result.is_err());
        if !matches!(step, Step::Discover | Step::FixOnTheSpot) {
            prop_assert_eq!(result.unwrap_err().rule(), Some(Rule::ArchivedIsSealed));
        }
        prop_assert!(matches!(h.stage, Stage::Archived(_)));
    }

    #[test]
    fn working_days_land_on_working_days_and_grow(secs in 1_700_000_000i64..1_800_000_000, n in 0i32..400) {
        let cal = Calendar::china();
        let at = DateTime::from_timestamp(secs, 0).unwrap();
        let a = cal.add_working_days(at, n);
        let b = cal.add_working_days(at, n + 1);
        prop_assert!(cal.is_working_day(cal.local_date(a)));
        prop_assert!(a >= at);
        prop_assert!(b > a);
    }
}
