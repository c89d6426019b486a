//! Statistics check: a store's tally agrees with the pure reference over edge rows.

use chrono::{DateTime, Duration, Utc};
use hazardloop_core::model::Grade;
use hazardloop_core::report::LedgerRow;
use hazardloop_core::store::{LedgerQuery, Store};
use hazardloop_core::workflow::StageKind;

use super::fixtures::{commit, fixture, ok, sample, tenant};
use crate::Fixture;

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
        let row = std::sync::Arc::make_mut(&mut c.ledger);
        edit(row);
        row.as_of = row.as_of.max(day(1));
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
