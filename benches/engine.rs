//! Engine: `execute` on the in-memory store, one thread, over the whole loop (discover …
//! archive, 8 commands) per iteration, against two baselines in the same run: `decide` + `apply`
//! alone, and the floor of any engine that chains its events, encoding and hashing those same
//! events (`Recorded::new`). Goal (issue 14): `execute` ≤ 2× that floor, judged on paired
//! rounds (`support::paired_rounds`): criterion's means of the two, taken seconds apart, are
//! printed for information.

#![allow(missing_docs)] // criterion's macros generate undocumented items
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark aborts on a broken setup

use std::hint::black_box;
use std::sync::Arc;

use chrono::Duration;
use criterion::{criterion_group, BatchSize, Criterion, Throughput};
use hazardloop::chain::{ChainHash, Recorded};
use hazardloop::engine::{Engine, Request};
use hazardloop::model::Grade;
use hazardloop::model::HazardId;
use hazardloop::notify::Discard;
use hazardloop::store::MemoryStore;
use hazardloop::workflow::{decide, Event, Hazard, Step};
use hazardloop_testkit::{fold_onto, Fixture, ManualClock, MAIN_PATH};

mod support;

const LOOP: [Step; 8] = MAIN_PATH;

fn bench(c: &mut Criterion) {
    let f = Fixture::school();
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let mut group = c.benchmark_group("engine_loop");
    group.throughput(Throughput::Elements(LOOP.len() as u64));
    let now = f.start + Duration::hours(1);
    let commands: Vec<_> =
        LOOP.iter().map(|&s| (s, f.command_for(s, Grade::General, now))).collect();

    group.bench_function("decide_apply", |b| {
        b.iter(|| {
            let mut hazard: Option<Hazard> = None;
            for (step, command) in &commands {
                let actor = f.actor_for(*step, hazard.as_ref());
                let events =
                    decide(hazard.as_ref(), command.clone(), &f.ctx(&actor, now)).expect("step");
                hazard = Some(fold_onto(hazard, &events, now).expect("fold"));
            }
            black_box(hazard)
        })
    });

    // The actors, and the events the loop writes, decided once.
    let mut actors = Vec::new();
    let mut written = Vec::new();
    let mut hazard: Option<Hazard> = None;
    for (step, command) in &commands {
        let actor = f.actor_for(*step, hazard.as_ref());
        let events = decide(hazard.as_ref(), command.clone(), &f.ctx(&actor, now)).expect("step");
        hazard = Some(fold_onto(hazard, &events, now).expect("fold"));
        actors.push(actor);
        written.extend(events);
    }
    let id = HazardId::new_at(now);
    let floor = |events: Vec<Event>| {
        let mut prev = ChainHash::default();
        for (i, event) in events.into_iter().enumerate() {
            let r = Recorded::new(f.tenant.clone(), id, i as u64 + 1, now, event, prev);
            prev = r.hash;
            black_box(&r);
        }
        prev
    };
    group.bench_function("encode_hash_floor", |b| {
        b.iter_batched(|| written.clone(), floor, BatchSize::SmallInput)
    });

    let clock = Arc::new(ManualClock::new(now));
    let new_engine = || {
        Engine::new(MemoryStore::new(), Discard, clock.clone(), f.policy.clone())
            .with_org(f.org.clone())
    };
    let whole_loop = |engine: &Engine<MemoryStore, Discard>| {
        rt.block_on(async {
            let mut id = None;
            for ((_, command), actor) in commands.iter().zip(&actors) {
                let request = Request::to(id, command.clone());
                id = Some(engine.execute(actor, request).await.expect("step").hazard);
            }
            black_box(id)
        })
    };
    // The goal's figure: each of criterion's samples runs on a store of its own, which holds the
    // hazards of that sample (up to about a thousand) and is dropped outside the timed region.
    group.bench_function("execute_memory", |b| {
        b.iter_custom(|iters| {
            let engine = new_engine();
            let start = std::time::Instant::now();
            for _ in 0..iters {
                whole_loop(&engine);
            }
            let elapsed = start.elapsed();
            drop(black_box(engine));
            elapsed
        })
    });
    // For information: one store for the whole run, which grows with every iteration to tens
    // of thousands of hazards; its figure includes growing the process's heap by a gigabyte
    // and rehashing the store's maps, and depends on how many iterations criterion chose.
    let engine = new_engine();
    group.bench_function("execute_memory_growing", |b| b.iter(|| whole_loop(&engine)));
    group.finish();
    if let (Some(base), Some(engine)) = (
        support::mean_ns("engine_loop", "decide_apply"),
        support::mean_ns("engine_loop", "execute_memory"),
    ) {
        let per = |ns: f64| 8.0 / ns * 1e9;
        println!(
            "RATIO engine_loop: execute {:.0} commands/s vs decide+apply {:.0} commands/s = {:.2}× the baseline's time",
            per(engine),
            per(base),
            engine / base
        );
    }
    support::report_info("engine_loop", "encode_hash_floor", "execute_memory");
    support::report_info("engine_loop", "encode_hash_floor", "execute_memory_growing");
    // The goal's figure: in each round, 1000 loops' events encoded and hashed, and 500 loops
    // executed on a store of the round's own (dropped outside the timed region), which grows
    // to the size of a criterion sample's store above.
    let paired = support::paired_rounds(
        support::rounds(),
        || {
            let batch: Vec<_> = (0..1000).map(|_| written.clone()).collect();
            let start = std::time::Instant::now();
            for events in batch {
                black_box(floor(events));
            }
            (start.elapsed(), 1000)
        },
        || {
            let engine = new_engine();
            let start = std::time::Instant::now();
            for _ in 0..500 {
                whole_loop(&engine);
            }
            let elapsed = start.elapsed();
            drop(black_box(engine));
            (elapsed, 500)
        },
    );
    support::report_paired(
        "engine_loop",
        "encode_hash_floor",
        "execute_memory",
        &paired,
        2.0,
        true,
    );
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
