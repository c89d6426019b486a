//! Occurrence reading checks: listings filter and order, and the due index is ordered, paged and
//! replaced.

use hazardloop_core::inspection::{Occurrence, OccurrenceEvent, OccurrenceQuery};
use hazardloop_core::store::{InspectionStore, OccurrenceDue};

use super::fixtures::{at, event_commit, schedule_commit, scheduled};
use crate::conformance::{fixture, ok};

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
