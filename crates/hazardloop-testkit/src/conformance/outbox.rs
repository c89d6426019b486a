//! Outbox checks: rows are written atomically with their events, and claims lease and settle.

use chrono::{Duration, TimeZone, Utc};
use hazardloop_core::store::{OutboxStatus, Settlement, Store, StoreError};
use hazardloop_core::workflow::StageKind;

use super::fixtures::{commit, fixture, message, ok, sample};

/// A failed commit leaves neither its events nor its outbox rows; a good one writes both.
pub async fn outbox_is_written_atomically_with_events<S: Store>(store: &S) {
    let f = fixture("atomic");
    let (hazard, records) = sample(&f, StageKind::Registered);
    let mut bad = commit(&f.tenant, &hazard, 5, records.clone(), f.start);
    bad.outbox.push(message(&f.tenant, &hazard, "g1", f.start));
    assert!(matches!(store.commit(bad).await, Err(StoreError::Conflict { .. })));
    assert!(
        ok("load", store.load(&f.tenant, hazard.id)).await.is_none(),
        "no events from a failed commit"
    );
    assert!(
        ok("outbox", store.outbox(&f.tenant, OutboxStatus::Pending)).await.is_empty(),
        "no outbox rows from a failed commit"
    );
    let mut good = commit(&f.tenant, &hazard, 0, records, f.start);
    good.outbox.push(message(&f.tenant, &hazard, "g1", f.start));
    ok("good commit", store.commit(good)).await;
    assert_eq!(ok("outbox", store.outbox(&f.tenant, OutboxStatus::Pending)).await.len(), 1);
}

/// Claims take whole groups, lease them, count attempts; settling needs the claim's token;
/// retries wait; expired leases come back; dead and delivered rows leave the queue.
pub async fn outbox_claims_lease_and_settle<S: Store>(store: &S) {
    let f = fixture("outbox");
    let (hazard, records) = sample(&f, StageKind::Registered);
    let at = Utc.with_ymd_and_hms(2032, 1, 1, 0, 0, 0).single().unwrap_or(f.start);
    let mut c = commit(&f.tenant, &hazard, 0, records, at);
    let group = format!("digest-{}", f.tenant);
    for _ in 0..3 {
        c.outbox.push(message(&f.tenant, &hazard, &group, at));
    }
    ok("commit", store.commit(c)).await;
    let lease = at + Duration::minutes(5);
    let mine = |v: Vec<hazardloop_core::store::Claimed>| {
        v.into_iter().filter(|c| c.message.tenant == f.tenant).collect::<Vec<_>>()
    };
    let claimed = mine(ok("claim", store.claim_outbox(at, 1000, lease)).await);
    assert_eq!(claimed.len(), 3, "the whole group is claimed together");
    assert!(claimed.iter().all(|c| c.message.attempts == 1), "a claim counts an attempt");
    assert!(
        mine(ok("claim", store.claim_outbox(at, 1000, lease)).await).is_empty(),
        "leased rows are not claimed twice"
    );
    // Settle: delivered, retried, dead; a wrong token changes nothing.
    let [d, r, x] = [&claimed[0], &claimed[1], &claimed[2]];
    assert!(
        !ok("stale", store.settle(d.message.id, d.token + 9999, Settlement::Delivered)).await,
        "a wrong token is refused"
    );
    assert!(ok("settle", store.settle(d.message.id, d.token, Settlement::Delivered)).await);
    assert!(
        !ok("again", store.settle(d.message.id, d.token, Settlement::Delivered)).await,
        "nothing is acked twice"
    );
    let retry_at = at + Duration::minutes(30);
    assert!(
        ok(
            "settle",
            store.settle(
                r.message.id,
                r.token,
                Settlement::Retry { at: retry_at, error: "500".into() }
            )
        )
        .await
    );
    assert!(
        ok(
            "settle",
            store.settle(
                x.message.id,
                x.token,
                Settlement::Dead { reason: "400 bad request".into() }
            )
        )
        .await
    );
    assert_eq!(ok("delivered", store.outbox(&f.tenant, OutboxStatus::Delivered)).await.len(), 1);
    let dead = ok("dead", store.outbox(&f.tenant, OutboxStatus::Dead)).await;
    assert_eq!(dead.len(), 1);
    assert_eq!(
        dead[0].last_error.as_deref(),
        Some("400 bad request"),
        "the dead letter keeps its reason"
    );
    assert!(
        mine(ok("claim", store.claim_outbox(at + Duration::minutes(10), 1000, lease)).await)
            .is_empty(),
        "a retry waits"
    );
    let again = mine(
        ok("claim", store.claim_outbox(retry_at, 1000, retry_at + Duration::minutes(5))).await,
    );
    assert_eq!(again.len(), 1, "the retry comes back when due");
    assert_eq!(
        (again[0].message.attempts, again[0].message.last_error.as_deref()),
        (2, Some("500"))
    );
    // A lease that expires is claimable again, and the old token no longer settles.
    let later = retry_at + Duration::minutes(10);
    let stolen =
        mine(ok("claim", store.claim_outbox(later, 1000, later + Duration::minutes(5))).await);
    assert_eq!(stolen.len(), 1, "an expired lease is claimable again");
    assert!(
        !ok("old token", store.settle(again[0].message.id, again[0].token, Settlement::Delivered))
            .await
    );
    assert!(
        ok("new token", store.settle(stolen[0].message.id, stolen[0].token, Settlement::Delivered))
            .await
    );
}
