//! Tamper evidence on SQLite: a hazard is walked through the whole loop and archived, then its
//! rows are changed behind the store's back with a raw connection. `verify` must name the hazard
//! and the first bad sequence number, whether the edit keeps the JSON valid or not, and whether
//! an event in the middle or the last one is deleted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;

use hazardloop_core::engine::EngineError;
use hazardloop_core::model::{HazardId, TenantId};
use hazardloop_sqlite::SqliteStore;
use hazardloop_testkit::authorization::{archived_hazard, assert_tamper_found};

fn open(dir: &tempfile::TempDir) -> Arc<SqliteStore> {
    let store = SqliteStore::open(dir.path().join("tamper.db")).unwrap();
    store.migrate().unwrap();
    Arc::new(store)
}

/// Runs one statement on the file with a connection of its own, as someone with file access
/// would; returns the rows changed.
fn raw(path: &Path, sql: &str, tenant: &TenantId, hazard: HazardId, seq: u64) -> usize {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    conn.execute(sql, rusqlite::params![tenant.as_str(), hazard.to_string(), seq as i64]).unwrap()
}

const WHERE: &str = "WHERE tenant = ?1 AND hazard = ?2 AND seq = ?3";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_byte_in_a_payload_names_the_hazard_and_the_event() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let (engine, f, id) = archived_hazard(store.clone()).await;
    // One letter of the registration's assignee: the JSON stays valid, the record still decodes.
    let sql = format!("UPDATE hazardloop_events SET record = replace(record, '\"school-worker\"', '\"school-workex\"') {WHERE}");
    assert_eq!(raw(store.path(), &sql, &f.tenant, id, 3), 1);
    let text = assert_tamper_found(&engine, &f.tenant, id, 3).await;
    assert!(text.contains("hash"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_byte_that_breaks_the_json_still_names_the_hazard_and_the_event() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let (engine, f, id) = archived_hazard(store.clone()).await;
    // The opening brace of the comment's record becomes `[`: the row no longer decodes.
    let sql = format!("UPDATE hazardloop_events SET record = '[' || substr(record, 2) {WHERE}");
    assert_eq!(raw(store.path(), &sql, &f.tenant, id, 9), 1);
    assert_tamper_found(&engine, &f.tenant, id, 9).await;
    // Reading the hazard reports the same, not an opaque decode error.
    match engine.hazard(&f.tenant, id).await {
        Err(EngineError::Chain(e)) => assert_eq!((e.hazard, e.seq), (id, 9)),
        other => panic!("show of a damaged hazard: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_middle_event_names_the_gap() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let (engine, f, id) = archived_hazard(store.clone()).await;
    let sql = format!("DELETE FROM hazardloop_events {WHERE}");
    assert_eq!(raw(store.path(), &sql, &f.tenant, id, 7), 1);
    let text = assert_tamper_found(&engine, &f.tenant, id, 7).await;
    assert!(text.contains("gap"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_last_event_is_found_against_the_stored_head() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let (engine, f, id) = archived_hazard(store.clone()).await;
    // The seal itself: what is left is a consistent chain, one event short of the ledger's head.
    let sql = format!("DELETE FROM hazardloop_events {WHERE}");
    assert_eq!(raw(store.path(), &sql, &f.tenant, id, 17), 1);
    assert_tamper_found(&engine, &f.tenant, id, 17).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampering_with_one_hazard_leaves_the_others_verified() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let (engine, f, id) = archived_hazard(store.clone()).await;
    let (other_engine, g, other) = archived_hazard(store.clone()).await;
    let sql = format!("DELETE FROM hazardloop_events {WHERE}");
    assert_eq!(raw(store.path(), &sql, &f.tenant, id, 12), 1);
    assert_tamper_found(&engine, &f.tenant, id, 12).await;
    other_engine.verify(&g.tenant, other).await.unwrap();
}
