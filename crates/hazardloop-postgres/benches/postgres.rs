//! PostgreSQL store throughput, each figure against its raw baseline in the same run:
//! - `raw_insert_1` / `raw_insert_8`: one ~300-byte row inserted and committed per call, by 1
//!   and by 8 concurrent clients (the floor any durable write pays: a round trip and a WAL
//!   flush);
//! - `execute_1` / `execute_8`: `Engine::execute(Discover)` (load nothing, decide, chain, one
//!   commit of hazard, event and due clock) by 1 and by 8 concurrent clients;
//! - `raw_select_1`: one `SELECT 1` on a pooled connection (a round trip, no write: the floor of
//!   any statement);
//! - `raw_numbered_1` / `raw_numbered_8`: the raw insert taking the next gap-free number of one
//!   series in the same statement, as every `Discover` must (issue 17): the floor of
//!   `execute_8`'s scaling, since concurrent numbers of one series queue on the counter's row;
//! - `commit_1`: the store's commit of a prebuilt, numbered `Discover` (no engine).
//!
//! Targets: `execute_1` ≥ 50 % of the raw 1-client rate; `execute_8` ≥ 2× `execute_1`'s rate.
//!
//! Beside the timed parts it prints `INFO` lines: the round trips (client → server turns,
//! counted by a relay between the store and the server) of one command of each shape and of a
//! `commit_many` page, and the floor an `execute` stands on (a round trip, the engine's own CPU
//! on the memory store, the raw insert).
//!
//! Needs `HAZARDLOOP_PG_URL`; without it the benchmark prints why and does nothing.

#![allow(missing_docs)] // criterion's macros generate undocumented items
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark aborts on a broken setup

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use hazardloop_core::chain::ChainHash;
use hazardloop_core::engine::{Engine, Request};
use hazardloop_core::model::HazardId;
use hazardloop_core::notify::Discard;
use hazardloop_core::report::LedgerRow;
use hazardloop_core::store::{Commit, MemoryStore, Store};
use hazardloop_core::workflow::{Command, StageKind};
use hazardloop_postgres::{PgOptions, PgStore};
use hazardloop_testkit::conformance::{chain, sample};
use hazardloop_testkit::{Fixture, ManualClock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const GROUP: &str = "postgres";
const CLIENTS: u64 = 8;
/// Commands per round-trip count.
const COUNTED: u64 = 200;
/// Commits per `commit_many` call in the page measurements (a quarter of a sweep page).
const PAGE: usize = 64;

fn main() {
    let Some(url) = std::env::var("HAZARDLOOP_PG_URL").ok().filter(|u| !u.is_empty()) else {
        println!("skipping the postgres benchmark: HAZARDLOOP_PG_URL is not set");
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let schema = format!("hl_bench_{}", std::process::id());
    let options = PgOptions::default().pool_size(CLIENTS as usize).schema(&schema);
    let store = PgStore::new(&url, options).expect("store");
    rt.block_on(store.migrate()).expect("migrate");
    let pool = store.pool().clone();
    rt.block_on(async {
        let c = pool.get().await.unwrap();
        c.batch_execute(&format!(
            "CREATE TABLE \"{schema}\".raw (id bigserial PRIMARY KEY, tenant_id text NOT NULL,
                                            body text NOT NULL);
             CREATE TABLE \"{schema}\".raw_numbers (tenant_id text, series text, last bigint NOT NULL,
                                                    PRIMARY KEY (tenant_id, series))"
        ))
        .await
        .unwrap();
    });
    let insert = format!("INSERT INTO \"{schema}\".raw (tenant_id, body) VALUES ($1, $2)");
    // The same insert taking the next gap-free number of one series in its statement, as a
    // new hazard does (issue 17): the counter's row is locked until the commit is durable.
    let numbered_insert = format!(
        "WITH num AS (INSERT INTO \"{schema}\".raw_numbers (tenant_id, series, last)
                      VALUES ($1, '2026', 1) ON CONFLICT (tenant_id, series)
                      DO UPDATE SET last = \"{schema}\".raw_numbers.last + 1 RETURNING last)
         INSERT INTO \"{schema}\".raw (tenant_id, body) SELECT $1, $2 || num.last FROM num"
    );
    let body = "隐患".repeat(50); // 300 bytes of UTF-8

    let f = Fixture::school();
    let clock = ManualClock::new(f.start);
    let engine = Arc::new(
        Engine::new(store.clone(), Discard, Arc::new(clock.clone()), f.policy.clone())
            .with_org(f.org.clone()),
    );
    let actor = f.inspector();
    let discover = f.discover();

    let mut c = Criterion::default()
        .sample_size(20)
        .measurement_time(Duration::from_secs(8))
        .warm_up_time(Duration::from_secs(2))
        .configure_from_args();
    let mut group = c.benchmark_group(GROUP);
    group.throughput(Throughput::Elements(1));

    let select = |iters: u64| {
        let pool = pool.clone();
        rt.block_on(clients_run(iters, 1, move || {
            let pool = pool.clone();
            async move {
                let c = pool.get().await.unwrap();
                let stmt = c.prepare_cached("SELECT 1").await.unwrap();
                c.query_one(&stmt, &[]).await.unwrap();
            }
        }))
    };
    group.bench_function("raw_select_1", |b| b.iter_custom(select));

    let raw = |iters: u64, clients: u64, insert: &String| {
        let (pool, insert, body) = (pool.clone(), insert.clone(), body.clone());
        rt.block_on(clients_run(iters, clients, move || {
            let (pool, insert, body) = (pool.clone(), insert.clone(), body.clone());
            async move {
                let c = pool.get().await.unwrap();
                let stmt = c.prepare_cached(&insert).await.unwrap();
                c.execute(&stmt, &[&"t1", &body]).await.unwrap();
            }
        }))
    };
    group.bench_function("raw_insert_1", |b| b.iter_custom(|n| raw(n, 1, &insert)));
    group.bench_function("raw_insert_8", |b| b.iter_custom(|n| raw(n, CLIENTS, &insert)));
    group.bench_function("raw_numbered_1", |b| b.iter_custom(|n| raw(n, 1, &numbered_insert)));
    group
        .bench_function("raw_numbered_8", |b| b.iter_custom(|n| raw(n, CLIENTS, &numbered_insert)));

    let execute = |iters: u64, clients: u64| {
        let (engine, actor, discover) = (engine.clone(), actor.clone(), discover.clone());
        rt.block_on(clients_run(iters, clients, move || {
            let (engine, actor, discover) = (engine.clone(), actor.clone(), discover.clone());
            async move {
                engine.execute(&actor, Request::new(discover)).await.unwrap();
            }
        }))
    };
    // The store alone: the same commits the engine makes for a Discover (numbered), built
    // beforehand.
    let commit = |iters: u64| {
        let mut commits = page_of(&f, StageKind::Discovered, iters as usize);
        let tz = f.policy.calendar().time_zone();
        for c in &mut commits {
            c.numbering = Some(f.policy.number_format().numbering(f.start, tz));
        }
        let store = store.clone();
        rt.block_on(async move {
            let start = Instant::now();
            for c in commits {
                store.commit(c).await.unwrap();
            }
            start.elapsed()
        })
    };
    group.bench_function("commit_1", |b| b.iter_custom(commit));
    group.bench_function("execute_1", |b| b.iter_custom(|n| execute(n, 1)));
    group.bench_function("execute_8", |b| b.iter_custom(|n| execute(n, CLIENTS)));
    group.finish();

    report();
    rt.block_on(round_trips(&url, &pool, &schema, &f, &clock));
    rt.block_on(pages(&store, &f));
    rt.block_on(engine_floor(&f));
    rt.block_on(async {
        let c = pool.get().await.unwrap();
        c.batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE")).await.unwrap();
    });
}

/// Runs `iters` calls of `call` spread over `clients` concurrent tasks; the wall time.
async fn clients_run<F, Fut>(iters: u64, clients: u64, call: F) -> Duration
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let start = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|i| {
            let call = call.clone();
            let n = iters / clients + u64::from(i < iters % clients);
            tokio::spawn(async move {
                for _ in 0..n {
                    call().await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    start.elapsed()
}

/// Prints the rates and the two ratios against their targets.
fn report() {
    let get = |id: &str| mean_ns(id);
    let (Some(raw1), Some(raw8), Some(ex1), Some(ex8)) =
        (get("raw_insert_1"), get("raw_insert_8"), get("execute_1"), get("execute_8"))
    else {
        println!("RATIO {GROUP}: estimates not found (run with `cargo bench`)");
        return;
    };
    let rate = |ns: f64| 1e9 / ns;
    println!(
        "RATES {GROUP}: raw insert 1 client {:.0}/s, 8 clients {:.0}/s; execute 1 client {:.0}/s, 8 clients {:.0}/s",
        rate(raw1),
        rate(raw8),
        rate(ex1),
        rate(ex8)
    );
    let verdict = |ok: bool| if ok { "MET" } else { "MISSED" };
    let r1 = raw1 / ex1;
    println!(
        "RATIO {GROUP}: execute_1 {:.0}/s / raw_insert_1 {:.0}/s = {r1:.2}× (target ≥ 0.5×) {}",
        rate(ex1),
        rate(raw1),
        verdict(r1 >= 0.5)
    );
    let r8 = ex1 / ex8;
    println!(
        "RATIO {GROUP}: execute_8 {:.0}/s / execute_1 {:.0}/s = {r8:.2}× (target ≥ 2×) {}",
        rate(ex8),
        rate(ex1),
        verdict(r8 >= 2.0)
    );
    println!("RATIO {GROUP}: raw_insert_8 / raw_insert_1 = {:.2}× (for reference)", raw1 / raw8);
    if let (Some(n1), Some(n8)) = (get("raw_numbered_1"), get("raw_numbered_8")) {
        println!(
            "RATIO {GROUP}: floor of execute_8 / execute_1: raw_numbered_8 {:.0}/s / \
             raw_numbered_1 {:.0}/s = {:.2}× (a raw insert taking a gap-free number of one \
             series in its statement; execute_8 is {:.2}× raw_numbered_8's rate)",
            rate(n8),
            rate(n1),
            n1 / n8,
            n8 / ex8
        );
    }
    if let (Some(sel), Some(commit)) = (get("raw_select_1"), get("commit_1")) {
        println!(
            "INFO {GROUP}: floor per call: round trip (SELECT 1) {:.0} µs; raw insert {:.0} µs \
             (its WAL flush and insert beyond the round trip: {:.0} µs); the store's commit of \
             a prebuilt Discover (one statement, no engine) {:.0} µs = raw insert + {:.0} µs; \
             execute_1 {:.0} µs = that commit + {:.0} µs",
            sel / 1e3,
            raw1 / 1e3,
            (raw1 - sel) / 1e3,
            commit / 1e3,
            (commit - raw1) / 1e3,
            ex1 / 1e3,
            (ex1 - commit) / 1e3
        );
        println!(
            "RATIO {GROUP}: commit_1 {:.0}/s / raw_insert_1 {:.0}/s = {:.2}× (the floor for \
             execute_1 with this schema's writes; for reference)",
            rate(commit),
            rate(raw1),
            raw1 / commit
        );
    }
}

/// The mean time per call of a finished benchmark, from criterion's estimates.
fn mean_ns(id: &str) -> Option<f64> {
    let dir =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    let candidates = [dir.join("criterion"), PathBuf::from("../../target/criterion")];
    candidates.iter().find_map(|base| {
        let path = base.join(GROUP).join(id).join("new").join("estimates.json");
        let text = std::fs::read_to_string(path).ok()?;
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        v["mean"]["point_estimate"].as_f64()
    })
}

/// Counts round trips: the times a client starts sending after it last heard from the server
/// (its first message counts too), over every connection relayed.
#[derive(Default)]
struct Turns(AtomicU64);

/// A relay on 127.0.0.1 to `upstream` that counts round trips; its address.
async fn relay(upstream: SocketAddr, turns: Arc<Turns>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let turns = turns.clone();
            tokio::spawn(async move {
                let server = tokio::net::TcpStream::connect(upstream).await.unwrap();
                client.set_nodelay(true).unwrap();
                server.set_nodelay(true).unwrap();
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                // true once the server spoke after the client's last message.
                let answered = Arc::new(AtomicBool::new(true));
                let a = answered.clone();
                let up = async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        let n = match cr.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        if a.swap(false, Ordering::SeqCst) {
                            turns.0.fetch_add(1, Ordering::SeqCst);
                        }
                        if sw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = sw.shutdown().await;
                };
                let down = async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        let n = match sr.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        answered.store(true, Ordering::SeqCst);
                        if cw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = cw.shutdown().await;
                };
                tokio::join!(up, down);
            });
        }
    });
    addr
}

/// The round trips of each command shape, through a store of one connection on the relay.
/// `direct` (not relayed) reads the WAL position and writes the raw rows.
async fn round_trips(
    url: &str,
    direct: &deadpool_postgres::Pool,
    schema: &str,
    f: &Fixture,
    clock: &ManualClock,
) {
    let config: tokio_postgres::Config = url.parse().unwrap();
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "127.0.0.1".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let upstream = tokio::net::lookup_host((host.as_str(), port)).await.unwrap().next().unwrap();
    let turns = Arc::new(Turns::default());
    let addr = relay(upstream, turns.clone()).await;
    let mut relayed = tokio_postgres::Config::new();
    relayed.host(addr.ip().to_string()).port(addr.port());
    if let Some(user) = config.get_user() {
        relayed.user(user);
    }
    if let Some(password) = config.get_password() {
        relayed.password(password);
    }
    if let Some(db) = config.get_dbname() {
        relayed.dbname(db);
    }
    let manager = deadpool_postgres::Manager::from_config(
        relayed,
        tokio_postgres::NoTls,
        deadpool_postgres::ManagerConfig {
            recycling_method: deadpool_postgres::RecyclingMethod::Fast,
        },
    );
    let pool = deadpool_postgres::Pool::builder(manager).max_size(1).build().unwrap();
    let store = PgStore::from_pool(pool, PgOptions::default().schema(schema)).unwrap();
    let engine = Engine::new(store.clone(), Discard, Arc::new(clock.clone()), f.policy.clone())
        .with_org(f.org.clone());
    let inspector = f.inspector();
    let comment = Command::Comment { text: "已电话督促".into() };

    // Warm up: connect, prepare every statement once.
    let mut ids = Vec::new();
    for i in 0..3 {
        let o = engine.execute(&inspector, Request::new(f.discover())).await.unwrap();
        let on = Request::on(o.hazard, comment.clone()).key(format!("warm-{i}"));
        engine.execute(&inspector, on).await.unwrap();
        ids.push(o.hazard);
    }
    let count = |turns: &Turns| turns.0.load(Ordering::SeqCst);

    let lsn = || async {
        let c = direct.get().await.unwrap();
        let row = c.query_one("SELECT pg_current_wal_lsn()::text", &[]).await.unwrap();
        let text: String = row.get(0);
        let (hi, lo) = text.split_once('/').unwrap();
        u64::from_str_radix(hi, 16).unwrap() << 32 | u64::from_str_radix(lo, 16).unwrap()
    };
    let before = count(&turns);
    let wal = lsn().await;
    for _ in 0..COUNTED {
        engine.execute(&inspector, Request::new(f.discover())).await.unwrap();
    }
    let discover_wal = (lsn().await - wal) / COUNTED;
    let discover = (count(&turns) - before) as f64 / COUNTED as f64;
    let raw_wal = {
        let c = direct.get().await.unwrap();
        let insert = format!("INSERT INTO \"{schema}\".raw (tenant_id, body) VALUES ($1, $2)");
        let body = "隐患".repeat(50);
        let wal = lsn().await;
        for _ in 0..COUNTED {
            c.execute(&insert, &[&"t1", &body]).await.unwrap();
        }
        (lsn().await - wal) / COUNTED
    };
    let sizes = direct
        .get()
        .await
        .unwrap()
        .query_one(
            &format!(
                "SELECT avg(pg_column_size(h.*))::float8, avg(pg_column_size(h.snapshot))::float8,
                        avg(pg_column_size(h.ledger))::float8
                 FROM \"{schema}\".hazards h"
            ),
            &[],
        )
        .await
        .unwrap();
    let (row, snapshot, ledger): (f64, f64, f64) = (sizes.get(0), sizes.get(1), sizes.get(2));
    println!(
        "INFO {GROUP}: WAL per Discover {discover_wal} bytes, per raw insert {raw_wal} bytes; a \
         hazard row {row:.0} bytes stored (snapshot {snapshot:.0}, ledger row {ledger:.0})"
    );

    let before = count(&turns);
    for i in 0..COUNTED {
        let id = ids[i as usize % ids.len()];
        let on = Request::on(id, comment.clone());
        engine.execute(&inspector, on).await.unwrap();
    }
    let on_existing = (count(&turns) - before) as f64 / COUNTED as f64;

    let before = count(&turns);
    for i in 0..COUNTED {
        let id = ids[i as usize % ids.len()];
        let on = Request::on(id, comment.clone()).key(format!("counted-{i}"));
        engine.execute(&inspector, on).await.unwrap();
    }
    let keyed = (count(&turns) - before) as f64 / COUNTED as f64;

    let commits = page_of(f, StageKind::Treating, PAGE);
    let before = count(&turns);
    let results = store.commit_many(commits).await;
    assert!(results.iter().all(Result::is_ok));
    let page = count(&turns) - before;
    println!(
        "INFO {GROUP}: round trips per command (client → server turns): Discover {discover:.2}; \
         a command on a hazard {on_existing:.2} (snapshot, commit); with an idempotency key \
         {keyed:.2} (key, snapshot, commit); commit_many of {PAGE} new hazards {page} \
         ({:.3} per commit)",
        page as f64 / PAGE as f64
    );
}

/// `n` commits creating copies of the fixture's sample hazard at `stage`.
fn page_of(f: &Fixture, stage: StageKind, n: usize) -> Vec<Commit> {
    let (template, records) = sample(f, stage);
    let events: Vec<_> = records.into_iter().map(|r| r.event).collect();
    (0..n)
        .map(|_| {
            let id = HazardId::new_at(f.start);
            let hazard = hazardloop_core::workflow::Hazard { id, ..template.clone() };
            let records = chain(&f.tenant, id, 0, ChainHash::default(), &events, f.start);
            Commit {
                tenant: f.tenant.clone(),
                hazard: id,
                expected_version: 0,
                events: records.into(),
                ledger: LedgerRow::from_hazard(&hazard, f.start).into(),
                state: hazard,
                next_due: Some(f.start),
                outbox: Vec::new(),
                idempotency: None,
                numbering: None,
            }
        })
        .collect()
}

/// A page of commits through `commit_many` against the same commits one by one.
async fn pages(store: &PgStore, f: &Fixture) {
    let rounds = 5;
    let mut many = Duration::ZERO;
    let mut single = Duration::ZERO;
    for _ in 0..rounds {
        let commits = page_of(f, StageKind::Treating, PAGE);
        let start = Instant::now();
        let results = store.commit_many(commits).await;
        many += start.elapsed();
        assert!(results.iter().all(Result::is_ok));
        let commits = page_of(f, StageKind::Treating, PAGE);
        let start = Instant::now();
        for c in commits {
            store.commit(c).await.unwrap();
        }
        single += start.elapsed();
    }
    let per = |d: Duration| d.as_secs_f64() * 1e6 / (rounds * PAGE) as f64;
    println!(
        "INFO {GROUP}: a page of {PAGE} new hazards: commit_many {:.0} µs per commit, one commit \
         at a time {:.0} µs per commit ({:.1}×)",
        per(many),
        per(single),
        per(single) / per(many)
    );
}

/// The engine's own time per `execute(Discover)`, on the memory store (no I/O).
async fn engine_floor(f: &Fixture) {
    let engine = Engine::new(
        MemoryStore::new(),
        Discard,
        Arc::new(ManualClock::new(f.start)),
        f.policy.clone(),
    )
    .with_org(f.org.clone());
    let actor = f.inspector();
    let n = 5_000;
    let start = Instant::now();
    for _ in 0..n {
        engine.execute(&actor, Request::new(f.discover())).await.unwrap();
    }
    let per = start.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    println!(
        "INFO {GROUP}: floor: the engine's own CPU per execute(Discover), on the memory store: \
         {per:.1} µs"
    );
}
