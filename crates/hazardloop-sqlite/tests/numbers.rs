//! Hazard numbers under two processes: this test binary is run twice at once as a child, each
//! child discovering 500 hazards on two lanes on one SQLite file; the 1,000 hazards must have
//! 1,000 distinct numbers, 1 to 1,000 without a gap.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use hazardloop_core::engine::Engine;
use hazardloop_core::notify::Discard;
use hazardloop_core::store::{LedgerQuery, Store};
use hazardloop_sqlite::SqliteStore;
use hazardloop_testkit::number_conformance::{assert_consecutive, discover_on_two_lanes};
use hazardloop_testkit::{Fixture, ManualClock};

const CHILD_DB: &str = "HAZARDLOOP_SQLITE_NUMBERS_DB";
const PER_CHILD: usize = 500;

/// The child: discovers `PER_CHILD` hazards on two lanes, then exits.
#[test]
fn numbers_child() {
    let Ok(path) = std::env::var(CHILD_DB) else { return };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let f = Fixture::school();
    let store = SqliteStore::open(Path::new(&path)).unwrap();
    let clock = Arc::new(ManualClock::new(f.start));
    let engine = Engine::new(store, Discard, clock, f.policy.clone()).with_org(f.org.clone());
    rt.block_on(discover_on_two_lanes(&engine, &f, PER_CHILD));
}

#[test]
fn two_processes_discovering_1000_hazards_get_1000_consecutive_numbers() {
    if std::env::var(CHILD_DB).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("numbers.db");
    SqliteStore::open(&path).unwrap().migrate().unwrap();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(&exe)
                .args(["--exact", "numbers_child", "--test-threads=1", "--nocapture"])
                .env(CHILD_DB, &path)
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "a child failed: {output:?}");
    }
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let f = Fixture::school();
    let store = SqliteStore::open(&path).unwrap();
    let query = LedgerQuery { limit: 2 * PER_CHILD + 10, ..LedgerQuery::default() };
    let page = rt.block_on(store.ledger(&f.tenant, &query)).unwrap();
    let numbers: Vec<String> = page.rows.into_iter().filter_map(|r| r.number).collect();
    assert_eq!(page.total, 2 * PER_CHILD, "every discovery landed");
    assert_consecutive(&numbers, 2 * PER_CHILD);
}
