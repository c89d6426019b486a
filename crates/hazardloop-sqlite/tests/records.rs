//! The SQLite store's records (incidents, report duties): the record conformance suite, and
//! what only this store can get wrong (a reopened file, two stores on one file, the indexes).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::{Arc, Barrier};

use chrono::Duration;
use hazardloop_core::duty::{
    self, Incident, IncidentClock, IncidentEvent, RecordKind, RecordQuery, RecordRef,
};
use hazardloop_core::store::{OutboxStatus, RecordStore, Store, StoreError};
use hazardloop_core::workflow::StageKind;
use hazardloop_sqlite::{SqliteOptions, SqliteStore, Synchronous, MIGRATIONS};
use hazardloop_testkit::conformance::{sample, sample_message};
use hazardloop_testkit::record_conformance::{create_commit, event_commit, opened};
use hazardloop_testkit::{record_conformance, Fixture};

fn open(path: &Path) -> SqliteStore {
    let store = SqliteStore::open(path).unwrap();
    store.migrate().unwrap();
    store
}

#[tokio::test]
async fn sqlite_store_passes_the_record_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("records.db"));
    record_conformance(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_suite_passes_with_every_write_on_the_writer_thread() {
    let dir = tempfile::tempdir().unwrap();
    let options =
        SqliteOptions::default().commit_on_caller(false).readers(1).synchronous(Synchronous::Full);
    let store = SqliteStore::open_with(dir.path().join("thread.db"), options).unwrap();
    store.migrate().unwrap();
    record_conformance(&store).await;
}

/// A record's state, events, row, due time and messages are all on disk: a reopened file (no
/// migrate needed) reads them back exactly, and takes the next commit.
#[tokio::test]
async fn records_survive_closing_and_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reopen.db");
    let f = Fixture::school();
    let first = opened(&f.school, &f.people.officer, f.start);
    let due = f.start + Duration::minutes(20);
    let created = create_commit(&f.tenant, "i-1", &first, Some(due));
    let id = created.id.clone();
    let incident: Incident = serde_json::from_value(created.state.clone()).unwrap();
    let report = IncidentEvent::Escalated { clock: IncidentClock::Phone, rung: 1, at: f.start };
    let later = f.start + Duration::minutes(50);
    let mut next = event_commit(&incident, created.events[0].hash, &[report], f.start, Some(later));
    let (h, _) = sample(&f, StageKind::Registered);
    next.outbox.push(sample_message(&f.tenant, &h, "incident:i-1", f.start));

    let store = open(&path);
    assert_eq!(store.create_records(vec![created.clone()]).await.unwrap(), 1);
    store.commit_record(next.clone()).await.unwrap();
    drop(store);

    let again = SqliteStore::open(&path).unwrap();
    let stored = again.record(&f.tenant, RecordKind::Incident, &id).await.unwrap().unwrap();
    assert_eq!((stored.version, stored.head), (2, next.events[0].hash));
    assert_eq!(stored.state, next.state);
    let events = again.record_events(&f.tenant, RecordKind::Incident, &id).await.unwrap();
    let expected: Vec<_> = created.events.iter().chain(&next.events).cloned().collect();
    assert_eq!(events, expected);
    let r = RecordRef { kind: RecordKind::Incident, id: id.clone() };
    assert_eq!(duty::verify(&f.tenant, &r, &events), Ok(()));
    let rows =
        again.records(&f.tenant, RecordKind::Incident, &RecordQuery::default()).await.unwrap();
    assert_eq!(rows, vec![next.row.clone()]);
    let dues = again.records_due(f.start + Duration::days(1), None, 10).await.unwrap();
    assert_eq!(dues, vec![next.due().unwrap()]);
    assert!(again.records_due(later - Duration::seconds(1), None, 10).await.unwrap().is_empty());
    let pending = again.outbox(&f.tenant, OutboxStatus::Pending).await.unwrap();
    assert_eq!(pending, next.outbox);
    // And it moves on from there.
    let stored_incident: Incident = serde_json::from_value(stored.state).unwrap();
    let close = IncidentEvent::Escalated { clock: IncidentClock::Written, rung: 1, at: later };
    let third = event_commit(&stored_incident, stored.head, &[close], later, None);
    again.commit_record(third).await.unwrap();
    assert!(again.records_due(f.start + Duration::days(1), None, 10).await.unwrap().is_empty());
}

/// Two stores (two writers) on one file commit the same record at the same version, on two
/// threads at once, many times over: exactly one wins each time, the other is a conflict
/// naming the version it found.
#[test]
fn two_stores_racing_on_one_file_exactly_one_wins() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.db");
    let stores = [Arc::new(open(&path)), Arc::new(SqliteStore::open(&path).unwrap())];
    let f = Fixture::school();
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    for round in 0..20 {
        let first = opened(&f.school, &f.people.officer, f.start);
        let created = create_commit(&f.tenant, &format!("race-{round}"), &first, None);
        rt.block_on(stores[round % 2].commit_record(created.clone())).unwrap();
        let incident: Incident = serde_json::from_value(created.state.clone()).unwrap();
        let head = created.events[0].hash;
        let commits = [IncidentClock::Phone, IncidentClock::Written].map(|clock| {
            let e = IncidentEvent::Escalated { clock, rung: 0, at: f.start };
            event_commit(&incident, head, &[e], f.start, None)
        });
        let barrier = Arc::new(Barrier::new(2));
        let results: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = stores
                .iter()
                .zip(commits.clone())
                .map(|(store, commit)| {
                    let (store, barrier) = (store.clone(), barrier.clone());
                    s.spawn(move || {
                        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
                        barrier.wait();
                        rt.block_on(store.commit_record(commit))
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let wins = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1, "round {round}: exactly one wins: {results:?}");
        let lost = results.iter().find(|r| r.is_err()).unwrap();
        assert_eq!(lost, &Err(StoreError::Conflict { expected: 1, actual: 2 }), "round {round}");
        let winner = if results[0].is_ok() { &commits[0] } else { &commits[1] };
        for store in &stores {
            let events = rt
                .block_on(store.record_events(&f.tenant, RecordKind::Incident, &created.id))
                .unwrap();
            assert_eq!(events.len(), 2);
            assert_eq!(events[1], winner.events[0], "the winner's event is stored");
            let stored =
                rt.block_on(store.record(&f.tenant, RecordKind::Incident, &created.id)).unwrap();
            assert_eq!(stored.map(|s| (s.version, s.state)), Some((2, winner.state.clone())));
        }
    }
}

/// A schema-5 file (before records) asks for `migrate()` on record operations, then upgrades
/// and takes records.
#[tokio::test]
async fn a_schema_5_file_upgrades_to_take_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    for (n, sql) in MIGRATIONS.iter().filter(|(n, _)| *n <= 5) {
        conn.execute_batch(sql).unwrap();
        conn.execute("INSERT INTO hazardloop_schema (version) VALUES (?1)", [n]).unwrap();
    }
    drop(conn);
    let f = Fixture::school();
    let c = create_commit(&f.tenant, "i-1", &opened(&f.school, &f.people.officer, f.start), None);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.record(&f.tenant, RecordKind::Incident, &c.id).await.unwrap_err(),
        StoreError::Schema("run migrate()".into())
    );
    store.migrate().unwrap();
    store.commit_record(c.clone()).await.unwrap();
    let stored = store.record(&f.tenant, RecordKind::Incident, &c.id).await.unwrap().unwrap();
    assert_eq!(stored.version, 1);
}

/// Schema 6: a listing walks the (tenant, kind, at, id) index in order (no sort), and the
/// sweep's scan reads the partial due index alone.
#[test]
fn record_listings_and_the_sweep_scan_use_their_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.db");
    drop(open(&path));
    let conn = rusqlite::Connection::open(&path).unwrap();
    let plan = |sql: &str| -> String {
        let mut s = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = s.query_map([], |r| r.get::<_, String>(3)).unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join("; ")
    };
    let listing = plan(
        "SELECT row FROM hazardloop_records WHERE tenant = 't' AND kind = 'incident' \
         AND at >= 1 AND at < 9 AND open = 1 AND grp = 'g' ORDER BY at, id",
    );
    assert!(listing.contains("INDEX hazardloop_records_at"), "{listing}");
    assert!(!listing.contains("TEMP B-TREE"), "no sort: {listing}");
    let sweep = plan(
        "SELECT due_at, tenant, kind, id FROM hazardloop_records \
         WHERE due_at <= 5 AND (due_at, tenant, kind, id) > (1, 't', 'duty', 'x') \
         ORDER BY due_at, tenant, kind, id LIMIT 10",
    );
    assert!(sweep.contains("COVERING INDEX hazardloop_records_due"), "{sweep}");
    assert!(!sweep.contains("TEMP B-TREE"), "no sort: {sweep}");
}
