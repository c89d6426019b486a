//! Commit checks: a commit reads back exactly, racing writers conflict, idempotency keys are
//! remembered once, and events keep their order and chain across commits.

use chrono::Duration;
use hazardloop_core::chain::{verify, ChainHash};
use hazardloop_core::model::{Grade, HazardId};
use hazardloop_core::store::{IdempotentResult, Store, StoreError};
use hazardloop_core::workflow::{Event, Hazard, StageKind};

use super::fixtures::{chain, commit, fixture, ok, sample};
use super::join::join;
use crate::Fixture;

/// A commit is read back exactly: events, version and head.
pub async fn commit_load_round_trip<S: Store>(store: &S) {
    let f = fixture("roundtrip");
    let (hazard, mut records) = sample(&f, StageKind::Reported);
    // A fired rung too: the snapshot must keep the fired set (not a string-keyed map).
    let due = hazard.clocks.get(hazardloop_core::deadline::ClockKind::Rectify).unwrap_or(f.start);
    let fired = hazardloop_core::escalation::plan_sweep(
        due + Duration::days(30),
        &hazard.clocks,
        Grade::General,
        &hazard.fired,
        f.policy.ladders(),
        f.policy.calendar(),
    );
    let escalations: Vec<Event> =
        fired.into_iter().take(2).map(|e| Event::Escalated { escalation: e, at: due }).collect();
    let last = records.last().map_or(ChainHash::default(), |r| r.hash);
    records.extend(chain(&f.tenant, hazard.id, records.len() as u64, last, &escalations, f.start));
    let hazard =
        escalations.iter().try_fold(hazard, Hazard::apply).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(hazard.fired.len(), 2, "the sample has fired rungs");
    let committed =
        ok("commit", store.commit(commit(&f.tenant, &hazard, 0, records.clone(), f.start))).await;
    assert_eq!(committed.number, None, "a commit without numbering numbers nothing");
    let loaded = ok("load", store.load(&f.tenant, hazard.id)).await;
    let Some(loaded) = loaded else { panic!("a committed hazard loads") };
    assert_eq!(loaded.events, records, "events read back exactly");
    assert_eq!(loaded.version, records.len() as u64);
    assert_eq!(Some(loaded.head), records.last().map(|r| r.hash));
    assert!(ok(
        "load missing",
        store.load(&f.tenant, HazardId::new_at(f.start + Duration::days(1)))
    )
    .await
    .is_none());
    let Some(snapshot) = ok("snapshot", store.snapshot(&f.tenant, hazard.id)).await else {
        panic!("a snapshot")
    };
    assert_eq!(snapshot.hazard, hazard, "the snapshot is the committed state");
    assert_eq!(Some(snapshot.head), records.last().map(|r| r.hash));
    assert!(ok("snapshot", store.snapshot(&f.tenant, hazard.id)).await.is_some());
}

/// Two writers race on one version: exactly one wins, the loser gets `Conflict` and changes nothing.
pub async fn racing_writers_exactly_one_wins<S: Store>(store: &S) {
    let f = fixture("race");
    let (hazard, records) = sample(&f, StageKind::Registered);
    let n = records.len() as u64;
    ok("first commit", store.commit(commit(&f.tenant, &hazard, 0, records.clone(), f.start))).await;
    let last = records[records.len() - 1].hash;
    let comment = |text: &str| Event::Commented {
        text: text.into(),
        by: f.people.officer.clone(),
        at: f.start,
    };
    let a = chain(&f.tenant, hazard.id, n, last, &[comment("A")], f.start);
    let b = chain(&f.tenant, hazard.id, n, last, &[comment("B")], f.start);
    let (ra, rb) = join(
        store.commit(commit(&f.tenant, &hazard, n, a.clone(), f.start)),
        store.commit(commit(&f.tenant, &hazard, n, b.clone(), f.start)),
    )
    .await;
    let wins = [&ra, &rb].iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 1, "exactly one racing writer wins: {ra:?} / {rb:?}");
    let loser = if ra.is_ok() { rb } else { ra };
    assert_eq!(
        loser,
        Err(StoreError::Conflict { expected: n, actual: n + 1 }),
        "the loser gets Conflict"
    );
    let Some(loaded) = ok("load", store.load(&f.tenant, hazard.id)).await else { panic!("loads") };
    assert_eq!(loaded.version, n + 1, "only the winner's event is stored");
    // A stale writer later still conflicts.
    let stale = store.commit(commit(&f.tenant, &hazard, n, b, f.start)).await;
    assert!(matches!(stale, Err(StoreError::Conflict { .. })), "{stale:?}");
}

/// An idempotency key is stored with its commit and refused a second time.
pub async fn idempotency_keys_are_remembered_once<S: Store>(store: &S) {
    let f = fixture("idem");
    let (hazard, records) = sample(&f, StageKind::Discovered);
    let n = records.len() as u64;
    let result =
        IdempotentResult { key: "retry-1".into(), hazard: hazard.id, version: n, events: n };
    let mut c = commit(&f.tenant, &hazard, 0, records.clone(), f.start);
    c.idempotency = Some(result.clone());
    ok("commit", store.commit(c)).await;
    assert_eq!(ok("key", store.idempotent(&f.tenant, "retry-1")).await, Some(result.clone()));
    let other = Fixture { start: f.start + Duration::seconds(9), ..f.clone() };
    let (h2, r2) = sample(&other, StageKind::Discovered);
    let mut again = commit(&f.tenant, &h2, 0, r2, f.start);
    again.idempotency = Some(IdempotentResult { hazard: h2.id, ..result });
    assert_eq!(store.commit(again).await, Err(StoreError::DuplicateKey), "a used key is refused");
    assert!(
        ok("load", store.load(&f.tenant, h2.id)).await.is_none(),
        "and nothing of it is written"
    );
}

/// Events come back in order across commits, and the chain verifies.
pub async fn event_order_and_chain_are_preserved<S: Store>(store: &S) {
    let f = fixture("chain");
    let (hazard, records) = sample(&f, StageKind::Archived);
    let (first, rest) = records.split_at(5);
    ok("commit 1", store.commit(commit(&f.tenant, &hazard, 0, first.to_vec(), f.start))).await;
    ok("commit 2", store.commit(commit(&f.tenant, &hazard, 5, rest.to_vec(), f.start))).await;
    let Some(loaded) = ok("load", store.load(&f.tenant, hazard.id)).await else { panic!("loads") };
    assert_eq!(
        loaded.events.iter().map(|r| r.seq).collect::<Vec<_>>(),
        (1..=records.len() as u64).collect::<Vec<_>>()
    );
    assert_eq!(loaded.events, records);
    if let Err(e) = verify(&f.tenant, hazard.id, &loaded.events) {
        panic!("the stored chain verifies: {e}");
    }
}
