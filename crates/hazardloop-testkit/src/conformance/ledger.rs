//! Ledger check: queries filter, order and page as `LedgerQuery::matches` says.

use chrono::Duration;
use hazardloop_core::report::LedgerRow;
use hazardloop_core::store::{LedgerQuery, Store};
use hazardloop_core::workflow::StageKind;

use super::fixtures::{commit, fixture, ok, sample};
use crate::Fixture;

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
        std::sync::Arc::make_mut(&mut c.ledger).title = titles[i].into();
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
