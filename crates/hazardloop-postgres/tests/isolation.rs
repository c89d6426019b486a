//! Tenant isolation with two tenants loaded: no query scoped to one returns a row of the other.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::load::{copy_of, school, template};
use common::{pg_url, TestSchema};
use hazardloop_core::store::{IdempotentResult, LedgerQuery, OutboxStatus, Store};
use hazardloop_core::workflow::StageKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_query_scoped_to_one_tenant_returns_a_row_of_the_other() {
    let Some(url) = pg_url("no_query_scoped_to_one_tenant_returns_a_row_of_the_other") else {
        return;
    };
    let schema = TestSchema::new(&url);
    let store = schema.migrated(4).await;
    let tenants = [school("east-school"), school("west-school")];
    let mut ids = Vec::new();
    for f in &tenants {
        let (template, events) = template(f, StageKind::Treating);
        let mut mine = Vec::new();
        for i in 0..5 {
            let mut c = copy_of(f, &template, &events, f.start);
            c.outbox.push(common::message(f, &c.state));
            // The same key in both tenants: keys are per tenant.
            c.idempotency = Some(IdempotentResult {
                key: format!("key-{i}"),
                hazard: c.hazard,
                version: c.events.len() as u64,
                events: c.events.len() as u64,
            });
            mine.push(c.hazard);
            store.commit(c).await.unwrap();
        }
        store.put_document(&f.tenant, "org", f.tenant.as_str()).await.unwrap();
        ids.push(mine);
    }
    for (me, other) in [(0, 1), (1, 0)] {
        let (t, o) = (&tenants[me].tenant, &tenants[other].tenant);
        for id in &ids[other] {
            assert!(store.load(t, *id).await.unwrap().is_none(), "load");
            assert!(store.snapshot(t, *id).await.unwrap().is_none(), "snapshot");
        }
        for id in &ids[me] {
            let loaded = store.load(t, *id).await.unwrap().unwrap();
            assert!(loaded.events.iter().all(|e| &e.tenant == t));
            let snap = store.snapshot(t, *id).await.unwrap().unwrap();
            assert_eq!(snap.hazard.tenant(), t);
        }
        let page =
            store.ledger(t, &LedgerQuery { limit: 100, ..Default::default() }).await.unwrap();
        assert_eq!(page.total, 5, "ledger");
        assert!(page.rows.iter().all(|r| &r.tenant == t && ids[me].contains(&r.id)));
        let text = LedgerQuery { text: Some("扶手".into()), ..Default::default() };
        assert!(store.ledger(t, &text).await.unwrap().rows.iter().all(|r| &r.tenant == t));
        let outbox = store.outbox(t, OutboxStatus::Pending).await.unwrap();
        assert_eq!(outbox.len(), 5, "outbox");
        assert!(outbox.iter().all(|m| &m.tenant == t));
        for i in 0..5 {
            let key = store.idempotent(t, &format!("key-{i}")).await.unwrap().unwrap();
            assert!(ids[me].contains(&key.hazard), "idempotency key of the other tenant");
        }
        assert_eq!(store.document(t, "org").await.unwrap().as_deref(), Some(t.as_str()));
        assert_ne!(t, o);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_scoped_to_some_tenants_sweeps_and_dispatches_only_theirs() {
    let Some(url) = pg_url("a_store_scoped_to_some_tenants_sweeps_and_dispatches_only_theirs")
    else {
        return;
    };
    let schema = TestSchema::new(&url);
    let all = schema.migrated(2).await;
    let tenants = [school("north-school"), school("south-school")];
    for f in &tenants {
        let (template, events) = template(f, StageKind::Treating);
        let mut c = copy_of(f, &template, &events, f.start);
        assert!(c.next_due.is_some());
        c.outbox.push(common::message(f, &c.state));
        all.commit(c).await.unwrap();
    }
    let north = &tenants[0];
    let options = hazardloop_postgres::PgOptions::default()
        .schema(&schema.name)
        .pool_size(2)
        .tenants([north.tenant.clone()]);
    let scoped = hazardloop_postgres::PgStore::new(&url, options).unwrap();
    let later = north.start + chrono::Duration::days(400);
    let due = scoped.due(later, None, 100).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].tenant, north.tenant);
    let claimed = scoped.claim_outbox(later, 100, later + chrono::Duration::minutes(5)).await;
    let claimed = claimed.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].message.tenant, north.tenant);
    // The unscoped store sees the other tenant's clock; the scoped one's lease hides north's.
    let rest = all.due(later, None, 100).await.unwrap();
    assert_eq!(rest.iter().map(|d| &d.tenant).collect::<Vec<_>>(), vec![&tenants[1].tenant]);
}
