//! Commands per second of a discover, on one SQLite store: `Engine::execute` directly, and
//! `POST /v1/hazards` through a real server on 127.0.0.1 with a hyper client, at 1 and 16 concurrent
//! clients. Prints `RATIO http_N_vs_engine_N` (time per command over HTTP against the engine's
//! at the same concurrency, the median of paired rounds; goal ≤ 1.5× at 16 clients) and the
//! HTTP requests' p50/p99 latency.
//!
//! The floor, measured in the same run: the same client posting the same body to a bare axum
//! route on the same runtime that parses the JSON and answers 201 (`floor_N`). No HTTP service
//! can cost less than the engine plus that round trip, so `FLOOR` prints
//! `(engine + bare round trip) / engine`, the lowest ratio this machine permits, and
//! `RATIO http_N_vs_floor_N` what the service adds beyond it.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use hazardloop_core::clock::{Clock, SystemClock};
use hazardloop_core::engine::Request;
use hazardloop_core::notify::Discard;
use hazardloop_core::store::{Store, ORG_DOC};
use hazardloop_server::tokens::{Grant, TokenBook};
use hazardloop_server::{ServerConfig, Service};
use hazardloop_sqlite::SqliteStore;
use hazardloop_testkit::Fixture;

const GOAL: f64 = 1.5;

/// Commands and time measured per benchmark, and the HTTP latencies.
#[derive(Default)]
struct Tally {
    commands: u64,
    time: Duration,
    latencies: Vec<Duration>,
}

impl Tally {
    fn per_second(&self) -> f64 {
        self.commands as f64 / self.time.as_secs_f64().max(1e-9)
    }
}

struct Setup {
    rt: tokio::runtime::Runtime,
    service: Arc<Service<SqliteStore>>,
    fixture: Fixture,
    addr: std::net::SocketAddr,
    floor_addr: std::net::SocketAddr,
    router: axum::Router,
    token: String,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

fn setup() -> Setup {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let fixture = Fixture::school();
    let (service, token) = rt.block_on(async {
        // The service's own options (commits on the writer thread), for both the engine and HTTP.
        let store = SqliteStore::open_with(
            dir.path().join("bench.db"),
            hazardloop_server::store::sqlite_options(),
        )
        .unwrap();
        store.migrate().unwrap();
        let org = serde_json::to_string(&fixture.org.to_config()).unwrap();
        store.put_document(&fixture.tenant, ORG_DOC, &org).await.unwrap();
        let grant = Grant::Person { person: fixture.people.inspector.clone() };
        let (_, token) = TokenBook::create(&store, &fixture.org, grant, "bench", SystemClock.now())
            .await
            .unwrap();
        // The scheduler's first sweep runs at start, before any hazard exists; the next would
        // sweep the hazards the bench made (each discovery is due a reminder), which is the
        // sweep's cost, measured by the sweep benches, not the API's.
        let config = ServerConfig {
            tenants: vec![fixture.tenant.as_str().to_string()],
            sweep_every_seconds: 86_400,
            dispatch_every_seconds: 86_400,
            ..ServerConfig::default()
        };
        let service =
            Service::new(Arc::new(store), config, Arc::new(SystemClock), Arc::new(Discard))
                .await
                .unwrap();
        (Arc::new(service), token)
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(hazardloop_server::serve(service.clone(), listener, async {
        let _ = stopped.await;
    }));
    // The floor: a bare route that reads the same JSON and answers 201 with a small body.
    let floor = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let floor_addr = floor.local_addr().unwrap();
    let bare = axum::Router::new().route(
        "/floor",
        axum::routing::post(|axum::Json(v): axum::Json<serde_json::Value>| async move {
            (
                axum::http::StatusCode::CREATED,
                axum::Json(serde_json::json!({ "ok": v.is_object() })),
            )
        }),
    );
    // With TCP_NODELAY, as the service sets it.
    let floor = axum::serve::ListenerExt::tap_io(floor, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    rt.spawn(async move { axum::serve(floor, bare).await });
    let router = hazardloop_server::router(service.clone());
    Setup { rt, service, fixture, addr, floor_addr, router, token, _dir: dir, _stop: stop }
}

/// `iters` discovers on the engine by `clients` tasks.
fn engine_run(s: &Setup, clients: u64, iters: u64, tally: &Mutex<Tally>) -> Duration {
    let elapsed = s.rt.block_on(async {
        let started = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..clients {
            let n = iters / clients + u64::from(c < iters % clients);
            let engine = s.service.engine();
            let actor = s.fixture.inspector();
            let discover = s.fixture.discover();
            tasks.push(tokio::spawn(async move {
                for _ in 0..n {
                    engine.execute(&actor, Request::new(discover.clone())).await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        started.elapsed()
    });
    let mut t = tally.lock().unwrap();
    t.commands += iters;
    t.time += elapsed;
    elapsed
}

/// The body of every discover the bench sends.
fn discover_body(s: &Setup) -> serde_json::Value {
    serde_json::json!({
        "unit": s.fixture.logistics.as_str(),
        "location": "教学楼二楼",
        "title": "楼梯扶手松动",
        "description": "两处螺栓松动",
        "source": "daily_patrol"
    })
}

/// `iters` `POST /v1/hazards` handed to the router in process (no socket, no client): the
/// service's own cost per command.
fn inproc_run(s: &Setup, clients: u64, iters: u64, tally: &Mutex<Tally>) -> Duration {
    use tower::ServiceExt;
    let body = discover_body(s).to_string();
    let elapsed = s.rt.block_on(async {
        let started = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..clients {
            let n = iters / clients + u64::from(c < iters % clients);
            let (router, token, body) = (s.router.clone(), s.token.clone(), body.clone());
            tasks.push(tokio::spawn(async move {
                for _ in 0..n {
                    let request = axum::http::Request::post("/v1/hazards")
                        .header("authorization", format!("Bearer {token}"))
                        .header("content-type", "application/json")
                        .body(axum::body::Body::from(body.clone()))
                        .unwrap();
                    let response = router.clone().oneshot(request).await.unwrap();
                    assert_eq!(response.status(), 201);
                    axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        started.elapsed()
    });
    let mut t = tally.lock().unwrap();
    t.commands += iters;
    t.time += elapsed;
    elapsed
}

/// `iters` `POST /v1/hazards` (or, for the floor, `POST /floor`) by `clients` tasks, each on a
/// keep-alive HTTP/1.1 connection of its own sending a request built once, as load generators
/// (wrk, oha) do: the client's own work (URL parsing, a connection pool, encoding the JSON body
/// again for every request) runs on the same two cores as the service, and is not the
/// service's.
fn http_run(s: &Setup, clients: u64, iters: u64, tally: &Mutex<Tally>, floor: bool) -> Duration {
    let body = bytes::Bytes::from(discover_body(s).to_string());
    let (addr, path) = if floor { (s.floor_addr, "/floor") } else { (s.addr, "/v1/hazards") };
    let auth = format!("Bearer {}", s.token);
    let (elapsed, latencies) = s.rt.block_on(async {
        let mut senders = Vec::new();
        for _ in 0..clients {
            let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
            tcp.set_nodelay(true).unwrap();
            let (sender, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
                    .await
                    .unwrap();
            tokio::spawn(conn);
            senders.push(sender);
        }
        let started = Instant::now();
        let mut tasks = Vec::new();
        for (c, mut sender) in (0..clients).zip(senders) {
            let n = iters / clients + u64::from(c < iters % clients);
            let (auth, body) = (auth.clone(), body.clone());
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
                for _ in 0..n {
                    let at = Instant::now();
                    let request = hyper::Request::post(path)
                        .header("host", "127.0.0.1")
                        .header("authorization", &auth)
                        .header("content-type", "application/json")
                        .body(http_body_util::Full::new(body.clone()))
                        .unwrap();
                    sender.ready().await.unwrap();
                    let response = sender.send_request(request).await.unwrap();
                    assert_eq!(response.status(), 201);
                    http_body_util::BodyExt::collect(response.into_body()).await.unwrap();
                    lat.push(at.elapsed());
                }
                lat
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        (started.elapsed(), all)
    });
    let mut t = tally.lock().unwrap();
    t.commands += iters;
    t.time += elapsed;
    t.latencies.extend(latencies);
    elapsed
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn bench(c: &mut Criterion) {
    let s = setup();
    let tallies: Vec<(&str, u64, bool, Mutex<Tally>)> = vec![
        ("engine_1", 1, false, Mutex::default()),
        ("engine_16", 16, false, Mutex::default()),
        ("inproc_1", 1, false, Mutex::default()),
        ("inproc_16", 16, false, Mutex::default()),
        ("floor_1", 1, true, Mutex::default()),
        ("floor_16", 16, true, Mutex::default()),
        ("http_1", 1, true, Mutex::default()),
        ("http_16", 16, true, Mutex::default()),
    ];
    let mut group = c.benchmark_group("server_discover");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    let mut grouping = Vec::new();
    for (name, clients, http, tally) in &tallies {
        let before = s.service.engine().store().writer_stats();
        group.bench_function(*name, |b| {
            b.iter_custom(|iters| {
                if *http {
                    http_run(&s, *clients, iters, tally, name.starts_with("floor"))
                } else if name.starts_with("inproc") {
                    inproc_run(&s, *clients, iters, tally)
                } else {
                    engine_run(&s, *clients, iters, tally)
                }
            });
        });
        let after = s.service.engine().store().writer_stats();
        let (tx, writes) = (after.transactions - before.transactions, after.writes - before.writes);
        if tx > 0 {
            let busy = (after.busy_micros - before.busy_micros) as f64 / writes.max(1) as f64;
            grouping.push(format!(
                "GROUPING {name}: {:.2} commits per transaction, writer busy {busy:.1} us per commit",
                writes as f64 / tx as f64
            ));
        }
    }
    group.finish();
    for line in &grouping {
        println!("{line}");
    }

    let rate = |name: &str| {
        let t = tallies.iter().find(|(n, ..)| *n == name).unwrap();
        t.3.lock().unwrap().per_second()
    };
    for (name, ..) in &tallies {
        println!("THROUGHPUT {name}: {:.0} commands/s", rate(name));
    }
    for n in [1, 16] {
        let (e, h) = (rate(&format!("engine_{n}")), rate(&format!("http_{n}")));
        let ratio = e / h; // time per command over HTTP / on the engine
        println!(
            "INFO http_{n}_vs_engine_{n} over criterion's totals: {ratio:.2}x (each measured \
             in its own stretch of the run; the goal is judged on the paired rounds below)"
        );
        let i = rate(&format!("inproc_{n}"));
        println!(
            "RATIO inproc_{n}_vs_engine_{n}: {:.2}x (the service's own handling, no socket or client)",
            e / i
        );
        let f = rate(&format!("floor_{n}"));
        let (te, tf, th) = (1.0 / e, 1.0 / f, 1.0 / h);
        println!(
            "FLOOR http_{n}: (engine {:.1} us + bare round trip {:.1} us) / engine = {:.2}x, the lowest ratio this machine permits",
            te * 1e6,
            tf * 1e6,
            (te + tf) / te
        );
        println!("RATIO http_{n}_vs_floor_{n}: {:.2}x (what the service adds beyond engine + bare round trip)", th / (te + tf));
    }
    paired(&s);
    for (name, _, http, tally) in &tallies {
        if *http && name.starts_with("http") {
            let mut lat = std::mem::take(&mut tally.lock().unwrap().latencies);
            lat.sort();
            println!(
                "LATENCY {name}: p50 {:.2} ms, p99 {:.2} ms over {} requests",
                percentile(&lat, 0.50).as_secs_f64() * 1e3,
                percentile(&lat, 0.99).as_secs_f64() * 1e3,
                lat.len()
            );
        }
    }
}

/// Paired rounds: in each round the engine, the bare round trip and the service run the same
/// number of commands back to back (the order turning each round), so a change in the
/// machine's load, or the store's growth, falls on both sides of each ratio. The goal is judged
/// on the median of the rounds' ratios; criterion's totals above measure each side in its own
/// stretch of the run, minutes apart, on a store of another size.
fn paired(s: &Setup) {
    let rounds: usize =
        std::env::var("HAZARDLOOP_HTTP_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(25);
    for (n, per_round) in [(16_u64, 4000_u64), (1, 1000)] {
        let scratch = Mutex::default();
        let mut ratios = Vec::with_capacity(rounds);
        let mut floors = Vec::with_capacity(rounds);
        for round in 0..rounds {
            let run = |which: usize| match which {
                0 => engine_run(s, n, per_round, &scratch),
                1 => http_run(s, n, per_round, &scratch, true),
                _ => http_run(s, n, per_round, &scratch, false),
            };
            let order: [usize; 3] = if round % 2 == 0 { [0, 1, 2] } else { [2, 1, 0] };
            let mut t = [Duration::ZERO; 3];
            for which in order {
                t[which] = run(which);
            }
            let (te, tf, th) = (t[0].as_secs_f64(), t[1].as_secs_f64(), t[2].as_secs_f64());
            ratios.push(th / te);
            floors.push((te + tf) / te);
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            (v[v.len() / 2], v[0], v[v.len() - 1])
        };
        let (ratio, low, high) = median(&mut ratios);
        let (floor, ..) = median(&mut floors);
        let goal = if n == 16 {
            format!("(goal <= {GOAL}x) {}", if ratio <= GOAL { "MET" } else { "MISSED" })
        } else {
            "(for information; the goal is at 16 clients)".to_string()
        };
        println!(
            "RATIO http_{n}_vs_engine_{n}: {ratio:.2}x median of {rounds} paired rounds of \
             {per_round} commands (lowest {low:.2}x, highest {high:.2}x) {goal}"
        );
        println!("FLOOR http_{n} paired: (engine + bare round trip) / engine = {floor:.2}x median");
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
