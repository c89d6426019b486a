//! `commit_many` and `settle_many`: one transaction per call, each item in a savepoint of its
//! own, so a conflicting commit, a used idempotency key or a stale claim token fails alone while
//! the others land. And a lone write with the writer idle runs on the caller's thread.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::task::{Context, Poll, Waker};

use chrono::Duration;
use hazardloop_core::chain::Recorded;
use hazardloop_core::model::MessageId;

use hazardloop_core::report::LedgerRow;
use hazardloop_core::store::{
    Commit, Committed, IdempotentResult, OutboxMessage, OutboxStatus, Settlement, Store, StoreError,
};
use hazardloop_core::workflow::{Hazard, StageKind};
use hazardloop_sqlite::{SqliteOptions, SqliteStore};
use hazardloop_testkit::conformance::sample;
use hazardloop_testkit::conformance::sample_message;
use hazardloop_testkit::Fixture;

fn store(dir: &tempfile::TempDir, options: SqliteOptions) -> SqliteStore {
    let store = SqliteStore::open_with(dir.path().join("many.db"), options).unwrap();
    store.migrate().unwrap();
    store
}

fn commit(f: &Fixture, hazard: &Hazard, records: Vec<Recorded>) -> Commit {
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

/// The `i`th sample hazard (each discovered a second after the last), and its commit.
fn nth(f: &Fixture, i: i64) -> (Hazard, Commit) {
    let g = Fixture { start: f.start + Duration::seconds(i), ..f.clone() };
    let (hazard, records) = sample(&g, StageKind::Registered);
    let c = commit(&g, &hazard, records);
    (hazard, c)
}

fn key(name: &str, hazard: &Hazard) -> Option<IdempotentResult> {
    Some(IdempotentResult {
        key: name.into(),
        hazard: hazard.id,
        version: hazard.version,
        events: 1,
    })
}

#[tokio::test]
async fn commit_many_lands_the_good_commits_and_fails_the_conflict_and_the_used_key_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir, SqliteOptions::default());
    let f = Fixture::school();
    // Already stored: hazard 0, with the key "used".
    let (first, mut c) = nth(&f, 0);
    c.idempotency = key("used", &first);
    store.commit(c.clone()).await.unwrap();

    let (h1, c1) = nth(&f, 1);
    let (h2, c2) = nth(&f, 2);
    let (h3, mut c3) = nth(&f, 3);
    c3.idempotency = key("used", &h3); // a key another commit already used
    let (h4, c4) = nth(&f, 4);
    let racing = c.clone(); // hazard 0 again, at version 0: it exists
    let (h5, c5) = nth(&f, 5);

    let before = store.writer_stats();
    let results = store.commit_many(vec![c1, c2, c3, c4, racing, c5]).await;
    let after = store.writer_stats();

    assert_eq!(results.len(), 6);
    assert_eq!(results[0], Ok(()));
    assert_eq!(results[1], Ok(()));
    assert_eq!(results[2], Err(StoreError::DuplicateKey));
    assert_eq!(results[3], Ok(()));
    assert!(
        matches!(results[4], Err(StoreError::Conflict { expected: 0, actual }) if actual == first.version),
        "{:?}",
        results[4]
    );
    assert_eq!(results[5], Ok(()));
    assert_eq!(after.transactions - before.transactions, 1, "one transaction for the call");
    assert_eq!(after.writes - before.writes, 6);

    for h in [&h1, &h2, &h4, &h5] {
        let loaded = store.load(&f.tenant, h.id).await.unwrap().expect("landed");
        assert_eq!(loaded.version, h.version);
    }
    assert!(store.load(&f.tenant, h3.id).await.unwrap().is_none(), "the used key wrote nothing");
    let kept = store.load(&f.tenant, first.id).await.unwrap().expect("kept");
    assert_eq!(kept.version, first.version, "the racing commit changed nothing");
    let stored = store.idempotent(&f.tenant, "used").await.unwrap().expect("kept");
    assert_eq!(stored.hazard, first.id);
    // Five hazards with clocks: the four that landed and the first.
    let due = store.due(f.start + Duration::days(30), None, 100).await.unwrap();
    assert_eq!(due.len(), 5);
}

#[tokio::test]
async fn commit_many_of_nothing_and_of_a_malformed_commit() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir, SqliteOptions::default());
    let f = Fixture::school();
    assert!(store.commit_many(Vec::new()).await.is_empty());
    let (h1, c1) = nth(&f, 1);
    let (_, mut bad) = nth(&f, 2);
    bad.expected_version = 7; // its events start at 1: malformed (and no such hazard)
    let results = store.commit_many(vec![bad, c1]).await;
    assert!(results[0].is_err(), "{:?}", results[0]);
    assert_eq!(results[1], Ok(()));
    assert!(store.load(&f.tenant, h1.id).await.unwrap().is_some());
}

fn message(f: &Fixture, hazard: &Hazard, group: &str, i: i64) -> OutboxMessage {
    sample_message(&f.tenant, hazard, group, f.start + Duration::milliseconds(i))
}

#[tokio::test]
async fn settle_many_settles_each_alone_and_a_stale_token_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir, SqliteOptions::default());
    let f = Fixture::school();
    let (hazard, mut c) = nth(&f, 0);
    c.outbox = (0..4).map(|i| message(&f, &hazard, &format!("g{i}"), i)).collect();
    store.commit(c).await.unwrap();
    let now = f.start + Duration::seconds(1);
    let claimed = store.claim_outbox(now, 10, now + Duration::minutes(5)).await.unwrap();
    assert_eq!(claimed.len(), 4);
    let token = claimed[0].token;
    let ids: Vec<MessageId> = claimed.iter().map(|c| c.message.id).collect();

    let before = store.writer_stats();
    let results = store
        .settle_many(vec![
            (ids[0], token, Settlement::Delivered),
            (ids[1], token + 1, Settlement::Delivered), // a lease this claim never had
            (ids[2], token, Settlement::Dead { reason: "gone".into() }),
            (ids[3], u64::MAX, Settlement::Delivered), // never handed out
        ])
        .await;
    let after = store.writer_stats();
    assert_eq!(results, vec![Ok(true), Ok(false), Ok(true), Ok(false)]);
    assert_eq!(after.transactions - before.transactions, 1, "one transaction for the call");

    let delivered = store.outbox(&f.tenant, OutboxStatus::Delivered).await.unwrap();
    assert_eq!(delivered.iter().map(|m| m.id).collect::<Vec<_>>(), vec![ids[0]]);
    let dead = store.outbox(&f.tenant, OutboxStatus::Dead).await.unwrap();
    assert_eq!(dead.iter().map(|m| m.id).collect::<Vec<_>>(), vec![ids[2]]);
    let pending = store.outbox(&f.tenant, OutboxStatus::Pending).await.unwrap();
    assert_eq!(pending.iter().map(|m| m.id).collect::<Vec<_>>(), vec![ids[1], ids[3]]);
    // The stale settlement a second time, with the real token: it still holds the lease.
    let again = store.settle_many(vec![(ids[1], token, Settlement::Delivered)]).await;
    assert_eq!(again, vec![Ok(true)]);
}

#[tokio::test]
async fn a_lone_write_with_the_writer_idle_runs_on_the_callers_thread() {
    let f = Fixture::school();
    for on_caller in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir, SqliteOptions::default().commit_on_caller(on_caller));
        let before = store.writer_stats();
        for i in 0..5 {
            store.commit(nth(&f, i).1).await.unwrap();
        }
        let after = store.writer_stats();
        assert_eq!(after.transactions - before.transactions, 5);
        let expected = if on_caller { 5 } else { 0 };
        assert_eq!(after.on_caller - before.on_caller, expected, "on_caller = {on_caller}");
        if on_caller {
            // The commit is done within its future's first poll: no other thread took part.
            let mut commit = std::pin::pin!(store.commit(nth(&f, 9).1));
            let mut cx = Context::from_waker(Waker::noop());
            assert_eq!(commit.as_mut().poll(&mut cx), Poll::Ready(Ok(Committed::default())));
        }
    }
}
