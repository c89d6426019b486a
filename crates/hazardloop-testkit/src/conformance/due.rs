//! Due clock check: the sweep's index of due clocks is ordered, paged and replaced.

use chrono::{Duration, TimeZone, Utc};
use hazardloop_core::store::{Due, Store};
use hazardloop_core::workflow::{Event, StageKind};

use super::fixtures::{chain, commit, fixture, ok, sample};
use crate::Fixture;

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
