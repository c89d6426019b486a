//! The authorization matrix (`hazardloop-testkit/data/authorization.csv`), the archive seal and
//! tenant isolation, through the engine on the in-memory store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use hazardloop_core::store::MemoryStore;
use hazardloop_testkit::authorization::{
    archived_record_refuses_every_command, authorization_matrix, check_complete, parse,
    tenants_are_isolated_through_the_engine, MATRIX,
};

#[test]
fn the_matrix_covers_every_role_command_scope_and_rectifier_once() {
    let rows = parse(MATRIX).unwrap();
    check_complete(&rows).unwrap();
    // A row dropped or doubled is caught.
    assert!(check_complete(&rows[1..]).is_err());
    let mut doubled = rows.clone();
    doubled.push(rows[0].clone());
    assert!(check_complete(&doubled).is_err());
}

#[test]
fn a_malformed_matrix_line_is_named() {
    let header = "role,command,scope,rectifier,expected,rule\n";
    let bad = format!("{header}principal,close,own_unit,maybe,allow,\n");
    assert!(parse(&bad).unwrap_err().starts_with("line 2:"));
    let bad = format!("{header}janitor,close,own_unit,no,allow,\n");
    assert!(parse(&bad).unwrap_err().contains("janitor"));
    let bad = format!("{header}principal,close,own_unit,no,deny,\n");
    assert!(parse(&bad).is_err(), "a denial names its rule");
}

#[tokio::test]
async fn every_row_of_the_authorization_matrix_holds_on_the_memory_store() {
    let started = Instant::now();
    let report = authorization_matrix(MemoryStore::new()).await;
    eprintln!("memory store: {report:?} in {:.1?}", started.elapsed());
    assert_eq!(report.rows, report.allowed + report.denied);
}

#[tokio::test]
async fn an_archived_record_refuses_every_command_on_the_memory_store() {
    archived_record_refuses_every_command(MemoryStore::new()).await;
}

#[tokio::test]
async fn tenants_are_isolated_through_the_engine_on_the_memory_store() {
    tenants_are_isolated_through_the_engine(MemoryStore::new()).await;
}
