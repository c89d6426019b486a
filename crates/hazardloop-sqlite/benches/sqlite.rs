//! The SQLite store against raw rusqlite, in one run:
//! (a) raw single-row commits (WAL, NORMAL) — the baseline — and, for information, raw commits
//!     of a row into each of 3 and 5 B-trees (what a `Discover` must write, and writes);
//! (b) `Engine::execute` (a `Discover` per call) on `SqliteStore`, sequential: target ≥ 0.6× raw
//!     commits into three B-trees (`raw_3_btrees`);
//! (c) 8 concurrent submitters with group commit: target ≥ 1.0× (a);
//! (d) (a) and (b) under `synchronous = FULL`: target ≥ 0.7× raw FULL, and 8 concurrent ≥ 2×;
//! (e) sweep of 10 k due among 100 k vs 1 M hazards: target ≤ 1.5×; and among 1 M against raw
//!     batched writes of the rows it writes (transactions of 256 hazards): target ≤ 3×;
//! (f) peak RSS of a sweep over 100 k vs 10 k due: bounded;
//! (g) city scale, over the large population: a year's statistics table for the bureau through
//!     `Engine::statistics` against a hand-written SQL `GROUP BY` giving the same counts (target
//!     ≤ 2×), and a filtered ledger page of 50 (unit subtree, category, overdue, text) through
//!     `Engine::ledger` against the raw indexed query, p99 (target ≤ 3×).
//!
//! `HAZARDLOOP_SQLITE_BENCH_BIG` sets the large population of (e) and (g) (default 1 000 000);
//! `HAZARDLOOP_SQLITE_BENCH_PARTS` picks parts (`commit,sweep,memory,city`, default all), and
//! `HAZARDLOOP_SQLITE_CITY_PARTS` the city's (`statistics,ledger`, default both).

#![allow(missing_docs)] // criterion's items
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark aborts on a broken setup

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use criterion::{BenchmarkGroup, Criterion, Throughput};
use hazardloop_core::engine::{Engine, Request};
use hazardloop_core::model::Actor;
use hazardloop_core::notify::Discard;
use hazardloop_core::store::MemoryStore;
use hazardloop_core::workflow::Command;
use hazardloop_sqlite::{SqliteOptions, SqliteStore, Synchronous};
use hazardloop_testkit::{Fixture, ManualClock};
use rusqlite::{params, Connection};

mod support;

use support::ratio::{rate_at_least, rate_of};

const SUBMITTERS: u64 = 8;

/// Raw commits of one 300-byte row into each of `tables` B-trees: `raw_single_row` (one table)
/// is the baseline; three tables is the floor of a `Discover` (its event, the hazard's row and
/// the due-clock index each live in a B-tree of their own), five what it writes today.
fn raw(
    group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    dir: &Path,
    sync: &str,
    tables: usize,
) {
    let conn = Connection::open(dir.join(format!("raw-{sync}-{tables}.db"))).unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    conn.execute_batch(&format!("PRAGMA synchronous = {sync};")).unwrap();
    for t in 0..tables {
        conn.execute_batch(&format!(
            "CREATE TABLE rows{t} (id INTEGER PRIMARY KEY, payload BLOB NOT NULL);"
        ))
        .unwrap();
    }
    let inserts: Vec<String> =
        (0..tables).map(|t| format!("INSERT INTO rows{t} (payload) VALUES (?1)")).collect();
    let payload: Vec<u8> = (0..300u32).map(|i| (i * 7 % 251) as u8).collect();
    let id = match tables {
        1 => "raw_single_row".to_owned(),
        n => format!("raw_{n}_btrees"),
    };
    group.bench_function(id, |b| {
        b.iter(|| {
            conn.prepare_cached("BEGIN").unwrap().execute([]).unwrap();
            for insert in &inserts {
                conn.prepare_cached(insert).unwrap().execute(params![payload]).unwrap();
            }
            conn.prepare_cached("COMMIT").unwrap().execute([]).unwrap();
        })
    });
}

/// What a request to a worker thread and its reply cost when the worker works for
/// [`HANDOFF_WORK`] per request (a stand-in for the writer's transaction) and the caller for
/// [`CALLER_WORK`] between requests (the engine's part): by then each side has gone to sleep, so
/// each message wakes a sleeping thread, as between a caller and the store's writer.
const HANDOFF_WORK: StdDuration = StdDuration::from_micros(30);
const CALLER_WORK: StdDuration = StdDuration::from_micros(10);

fn busy(d: StdDuration) {
    let started = Instant::now();
    while started.elapsed() < d {
        std::hint::spin_loop();
    }
}

fn handoff(group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    let (requests, worker_rx) = crossbeam_channel::unbounded::<()>();
    let (worker_tx, replies) = crossbeam_channel::unbounded::<()>();
    let worker = std::thread::spawn(move || {
        while let Ok(()) = worker_rx.recv() {
            busy(HANDOFF_WORK);
            worker_tx.send(()).unwrap();
        }
    });
    group.bench_function("handoff_round_trip", |b| {
        b.iter(|| {
            busy(CALLER_WORK);
            requests.send(()).unwrap();
            replies.recv().unwrap();
        })
    });
    drop(requests);
    worker.join().unwrap();
}

fn engine(
    dir: &Path,
    name: &str,
    sync: Synchronous,
    on_caller: bool,
) -> Arc<Engine<SqliteStore, Discard>> {
    let f = Fixture::school();
    let options = SqliteOptions::default().synchronous(sync).commit_on_caller(on_caller);
    let store = SqliteStore::open_with(dir.join(name), options).unwrap();
    store.migrate().unwrap();
    let clock = ManualClock::new(f.start);
    Arc::new(Engine::new(store, Discard, Arc::new(clock), f.policy.clone()).with_org(f.org.clone()))
}

fn commits(c: &mut Criterion, dir: &Path, sync: Synchronous) {
    let f = Fixture::school();
    let group_name = group_name(sync);
    let sql = match sync {
        Synchronous::Normal => "NORMAL",
        Synchronous::Full => "FULL",
    };
    let mut group = c.benchmark_group(group_name);
    group.throughput(Throughput::Elements(1));
    for tables in [1, 3, 5] {
        raw(&mut group, dir, sql, tables);
    }

    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let actor = f.inspector();
    let discover = f.discover();
    if sync == Synchronous::Normal {
        // For information: the engine's own cost per `Discover` (decide, chain, fold, ledger row)
        // on the in-memory store, which only keeps the commit in maps.
        let clock = Arc::new(ManualClock::new(f.start));
        let memory = Engine::new(MemoryStore::new(), Discard, clock, f.policy.clone())
            .with_org(f.org.clone());
        group.bench_function("engine_memory_store", |b| {
            b.iter(|| {
                rt.block_on(memory.execute(&actor, Request::new(discover.clone()))).unwrap();
            })
        });
        handoff(&mut group);
    }

    for on_caller in [true, false] {
        // `_writer_thread`: every write handed to the writer thread (the design before the
        // leader/follower writer), for comparison in the same run.
        let suffix = if on_caller { "" } else { "_writer_thread" };
        let e = engine(dir, &format!("engine-{sql}{suffix}.db"), sync, on_caller);
        group.bench_function(format!("engine_execute{suffix}"), |b| {
            b.iter(|| {
                rt.block_on(e.execute(&actor, Request::new(discover.clone()))).unwrap();
            })
        });
        let st = e.store().writer_stats();
        println!(
            "{group_name}: engine_execute{suffix}: the writer spent {} µs per transaction ({} \
             transactions, {} on the caller's thread, {} writes) from BEGIN to COMMIT",
            st.busy_micros / st.transactions.max(1),
            st.transactions,
            st.on_caller,
            st.writes
        );
        if on_caller && sync == Synchronous::Normal {
            WRITER_MICROS.with(|w| w.set(st.busy_micros as f64 / st.transactions.max(1) as f64));
        }
        concurrent(&mut group, dir, sync, on_caller, &actor, &discover);
        if sync == Synchronous::Full {
            break; // FULL: the leader/follower writer only
        }
    }
    group.finish();
}

fn concurrent(
    group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    dir: &Path,
    sync: Synchronous,
    on_caller: bool,
    actor: &Actor,
    discover: &Command,
) {
    let group_name = group_name(sync);
    let sql = if sync == Synchronous::Full { "FULL" } else { "NORMAL" };
    let suffix = if on_caller { "" } else { "_writer_thread" };
    let e = engine(dir, &format!("engine-concurrent-{sql}{suffix}.db"), sync, on_caller);
    let mt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    group.bench_function(format!("engine_8_concurrent{suffix}"), |b| {
        b.iter_custom(|iters| {
            let before = e.store().writer_stats();
            let started = Instant::now();
            mt.block_on(async {
                let mut tasks = tokio::task::JoinSet::new();
                for s in 0..SUBMITTERS {
                    let n = iters / SUBMITTERS + u64::from(s < iters % SUBMITTERS);
                    let (e, actor, discover) = (e.clone(), actor.clone(), discover.clone());
                    tasks.spawn(async move {
                        for _ in 0..n {
                            e.execute(&actor, Request::new(discover.clone())).await.unwrap();
                        }
                    });
                }
                while let Some(r) = tasks.join_next().await {
                    r.unwrap();
                }
            });
            let elapsed = started.elapsed();
            let after = e.store().writer_stats();
            let (txs, writes) =
                (after.transactions - before.transactions, after.writes - before.writes);
            if iters >= 1000 && txs > 0 {
                GROUPING.with(|g| g.set((writes as f64) / (txs as f64)));
            }
            elapsed
        })
    });
    let grouping = GROUPING.with(std::cell::Cell::get);
    let st = e.store().writer_stats();
    if on_caller && sync == Synchronous::Normal {
        let per_write = st.busy_micros as f64 / st.writes.max(1) as f64;
        GROUPED_WRITER_MICROS.with(|w| w.set(per_write));
    }
    println!(
        "{group_name}: engine_8_concurrent{suffix}: group commit averaged {grouping:.1} commits \
         per transaction; the writer spent {} µs per transaction; {} of {} transactions ran on \
         a caller's thread",
        st.busy_micros / st.transactions.max(1),
        st.on_caller,
        st.transactions
    );
}

fn group_name(sync: Synchronous) -> &'static str {
    match sync {
        Synchronous::Normal => "sqlite_commit",
        Synchronous::Full => "sqlite_commit_full",
    }
}

thread_local! {
    static GROUPING: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
    /// The writer's µs per transaction in the sequential NORMAL run (`engine_execute`).
    static WRITER_MICROS: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
    static GROUPED_WRITER_MICROS: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
}

/// The floors of (b) and (c) in this run: what the engine alone and the writer's own
/// transaction leave for the ratios, whatever the store does around them.
fn floors() {
    let mean = |id| support::ratio::mean_ns("sqlite_commit", id);
    let (Some(single), Some(three), Some(engine)) =
        (mean("raw_single_row"), mean("raw_3_btrees"), mean("engine_memory_store"))
    else {
        return;
    };
    let writer = WRITER_MICROS.with(std::cell::Cell::get) * 1e3;
    println!(
        "INFO sqlite_commit: floor of (b): the engine alone ({:.1} µs) and the writer's own \
         transaction ({:.1} µs, SQL from BEGIN to COMMIT) add up to {:.1} µs: at best {:.2}× \
         raw_3_btrees with no hand-off and no encoding",
        engine / 1e3,
        writer / 1e3,
        (engine + writer) / 1e3,
        three / (engine + writer)
    );
    // (c): every command needs the engine's CPU and its share of the writer's transaction
    // (one thread, one connection); two cores run them side by side at best.
    let grouped = GROUPED_WRITER_MICROS.with(std::cell::Cell::get) * 1e3;
    let per_command = grouped.max((engine + grouped) / 2.0);
    println!(
        "FLOOR sqlite_commit (c): the engine alone ({:.1} µs of CPU a command) and the writer's \
         share of a grouped transaction ({:.1} µs a commit, one thread) on two cores: at best \
         {:.1} µs per command, {:.2}× raw_single_row ({:.1} µs)",
        engine / 1e3,
        grouped / 1e3,
        per_command / 1e3,
        single / per_command,
        single / 1e3
    );
}

fn wants(part: &str) -> bool {
    std::env::var("HAZARDLOOP_SQLITE_BENCH_PARTS").map_or(true, |p| p.split(',').any(|x| x == part))
}

fn main() {
    if support::sweep::child() {
        return;
    }
    let mut c = Criterion::default()
        .warm_up_time(StdDuration::from_secs(2))
        .measurement_time(StdDuration::from_secs(5))
        .configure_from_args();
    if wants("commit") {
        let dir = tempfile::tempdir_in(support::ratio::target_dir()).unwrap();
        commits(&mut c, dir.path(), Synchronous::Normal);
        commits(&mut c, dir.path(), Synchronous::Full);
    }
    let big = std::env::var("HAZARDLOOP_SQLITE_BENCH_BIG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    if wants("sweep") {
        support::sweep::sweep_cost(&mut c, big);
    }
    if wants("city") {
        support::city::city(&mut c, big);
    }
    if wants("memory") {
        support::sweep::sweep_memory();
    }
    c.final_summary();
    if wants("city") {
        support::city::report(big);
    }
    if wants("commit") {
        for group in ["sqlite_commit", "sqlite_commit_full"] {
            for floor in ["raw_3_btrees", "raw_5_btrees"] {
                rate_of(group, "raw_single_row", floor);
            }
        }
        rate_of("sqlite_commit", "raw_single_row", "engine_memory_store");
        if let Some(t) = support::ratio::mean_ns("sqlite_commit", "handoff_round_trip") {
            let work = (HANDOFF_WORK + CALLER_WORK).as_secs_f64() * 1e9;
            println!(
                "INFO sqlite_commit: a request to a sleeping thread and its reply cost {:.1} µs \
                 beyond the {:.0} µs of work",
                (t - work) / 1e3,
                work / 1e3
            );
        }
        rate_of("sqlite_commit", "raw_single_row", "engine_execute");
        rate_of("sqlite_commit", "raw_3_btrees", "engine_execute_writer_thread");
        rate_of("sqlite_commit", "raw_single_row", "engine_8_concurrent_writer_thread");
        rate_of("sqlite_commit", "raw_3_btrees", "engine_memory_store");
        floors();
        rate_at_least("sqlite_commit", "raw_3_btrees", "engine_execute", 0.6);
        rate_at_least("sqlite_commit", "raw_single_row", "engine_8_concurrent", 1.0);
        rate_at_least("sqlite_commit_full", "raw_single_row", "engine_execute", 0.7);
        rate_at_least("sqlite_commit_full", "raw_single_row", "engine_8_concurrent", 2.0);
    }
}
