//! Sweep databases: `total` open hazards of which `due` have a rung due at the sweep instant.
//! Built once through the store's own commit (valid rows: real states, ledger rows, chained
//! events, due clocks), many commits in flight so group commit packs them into big transactions,
//! then cached under the target dir and reused. Before each measured sweep, `restore` puts the
//! due hazards back as they were (the sweep appends to them), with plain SQL.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use hazardloop_core::chain::{ChainHash, Recorded};
use hazardloop_core::engine::{Engine, Request};
use hazardloop_core::model::HazardId;
use hazardloop_core::notify::Discard;
use hazardloop_core::report::LedgerRow;
use hazardloop_core::store::{Commit, LedgerQuery, MemoryStore, Store};
use hazardloop_core::workflow::Hazard;
use hazardloop_sqlite::{SqliteOptions, SqliteStore};
use hazardloop_testkit::{Fixture, ManualClock};

/// A hazard to copy: its state, events and next rung.
pub(crate) struct Template {
    state: Hazard,
    events: std::sync::Arc<[Recorded]>,
    next_due: Option<DateTime<Utc>>,
}

/// The instant the due hazards are discovered; they are swept two days later.
pub(crate) fn discovered(f: &Fixture) -> DateTime<Utc> {
    f.start
}

/// When the measured sweeps run: every due hazard's registration is overdue by then.
pub(crate) fn sweep_at(f: &Fixture) -> DateTime<Utc> {
    f.start + Duration::days(2)
}

/// A hazard discovered at `at` through the engine on the in-memory store.
pub(crate) fn template(f: &Fixture, at: DateTime<Utc>) -> Template {
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let clock = ManualClock::new(at);
    let e = Engine::new(MemoryStore::new(), Discard, Arc::new(clock), f.policy.clone())
        .with_org(f.org.clone());
    rt.block_on(async {
        let out = e.execute(&f.inspector(), Request::new(f.discover())).await.expect("discover");
        let snapshot =
            e.store().snapshot(&f.tenant, out.hazard).await.expect("read").expect("some");
        let due = e.store().due(at + Duration::days(3650), None, 1).await.expect("due");
        Template { state: snapshot.hazard, events: out.events, next_due: due.first().map(|d| d.at) }
    })
}

/// A copy of the template as a new hazard, its events chained afresh.
pub(crate) fn copy(f: &Fixture, t: &Template, id: HazardId, at: DateTime<Utc>) -> Commit {
    let mut state = t.state.clone();
    state.id = id;
    // The template's number is its own (hazard numbers are unique in a tenant); copies have none.
    state.number = None;
    let mut prev = ChainHash::default();
    let events = t
        .events
        .iter()
        .map(|r| {
            let record =
                Recorded::new(f.tenant.clone(), id, r.seq, r.recorded_at, r.event.clone(), prev);
            prev = record.hash;
            record
        })
        .collect();
    Commit {
        tenant: f.tenant.clone(),
        hazard: id,
        expected_version: 0,
        events,
        ledger: LedgerRow::from_hazard(&state, at).into(),
        state,
        next_due: t.next_due,
        outbox: Vec::new(),
        idempotency: None,
        numbering: None,
    }
}

/// The cached database with `total` hazards of which `due` are due at [`sweep_at`].
pub(crate) fn database(total: usize, due: usize) -> PathBuf {
    let dir = super::ratio::target_dir().join("bench-data");
    std::fs::create_dir_all(&dir).expect("bench-data dir");
    let path = dir.join(format!("sweep-v4-{total}-{due}.db"));
    if path.exists() {
        return path;
    }
    let building = dir.join(format!("sweep-v4-{total}-{due}.building.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", building.display()));
    }
    let started = std::time::Instant::now();
    build(&building, total, due);
    std::fs::rename(&building, &path).expect("rename");
    println!("built {} in {:.0} s", path.display(), started.elapsed().as_secs_f64());
    path
}

fn build(path: &Path, total: usize, due: usize) {
    let f = Fixture::school();
    let soon = template(&f, discovered(&f));
    // The others are found later: their clocks are far from due at the sweep.
    let later_at = discovered(&f) + Duration::days(60);
    let later = template(&f, later_at);
    assert!(soon.next_due.is_some_and(|d| d <= sweep_at(&f)), "the due template is due");
    let every = (total / due).max(1);
    let store = fill(path, &f, total, |i| {
        let (t, at) = if i % every == 0 && i / every < due {
            (&soon, discovered(&f))
        } else {
            (&later, later_at)
        };
        copy(&f, t, HazardId::new_at(at), at)
    });
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("rt");
    rt.block_on(async {
        let n = store.due(sweep_at(&f), None, usize::MAX).await.expect("due").len();
        assert_eq!(n, due, "due hazards");
    });
    drop(store);
    // Keep the due hazards' rows as built, for `restore`.
    let conn = rusqlite::Connection::open(path).expect("open");
    let at = sweep_at(&f).timestamp_nanos_opt().expect("nanos");
    conn.execute_batch(&format!(
        "CREATE TABLE bench_saved_hazards AS SELECT * FROM hazardloop_hazards WHERE due_at <= {at};
         PRAGMA wal_checkpoint(TRUNCATE);"
    ))
    .expect("save the due rows");
}

/// Opens a new store at `path` and commits `make(i)` for every `i < total`, 4096 at a time from
/// two worker threads, then checks the ledger holds them all.
pub(crate) fn fill(
    path: &Path,
    f: &Fixture,
    total: usize,
    make: impl Fn(usize) -> Commit,
) -> Arc<SqliteStore> {
    let options = SqliteOptions::default().max_batch(1024);
    let store = Arc::new(SqliteStore::open_with(path, options).expect("open"));
    store.migrate().expect("migrate");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().expect("rt");
    rt.block_on(async {
        let chunk = 4096;
        let mut made = 0;
        while made < total {
            let mut tasks = tokio::task::JoinSet::new();
            for i in made..(made + chunk).min(total) {
                let commit = make(i);
                let store = store.clone();
                tasks.spawn(async move { store.commit(commit).await });
            }
            while let Some(r) = tasks.join_next().await {
                r.expect("task").expect("commit");
            }
            made = (made + chunk).min(total);
        }
        let q = LedgerQuery { limit: 1, ..LedgerQuery::default() };
        assert_eq!(store.ledger(&f.tenant, &q).await.expect("ledger").total, total);
    });
    store
}

/// Puts the due hazards back as built: no escalation events, no outbox, the original clocks.
pub(crate) fn restore(path: &Path) {
    let conn = rusqlite::Connection::open(path).expect("open");
    conn.execute_batch(
        "BEGIN;
         DELETE FROM hazardloop_outbox;
         DELETE FROM hazardloop_events WHERE (tenant, hazard, seq) IN (
             SELECT e.tenant, e.hazard, e.seq FROM bench_saved_hazards s JOIN hazardloop_events e
             ON e.tenant = s.tenant AND e.hazard = s.hazard AND e.seq > s.version);
         DELETE FROM hazardloop_hazards
             WHERE (tenant, hazard) IN (SELECT tenant, hazard FROM bench_saved_hazards);
         INSERT INTO hazardloop_hazards SELECT * FROM bench_saved_hazards;
         COMMIT;
         PRAGMA wal_checkpoint(TRUNCATE);",
    )
    .expect("restore");
}
