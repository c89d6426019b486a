//! The authorization matrix, the archive seal and tenant isolation, through the engine on the
//! SQLite store (a temporary file).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;

use hazardloop_sqlite::SqliteStore;
use hazardloop_testkit::authorization::{
    archived_record_refuses_every_command, authorization_matrix,
    tenants_are_isolated_through_the_engine,
};

fn store(dir: &tempfile::TempDir, name: &str) -> Arc<SqliteStore> {
    let store = SqliteStore::open(dir.path().join(name)).unwrap();
    store.migrate().unwrap();
    Arc::new(store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_row_of_the_authorization_matrix_holds_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let report = authorization_matrix(store(&dir, "matrix.db")).await;
    eprintln!("sqlite: {report:?} in {:.1?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archived_record_refuses_every_command_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    archived_record_refuses_every_command(store(&dir, "sealed.db")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_are_isolated_through_the_engine_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    tenants_are_isolated_through_the_engine(store(&dir, "tenants.db")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_row_of_the_inspection_matrix_holds_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let report =
        hazardloop_testkit::authorization::inspection_matrix(store(&dir, "inspections.db")).await;
    assert_eq!(report.rows, 240);
}
