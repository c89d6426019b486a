//! Inspections on SQLite against raw rusqlite writing the same rows, in one run (issue 15):
//!
//! - **generate:** a year (2026) of occurrences for 1,000 plans (every working day, weekly,
//!   half-monthly and monthly in turn) through `Engine::generate`, against raw inserts of the
//!   very rows it stored (its events and occurrence rows, read back from its file) into a fresh
//!   database of the same schema, in one transaction: target ≥ 0.3× the raw rate.
//! - **sweep:** the daily missed sweep, on the evening of Tuesday 2026-03-10 after the one of
//!   the 9th, through `Engine::sweep_inspections` (yesterday's patrols missed, today's overdue,
//!   the reminders of the longer cadences), against raw queries and writes of the same rows:
//!   the due scan of the sweep index, a read of each due occurrence, and the very events,
//!   occurrence rows and outbox rows the engine wrote, replayed in one transaction: target ≥ 0.3×.
//!
//! `cargo bench -p hazardloop-sqlite --bench inspections`

#![allow(missing_docs)] // criterion's items
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark aborts on a broken setup

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use criterion::Criterion;
use hazardloop_core::clock::SetClock;
use hazardloop_core::engine::Engine;
use hazardloop_core::inspection::{preset, Cadence, InspectionPlan, Inspector, Plans, Window};
use hazardloop_core::notify::Discard;
use hazardloop_sqlite::SqliteStore;
use hazardloop_testkit::Fixture;
use rusqlite::{params, Connection};

#[allow(dead_code)] // the suite's other figures
#[path = "support/ratio.rs"]
mod ratio;

use ratio::mean_ns;

const PLANS: usize = 1000;

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn shanghai(m: u32, d: u32, h: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai.with_ymd_and_hms(2026, m, d, h, 0, 0).unwrap().with_timezone(&Utc)
}

type Eng = Engine<SqliteStore, Discard>;

/// A fresh migrated store at `path` with the template and the 1,000 plans, its clock at `now`.
fn engine(
    f: &Fixture,
    path: &Path,
    now: DateTime<Utc>,
    rt: &tokio::runtime::Runtime,
) -> (Eng, Arc<SetClock>) {
    let store = SqliteStore::open(path).unwrap();
    store.migrate().unwrap();
    let clock = Arc::new(SetClock::new(now));
    let engine =
        Engine::new(store, Discard, clock.clone(), f.policy.clone()).with_org(f.org.clone());
    rt.block_on(async {
        let template = preset("daily_patrol", f.policy.matrix()).unwrap().unwrap();
        engine.import_template(&f.tenant, template.clone()).await.unwrap();
        let cadences = [
            Cadence::WorkingDay,
            Cadence::Week { day: None },
            Cadence::HalfMonth { day: None },
            Cadence::Month { day: None },
        ];
        let plans = (0..PLANS)
            .map(|i| InspectionPlan {
                id: format!("plan-{i:04}"),
                title: format!("巡查计划{i}"),
                template: template.reference(),
                units: vec![f.grid.clone()],
                location: format!("{}号楼", i % 40),
                inspector: Inspector::Person(f.people.grid_member.clone()),
                cadence: cadences[i % cadences.len()].clone(),
                window: Window::default(),
                skip_vacations: false,
                late_allowed: true,
                start: day(1, 1),
                end: None,
                source: None,
            })
            .collect();
        engine.set_plans(&f.tenant, Plans { plans }).await.unwrap();
    });
    (engine, clock)
}

/// A fresh database of the same schema, for the raw side.
fn fresh_schema(path: &Path) -> Connection {
    SqliteStore::open(path).unwrap().migrate().unwrap();
    raw_connection(path)
}

fn raw_connection(path: &Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;").unwrap();
    conn
}

type EventRow = (String, String, i64, String);
type OccRow =
    (String, String, i64, String, String, String, String, String, String, i64, Option<i64>);
type OutboxRow = (String, String, String, String, i64, i64, Option<String>, String);

fn events_of(conn: &Connection, since: &[(String, String, i64)]) -> Vec<EventRow> {
    let mut stmt = conn
        .prepare("SELECT tenant, occurrence, seq, record FROM hazardloop_occurrence_events")
        .unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap();
    let all: Vec<EventRow> = rows.map(Result::unwrap).collect();
    let known: std::collections::BTreeSet<_> = since.iter().collect();
    all.into_iter().filter(|e| !known.contains(&(e.0.clone(), e.1.clone(), e.2))).collect()
}

fn occurrences_of(conn: &Connection) -> Vec<OccRow> {
    let mut stmt = conn
        .prepare(
            "SELECT tenant, occurrence, version, head, state, listing, plan, unit, inspector, due, sweep_at
             FROM hazardloop_occurrences",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
                r.get(10)?,
            ))
        })
        .unwrap();
    rows.map(Result::unwrap).collect()
}

fn outbox_of(conn: &Connection) -> Vec<OutboxRow> {
    let mut stmt = conn
        .prepare("SELECT tenant, id, grp, status, available_at, attempts, last_error, message FROM hazardloop_outbox")
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })
        .unwrap();
    rows.map(Result::unwrap).collect()
}

fn insert_event(conn: &Connection, e: &EventRow) {
    conn.prepare_cached("INSERT INTO hazardloop_occurrence_events (tenant, occurrence, seq, record) VALUES (?1, ?2, ?3, ?4)")
        .unwrap()
        .execute(params![e.0, e.1, e.2, e.3])
        .unwrap();
}

fn checkpoint(path: &Path) {
    let conn = Connection::open(path).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
}

fn copy_db(from: &Path, to: &Path) {
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", to.display()));
    }
    std::fs::copy(from, to).unwrap();
}

fn main() {
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .warm_up_time(StdDuration::from_millis(100));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let f = Fixture::school();
    let dir = tempfile::tempdir().unwrap();
    let n = std::cell::Cell::new(0usize);
    let next = |name: &str| -> PathBuf {
        n.set(n.get() + 1);
        dir.path().join(format!("{name}-{}.db", n.get()))
    };

    // ---- generate: a year for 1,000 plans.
    let (probe_path, generated) = {
        let path = next("gen-probe");
        let (e, _) = engine(&f, &path, shanghai(1, 1, 8), &rt);
        let report = rt.block_on(e.generate(&f.tenant, day(1, 1), day(12, 31))).unwrap();
        drop(e);
        (path, report.created)
    };
    let conn = raw_connection(&probe_path);
    let gen_events = events_of(&conn, &[]);
    let gen_occurrences = occurrences_of(&conn);
    drop(conn);
    assert_eq!(gen_occurrences.len(), generated);
    println!("generate: {generated} occurrences for {PLANS} plans in 2026");
    let mut group = c.benchmark_group("inspections_generate");
    group.sample_size(10).measurement_time(StdDuration::from_secs(20));
    group.bench_function("raw_inserts", |b| {
        b.iter_custom(|iters| {
            let mut total = StdDuration::ZERO;
            for _ in 0..iters {
                let conn = fresh_schema(&next("gen-raw"));
                let start = Instant::now();
                conn.execute_batch("BEGIN").unwrap();
                for e in &gen_events {
                    insert_event(&conn, e);
                }
                for o in &gen_occurrences {
                    conn.prepare_cached(
                        "INSERT INTO hazardloop_occurrences (tenant, occurrence, version, head, state, listing,
                         plan, unit, inspector, due, sweep_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                         ON CONFLICT DO NOTHING",
                    )
                    .unwrap()
                    .execute(params![o.0, o.1, o.2, o.3, o.4, o.5, o.6, o.7, o.8, o.9, o.10])
                    .unwrap();
                }
                conn.execute_batch("COMMIT").unwrap();
                total += start.elapsed();
            }
            total
        })
    });
    group.bench_function("engine_generate", |b| {
        b.iter_custom(|iters| {
            let mut total = StdDuration::ZERO;
            for _ in 0..iters {
                let (e, _) = engine(&f, &next("gen-engine"), shanghai(1, 1, 8), &rt);
                let start = Instant::now();
                let report = rt.block_on(e.generate(&f.tenant, day(1, 1), day(12, 31))).unwrap();
                total += start.elapsed();
                assert_eq!(report.created, generated);
            }
            total
        })
    });
    group.finish();

    // ---- sweep: the evening of 2026-03-10, after the sweep of the 9th.
    let base = next("sweep-base");
    {
        let (e, clock) = engine(&f, &base, shanghai(3, 9, 8), &rt);
        rt.block_on(e.generate(&f.tenant, day(3, 9), day(12, 31))).unwrap();
        clock.set(shanghai(3, 9, 19));
        rt.block_on(e.sweep_inspections()).unwrap();
    }
    checkpoint(&base);
    let before = raw_connection(&base);
    let known: Vec<(String, String, i64)> =
        events_of(&before, &[]).into_iter().map(|e| (e.0, e.1, e.2)).collect();
    let known_outbox: std::collections::BTreeSet<String> =
        outbox_of(&before).into_iter().map(|m| m.1).collect();
    let occurrences_before = occurrences_of(&before);
    drop(before);
    // One engine sweep on a copy, to learn exactly what it writes.
    let probe = next("sweep-probe");
    copy_db(&base, &probe);
    let swept = {
        let store = SqliteStore::open(&probe).unwrap();
        let clock = Arc::new(SetClock::new(shanghai(3, 10, 19)));
        let e = Engine::new(store, Discard, clock, f.policy.clone()).with_org(f.org.clone());
        rt.block_on(e.sweep_inspections()).unwrap()
    };
    let conn = raw_connection(&probe);
    let sweep_events = events_of(&conn, &known);
    let changed: Vec<OccRow> = {
        let old: std::collections::BTreeMap<(String, String), i64> =
            occurrences_before.iter().map(|o| ((o.0.clone(), o.1.clone()), o.2)).collect();
        occurrences_of(&conn)
            .into_iter()
            .filter(|o| old.get(&(o.0.clone(), o.1.clone())) != Some(&o.2))
            .collect()
    };
    let sweep_outbox: Vec<OutboxRow> =
        outbox_of(&conn).into_iter().filter(|m| !known_outbox.contains(&m.1)).collect();
    drop(conn);
    println!(
        "sweep: {} occurrences examined, {} missed, {} rungs, {} messages; {} events and {} rows written",
        swept.occurrences, swept.missed, swept.fired, swept.messages, sweep_events.len(), changed.len()
    );
    let now_ns = shanghai(3, 10, 19).timestamp_nanos_opt().unwrap();
    let mut group = c.benchmark_group("inspections_sweep");
    group.sample_size(10).measurement_time(StdDuration::from_secs(10));
    group.bench_function("raw_queries", |b| {
        b.iter_custom(|iters| {
            let mut total = StdDuration::ZERO;
            for _ in 0..iters {
                let path = next("sweep-raw");
                copy_db(&base, &path);
                let conn = raw_connection(&path);
                let start = Instant::now();
                conn.execute_batch("BEGIN").unwrap();
                let due: Vec<(String, String)> = {
                    let mut stmt = conn
                        .prepare_cached(
                            "SELECT tenant, occurrence FROM hazardloop_occurrences
                             WHERE sweep_at IS NOT NULL AND sweep_at <= ?1 ORDER BY sweep_at, tenant, occurrence",
                        )
                        .unwrap();
                    stmt.query_map([now_ns], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
                };
                for (t, o) in &due {
                    let _state: String = conn
                        .prepare_cached("SELECT state FROM hazardloop_occurrences WHERE tenant = ?1 AND occurrence = ?2")
                        .unwrap()
                        .query_row(params![t, o], |r| r.get(0))
                        .unwrap();
                }
                for e in &sweep_events {
                    insert_event(&conn, e);
                }
                for o in &changed {
                    conn.prepare_cached(
                        "UPDATE hazardloop_occurrences SET version = ?3, head = ?4, state = ?5, listing = ?6,
                         inspector = ?7, sweep_at = ?8 WHERE tenant = ?1 AND occurrence = ?2",
                    )
                    .unwrap()
                    .execute(params![o.0, o.1, o.2, o.3, o.4, o.5, o.8, o.10])
                    .unwrap();
                }
                for m in &sweep_outbox {
                    conn.prepare_cached(
                        "INSERT INTO hazardloop_outbox (tenant, id, grp, status, available_at, attempts, last_error, message)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    )
                    .unwrap()
                    .execute(params![m.0, m.1, m.2, m.3, m.4, m.5, m.6, m.7])
                    .unwrap();
                }
                conn.execute_batch("COMMIT").unwrap();
                total += start.elapsed();
                assert_eq!(due.len(), swept.occurrences);
            }
            total
        })
    });
    group.bench_function("engine_sweep", |b| {
        b.iter_custom(|iters| {
            let mut total = StdDuration::ZERO;
            for _ in 0..iters {
                let path = next("sweep-engine");
                copy_db(&base, &path);
                let store = SqliteStore::open(&path).unwrap();
                let clock = Arc::new(SetClock::new(shanghai(3, 10, 19)));
                let e =
                    Engine::new(store, Discard, clock, f.policy.clone()).with_org(f.org.clone());
                let start = Instant::now();
                let report = rt.block_on(e.sweep_inspections()).unwrap();
                total += start.elapsed();
                assert_eq!(report.fired, swept.fired);
            }
            total
        })
    });
    group.finish();
    c.final_summary();
    ratio(
        "inspections_generate",
        "raw_inserts",
        "engine_generate",
        &format!("{generated} occurrences"),
    );
    ratio(
        "inspections_sweep",
        "raw_queries",
        "engine_sweep",
        &format!("{} occurrences", swept.occurrences),
    );
}

/// Prints the engine's rate as a share of the raw rate for the same rows: target ≥ 0.3×.
fn ratio(group: &str, raw: &str, engine: &str, what: &str) {
    match (mean_ns(group, raw), mean_ns(group, engine)) {
        (Some(r), Some(e)) => {
            let share = r / e;
            println!(
                "RATIO {group}: {engine} {:.1} ms vs {raw} {:.1} ms for the same {what}: rate {share:.2}× \
                 the raw (target ≥ 0.3×) {}",
                e / 1e6,
                r / 1e6,
                if share >= 0.3 { "MET" } else { "MISSED" }
            );
        }
        _ => println!("RATIO {group}: estimates not found (run with `cargo bench`)"),
    }
}
