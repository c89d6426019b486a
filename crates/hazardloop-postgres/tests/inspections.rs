//! Inspection occurrences on PostgreSQL: the inspection conformance suite, and what only a shared
//! server shows: stores scheduling and committing at once, the sweep's leases, atomic
//! completions, the upgrade from schema version 1, and the engine end to end.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use common::load::school;
use common::{pg_url, TestSchema};
use hazardloop_core::engine::Engine;
use hazardloop_core::inspection::{
    Answer, Cadence, Finding, InspectionCommand, InspectionPlan, Inspector, Occurrence,
    OccurrenceEvent, OccurrenceQuery, Response, Status, Template, TemplateRef, Window,
};
use hazardloop_core::notify::Discard;
use hazardloop_core::org::Role;
use hazardloop_core::store::{InspectionStore, OccurrenceCommit, OutboxStatus, Store, StoreError};
use hazardloop_core::workflow::StageKind;
use hazardloop_postgres::{migrations, PgStore, SCHEMA_VERSION};
use hazardloop_testkit::conformance::{sample, sample_message};
use hazardloop_testkit::inspection_conformance::{event_commit, schedule_commit, scheduled};
use hazardloop_testkit::{Fixture, ManualClock};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store_passes_the_inspection_conformance_suite() {
    let Some(url) = pg_url("postgres_store_passes_the_inspection_conformance_suite") else {
        return;
    };
    let schema = TestSchema::new(&url);
    let store = schema.migrated(8).await;
    hazardloop_testkit::inspection_conformance(&store).await;
}

/// `n` scheduled occurrences of `f`'s grid, one a day from 2026-09-01 (day 1 … n, wrapping the
/// month by plan).
fn horizon(f: &Fixture, n: usize) -> Vec<Occurrence> {
    (0..n)
        .map(|i| {
            let plan = format!("p{}", i / 28);
            scheduled(&f.tenant, &plan, &f.grid, (i % 28) as u32 + 1, &f.people.grid_member)
        })
        .collect()
}

fn commits(os: &[Occurrence]) -> Vec<OccurrenceCommit> {
    os.iter().map(|o| schedule_commit(o, Some(o.scheduled.slot.due))).collect()
}

async fn count(store: &PgStore, schema: &TestSchema, table: &str) -> i64 {
    let client = store.pool().get().await.unwrap();
    let sql = format!("SELECT count(*) FROM \"{}\".{table}", schema.name);
    client.query_one(&sql, &[]).await.unwrap().get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_stores_scheduling_one_horizon_at_once_store_each_occurrence_once() {
    let Some(url) = pg_url("four_stores_scheduling_one_horizon_at_once") else { return };
    let schema = TestSchema::new(&url);
    let first = schema.migrated(2).await;
    let f = school("sched");
    let all = horizon(&f, 2_000);
    let stores: Vec<PgStore> = (0..4).map(|_| schema.store(2)).collect();
    let runs = stores.iter().enumerate().map(|(i, s)| {
        // Each store sends the horizon in batches of 512, from another starting point.
        let mut mine = commits(&all);
        mine.rotate_left(i * 300);
        async move {
            let mut new = 0;
            for batch in mine.chunks(512) {
                new += s.schedule(batch.to_vec()).await.unwrap();
            }
            new
        }
    });
    let created: usize = futures_util::future::join_all(runs).await.into_iter().sum();
    assert_eq!(created, all.len(), "each occurrence is new to exactly one store");
    assert_eq!(count(&first, &schema, "occurrences").await, 2_000);
    assert_eq!(count(&first, &schema, "occurrence_events").await, 2_000);
    assert_eq!(first.schedule(commits(&all[..10])).await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_batch_schedules_nothing() {
    let Some(url) = pg_url("a_malformed_batch_schedules_nothing") else { return };
    let schema = TestSchema::new(&url);
    let store = schema.migrated(2).await;
    let f = school("malformed");
    let all = horizon(&f, 3);
    let mut batch = commits(&all);
    batch[2].expected_version = 1;
    assert!(matches!(store.schedule(batch).await, Err(StoreError::Malformed(_))));
    let mut batch = commits(&all);
    batch[1].events[0].seq = 2;
    assert!(matches!(store.schedule(batch).await, Err(StoreError::Malformed(_))));
    assert_eq!(count(&store, &schema, "occurrences").await, 0);
    // The same occurrence twice in a batch is stored once.
    let mut twice = commits(&all);
    twice.push(twice[0].clone());
    assert_eq!(store.schedule(twice).await.unwrap(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_commits_at_one_version_land_once() {
    let Some(url) = pg_url("concurrent_commits_at_one_version_land_once") else { return };
    let schema = TestSchema::new(&url);
    let store = schema.migrated(8).await;
    let f = school("race");
    let o = horizon(&f, 1).remove(0);
    store.schedule(commits(std::slice::from_ref(&o))).await.unwrap();
    let (o, head) = store.occurrence(&f.tenant, &o.id).await.unwrap().unwrap();
    let at = o.scheduled.slot.due;
    let racers = (0..8).map(|rung| {
        let c = event_commit(
            &o,
            head,
            vec![OccurrenceEvent::Escalated { rung, at }],
            Vec::new(),
            Some(at),
        );
        let store = store.clone();
        tokio::spawn(async move { store.commit_occurrence(c).await })
    });
    let results: Vec<_> =
        futures_util::future::join_all(racers).await.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    for r in results.iter().filter(|r| r.is_err()) {
        assert_eq!(r, &Err(StoreError::Conflict { expected: 1, actual: 2 }));
    }
    assert_eq!(store.occurrence_events(&f.tenant, &o.id).await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_land_with_the_commit_and_a_used_message_id_writes_nothing() {
    let Some(url) = pg_url("messages_land_with_the_commit") else { return };
    let schema = TestSchema::new(&url);
    let store = schema.migrated(2).await;
    let f = school("outbox");
    let os = horizon(&f, 2);
    let (hazard, _) = sample(&f, StageKind::Discovered);
    let message = |group| sample_message(&f.tenant, &hazard, group, f.start);
    // Scheduling writes a new occurrence's messages, and nothing of one already stored.
    let mut batch = commits(&os);
    batch[1].outbox = vec![message("scheduled")];
    assert_eq!(store.schedule(batch).await.unwrap(), 2);
    let mut again = commits(&os[1..]);
    again[0].outbox = vec![message("again")];
    assert_eq!(store.schedule(again).await.unwrap(), 0);
    let o = os[0].clone();
    let message = message("g");
    let head = store.occurrence(&f.tenant, &o.id).await.unwrap().unwrap().1;
    let missed = vec![OccurrenceEvent::Missed { at: o.scheduled.slot.closes }];
    let c = event_commit(&o, head, missed, Vec::new(), None);
    let c = OccurrenceCommit { outbox: vec![message.clone()], ..c };
    store.commit_occurrence(c).await.unwrap();
    let pending = store.outbox(&f.tenant, OutboxStatus::Pending).await.unwrap();
    let mut groups: Vec<&str> = pending.iter().map(|m| m.group.as_str()).collect();
    groups.sort_unstable();
    assert_eq!(groups, ["g", "scheduled"]);

    // A completion whose hazard carries a message id already used: nothing of it is written.
    let (o, head) = store.occurrence(&f.tenant, &o.id).await.unwrap().unwrap();
    let (h, records) = sample(&f, StageKind::Discovered);
    let mut raised = hazard_commit(&f, &h, records);
    raised.outbox = vec![message.clone()];
    let completed = OccurrenceEvent::Completed {
        by: f.people.grid_member.clone(),
        at: o.scheduled.slot.due,
        late: false,
        findings: vec![Finding { item: "exits".into(), hazard: h.id }],
    };
    let c = event_commit(&o, head, vec![completed], vec![raised], None);
    let got = store.commit_occurrence(c).await;
    assert!(matches!(got, Err(StoreError::Backend(_))), "{got:?}");
    assert_eq!(store.occurrence(&f.tenant, &o.id).await.unwrap().unwrap().0.version, 2);
    assert_eq!(store.snapshot(&f.tenant, h.id).await.unwrap(), None);
    assert_eq!(count(&store, &schema, "outbox").await, 2);
}

fn hazard_commit(
    f: &Fixture,
    h: &hazardloop_core::workflow::Hazard,
    records: Vec<hazardloop_core::chain::Recorded>,
) -> hazardloop_core::store::Commit {
    hazardloop_core::store::Commit {
        tenant: f.tenant.clone(),
        hazard: h.id,
        expected_version: 0,
        events: records.into(),
        ledger: hazardloop_core::report::LedgerRow::from_hazard(h, f.start).into(),
        state: h.clone(),
        next_due: None,
        outbox: Vec::new(),
        idempotency: None,
        numbering: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn due_occurrences_are_leased_to_the_store_they_were_handed_to() {
    let Some(url) = pg_url("due_occurrences_are_leased") else { return };
    let schema = TestSchema::new(&url);
    let a = schema.migrated(2).await;
    let b = schema.store(2);
    let f = school("lease");
    let all = horizon(&f, 10);
    a.schedule(commits(&all)).await.unwrap();
    let now = all[9].scheduled.slot.closes;
    let mine = a.occurrences_due(now, None, 4).await.unwrap();
    assert_eq!(mine.len(), 4);
    let theirs = b.occurrences_due(now, None, 100).await.unwrap();
    assert_eq!(theirs.len(), 6, "another store skips the leased ones");
    assert!(theirs.iter().all(|d| !mine.contains(d)));
    assert_eq!(
        a.occurrences_due(now, None, 100).await.unwrap(),
        mine,
        "the holder still sees them"
    );
    // A commit drops the lease; so does its end.
    let (o, head) = a.occurrence(&f.tenant, &mine[0].occurrence).await.unwrap().unwrap();
    let due = o.scheduled.slot.due;
    a.commit_occurrence(event_commit(&o, head, Vec::new(), Vec::new(), Some(due))).await.unwrap();
    let again = b.occurrences_due(now, None, 100).await.unwrap();
    assert_eq!(again.len(), 7, "the committed one is free again");
    let later = now + Duration::minutes(6);
    assert_eq!(a.occurrences_due(later, None, 100).await.unwrap().len(), 10, "leases end");
    // The cursor pages strictly after it.
    let page = a.occurrences_due(later, Some(&mine[1]), 100).await.unwrap();
    assert!(page.iter().all(|d| d > &mine[1]) && page.len() == 8, "{page:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_1_schema_is_upgraded_to_hold_occurrences() {
    let Some(url) = pg_url("a_version_1_schema_is_upgraded") else { return };
    let schema = TestSchema::new(&url);
    let store = schema.store(2);
    let client = store.pool().get().await.unwrap();
    let s = format!("\"{}\"", schema.name);
    client
        .batch_execute(&format!(
            "CREATE SCHEMA {s};
             CREATE TABLE {s}.schema_version (version integer PRIMARY KEY, name text NOT NULL,
                 applied_at timestamptz NOT NULL DEFAULT now());
             {}
             INSERT INTO {s}.schema_version (version, name) VALUES (1, 'init');",
            migrations(&schema.name).unwrap()[0].2
        ))
        .await
        .unwrap();
    drop(client);
    assert!(matches!(store.check_schema().await, Err(StoreError::Schema(_))), "not yet upgraded");
    assert_eq!(store.migrate().await.unwrap(), 1, "upgraded from version 1");
    assert_eq!(store.check_schema().await.unwrap(), SCHEMA_VERSION);
    let f = school("upgraded");
    assert_eq!(store.schedule(commits(&horizon(&f, 2))).await.unwrap(), 2);
}

const SHEET: &str = r#"
code = "patrol"
version = 1
name_zh = "巡查表"
name_en = "Patrol sheet"
source = "seed 004 七(四)"
[[sections]]
title_zh = "消防"
title_en = "Fire"
[[sections.items]]
id = "exits"
prompt_zh = "安全出口畅通"
prompt_en = "Exits clear"
category = "fire"
response = { kind = "pass_fail" }
evidence_on_fail = false
cite = "seed 001 三(七)"
[[sections.items]]
id = "pressure"
prompt_zh = "灭火器压力"
prompt_en = "Extinguisher pressure"
category = "fire"
response = { kind = "number", min = 0.0, max = 5.0, pass_min = 1.0, pass_max = 1.4, unit = "MPa" }
cite = "seed 001 三(七)"
[[sections.items]]
id = "stairs"
prompt_zh = "楼梯扶手牢固"
prompt_en = "Stair rails firm"
category = "buildings_construction"
response = { kind = "choice", options = ["牢固", "松动", "断裂"], failing = ["松动", "断裂"] }
evidence_on_fail = false
cite = "seed 001 三(十一)"
"#;

fn answer(item: &str, response: Response) -> Answer {
    Answer {
        item: item.into(),
        response,
        comment: "东侧".into(),
        evidence: Vec::new(),
        location: None,
        fixed_on_the_spot: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_completes_an_occurrence_and_its_findings_land_with_it() {
    let Some(url) = pg_url("the_engine_completes_an_occurrence") else { return };
    let schema = TestSchema::new(&url);
    let store = schema.migrated(4).await;
    let f = school("engine");
    let bj = |d, h| -> DateTime<Utc> {
        chrono_tz::Asia::Shanghai.with_ymd_and_hms(2026, 9, d, h, 0, 0).unwrap().with_timezone(&Utc)
    };
    let clock = ManualClock::new(bj(14, 9));
    let e = Engine::new(store.clone(), Discard, Arc::new(clock.clone()), f.policy.clone())
        .with_org(f.org.clone());
    e.import_template(&f.tenant, Template::from_toml(SHEET, f.policy.matrix()).unwrap())
        .await
        .unwrap();
    let day = |d| NaiveDate::from_ymd_opt(2026, 9, d).unwrap();
    let plan = InspectionPlan {
        id: "grid-patrol".into(),
        title: "第一网格每日巡查".into(),
        template: TemplateRef { code: "patrol".into(), version: 1 },
        units: vec![f.grid.clone()],
        location: "教学楼A座".into(),
        inspector: Inspector::Role(Role::GridMember),
        cadence: Cadence::WorkingDay,
        window: Window::default(),
        skip_vacations: false,
        late_allowed: true,
        start: day(1),
        end: None,
        source: None,
    };
    e.add_plan(&f.tenant, plan).await.unwrap();
    let report = e.generate(&f.tenant, day(14), day(18)).await.unwrap();
    assert_eq!((report.considered, report.created), (5, 5));
    let rows = e.occurrences(&f.tenant, &OccurrenceQuery::default()).await.unwrap();
    let id = rows[0].id.clone();
    let me = f.grid_member();
    e.inspect(&me, &id, InspectionCommand::Start).await.unwrap();
    let answers = vec![
        answer("exits", Response::Fail),
        answer("pressure", Response::Number(1.23)),
        answer("stairs", Response::Choice("松动".into())),
    ];
    let done = e.inspect(&me, &id, InspectionCommand::Complete { answers }).await.unwrap();
    assert_eq!(done.status, Status::Completed);
    assert_eq!(done.hazards.len(), 2, "the exits and the loose rail");
    for (_, hazard) in &done.hazards {
        e.verify(&f.tenant, *hazard).await.unwrap();
    }
    e.verify_occurrence(&f.tenant, &id).await.unwrap();
    let o = e.occurrence(&f.tenant, &id).await.unwrap().unwrap();
    assert_eq!(o.answers["pressure"].response, Response::Number(1.23));
    // The rest go missed at the sweep a week on; the completed one is left alone.
    clock.set(bj(28, 9));
    let first = e.sweep_inspections().await.unwrap();
    assert_eq!(first.missed, 4);
    let second = e.sweep_inspections().await.unwrap();
    assert_eq!((second.missed, second.fired), (0, 0), "a second sweep finds nothing left");
    for row in e.occurrences(&f.tenant, &OccurrenceQuery::default()).await.unwrap() {
        e.verify_occurrence(&f.tenant, &row.id).await.unwrap();
    }
}
