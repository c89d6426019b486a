//! The SQLite store passes the store conformance suite, on a temporary file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use hazardloop_sqlite::{SqliteOptions, SqliteStore, Synchronous};
use hazardloop_testkit::{conformance, store_conformance};

#[tokio::test]
async fn sqlite_store_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("conformance.db")).unwrap();
    store.migrate().unwrap();
    store_conformance(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_passes_the_conformance_suite_with_full_sync_and_one_reader() {
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteOptions::default().synchronous(Synchronous::Full).readers(1);
    let store = SqliteStore::open_with(dir.path().join("full.db"), options).unwrap();
    store.migrate().unwrap();
    store_conformance(&store).await;
    // A reopened file (no migrate needed) holds to the contract too. The due-clock check is left
    // out: it pages across tenants in a fixed time window, so it cannot run twice on one store.
    drop(store);
    let again = SqliteStore::open(dir.path().join("full.db")).unwrap();
    conformance::commit_load_round_trip(&again).await;
    conformance::racing_writers_exactly_one_wins(&again).await;
    conformance::outbox_is_written_atomically_with_events(&again).await;
    conformance::idempotency_keys_are_remembered_once(&again).await;
    conformance::event_order_and_chain_are_preserved(&again).await;
    conformance::outbox_claims_lease_and_settle(&again).await;
    conformance::ledger_queries_filter_and_page(&again).await;
    conformance::documents_are_kept_per_tenant(&again).await;
}
