//! Occurrence commit checks: round trip with the chain, idempotent scheduling, stale commits,
//! completions landing with their hazards, and malformed commits writing nothing.

use hazardloop_core::inspection::{
    self, Finding, Occurrence, OccurrenceEvent, OccurrenceId, OccurrenceQuery,
};
use hazardloop_core::model::HazardId;
use hazardloop_core::store::{InspectionStore, StoreError};
use hazardloop_core::workflow::StageKind;

use super::fixtures::{at, event_commit, schedule_commit, scheduled};
use crate::conformance::{commit, fixture, ok, sample};

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
