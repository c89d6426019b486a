//! PostgreSQL store throughput, each figure against its raw baseline in the same run:
//! - `raw_insert_1` / `raw_insert_8`: one ~300-byte row inserted and committed per call, by 1
//!   and by 8 concurrent clients (the floor any durable write pays: a round trip and a WAL
//!   flush);
//! - `execute_1` / `execute_8`: `Engine::execute(Discover)` (load nothing, decide, chain, one
//!   commit of hazard, event and due clock) by 1 and by 8 concurrent clients.
//!
//! Targets: `execute_1` ≥ 50 % of the raw 1-client rate; `execute_8` ≥ 2× `execute_1`'s rate.
//! Needs `HAZARDLOOP_PG_URL`; without it the benchmark prints why and does nothing.

#![allow(missing_docs)] // criterion's macros generate undocumented items
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark aborts on a broken setup

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use hazardloop_core::engine::{Engine, Request};
use hazardloop_core::notify::Discard;
use hazardloop_postgres::{PgOptions, PgStore};
use hazardloop_testkit::{Fixture, ManualClock};

const GROUP: &str = "postgres";
const CLIENTS: u64 = 8;

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
                                            body text NOT NULL)"
        ))
        .await
        .unwrap();
    });
    let insert = format!("INSERT INTO \"{schema}\".raw (tenant_id, body) VALUES ($1, $2)");
    let body = "隐患".repeat(50); // 300 bytes of UTF-8

    let f = Fixture::school();
    let clock = ManualClock::new(f.start);
    let engine = Arc::new(
        Engine::new(store.clone(), Discard, Arc::new(clock), f.policy.clone())
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

    let raw = |iters: u64, clients: u64| {
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
    group.bench_function("raw_insert_1", |b| b.iter_custom(|n| raw(n, 1)));
    group.bench_function("raw_insert_8", |b| b.iter_custom(|n| raw(n, CLIENTS)));

    let execute = |iters: u64, clients: u64| {
        let (engine, actor, discover) = (engine.clone(), actor.clone(), discover.clone());
        rt.block_on(clients_run(iters, clients, move || {
            let (engine, actor, discover) = (engine.clone(), actor.clone(), discover.clone());
            async move {
                engine.execute(&actor, Request::new(discover)).await.unwrap();
            }
        }))
    };
    group.bench_function("execute_1", |b| b.iter_custom(|n| execute(n, 1)));
    group.bench_function("execute_8", |b| b.iter_custom(|n| execute(n, CLIENTS)));
    group.finish();

    report();
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
