//! Crash safety: a child process (this test binary, re-executed) runs an engine on one SQLite file
//! and prints every acknowledged command; it is killed with SIGKILL at random moments, 20 times.
//! After each kill: every acknowledged command is there, every chain verifies, a re-sweep fires
//! nothing twice, and the outbox loses nothing. Default durability (`synchronous = NORMAL`): a
//! killed process is not a power loss, so nothing acknowledged may be lost.
//!
//! The second scenario ([`inspections`]) kills a child completing inspection occurrences, each
//! completion carrying the new hazards of its findings: each lands whole or not at all.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "crash/inspections.rs"]
mod inspections;
#[path = "support/inspection.rs"]
mod support;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use hazardloop_core::deadline::ClockKind;
use hazardloop_core::engine::{Engine, EngineError, Request};
use hazardloop_core::escalation::RungKey;
use hazardloop_core::model::{Grade, HazardId};
use hazardloop_core::store::{LedgerQuery, OutboxStatus, Store};
use hazardloop_core::workflow::{Event, StageKind, Step};
use hazardloop_sqlite::SqliteStore;
use hazardloop_testkit::{Fixture, ManualClock, RecordingNotifier};

const CHILD_DB: &str = "HAZARDLOOP_SQLITE_CRASH_DB";
const CHILD_START: &str = "HAZARDLOOP_SQLITE_CRASH_START";
const CHILD_SEED: &str = "HAZARDLOOP_SQLITE_CRASH_SEED";
const KILLS: usize = 20;

/// A small deterministic PRNG (xorshift), so a failing round can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn engine(path: &Path, clock: &ManualClock) -> Engine<SqliteStore, RecordingNotifier> {
    let f = Fixture::school();
    let store = SqliteStore::open(path).unwrap();
    store.migrate().unwrap();
    Engine::new(store, RecordingNotifier::new(), Arc::new(clock.clone()), f.policy.clone())
        .with_org(f.org.clone())
}

fn open_query() -> LedgerQuery {
    LedgerQuery { limit: 0, ..LedgerQuery::default() }
}

/// The child: runs commands, sweeps and dispatches in a loop until it is killed, printing
/// `TICK <clock nanos>` as each iteration starts and `ACK <hazard> <version> <clock nanos>` after
/// each acknowledged command.
#[test]
fn crash_child() {
    let Ok(path) = std::env::var(CHILD_DB) else { return };
    let start: i64 = std::env::var(CHILD_START).unwrap().parse().unwrap();
    let seed: u64 = std::env::var(CHILD_SEED).unwrap().parse().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(child(Path::new(&path), DateTime::from_timestamp_nanos(start), seed));
}

async fn child(path: &Path, start: DateTime<Utc>, seed: u64) {
    let f = Fixture::school();
    let clock = ManualClock::new(start);
    let e = engine(path, &clock);
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    // Resume the open hazards left by earlier runs.
    let page = e.store().ledger(&f.tenant, &open_query()).await.unwrap();
    let mut open: Vec<HazardId> =
        page.rows.iter().filter(|r| r.stage.is_open()).map(|r| r.id).collect();
    let mut out = std::io::stdout();
    for i in 0u64.. {
        let now = clock.advance(Duration::minutes(20));
        let stamp = now.timestamp_nanos_opt().unwrap();
        // The clock before any work: a sweep or dispatch (leasing messages until `now` + the
        // lease) or a refused command prints no ACK, and the check must come after them all.
        writeln!(out, "TICK {stamp}").unwrap();
        out.flush().unwrap();
        if i % 5 == 4 {
            e.sweep().await.unwrap();
            continue;
        }
        if i % 7 == 6 {
            e.dispatch().await.unwrap();
            continue;
        }
        let (target, step) = if open.len() < 12 || rng.below(4) == 0 {
            (None, Step::Discover)
        } else {
            let id = open[rng.below(open.len() as u64) as usize];
            let stage = e.hazard(&f.tenant, id).await.unwrap().hazard.kind();
            let step = match stage {
                StageKind::Discovered => Step::Register,
                StageKind::Registered => Step::Report,
                StageKind::Reported => Step::StartTreatment,
                StageKind::Treating if rng.below(6) == 0 => Step::Complete,
                StageKind::Treated => Step::Pass,
                StageKind::Accepted => Step::Close,
                _ => Step::Comment,
            };
            (Some(id), step)
        };
        let hazard = match target {
            Some(id) => Some(e.hazard(&f.tenant, id).await.unwrap().hazard),
            None => None,
        };
        let actor = f.actor_for(step, hazard.as_ref());
        let command = match (step, hazard.as_ref().and_then(|h| h.clocks.get(ClockKind::Rectify))) {
            // The plan is due when the registration said.
            (Step::StartTreatment, Some(due)) => f.start_treatment(Grade::General, due),
            _ => f.command_for(step, Grade::General, now),
        };
        let done = e.execute(&actor, Request::to(target, command));
        let outcome = match done.await {
            Ok(outcome) => outcome,
            Err(EngineError::Store(err)) => panic!("{step:?}: the store failed: {err}"),
            // A rule refused the step (a late plan, say): not the store's business.
            Err(_) => continue,
        };
        if target.is_none() {
            open.push(outcome.hazard);
        }
        if step == Step::Close {
            open.retain(|h| *h != outcome.hazard);
        }
        writeln!(out, "ACK {} {} {stamp}", outcome.hazard, outcome.version).unwrap();
        out.flush().unwrap();
    }
}

/// What one child run acknowledged.
#[derive(Default)]
struct Acks {
    versions: HashMap<HazardId, u64>,
    /// The child's clock at the last iteration it started (at or after its last ACK).
    clock: Option<DateTime<Utc>>,
    count: usize,
}

fn run_child(path: &Path, start: DateTime<Utc>, round: usize, rng: &mut Rng) -> Acks {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_DB, path)
        .env(CHILD_START, start.timestamp_nanos_opt().unwrap().to_string())
        .env(CHILD_SEED, (round + 1).to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    // Wait for the first acknowledgement (the child is up), then kill at a random moment.
    let deadline = Instant::now() + StdDuration::from_secs(60);
    while !lines.iter().any(|l: &String| l.starts_with("ACK ")) {
        assert!(Instant::now() < deadline, "the child acknowledged nothing in 60 s");
        if let Ok(line) = rx.recv_timeout(StdDuration::from_millis(100)) {
            lines.push(line);
        }
    }
    std::thread::sleep(StdDuration::from_millis(50 + rng.below(600)));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    reader.join().unwrap();
    lines.extend(rx.try_iter());
    let clock = lines
        .iter()
        .filter_map(|l| l.strip_prefix("TICK "))
        .map(|t| DateTime::from_timestamp_nanos(t.parse().unwrap()))
        .max();
    let mut acks = Acks { clock, ..Acks::default() };
    for line in lines.iter().filter_map(|l| l.strip_prefix("ACK ")) {
        let parts: Vec<&str> = line.split(' ').collect();
        let (id, version): (HazardId, u64) = (parts[0].parse().unwrap(), parts[1].parse().unwrap());
        let v = acks.versions.entry(id).or_default();
        *v = (*v).max(version);
        acks.count += 1;
    }
    acks
}

#[test]
fn sigkill_at_random_moments_loses_nothing_acknowledged() {
    if std::env::var(CHILD_DB).is_ok() {
        return; // inside a child
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    let f = Fixture::school();
    let mut rng = Rng(0x5EED_CAFE);
    let mut start = f.start;
    let mut acked: HashMap<HazardId, u64> = HashMap::new();
    let (mut total_acks, mut escalations, mut delivered) = (0, 0, 0);
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    for round in 0..KILLS {
        let acks = run_child(&path, start, round, &mut rng);
        total_acks += acks.count;
        for (id, v) in acks.versions {
            let e = acked.entry(id).or_default();
            *e = (*e).max(v);
        }
        // Check at a time past the child's clock and its outbox leases (5 minutes), not only
        // past its last acknowledgement: sweeps, dispatches and refused commands follow it.
        let at = acks.clock.unwrap_or(start) + Duration::hours(1);
        let (fired, sent) = rt.block_on(check(&path, &acked, at, round));
        escalations = fired; // every rung in the file so far
        delivered += sent;
        start = at + Duration::minutes(1);
    }
    println!(
        "crash test: {KILLS} kills, {total_acks} acknowledged commands on {} hazards, \
         {escalations} rungs fired in all, {delivered} messages delivered after restarts",
        acked.len()
    );
    assert!(escalations > 0, "the run exercised escalation");
}

/// After a kill: acknowledged commands are there, chains verify, no rung fired twice, a second
/// sweep fires nothing, and dispatch leaves no message pending. Returns (rungs fired in total,
/// messages delivered now).
async fn check(
    path: &Path,
    acked: &HashMap<HazardId, u64>,
    at: DateTime<Utc>,
    round: usize,
) -> (usize, usize) {
    let f = Fixture::school();
    let clock = ManualClock::new(at);
    let e = engine(path, &clock);
    for (id, version) in acked {
        let snapshot = e.store().snapshot(&f.tenant, *id).await.unwrap();
        let stored = snapshot.map(|s| s.hazard.version);
        assert!(
            stored.is_some_and(|v| v >= *version),
            "round {round}: hazard {id} acknowledged at version {version}, stored {stored:?}"
        );
    }
    e.sweep().await.unwrap();
    let second = e.sweep().await.unwrap();
    assert_eq!(second.fired, 0, "round {round}: a second sweep at the same instant fires nothing");
    let rows = e.store().ledger(&f.tenant, &open_query()).await.unwrap().rows;
    let mut fired = 0;
    for row in &rows {
        e.verify(&f.tenant, row.id)
            .await
            .unwrap_or_else(|err| panic!("round {round}: chain of {}: {err}", row.id));
        let history = e.store().load(&f.tenant, row.id).await.unwrap().unwrap();
        let mut keys: BTreeMap<RungKey, usize> = BTreeMap::new();
        for r in &history.events {
            if let Event::Escalated { escalation, .. } = &r.event {
                *keys.entry(escalation.key).or_default() += 1;
            }
        }
        assert!(
            keys.values().all(|n| *n == 1),
            "round {round}: a rung fired twice on {}: {keys:?}",
            row.id
        );
        fired += keys.len();
    }
    let report = e.dispatch().await.unwrap();
    let pending = e.store().outbox(&f.tenant, OutboxStatus::Pending).await.unwrap();
    let stuck: Vec<_> = pending.iter().filter(|m| m.available_at <= at).collect();
    assert!(stuck.is_empty(), "round {round}: {} messages left undelivered", stuck.len());
    (fired, report.delivered)
}
