//! `commit_many` and `settle_many`: one transaction for the call, each item on its own — a
//! conflict, a used idempotency key or a stale token fails that item alone and the others land.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::Duration;
use common::load::{copy_of, school, template};
use common::{pg_url, TestSchema};
use hazardloop_core::store::{
    Commit, IdempotentResult, OutboxStatus, Settlement, Store, StoreError,
};
use hazardloop_core::workflow::StageKind;

fn keyed(mut c: Commit, key: &str) -> Commit {
    c.idempotency = Some(IdempotentResult {
        key: key.into(),
        hazard: c.hazard,
        version: c.events.len() as u64,
        events: c.events.len() as u64,
    });
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_many_lands_the_good_commits_and_fails_the_conflict_and_the_used_key_alone() {
    let Some(url) = pg_url("commit_many_lands_the_good_commits") else { return };
    let schema = TestSchema::new(&url);
    let store = schema.migrated(4).await;
    let f = school("batch-commits");
    let (hazard, events) = template(&f, StageKind::Treating);
    let new = || copy_of(&f, &hazard, &events, f.start);

    let existing = keyed(new(), "used");
    let stored = existing.events.len() as u64;
    let existing_id = existing.hazard;
    store.commit(existing.clone()).await.unwrap();

    // The same hazard created again (expected version 0): a conflict.
    let conflicting = Commit { outbox: vec![common::message(&f, &existing.state)], ..existing };
    let duplicate = keyed(new(), "used");
    let duplicate_id = duplicate.hazard;
    let mut good: Vec<Commit> = (0..3).map(|_| new()).collect();
    let message = common::message(&f, &good[1].state);
    good[1].outbox.push(message);
    let good_ids: Vec<_> = good.iter().map(|c| c.hazard).collect();
    let batch = vec![
        good[0].clone(),
        conflicting,
        good[1].clone(),
        duplicate,
        keyed(good[2].clone(), "fresh"),
    ];
    let results = store.commit_many(batch).await;
    assert_eq!(results.len(), 5);
    assert_eq!(results[0], Ok(()));
    assert_eq!(results[1], Err(StoreError::Conflict { expected: 0, actual: stored }));
    assert_eq!(results[2], Ok(()));
    assert_eq!(results[3], Err(StoreError::DuplicateKey));
    assert_eq!(results[4], Ok(()));

    for id in &good_ids {
        let loaded = store.load(&f.tenant, *id).await.unwrap().expect("a good commit landed");
        assert_eq!(loaded.events.len(), events.len());
        assert!(store.snapshot(&f.tenant, *id).await.unwrap().is_some());
    }
    assert!(
        store.load(&f.tenant, duplicate_id).await.unwrap().is_none(),
        "nothing of the used key"
    );
    let kept = store.load(&f.tenant, existing_id).await.unwrap().unwrap();
    assert_eq!(kept.version, stored, "the conflicting commit changed nothing");
    let used = store.idempotent(&f.tenant, "used").await.unwrap().unwrap();
    assert_eq!(used.hazard, existing_id, "the key still names its first commit");
    let fresh = store.idempotent(&f.tenant, "fresh").await.unwrap().unwrap();
    assert_eq!(fresh.hazard, good_ids[2]);
    let pending = store.outbox(&f.tenant, OutboxStatus::Pending).await.unwrap();
    assert_eq!(pending.len(), 1, "only the good commit's message");
    assert_eq!(pending[0].notice.hazard, good_ids[1]);

    // A failure last (nothing after it to send again), and a batch of only failures.
    let last = new();
    let last_id = last.hazard;
    let results = store.commit_many(vec![last, keyed(new(), "used")]).await;
    assert_eq!(results, vec![Ok(()), Err(StoreError::DuplicateKey)]);
    assert!(store.load(&f.tenant, last_id).await.unwrap().is_some());
    let results = store.commit_many(vec![keyed(new(), "used"), keyed(new(), "fresh")]).await;
    assert_eq!(results, vec![Err(StoreError::DuplicateKey), Err(StoreError::DuplicateKey)]);
    assert!(store.commit_many(Vec::new()).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_many_spans_several_transactions_for_a_big_batch() {
    let Some(url) = pg_url("commit_many_spans_several_transactions_for_a_big_batch") else {
        return;
    };
    let schema = TestSchema::new(&url);
    let store = schema.migrated(4).await;
    let f = school("batch-big");
    let (hazard, events) = template(&f, StageKind::Treating);
    let mut batch: Vec<Commit> = (0..150).map(|_| copy_of(&f, &hazard, &events, f.start)).collect();
    // One conflict in the middle (a repeated hazard: the first copy lands, the second conflicts).
    batch[100] = batch[20].clone();
    let ids: Vec<_> = batch.iter().map(|c| c.hazard).collect();
    let results = store.commit_many(batch).await;
    for (i, r) in results.iter().enumerate() {
        match i {
            100 => assert!(matches!(r, Err(StoreError::Conflict { expected: 0, .. })), "{r:?}"),
            _ => assert_eq!(r, &Ok(()), "commit {i}"),
        }
    }
    for id in ids {
        assert!(store.snapshot(&f.tenant, id).await.unwrap().is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settle_many_settles_each_message_alone_and_refuses_a_stale_token() {
    let Some(url) = pg_url("settle_many_settles_each_message_alone") else { return };
    let schema = TestSchema::new(&url);
    let store = schema.migrated(4).await;
    let f = school("batch-settle");
    let (hazard, events) = template(&f, StageKind::Treating);
    let mut c = copy_of(&f, &hazard, &events, f.start);
    for _ in 0..3 {
        c.outbox.push(common::message(&f, &c.state));
    }
    store.commit(c).await.unwrap();
    let lease = f.start + Duration::minutes(5);
    let claimed = store.claim_outbox(f.start, 10, lease).await.unwrap();
    assert_eq!(claimed.len(), 3);
    let retry_at = f.start + Duration::minutes(30);
    let results = store
        .settle_many(vec![
            (claimed[0].message.id, claimed[0].token, Settlement::Delivered),
            (claimed[1].message.id, claimed[1].token + 1_000, Settlement::Delivered),
            (
                claimed[2].message.id,
                claimed[2].token,
                Settlement::Retry { at: retry_at, error: "receiver down".into() },
            ),
            (claimed[1].message.id, u64::MAX, Settlement::Dead { reason: "x".into() }),
        ])
        .await;
    assert_eq!(results, vec![Ok(true), Ok(false), Ok(true), Ok(false)]);

    let delivered = store.outbox(&f.tenant, OutboxStatus::Delivered).await.unwrap();
    assert_eq!(delivered.iter().map(|m| m.id).collect::<Vec<_>>(), vec![claimed[0].message.id]);
    let pending = store.outbox(&f.tenant, OutboxStatus::Pending).await.unwrap();
    assert_eq!(pending.len(), 2, "the stale settlement changed nothing");
    let retried = pending.iter().find(|m| m.id == claimed[2].message.id).unwrap();
    assert_eq!(retried.available_at, retry_at);
    assert_eq!(retried.last_error.as_deref(), Some("receiver down"));
    let untouched = pending.iter().find(|m| m.id == claimed[1].message.id).unwrap();
    assert_eq!(untouched.last_error, None);
    assert!(store.outbox(&f.tenant, OutboxStatus::Dead).await.unwrap().is_empty());

    // The stale one's own token still settles it.
    let again = store
        .settle_many(vec![(claimed[1].message.id, claimed[1].token, Settlement::Delivered)])
        .await;
    assert_eq!(again, vec![Ok(true)]);
    assert!(store.settle_many(Vec::new()).await.is_empty());
}
