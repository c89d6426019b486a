//! Records of other kinds (incidents, report duties) on PostgreSQL: the record conformance
//! suite, and what only a shared server shows: two stores (two pools, as two processes would
//! have) committing the same record at once, and creating the same batch at once; and the
//! upgrade from schema version 3.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::Duration;
use common::load::school;
use common::{pg_url, TestSchema};
use hazardloop_core::duty::{Incident, IncidentClock, IncidentEvent, RecordKind, RecordQuery};
use hazardloop_core::store::{OutboxStatus, RecordCommit, RecordStore, Store, StoreError};
use hazardloop_core::workflow::StageKind;
use hazardloop_postgres::{migrations, PgStore, SCHEMA_VERSION};
use hazardloop_testkit::conformance::sample;
use hazardloop_testkit::record_conformance::{create_commit, event_commit, opened};
use hazardloop_testkit::Fixture;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store_passes_the_record_conformance_suite() {
    let Some(url) = pg_url("postgres_store_passes_the_record_conformance_suite") else { return };
    let schema = TestSchema::new(&url);
    let store = schema.migrated(8).await;
    hazardloop_testkit::record_conformance(&store).await;
}

async fn count(store: &PgStore, schema: &TestSchema, table: &str) -> i64 {
    let client = store.pool().get().await.unwrap();
    let sql = format!("SELECT count(*) FROM \"{}\".{table}", schema.name);
    client.query_one(&sql, &[]).await.unwrap().get(0)
}

/// The commit creating incident `id` of `f`, learned of `hours` after the fixture's start.
fn incident(f: &Fixture, id: &str, hours: i64) -> RecordCommit {
    let e = opened(&f.school, &f.people.officer, f.start + Duration::hours(hours));
    create_commit(&f.tenant, id, &e, Some(f.start + Duration::hours(hours)))
}

/// The commit escalating `created` (at version 1) on `clock`.
fn escalate(f: &Fixture, created: &RecordCommit, clock: IncidentClock) -> RecordCommit {
    let state: Incident = serde_json::from_value(created.state.clone()).unwrap();
    let e = IncidentEvent::Escalated { clock, rung: 0, at: f.start };
    event_commit(&state, created.events[0].hash, &[e], f.start, None)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_committing_one_record_at_one_version_exactly_one_wins() {
    let Some(url) = pg_url("two_stores_committing_one_record_at_one_version") else { return };
    let schema = TestSchema::new(&url);
    let first = schema.migrated(2).await;
    let (a, b) = (schema.store(2), schema.store(2));
    let f = school("race");
    for i in 0..20 {
        let created = incident(&f, &format!("r-{i}"), i);
        first.commit_record(created.clone()).await.unwrap();
        let ca = escalate(&f, &created, IncidentClock::Phone);
        let cb = escalate(&f, &created, IncidentClock::Written);
        let (ra, rb) = tokio::join!(
            tokio::spawn({
                let a = a.clone();
                async move { a.commit_record(ca).await }
            }),
            tokio::spawn({
                let b = b.clone();
                async move { b.commit_record(cb).await }
            }),
        );
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        assert_eq!([&ra, &rb].iter().filter(|r| r.is_ok()).count(), 1, "{ra:?} {rb:?}");
        let lost = if ra.is_ok() { rb } else { ra };
        assert!(matches!(lost, Err(StoreError::Conflict { expected: 1, actual: 2 })), "{lost:?}");
        let events = first.record_events(&f.tenant, RecordKind::Incident, &created.id).await;
        assert_eq!(events.unwrap().len(), 2);
    }
    // Two stores creating one record at once: one creates it, the other conflicts.
    for i in 0..20 {
        let c = incident(&f, &format!("n-{i}"), i);
        let (ra, rb) = tokio::join!(
            tokio::spawn({
                let (a, c) = (a.clone(), c.clone());
                async move { a.commit_record(c).await }
            }),
            tokio::spawn({
                let (b, c) = (b.clone(), c.clone());
                async move { b.commit_record(c).await }
            }),
        );
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        assert_eq!([&ra, &rb].iter().filter(|r| r.is_ok()).count(), 1, "{ra:?} {rb:?}");
        let lost = if ra.is_ok() { rb } else { ra };
        assert!(matches!(lost, Err(StoreError::Conflict { expected: 0, actual: 1 })), "{lost:?}");
    }
    assert_eq!(count(&first, &schema, "records").await, 40);
    assert_eq!(count(&first, &schema, "record_events").await, 60);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_creating_one_batch_at_once_store_each_record_once() {
    let Some(url) = pg_url("two_stores_creating_one_batch_at_once") else { return };
    let schema = TestSchema::new(&url);
    let first = schema.migrated(2).await;
    let f = school("create");
    let all: Vec<RecordCommit> = (0..600).map(|i| incident(&f, &format!("c-{i:04}"), i)).collect();
    let stores: Vec<PgStore> = (0..2).map(|_| schema.store(2)).collect();
    let runs = stores.iter().enumerate().map(|(i, s)| {
        // Each store sends the batch in chunks, from another starting point.
        let mut mine = all.clone();
        mine.rotate_left(i * 250);
        let s = s.clone();
        tokio::spawn(async move {
            let mut new = 0;
            for chunk in mine.chunks(128) {
                new += s.create_records(chunk.to_vec()).await.unwrap();
            }
            new
        })
    });
    let created: usize =
        futures_util::future::join_all(runs).await.into_iter().map(|r| r.unwrap()).sum();
    assert_eq!(created, all.len(), "each record is new to exactly one store");
    assert_eq!(count(&first, &schema, "records").await, 600);
    assert_eq!(count(&first, &schema, "record_events").await, 600);
    // And both at once with the whole batch: nothing more is new.
    let (ra, rb) =
        tokio::join!(stores[0].create_records(all.clone()), stores[1].create_records(all.clone()));
    assert_eq!((ra.unwrap(), rb.unwrap()), (0, 0));
    let rows = first.records(&f.tenant, RecordKind::Incident, &RecordQuery::default()).await;
    assert_eq!(rows.unwrap().len(), 600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_land_only_with_the_records_written() {
    let Some(url) = pg_url("messages_land_only_with_the_records_written") else { return };
    let schema = TestSchema::new(&url);
    let store = schema.migrated(2).await;
    let f = school("messages");
    let (h, _) = sample(&f, StageKind::Registered);
    let with_message = |mut c: RecordCommit| {
        c.outbox.push(common::message(&f, &h));
        c
    };
    let pending = || store.outbox(&f.tenant, OutboxStatus::Pending);
    // A created record's messages are written with it; one already stored writes none.
    let stored = incident(&f, "m-1", 0);
    assert_eq!(store.create_records(vec![stored.clone()]).await.unwrap(), 1);
    let batch = vec![with_message(stored.clone()), with_message(incident(&f, "m-2", 1))];
    assert_eq!(store.create_records(batch).await.unwrap(), 1);
    assert_eq!(pending().await.unwrap().len(), 1);
    // A stale commit writes no message; a message id used twice writes nothing of the batch.
    let stale = with_message(incident(&f, "m-1", 0));
    let got = store.commit_record(stale).await;
    assert!(matches!(got, Err(StoreError::Conflict { expected: 0, actual: 1 })), "{got:?}");
    let used = pending().await.unwrap().remove(0);
    let mut reused = incident(&f, "m-3", 2);
    reused.outbox.push(used);
    assert!(matches!(
        store.create_records(vec![reused.clone()]).await,
        Err(StoreError::Backend(_))
    ));
    assert!(store.record(&f.tenant, RecordKind::Incident, &reused.id).await.unwrap().is_none());
    assert!(matches!(store.commit_record(reused.clone()).await, Err(StoreError::Backend(_))));
    assert!(store.record(&f.tenant, RecordKind::Incident, &reused.id).await.unwrap().is_none());
    // An update's messages land with it.
    let next = with_message(escalate(&f, &stored, IncidentClock::Phone));
    store.commit_record(next).await.unwrap();
    assert_eq!(pending().await.unwrap().len(), 2);
    assert_eq!(count(&store, &schema, "outbox").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_3_schema_is_upgraded_to_hold_records() {
    let Some(url) = pg_url("a_version_3_schema_is_upgraded") else { return };
    let schema = TestSchema::new(&url);
    let store = schema.store(2);
    let client = store.pool().get().await.unwrap();
    let s = format!("\"{}\"", schema.name);
    let steps = migrations(&schema.name).unwrap();
    let mut sql = format!(
        "CREATE SCHEMA {s};
         CREATE TABLE {s}.schema_version (version integer PRIMARY KEY, name text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now());"
    );
    for (version, name, text) in steps.iter().filter(|(v, _, _)| *v <= 3) {
        sql.push_str(text);
        sql.push_str(&format!(
            "\nINSERT INTO {s}.schema_version (version, name) VALUES ({version}, '{name}');\n"
        ));
    }
    client.batch_execute(&sql).await.unwrap();
    drop(client);
    assert!(matches!(store.check_schema().await, Err(StoreError::Schema(_))), "not yet upgraded");
    assert_eq!(store.migrate().await.unwrap(), 3, "upgraded from version 3");
    assert_eq!(store.check_schema().await.unwrap(), SCHEMA_VERSION);
    let f = school("upgraded");
    let batch = vec![incident(&f, "u-1", 0), incident(&f, "u-2", 1)];
    assert_eq!(store.create_records(batch).await.unwrap(), 2);
}
