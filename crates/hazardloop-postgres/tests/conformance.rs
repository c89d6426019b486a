//! The store conformance suite and the migration rules, against a real PostgreSQL server
//! (`HAZARDLOOP_PG_URL`); skipped with a printed reason when it is unset.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{pg_url, TestSchema};
use hazardloop_core::model::TenantId;
use hazardloop_core::store::{Store, StoreError};
use hazardloop_postgres::SCHEMA_VERSION;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store_passes_the_conformance_suite() {
    let Some(url) = pg_url("postgres_store_passes_the_conformance_suite") else { return };
    let schema = TestSchema::new(&url);
    let store = schema.migrated(8).await;
    hazardloop_testkit::store_conformance(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unmigrated_schema_is_reported_as_a_schema_error() {
    let Some(url) = pg_url("an_unmigrated_schema_is_reported_as_a_schema_error") else { return };
    let schema = TestSchema::new(&url);
    let store = schema.store(2);
    assert!(matches!(store.check_schema().await, Err(StoreError::Schema(_))));
    let t = TenantId::new("t1").unwrap();
    let got = store.document(&t, "org").await;
    assert!(matches!(got, Err(StoreError::Schema(_))), "{got:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_migrations_apply_the_schema_once() {
    let Some(url) = pg_url("concurrent_migrations_apply_the_schema_once") else { return };
    let schema = TestSchema::new(&url);
    let stores: Vec<_> = (0..4).map(|_| schema.store(1)).collect();
    let runs = stores.iter().map(|s| s.migrate());
    let found = futures_util::future::join_all(runs).await;
    let found: Vec<u32> = found.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(
        found.iter().filter(|v| **v == 0).count(),
        1,
        "one applies, the others wait: {found:?}"
    );
    assert!(found.iter().all(|v| *v == 0 || *v == SCHEMA_VERSION));
    assert_eq!(stores[0].check_schema().await.unwrap(), SCHEMA_VERSION);
    assert_eq!(stores[0].migrate().await.unwrap(), SCHEMA_VERSION, "a second run does nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_schema_version_is_refused() {
    let Some(url) = pg_url("a_newer_schema_version_is_refused") else { return };
    let schema = TestSchema::new(&url);
    let store = schema.migrated(1).await;
    let client = store.pool().get().await.unwrap();
    client
        .execute(
            &format!(
                "INSERT INTO \"{}\".schema_version (version, name) VALUES ($1, 'future')",
                schema.name
            ),
            &[&(SCHEMA_VERSION as i32 + 1)],
        )
        .await
        .unwrap();
    drop(client);
    assert!(matches!(store.migrate().await, Err(StoreError::Schema(m)) if m.contains("newer")));
    assert!(matches!(store.check_schema().await, Err(StoreError::Schema(_))));
}

#[test]
fn the_schema_name_must_be_an_identifier() {
    let bad = hazardloop_postgres::PgStore::new(
        "postgres://postgres@127.0.0.1/test",
        hazardloop_postgres::PgOptions::default().schema("x; DROP TABLE y"),
    );
    assert!(matches!(bad, Err(hazardloop_postgres::PgError::InvalidSchema(_))));
    assert!(hazardloop_postgres::migrations("bad-name").is_err());
    let sql = hazardloop_postgres::migrations("mine").unwrap();
    assert!(sql[0].2.contains("\"mine\".hazards") && !sql[0].2.contains("__SCHEMA__"));
}
