//! The store and notifier conformance suites. Every store runs [`store_conformance`]; every
//! notifier runs [`notifier_conformance`]. Public, so stores and notifiers outside this
//! repository can hold themselves to the same contract.
//!
//! Each check uses tenants of its own, so the suite can run against a store that other tests use.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use chrono::{DateTime, Duration, TimeZone, Utc};
use hazardloop_core::chain::{verify, ChainHash, Recorded};
use hazardloop_core::model::{Grade, HazardId, MessageId, TenantId};
use hazardloop_core::notify::{Addressee, Delivery, Notice, NoticeKind, Notifier};
use hazardloop_core::org::Contacts;
use hazardloop_core::report::LedgerRow;
use hazardloop_core::store::{
    Commit, Due, IdempotentResult, LedgerQuery, OutboxMessage, OutboxStatus, Settlement, Store,
    StoreError,
};
use hazardloop_core::workflow::{Event, Hazard, StageKind};

use crate::Fixture;

/// Runs every store check.
pub async fn store_conformance<S: Store>(store: &S) {
    commit_load_round_trip(store).await;
    racing_writers_exactly_one_wins(store).await;
    outbox_is_written_atomically_with_events(store).await;
    due_clocks_are_ordered_paged_and_replaced(store).await;
    tenants_never_see_each_other(store).await;
    idempotency_keys_are_remembered_once(store).await;
    event_order_and_chain_are_preserved(store).await;
    outbox_claims_lease_and_settle(store).await;
    ledger_queries_filter_and_page(store).await;
    documents_are_kept_per_tenant(store).await;
    statistics_agree_with_the_reference(store).await;
    crate::number_conformance::numbers_are_gap_free_and_found(store).await;
}

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

/// A unique tenant for one check.
pub(crate) fn tenant(check: &str) -> TenantId {
    // Only the random part matters: the suite reads no clock.
    let suffix = HazardId::new_at(DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_000)).to_string();
    #[allow(clippy::expect_used)] // short ASCII key
    TenantId::new(format!("{check}-{}", &suffix[24..])).expect("valid tenant key")
}

/// A fixture in its own tenant.
pub(crate) fn fixture(check: &str) -> Fixture {
    let mut f = Fixture::school();
    let t = tenant(check);
    f = Fixture { org: rebind(&f, &t), tenant: t, ..f };
    f
}

fn rebind(f: &Fixture, tenant: &TenantId) -> hazardloop_core::org::Org {
    let config = f.org.to_config();
    #[allow(clippy::expect_used)] // the fixture's own organisation
    hazardloop_core::org::Org::from_config(tenant.clone(), config).expect("fixture org rebinds")
}

/// A hazard walked to `to` in `f`'s tenant, as records chained from the start.
pub fn sample(f: &Fixture, to: StageKind) -> (Hazard, Vec<Recorded>) {
    let (mut hazard, events) = f.walked(Grade::General, to);
    hazard.id = HazardId::new_at(f.start);
    let events: Vec<Event> = events
        .into_iter()
        .map(|e| match e {
            Event::Discovered { mut facts } => {
                facts.tenant = f.tenant.clone();
                Event::Discovered { facts }
            }
            other => other,
        })
        .collect();
    let hazard = refold(hazard.id, &events);
    (hazard.clone(), chain(&f.tenant, hazard.id, 0, ChainHash::default(), &events, f.start))
}

fn refold(id: HazardId, events: &[Event]) -> Hazard {
    match Hazard::fold(id, events) {
        Ok(h) => h,
        Err(e) => panic!("sample events do not fold: {e}"),
    }
}

/// Chains `events` after `seq` / `prev`.
pub fn chain(
    tenant: &TenantId,
    hazard: HazardId,
    seq: u64,
    prev: ChainHash,
    events: &[Event],
    at: DateTime<Utc>,
) -> Vec<Recorded> {
    let mut prev = prev;
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let r = Recorded::new(tenant.clone(), hazard, seq + i as u64 + 1, at, e.clone(), prev);
            prev = r.hash;
            r
        })
        .collect()
}

pub(crate) fn commit(
    tenant: &TenantId,
    hazard: &Hazard,
    expected: u64,
    events: Vec<Recorded>,
    at: DateTime<Utc>,
) -> Commit {
    Commit {
        tenant: tenant.clone(),
        hazard: hazard.id,
        expected_version: expected,
        events,
        ledger: LedgerRow::from_hazard(hazard, at),
        state: hazard.clone(),
        next_due: None,
        outbox: Vec::new(),
        idempotency: None,
        numbering: None,
    }
}

/// A pending overdue message about `hazard` to its assignee, in digest group `group`, made at
/// `at`: the sample message of the store conformance suite, for stores' own tests too.
pub fn sample_message(
    tenant: &TenantId,
    hazard: &Hazard,
    group: &str,
    at: DateTime<Utc>,
) -> OutboxMessage {
    OutboxMessage {
        id: MessageId::new_at(at),
        tenant: tenant.clone(),
        group: group.into(),
        to: hazard.stage.registration().map(|r| r.assignee.clone()),
        notice: hazardloop_core::notify::compose::notice(hazard, NoticeKind::Overdue, None, None),
        created_at: at,
        available_at: at,
        attempts: 0,
        last_error: None,
        status: OutboxStatus::Pending,
    }
}

fn message(tenant: &TenantId, hazard: &Hazard, group: &str, at: DateTime<Utc>) -> OutboxMessage {
    sample_message(tenant, hazard, group, at)
}

pub(crate) async fn ok<T>(what: &str, f: impl Future<Output = Result<T, StoreError>>) -> T {
    match f.await {
        Ok(v) => v,
        Err(e) => panic!("{what}: {e}"),
    }
}

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

/// Due clocks come back ordered by time, limited, paged after a cursor, replaced by a later commit.
pub async fn due_clocks_are_ordered_paged_and_replaced<S: Store>(store: &S) {
    let f = fixture("due");
    // A window of time no other check uses.
    let base = Utc.with_ymd_and_hms(2031, 7, 1, 0, 0, 0).single().unwrap_or(f.start);
    let mut ids = Vec::new();
    for i in [3i64, 1, 4, 2, 5] {
        let g = Fixture { start: f.start + Duration::seconds(i), ..f.clone() };
        let (hazard, records) = sample(&g, StageKind::Registered);
        let mut c = commit(&f.tenant, &hazard, 0, records, f.start);
        c.next_due = Some(base + Duration::hours(i));
        ok("commit", store.commit(c)).await;
        ids.push((i, hazard));
    }
    let mine = |v: Vec<Due>| v.into_iter().filter(|d| d.tenant == f.tenant).collect::<Vec<_>>();
    let all = mine(ok("due", store.due(base + Duration::hours(10), None, 1000)).await);
    let times: Vec<_> = all.iter().map(|d| d.at).collect();
    assert_eq!(
        times,
        (1..=5).map(|i| base + Duration::hours(i)).collect::<Vec<_>>(),
        "ordered by due time"
    );
    let before = mine(ok("due", store.due(base + Duration::hours(2), None, 1000)).await);
    assert_eq!(before.len(), 2, "only clocks due at or before the instant");
    // Paging: a limit of 2 after the first page's last entry continues in order.
    let after = all[1].clone();
    let page = ok("due page", store.due(base + Duration::hours(10), Some(&after), 2)).await;
    assert!(page.len() <= 2, "the limit is respected");
    assert!(page.iter().all(|d| *d > after), "pages continue after the cursor");
    assert_eq!(page.first().map(|d| d.at), Some(base + Duration::hours(3)));
    // A later commit replaces the due entry; None removes it.
    let (_, hazard) = &ids[0]; // due at +3h
    let Some(stored) = ok("load", store.load(&f.tenant, hazard.id)).await else { panic!("loads") };
    let comment = Event::Commented { text: "x".into(), by: f.people.officer.clone(), at: f.start };
    let more = chain(&f.tenant, hazard.id, stored.version, stored.head, &[comment], f.start);
    let mut c = commit(&f.tenant, hazard, stored.version, more, f.start);
    c.next_due = None;
    ok("commit", store.commit(c)).await;
    let now = mine(ok("due", store.due(base + Duration::hours(10), None, 1000)).await);
    assert_eq!(now.len(), 4, "the replaced entry is gone");
    assert!(now.iter().all(|d| d.hazard != hazard.id));
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

/// Ledger queries filter by stage, unit, overdue and text, and page with a total.
pub async fn ledger_queries_filter_and_page<S: Store>(store: &S) {
    let f = fixture("ledger");
    let stages = [
        StageKind::Discovered,
        StageKind::Registered,
        StageKind::Treating,
        StageKind::Accepted,
        StageKind::Closed,
    ];
    // Titles in mixed Latin case: the text search ignores the case of A–Z, nothing else.
    let titles = ["Fire EXIT 扶手", "fire exit 扶手", "FİRE 扶手", "Lab 扶手", "扶手"];
    for (i, to) in stages.into_iter().enumerate() {
        let g = Fixture { start: f.start + Duration::minutes(i as i64), ..f.clone() };
        let (hazard, records) = sample(&g, to);
        let mut c = commit(&f.tenant, &hazard, 0, records, g.start);
        c.ledger.title = titles[i].into();
        ok("commit", store.commit(c)).await;
    }
    let q = |edit: &dyn Fn(&mut LedgerQuery)| {
        let mut query = LedgerQuery { limit: 100, ..LedgerQuery::default() };
        edit(&mut query);
        query
    };
    let tenant = &f.tenant;
    let count =
        |query: LedgerQuery| async move { ok("ledger", store.ledger(tenant, &query)).await };
    assert_eq!(count(q(&|_| {})).await.total, 5);
    assert_eq!(count(q(&|x| x.stages = [StageKind::Closed].into_iter().collect())).await.total, 1);
    assert_eq!(count(q(&|x| x.units = Some(vec![f.logistics.clone()]))).await.total, 5);
    assert_eq!(count(q(&|x| x.units = Some(vec![f.security.clone()]))).await.total, 0);
    let late = f.start + Duration::days(30);
    let overdue = count(q(&|x| {
        x.overdue = Some(true);
        x.now = Some(late);
    }))
    .await;
    assert_eq!(
        overdue.total, 2,
        "registered and treating are overdue a month later; discovered has no deadline, accepted \
         is done with, closed is closed"
    );
    assert!(overdue
        .rows
        .iter()
        .all(|r| matches!(r.stage, StageKind::Registered | StageKind::Treating)));
    let not_overdue = count(q(&|x| {
        x.overdue = Some(false);
        x.now = Some(late);
    }))
    .await;
    assert_eq!(not_overdue.total, 3, "the other three");
    assert_eq!(count(q(&|x| x.text = Some("扶手".into()))).await.total, 5);
    assert_eq!(count(q(&|x| x.text = Some("  扶手 ".into()))).await.total, 5, "trimmed");
    assert_eq!(count(q(&|x| x.text = Some("   ".into()))).await.total, 5, "blank: everything");
    assert_eq!(count(q(&|x| x.text = Some("EXIT".into()))).await.total, 2, "A–Z case ignored");
    assert_eq!(count(q(&|x| x.text = Some("fire".into()))).await.total, 2, "İ is not I");
    assert_eq!(count(q(&|x| x.text = Some("100%".into()))).await.total, 0, "% is literal");
    // Every store agrees with the one rule, `LedgerQuery::matches`, on every query above.
    let everything = count(q(&|_| {})).await.rows;
    for query in [
        q(&|x| x.text = Some("lab".into())),
        q(&|x| x.stages = [StageKind::Registered, StageKind::Treating].into_iter().collect()),
        q(&|x| {
            x.overdue = Some(true);
            x.now = Some(late);
        }),
    ] {
        let got: Vec<_> = count(query.clone()).await.rows.into_iter().map(|r| r.id).collect();
        let want: Vec<_> = everything.iter().filter(|r| query.matches(r)).map(|r| r.id).collect();
        assert_eq!(got, want, "the store and LedgerQuery::matches disagree on {query:?}");
    }
    let page = count(q(&|x| {
        x.limit = 3;
        x.offset = 2;
    }))
    .await;
    assert_eq!((page.total, page.rows.len()), (5, 3), "total counts all; the page holds the rest");
    assert!(!page.total_capped, "no count limit: the count is exact");
    // A count limit stops the count, and says so only when more rows match.
    for (limit, want) in [(2, (2, true)), (4, (4, true)), (5, (5, false)), (9, (5, false))] {
        let page = count(q(&|x| {
            x.limit = 3;
            x.count_limit = Some(limit);
        }))
        .await;
        assert_eq!((page.total, page.total_capped), want, "count limit {limit}");
        assert_eq!(page.rows.len(), 3, "the page is whole whatever the count limit");
    }
    let first = count(q(&|x| x.limit = 1)).await;
    assert_eq!(
        first.rows[0].discovered_at,
        f.start + Duration::minutes(4),
        "newest discovery first"
    );

    // A category's pages (SQLite reads them from its filter index, not the discovery order):
    // every size and offset agrees with the reference order, newest discovery first and then
    // the greater id, ties in discovery time included.
    let tie = Fixture { start: f.start - Duration::minutes(1), ..f.clone() };
    for _ in 0..3 {
        let (hazard, records) = sample(&tie, StageKind::Registered);
        ok("commit", store.commit(commit(&f.tenant, &hazard, 0, records, tie.start))).await;
    }
    let everything = count(q(&|_| {})).await.rows;
    let order =
        |a: &LedgerRow, b: &LedgerRow| (b.discovered_at, b.id).cmp(&(a.discovered_at, a.id));
    assert!(everything.windows(2).all(|w| order(&w[0], &w[1]).is_lt()), "the ledger's order");
    let tied = everything.windows(2).any(|w| w[0].discovered_at == w[1].discovered_at);
    assert!(tied, "rows found at one time");
    let mut categories: Vec<_> = everything.iter().filter_map(|r| r.category.clone()).collect();
    categories.dedup();
    assert!(!categories.is_empty(), "the sample rows have categories");
    for category in categories {
        for (limit, offset) in [(1, 0), (1, 1), (2, 1), (3, 0), (2, 3), (1, 5), (100, 0), (4, 2)] {
            let query = q(&|x| {
                x.category = Some(category.clone());
                x.limit = limit;
                x.offset = offset;
            });
            let got: Vec<_> = count(query.clone()).await.rows.iter().map(|r| r.id).collect();
            let want: Vec<_> = everything
                .iter()
                .filter(|r| query.matches(r))
                .skip(offset)
                .take(limit)
                .map(|r| r.id)
                .collect();
            assert_eq!(got, want, "category {category} page of {limit} at {offset}");
        }
    }
}

/// `Store::tally` gives the cells and figures of the pure reference (`report::tally` of the
/// store's own ledger rows, each as at `now`), over edge rows: dismissed, accepted and not
/// closed, overdue, paused, extended, reworked, escalated, uncategorised, rows with nothing in the
/// period, times on the period's edges and with fractional seconds, and periods not yet over.
pub async fn statistics_agree_with_the_reference<S: Store>(store: &S) {
    use hazardloop_core::escalation::Action;
    use hazardloop_core::model::Category;
    use hazardloop_core::report::{tally, Bounds, CellTally};

    let f = fixture("stats");
    #[allow(clippy::expect_used)] // a valid code
    let old = Category::new("old").expect("a category");
    let day = |n: i64| f.start + Duration::days(n);
    let ns = |n: i64| Duration::nanoseconds(n);
    type Edit<'a> = Box<dyn Fn(&mut LedgerRow) + 'a>;
    let rows: Vec<(StageKind, Edit<'_>)> = vec![
        // Found in the period, no deadline yet, uncategorised.
        (
            StageKind::Discovered,
            Box::new(|r| {
                r.discovered_at = day(11);
                r.category = None;
            }),
        ),
        // Registered as major in the period, overdue at its end.
        (
            StageKind::Registered,
            Box::new(|r| {
                r.discovered_at = day(10);
                r.registered_at = Some(day(10) + ns(1));
                r.grade = Some(Grade::Major);
                r.deadline = Some(day(15) + ns(123_456_789));
            }),
        ),
        // Treating, paused before the end, extended and reworked, escalated in and out of it.
        (
            StageKind::Treating,
            Box::new(|r| {
                r.discovered_at = day(5);
                r.registered_at = Some(day(5));
                r.deadline = Some(day(12));
                r.paused_since = Some(day(19));
                r.extensions_granted_at = vec![day(9), day(10), day(14) + ns(500)];
                r.failed_at = vec![day(8), day(20) - ns(1), day(20)];
                r.escalations = vec![
                    (day(9), Action::Remind),
                    (day(12), Action::Overdue),
                    (day(13) + ns(1_000), Action::SupervisionLetter),
                    (day(13) + ns(2_000), Action::Overdue),
                    (day(21), Action::Summons),
                ];
            }),
        ),
        // Overdue, paused only after the end.
        (
            StageKind::Treating,
            Box::new(|r| {
                r.discovered_at = day(1);
                r.deadline = Some(day(3));
                r.paused_since = Some(day(20));
            }),
        ),
        // Accepted in the period, not closed; completed on time (exactly at the deadline).
        (
            StageKind::Accepted,
            Box::new(|r| {
                r.discovered_at = day(3) + ns(999_999_999);
                r.deadline = Some(day(14));
                r.completed_at = Some(day(14));
                r.accepted_at = Some(day(10));
                r.closed_at = None;
            }),
        ),
        // Accepted late in the period and closed after it; found in it.
        (
            StageKind::Closed,
            Box::new(|r| {
                r.discovered_at = day(12) + ns(7);
                r.deadline = Some(day(13));
                r.completed_at = Some(day(14));
                r.accepted_at = Some(day(16) + ns(20_000));
                r.closed_at = Some(day(22));
            }),
        ),
        // Dismissed in the period, found in it.
        (
            StageKind::Discovered,
            Box::new(|r| {
                r.discovered_at = day(12);
                r.dismissed_at = Some(day(13));
            }),
        ),
        // Dismissed exactly at the end: still open at it.
        (
            StageKind::Discovered,
            Box::new(|r| {
                r.discovered_at = day(2);
                r.dismissed_at = Some(day(20));
            }),
        ),
        // Closed long before: nothing in the period, yet its cell exists.
        (
            StageKind::Closed,
            Box::new(|r| {
                r.discovered_at = day(0);
                r.accepted_at = Some(day(1));
                r.closed_at = Some(day(2));
                r.category = Some(old.clone());
            }),
        ),
        // Found after the period, in another unit.
        (
            StageKind::Registered,
            Box::new(|r| {
                r.discovered_at = day(25);
                r.registered_at = Some(day(25));
                r.deadline = Some(day(26));
                r.responsible_unit = Some(f.security.clone());
            }),
        ),
    ];
    for (i, (to, edit)) in rows.iter().enumerate() {
        let g = Fixture { start: f.start + Duration::minutes(i as i64), ..f.clone() };
        let (hazard, records) = sample(&g, *to);
        let mut c = commit(&f.tenant, &hazard, 0, records, g.start);
        edit(&mut c.ledger);
        c.ledger.as_of = c.ledger.as_of.max(day(1));
        ok("commit", store.commit(c)).await;
    }
    let all = LedgerQuery { limit: 0, ..LedgerQuery::default() };
    let stored = ok("ledger", store.ledger(&f.tenant, &all)).await.rows;
    assert_eq!(stored.len(), rows.len());
    let sorted = |mut cells: Vec<CellTally>| {
        cells.sort_by_key(|c| (c.unit.clone(), c.category.is_none(), c.category.clone()));
        let figures = cells.into_iter().map(|c| (c.unit, c.category, c.tally.finish()));
        figures.collect::<Vec<_>>()
    };
    let cases: [(Bounds, DateTime<Utc>); 4] = [
        ((day(10), day(20)), day(30)),
        ((day(10), day(20)), day(14)),  // not over yet
        ((day(10), day(20)), day(10)),  // just begun
        ((day(-30), day(60)), day(60)), // everything
    ];
    for (bounds, now) in cases {
        let rows_now: Vec<LedgerRow> = stored.iter().cloned().map(|r| r.as_at(now)).collect();
        let want = sorted(tally(&rows_now, bounds));
        let got = sorted(ok("tally", store.tally(&f.tenant, bounds, now)).await);
        assert_eq!(
            got, want,
            "the store's tally and the reference disagree over {bounds:?} at {now}"
        );
    }
    let (bounds, now) = cases[0];
    let total: usize = sorted(ok("tally", store.tally(&f.tenant, bounds, now)).await)
        .iter()
        .map(|(_, _, s)| s.open)
        .sum();
    assert!(total > 0, "the check exercises open rows");
    let other = ok("tally", store.tally(&tenant("stats-empty"), bounds, now)).await;
    assert!(other.is_empty(), "a tenant without rows has no cells");
}

/// Runs every notifier check: a delivery of one notice and a digest are accepted.
pub async fn notifier_conformance<N: Notifier + ?Sized>(notifier: &N) {
    let f = Fixture::school();
    let (hazard, _) = f.walked(Grade::General, StageKind::Treating);
    let notice = |kind| Notice {
        kind,
        hazard: hazard.id,
        number: None,
        title: hazard.stage.facts().title.clone(),
        location: hazard.stage.facts().location.clone(),
        stage: hazard.kind(),
        clock: Some(hazardloop_core::deadline::ClockKind::Rectify),
        due: Some(f.start),
        note: None,
        occurrence: None,
        record: None,
    };
    let to = Addressee {
        person: f.people.worker.clone(),
        name: "孙师傅".into(),
        contacts: Contacts {
            email: Some("worker@school.example.cn".into()),
            mobile: Some("13800000000".into()),
            wecom_user: Some("sunshifu".into()),
            dingtalk_user: Some("sunshifu".into()),
        },
    };
    let single = Delivery {
        idempotency_key: "hl-conformance-1".into(),
        tenant: f.tenant.clone(),
        to: to.clone(),
        notices: vec![notice(NoticeKind::Overdue)],
        lang: hazardloop_core::model::Lang::Zh,
    };
    assert!(!notifier.name().is_empty(), "a notifier has a name");
    if let Err(e) = notifier.deliver(&single).await {
        panic!("{} refused a single notice: {e}", notifier.name());
    }
    let digest = Delivery {
        idempotency_key: "hl-conformance-2".into(),
        notices: vec![notice(NoticeKind::Reminder), notice(NoticeKind::SupervisionLetter)],
        ..single.clone()
    };
    assert!(digest.subject().contains('2'), "a digest's subject counts its items");
    if let Err(e) = notifier.deliver(&digest).await {
        panic!("{} refused a digest: {e}", notifier.name());
    }
    // A repeat with the same key is accepted (at-least-once delivery): receivers drop it by key.
    if let Err(e) = notifier.deliver(&single).await {
        panic!("{} refused a repeated delivery: {e}", notifier.name());
    }
}

/// Polls two futures together on the caller's runtime (no runtime needed here).
pub async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    Join { a: Box::pin(a), b: Box::pin(b), ra: None, rb: None }.await
}

struct Join<A: Future, B: Future> {
    a: Pin<Box<A>>,
    b: Pin<Box<B>>,
    ra: Option<A::Output>,
    rb: Option<B::Output>,
}

// The futures are pinned in their boxes; the outputs are never pinned.
impl<A: Future, B: Future> Unpin for Join<A, B> {}

impl<A: Future, B: Future> Future for Join<A, B> {
    type Output = (A::Output, B::Output);
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if this.ra.is_none() {
            if let Poll::Ready(v) = this.a.as_mut().poll(cx) {
                this.ra = Some(v);
            }
        }
        if this.rb.is_none() {
            if let Poll::Ready(v) = this.b.as_mut().poll(cx) {
                this.rb = Some(v);
            }
        }
        match (this.ra.take(), this.rb.take()) {
            (Some(a), Some(b)) => Poll::Ready((a, b)),
            (a, b) => {
                this.ra = a;
                this.rb = b;
                Poll::Pending
            }
        }
    }
}
