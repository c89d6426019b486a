//! The SQLite store's occurrences: the inspection conformance suite, and what only this store
//! can get wrong (a completion's hazards in the writer's savepoint, group commit, two stores on
//! one file, a reopened file).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/inspection.rs"]
mod support;

use std::path::Path;
use std::sync::Arc;

use chrono::Duration;
use hazardloop_core::chain::ChainHash;
use hazardloop_core::inspection::{self, FindingRef, Occurrence, OccurrenceQuery};
use hazardloop_core::model::HazardId;
use hazardloop_core::store::{
    IdempotentResult, InspectionStore, LedgerQuery, OccurrenceCommit, OutboxStatus, Store,
    StoreError,
};
use hazardloop_sqlite::{SqliteOptions, SqliteStore, Synchronous};
use hazardloop_testkit::conformance::join;
use hazardloop_testkit::inspection_conformance::{event_commit, schedule_commit, scheduled};
use hazardloop_testkit::{inspection_conformance, Fixture};
use support::{completion, finding_hazard};

fn open(path: &Path) -> SqliteStore {
    let store = SqliteStore::open(path).unwrap();
    store.migrate().unwrap();
    store
}

/// `o` scheduled (due at its slot's due time), as stored, with its head.
async fn stored(store: &SqliteStore, o: &Occurrence) -> (Occurrence, ChainHash) {
    store.schedule(vec![schedule_commit(o, Some(o.scheduled.slot.due))]).await.unwrap();
    store.occurrence(&o.tenant, &o.id).await.unwrap().unwrap()
}

fn all_rows() -> LedgerQuery {
    LedgerQuery { limit: 0, ..LedgerQuery::default() }
}

fn ids(f: &Fixture, n: usize) -> Vec<HazardId> {
    (0..n).map(|_| HazardId::new_at(f.start)).collect()
}

/// Everything of the tenant a commit could have written: occurrence events, hazards (rows and
/// ledger), messages, due entries.
async fn footprint(store: &SqliteStore, f: &Fixture) -> (usize, usize, usize, usize) {
    let q = OccurrenceQuery::default();
    let mut events = 0;
    for row in store.occurrences(&f.tenant, &q).await.unwrap() {
        events += store.occurrence_events(&f.tenant, &row.id).await.unwrap().len();
    }
    let hazards = store.ledger(&f.tenant, &all_rows()).await.unwrap().rows.len();
    let messages = store.outbox(&f.tenant, OutboxStatus::Pending).await.unwrap().len();
    let far = f.start + Duration::days(3650);
    let due = store.due(far, None, 100_000).await.unwrap().len()
        + store.occurrences_due(far, None, 100_000).await.unwrap().len();
    (events, hazards, messages, due)
}

#[tokio::test]
async fn sqlite_store_passes_the_inspection_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("inspections.db"));
    inspection_conformance(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_suite_passes_with_every_write_on_the_writer_thread_and_after_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("thread.db");
    let options =
        SqliteOptions::default().commit_on_caller(false).readers(1).synchronous(Synchronous::Full);
    let store = SqliteStore::open_with(&path, options).unwrap();
    store.migrate().unwrap();
    inspection_conformance(&store).await;
    drop(store);
    // Every check uses tenants of its own, so the suite runs again on the reopened file.
    inspection_conformance(&SqliteStore::open(&path).unwrap()).await;
}

/// The second of two findings' hazards exists: the completion is a conflict, and neither the
/// occurrence nor its first hazard (row, events, ledger, due clock, message) moved.
#[tokio::test]
async fn a_completion_whose_second_hazard_conflicts_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("atomic.db"));
    let f = Fixture::school();
    let o = scheduled(&f.tenant, "patrol", &f.grid, 3, &f.people.grid_member);
    let (o, head) = stored(&store, &o).await;
    let taken = HazardId::new_at(f.start);
    let other = FindingRef { occurrence: o.id.clone(), item: "other".into() };
    store.commit(finding_hazard(&f, taken, &other, f.start)).await.unwrap();
    let before = footprint(&store, &f).await;
    let fresh = HazardId::new_at(f.start);
    let mut bad = completion(&f, &o, head, &[fresh, taken], f.start);
    bad.outbox.push(hazardloop_testkit::conformance::sample_message(
        &f.tenant,
        &bad.hazards[0].state,
        "occurrence",
        f.start,
    ));
    bad.next_due = Some(f.start + Duration::days(9));
    match store.commit_occurrence(bad).await {
        Err(StoreError::Conflict { expected: 0, actual }) if actual > 0 => {}
        other => panic!("the taken hazard's conflict, got {other:?}"),
    }
    assert_eq!(footprint(&store, &f).await, before, "nothing of the completion was written");
    assert_eq!(store.snapshot(&f.tenant, fresh).await.unwrap(), None);
    assert_eq!(store.load(&f.tenant, fresh).await.unwrap(), None);
    assert_eq!(store.occurrence(&f.tenant, &o.id).await.unwrap(), Some((o.clone(), head)));
    // The same completion with two new hazards lands whole.
    let good = completion(&f, &o, head, &[fresh, HazardId::new_at(f.start)], f.start);
    store.commit_occurrence(good.clone()).await.unwrap();
    let (after, _) = store.occurrence(&f.tenant, &o.id).await.unwrap().unwrap();
    assert_eq!(after, good.state);
    assert_eq!(footprint(&store, &f).await, (2, 3, 3, 3), "1 due: the occurrence left the sweep");
}

/// The findings' hazards are written exactly as their own commits would be: events, snapshot,
/// ledger row (with its link back), due clock, messages and idempotency key.
#[tokio::test]
async fn a_completions_hazards_are_stored_as_hazard_commits_store_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("hazards.db"));
    let f = Fixture::school();
    let (o, head) =
        stored(&store, &scheduled(&f.tenant, "patrol", &f.grid, 4, &f.people.grid_member)).await;
    let hazards = ids(&f, 3);
    let mut c = completion(&f, &o, head, &hazards, f.start);
    let h = &mut c.hazards[1];
    h.idempotency = Some(IdempotentResult {
        key: "finding-1".into(),
        hazard: h.hazard,
        version: h.events.len() as u64,
        events: h.events.len() as u64,
    });
    store.commit_occurrence(c.clone()).await.unwrap();
    let rows = store.ledger(&f.tenant, &all_rows()).await.unwrap().rows;
    let due = store.due(f.start + Duration::days(2), None, 100).await.unwrap();
    let pending = store.outbox(&f.tenant, OutboxStatus::Pending).await.unwrap();
    for (i, h) in c.hazards.iter().enumerate() {
        let loaded = store.load(&f.tenant, h.hazard).await.unwrap().unwrap();
        assert_eq!(loaded.events[..], h.events[..]);
        assert_eq!(store.snapshot(&f.tenant, h.hazard).await.unwrap().unwrap().hazard, h.state);
        let row = rows.iter().find(|r| r.id == h.hazard).unwrap();
        assert_eq!(row, &*h.ledger);
        let link = FindingRef { occurrence: o.id.clone(), item: format!("item{i}") };
        assert_eq!(row.finding, Some(link));
        assert!(due.iter().any(|d| d.hazard == h.hazard && Some(d.at) == h.next_due));
        assert!(pending.contains(&h.outbox[0]));
    }
    let key = store.idempotent(&f.tenant, "finding-1").await.unwrap();
    assert_eq!(key.map(|k| k.hazard), Some(hazards[1]));
    let events = store.occurrence_events(&f.tenant, &o.id).await.unwrap();
    assert_eq!(inspection::verify(&f.tenant, &o.id, &events), Ok(()));
}

/// A finding's hazard whose idempotency key is used fails the completion: `DuplicateKey`,
/// nothing written. A hazard raised twice in one completion is malformed.
#[tokio::test]
async fn a_used_key_or_a_hazard_raised_twice_fails_the_whole_completion() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("keys.db"));
    let f = Fixture::school();
    let (o, head) =
        stored(&store, &scheduled(&f.tenant, "patrol", &f.grid, 5, &f.people.grid_member)).await;
    let link = FindingRef { occurrence: o.id.clone(), item: "earlier".into() };
    let mut earlier = finding_hazard(&f, HazardId::new_at(f.start), &link, f.start);
    let key = |h: &hazardloop_core::store::Commit| IdempotentResult {
        key: "k".into(),
        hazard: h.hazard,
        version: 1,
        events: 1,
    };
    earlier.idempotency = Some(key(&earlier));
    store.commit(earlier).await.unwrap();
    let before = footprint(&store, &f).await;
    let mut c = completion(&f, &o, head, &ids(&f, 2), f.start);
    c.hazards[1].idempotency = Some(key(&c.hazards[1]));
    assert_eq!(store.commit_occurrence(c).await, Err(StoreError::DuplicateKey));
    assert_eq!(footprint(&store, &f).await, before);
    let twice = HazardId::new_at(f.start);
    let c = completion(&f, &o, head, &[twice, twice], f.start);
    assert!(matches!(store.commit_occurrence(c).await, Err(StoreError::Malformed(_))));
    assert_eq!(footprint(&store, &f).await, before);
    assert_eq!(store.occurrence(&f.tenant, &o.id).await.unwrap(), Some((o, head)));
}

/// The version check comes first: a stale malformed commit is a conflict, a current one is
/// malformed; neither writes anything.
#[tokio::test]
async fn a_malformed_commit_is_refused_after_the_version_check() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("shape.db"));
    let f = Fixture::school();
    let (o, head) =
        stored(&store, &scheduled(&f.tenant, "patrol", &f.grid, 6, &f.people.grid_member)).await;
    let missed = inspection::OccurrenceEvent::Missed { at: f.start };
    let mut bad = event_commit(&o, head, vec![missed], Vec::new(), None);
    bad.events[0].seq = 3;
    assert!(matches!(store.commit_occurrence(bad.clone()).await, Err(StoreError::Malformed(_))));
    bad.expected_version = 0;
    assert_eq!(
        store.commit_occurrence(bad).await,
        Err(StoreError::Conflict { expected: 0, actual: 1 })
    );
    assert_eq!(store.occurrence_events(&f.tenant, &o.id).await.unwrap().len(), 1);
}

/// A batch with one malformed commit schedules none of it; a good batch with repeats stores
/// each occurrence once.
#[tokio::test]
async fn a_schedule_batch_lands_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("batch.db"));
    let f = Fixture::school();
    let os: Vec<Occurrence> = (1..=4)
        .map(|d| scheduled(&f.tenant, "patrol", &f.grid, d, &f.people.grid_member))
        .collect();
    let mut batch: Vec<OccurrenceCommit> = os.iter().map(|o| schedule_commit(o, None)).collect();
    batch[3].expected_version = 1;
    assert!(matches!(store.schedule(batch.clone()).await, Err(StoreError::Malformed(_))));
    batch[3].expected_version = 0;
    batch[3].events[0].seq = 2;
    assert!(matches!(store.schedule(batch).await, Err(StoreError::Malformed(_))));
    let rows = store.occurrences(&f.tenant, &OccurrenceQuery::default()).await.unwrap();
    assert!(rows.is_empty(), "nothing of a refused batch");
    let mut batch: Vec<OccurrenceCommit> = os.iter().map(|o| schedule_commit(o, None)).collect();
    batch.push(batch[0].clone());
    assert_eq!(store.schedule(batch).await.unwrap(), 4);
    assert_eq!(store.schedule(Vec::new()).await.unwrap(), 0);
}

/// Two stores on one file (two processes' worth) scheduling overlapping horizons at once store
/// each occurrence once, and count it new once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_scheduling_one_horizon_store_each_occurrence_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.db");
    let (a, b) = (open(&path), SqliteStore::open(&path).unwrap());
    let f = Fixture::school();
    let os: Vec<Occurrence> = (1..=28)
        .flat_map(|d| {
            [f.grid.clone(), f.school.clone()]
                .map(|u| scheduled(&f.tenant, "patrol", &u, d, &f.people.grid_member))
        })
        .collect();
    let commits = |range: std::ops::Range<usize>| {
        os[range].iter().map(|o| schedule_commit(o, Some(o.scheduled.slot.due))).collect()
    };
    let (x, y) = join(a.schedule(commits(0..40)), b.schedule(commits(16..56))).await;
    assert_eq!(x.unwrap() + y.unwrap(), 56);
    let rows = a.occurrences(&f.tenant, &OccurrenceQuery::default()).await.unwrap();
    assert_eq!(rows.len(), 56);
    let far = f.start + Duration::days(3650);
    assert_eq!(b.occurrences_due(far, None, 1000).await.unwrap().len(), 56);
}

/// Under group commit, a completion that conflicts rolls back alone: the hazard commit and
/// the completion sharing its transaction land.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_completion_in_a_group_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(open(&dir.path().join("group.db")));
    let f = Fixture::school();
    let mut occurrences = Vec::new();
    for day in [1, 2] {
        let o = scheduled(&f.tenant, "patrol", &f.grid, day, &f.people.grid_member);
        occurrences.push(stored(&store, &o).await);
    }
    let [(o1, h1), (o2, h2)] = [occurrences[0].clone(), occurrences[1].clone()];
    let taken = HazardId::new_at(f.start);
    let link = FindingRef { occurrence: o1.id.clone(), item: "x".into() };
    store.commit(finding_hazard(&f, taken, &link, f.start)).await.unwrap();
    let fresh = HazardId::new_at(f.start);
    let bad = completion(&f, &o1, h1, &[fresh, taken], f.start);
    let good = completion(&f, &o2, h2, &ids(&f, 2), f.start);
    let lone = finding_hazard(&f, HazardId::new_at(f.start), &link, f.start);
    let lone_id = lone.hazard;
    // Hold the writer busy with a big transaction, so that the three writes queue behind it
    // and share the next one (a write that finds the writer idle runs alone at once).
    let busy: Vec<_> =
        (0..500).map(|_| finding_hazard(&f, HazardId::new_at(f.start), &link, f.start)).collect();
    let started = store.writer_stats().writes + busy.len() as u64;
    let holder = {
        let store = store.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            rt.block_on(store.commit_many(busy))
        })
    };
    while store.writer_stats().writes < started {
        tokio::time::sleep(std::time::Duration::from_micros(100)).await;
    }
    let before = store.writer_stats();
    let ((rb, rg), rl) = join(
        join(store.commit_occurrence(bad), store.commit_occurrence(good.clone())),
        store.commit(lone),
    )
    .await;
    assert!(holder.join().unwrap().iter().all(Result::is_ok));
    assert!(matches!(rb, Err(StoreError::Conflict { .. })), "{rb:?}");
    assert_eq!((rg, rl.map(|c| c.number)), (Ok(()), Ok(None)));
    let after = store.writer_stats();
    let (txs, writes) = (after.transactions - before.transactions, after.writes - before.writes);
    assert_eq!(writes, 3);
    assert!(txs < writes, "the three writes share a transaction: {txs} for {writes}");
    assert_eq!(store.occurrence(&f.tenant, &o1.id).await.unwrap(), Some((o1.clone(), h1)));
    assert_eq!(store.occurrence(&f.tenant, &o2.id).await.unwrap().unwrap().0, good.state);
    for h in good.hazards.iter().map(|h| h.hazard).chain([lone_id]) {
        assert!(store.snapshot(&f.tenant, h).await.unwrap().is_some());
    }
    assert_eq!(
        store.snapshot(&f.tenant, fresh).await.unwrap(),
        None,
        "the failed one left nothing"
    );
}

/// Every kind of event (answers with numbers, choices, evidence and a fix on the spot, a
/// reassignment, a miss and its excuse, rungs) is read back exactly, and the chain verifies.
#[tokio::test]
async fn every_event_kind_round_trips_exactly() {
    use hazardloop_core::inspection::{Answer, OccurrenceEvent, Response};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.db");
    let store = open(&path);
    let f = Fixture::school();
    let (o, head) =
        stored(&store, &scheduled(&f.tenant, "patrol", &f.grid, 7, &f.people.grid_member)).await;
    let by = f.people.grid_member.clone();
    // From JSON, so optional fields added to `Answer` later take their defaults.
    let answer = |item: &str, response: Response, fixed: Option<&str>| -> Answer {
        let json = serde_json::json!({
            "item": item,
            "response": response,
            "comment": "灭火器压力 0.1+0.2",
            "evidence": [hazardloop_testkit::evidence(1)],
            "fixed_on_the_spot": fixed,
        });
        serde_json::from_value(json).unwrap()
    };
    let events = vec![
        OccurrenceEvent::Started { by: by.clone(), at: f.start },
        OccurrenceEvent::Answered {
            answers: vec![
                answer("pressure", Response::Number(0.1 + 0.2), None),
                answer("kind", Response::Choice("干粉".into()), None),
                answer("lights", Response::NotApplicable, None),
                answer("exits", Response::Fail, Some("已清理通道")),
            ],
            by: by.clone(),
            at: f.start + Duration::nanoseconds(123_456_789),
        },
        OccurrenceEvent::Reassigned {
            from: by.clone(),
            to: f.people.officer.clone(),
            by: f.people.officer.clone(),
            reason: "调休".into(),
            at: f.start,
        },
        OccurrenceEvent::Escalated { rung: 2, at: f.start },
        OccurrenceEvent::Missed { at: f.start },
        OccurrenceEvent::Excused {
            by: f.people.officer.clone(),
            reason: "停电".into(),
            at: f.start,
        },
    ];
    let c = event_commit(&o, head, events, Vec::new(), None);
    store.commit_occurrence(c.clone()).await.unwrap();
    drop(store);
    let store = SqliteStore::open(&path).unwrap();
    let records = store.occurrence_events(&f.tenant, &o.id).await.unwrap();
    assert_eq!(records[1..], c.events[..]);
    assert_eq!(inspection::verify(&f.tenant, &o.id, &records), Ok(()));
    let (state, head) = store.occurrence(&f.tenant, &o.id).await.unwrap().unwrap();
    assert_eq!((state, Some(head)), (c.state.clone(), c.events.last().map(|r| r.hash)));
    let rows = store.occurrences(&f.tenant, &OccurrenceQuery::default()).await.unwrap();
    assert_eq!(rows, std::slice::from_ref(&c.row));
    // The reassignment moved the listing's inspector filter too.
    let q = OccurrenceQuery { inspector: Some(f.people.officer.clone()), ..Default::default() };
    assert_eq!(store.occurrences(&f.tenant, &q).await.unwrap(), [c.row]);
    let q = OccurrenceQuery { inspector: Some(by), ..Default::default() };
    assert!(store.occurrences(&f.tenant, &q).await.unwrap().is_empty());
}
