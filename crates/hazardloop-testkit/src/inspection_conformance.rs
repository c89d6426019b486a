//! The inspection store conformance suite: every [`InspectionStore`] runs
//! [`inspection_conformance`], the in-memory store included. Each check uses tenants of its own.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use hazardloop_core::chain::ChainHash;
use hazardloop_core::inspection::{
    self, Finding, Occurrence, OccurrenceEvent, OccurrenceId, OccurrenceQuery, OccurrenceRow,
    Scheduled, Slot, TemplateRef,
};
use hazardloop_core::model::{HazardId, PersonId, Source, TenantId, UnitId};
use hazardloop_core::store::{InspectionStore, OccurrenceCommit, OccurrenceDue, StoreError};
use hazardloop_core::workflow::StageKind;

use crate::conformance::{commit, fixture, ok, sample, tenant};

/// Runs every inspection store check.
pub async fn inspection_conformance<S: InspectionStore>(store: &S) {
    occurrences_round_trip_with_their_chain(store).await;
    scheduling_is_idempotent(store).await;
    stale_occurrence_commits_conflict(store).await;
    completion_and_its_hazards_land_together_or_not_at_all(store).await;
    occurrence_queries_filter_and_order(store).await;
    occurrence_dues_are_ordered_paged_and_replaced(store).await;
    occurrences_stay_in_their_tenant(store).await;
    malformed_occurrence_commits_write_nothing(store).await;
}

/// A new occurrence begins with its `Scheduled` event, and scheduling raises no hazard: a
/// commit that breaks either is malformed and writes nothing.
pub async fn malformed_occurrence_commits_write_nothing<S: InspectionStore>(store: &S) {
    let f = fixture("occ-malformed");
    let o = scheduled(&f.tenant, "patrol", &f.grid, 10, &f.people.grid_member);
    let mut empty = schedule_commit(&o, None);
    empty.events.clear();
    match store.commit_occurrence(empty).await {
        Err(StoreError::Malformed(_)) => {}
        other => panic!("a new occurrence without its scheduled event is malformed, got {other:?}"),
    }
    let (h, records) = sample(&f, StageKind::Discovered);
    let mut with_hazard = schedule_commit(&o, None);
    with_hazard.hazards.push(commit(&f.tenant, &h, 0, records, f.start));
    match store.schedule(vec![with_hazard]).await {
        Err(StoreError::Malformed(_)) => {}
        other => panic!("scheduling that raises a hazard is malformed, got {other:?}"),
    }
    assert_eq!(ok("nothing", store.occurrence(&f.tenant, &o.id)).await, None);
    assert_eq!(ok("no hazard", store.snapshot(&f.tenant, h.id)).await, None);
}

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    let base = NaiveDate::from_ymd_opt(2026, 9, 1)
        .unwrap_or_default()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    (base + Duration::days(i64::from(day) - 1) + Duration::hours(i64::from(hour))).and_utc()
}

/// A scheduled occurrence of `plan` for `unit` on 2026-09-`day`, inspected by `inspector`.
pub fn scheduled(
    tenant: &TenantId,
    plan: &str,
    unit: &UnitId,
    day: u32,
    inspector: &PersonId,
) -> Occurrence {
    let Some(date) = NaiveDate::from_ymd_opt(2026, 9, day) else {
        panic!("2026-09-{day} is not a date")
    };
    let slot = Slot {
        period: date.format("%Y-%m-%d").to_string(),
        first_day: date,
        last_day: date,
        opens: at(day, 0),
        due: at(day, 9),
        closes: at(day + 1, 9),
    };
    let s = Scheduled {
        plan: plan.into(),
        title: "每日安全巡查".into(),
        template: TemplateRef { code: "daily_patrol".into(), version: 1 },
        unit: unit.clone(),
        location: "教学楼".into(),
        inspector: inspector.clone(),
        slot: slot.clone(),
        late_allowed: true,
        source: Source::DailyPatrol,
    };
    let id = OccurrenceId::of(plan, unit, &slot.period);
    let events = [OccurrenceEvent::Scheduled { scheduled: Box::new(s) }];
    match Occurrence::fold(id, tenant.clone(), &events) {
        Ok(o) => o,
        Err(e) => panic!("a scheduled occurrence folds: {e}"),
    }
}

/// The commit that schedules `o` (version 0 to 1).
pub fn schedule_commit(o: &Occurrence, next_due: Option<DateTime<Utc>>) -> OccurrenceCommit {
    let Some(first) = first_event(o) else { panic!("no scheduled event") };
    let events = inspection::chain(
        &o.tenant,
        &o.id,
        0,
        ChainHash::default(),
        o.scheduled.slot.opens,
        vec![first],
    );
    OccurrenceCommit {
        tenant: o.tenant.clone(),
        occurrence: o.id.clone(),
        expected_version: 0,
        events,
        state: o.clone(),
        row: OccurrenceRow::of(o),
        next_due,
        outbox: Vec::new(),
        hazards: Vec::new(),
    }
}

fn first_event(o: &Occurrence) -> Option<OccurrenceEvent> {
    Some(OccurrenceEvent::Scheduled { scheduled: Box::new(o.scheduled.clone()) })
}

/// The commit of `events` on `o` (at `head`), with `hazards`.
pub fn event_commit(
    o: &Occurrence,
    head: ChainHash,
    events: Vec<OccurrenceEvent>,
    hazards: Vec<hazardloop_core::store::Commit>,
    next_due: Option<DateTime<Utc>>,
) -> OccurrenceCommit {
    let mut state = o.clone();
    for e in &events {
        if let Err(err) = state.apply(e) {
            panic!("events apply: {err}");
        }
    }
    let records =
        inspection::chain(&o.tenant, &o.id, o.version, head, o.scheduled.slot.due, events);
    OccurrenceCommit {
        tenant: o.tenant.clone(),
        occurrence: o.id.clone(),
        expected_version: o.version,
        events: records,
        row: OccurrenceRow::of(&state),
        state,
        next_due,
        outbox: Vec::new(),
        hazards,
    }
}

/// An occurrence is read back exactly, with its chain, and verifies.
pub async fn occurrences_round_trip_with_their_chain<S: InspectionStore>(store: &S) {
    let f = fixture("occ-round");
    let o = scheduled(&f.tenant, "patrol", &f.grid, 1, &f.people.grid_member);
    assert_eq!(
        ok("schedule", store.schedule(vec![schedule_commit(&o, Some(o.scheduled.slot.due))])).await,
        1
    );
    let (stored, head) =
        ok("load", store.occurrence(&f.tenant, &o.id)).await.unwrap_or_else(|| panic!("stored"));
    assert_eq!(stored, o);
    let started = OccurrenceEvent::Started { by: f.people.grid_member.clone(), at: at(1, 2) };
    ok(
        "start",
        store.commit_occurrence(event_commit(&o, head, vec![started.clone()], Vec::new(), None)),
    )
    .await;
    let records = ok("events", store.occurrence_events(&f.tenant, &o.id)).await;
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].event, started);
    assert_eq!(inspection::verify(&f.tenant, &o.id, &records), Ok(()));
    let (after, head2) =
        ok("load", store.occurrence(&f.tenant, &o.id)).await.unwrap_or_else(|| panic!("stored"));
    assert_eq!(after.version, 2);
    assert_eq!(head2, records[1].hash);
    let missing = OccurrenceId::of("patrol", &f.grid, "2030-01-01");
    assert_eq!(ok("missing", store.occurrence(&f.tenant, &missing)).await, None);
    assert!(ok("no events", store.occurrence_events(&f.tenant, &missing)).await.is_empty());
}

/// Scheduling the same occurrences again stores nothing new and changes nothing.
pub async fn scheduling_is_idempotent<S: InspectionStore>(store: &S) {
    let f = fixture("occ-idem");
    let all: Vec<Occurrence> = (1..=5)
        .map(|d| scheduled(&f.tenant, "patrol", &f.grid, d, &f.people.grid_member))
        .collect();
    let commits = |os: &[Occurrence]| {
        os.iter().map(|o| schedule_commit(o, Some(o.scheduled.slot.due))).collect()
    };
    assert_eq!(ok("first", store.schedule(commits(&all[..3]))).await, 3);
    // Start one, then schedule everything again: the started one keeps its events.
    let (o, head) = ok("load", store.occurrence(&f.tenant, &all[0].id))
        .await
        .unwrap_or_else(|| panic!("stored"));
    let started = OccurrenceEvent::Started { by: f.people.grid_member.clone(), at: at(1, 2) };
    ok("start", store.commit_occurrence(event_commit(&o, head, vec![started], Vec::new(), None)))
        .await;
    assert_eq!(ok("again", store.schedule(commits(&all))).await, 2, "only the two new ones");
    assert_eq!(ok("once more", store.schedule(commits(&all))).await, 0);
    let rows = ok("rows", store.occurrences(&f.tenant, &OccurrenceQuery::default())).await;
    assert_eq!(rows.len(), 5);
    let first = ok("load", store.occurrence(&f.tenant, &all[0].id))
        .await
        .unwrap_or_else(|| panic!("stored"));
    assert_eq!(first.0.version, 2, "scheduling again never replaces a stored occurrence");
}

/// A commit at a stale version is a conflict and writes nothing.
pub async fn stale_occurrence_commits_conflict<S: InspectionStore>(store: &S) {
    let f = fixture("occ-stale");
    let o = scheduled(&f.tenant, "patrol", &f.grid, 2, &f.people.grid_member);
    ok("schedule", store.schedule(vec![schedule_commit(&o, None)])).await;
    let (o, head) =
        ok("load", store.occurrence(&f.tenant, &o.id)).await.unwrap_or_else(|| panic!("stored"));
    let a =
        event_commit(&o, head, vec![OccurrenceEvent::Missed { at: at(3, 9) }], Vec::new(), None);
    let b = event_commit(
        &o,
        head,
        vec![OccurrenceEvent::Escalated { rung: 0, at: at(3, 9) }],
        Vec::new(),
        None,
    );
    ok("first", store.commit_occurrence(a)).await;
    match store.commit_occurrence(b).await {
        Err(StoreError::Conflict { expected: 1, actual: 2 }) => {}
        other => panic!("a stale commit must conflict (expected 1, actual 2), got {other:?}"),
    }
    assert_eq!(ok("events", store.occurrence_events(&f.tenant, &o.id)).await.len(), 2);
}

/// A completion carries its findings' new hazards: all land, or (when one hazard conflicts)
/// none, and the occurrence does not move.
pub async fn completion_and_its_hazards_land_together_or_not_at_all<S: InspectionStore>(store: &S) {
    let f = fixture("occ-atomic");
    let o = scheduled(&f.tenant, "patrol", &f.grid, 3, &f.people.grid_member);
    ok("schedule", store.schedule(vec![schedule_commit(&o, Some(o.scheduled.slot.due))])).await;
    let (o, head) =
        ok("load", store.occurrence(&f.tenant, &o.id)).await.unwrap_or_else(|| panic!("stored"));
    let hazard = |_: i64| {
        let (h, records) = sample(&f, StageKind::Discovered);
        commit(&f.tenant, &h, 0, records, f.start)
    };
    // An existing hazard id makes the whole completion fail.
    let taken = hazard(1);
    ok("existing hazard", store.commit(taken.clone())).await;
    let (h2, h3) = (hazard(2), hazard(3));
    let findings = |ids: &[HazardId]| {
        ids.iter()
            .enumerate()
            .map(|(i, h)| Finding { item: format!("item{i}"), hazard: *h })
            .collect::<Vec<_>>()
    };
    let completed = |ids: &[HazardId]| OccurrenceEvent::Completed {
        by: f.people.grid_member.clone(),
        at: at(3, 3),
        late: false,
        findings: findings(ids),
    };
    let bad = event_commit(
        &o,
        head,
        vec![completed(&[h2.hazard, taken.hazard])],
        vec![h2.clone(), taken.clone()],
        None,
    );
    assert!(
        matches!(store.commit_occurrence(bad).await, Err(StoreError::Conflict { .. })),
        "a completion whose hazard exists conflicts"
    );
    assert_eq!(
        ok("unchanged", store.occurrence_events(&f.tenant, &o.id)).await.len(),
        1,
        "the occurrence did not move"
    );
    assert_eq!(
        ok("no hazard", store.snapshot(&f.tenant, h2.hazard)).await,
        None,
        "nor did its first hazard land"
    );
    // Both new: all land.
    let good = event_commit(
        &o,
        head,
        vec![completed(&[h2.hazard, h3.hazard])],
        vec![h2.clone(), h3.clone()],
        None,
    );
    ok("complete", store.commit_occurrence(good)).await;
    let (after, _) =
        ok("load", store.occurrence(&f.tenant, &o.id)).await.unwrap_or_else(|| panic!("stored"));
    assert!(after.completed.is_some());
    for h in [&h2, &h3] {
        let snap = ok("hazard", store.snapshot(&f.tenant, h.hazard)).await;
        assert!(snap.is_some(), "the finding's hazard landed with the completion");
    }
    let due = ok("due", store.occurrences_due(at(30, 0), None, 100_000)).await;
    assert!(
        !due.iter().any(|d| d.occurrence == o.id && d.tenant == f.tenant),
        "a completed occurrence leaves the due index"
    );
}

/// Listing filters by inspector, units, plan and due time, ordered by (due, id), and limits.
pub async fn occurrence_queries_filter_and_order<S: InspectionStore>(store: &S) {
    let f = fixture("occ-query");
    let mut all = Vec::new();
    for day in [4, 2, 3] {
        all.push(scheduled(&f.tenant, "patrol", &f.grid, day, &f.people.grid_member));
        all.push(scheduled(&f.tenant, "monthly", &f.school, day, &f.people.officer));
    }
    ok("schedule", store.schedule(all.iter().map(|o| schedule_commit(o, None)).collect())).await;
    let t = &f.tenant;
    let query = |q: OccurrenceQuery| async move { ok("query", store.occurrences(t, &q)).await };
    let rows = query(OccurrenceQuery::default()).await;
    assert_eq!(rows.len(), 6);
    let mut sorted = rows.clone();
    sorted.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.id.cmp(&b.id)));
    assert_eq!(rows, sorted, "ordered by due time, then id");
    let mine = query(OccurrenceQuery {
        inspector: Some(f.people.grid_member.clone()),
        ..Default::default()
    })
    .await;
    assert_eq!(mine.len(), 3);
    assert!(mine.iter().all(|r| r.inspector == f.people.grid_member));
    let units =
        query(OccurrenceQuery { units: Some(vec![f.school.clone()]), ..Default::default() }).await;
    assert!(units.len() == 3 && units.iter().all(|r| r.unit == f.school));
    let plan = query(OccurrenceQuery { plan: Some("monthly".into()), ..Default::default() }).await;
    assert!(plan.len() == 3 && plan.iter().all(|r| r.plan == "monthly"));
    let window = query(OccurrenceQuery {
        due_from: Some(at(3, 9)),
        due_to: Some(at(4, 9)),
        ..Default::default()
    })
    .await;
    assert_eq!(window.len(), 2, "due_from is inclusive, due_to exclusive");
    let limited = query(OccurrenceQuery { limit: 2, ..Default::default() }).await;
    assert_eq!(limited, rows[..2].to_vec());
    for q in [
        OccurrenceQuery::default(),
        OccurrenceQuery {
            plan: Some("patrol".into()),
            due_from: Some(at(3, 0)),
            ..Default::default()
        },
    ] {
        let expect: Vec<_> = rows.iter().filter(|r| q.matches(r)).cloned().collect();
        assert_eq!(query(q).await, expect, "the store agrees with OccurrenceQuery::matches");
    }
}

/// The due index: ordered by (time, tenant, occurrence), paged after a cursor, replaced by each
/// commit's `next_due` and emptied by `None`.
pub async fn occurrence_dues_are_ordered_paged_and_replaced<S: InspectionStore>(store: &S) {
    let f = fixture("occ-due");
    let os: Vec<Occurrence> =
        (5..=8).map(|d| scheduled(&f.tenant, "due", &f.grid, d, &f.people.grid_member)).collect();
    ok(
        "schedule",
        store.schedule(os.iter().map(|o| schedule_commit(o, Some(o.scheduled.slot.due))).collect()),
    )
    .await;
    let mine =
        |v: Vec<OccurrenceDue>| v.into_iter().filter(|d| d.tenant == f.tenant).collect::<Vec<_>>();
    let due = mine(ok("due", store.occurrences_due(at(7, 9), None, 1000)).await);
    assert_eq!(
        due.iter().map(|d| d.occurrence.clone()).collect::<Vec<_>>(),
        [os[0].id.clone(), os[1].id.clone(), os[2].id.clone()]
    );
    assert!(due.windows(2).all(|w| w[0] < w[1]), "ordered");
    let all = ok("all", store.occurrences_due(at(30, 0), None, 100_000)).await;
    let cursor =
        all.iter().position(|d| d.occurrence == os[0].id).unwrap_or_else(|| panic!("listed"));
    let after = ok("page", store.occurrences_due(at(30, 0), Some(&all[cursor]), 1)).await;
    assert_eq!(after.first(), all.get(cursor + 1), "the page starts after the cursor");
    // Moving one's due time and clearing another's.
    let (o, head) = ok("load", store.occurrence(&f.tenant, &os[0].id))
        .await
        .unwrap_or_else(|| panic!("stored"));
    let moved = at(20, 0);
    ok(
        "move",
        store.commit_occurrence(event_commit(
            &o,
            head,
            vec![OccurrenceEvent::Escalated { rung: 1, at: at(5, 9) }],
            Vec::new(),
            Some(moved),
        )),
    )
    .await;
    let (o, head) = ok("load", store.occurrence(&f.tenant, &os[1].id))
        .await
        .unwrap_or_else(|| panic!("stored"));
    ok(
        "clear",
        store.commit_occurrence(event_commit(
            &o,
            head,
            vec![OccurrenceEvent::Missed { at: at(7, 9) }],
            Vec::new(),
            None,
        )),
    )
    .await;
    let due = mine(ok("due", store.occurrences_due(at(30, 0), None, 100_000)).await);
    let ids: Vec<_> = due.iter().map(|d| (d.occurrence.clone(), d.at)).collect();
    assert_eq!(
        ids,
        [
            (os[2].id.clone(), os[2].scheduled.slot.due),
            (os[3].id.clone(), os[3].scheduled.slot.due),
            (os[0].id.clone(), moved)
        ]
    );
}

/// One tenant never sees another's occurrences.
pub async fn occurrences_stay_in_their_tenant<S: InspectionStore>(store: &S) {
    let a = fixture("occ-ten-a");
    let b_tenant = tenant("occ-ten-b");
    let o = scheduled(&a.tenant, "patrol", &a.grid, 9, &a.people.grid_member);
    ok("schedule", store.schedule(vec![schedule_commit(&o, None)])).await;
    assert_eq!(ok("other", store.occurrence(&b_tenant, &o.id)).await, None);
    assert!(ok("other events", store.occurrence_events(&b_tenant, &o.id)).await.is_empty());
    assert!(ok("other rows", store.occurrences(&b_tenant, &OccurrenceQuery::default()))
        .await
        .is_empty());
    // The same id in another tenant is another occurrence.
    let mut other = o.clone();
    other.tenant = b_tenant.clone();
    assert_eq!(
        ok("same id elsewhere", store.schedule(vec![schedule_commit(&other, None)])).await,
        1
    );
}
