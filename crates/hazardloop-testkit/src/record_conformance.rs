//! The record store conformance suite: every [`RecordStore`] runs [`record_conformance`], the
//! in-memory store included. Each check uses tenants of its own.

use chrono::{DateTime, Duration, Utc};
use hazardloop_core::chain::ChainHash;
use hazardloop_core::duty::{
    self, Incident, IncidentClock, IncidentEvent, IncidentType, Record, RecordDue, RecordId,
    RecordKind, RecordQuery, RecordRef,
};
use hazardloop_core::model::{PersonId, TenantId, UnitId};
use hazardloop_core::store::{OutboxStatus, RecordCommit, RecordStore, StoreError};

use crate::conformance::{fixture, join, ok, sample, sample_message};

/// Runs every record store check.
pub async fn record_conformance<S: RecordStore>(store: &S) {
    records_round_trip_with_their_chain(store).await;
    creating_is_idempotent_and_all_or_nothing(store).await;
    racing_record_commits_exactly_one_wins(store).await;
    record_queries_filter_and_order(store).await;
    record_dues_are_ordered_paged_and_replaced(store).await;
    records_stay_in_their_tenant_and_kind(store).await;
    malformed_record_commits_write_nothing(store).await;
}

/// An incident's `Opened` event: learned of at `learned`, reports due 30 minutes and 2 hours on.
pub fn opened(unit: &UnitId, by: &PersonId, learned: DateTime<Utc>) -> IncidentEvent {
    IncidentEvent::Opened {
        unit: unit.clone(),
        title: "食堂疑似食物中毒".into(),
        kind: IncidentType::PublicHealth,
        location: "第一食堂".into(),
        summary: "午餐后多名学生腹痛".into(),
        occurred_at: learned - Duration::minutes(20),
        learned_at: learned,
        by: by.clone(),
        phone_due: learned + Duration::minutes(30),
        written_due: learned + Duration::hours(2),
    }
}

/// The commit that creates incident `id` with `first`, due for the sweep at `next_due`.
pub fn create_commit(
    tenant: &TenantId,
    id: &str,
    first: &IncidentEvent,
    next_due: Option<DateTime<Utc>>,
) -> RecordCommit {
    let id = RecordId::parse_as(id, "id").unwrap_or_else(|e| panic!("{e}"));
    let state = Incident::open(tenant.clone(), id.clone(), first)
        .unwrap_or_else(|| panic!("the first event opens the incident"));
    let at = state.learned_at;
    commit_of(&state, 0, ChainHash::default(), std::slice::from_ref(first), at, next_due)
}

/// The commit of `events` onto `before` (stored with head `head`), at `at`.
pub fn event_commit(
    before: &Incident,
    head: ChainHash,
    events: &[IncidentEvent],
    at: DateTime<Utc>,
    next_due: Option<DateTime<Utc>>,
) -> RecordCommit {
    let mut state = before.clone();
    for e in events {
        state.apply(e);
    }
    commit_of(&state, before.version, head, events, at, next_due)
}

fn commit_of(
    state: &Incident,
    before: u64,
    head: ChainHash,
    events: &[IncidentEvent],
    at: DateTime<Utc>,
    next_due: Option<DateTime<Utc>>,
) -> RecordCommit {
    let r = RecordRef { kind: RecordKind::Incident, id: state.id.clone() };
    RecordCommit {
        tenant: state.tenant.clone(),
        kind: RecordKind::Incident,
        id: state.id.clone(),
        expected_version: before,
        events: duty::chain(&state.tenant, &r, before, head, at, events),
        state: serde_json::to_value(state).unwrap_or_default(),
        row: Record::row(state, at),
        next_due,
        outbox: Vec::new(),
    }
}

fn decode(state: serde_json::Value) -> Incident {
    serde_json::from_value(state).unwrap_or_else(|e| panic!("the stored state decodes: {e}"))
}

/// A record and its chain are read back exactly; a later commit appends and moves the head.
pub async fn records_round_trip_with_their_chain<S: RecordStore>(store: &S) {
    let f = fixture("rec-roundtrip");
    let first = opened(&f.school, &f.people.officer, f.start);
    let c = create_commit(&f.tenant, "i-1", &first, Some(f.start + Duration::minutes(20)));
    let id = c.id.clone();
    ok("create", store.commit_record(c.clone())).await;
    let stored = ok("load", store.record(&f.tenant, RecordKind::Incident, &id)).await;
    let stored = stored.unwrap_or_else(|| panic!("the record is stored"));
    assert_eq!((stored.version, stored.head), (1, c.events[0].hash));
    let incident = decode(stored.state);
    assert_eq!(serde_json::to_value(&incident).ok(), Some(c.state.clone()));
    let report = IncidentEvent::Escalated { clock: IncidentClock::Phone, rung: 1, at: f.start };
    let mut next = event_commit(&incident, stored.head, &[report], f.start, None);
    let (h, _) = sample(&f, hazardloop_core::workflow::StageKind::Registered);
    next.outbox.push(sample_message(&f.tenant, &h, "rec", f.start));
    ok("append", store.commit_record(next.clone())).await;
    let events = ok("events", store.record_events(&f.tenant, RecordKind::Incident, &id)).await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[1], next.events[0]);
    let r = RecordRef { kind: RecordKind::Incident, id: id.clone() };
    assert_eq!(duty::verify(&f.tenant, &r, &events), Ok(()));
    let pending = ok("outbox", store.outbox(&f.tenant, OutboxStatus::Pending)).await;
    assert_eq!(pending.len(), 1, "the record's message lands with its commit");
    let after = ok("load", store.record(&f.tenant, RecordKind::Incident, &id)).await;
    assert_eq!(after.map(|s| (s.version, s.head)), Some((2, next.events[0].hash)));
}

/// Creating the same records twice stores each once; a batch with a malformed commit writes
/// nothing.
pub async fn creating_is_idempotent_and_all_or_nothing<S: RecordStore>(store: &S) {
    let f = fixture("rec-create");
    let by = &f.people.officer;
    let batch: Vec<_> = (0..3)
        .map(|i| {
            let e = opened(&f.school, by, f.start + Duration::hours(i));
            create_commit(&f.tenant, &format!("c-{i}"), &e, None)
        })
        .collect();
    assert_eq!(ok("first", store.create_records(batch.clone())).await, 3);
    assert_eq!(ok("again", store.create_records(batch.clone())).await, 0);
    let mut bad = create_commit(&f.tenant, "c-9", &opened(&f.school, by, f.start), None);
    bad.expected_version = 1;
    let fresh = create_commit(&f.tenant, "c-8", &opened(&f.school, by, f.start), None);
    match store.create_records(vec![fresh.clone(), bad]).await {
        Err(StoreError::Malformed(_)) => {}
        other => panic!("creating at version 1 is malformed, got {other:?}"),
    }
    assert!(ok("none", store.record(&f.tenant, RecordKind::Incident, &fresh.id)).await.is_none());
    let all =
        ok("rows", store.records(&f.tenant, RecordKind::Incident, &RecordQuery::default())).await;
    assert_eq!(all.len(), 3);
}

/// Two commits at the same version: exactly one lands, the other is a conflict.
pub async fn racing_record_commits_exactly_one_wins<S: RecordStore>(store: &S) {
    let f = fixture("rec-race");
    let first = opened(&f.school, &f.people.officer, f.start);
    let c = create_commit(&f.tenant, "r-1", &first, None);
    ok("create", store.commit_record(c.clone())).await;
    let incident = decode(c.state.clone());
    let head = c.events[0].hash;
    let a = IncidentEvent::Escalated { clock: IncidentClock::Phone, rung: 0, at: f.start };
    let b = IncidentEvent::Escalated { clock: IncidentClock::Written, rung: 0, at: f.start };
    let ca = event_commit(&incident, head, &[a], f.start, None);
    let cb = event_commit(&incident, head, &[b], f.start, None);
    let (ra, rb) = join(store.commit_record(ca), store.commit_record(cb)).await;
    let wins = [&ra, &rb].iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 1, "exactly one wins: {ra:?} {rb:?}");
    let lost = if ra.is_ok() { rb } else { ra };
    assert!(matches!(lost, Err(StoreError::Conflict { expected: 1, actual: 2 })), "{lost:?}");
    assert_eq!(
        ok("one more", store.record_events(&f.tenant, RecordKind::Incident, &c.id)).await.len(),
        2
    );
}

/// Rows come back by (at, id), filtered by units, time, openness and group.
pub async fn record_queries_filter_and_order<S: RecordStore>(store: &S) {
    let f = fixture("rec-query");
    let by = &f.people.officer;
    let make = |id: &str, unit: &UnitId, hours: i64| {
        create_commit(&f.tenant, id, &opened(unit, by, f.start + Duration::hours(hours)), None)
    };
    for c in [make("q-b", &f.school, 2), make("q-a", &f.school, 2), make("q-c", &f.grid, 1)] {
        ok("create", store.commit_record(c)).await;
    }
    let ids =
        |rows: Vec<duty::RecordRow>| rows.into_iter().map(|r| r.id.to_string()).collect::<Vec<_>>();
    let all =
        ok("all", store.records(&f.tenant, RecordKind::Incident, &RecordQuery::default())).await;
    assert_eq!(ids(all), ["q-c", "q-a", "q-b"]);
    let q = RecordQuery { units: Some(vec![f.grid.clone()]), ..RecordQuery::default() };
    assert_eq!(ids(ok("unit", store.records(&f.tenant, RecordKind::Incident, &q)).await), ["q-c"]);
    let q = RecordQuery { from: Some(f.start + Duration::hours(2)), ..RecordQuery::default() };
    assert_eq!(
        ids(ok("from", store.records(&f.tenant, RecordKind::Incident, &q)).await),
        ["q-a", "q-b"]
    );
    let q = RecordQuery { to: Some(f.start + Duration::hours(2)), ..RecordQuery::default() };
    assert_eq!(ids(ok("to", store.records(&f.tenant, RecordKind::Incident, &q)).await), ["q-c"]);
    let q = RecordQuery { open: Some(false), ..RecordQuery::default() };
    assert!(ok("closed", store.records(&f.tenant, RecordKind::Incident, &q)).await.is_empty());
    let q = RecordQuery { group: Some("accident".into()), ..RecordQuery::default() };
    assert!(ok("group", store.records(&f.tenant, RecordKind::Incident, &q)).await.is_empty());
    let q = RecordQuery { group: Some("public_health".into()), ..RecordQuery::default() };
    assert_eq!(ok("group", store.records(&f.tenant, RecordKind::Incident, &q)).await.len(), 3);
    assert!(ok("other kind", store.records(&f.tenant, RecordKind::Duty, &RecordQuery::default()))
        .await
        .is_empty());
}

/// Due records come back ordered, limited, paged after a cursor; a later commit replaces the
/// due time, and none removes it.
pub async fn record_dues_are_ordered_paged_and_replaced<S: RecordStore>(store: &S) {
    let f = fixture("rec-due");
    let by = &f.people.officer;
    // Far in the past, so other checks' records (due around the fixture's start) sort after.
    let base = f.start - Duration::days(4000);
    let mut commits = Vec::new();
    for i in 0..3 {
        let e = opened(&f.school, by, base);
        let c =
            create_commit(&f.tenant, &format!("d-{i}"), &e, Some(base + Duration::minutes(3 - i)));
        ok("create", store.commit_record(c.clone())).await;
        commits.push(c);
    }
    let mine = |d: &Vec<RecordDue>| {
        d.iter().filter(|d| d.tenant == f.tenant).map(|d| d.id.to_string()).collect::<Vec<_>>()
    };
    let before = base + Duration::minutes(10);
    let due = ok("due", store.records_due(before, None, 100)).await;
    assert_eq!(mine(&due), ["d-2", "d-1", "d-0"]);
    let first = ok("page", store.records_due(before, None, 1)).await;
    assert_eq!(first.len(), 1);
    let rest = ok("after", store.records_due(before, first.last(), 100)).await;
    assert_eq!(mine(&rest), ["d-1", "d-0"]);
    assert!(ok("not yet", store.records_due(base, None, 100))
        .await
        .iter()
        .all(|d| d.tenant != f.tenant));
    // Replace d-2's due time with a later one, and clear d-1's.
    let later = |c: &RecordCommit, next: Option<DateTime<Utc>>| {
        let incident = decode(c.state.clone());
        let e = IncidentEvent::Escalated { clock: IncidentClock::Phone, rung: 0, at: base };
        event_commit(&incident, c.events[0].hash, &[e], base, next)
    };
    ok("move", store.commit_record(later(&commits[2], Some(base + Duration::minutes(9))))).await;
    ok("clear", store.commit_record(later(&commits[1], None))).await;
    let due = ok("due", store.records_due(before, None, 100)).await;
    assert_eq!(mine(&due), ["d-0", "d-2"]);
}

/// A tenant sees only its records; one id may be used by two kinds or two tenants.
pub async fn records_stay_in_their_tenant_and_kind<S: RecordStore>(store: &S) {
    let f = fixture("rec-tenant-a");
    let g = fixture("rec-tenant-b");
    let e = opened(&f.school, &f.people.officer, f.start);
    ok("a", store.commit_record(create_commit(&f.tenant, "same", &e, None))).await;
    let e = opened(&g.school, &g.people.officer, g.start);
    ok("b", store.commit_record(create_commit(&g.tenant, "same", &e, None))).await;
    let id = RecordId::parse_as("same", "id").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        ok("a rows", store.records(&f.tenant, RecordKind::Incident, &RecordQuery::default()))
            .await
            .len(),
        1
    );
    assert!(ok("other kind", store.record(&f.tenant, RecordKind::Duty, &id)).await.is_none());
    let a = ok("a", store.record(&f.tenant, RecordKind::Incident, &id))
        .await
        .map(|s| decode(s.state).tenant);
    assert_eq!(a, Some(f.tenant.clone()));
}

/// Commits with no event, events out of sequence, a row at the wrong version or a message of
/// another tenant are malformed and write nothing.
pub async fn malformed_record_commits_write_nothing<S: RecordStore>(store: &S) {
    let f = fixture("rec-malformed");
    let g = fixture("rec-malformed-other");
    let e = opened(&f.school, &f.people.officer, f.start);
    let good = create_commit(&f.tenant, "m-1", &e, Some(f.start));
    let mut empty = good.clone();
    empty.events.clear();
    let mut gap = good.clone();
    gap.events[0].seq = 2;
    let mut row = good.clone();
    row.row.version = 5;
    let mut foreign = good.clone();
    let (h, _) = sample(&g, hazardloop_core::workflow::StageKind::Registered);
    foreign.outbox.push(sample_message(&g.tenant, &h, "x", g.start));
    for (what, c) in
        [("no event", empty), ("a gap", gap), ("a wrong row", row), ("a foreign message", foreign)]
    {
        match store.commit_record(c).await {
            Err(StoreError::Malformed(_)) => {}
            other => panic!("a commit with {what} is malformed, got {other:?}"),
        }
    }
    assert!(ok("nothing", store.record(&f.tenant, RecordKind::Incident, &good.id)).await.is_none());
    assert!(ok("no due", store.records_due(f.start, None, 1000))
        .await
        .iter()
        .all(|d| d.tenant != f.tenant));
    assert!(ok("no message", store.outbox(&g.tenant, OutboxStatus::Pending)).await.is_empty());
}
