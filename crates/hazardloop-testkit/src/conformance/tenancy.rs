//! Tenancy checks: documents, hazards, ledger, due clocks, outbox and keys stay in their tenant.

use chrono::{DateTime, Duration, TimeZone, Utc};
use hazardloop_core::chain::ChainHash;
use hazardloop_core::model::{HazardId, TenantId};
use hazardloop_core::store::{Due, IdempotentResult, LedgerQuery, OutboxStatus, Store};
use hazardloop_core::workflow::{Hazard, StageKind};

use super::fixtures::{chain, commit, fixture, message, ok, sample, tenant};

/// Named documents (organisation, policy) round-trip, are replaced, and stay in their tenant.
pub async fn documents_are_kept_per_tenant<S: Store>(store: &S) {
    let a = tenant("doc-a");
    let b = tenant("doc-b");
    assert_eq!(ok("missing", store.document(&a, "org")).await, None);
    ok("put", store.put_document(&a, "org", "[[units]]\nid = \"学校\"")).await;
    ok("put", store.put_document(&a, "policy", "{}")).await;
    let got = ok("get", store.document(&a, "org")).await;
    assert_eq!(got.as_deref(), Some("[[units]]\nid = \"学校\""));
    ok("replace", store.put_document(&a, "org", "v2")).await;
    assert_eq!(ok("get", store.document(&a, "org")).await.as_deref(), Some("v2"));
    let other = ok("other tenant", store.document(&b, "org")).await;
    assert_eq!(other, None, "documents stay in their tenant");
}

/// Tenant A never sees tenant B: loads, snapshots, ledger, due clocks, outbox, idempotency keys
/// (documents: [`documents_are_kept_per_tenant`]).
pub async fn tenants_never_see_each_other<S: Store>(store: &S) {
    let a = fixture("tenant-a");
    let b = fixture("tenant-b");
    // A window of time no other check uses.
    let due_at = Utc.with_ymd_and_hms(2032, 2, 1, 0, 0, 0).single().unwrap_or(a.start);
    let (hazard, records) = sample(&a, StageKind::Registered);
    let mut c = commit(&a.tenant, &hazard, 0, records, a.start);
    c.outbox.push(message(&a.tenant, &hazard, "g", a.start));
    c.next_due = Some(due_at);
    c.idempotency =
        Some(IdempotentResult { key: "k1".into(), hazard: hazard.id, version: 1, events: 1 });
    ok("commit", store.commit(c)).await;
    assert!(
        ok("load", store.load(&b.tenant, hazard.id)).await.is_none(),
        "B cannot load A's hazard"
    );
    assert!(
        ok("snapshot", store.snapshot(&b.tenant, hazard.id)).await.is_none(),
        "B cannot read A's snapshot"
    );
    let query = LedgerQuery { limit: 100, ..LedgerQuery::default() };
    assert_eq!(ok("ledger", store.ledger(&b.tenant, &query)).await.total, 0, "B's ledger is empty");
    assert_eq!(ok("ledger", store.ledger(&a.tenant, &query)).await.total, 1);
    assert!(ok("outbox", store.outbox(&b.tenant, OutboxStatus::Pending)).await.is_empty());
    assert!(ok("key", store.idempotent(&b.tenant, "k1")).await.is_none(), "keys are per tenant");
    // The same hazard id in B is a different hazard.
    let (bh, brecords) = sample(&b, StageKind::Discovered);
    let bh = Hazard { id: hazard.id, ..bh };
    let brecords = chain(
        &b.tenant,
        hazard.id,
        0,
        ChainHash::default(),
        &brecords.iter().map(|r| r.event.clone()).collect::<Vec<_>>(),
        b.start,
    );
    let mut c = commit(&b.tenant, &bh, 0, brecords, b.start);
    c.next_due = Some(due_at + Duration::hours(1));
    ok("commit in B", store.commit(c)).await;
    let Some(in_a) = ok("load", store.load(&a.tenant, hazard.id)).await else { panic!("loads") };
    assert!(in_a.events.iter().all(|e| e.tenant == a.tenant), "A's history is A's only");
    let Some(snap) = ok("snapshot", store.snapshot(&a.tenant, hazard.id)).await else {
        panic!("A's snapshot is there")
    };
    assert_eq!(snap.hazard, hazard, "A's snapshot is A's, not B's of the same id");
    assert_eq!(ok("ledger", store.ledger(&a.tenant, &query)).await.total, 1);
    assert_eq!(ok("ledger", store.ledger(&b.tenant, &query)).await.total, 1);
    // Due clocks are read across tenants by the sweep, each entry naming its own tenant.
    let cursor =
        Due { at: due_at - Duration::seconds(1), tenant: a.tenant.clone(), hazard: hazard.id };
    let due = ok("due", store.due(due_at + Duration::hours(2), Some(&cursor), 1000)).await;
    let due: Vec<(DateTime<Utc>, &TenantId)> =
        due.iter().filter(|d| d.hazard == hazard.id).map(|d| (d.at, &d.tenant)).collect();
    assert_eq!(
        due,
        vec![(due_at, &a.tenant), (due_at + Duration::hours(1), &b.tenant)],
        "one due entry per tenant, each with its own time"
    );
    // Several snapshots at once (a sweep's page): in the order asked, each in its own tenant,
    // `None` for a hazard that is not there.
    let missing = HazardId::new_at(a.start + Duration::days(3));
    let keys = [
        (b.tenant.clone(), hazard.id),
        (a.tenant.clone(), missing),
        (a.tenant.clone(), hazard.id),
        (b.tenant.clone(), hazard.id),
    ];
    let many = ok("snapshot_many", store.snapshot_many(&keys)).await;
    // A's hazard is registered, B's of the same id only discovered.
    let got: Vec<Option<StageKind>> =
        many.iter().map(|s| s.as_ref().map(|s| s.hazard.kind())).collect();
    assert_eq!(
        got,
        vec![
            Some(StageKind::Discovered),
            None,
            Some(StageKind::Registered),
            Some(StageKind::Discovered)
        ],
        "snapshot_many answers each key in order, in its own tenant"
    );
    assert_eq!(many[2].as_ref().map(|s| &s.hazard), Some(&hazard), "A's state exactly");
}
