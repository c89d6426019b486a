//! Two service processes on one PostgreSQL database sweep at the same time: every rung due is
//! fired exactly once. Needs a real server (`HAZARDLOOP_PG_URL`); skipped with a printed reason
//! when it is unset.
//!
//! The binary always uses the store's default schema (`hazardloop`), so each run gets a fresh
//! database of its own (`CREATE DATABASE` through the given server, dropped at the end).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use hazardloop_core::clock::{Clock, SystemClock};
use hazardloop_core::deadline::ClockKind;
use hazardloop_core::engine::{Engine, EngineError, Request};
use hazardloop_core::escalation::RungKey;
use hazardloop_core::model::{Grade, HazardId};
use hazardloop_core::notify::Discard;
use hazardloop_core::policy::Policy;
use hazardloop_core::store::{Store, ORG_DOC};
use hazardloop_core::workflow::{Event, Step};
use hazardloop_postgres::{PgOptions, PgStore};
use hazardloop_testkit::{Fixture, ManualClock};

const BIN: &str = env!("CARGO_BIN_EXE_hazardloop-server");
const HAZARDS: usize = 12;

/// `url` with its database replaced by `db`.
fn with_database(url: &str, db: &str) -> String {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let (head, rest) = url.split_at(scheme_end);
    let (authority, tail) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => match rest.find('?') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        },
    };
    let query = tail.find('?').map_or("", |i| &tail[i..]);
    format!("{head}{authority}/{db}{query}")
}

async fn admin(url: &str, sql: &str) {
    let store = PgStore::new(url, PgOptions::default().pool_size(1)).unwrap();
    let client = store.pool().get().await.unwrap();
    client.batch_execute(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn serve(url: &str, tenant: &str) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args([
            "--db",
            url,
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--sweep-every",
            "1",
            "--tenants",
            tenant,
        ])
        .env("HAZARDLOOP_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert!(line.starts_with("listening on "), "first line {line:?}");
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = out.read_to_string(&mut rest);
    });
    (child, line.trim().to_string())
}

fn stop(mut child: Child) {
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let until = Instant::now() + Duration::from_secs(40);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert_eq!(status.code(), Some(0), "exit {status:?}");
            return;
        }
        if Instant::now() > until {
            let _ = child.kill();
            panic!("no exit within 40 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_fire_every_due_rung_exactly_once() {
    let Ok(url) = std::env::var("HAZARDLOOP_PG_URL") else {
        eprintln!(
            "skipping two_processes_fire_every_due_rung_exactly_once: HAZARDLOOP_PG_URL is not set \
             (e.g. postgres://postgres@127.0.0.1:5432/test)"
        );
        return;
    };
    let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
    let name = format!("hl_srv_{}_{}", std::process::id(), nanos.rem_euclid(1_000_000_000_000));
    admin(&url, &format!("CREATE DATABASE \"{name}\"")).await;
    let db = with_database(&url, &name);

    let out = Command::new(BIN).args(["--db", &db, "migrate"]).output().unwrap();
    assert!(out.status.success(), "migrate: {}", String::from_utf8_lossy(&out.stderr));

    let f = Fixture::school();
    let store = Arc::new(PgStore::new(&db, PgOptions::default().pool_size(2)).unwrap());
    store
        .put_document(&f.tenant, ORG_DOC, &serde_json::to_string(&f.org.to_config()).unwrap())
        .await
        .unwrap();
    // Both processes run (sweeping every second) while the hazards appear, so they race for them.
    let (a, la) = serve(&db, f.tenant.as_str());
    let (b, lb) = serve(&db, f.tenant.as_str());
    eprintln!("{la} and {lb}");

    // Hazards treated 40 days ago, their rectification deadlines long past.
    let clock = Arc::new(ManualClock::new(SystemClock.now() - chrono::Duration::days(40)));
    let engine = Engine::new(store.clone(), Discard, clock.clone(), Policy::default())
        .with_org(f.org.clone());
    let mut ids: Vec<HazardId> = Vec::new();
    for _ in 0..HAZARDS {
        let mut id = None;
        for step in [Step::Discover, Step::Register, Step::Report] {
            // The clocks these steps start are long past too: a service may fire a rung
            // between our read and our write, a conflict, and the step is decided again.
            let mut attempts = 0;
            id = loop {
                match f.drive(&engine, id, step).await {
                    Ok(done) => break Some(done),
                    Err(EngineError::Conflict { .. }) if attempts < 5 => attempts += 1,
                    Err(e) => panic!("{step:?}: {e}"),
                }
            };
        }
        let id = id.unwrap();
        // The two services sweep meanwhile and may record a rung between our read and our
        // write: that is a conflict, and the command is decided again on the new version.
        let mut attempts = 0;
        loop {
            let h = engine.hazard(&f.tenant, id).await.unwrap().hazard;
            let due = h.clocks.get(ClockKind::Rectify).unwrap();
            let actor = f.actor_for(Step::StartTreatment, Some(&h));
            let request = Request::on(id, f.start_treatment(Grade::General, due));
            match engine.execute(&actor, request).await {
                Ok(_) => break,
                Err(EngineError::Conflict { .. }) if attempts < 5 => attempts += 1,
                Err(e) => panic!("start treatment: {e}"),
            }
        }
        ids.push(id);
        clock.advance(chrono::Duration::minutes(7));
    }

    let started = SystemClock.now();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (a, b) = tokio::task::spawn_blocking(move || {
        let ta = std::thread::spawn(move || stop(a));
        let tb = std::thread::spawn(move || stop(b));
        (ta.join(), tb.join())
    })
    .await
    .unwrap();
    a.unwrap();
    b.unwrap();
    let stopped = SystemClock.now();

    let policy = engine.policy();
    let mut due_total = 0;
    for id in &ids {
        let view = engine.hazard(&f.tenant, *id).await.unwrap();
        let mut fired: BTreeMap<RungKey, usize> = BTreeMap::new();
        for r in &view.timeline {
            if let Event::Escalated { escalation, .. } = &r.event {
                *fired.entry(escalation.key).or_default() += 1;
            }
        }
        for (kind, due) in view.hazard.clocks.iter() {
            let ladder = policy.ladders().for_clock(kind, Grade::General).unwrap();
            for (i, rung) in ladder.rungs.iter().enumerate() {
                let key = RungKey { clock: kind, due, rung: u16::try_from(i).unwrap() };
                let at = policy.calendar().add(due, rung.offset);
                let n = fired.get(&key).copied().unwrap_or(0);
                if at <= started {
                    due_total += 1;
                    assert_eq!(n, 1, "hazard {id} rung {key:?} due {at}: fired {n} times");
                } else if at > stopped {
                    assert_eq!(n, 0, "hazard {id} rung {key:?} due {at} fired early");
                } else {
                    assert!(n <= 1, "hazard {id} rung {key:?} fired {n} times");
                }
            }
        }
        assert!(fired.values().all(|n| *n == 1), "hazard {id}: {fired:?}");
        engine.verify(&f.tenant, *id).await.unwrap();
    }
    eprintln!("{due_total} due rungs over {HAZARDS} hazards, each fired once");
    assert!(due_total >= HAZARDS * 5, "the test made rungs due: {due_total}");
    drop(engine);
    drop(store);
    admin(&url, &format!("DROP DATABASE \"{name}\" WITH (FORCE)")).await;
}
