//! Tamper evidence on PostgreSQL: a hazard is walked through the whole loop and archived, then
//! its rows are changed behind the store's back with a connection of its own. `verify` must name
//! the hazard and the first bad sequence number: for an edit that keeps the record decodable,
//! for one that does not (jsonb only holds valid JSON, so the byte breaks the event's type),
//! and for a deleted middle or last event. Skipped with a printed reason without
//! `HAZARDLOOP_PG_URL`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{pg_url, TestSchema};
use hazardloop_core::engine::EngineError;
use hazardloop_core::model::{HazardId, TenantId};
use hazardloop_testkit::authorization::{archived_hazard, assert_tamper_found};

/// Runs one statement on the test's schema with a connection of its own, as someone with
/// database access would; returns the rows changed.
async fn raw(schema: &TestSchema, sql: &str, tenant: &TenantId, hazard: HazardId, seq: u64) -> u64 {
    let (client, conn) = tokio_postgres::connect(&schema.url, tokio_postgres::NoTls).await.unwrap();
    let task = tokio::spawn(conn);
    let sql = sql.replace("__SCHEMA__", &format!("\"{}\"", schema.name));
    let changed =
        client.execute(&sql, &[&tenant.as_str(), &hazard.as_uuid(), &(seq as i64)]).await.unwrap();
    drop(client);
    let _ = task.await;
    changed
}

const WHERE: &str = "WHERE tenant_id = $1 AND hazard_id = $2 AND seq = $3";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_byte_in_a_payload_names_the_hazard_and_the_event() {
    let Some(url) = pg_url("a_changed_byte_in_a_payload_names_the_hazard_and_the_event") else {
        return;
    };
    let schema = TestSchema::new(&url);
    let (engine, f, id) = archived_hazard(schema.migrated(2).await).await;
    // One letter of the registration's assignee: the record still decodes.
    let sql = format!(
        "UPDATE __SCHEMA__.events SET record = \
         replace(record::text, '\"school-worker\"', '\"school-workex\"')::jsonb {WHERE}"
    );
    assert_eq!(raw(&schema, &sql, &f.tenant, id, 3).await, 1);
    let text = assert_tamper_found(&engine, &f.tenant, id, 3).await;
    assert!(text.contains("hash"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_byte_that_breaks_the_record_still_names_the_hazard_and_the_event() {
    let Some(url) = pg_url("a_byte_that_breaks_the_record_still_names_the_hazard_and_the_event")
    else {
        return;
    };
    let schema = TestSchema::new(&url);
    let (engine, f, id) = archived_hazard(schema.migrated(2).await).await;
    // `commented` becomes `commentex`: valid JSON, but no event of that type.
    let sql = format!(
        "UPDATE __SCHEMA__.events SET record = \
         replace(record::text, '\"commented\"', '\"commentex\"')::jsonb {WHERE}"
    );
    assert_eq!(raw(&schema, &sql, &f.tenant, id, 9).await, 1);
    assert_tamper_found(&engine, &f.tenant, id, 9).await;
    match engine.hazard(&f.tenant, id).await {
        Err(EngineError::Chain(e)) => assert_eq!((e.hazard, e.seq), (id, 9)),
        other => panic!("show of a damaged hazard: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_middle_event_names_the_gap() {
    let Some(url) = pg_url("a_deleted_middle_event_names_the_gap") else { return };
    let schema = TestSchema::new(&url);
    let (engine, f, id) = archived_hazard(schema.migrated(2).await).await;
    let sql = format!("DELETE FROM __SCHEMA__.events {WHERE}");
    assert_eq!(raw(&schema, &sql, &f.tenant, id, 7).await, 1);
    let text = assert_tamper_found(&engine, &f.tenant, id, 7).await;
    assert!(text.contains("gap"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_last_event_is_found_against_the_stored_head() {
    let Some(url) = pg_url("a_deleted_last_event_is_found_against_the_stored_head") else {
        return;
    };
    let schema = TestSchema::new(&url);
    let (engine, f, id) = archived_hazard(schema.migrated(2).await).await;
    let sql = format!("DELETE FROM __SCHEMA__.events {WHERE}");
    assert_eq!(raw(&schema, &sql, &f.tenant, id, 17).await, 1);
    assert_tamper_found(&engine, &f.tenant, id, 17).await;
}
