//! Core: `decide` + `apply` of one transition, against a raw enum match and event push.
//! Target: at most 5× the raw baseline (issue 14; it was 10×), judged on paired rounds
//! (`support::paired_rounds`); criterion's means, taken seconds apart, are printed for
//! information.
//!
//! Every timed routine takes its input out of a slot of the harness's batch
//! (`iter_batched_ref`) and puts its result back into the same slot, for the baseline and the
//! engine alike. So the timed region holds neither freeing the batch (a large free that makes
//! glibc consolidate its fast bins) nor writing results into fresh, never-touched pages (a page
//! fault every few iterations when the result is a whole hazard).

#![allow(missing_docs)] // criterion's macros generate undocumented items
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark aborts on a broken setup

use std::hint::black_box;

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use criterion::{criterion_group, BatchSize, Criterion};
use hazardloop::model::{Grade, PersonId};
use hazardloop::workflow::{decide, decide_into, Command, Event, Hazard, StageKind};
use hazardloop_testkit::Fixture;

mod support;

/// The raw baseline: the same step as a bare enum match that pushes an event.
#[derive(Clone)]
#[allow(dead_code)] // the fields are the state a raw implementation would carry
enum RawStage {
    Treated { assignee: PersonId, rectifier: PersonId },
    Accepted { assignee: PersonId, checker: PersonId },
}

#[allow(dead_code)]
enum RawEvent {
    Passed { by: PersonId, at: DateTime<Utc>, note: String },
}

fn raw_step(
    stage: RawStage,
    by: &PersonId,
    at: DateTime<Utc>,
    events: &mut Vec<RawEvent>,
) -> RawStage {
    match stage {
        RawStage::Treated { assignee, rectifier } if *by != rectifier && *by != assignee => {
            events.push(RawEvent::Passed { by: by.clone(), at, note: String::new() });
            RawStage::Accepted { assignee, checker: by.clone() }
        }
        other => other,
    }
}

fn bench(c: &mut Criterion) {
    let f = Fixture::school();
    let (treated, _) = f.walked(Grade::General, StageKind::Treated);
    let inspector = f.inspector();
    let now = f.start + chrono::Duration::hours(8);
    let ctx = f.ctx(&inspector, now);
    let command = Command::Pass { note: String::new() };

    let mut group = c.benchmark_group("core_transition");
    let raw =
        RawStage::Treated { assignee: f.people.worker.clone(), rectifier: f.people.worker.clone() };
    let raw_input = || Some((raw.clone(), Vec::with_capacity(2)));
    let raw_routine = |slot: &mut Option<(RawStage, Vec<RawEvent>)>| {
        let (stage, mut events) = slot.take()?;
        let next = raw_step(black_box(stage), &inspector.person, now, &mut events);
        *slot = Some(black_box((next, events)));
        Some(())
    };
    group.bench_function("raw_enum_match_push", |b| {
        b.iter_batched_ref(raw_input, raw_routine, BatchSize::SmallInput)
    });
    // The events go into a list made with the input, as the baseline's do, and stay in the
    // slot (`decide_into`): neither routine pays for its list, nor for dropping its events.
    type Input = (Option<Hazard>, Option<Command>, Vec<Event>);
    let input = || (Some(treated.clone()), Some(command.clone()), Vec::with_capacity(2));
    let routine = |(slot, command, events): &mut Input| {
        let hazard = slot.take()?;
        decide_into(Some(&hazard), black_box(command.take()?), &ctx, events).ok()?;
        *slot = black_box(hazard.apply_all(events.iter()).ok());
        Some(())
    };
    group.bench_function("decide_apply", |b| {
        b.iter_batched_ref(input, routine, BatchSize::SmallInput)
    });
    // The floor the typed stages set: `apply` moves a `Treated` into an `Accepted` (the parts'
    // boxes move; the new acceptance is cloned from its event), whatever the rules cost.
    let acceptance = hazardloop::workflow::Acceptance {
        note: String::new(),
        by: inspector.person.clone(),
        at: now,
    };
    group.bench_function("stage_move_floor", |b| {
        b.iter_batched_ref(
            || Some(treated.clone()),
            |slot| {
                let mut hazard = slot.take()?;
                hazard.stage = match hazard.stage {
                    hazardloop::workflow::Stage::Treated(s) => {
                        hazardloop::workflow::Stage::from(s.pass(acceptance.clone()))
                    }
                    other => other,
                };
                *slot = Some(black_box(hazard));
                Some(())
            },
            BatchSize::SmallInput,
        )
    });
    // What the by-value API's moves cost alone: the routine above without `decide` and
    // `apply`, taking the hazard and the command out of their slots and putting the hazard
    // back, the command dropped as `decide` drops what it does not move into its events.
    let moves = |(slot, command, _): &mut Input| {
        let hazard = slot.take()?;
        drop(black_box(command.take()?));
        *slot = black_box(Some(hazard));
        Some(())
    };
    group.bench_function("by_value_moves", |b| {
        b.iter_batched_ref(input, moves, BatchSize::SmallInput)
    });
    // The events are dropped inside the routine, as `decide_apply` drops them: a routine's
    // output is kept until the end of its batch, and keeping every list of events would grow
    // the heap into fresh pages, which is not `decide`'s cost.
    group.bench_function("decide_only", |b| {
        b.iter_batched_ref(
            || Some(command.clone()),
            |input| {
                let events = decide(Some(&treated), black_box(input.take()?), &ctx).ok()?;
                Some(black_box(&events).len())
            },
            BatchSize::SmallInput,
        )
    });
    // `apply` alone: the two events `decide` returns for this step (the acceptance and the
    // clock change), folded onto the hazard.
    let events = decide(Some(&treated), command.clone(), &ctx).expect("a pass");
    group.bench_function("apply_only", |b| {
        b.iter_batched_ref(
            || Some(treated.clone()),
            |slot| {
                *slot = black_box(slot.take()?.apply_all(&events).ok());
                Some(())
            },
            BatchSize::SmallInput,
        )
    });
    // A part of the rules the raw baseline leaves out: the close clock that a pass starts is
    // two working days on the school's calendar (`Step::Pass` in the clock table).
    let close = f
        .policy
        .deadlines()
        .rule(hazardloop::deadline::ClockKind::Close, Grade::General, false)
        .expect("a close rule");
    group.bench_function("close_deadline_reckon", |b| {
        b.iter(|| black_box(close.reckon(f.policy.calendar(), black_box(now))))
    });
    group.finish();
    support::report_info("core_transition", "raw_enum_match_push", "decide_apply");
    // The goal's figure: each round runs both routines over a batch of 5000 inputs made
    // beforehand, about the size of criterion's batches above (a tenth of a sample's
    // iterations), so that the inputs are as far from the cache as there.
    let batch: u64 = 5000;
    fn timed<I>(mut batch: Vec<I>, routine: impl Fn(&mut I) -> Option<()>) -> (Duration, u64) {
        let start = Instant::now();
        for input in &mut batch {
            black_box(routine(input));
        }
        let elapsed = start.elapsed();
        let n = batch.len() as u64;
        drop(black_box(batch));
        (elapsed, n)
    }
    let paired = support::paired_rounds(
        support::rounds() * 5,
        || timed((0..batch).map(|_| raw_input()).collect(), raw_routine),
        || timed((0..batch).map(|_| input()).collect(), routine),
    );
    support::report_paired(
        "core_transition",
        "raw_enum_match_push",
        "decide_apply",
        &paired,
        5.0,
        true,
    );
    // The same step as the goal's routine, but with `decide`'s own list, allocated and its
    // events dropped inside the timed region, as this suite measured before session 17.
    let own_input = || (Some(treated.clone()), Some(command.clone()));
    let own_list = |(slot, command): &mut (Option<Hazard>, Option<Command>)| {
        let hazard = slot.take()?;
        let events = decide(Some(&hazard), black_box(command.take()?), &ctx).ok()?;
        *slot = black_box(hazard.apply_all(&events).ok());
        Some(())
    };
    let own = support::paired_rounds(
        support::rounds() * 5,
        || timed((0..batch).map(|_| raw_input()).collect(), raw_routine),
        || timed((0..batch).map(|_| own_input()).collect(), own_list),
    );
    println!(
        "INFO core_transition: decide_apply_own_list {:.1} ns / raw_enum_match_push {:.1} ns = \
         {:.2}×, median of {} paired rounds: `decide` allocating its list, the events dropped \
         in the timed region",
        own.measured_ns,
        own.baseline_ns,
        own.median(),
        own.ratios.len(),
    );
    let moved = support::paired_rounds(
        support::rounds() * 5,
        || timed((0..batch).map(|_| raw_input()).collect(), raw_routine),
        || timed((0..batch).map(|_| input()).collect(), moves),
    );
    println!(
        "INFO core_transition: by_value_moves {:.1} ns / raw_enum_match_push {:.1} ns = {:.2}×, \
         median of {} paired rounds: the moves of the {}-byte hazard and the {}-byte command \
         that the by-value API makes, with no decide or apply",
        moved.measured_ns,
        moved.baseline_ns,
        moved.median(),
        moved.ratios.len(),
        std::mem::size_of::<Hazard>(),
        std::mem::size_of::<Command>(),
    );
    support::report_info("core_transition", "raw_enum_match_push", "stage_move_floor");
    support::report_info("core_transition", "raw_enum_match_push", "decide_only");
    support::report_info("core_transition", "raw_enum_match_push", "apply_only");
    support::report_info("core_transition", "raw_enum_match_push", "close_deadline_reckon");
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
