//! Group commit: concurrent commits share transactions, and a conflicting commit in a group
//! fails alone while the others land.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::Duration;
use hazardloop_core::report::LedgerRow;
use hazardloop_core::store::{Commit, Store, StoreError};
use hazardloop_core::workflow::{Hazard, StageKind};
use hazardloop_sqlite::{SqliteOptions, SqliteStore};
use hazardloop_testkit::conformance::sample;
use hazardloop_testkit::Fixture;

fn commit(f: &Fixture, hazard: &Hazard, records: Vec<hazardloop_core::chain::Recorded>) -> Commit {
    Commit {
        tenant: f.tenant.clone(),
        hazard: hazard.id,
        expected_version: 0,
        events: records.into(),
        ledger: LedgerRow::from_hazard(hazard, f.start).into(),
        state: hazard.clone(),
        next_due: Some(f.start + Duration::days(1)),
        outbox: Vec::new(),
        idempotency: None,
        numbering: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflicting_commit_in_a_group_fails_alone_and_the_others_land() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path().join("group.db")).unwrap());
    store.migrate().unwrap();
    let f = Fixture::school();
    // 32 hazards; each of the first 8 is also created by a second, racing writer.
    let mut commits = Vec::new();
    let mut hazards = Vec::new();
    for i in 0..32 {
        let g = Fixture { start: f.start + Duration::seconds(i), ..f.clone() };
        let (hazard, records) = sample(&g, StageKind::Registered);
        commits.push(commit(&g, &hazard, records.clone()));
        if i < 8 {
            commits.push(commit(&g, &hazard, records));
        }
        hazards.push(hazard);
    }
    // Hold the writer busy with a big transaction, so that the 40 commits queue behind it
    // (a commit that finds the writer idle runs at once on its caller's thread, alone).
    let busy: Vec<Commit> = (100..600)
        .map(|i| {
            let g = Fixture { start: f.start + Duration::seconds(i), ..f.clone() };
            let (hazard, records) = sample(&g, StageKind::Registered);
            commit(&g, &hazard, records)
        })
        .collect();
    let started = store.writer_stats().writes + busy.len() as u64;
    let holder = {
        let store = store.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            rt.block_on(store.commit_many(busy))
        })
    };
    while store.writer_stats().writes < started {
        tokio::time::sleep(std::time::Duration::from_micros(100)).await;
    }
    let before = store.writer_stats();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, c) in commits.into_iter().enumerate() {
        let store = store.clone();
        tasks.spawn(async move { (i, c.hazard, store.commit(c).await) });
    }
    let mut results = Vec::new();
    while let Some(r) = tasks.join_next().await {
        results.push(r.unwrap());
    }
    assert!(holder.join().unwrap().iter().all(Result::is_ok));
    let wins = results.iter().filter(|(_, _, r)| r.is_ok()).count();
    let conflicts: Vec<_> = results.iter().filter(|(_, _, r)| r.is_err()).collect();
    assert_eq!(wins, 32, "every hazard lands once");
    assert_eq!(conflicts.len(), 8, "each racing duplicate fails");
    for (_, _, r) in &conflicts {
        assert!(
            matches!(r, Err(StoreError::Conflict { expected: 0, actual }) if *actual > 0),
            "{r:?}"
        );
    }
    for h in &hazards {
        let loaded = store.load(&f.tenant, h.id).await.unwrap().expect("landed");
        assert_eq!(loaded.version, h.version);
    }
    let stats = store.writer_stats();
    let (txs, writes) = (stats.transactions - before.transactions, stats.writes - before.writes);
    assert_eq!(writes, 40);
    assert!(txs < writes, "concurrent commits share transactions: {txs} for {writes}");
}

#[tokio::test]
async fn a_lone_failing_commit_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteOptions::default().max_batch(1);
    let store = SqliteStore::open_with(dir.path().join("alone.db"), options).unwrap();
    store.migrate().unwrap();
    let f = Fixture::school();
    let (hazard, records) = sample(&f, StageKind::Registered);
    let mut bad = commit(&f, &hazard, records.clone());
    bad.idempotency = Some(hazardloop_core::store::IdempotentResult {
        key: "k".into(),
        hazard: hazard.id,
        version: 1,
        events: 1,
    });
    store.commit(bad.clone()).await.unwrap();
    // The same key on another hazard: refused, and that hazard is not written.
    let g = Fixture { start: f.start + Duration::seconds(5), ..f.clone() };
    let (other, other_records) = sample(&g, StageKind::Registered);
    let mut again = commit(&g, &other, other_records);
    again.idempotency = bad.idempotency.clone();
    assert_eq!(store.commit(again).await, Err(StoreError::DuplicateKey));
    assert!(store.load(&f.tenant, other.id).await.unwrap().is_none());
    let due = store.due(f.start + Duration::days(2), None, 10).await.unwrap();
    assert_eq!(due.len(), 1, "only the landed hazard has a clock");
}
