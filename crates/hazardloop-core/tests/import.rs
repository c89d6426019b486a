//! Rules of `Command::Import` (导入), without a store: a row enters in the stage its source shows
//! with the source's dates; a closed one has no clock; an open one's rungs that fell before the
//! import count as passed and the later ones still fire; dates out of order are refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use hazardloop_core::escalation::plan_sweep;
use hazardloop_core::model::{Grade, Method, RiskColour, Source};
use hazardloop_core::workflow::{
    decide, Command, Event, Hazard, Import, ImportSource, Register, StageKind, Step, WorkflowError,
};
use hazardloop_testkit::{fold_onto, Fixture};

fn row(f: &Fixture, found: DateTime<Utc>, deadline: DateTime<Utc>) -> Import {
    let Command::Discover(mut discover) = f.discover() else { panic!("discover") };
    discover.discovered_at = Some(found);
    discover.source = Source::DailyPatrol;
    let Command::Register(register) = f.register(Grade::General) else { panic!("register") };
    Import {
        discover: *discover,
        register: Register {
            deadline: Some(deadline),
            assessment: Method::Judgement { colour: RiskColour::Blue },
            ..*register
        },
        measures: "紧固螺栓".into(),
        outcome: String::new(),
        accepted_by: None,
        accepted_at: None,
        closed_at: None,
        source: ImportSource { file: "台账.xlsx".into(), line: 2, number: Some("1".into()) },
    }
}

fn run(f: &Fixture, import: Import, now: DateTime<Utc>) -> Result<(Hazard, Vec<Event>), String> {
    let actor = f.officer();
    let events = decide(None, Command::Import(Box::new(import)), &f.ctx(&actor, now))
        .map_err(|e| e.to_string())?;
    Ok((fold_onto(None, &events, now).expect("decided events fold"), events))
}

#[test]
fn a_closed_source_row_comes_in_closed_with_its_own_dates_and_no_clock() {
    let f = Fixture::school();
    let found = f.start - Duration::days(400);
    let mut import = row(&f, found, found + Duration::days(7));
    import.accepted_by = Some(f.people.inspector.clone());
    import.accepted_at = Some(found + Duration::days(9));
    import.closed_at = Some(found + Duration::days(11));
    let (hazard, events) = run(&f, import, f.start).unwrap();
    assert_eq!(hazard.kind(), StageKind::Closed);
    assert!(hazard.clocks.iter().next().is_none(), "a closed hazard has no clock");
    assert_eq!(events.len(), 1, "one imported event, no clock change");
    let Event::Imported { import } = &events[0] else { panic!("imported") };
    let steps: Vec<(Step, DateTime<Utc>)> = import.history.iter().map(|h| (h.step, h.at)).collect();
    assert_eq!(
        steps,
        vec![
            (Step::Discover, found),
            (Step::Register, found),
            (Step::Pass, found + Duration::days(9)),
            (Step::Close, found + Duration::days(11)),
        ]
    );
    assert_eq!(hazard.stage.facts().discovered_at, found);
}

#[test]
fn rungs_before_the_import_count_as_passed_and_later_ones_still_fire() {
    let f = Fixture::school();
    let found = f.start - Duration::days(400);
    let (hazard, _) = run(&f, row(&f, found, found + Duration::days(14)), f.start).unwrap();
    assert_eq!(hazard.kind(), StageKind::Registered);
    assert!(!hazard.fired.is_empty(), "the long-passed rungs are recorded as passed");
    let p = &f.policy;
    let due_now = plan_sweep(
        f.start,
        &hazard.clocks,
        Grade::General,
        &hazard.fired,
        p.ladders(),
        p.calendar(),
    );
    assert!(due_now.is_empty(), "nothing fires at the import instant: {due_now:?}");

    // A hazard whose deadline is still ahead keeps every rung.
    let found = f.start - Duration::days(1);
    let (fresh, _) = run(&f, row(&f, found, f.start + Duration::days(30)), f.start).unwrap();
    let later = f.start + Duration::days(60);
    let due =
        plan_sweep(later, &fresh.clocks, Grade::General, &fresh.fired, p.ladders(), p.calendar());
    assert!(!due.is_empty(), "rungs after the import fire as usual");
}

#[test]
fn dates_out_of_order_are_refused_naming_the_field() {
    let f = Fixture::school();
    let found = f.start - Duration::days(10);
    let mut closed_before_found = row(&f, found, found + Duration::days(5));
    closed_before_found.closed_at = Some(found - Duration::days(1));
    assert!(run(&f, closed_before_found, f.start).unwrap_err().contains("closed_at"));
    let mut future = row(&f, found, found + Duration::days(5));
    future.accepted_at = Some(f.start + Duration::days(1));
    assert!(run(&f, future, f.start).unwrap_err().contains("accepted_at"));
    let mut missing = row(&f, found, found + Duration::days(5));
    missing.discover.discovered_at = None;
    assert!(run(&f, missing, f.start).unwrap_err().contains("discovered_at"));
}

#[test]
fn an_import_is_denied_to_a_role_without_the_import_permission() {
    let f = Fixture::school();
    let found = f.start - Duration::days(10);
    let import = row(&f, found, found + Duration::days(5));
    let worker = f.worker();
    let refused = decide(None, Command::Import(Box::new(import)), &f.ctx(&worker, f.start));
    assert!(
        matches!(refused, Err(WorkflowError::Denied { .. })),
        "a worker may not import: {refused:?}"
    );
    let officer = f.officer();
    let import = row(&f, found, found + Duration::days(5));
    assert!(decide(None, Command::Import(Box::new(import)), &f.ctx(&officer, f.start)).is_ok());
}

#[tokio::test]
async fn import_many_lands_each_row_alone_and_a_second_import_is_a_replay() {
    use hazardloop_core::engine::{Engine, ImportRow, RowOutcome};
    use hazardloop_core::store::MemoryStore;
    use hazardloop_testkit::{ManualClock, RecordingNotifier};
    use std::sync::Arc;

    let f = Fixture::school();
    let clock = ManualClock::new(f.start);
    let store = Arc::new(MemoryStore::new());
    let engine = Engine::new(
        store.clone(),
        RecordingNotifier::new(),
        Arc::new(clock.clone()),
        f.policy.clone(),
    )
    .with_org(f.org.clone());
    let found = f.start - Duration::days(30);
    let good = |n: u64| ImportRow {
        import: Import {
            source: ImportSource { file: "a.csv".into(), line: n, number: None },
            ..row(&f, found, found + Duration::days(5))
        },
        key: format!("import:{n}"),
    };
    let mut bad = good(3);
    bad.import.closed_at = Some(found - Duration::days(1));
    let mut repeat = good(1);
    repeat.import.source.line = 4;
    let rows = vec![good(1), good(2), bad, repeat];
    let officer = f.officer();

    let preview = engine.preview_import(&officer, rows.clone()).await;
    assert!(matches!(preview[0], Ok(RowOutcome::WouldImport { stage: StageKind::Registered })));
    assert!(preview[2].is_err() && matches!(preview[3], Ok(RowOutcome::AlreadyImported { .. })));
    use hazardloop_core::store::Store;
    let used = store.idempotent(&f.tenant, "import:1").await.unwrap();
    assert!(used.is_none(), "a preview writes nothing");

    let first = engine.import_many(&officer, rows.clone()).await;
    let Ok(RowOutcome::Imported { hazard, .. }) = first[0] else { panic!("{first:?}") };
    assert!(matches!(first[1], Ok(RowOutcome::Imported { .. })), "{first:?}");
    assert!(first[2].is_err(), "the bad row fails alone: {first:?}");
    assert_eq!(
        first[3],
        Ok(RowOutcome::AlreadyImported { hazard }),
        "the same row twice is one hazard"
    );

    let second = engine.import_many(&officer, rows).await;
    assert_eq!(second[0], Ok(RowOutcome::AlreadyImported { hazard }));
    assert!(matches!(second[1], Ok(RowOutcome::AlreadyImported { .. })));
    assert!(second[2].is_err());
}
