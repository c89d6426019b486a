//! Soak: many hazards through the whole loop on SQLite, by eight concurrent actors that race each
//! other for the same steps, with sweeps and dispatches running beside them; then every count is
//! checked exactly against what was acknowledged.
//!
//! `HAZARDLOOP_SOAK_HAZARDS` sets the number of hazards (default 1,000, seconds in a debug
//! build). For the big run, build in release and run the test binary itself:
//!
//! ```text
//! cargo test --release -p hazardloop-sqlite --test soak --no-run   # prints "Executable …"
//! HAZARDLOOP_SOAK_HAZARDS=100000 /usr/bin/time -v target/release/deps/soak-… --nocapture
//! ```
//!
//! How the actors race: every step after discovery is queued twice, so two actors usually take
//! the same step on the same hazard at the same time. The loser is refused with
//! [`EngineError::Conflict`] (both loaded the same version) or with a wrong-step rule error (it
//! loaded after the winner's commit); it then re-reads the hazard and drops its copy when the step
//! is done, or retries when it is not (a sweep's commit can be what it lost to).
//!
//! Checked at the end, exactly: the events in the store are those of the acknowledged commands
//! plus the sweeps' escalations (counted, and compared hash by hash per hazard); each hazard's
//! version is its event count and its chain verifies; the ledger, paged through, lists every
//! hazard once, archived, with its grade, supervision and reworks; the statistics count what was
//! submitted; the outbox drains. Each sweep prints a progress line (rate since the last one, size
//! of the WAL) to stderr; the summary line (with peak RSS on Linux) goes to stdout.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use hazardloop_core::clock::Clock;
use hazardloop_core::engine::{Engine, EngineError, Outcome, Request};
use hazardloop_core::model::{Grade, HazardId};
use hazardloop_core::notify::Discard;
use hazardloop_core::report::{LedgerFilter, Page, Period};
use hazardloop_core::store::{OutboxStatus, Store};
use hazardloop_core::workflow::{Event, Hazard, StageKind, Step};
use hazardloop_sqlite::SqliteStore;
use hazardloop_testkit::Fixture;

type Soak = Engine<SqliteStore, Discard>;

/// Actors taking steps at the same time.
const ACTORS: usize = 8;
/// Hazards in flight at once: a new one is discovered when one is archived.
const WINDOW: usize = 256;
/// Simulated time per clock read: every command gets an instant of its own.
const TICK_MICROS: i64 = 1_000;
/// Sweeps (each after moving the clock on by `JUMP_HOURS`) over the whole run.
const SWEEPS: usize = 20;
const JUMP_HOURS: i64 = 2;

/// A clock that moves on a little at every read (so no two commands share an instant, and a
/// step read after another's commit is always later) and jumps when the sweeper says.
#[derive(Debug)]
struct SoakClock {
    start: DateTime<Utc>,
    micros: AtomicI64,
}

impl SoakClock {
    fn jump(&self, by: Duration) {
        self.micros.fetch_add(by.num_microseconds().expect("a small jump"), Ordering::SeqCst);
    }
}

impl Clock for SoakClock {
    fn now(&self) -> DateTime<Utc> {
        let t = self.micros.fetch_add(TICK_MICROS, Ordering::SeqCst) + TICK_MICROS;
        self.start + Duration::microseconds(t)
    }
}

/// Hazard `i`'s grade: one in twenty is major.
fn grade(i: usize) -> Grade {
    if i % 20 == 11 {
        Grade::Major
    } else {
        Grade::General
    }
}

/// Half of the major hazards are put under bureau supervision (so the bureau closes them).
fn supervised(i: usize) -> bool {
    i % 40 == 11
}

/// Failed acceptance checks of hazard `i` before it passes: deterministic by index.
fn failures(i: usize) -> usize {
    if i % 10 == 3 {
        1
    } else if i % 25 == 7 {
        2
    } else {
        0
    }
}

/// The steps of hazard `i`, in order: the main path, with supervision and reworks where due.
fn plan(i: usize) -> Vec<Step> {
    let mut steps = vec![Step::Discover, Step::Register, Step::Report];
    if supervised(i) {
        steps.push(Step::Supervise);
    }
    steps.push(Step::StartTreatment);
    for _ in 0..failures(i) {
        steps.extend([Step::Complete, Step::Fail]);
    }
    steps.extend([Step::Complete, Step::Pass, Step::Close, Step::Archive]);
    steps
}

/// How many steps of its plan a hazard has taken, read from its state alone.
fn position(h: &Hazard) -> usize {
    let stage = &h.stage;
    let failed = stage.treatment().map_or(0, |t| t.failed.len());
    1 + usize::from(stage.registration().is_some())
        + usize::from(stage.report().is_some())
        + usize::from(stage.report().is_some_and(|r| r.supervision.is_some()))
        + usize::from(stage.treatment().is_some())
        + 2 * failed
        + usize::from(stage.completion().is_some())
        + usize::from(stage.acceptance().is_some())
        + usize::from(stage.closed().is_some())
        + usize::from(h.kind() == StageKind::Archived)
}

/// What the acknowledged commands of one hazard wrote.
#[derive(Clone, Copy, Debug, Default)]
struct Acked {
    commands: usize,
    events: usize,
    /// XOR of the hashes of the acknowledged events: order-free, and 32 bytes per hazard.
    digest: [u8; 32],
}

impl Acked {
    fn add(&mut self, outcome: &Outcome) {
        self.commands += 1;
        self.events += outcome.events.len();
        for record in outcome.events.iter() {
            xor(&mut self.digest, &record.hash.0);
        }
    }
}

fn xor(into: &mut [u8; 32], hash: &[u8; 32]) {
    for (a, b) in into.iter_mut().zip(hash) {
        *a ^= b;
    }
}

#[derive(Clone, Copy, Debug)]
enum Work {
    /// Take step `step` of hazard `hazard`'s plan.
    Step {
        hazard: usize,
        step: usize,
    },
    Stop,
}

#[derive(Debug, Default)]
struct Counters {
    commands: AtomicUsize,
    attempts: AtomicUsize,
    conflicts: AtomicUsize,
    retried: AtomicUsize,
    refused_after_winner: AtomicUsize,
    skipped: AtomicUsize,
    archived: AtomicUsize,
    sweeps: AtomicUsize,
    fired: AtomicUsize,
    sweep_conflicts: AtomicUsize,
    delivered: AtomicUsize,
}

struct Shared {
    engine: Soak,
    fixture: Fixture,
    clock: Arc<SoakClock>,
    hazards: usize,
    ids: Vec<OnceLock<HazardId>>,
    acked: Vec<Mutex<Acked>>,
    queue: Mutex<VecDeque<Work>>,
    ready: tokio::sync::Notify,
    next: AtomicUsize,
    counters: Counters,
}

impl Shared {
    fn push(&self, work: Work) {
        self.queue.lock().unwrap().push_back(work);
        self.ready.notify_one();
    }

    async fn pop(&self) -> Work {
        loop {
            let notified = self.ready.notified();
            if let Some(work) = self.queue.lock().unwrap().pop_front() {
                return work;
            }
            notified.await;
        }
    }

    fn id(&self, i: usize) -> HazardId {
        *self.ids[i].get().expect("discovered before its next step")
    }

    /// The hazard as a client sees it before acting (`None` before discovery).
    async fn read(&self, i: usize) -> Option<Hazard> {
        let id = *self.ids[i].get()?;
        let snapshot = self.engine.store().snapshot(&self.fixture.tenant, id).await;
        Some(snapshot.expect("snapshot").expect("stored").hazard)
    }

    /// Takes step `k` of hazard `i` unless it is taken already; retries after a lost race.
    async fn take(&self, i: usize, k: usize) {
        let steps = plan(i);
        let step = steps[k];
        let mut lost = false;
        loop {
            let current = self.read(i).await;
            if let Some(h) = &current {
                let done = position(h);
                assert!(done >= k, "hazard {i} is at step {done}, behind queued step {k}");
                if done > k {
                    // The other copy won before this one was read.
                    self.counters.skipped.fetch_add(1, Ordering::Relaxed);
                    return;
                }
            }
            if lost {
                // Lost to a sweep's commit, not to the other copy: take the step again.
                self.counters.retried.fetch_add(1, Ordering::Relaxed);
            }
            let f = &self.fixture;
            let actor = f.actor_for(step, current.as_ref());
            let command = f.command_for(step, grade(i), self.engine.now());
            let target = current.as_ref().map(|h| h.id);
            let request = Request::to(target, command);
            self.counters.attempts.fetch_add(1, Ordering::Relaxed);
            match self.engine.execute(&actor, request).await {
                Ok(outcome) => {
                    self.acked(i, k, steps.len(), &outcome);
                    return;
                }
                Err(EngineError::Conflict { .. }) => {
                    // Lost to the other copy or to a sweep: re-read and decide again.
                    self.counters.conflicts.fetch_add(1, Ordering::Relaxed);
                    lost = true;
                }
                Err(EngineError::Workflow(refusal)) => {
                    let now = self.read(i).await.expect("a refused step has a hazard");
                    assert!(
                        position(&now) > k,
                        "hazard {i} step {k} ({step:?}) refused though not taken: {refusal}"
                    );
                    self.counters.refused_after_winner.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                Err(e) => panic!("hazard {i} step {k} ({step:?}): {e}"),
            }
        }
    }

    /// Records an acknowledged command and queues what follows it.
    fn acked(&self, i: usize, k: usize, len: usize, outcome: &Outcome) {
        self.counters.commands.fetch_add(1, Ordering::Relaxed);
        self.acked[i].lock().unwrap().add(outcome);
        if k == 0 {
            self.ids[i].set(outcome.hazard).expect("one discovery per hazard");
        }
        if k + 1 < len {
            // Twice: two actors race for the same step.
            self.push(Work::Step { hazard: i, step: k + 1 });
            self.push(Work::Step { hazard: i, step: k + 1 });
            return;
        }
        let archived = self.counters.archived.fetch_add(1, Ordering::SeqCst) + 1;
        let next = self.next.fetch_add(1, Ordering::SeqCst);
        if next < self.hazards {
            self.push(Work::Step { hazard: next, step: 0 });
        }
        if archived == self.hazards {
            for _ in 0..ACTORS {
                self.push(Work::Stop);
            }
        }
    }

    async fn actor(&self) {
        loop {
            match self.pop().await {
                Work::Step { hazard, step } => self.take(hazard, step).await,
                Work::Stop => return,
            }
        }
    }

    /// Moves the clock on, sweeps and dispatches `SWEEPS` times over the run, beside the actors.
    async fn sweeper(&self) {
        let every = (self.hazards / (SWEEPS + 1)).max(1);
        let mut mark = every;
        let mut since = (Instant::now(), 0);
        while self.counters.archived.load(Ordering::SeqCst) < self.hazards {
            if self.counters.archived.load(Ordering::SeqCst) < mark {
                tokio::time::sleep(StdDuration::from_millis(2)).await;
                continue;
            }
            mark = self.counters.archived.load(Ordering::SeqCst) + every;
            self.clock.jump(Duration::hours(JUMP_HOURS));
            let swept = self.engine.sweep().await.expect("sweep");
            let dispatched = self.engine.dispatch().await.expect("dispatch");
            let c = &self.counters;
            c.sweeps.fetch_add(1, Ordering::Relaxed);
            c.fired.fetch_add(swept.fired, Ordering::Relaxed);
            c.sweep_conflicts.fetch_add(swept.conflicts, Ordering::Relaxed);
            c.delivered.fetch_add(dispatched.delivered, Ordering::Relaxed);
            // Progress, for long runs: the rate since the last sweep shows any slowdown as the
            // store grows, and the WAL's size whether checkpoints keep up.
            let commands = c.commands.load(Ordering::Relaxed);
            let rate = (commands - since.1) as f64 / since.0.elapsed().as_secs_f64();
            since = (Instant::now(), commands);
            let wal = self.engine.store().path().with_extension("db-wal");
            let wal_mib = std::fs::metadata(wal).map_or(0.0, |m| m.len() as f64 / 1048576.0);
            eprintln!(
                "soak progress: archived={} commands={commands} commands_per_s={rate:.0} \
                 fired={} wal={wal_mib:.0} MiB",
                c.archived.load(Ordering::Relaxed),
                swept.fired,
            );
        }
    }
}

fn hazards_from_env() -> usize {
    match std::env::var("HAZARDLOOP_SOAK_HAZARDS") {
        Ok(n) => n.trim().replace('_', "").parse().expect("HAZARDLOOP_SOAK_HAZARDS is a number"),
        Err(_) => 1_000,
    }
}

/// Peak resident memory of this process (`VmHWM`), in KiB.
#[cfg(target_os = "linux")]
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(not(target_os = "linux"))]
fn peak_rss_kib() -> Option<u64> {
    None
}

/// What the stored hazard holds, for the ledger check.
#[derive(Clone, Copy, Debug, Default)]
struct Stored {
    version: u64,
    escalations: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn soak_every_acknowledged_command_is_in_the_store_ledger_and_statistics() {
    let n = hazards_from_env();
    assert!(n > 0, "HAZARDLOOP_SOAK_HAZARDS must be at least 1");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("soak.db");
    let store = SqliteStore::open(&path).unwrap();
    store.migrate().unwrap();
    let fixture = Fixture::school();
    let clock = Arc::new(SoakClock { start: fixture.start, micros: AtomicI64::new(0) });
    let engine = Engine::new(store, Discard, clock.clone(), fixture.policy.clone())
        .with_org(fixture.org.clone());
    let shared = Arc::new(Shared {
        engine,
        fixture: fixture.clone(),
        clock,
        hazards: n,
        ids: (0..n).map(|_| OnceLock::new()).collect(),
        acked: (0..n).map(|_| Mutex::new(Acked::default())).collect(),
        queue: Mutex::new(VecDeque::new()),
        ready: tokio::sync::Notify::new(),
        next: AtomicUsize::new(WINDOW.min(n)),
        counters: Counters::default(),
    });

    // The run.
    let started = Instant::now();
    for i in 0..WINDOW.min(n) {
        shared.push(Work::Step { hazard: i, step: 0 });
    }
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..ACTORS {
        let s = shared.clone();
        tasks.spawn(async move { s.actor().await });
    }
    let s = shared.clone();
    tasks.spawn(async move { s.sweeper().await });
    while let Some(done) = tasks.join_next().await {
        done.expect("an actor or the sweeper panicked");
    }
    let elapsed = started.elapsed();
    let engine = &shared.engine;
    let tenant = &fixture.tenant;
    let c = &shared.counters;
    let commands = c.commands.load(Ordering::SeqCst);
    let fired = c.fired.load(Ordering::SeqCst);
    let expected_commands: usize = (0..n).map(|i| plan(i).len()).sum();
    assert_eq!(commands, expected_commands, "every planned step acknowledged exactly once");
    assert!(c.conflicts.load(Ordering::SeqCst) > 0 || n < 10, "the actors never raced");

    // Every hazard: its chain verifies, its version is its event count, and its events are
    // exactly the acknowledged ones plus the sweeps' escalations.
    let checked = Arc::new(Mutex::new(vec![Stored::default(); n]));
    let mut checks = tokio::task::JoinSet::new();
    for part in 0..ACTORS {
        let (s, checked) = (shared.clone(), checked.clone());
        checks.spawn(async move {
            let mut escalated = 0;
            for i in (part..s.hazards).step_by(ACTORS) {
                let id = s.id(i);
                s.engine.verify(&s.fixture.tenant, id).await.expect("the chain verifies");
                let record = s.engine.store().load(&s.fixture.tenant, id).await.unwrap().unwrap();
                assert_eq!(record.version, record.events.len() as u64, "hazard {i}: version");
                let mut ours = Acked::default();
                let mut escalations = 0;
                for r in &record.events {
                    if matches!(r.event, Event::Escalated { .. }) {
                        escalations += 1;
                    } else {
                        ours.events += 1;
                        xor(&mut ours.digest, &r.hash.0);
                    }
                }
                let acked = *s.acked[i].lock().unwrap();
                assert_eq!(acked.commands, plan(i).len(), "hazard {i}: commands");
                assert_eq!(ours.events, acked.events, "hazard {i}: events beside escalations");
                assert_eq!(ours.digest, acked.digest, "hazard {i}: the acknowledged events");
                escalated += escalations;
                checked.lock().unwrap()[i] = Stored { version: record.version, escalations };
            }
            escalated
        });
    }
    let mut escalated = 0;
    while let Some(part) = checks.join_next().await {
        escalated += part.expect("a check panicked");
    }
    assert_eq!(escalated, fired, "the stored escalations are the ones the sweeps reported");
    let acked_events: usize = shared.acked.iter().map(|a| a.lock().unwrap().events).sum();
    let conn = rusqlite::Connection::open_with_flags(
        &path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .unwrap();
    let stored_events: i64 =
        conn.query_row("SELECT count(*) FROM hazardloop_events", [], |r| r.get(0)).unwrap();
    let stored_hazards: i64 =
        conn.query_row("SELECT count(*) FROM hazardloop_hazards", [], |r| r.get(0)).unwrap();
    assert_eq!(stored_events as usize, acked_events + fired, "events in the store");
    assert_eq!(stored_hazards as usize, n, "hazards in the store");

    // The ledger, paged through: every hazard once, archived, with the fields it was given.
    let index: HashMap<HazardId, usize> = (0..n).map(|i| (shared.id(i), i)).collect();
    let stored = checked.lock().unwrap().clone();
    let mut seen = vec![false; n];
    let limit = engine.policy().limits().page_size;
    let mut offset = 0;
    let mut escalations_in_ledger = 0;
    let f = &fixture;
    loop {
        let page = engine.ledger(tenant, &LedgerFilter::default(), Page::new(offset, limit)).await;
        let page = page.expect("a ledger page");
        assert_eq!(page.total, n, "ledger total");
        for row in &page.rows {
            let i = *index.get(&row.id).expect("a ledger row of a submitted hazard");
            assert!(!seen[i], "hazard {i} listed twice");
            seen[i] = true;
            assert_eq!(row.stage, StageKind::Archived, "hazard {i}: stage");
            assert_eq!(row.version, stored[i].version, "hazard {i}: ledger version");
            assert_eq!(row.grade, Some(grade(i)), "hazard {i}: grade");
            assert_eq!(row.supervised, supervised(i), "hazard {i}: supervised");
            assert_eq!(row.reworks, failures(i), "hazard {i}: reworks");
            assert_eq!(row.failed_at.len(), failures(i), "hazard {i}: failed checks");
            assert_eq!(row.accepted_by.as_ref(), Some(&f.people.inspector), "hazard {i}");
            assert_eq!(row.assignee.as_ref(), Some(&f.people.worker), "hazard {i}: assignee");
            assert_eq!(row.discovered_by, f.people.inspector, "hazard {i}: discovered by");
            assert!(row.archived_at.is_some() && row.closed_at.is_some(), "hazard {i}: dates");
            assert!(row.dismissed_at.is_none() && !row.overdue, "hazard {i}: {row:?}");
            assert_eq!(row.escalations.len(), stored[i].escalations, "hazard {i}: escalations");
            escalations_in_ledger += row.escalations.len();
        }
        offset += page.rows.len();
        if page.rows.len() < limit {
            break;
        }
    }
    assert_eq!(offset, n, "ledger rows paged through");
    assert!(seen.iter().all(|s| *s), "every hazard is in the ledger");
    assert_eq!(escalations_in_ledger, fired, "escalations in the ledger");

    // The statistics of the whole run: exactly what was submitted.
    let first = f.start.with_timezone(&engine.policy().calendar().time_zone()).date_naive();
    let last = first + chrono::Days::new(60);
    let table = engine.statistics(tenant, &Period::custom(first, last).unwrap()).await.unwrap();
    let total = &table.total;
    let majors = (0..n).filter(|&i| grade(i) == Grade::Major).count();
    let reworks: usize = (0..n).map(failures).sum();
    assert_eq!(total.discovered, n, "statistics: discovered");
    assert_eq!(total.registered, n, "statistics: registered");
    assert_eq!(total.major, majors, "statistics: major");
    assert_eq!(total.discovered_rectified, n, "statistics: found and rectified");
    assert_eq!(total.rectified, n, "statistics: rectified");
    assert_eq!(total.rectified_on_time, n, "statistics: on time (plans are due in 30 h)");
    assert_eq!((total.open, total.overdue), (0, 0), "statistics: nothing left open");
    assert_eq!(total.discovered_dismissed, 0, "statistics: dismissed");
    assert_eq!(total.reworks, reworks, "statistics: reworks");
    assert_eq!(total.extensions, 0, "statistics: extensions");
    assert_eq!(total.escalations.values().sum::<usize>(), fired, "statistics: escalations");
    assert_eq!(total.rectification_rate, Some(1.0), "statistics: rectification rate");
    let school = table.unit(&f.school).expect("the school's line");
    assert_eq!(school.total.discovered, n, "statistics: the school's subtree");

    // The outbox drains: nothing acknowledged is left undelivered.
    let last_dispatch = engine.dispatch().await.unwrap();
    let pending = engine.store().outbox(tenant, OutboxStatus::Pending).await.unwrap();
    assert!(pending.is_empty(), "{} messages still pending", pending.len());
    let delivered = c.delivered.load(Ordering::SeqCst) + last_dispatch.delivered;

    let wal = std::fs::metadata(path.with_extension("db-wal")).map_or(0, |m| m.len());
    let secs = elapsed.as_secs_f64();
    let rss =
        peak_rss_kib().map_or_else(|| "n/a".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
    println!(
        "soak: hazards={n} commands={commands} attempts={} conflicts={} \
         retried={} refused_after_winner={} skipped_after_reread={} sweeps={} escalations={fired} \
         sweep_conflicts={} delivered={delivered} events={stored_events} elapsed={secs:.1}s \
         commands_per_s={:.0} peak_rss={rss} wal={:.0} MiB",
        c.attempts.load(Ordering::SeqCst),
        c.conflicts.load(Ordering::SeqCst),
        c.retried.load(Ordering::SeqCst),
        c.refused_after_winner.load(Ordering::SeqCst),
        c.skipped.load(Ordering::SeqCst),
        c.sweeps.load(Ordering::SeqCst),
        c.sweep_conflicts.load(Ordering::SeqCst),
        commands as f64 / secs,
        wal as f64 / 1048576.0,
    );
}
