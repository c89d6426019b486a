//! Hazard numbers under two processes: this test binary is run twice at once as a child, each
//! child discovering 500 hazards on two lanes on one PostgreSQL schema; the 1,000 hazards
//! must have 1,000 distinct numbers, 1 to 1,000 without a gap.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;
use std::sync::Arc;

use common::{pg_url, TestSchema};
use hazardloop_core::engine::Engine;
use hazardloop_core::notify::Discard;
use hazardloop_core::store::{LedgerQuery, Store};
use hazardloop_postgres::{PgOptions, PgStore};
use hazardloop_testkit::number_conformance::{assert_consecutive, discover_on_two_lanes};
use hazardloop_testkit::{Fixture, ManualClock};

const CHILD_URL: &str = "HAZARDLOOP_PG_NUMBERS_URL";
const CHILD_SCHEMA: &str = "HAZARDLOOP_PG_NUMBERS_SCHEMA";
const PER_CHILD: usize = 500;

/// The child: discovers `PER_CHILD` hazards on two lanes, then exits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_child() {
    let (Ok(url), Ok(schema)) = (std::env::var(CHILD_URL), std::env::var(CHILD_SCHEMA)) else {
        return;
    };
    let f = Fixture::school();
    let store = PgStore::new(&url, PgOptions::default().pool_size(2).schema(&schema)).unwrap();
    let clock = Arc::new(ManualClock::new(f.start));
    let engine = Engine::new(store, Discard, clock, f.policy.clone()).with_org(f.org.clone());
    discover_on_two_lanes(&engine, &f, PER_CHILD).await;
}

#[tokio::test]
async fn two_processes_discovering_1000_hazards_get_1000_consecutive_numbers() {
    if std::env::var(CHILD_URL).is_ok() {
        return;
    }
    let test = "two_processes_discovering_1000_hazards_get_1000_consecutive_numbers";
    let Some(url) = pg_url(test) else { return };
    let schema = TestSchema::new(&url);
    let store = schema.migrated(2).await;
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(&exe)
                .args(["--exact", "numbers_child", "--test-threads=1", "--nocapture"])
                .env(CHILD_URL, &url)
                .env(CHILD_SCHEMA, &schema.name)
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs = tokio::task::spawn_blocking(move || {
        children.into_iter().map(|c| c.wait_with_output().unwrap()).collect::<Vec<_>>()
    })
    .await
    .unwrap();
    for output in outputs {
        assert!(output.status.success(), "a child failed: {output:?}");
    }
    let f = Fixture::school();
    let query = LedgerQuery { limit: 2 * PER_CHILD + 10, ..LedgerQuery::default() };
    let page = store.ledger(&f.tenant, &query).await.unwrap();
    let numbers: Vec<String> = page.rows.into_iter().filter_map(|r| r.number).collect();
    assert_eq!(page.total, 2 * PER_CHILD, "every discovery landed");
    assert_consecutive(&numbers, 2 * PER_CHILD);
}
