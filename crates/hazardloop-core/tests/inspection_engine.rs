//! Inspections through the engine on the memory store: generation, performing, findings that
//! become hazards in the same commit, the rules that refuse, the miss sweep and its ladder.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use hazardloop_core::engine::{Engine, EngineError, TemplateImport};
use hazardloop_core::inspection::{
    Answer, Cadence, InspectionCommand, InspectionError, InspectionPlan, InspectionRule, Inspector,
    OccurrenceEvent, OccurrenceId, OccurrenceQuery, Plans, Response, Status, Template, TemplateRef,
    Window,
};
use hazardloop_core::model::{Evidence, Source};
use hazardloop_core::notify::NoticeKind;
use hazardloop_core::org::Role;
use hazardloop_core::store::{InspectionStore, MemoryStore, OutboxStatus, Store};
use hazardloop_core::workflow::StageKind;
use hazardloop_testkit::{evidence, Fixture, ManualClock, RecordingNotifier};

type E = Engine<Arc<MemoryStore>, RecordingNotifier>;

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
[[sections.items]]
id = "lab"
prompt_zh = "实验室（如有）"
prompt_en = "Laboratory (if any)"
category = "lab_chemicals"
response = { kind = "pass_fail" }
mandatory = false
cite = "seed 001 三(十)"
"#;

fn bj(m: u32, d: u32, h: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai.with_ymd_and_hms(2026, m, d, h, 0, 0).unwrap().with_timezone(&Utc)
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn plan(f: &Fixture, cadence: Cadence) -> InspectionPlan {
    InspectionPlan {
        id: "grid-patrol".into(),
        title: "第一网格每日巡查".into(),
        template: TemplateRef { code: "patrol".into(), version: 1 },
        units: vec![f.grid.clone()],
        location: "教学楼A座".into(),
        inspector: Inspector::Role(Role::GridMember),
        cadence,
        window: Window::default(),
        skip_vacations: false,
        late_allowed: true,
        start: day(9, 1),
        end: None,
        source: None,
    }
}

/// An engine on Monday 2026-09-14 08:30 with the sheet imported and the daily plan set.
async fn setup() -> (Fixture, ManualClock, RecordingNotifier, E) {
    let f = Fixture::school();
    let clock = ManualClock::new(bj(9, 14, 8));
    let notifier = RecordingNotifier::new();
    let e = Engine::new(
        Arc::new(MemoryStore::new()),
        notifier.clone(),
        Arc::new(clock.clone()),
        f.policy.clone(),
    )
    .with_org(f.org.clone());
    let sheet = Template::from_toml(SHEET, f.policy.matrix()).unwrap();
    assert_eq!(e.import_template(&f.tenant, sheet).await.unwrap(), TemplateImport::New);
    e.add_plan(&f.tenant, plan(&f, Cadence::WorkingDay)).await.unwrap();
    (f, clock, notifier, e)
}

fn answer(item: &str, response: Response) -> Answer {
    Answer {
        item: item.into(),
        response,
        comment: String::new(),
        evidence: Vec::new(),
        location: None,
        fixed_on_the_spot: None,
    }
}

fn today(f: &Fixture) -> OccurrenceId {
    OccurrenceId::of("grid-patrol", &f.grid, "2026-09-14")
}

fn rule(err: &EngineError) -> Option<InspectionRule> {
    match err {
        EngineError::Inspection(e) => e.rule(),
        _ => None,
    }
}

fn field(err: &EngineError) -> String {
    match err {
        EngineError::Inspection(InspectionError::Input(i)) => i.field().to_owned(),
        other => panic!("not an input error: {other}"),
    }
}

#[tokio::test]
async fn generation_is_idempotent_and_names_occurrences_by_plan_unit_and_period() {
    let (f, _, _, e) = setup().await;
    let first = e.generate(&f.tenant, day(9, 14), day(9, 30)).await.unwrap();
    // 14–18, 21–24, 28–30 September (Mid-Autumn 25–27) and the worked Sunday 20th: 13 days.
    assert_eq!((first.considered, first.created), (13, 13));
    let again = e.generate(&f.tenant, day(9, 1), day(9, 30)).await.unwrap();
    assert_eq!(again.created, 9, "only the 9 working days of 1–11 September are new");
    assert_eq!(e.generate(&f.tenant, day(9, 1), day(9, 30)).await.unwrap().created, 0);
    let rows = e.occurrences(&f.tenant, &OccurrenceQuery::default()).await.unwrap();
    assert_eq!(rows.len(), 22);
    let o = e.occurrence(&f.tenant, &today(&f)).await.unwrap().unwrap();
    assert_eq!(o.inspector, f.people.grid_member);
    assert_eq!(o.status(e.now()), Status::Scheduled);
    e.verify_occurrence(&f.tenant, &today(&f)).await.unwrap();
}

#[tokio::test]
async fn a_failed_item_becomes_a_linked_hazard_in_the_completion_commit() {
    let (f, clock, _, e) = setup().await;
    e.generate(&f.tenant, day(9, 14), day(9, 14)).await.unwrap();
    let me = f.grid_member();
    let id = today(&f);
    e.inspect(&me, &id, InspectionCommand::Start).await.unwrap();
    let mut stairs = answer("stairs", Response::Choice("松动".into()));
    stairs.comment = "三楼东侧扶手松动".into();
    let mut exits = answer("exits", Response::Fail);
    exits.evidence = vec![evidence(1)];
    e.inspect(
        &me,
        &id,
        InspectionCommand::Answer {
            answers: vec![stairs, answer("pressure", Response::Number(1.2))],
        },
    )
    .await
    .unwrap();
    clock.advance(Duration::hours(2));
    let done =
        e.inspect(&me, &id, InspectionCommand::Complete { answers: vec![exits] }).await.unwrap();
    assert_eq!(done.status, Status::Completed);
    assert_eq!(done.hazards.len(), 2, "the failed exits and the loose rail");
    let (item, hazard) = &done.hazards.iter().find(|(i, _)| i == "stairs").unwrap().clone();
    let view = e.hazard(&f.tenant, *hazard).await.unwrap();
    assert_eq!(view.hazard.kind(), StageKind::Discovered);
    let row = &hazardloop_core::report::LedgerRow::from_hazard(&view.hazard, e.now());
    let link = row.finding.as_ref().expect("the hazard links back");
    assert_eq!((&link.occurrence, link.item.as_str()), (&id, item.as_str()));
    let mut numbers = Vec::new();
    for (_, h) in &done.hazards {
        numbers.push(e.hazard(&f.tenant, *h).await.unwrap().hazard.number.expect("numbered"));
    }
    numbers.sort();
    numbers.dedup();
    assert_eq!(
        numbers.len(),
        2,
        "each finding's hazard has its own number, given in the completion's commit"
    );
    assert_eq!(row.unit, f.grid);
    assert_eq!(row.location, "教学楼A座");
    assert_eq!(row.category.as_ref().map(|c| c.as_str()), Some("buildings_construction"));
    assert_eq!(row.source, Source::DailyPatrol);
    assert!(row.description.contains("三楼东侧扶手松动"), "{}", row.description);
    e.verify(&f.tenant, *hazard).await.unwrap();
    e.verify_occurrence(&f.tenant, &id).await.unwrap();
    let o = e.occurrence(&f.tenant, &id).await.unwrap().unwrap();
    assert_eq!(o.findings.len(), 2);
    assert_eq!(o.completed.map(|c| c.1), Some(false), "on time");
    // A completed occurrence is not changed.
    let again = e.inspect(&me, &id, InspectionCommand::Start).await.unwrap_err();
    assert_eq!(rule(&again), Some(InspectionRule::AlreadyCompleted));
}

#[tokio::test]
async fn a_finding_fixed_on_the_spot_takes_the_fix_on_the_spot_path() {
    let (f, _, _, e) = setup().await;
    e.generate(&f.tenant, day(9, 14), day(9, 14)).await.unwrap();
    let mut exits = answer("exits", Response::Fail);
    exits.evidence = vec![evidence(2)];
    exits.fixed_on_the_spot = Some("当场清理堆放杂物".into());
    let answers = vec![
        exits,
        answer("pressure", Response::Number(1.1)),
        answer("stairs", Response::Choice("牢固".into())),
    ];
    let done = e
        .inspect(&f.grid_member(), &today(&f), InspectionCommand::Complete { answers })
        .await
        .unwrap();
    let (_, hazard) = done.hazards[0];
    let view = e.hazard(&f.tenant, hazard).await.unwrap();
    assert_eq!(
        view.hazard.kind(),
        StageKind::Treated,
        "fixed on the spot: waits for another's acceptance"
    );
}

#[tokio::test]
async fn only_the_inspector_performs_and_nothing_changes_when_refused() {
    let (f, _, _, e) = setup().await;
    e.generate(&f.tenant, day(9, 14), day(9, 14)).await.unwrap();
    let id = today(&f);
    for actor in [f.officer(), f.principal(), f.inspector()] {
        let err = e.inspect(&actor, &id, InspectionCommand::Start).await.unwrap_err();
        assert_eq!(rule(&err), Some(InspectionRule::OwnOccurrenceOnly), "{err}");
    }
    let o = e.occurrence(&f.tenant, &id).await.unwrap().unwrap();
    assert_eq!(o.version, 1);
    // Another tenant's actor does not even find it.
    let other = Fixture::school_in("t2".try_into().unwrap(), "bureau2", "school2");
    let err = e.inspect(&other.grid_member(), &id, InspectionCommand::Start).await.unwrap_err();
    assert!(matches!(err, EngineError::OccurrenceNotFound { .. }), "{err}");
}

#[tokio::test]
async fn completion_needs_every_mandatory_item_and_a_photo_for_each_failure() {
    let (f, _, _, e) = setup().await;
    e.generate(&f.tenant, day(9, 14), day(9, 14)).await.unwrap();
    let (me, id) = (f.grid_member(), today(&f));
    let err = e
        .inspect(
            &me,
            &id,
            InspectionCommand::Complete { answers: vec![answer("exits", Response::Pass)] },
        )
        .await
        .unwrap_err();
    assert_eq!(rule(&err), Some(InspectionRule::MandatoryAnswered));
    assert!(err.to_string().contains("pressure") && err.to_string().contains("stairs"), "{err}");
    let answers = vec![
        answer("exits", Response::Fail),
        answer("pressure", Response::Number(1.2)),
        answer("stairs", Response::Choice("牢固".into())),
    ];
    let err = e.inspect(&me, &id, InspectionCommand::Complete { answers }).await.unwrap_err();
    assert_eq!(rule(&err), Some(InspectionRule::EvidenceOnFail));
    assert_eq!(e.occurrence(&f.tenant, &id).await.unwrap().unwrap().version, 1, "nothing written");
    let rows = e.store().ledger(&f.tenant, &Default::default()).await.unwrap();
    assert_eq!(rows.total, 0, "no hazard");
}

#[tokio::test]
async fn bad_answers_get_typed_errors_naming_the_field_and_change_nothing() {
    let (f, _, _, e) = setup().await;
    e.generate(&f.tenant, day(9, 14), day(9, 14)).await.unwrap();
    let (me, id) = (f.grid_member(), today(&f));
    let cases: Vec<(Vec<Answer>, &str)> = vec![
        (vec![answer("exit", Response::Pass)], "answers[0].item"),
        (
            vec![answer("exits", Response::Pass), answer("pressure", Response::Pass)],
            "answers[1].response",
        ),
        (vec![answer("pressure", Response::Number(9.5))], "answers[0].response"),
        (vec![answer("stairs", Response::Choice("很好".into()))], "answers[0].response"),
        (
            vec![Answer {
                evidence: vec![Evidence {
                    uri: "https://files.example/1.jpg".into(),
                    sha256: "nothex".into(),
                    media_type: "image/jpeg".into(),
                }],
                ..answer("exits", Response::Fail)
            }],
            "answers[0].evidence[0].sha256",
        ),
        (vec![answer("exits", Response::Pass), answer("exits", Response::Fail)], "answers[1].item"),
    ];
    for (answers, want) in cases {
        let err = e.inspect(&me, &id, InspectionCommand::Answer { answers }).await.unwrap_err();
        assert_eq!(field(&err), want, "{err}");
    }
    assert_eq!(e.occurrence(&f.tenant, &id).await.unwrap().unwrap().version, 1, "nothing written");
    // A template file with a typo names the field and stores nothing.
    let typo = SHEET
        .replace("prompt_en = \"Exits clear\"", "promt_en = \"Exits clear\"")
        .replace("version = 1", "version = 2");
    let err = Template::from_toml(&typo, f.policy.matrix()).unwrap_err();
    assert_eq!(err.field(), "promt_en");
    assert_eq!(e.templates(&f.tenant).await.unwrap().len(), 1);
    // A plan with a bad cadence names its field.
    let bad = InspectionPlan {
        id: "p2".into(),
        cadence: Cadence::HalfMonth { day: Some(17) },
        ..plan(&f, Cadence::WorkingDay)
    };
    let err = e.add_plan(&f.tenant, bad).await.unwrap_err();
    assert_eq!(field(&err), "cadence.day");
    let unknown = InspectionPlan {
        id: "p3".into(),
        template: TemplateRef { code: "nope".into(), version: 1 },
        ..plan(&f, Cadence::WorkingDay)
    };
    assert_eq!(field(&e.add_plan(&f.tenant, unknown).await.unwrap_err()), "template");
    assert_eq!(e.plans(&f.tenant).await.unwrap().plans.len(), 1);
    let err = Plans::from_toml("[[plans]]\nid = \"x\"\ntitel = \"y\"\n", &f.org).unwrap_err();
    assert_eq!(err.field(), "titel", "{err}");
}

#[tokio::test]
async fn a_template_is_never_edited_in_place_and_occurrences_keep_their_version() {
    let (f, _, _, e) = setup().await;
    e.generate(&f.tenant, day(9, 14), day(9, 14)).await.unwrap();
    let changed = Template::from_toml(
        &SHEET.replace("安全出口畅通", "安全出口、疏散通道畅通"),
        f.policy.matrix(),
    )
    .unwrap();
    let err = e.import_template(&f.tenant, changed.clone()).await.unwrap_err();
    assert_eq!(rule(&err), Some(InspectionRule::TemplateVersioned));
    let same = Template::from_toml(SHEET, f.policy.matrix()).unwrap();
    assert_eq!(e.import_template(&f.tenant, same).await.unwrap(), TemplateImport::Unchanged);
    let v2 = Template { version: 2, ..changed };
    assert_eq!(e.import_template(&f.tenant, v2).await.unwrap(), TemplateImport::New);
    let o = e.occurrence(&f.tenant, &today(&f)).await.unwrap().unwrap();
    assert_eq!(o.scheduled.template.version, 1);
}

#[tokio::test]
async fn late_submissions_are_marked_late_or_refused_by_the_plan() {
    let (f, clock, _, e) = setup().await;
    let strict = InspectionPlan {
        id: "strict".into(),
        late_allowed: false,
        ..plan(&f, Cadence::WorkingDay)
    };
    e.add_plan(&f.tenant, strict).await.unwrap();
    e.generate(&f.tenant, day(9, 14), day(9, 14)).await.unwrap();
    clock.set(bj(9, 14, 19)); // after 17:30: overdue, the window open until tomorrow 17:30
    let me = f.grid_member();
    let o = e.occurrence(&f.tenant, &today(&f)).await.unwrap().unwrap();
    assert_eq!(o.status(e.now()), Status::Overdue);
    let answers = vec![
        answer("exits", Response::Pass),
        answer("pressure", Response::Number(1.2)),
        answer("stairs", Response::Choice("牢固".into())),
    ];
    let done = e
        .inspect(&me, &today(&f), InspectionCommand::Complete { answers: answers.clone() })
        .await
        .unwrap();
    let o = e.occurrence(&f.tenant, &done.occurrence).await.unwrap().unwrap();
    assert_eq!(o.completed.map(|c| c.1), Some(true), "late");
    let strict_id = OccurrenceId::of("strict", &f.grid, "2026-09-14");
    let err =
        e.inspect(&me, &strict_id, InspectionCommand::Complete { answers }).await.unwrap_err();
    assert_eq!(rule(&err), Some(InspectionRule::LateNotAllowed));
    // Before it opens nothing is done.
    e.generate(&f.tenant, day(9, 15), day(9, 15)).await.unwrap();
    let tomorrow = OccurrenceId::of("grid-patrol", &f.grid, "2026-09-15");
    let err = e.inspect(&me, &tomorrow, InspectionCommand::Start).await.unwrap_err();
    assert_eq!(rule(&err), Some(InspectionRule::WindowNotOpen));
}

#[tokio::test]
async fn missed_inspections_are_marked_once_escalate_once_and_may_be_excused_with_a_reason() {
    let (f, clock, notifier, e) = setup().await;
    e.generate(&f.tenant, day(9, 14), day(9, 14)).await.unwrap();
    let id = today(&f);
    // 15:30: the reminder (two hours before 17:30).
    clock.set(bj(9, 14, 16));
    let r = e.sweep_inspections().await.unwrap();
    assert_eq!((r.fired, r.missed), (1, 0));
    assert_eq!(e.sweep_inspections().await.unwrap().fired, 0, "a rung fires once");
    // The next working day after 17:30: overdue fired, then the window closed: missed.
    clock.set(bj(9, 15, 18));
    let r = e.sweep_inspections().await.unwrap();
    assert_eq!((r.missed, r.fired), (1, 2), "missed; the overdue and safety-office rungs");
    let again = e.sweep_inspections().await.unwrap();
    assert_eq!((again.missed, again.fired), (0, 0));
    let err = e.inspect(&f.grid_member(), &id, InspectionCommand::Start).await.unwrap_err();
    assert_eq!(rule(&err), Some(InspectionRule::WindowClosed));
    // Three working days after the due time: the principal.
    clock.set(bj(9, 17, 18));
    assert_eq!(e.sweep_inspections().await.unwrap().fired, 1);
    assert_eq!(e.sweep_inspections().await.unwrap().fired, 0);
    let events = e.store().occurrence_events(&f.tenant, &id).await.unwrap();
    let missed: Vec<_> =
        events.iter().filter(|r| matches!(r.event, OccurrenceEvent::Missed { .. })).collect();
    assert_eq!(missed.len(), 1);
    let rungs: Vec<usize> = events
        .iter()
        .filter_map(|r| match r.event {
            OccurrenceEvent::Escalated { rung, .. } => Some(rung),
            _ => None,
        })
        .collect();
    assert_eq!(rungs, [0, 1, 2, 3], "each rung once, in order");
    let pending = e.store().outbox(&f.tenant, OutboxStatus::Pending).await.unwrap();
    let to = |who: &hazardloop_core::model::PersonId| {
        pending.iter().filter(|m| m.to.as_ref() == Some(who)).count()
    };
    assert_eq!(to(&f.people.grid_member), 2, "reminder and overdue to the inspector");
    assert_eq!(to(&f.people.principal), 1);
    assert!(pending.iter().all(|m| m.notice.occurrence.as_ref() == Some(&id)));
    assert!(pending.iter().any(|m| m.notice.kind == NoticeKind::InspectionMissed));
    let report = e.dispatch().await.unwrap();
    assert!(report.delivered > 0);
    assert!(
        notifier
            .deliveries()
            .iter()
            .any(|d| d.body(chrono_tz::Asia::Shanghai).contains("检查任务")),
        "Chinese body"
    );
    // Excused by the safety office with a reason; the miss stays on record.
    let err = e
        .inspect(&f.grid_member(), &id, InspectionCommand::Excuse { reason: "病假".into() })
        .await
        .unwrap_err();
    assert_eq!(rule(&err), Some(InspectionRule::ExcuseBySafetyOffice));
    let err = e
        .inspect(&f.officer(), &id, InspectionCommand::Excuse { reason: " ".into() })
        .await
        .unwrap_err();
    assert_eq!(field(&err), "reason");
    e.inspect(
        &f.officer(),
        &id,
        InspectionCommand::Excuse { reason: "网格员因公外出，已安排补查".into() },
    )
    .await
    .unwrap();
    let o = e.occurrence(&f.tenant, &id).await.unwrap().unwrap();
    assert_eq!(o.status(e.now()), Status::Excused);
    assert!(o.missed_at.is_some(), "the miss time is kept");
    let err = e
        .inspect(&f.officer(), &id, InspectionCommand::Excuse { reason: "再次".into() })
        .await
        .unwrap_err();
    assert_eq!(rule(&err), Some(InspectionRule::ExcuseOnlyMissed));
    e.verify_occurrence(&f.tenant, &id).await.unwrap();
}

#[tokio::test]
async fn a_head_reassigns_and_the_new_inspector_is_told() {
    let (f, _, _, e) = setup().await;
    e.generate(&f.tenant, day(9, 14), day(9, 14)).await.unwrap();
    let id = today(&f);
    let to = f.people.inspector.clone();
    let cmd = |reason: &str| InspectionCommand::Reassign { to: to.clone(), reason: reason.into() };
    let err = e.inspect(&f.grid_member(), &id, cmd("我不去")).await.unwrap_err();
    assert_eq!(rule(&err), Some(InspectionRule::ReassignByHead));
    e.inspect(&f.principal(), &id, cmd("网格员请假")).await.unwrap();
    let o = e.occurrence(&f.tenant, &id).await.unwrap().unwrap();
    assert_eq!(o.inspector, to);
    let err = e.inspect(&f.grid_member(), &id, InspectionCommand::Start).await.unwrap_err();
    assert_eq!(
        rule(&err),
        Some(InspectionRule::OwnOccurrenceOnly),
        "the old inspector no longer performs it"
    );
    e.inspect(&f.inspector(), &id, InspectionCommand::Start).await.unwrap();
    let pending = e.store().outbox(&f.tenant, OutboxStatus::Pending).await.unwrap();
    assert!(pending
        .iter()
        .any(|m| m.to.as_ref() == Some(&to) && m.notice.kind == NoticeKind::InspectionReassigned));
    let mine = e.due_for(&f.tenant, &to, day(9, 14)).await.unwrap();
    assert_eq!(mine.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), [id]);
}

#[tokio::test]
async fn statistics_count_planned_completed_late_missed_and_excused_rolled_up() {
    let (f, clock, _, e) = setup().await;
    e.generate(&f.tenant, day(9, 14), day(9, 18)).await.unwrap();
    let me = f.grid_member();
    let all_pass = || {
        vec![
            answer("exits", Response::Pass),
            answer("pressure", Response::Number(1.2)),
            answer("stairs", Response::Choice("断裂".into())),
        ]
    };
    let on = |d: u32| OccurrenceId::of("grid-patrol", &f.grid, &format!("2026-09-{d}"));
    clock.set(bj(9, 14, 9));
    e.inspect(&me, &on(14), InspectionCommand::Complete { answers: all_pass() }).await.unwrap();
    clock.set(bj(9, 16, 9)); // the 15th is late now, within its window
    e.inspect(&me, &on(15), InspectionCommand::Complete { answers: all_pass() }).await.unwrap();
    clock.set(bj(9, 18, 9));
    e.sweep_inspections().await.unwrap(); // the 16th is missed
    e.inspect(&f.officer(), &on(16), InspectionCommand::Excuse { reason: "停电".into() })
        .await
        .unwrap();
    clock.set(bj(9, 21, 9)); // the 17th and the 18th are missed by now
    let bounds = (bj(9, 14, 0), bj(9, 21, 0));
    let lines = e.inspection_statistics(&f.tenant, bounds).await.unwrap();
    let grid = lines.iter().find(|l| l.unit == f.grid).unwrap();
    let t = &grid.tally;
    assert_eq!(
        (t.planned, t.completed, t.on_time, t.late, t.missed, t.excused, t.open),
        (5, 2, 1, 1, 2, 1, 0)
    );
    assert_eq!(t.findings, 2, "the broken rail each completed day");
    assert_eq!(t.completion_rate(), Some(0.5), "2 of the 4 owed (one excused)");
    let school = lines.iter().find(|l| l.unit == f.school).unwrap();
    assert_eq!(school.tally, *t, "rolled up to the school");
    assert!(school.depth < grid.depth);
}

#[test]
fn plan_files_take_bare_or_quoted_dates_and_name_a_typo() {
    let f = Fixture::school();
    let text = |start: &str| {
        format!(
            "[[plans]]\nid = \"p\"\ntitle = \"巡查\"\ntemplate = {{ code = \"patrol\", version = 1 }}\n\
             units = [\"{}\"]\ninspector = {{ role = \"grid_member\" }}\nstart = {start}\n\
             cadence = {{ every = \"once\", from = 2026-09-14, to = \"2026-09-18\" }}\n",
            f.grid
        )
    };
    for start in ["2026-09-01", "\"2026-09-01\""] {
        let plans =
            Plans::from_toml(&text(start), &f.org).unwrap_or_else(|e| panic!("{start}: {e}"));
        assert_eq!(plans.plans[0].start, day(9, 1));
        assert_eq!(plans.plans[0].cadence, Cadence::Once { from: day(9, 14), to: day(9, 18) });
        let again: Plans = serde_json::from_str(&serde_json::to_string(&plans).unwrap()).unwrap();
        assert_eq!(again, plans, "round-trips through JSON");
    }
    let err = Plans::from_toml(&text("2026-09-01T08:00:00"), &f.org).unwrap_err();
    assert!(err.to_string().contains("not a plain date"), "{err}");
}

#[tokio::test]
async fn an_overdue_inspection_tells_the_inspectors_own_head() {
    let (f, clock, _, e) = setup().await;
    // The logistics worker patrols the grid: their head is the logistics department's.
    let by_worker = InspectionPlan {
        id: "worker-patrol".into(),
        inspector: Inspector::Person(f.people.worker.clone()),
        ..plan(&f, Cadence::WorkingDay)
    };
    e.add_plan(&f.tenant, by_worker).await.unwrap();
    e.generate(&f.tenant, day(9, 14), day(9, 14)).await.unwrap();
    clock.set(bj(9, 14, 18));
    e.sweep_inspections().await.unwrap();
    let pending = e.store().outbox(&f.tenant, OutboxStatus::Pending).await.unwrap();
    let id = OccurrenceId::of("worker-patrol", &f.grid, "2026-09-14");
    let heads: Vec<_> = pending
        .iter()
        .filter(|m| {
            m.notice.occurrence.as_ref() == Some(&id) && m.notice.kind == NoticeKind::Overdue
        })
        .filter_map(|m| m.to.clone())
        .collect();
    assert!(heads.contains(&f.people.logistics_head), "{heads:?}");
    assert!(heads.contains(&f.people.worker), "{heads:?}");
}

#[tokio::test]
async fn a_plan_may_name_a_person_per_unit() {
    let (f, _, _, e) = setup().await;
    let mut people = std::collections::BTreeMap::new();
    people.insert(f.grid.clone(), f.people.grid_member.clone());
    people.insert(f.logistics.clone(), f.people.worker.clone());
    let each = InspectionPlan {
        id: "each".into(),
        units: vec![f.grid.clone(), f.logistics.clone()],
        inspector: Inspector::PerUnit(people.clone()),
        ..plan(&f, Cadence::WorkingDay)
    };
    e.add_plan(&f.tenant, each.clone()).await.unwrap();
    e.generate(&f.tenant, day(9, 14), day(9, 14)).await.unwrap();
    for (unit, who) in &people {
        let o = e
            .occurrence(&f.tenant, &OccurrenceId::of("each", unit, "2026-09-14"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(&o.inspector, who);
    }
    // Every unit needs its person, and only the plan's units are named.
    people.remove(&f.logistics);
    let missing = InspectionPlan {
        id: "each2".into(),
        inspector: Inspector::PerUnit(people.clone()),
        ..each.clone()
    };
    assert_eq!(field(&e.add_plan(&f.tenant, missing).await.unwrap_err()), "units[1]");
    people.insert(f.logistics.clone(), f.people.worker.clone());
    people.insert(f.security.clone(), f.people.officer.clone());
    let extra =
        InspectionPlan { id: "each3".into(), inspector: Inspector::PerUnit(people), ..each };
    let err = e.add_plan(&f.tenant, extra).await.unwrap_err();
    assert_eq!(field(&err), format!("inspector.per_unit.{}", f.security));
    let text = format!(
        "[[plans]]\nid = \"p\"\ntitle = \"巡查\"\ntemplate = {{ code = \"patrol\", version = 1 }}\nunits = [\"{g}\"]\n\
         inspector = {{ per_unit = {{ \"{g}\" = \"{p}\" }} }}\ncadence = {{ every = \"working_day\" }}\nstart = 2026-09-01\n",
        g = f.grid,
        p = f.people.grid_member
    );
    let plans = Plans::from_toml(&text, &f.org).unwrap();
    assert!(matches!(plans.plans[0].inspector, Inspector::PerUnit(_)));
}

#[tokio::test]
async fn a_sweep_leaves_other_tenants_occurrences_to_their_engines() {
    let (f, clock, _, e) = setup().await;
    // A second school in the same store, with an engine of its own.
    let other = Fixture::school_in("t2".try_into().unwrap(), "bureau2", "school2");
    let e2 = Engine::new(
        e.store().clone(),
        RecordingNotifier::new(),
        Arc::new(clock.clone()),
        other.policy.clone(),
    )
    .with_org(other.org.clone());
    let sheet = Template::from_toml(SHEET, other.policy.matrix()).unwrap();
    e2.import_template(&other.tenant, sheet).await.unwrap();
    e2.add_plan(&other.tenant, plan(&other, Cadence::WorkingDay)).await.unwrap();
    e.generate(&f.tenant, day(9, 14), day(9, 14)).await.unwrap();
    e2.generate(&other.tenant, day(9, 14), day(9, 14)).await.unwrap();
    clock.set(bj(9, 15, 19));
    let mine = e.sweep_inspections().await.unwrap();
    assert_eq!(
        (mine.missed, mine.other_tenants),
        (1, 1),
        "its own missed, the other school's left"
    );
    let theirs = OccurrenceId::of("grid-patrol", &other.grid, "2026-09-14");
    assert_eq!(
        e2.occurrence(&other.tenant, &theirs).await.unwrap().unwrap().version,
        1,
        "untouched"
    );
    let r = e2.sweep_inspections().await.unwrap();
    assert_eq!((r.missed, r.other_tenants), (1, 0), "the other school's engine marks its own");
}
