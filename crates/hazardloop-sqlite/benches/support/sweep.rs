//! (e) sweep time with 10 k due among 100 k and 1 M open hazards, and against raw batched writes
//! of the rows it writes; (f) peak memory of a sweep over 10 k and 100 k due hazards, each
//! measured in a child process of its own.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use criterion::Criterion;
use hazardloop_core::engine::Engine;
use hazardloop_core::notify::Discard;
use hazardloop_sqlite::SqliteStore;
use hazardloop_testkit::{Fixture, ManualClock};

use std::collections::HashMap;

use hazardloop_core::model::HazardId;
use hazardloop_core::store::{MemoryStore, Store};
use rusqlite::{params, Connection};

use super::population::{copy, database, discovered, restore, sweep_at, template};

const CHILD: &str = "HAZARDLOOP_SQLITE_BENCH_SWEEP_CHILD";

fn engine(path: &Path) -> Engine<SqliteStore, Discard> {
    let f = Fixture::school();
    let store = SqliteStore::open(path).expect("open");
    store.migrate().expect("migrate"); // a cached file of an older schema
    let clock = ManualClock::new(sweep_at(&f));
    Engine::new(store, Discard, Arc::new(clock), f.policy.clone()).with_org(f.org.clone())
}

/// One full `Engine::sweep` on a restored database; returns its time and the rungs fired.
fn one_sweep(rt: &tokio::runtime::Runtime, path: &Path) -> (StdDuration, usize) {
    restore(path);
    let e = engine(path);
    let started = Instant::now();
    let report = rt.block_on(e.sweep()).expect("sweep");
    (started.elapsed(), report.fired)
}

/// (e): the same 10 k due hazards among 100 k and among 1 M.
pub(crate) fn sweep_cost(c: &mut Criterion, big: usize) {
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let mut group = c.benchmark_group("sqlite_sweep");
    group
        .sample_size(10)
        .warm_up_time(StdDuration::from_millis(1))
        .measurement_time(StdDuration::from_secs(20));
    let mut parts = None;
    for total in [100_000, big] {
        let path = database(total, 10_000);
        let (_, fired) = one_sweep(&rt, &path);
        println!("sweep over {total} hazards: 10000 due, {fired} rungs fired per sweep");
        assert!(fired >= 10_000, "every due hazard fires");
        group.bench_function(format!("due_10k_of_{total}"), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| one_sweep(&rt, &path).0).sum())
        });
        if total == big {
            // The baseline: the rows that sweep wrote, written again with raw rusqlite.
            let rows = sweep_rows(&path);
            println!(
                "sweep over {total} hazards writes {} hazard rows, {} events, {} outbox rows",
                rows.hazards.len(),
                rows.hazards.iter().map(|h| h.events.len()).sum::<usize>(),
                rows.outbox.len()
            );
            group.bench_function(format!("raw_sweep_rows_of_{total}"), |b| {
                b.iter_custom(|iters| (0..iters).map(|_| raw_sweep_writes(&path, &rows)).sum())
            });
            parts = Some(floors(&rt, &path, &rows));
        }
    }
    group.finish();
    super::ratio::time_at_most(
        "sqlite_sweep",
        "due_10k_of_100000",
        &format!("due_10k_of_{big}"),
        1.5,
    );
    super::ratio::time_at_most(
        "sqlite_sweep",
        &format!("raw_sweep_rows_of_{big}"),
        &format!("due_10k_of_{big}"),
        3.0,
    );
    let sweep = super::ratio::mean_ns("sqlite_sweep", &format!("due_10k_of_{big}"));
    let raw = super::ratio::mean_ns("sqlite_sweep", &format!("raw_sweep_rows_of_{big}"));
    if let (Some((reads, engine)), Some(sweep), Some(raw)) = (parts, sweep, raw) {
        println!(
            "INFO sqlite_sweep: of the sweep's {:.0} ms, the raw writes of its rows are {:.0} ms, \
             its reads {:.0} ms and the engine {:.0} ms; the rest, {:.0} ms, is the store's own \
             (JSON encoding, a savepoint per hazard, its SQL beyond the raw rows) less what runs \
             side by side (a page is planned while the one before commits); reads, engine and \
             raw writes one after another make {:.2}× the raw writes",
            sweep / 1e6,
            raw / 1e6,
            reads / 1e6,
            engine / 1e6,
            (sweep - raw - reads - engine) / 1e6,
            (raw + reads + engine) / raw
        );
    }
}

/// A due hazard's row and events as a sweep leaves them.
struct HazardRows {
    tenant: String,
    hazard: String,
    version: i64,
    head: String,
    state: String,
    ledger: String,
    as_of: i64,
    due_at: Option<i64>,
    events: Vec<(i64, String)>,
}

/// An outbox row as a sweep writes it.
struct OutboxRow {
    tenant: String,
    id: String,
    grp: String,
    status: String,
    available_at: i64,
    attempts: i64,
    message: String,
}

/// What one sweep wrote, in due order.
struct SweepRows {
    hazards: Vec<HazardRows>,
    outbox: Vec<OutboxRow>,
}

/// Reads back what the last sweep of `path` wrote (the database has not been restored since).
fn sweep_rows(path: &Path) -> SweepRows {
    let conn = Connection::open(path).expect("open");
    let mut events: HashMap<(String, String), Vec<(i64, String)>> = HashMap::new();
    let mut select = conn
        .prepare(
            "SELECT e.tenant, e.hazard, e.seq, e.record FROM hazardloop_events e
             JOIN bench_saved_hazards s ON e.tenant = s.tenant AND e.hazard = s.hazard
             AND e.seq > s.version ORDER BY e.tenant, e.hazard, e.seq",
        )
        .expect("events");
    let rows = select
        .query_map([], |r| Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?))))
        .expect("events");
    for row in rows {
        let (key, event) = row.expect("event");
        events.entry(key).or_default().push(event);
    }
    let mut select = conn
        .prepare(
            "SELECT h.tenant, h.hazard, h.version, h.head, h.state, h.ledger, h.as_of, h.due_at
             FROM hazardloop_hazards h JOIN bench_saved_hazards s
             ON h.tenant = s.tenant AND h.hazard = s.hazard
             ORDER BY s.due_at, s.tenant, s.hazard",
        )
        .expect("hazards");
    let hazards = select
        .query_map([], |r| {
            let (tenant, hazard): (String, String) = (r.get(0)?, r.get(1)?);
            let events = events.remove(&(tenant.clone(), hazard.clone())).unwrap_or_default();
            Ok(HazardRows {
                tenant,
                hazard,
                version: r.get(2)?,
                head: r.get(3)?,
                state: r.get(4)?,
                ledger: r.get(5)?,
                as_of: r.get(6)?,
                due_at: r.get(7)?,
                events,
            })
        })
        .expect("hazards")
        .collect::<Result<Vec<_>, _>>()
        .expect("hazards");
    let mut select = conn
        .prepare(
            "SELECT tenant, id, grp, status, available_at, attempts, message
             FROM hazardloop_outbox ORDER BY id",
        )
        .expect("outbox");
    let outbox = select
        .query_map([], |r| {
            Ok(OutboxRow {
                tenant: r.get(0)?,
                id: r.get(1)?,
                grp: r.get(2)?,
                status: r.get(3)?,
                available_at: r.get(4)?,
                attempts: r.get(5)?,
                message: r.get(6)?,
            })
        })
        .expect("outbox")
        .collect::<Result<Vec<_>, _>>()
        .expect("outbox");
    SweepRows { hazards, outbox }
}

/// Hazards per transaction in the raw baseline: the engine's sweep page.
const PAGE: usize = 256;

/// The raw baseline: on the restored database, the sweep's rows written with plain rusqlite,
/// `PAGE` hazards per transaction (their events, the row update, their share of the outbox).
fn raw_sweep_writes(path: &Path, rows: &SweepRows) -> StdDuration {
    restore(path);
    let conn = Connection::open(path).expect("open");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -8192;
         PRAGMA wal_autocheckpoint = 0;",
    )
    .expect("pragmas");
    let pages = rows.hazards.len().div_ceil(PAGE).max(1);
    let per_page = rows.outbox.len().div_ceil(pages);
    let started = Instant::now();
    for (i, page) in rows.hazards.chunks(PAGE).enumerate() {
        conn.execute_batch("BEGIN").expect("begin");
        let mut event = conn
            .prepare_cached(
                "INSERT INTO hazardloop_events (tenant, hazard, seq, record) VALUES (?1, ?2, ?3, ?4)",
            )
            .expect("insert");
        let mut update = conn
            .prepare_cached(
                "UPDATE hazardloop_hazards SET version = ?3, head = ?4, state = ?5, ledger = ?6,
                 as_of = ?7, due_at = ?8 WHERE tenant = ?1 AND hazard = ?2",
            )
            .expect("update");
        let mut message = conn
            .prepare_cached(
                "INSERT INTO hazardloop_outbox (tenant, id, grp, status, available_at, attempts,
                 message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .expect("insert");
        for h in page {
            for (seq, record) in &h.events {
                event.execute(params![h.tenant, h.hazard, seq, record]).expect("event");
            }
            let n = update
                .execute(params![
                    h.tenant, h.hazard, h.version, h.head, h.state, h.ledger, h.as_of, h.due_at
                ])
                .expect("update");
            assert_eq!(n, 1);
        }
        let end = ((i + 1) * per_page).min(rows.outbox.len());
        for m in rows.outbox.get(i * per_page..end).unwrap_or_default() {
            message
                .execute(params![
                    m.tenant,
                    m.id,
                    m.grp,
                    m.status,
                    m.available_at,
                    m.attempts,
                    m.message
                ])
                .expect("message");
        }
        conn.execute_batch("COMMIT").expect("commit");
    }
    started.elapsed()
}

/// For information, what the sweep's other parts cost: the reads it makes through the store
/// (its due pages and a snapshot per hazard), and the engine's sweep of the same 10 k hazards on
/// the in-memory store.
fn floors(rt: &tokio::runtime::Runtime, path: &Path, rows: &SweepRows) -> (f64, f64) {
    restore(path);
    let f = Fixture::school();
    let store = SqliteStore::open(path).expect("open");
    let ids: Vec<HazardId> =
        rows.hazards.iter().map(|h| h.hazard.parse().expect("a hazard id")).collect();
    let mut best = StdDuration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        rt.block_on(async {
            let mut after = None;
            loop {
                let page = store.due(sweep_at(&f), after.as_ref(), PAGE).await.expect("due");
                if page.len() < PAGE {
                    break;
                }
                after = page.last().cloned();
            }
            // As the sweep reads them: a page's snapshots in one call.
            for page in ids.chunks(PAGE) {
                let keys: Vec<_> = page.iter().map(|id| (f.tenant.clone(), *id)).collect();
                let got = store.snapshot_many(&keys).await.expect("read");
                assert!(got.iter().all(Option::is_some));
            }
        });
        best = best.min(started.elapsed());
    }
    println!(
        "INFO sqlite_sweep: its reads alone (due pages, then {} snapshots, a page of them per \
         call, as the sweep reads them): {:.1} ms, {:.1} µs per hazard",
        ids.len(),
        best.as_secs_f64() * 1e3,
        best.as_secs_f64() * 1e6 / ids.len().max(1) as f64
    );
    drop(store);
    let reads = best;

    // The engine alone: the same sweep of 10 k due hazards, on the in-memory store.
    let template = template(&f, discovered(&f));
    let mut best = StdDuration::MAX;
    for _ in 0..3 {
        let memory = MemoryStore::new();
        rt.block_on(async {
            for _ in 0..ids.len() {
                let at = discovered(&f);
                memory.commit(copy(&f, &template, HazardId::new_at(at), at)).await.expect("commit");
            }
        });
        let clock = ManualClock::new(sweep_at(&f));
        let e =
            Engine::new(memory, Discard, Arc::new(clock), f.policy.clone()).with_org(f.org.clone());
        let started = Instant::now();
        let report = rt.block_on(e.sweep()).expect("sweep");
        best = best.min(started.elapsed());
        assert!(report.fired >= ids.len());
    }
    println!(
        "INFO sqlite_sweep: the engine alone (the same sweep of {} hazards on the in-memory \
         store): {:.1} ms, {:.1} µs per hazard",
        ids.len(),
        best.as_secs_f64() * 1e3,
        best.as_secs_f64() * 1e6 / ids.len().max(1) as f64
    );
    restore(path);
    (reads.as_secs_f64() * 1e9, best.as_secs_f64() * 1e9)
}

/// The child side of (f): sweeps the database in `CHILD` and prints its peak resident memory.
/// Returns false when this process is not such a child.
pub(crate) fn child() -> bool {
    let Some(path) = std::env::var_os(CHILD) else { return false };
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let e = engine(Path::new(&path));
    let before = status_kib("VmHWM");
    let report = rt.block_on(e.sweep()).expect("sweep");
    println!("HWM {before} {} {}", status_kib("VmHWM"), report.fired);
    true
}

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.trim_start_matches(':').trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// (f): peak RSS of a sweep over 10 k vs 100 k due hazards (100 k hazards in both files).
pub(crate) fn sweep_memory() {
    let mut peaks = Vec::new();
    for due in [10_000, 100_000] {
        let path = database(100_000, due);
        restore(&path);
        let out = std::process::Command::new(std::env::current_exe().expect("exe"))
            .env(CHILD, &path)
            .output()
            .expect("child");
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text.lines().find_map(|l| l.strip_prefix("HWM ")).expect("child reports");
        let v: Vec<u64> = line.split(' ').map(|x| x.parse().expect("number")).collect();
        println!(
            "sweep memory: {due} due: peak RSS {} KiB before the sweep, {} KiB after ({} rungs fired)",
            v[0], v[1], v[2]
        );
        peaks.push(v[1] as f64);
    }
    let ratio = peaks[1] / peaks[0];
    println!(
        "RATIO sqlite_sweep_memory: peak RSS 100k due / 10k due = {ratio:.2}× (target: bounded, \
         far below 10×; ≤ 1.5×) {}",
        if ratio <= 1.5 { "MET" } else { "MISSED" }
    );
}
