//! Tamper evidence for inspections on SQLite: an occurrence is performed and completed through
//! the engine, then its event rows are changed behind the store's back. `verify_occurrence`
//! must name the occurrence and the first bad event; a deleted event is a gap.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use hazardloop_core::engine::{Engine, EngineError};
use hazardloop_core::inspection::{
    preset, Answer, Cadence, InspectionCommand, InspectionPlan, Inspector, OccurrenceId, Response,
    Window,
};
use hazardloop_core::notify::Discard;
use hazardloop_sqlite::SqliteStore;
use hazardloop_testkit::{Fixture, ManualClock};

async fn completed(
    dir: &tempfile::TempDir,
) -> (Engine<Arc<SqliteStore>, Discard>, Fixture, OccurrenceId, Arc<SqliteStore>) {
    let store = Arc::new(SqliteStore::open(dir.path().join("tamper.db")).unwrap());
    store.migrate().unwrap();
    let f = Fixture::school();
    let now = chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(2026, 9, 14, 10, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let engine =
        Engine::new(store.clone(), Discard, Arc::new(ManualClock::new(now)), f.policy.clone())
            .with_org(f.org.clone());
    let template = preset("daily_patrol", f.policy.matrix()).unwrap().unwrap();
    engine.import_template(&f.tenant, template.clone()).await.unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 9, 14).unwrap();
    let plan = InspectionPlan {
        id: "patrol".into(),
        title: "每日巡查".into(),
        template: template.reference(),
        units: vec![f.grid.clone()],
        location: String::new(),
        inspector: Inspector::Person(f.people.grid_member.clone()),
        cadence: Cadence::WorkingDay,
        window: Window::default(),
        skip_vacations: false,
        late_allowed: true,
        start: day,
        end: None,
        source: None,
    };
    engine.add_plan(&f.tenant, plan).await.unwrap();
    engine.generate(&f.tenant, day, day).await.unwrap();
    let id = OccurrenceId::of("patrol", &f.grid, "2026-09-14");
    let answers = template
        .items()
        .map(|i| Answer {
            item: i.id.clone(),
            response: Response::Pass,
            comment: String::new(),
            evidence: Vec::new(),
            location: None,
            fixed_on_the_spot: None,
        })
        .collect();
    let me = f.grid_member();
    engine.inspect(&me, &id, InspectionCommand::Complete { answers }).await.unwrap();
    engine.verify_occurrence(&f.tenant, &id).await.unwrap();
    (engine, f, id, store)
}

fn raw(store: &SqliteStore, sql: &str, id: &OccurrenceId, seq: i64) -> usize {
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    conn.execute(sql, rusqlite::params![id.as_str(), seq]).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_answer_names_the_occurrence_and_the_event() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, f, id, store) = completed(&dir).await;
    // A pass becomes a fail in the stored answers (event 3 of scheduled, started, answered,
    // completed): the JSON stays valid, the hash no longer matches.
    let sql =
        "UPDATE hazardloop_occurrence_events SET record = replace(record, '\"pass\"', '\"fail\"')
               WHERE occurrence = ?1 AND seq = ?2";
    assert_eq!(raw(&store, sql, &id, 3), 1);
    match engine.verify_occurrence(&f.tenant, &id).await {
        Err(EngineError::OccurrenceChain { occurrence, seq, reason }) => {
            assert_eq!((occurrence, seq), (id, 3));
            assert!(reason.contains("hash"), "{reason}");
        }
        other => panic!("a changed answer must be found, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_event_is_a_gap() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, f, id, store) = completed(&dir).await;
    let sql = "DELETE FROM hazardloop_occurrence_events WHERE occurrence = ?1 AND seq = ?2";
    assert_eq!(raw(&store, sql, &id, 2), 1);
    match engine.verify_occurrence(&f.tenant, &id).await {
        Err(EngineError::OccurrenceChain { seq, reason, .. }) => {
            assert_eq!(seq, 2);
            assert!(reason.contains("gap"), "{reason}");
        }
        other => panic!("a deleted event must be found, got {other:?}"),
    }
}
