//! The authorization matrix, the archive seal and tenant isolation, through the engine on a
//! real PostgreSQL server (`HAZARDLOOP_PG_URL`), each in a schema of its own; skipped with a
//! printed reason when the variable is unset.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Instant;

use common::{pg_url, TestSchema};
use hazardloop_testkit::authorization::{
    archived_record_refuses_every_command, authorization_matrix,
    tenants_are_isolated_through_the_engine,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_row_of_the_authorization_matrix_holds_on_postgres() {
    let Some(url) = pg_url("every_row_of_the_authorization_matrix_holds_on_postgres") else {
        return;
    };
    let schema = TestSchema::new(&url);
    let store = schema.migrated(8).await;
    let started = Instant::now();
    let report = authorization_matrix(store).await;
    eprintln!("postgres: {report:?} in {:.1?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archived_record_refuses_every_command_on_postgres() {
    let Some(url) = pg_url("an_archived_record_refuses_every_command_on_postgres") else {
        return;
    };
    let schema = TestSchema::new(&url);
    archived_record_refuses_every_command(schema.migrated(2).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_are_isolated_through_the_engine_on_postgres() {
    let Some(url) = pg_url("tenants_are_isolated_through_the_engine_on_postgres") else { return };
    let schema = TestSchema::new(&url);
    tenants_are_isolated_through_the_engine(schema.migrated(2).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_row_of_the_inspection_matrix_holds_on_postgres() {
    let Some(url) = pg_url("every_row_of_the_inspection_matrix_holds_on_postgres") else {
        return;
    };
    let schema = TestSchema::new(&url);
    let store = schema.migrated(8).await;
    let report = hazardloop_testkit::authorization::inspection_matrix(store).await;
    assert_eq!(report.rows, 240);
}
