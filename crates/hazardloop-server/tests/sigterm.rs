//! The real binary under load stops on SIGTERM without losing an acknowledged command: every
//! hazard answered 201 is in the store afterwards with a history that verifies, and the process
//! exits 0. A second process on the same SQLite file refuses to start, naming the lock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hazardloop_core::clock::{Clock, SystemClock};
use hazardloop_core::engine::Engine;
use hazardloop_core::model::HazardId;
use hazardloop_core::notify::Discard;
use hazardloop_core::policy::Policy;
use hazardloop_core::store::{Store, ORG_DOC};
use hazardloop_server::tokens::{Grant, TokenBook};
use hazardloop_sqlite::SqliteStore;
use hazardloop_testkit::Fixture;
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_hazardloop-server");

/// Migrates `db` with the binary, saves the fixture's organisation and makes the inspector's
/// token; the store is closed again before the service starts.
async fn prepare(db: &Path, f: &Fixture) -> String {
    let out = Command::new(BIN).arg("--db").arg(db).arg("migrate").output().unwrap();
    assert!(out.status.success(), "migrate: {}", String::from_utf8_lossy(&out.stderr));
    let store = SqliteStore::open(db).unwrap();
    let org = serde_json::to_string(&f.org.to_config()).unwrap();
    store.put_document(&f.tenant, ORG_DOC, &org).await.unwrap();
    let grant = Grant::Person { person: f.people.inspector.clone() };
    let (_, token) =
        TokenBook::create(&store, &f.org, grant, "sigterm", SystemClock.now()).await.unwrap();
    drop(store);
    token
}

/// Starts `serve` on `db` and returns the child with the address from its first stdout line.
fn start(db: &Path, f: &Fixture, stderr: &Path) -> (Child, String) {
    let mut child = Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(["serve", "--listen", "127.0.0.1:0", "--tenants", f.tenant.as_str()])
        .env("HAZARDLOOP_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(stderr).unwrap())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| {
            panic!(
                "first line {line:?}; stderr: {}",
                std::fs::read_to_string(stderr).unwrap_or_default()
            )
        })
        .to_string();
    // Drain the rest of stdout so the child never blocks or fails on a full pipe.
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = out.read_to_string(&mut rest);
    });
    (child, addr)
}

fn term(child: &Child) {
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
}

/// Waits up to `limit` for the child to exit.
fn wait(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let until = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > until {
            let _ = child.kill();
            panic!("the service did not exit within {limit:?} of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_loses_no_acknowledged_hazard() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let f = Fixture::school();
    let token = prepare(&db, &f).await;
    let (mut child, base) = start(&db, &f, &dir.path().join("stderr"));

    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let acked: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let others = Arc::new(AtomicUsize::new(0));
    let body = json!({
        "unit": f.logistics.as_str(),
        "location": "教学楼二楼",
        "title": "楼梯扶手松动",
        "description": "两处螺栓松动",
        "source": "daily_patrol"
    });
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (client, acked, others, body, token) =
            (client.clone(), acked.clone(), others.clone(), body.clone(), token.clone());
        let url = format!("{base}/v1/hazards");
        tasks.push(tokio::spawn(async move {
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(60) {
                let response = match client.post(&url).bearer_auth(&token).json(&body).send().await
                {
                    Ok(r) => r,
                    Err(_) => return, // the service has stopped taking connections
                };
                let status = response.status();
                let Ok(text) = response.text().await else { return };
                if status == 201 {
                    let v: Value = serde_json::from_str(&text).unwrap();
                    acked.lock().unwrap().push(v["id"].as_str().unwrap().to_string());
                } else {
                    others.fetch_add(1, Ordering::Relaxed);
                    eprintln!("{status}: {text}");
                }
            }
            panic!("still served 60 s after the test began");
        }));
    }
    while acked.lock().unwrap().len() < 100 {
        assert!(
            !tasks.iter().all(tokio::task::JoinHandle::is_finished),
            "all senders stopped early"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let at_term = acked.lock().unwrap().len();
    term(&child);
    for t in tasks {
        t.await.unwrap();
    }
    let status = tokio::task::spawn_blocking(move || wait(&mut child, Duration::from_secs(40)))
        .await
        .unwrap();
    let stderr = std::fs::read_to_string(dir.path().join("stderr")).unwrap();
    assert_eq!(status.code(), Some(0), "exit status {status:?}; stderr: {stderr}");
    let acked = acked.lock().unwrap().clone();
    eprintln!(
        "{} acknowledged ({at_term} before SIGTERM, {} after), {} other answers",
        acked.len(),
        acked.len() - at_term,
        others.load(Ordering::Relaxed)
    );

    let store = SqliteStore::open(&db).unwrap();
    let engine = Engine::new(store, Discard, Arc::new(SystemClock), Policy::default())
        .with_org(f.org.clone());
    let mut unique = acked.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), acked.len(), "every 201 named a hazard of its own");
    for id in &acked {
        let hazard: HazardId = id.parse().unwrap();
        let view = engine
            .hazard(&f.tenant, hazard)
            .await
            .unwrap_or_else(|e| panic!("acknowledged {id} lost: {e}"));
        assert_eq!(
            view.timeline[0].event.type_name(),
            "discovered",
            "{id} begins with its discovery"
        );
        engine
            .verify(&f.tenant, hazard)
            .await
            .unwrap_or_else(|e| panic!("{id} does not verify: {e}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_process_on_the_same_sqlite_file_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let f = Fixture::school();
    prepare(&db, &f).await;
    let (mut first, _) = start(&db, &f, &dir.path().join("first.stderr"));

    let second = tokio::task::spawn_blocking({
        let db = db.clone();
        let tenant = f.tenant.as_str().to_string();
        move || {
            let mut child = Command::new(BIN)
                .arg("--db")
                .arg(&db)
                .args(["serve", "--listen", "127.0.0.1:0", "--tenants", &tenant])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let status = wait(&mut child, Duration::from_secs(20));
            let mut stdout = String::new();
            child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
            let mut stderr = String::new();
            child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
            (status, stdout, stderr)
        }
    })
    .await
    .unwrap();
    let (status, stdout, stderr) = second;
    assert!(!status.success(), "the second process started: {stdout}");
    assert!(!stdout.contains("listening"), "the second process listened: {stdout}");
    assert!(
        stderr.contains(".lock") && stderr.contains("another hazardloop service"),
        "stderr: {stderr}"
    );

    term(&first);
    let status = tokio::task::spawn_blocking(move || wait(&mut first, Duration::from_secs(40)))
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));
}
