//! Incidents, report duties and campaigns through the engine on the memory store: the
//! wall-clock report deadlines and the bureau told once per miss; the quarterly duty's date;
//! late, missed and signed submissions; seed 001's campaign and its own statistics; bad input
//! that names its field and changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use hazardloop_core::duty::{
    campaign_preset, schedule_presets, Attachment, DutyCommand, DutyError, DutyRule,
    IncidentCommand, IncidentType, RecordId, RecordKind, RecordQuery,
};
use hazardloop_core::engine::Request;
use hazardloop_core::engine::{Engine, EngineError};
use hazardloop_core::model::InputError;
use hazardloop_core::notify::NoticeKind;
use hazardloop_core::report::Period;
use hazardloop_core::store::{MemoryStore, OutboxMessage, OutboxStatus, RecordStore, Store};
use hazardloop_core::workflow::Command;
use hazardloop_testkit::{Fixture, ManualClock, RecordingNotifier};

type E = Engine<Arc<MemoryStore>, RecordingNotifier>;

fn bj(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn setup(start: DateTime<Utc>) -> (Fixture, ManualClock, E) {
    let f = Fixture::school();
    let clock = ManualClock::new(start);
    let e = Engine::new(
        Arc::new(MemoryStore::new()),
        RecordingNotifier::new(),
        Arc::new(clock.clone()),
        f.policy.clone(),
    )
    .with_org(f.org.clone());
    (f, clock, e)
}

async fn pending(e: &E, f: &Fixture) -> Vec<OutboxMessage> {
    e.store().outbox(&f.tenant, OutboxStatus::Pending).await.unwrap()
}

fn open(f: &Fixture, occurred: DateTime<Utc>) -> IncidentCommand {
    open_as(f, occurred, "学生在操场摔伤送医", f.school.clone())
}

fn open_as(
    f: &Fixture,
    occurred: DateTime<Utc>,
    title: &str,
    unit: hazardloop_core::model::UnitId,
) -> IncidentCommand {
    let _ = f;
    IncidentCommand::Open {
        unit,
        title: title.into(),
        kind: IncidentType::Accident,
        location: "东操场".into(),
        summary: "课间活动时一名学生摔倒，已送医".into(),
        occurred_at: occurred,
        learned_at: None,
    }
}

#[tokio::test]
async fn incident_reports_run_on_the_wall_clock_and_the_bureau_hears_of_each_miss_once() {
    // Friday 2026-04-03 is a working day; Qingming runs Saturday 04-04 to Monday 04-06.
    let (f, clock, e) = setup(bj(2026, 4, 3, 16, 50));
    let cal = f.policy.calendar();
    assert!(cal.is_working_day(day(2026, 4, 3)));
    assert!((4..=6).all(|d| !cal.is_working_day(day(2026, 4, d))));
    let officer = f.actor(&f.people.officer);
    let opened = e.incident(&officer, None, open(&f, bj(2026, 4, 3, 16, 40))).await.unwrap();
    let incident = opened.record;
    assert_eq!(incident.phone.due, bj(2026, 4, 3, 17, 20), "30 minutes by the clock");
    assert_eq!(incident.written.due, bj(2026, 4, 3, 18, 50), "2 hours by the clock");
    let id = incident.id.clone();

    // 17:15: the phone reminder (10 minutes before) fires, once.
    clock.set(bj(2026, 4, 3, 17, 15));
    let r = e.sweep_records().await.unwrap();
    assert_eq!(r.fired, 1);
    assert!(pending(&e, &f).await.iter().all(|m| m.notice.kind == NoticeKind::Reminder));
    // 17:21: the phone report is missed: the principal and the bureau are told.
    clock.set(bj(2026, 4, 3, 17, 21));
    assert_eq!(e.sweep_records().await.unwrap().fired, 1);
    assert_eq!(e.sweep_records().await.unwrap().fired, 0, "a second sweep fires nothing");
    // 17:40: the phone report is made, late.
    clock.set(bj(2026, 4, 3, 17, 40));
    let phone =
        IncidentCommand::PhoneReport {
            at: None, to: "市教育局安全科值班室".into(), note: None
        };
    let after = e.incident(&officer, Some(&id), phone).await.unwrap().record;
    assert!(after.phone.late());
    // 18:51: the written report is missed; the bureau is told again, for this report.
    clock.set(bj(2026, 4, 3, 18, 51));
    assert_eq!(e.sweep_records().await.unwrap().fired, 2, "its reminder and its miss");
    clock.set(bj(2026, 4, 3, 23, 0));
    assert_eq!(e.sweep_records().await.unwrap().fired, 0);

    let bureau: Vec<_> = pending(&e, &f)
        .await
        .into_iter()
        .filter(|m| m.to.as_ref() == Some(&f.people.bureau_officer))
        .collect();
    let notes: Vec<_> = bureau.iter().map(|m| m.notice.note.clone().unwrap()).collect();
    assert_eq!(notes, ["电话报告", "书面报告"], "the bureau hears of each miss once");
    assert!(bureau.iter().all(|m| m.notice.kind == NoticeKind::IncidentReportDue));
    let body = bureau[0].notice.body(hazardloop_core::model::Lang::Zh, chrono_tz::Asia::Shanghai);
    assert!(body.contains("学生在操场摔伤送医") && body.contains("2026-04-03 17:20"), "{body}");

    // The written report, then closing; the statistics count one late phone report and one
    // late written report.
    let written = IncidentCommand::WrittenReport {
        at: None,
        note: Some("简要书面报告已报送".into()),
        attachments: vec!["docs://incidents/report-1.pdf".into()],
    };
    e.incident(&officer, Some(&id), written).await.unwrap();
    e.incident(&officer, Some(&id), IncidentCommand::Close { note: None }).await.unwrap();
    let tally = e.incident_statistics(&f.tenant, &Period::month(2026, 4).unwrap()).await.unwrap();
    assert_eq!((tally.incidents, tally.open, tally.phone_late, tally.written_late), (1, 0, 1, 1));
    e.verify_record(&f.tenant, RecordKind::Incident, &id).await.unwrap();
    let later = bj(2027, 1, 1, 0, 0);
    assert!(
        e.store().records_due(later, None, 10).await.unwrap().is_empty(),
        "closed: no more work"
    );
}

#[tokio::test]
async fn a_refused_incident_command_names_its_rule_or_field_and_writes_nothing() {
    let (f, _clock, e) = setup(bj(2026, 4, 3, 16, 50));
    let officer = f.actor(&f.people.officer);
    let blank = open_as(&f, bj(2026, 4, 3, 16, 0), " ", f.school.clone());
    match e.incident(&officer, None, blank).await {
        Err(EngineError::Duty(DutyError::Input(InputError::Missing { field }))) => {
            assert_eq!(field, "title")
        }
        other => panic!("a blank title is missing, got {other:?}"),
    }
    let later = open(&f, bj(2026, 4, 3, 17, 0));
    match e.incident(&officer, None, later).await {
        Err(EngineError::Duty(e)) => assert_eq!(e.rule(), Some(DutyRule::TimeOrder)),
        other => panic!("occurring after it was learned of is refused, got {other:?}"),
    }
    let stranger = open_as(&f, bj(2026, 4, 3, 16, 0), "x", "nowhere".try_into().unwrap());
    match e.incident(&officer, None, stranger).await {
        Err(EngineError::Duty(DutyError::Input(InputError::Unknown { field, .. }))) => {
            assert_eq!(field, "unit")
        }
        other => panic!("an unknown unit is named, got {other:?}"),
    }
    assert!(e.incidents(&f.tenant, &RecordQuery::default()).await.unwrap().is_empty());
    let id = e.incident(&officer, None, open(&f, bj(2026, 4, 3, 16, 0))).await.unwrap().record.id;
    match e.incident(&officer, Some(&id), IncidentCommand::Close { note: None }).await {
        Err(EngineError::Duty(e)) => assert_eq!(e.rule(), Some(DutyRule::WrittenBeforeClose)),
        other => panic!("closing before the written report is refused, got {other:?}"),
    }
    let follow = IncidentCommand::FollowUp { at: None, note: "续报".into(), attachments: vec![] };
    match e.incident(&officer, Some(&id), follow).await {
        Err(EngineError::Duty(e)) => assert_eq!(e.rule(), Some(DutyRule::WrittenBeforeFollowUp)),
        other => panic!("a follow-up before the written report is refused, got {other:?}"),
    }
    let outsider = f.actor(&f.people.bureau_officer);
    let phone = IncidentCommand::PhoneReport { at: None, to: "值班室".into(), note: None };
    e.incident(&outsider, Some(&id), phone.clone()).await.expect("the bureau is above the school");
    match e.incident(&officer, Some(&id), phone).await {
        Err(EngineError::Duty(e)) => assert_eq!(e.rule(), Some(DutyRule::AlreadyReported)),
        other => panic!("a second phone report is refused, got {other:?}"),
    }
    let unknown = RecordId::parse_as("no-such", "id").unwrap();
    assert!(matches!(
        e.incident(&officer, Some(&unknown), IncidentCommand::Close { note: None }).await,
        Err(EngineError::RecordNotFound { .. })
    ));
    assert_eq!(e.record_history(&f.tenant, RecordKind::Incident, &id).await.unwrap().len(), 2);
}

fn attachment(uri: &str) -> Attachment {
    Attachment { uri: uri.into(), sha256: None }
}

#[tokio::test]
async fn the_quarterly_report_for_q3_is_due_on_15_october_and_climbs_the_ladder_until_submitted() {
    let (f, clock, e) = setup(bj(2026, 10, 1, 9, 0));
    e.set_schedules(&f.tenant, schedule_presets()).await.unwrap();
    let made = e.generate_duties(&f.tenant, day(2026, 10, 1), day(2026, 10, 31)).await.unwrap();
    let again = e.generate_duties(&f.tenant, day(2026, 10, 1), day(2026, 10, 31)).await.unwrap();
    assert_eq!(
        (again.considered, again.created),
        (made.considered, 0),
        "generating twice adds nothing"
    );
    let id = RecordId::parse_as(&format!("quarterly-analysis/{}/2026-Q3", f.school), "id").unwrap();
    let duty = e.load_duty(&f.tenant, &id).await.unwrap();
    assert_eq!(duty.due_date, day(2026, 10, 15));
    assert_eq!(duty.period, Some((day(2026, 7, 1), day(2026, 9, 30))));
    assert!(duty.statistics);

    // Three working days before: a reminder; at the due time: overdue; two working days
    // later: the bureau; five working days later: missed.
    let mut fired = Vec::new();
    for (m, d, h) in [(10, 12, 18), (10, 15, 18), (10, 19, 18), (10, 22, 18), (10, 23, 9)] {
        clock.set(bj(2026, m, d, h, 0));
        let r = e.sweep_records().await.unwrap();
        fired.push((r.fired, r.missed));
    }
    assert_eq!(fired, [(1, 0), (1, 0), (1, 0), (0, 1), (0, 0)]);
    let duty = e.load_duty(&f.tenant, &id).await.unwrap();
    assert_eq!(duty.status_at(hazardloop_core::clock::Clock::now(&clock)), "missed");
    let to_bureau = pending(&e, &f)
        .await
        .into_iter()
        .filter(|m| {
            m.to.as_ref() == Some(&f.people.bureau_officer)
                && m.notice.record.as_ref().is_some_and(|r| r.id == id)
        })
        .count();
    assert_eq!(to_bureau, 1);

    // Submitted late: accepted, marked late.
    let officer = f.actor(&f.people.officer);
    let none = DutyCommand::Submit { attachments: vec![], signed_by: None, note: None };
    match e.duty(&officer, &id, none).await {
        Err(EngineError::Duty(DutyError::Input(InputError::Missing { field }))) => {
            assert_eq!(field, "attachments")
        }
        other => panic!("a submission needs a document, got {other:?}"),
    }
    let submit = DutyCommand::Submit {
        attachments: vec![attachment("docs://q3.xlsx")],
        signed_by: None,
        note: None,
    };
    let done = e.duty(&officer, &id, submit.clone()).await.unwrap().record;
    assert!(done.submission.as_ref().unwrap().late);
    assert!(
        matches!(e.duty(&officer, &id, submit).await, Err(EngineError::Duty(e)) if e.rule() == Some(DutyRule::AlreadySubmitted))
    );
    let q4 = Period::quarter(2026, 4).unwrap();
    let tally = e.duty_statistics(&f.tenant, &q4).await.unwrap();
    assert_eq!(tally.late, 1);
}

#[tokio::test]
async fn the_annual_summary_is_signed_by_the_principal() {
    let (f, _clock, e) = setup(bj(2027, 1, 20, 9, 0));
    e.set_schedules(&f.tenant, schedule_presets()).await.unwrap();
    e.generate_duties(&f.tenant, day(2027, 1, 1), day(2027, 2, 28)).await.unwrap();
    let id = RecordId::parse_as(&format!("annual-summary/{}/2026", f.school), "id").unwrap();
    let duty = e.load_duty(&f.tenant, &id).await.unwrap();
    // 31 January 2027 is a Sunday: the duty moves to Monday 1 February.
    assert_eq!(duty.due_date, day(2027, 2, 1));
    let officer = f.actor(&f.people.officer);
    let unsigned = DutyCommand::Submit {
        attachments: vec![attachment("docs://2026.pdf")],
        signed_by: None,
        note: None,
    };
    match e.duty(&officer, &id, unsigned).await {
        Err(EngineError::Duty(DutyError::Input(InputError::Missing { field }))) => {
            assert_eq!(field, "signed_by")
        }
        other => panic!("the signer is required, got {other:?}"),
    }
    let by_officer = DutyCommand::Submit {
        attachments: vec![attachment("docs://2026.pdf")],
        signed_by: Some(f.people.officer.clone()),
        note: None,
    };
    assert!(
        matches!(e.duty(&officer, &id, by_officer).await, Err(EngineError::Duty(e)) if e.rule() == Some(DutyRule::SignedByRole))
    );
    let signed = DutyCommand::Submit {
        attachments: vec![attachment("docs://2026.pdf")],
        signed_by: Some(f.people.principal.clone()),
        note: None,
    };
    let done = e.duty(&officer, &id, signed).await.unwrap().record;
    assert_eq!(done.status_at(bj(2027, 1, 20, 10, 0)), "submitted");
}

#[tokio::test]
async fn seed_001s_campaign_makes_its_four_report_duties_and_counts_only_its_hazards() {
    let (f, _clock, e) = setup(bj(2021, 11, 10, 9, 0));
    let campaign = campaign_preset("seed-001").unwrap();
    e.put_campaign(&f.tenant, campaign.clone()).await.unwrap();
    e.generate_duties(&f.tenant, day(2021, 11, 1), day(2022, 1, 31)).await.unwrap();
    let rows = e.duties(&f.tenant, &RecordQuery::default()).await.unwrap();
    let mut due = Vec::new();
    for row in &rows {
        let d = e.load_duty(&f.tenant, &row.id).await.unwrap();
        assert_eq!(d.campaign.as_deref(), Some("campus-safety"));
        due.push(d.due_date);
    }
    assert_eq!(due, [day(2021, 11, 22), day(2021, 12, 6), day(2021, 12, 20), day(2022, 1, 3)]);

    // Two hazards found in the campaign, one outside it.
    let inspector = f.actor(&f.people.inspector);
    for tag in [Some("campus-safety"), Some("campus-safety"), None] {
        let Command::Discover(mut d) = f.discover() else { unreachable!() };
        d.campaign = tag.map(str::to_owned);
        e.execute(&inspector, Request::new(Command::Discover(d))).await.unwrap();
    }
    let (_, _, table) = e.campaign_statistics(&f.tenant, "campus-safety", None).await.unwrap();
    assert_eq!(table.total.discovered, 2, "only the campaign's hazards");
    let (_, period, first) =
        e.campaign_statistics(&f.tenant, "campus-safety", Some(0)).await.unwrap();
    assert_eq!(period.first_day(), day(2021, 11, 8));
    assert_eq!(first.total.discovered, 2, "found in the self-check phase");
    let (_, _, second) = e.campaign_statistics(&f.tenant, "campus-safety", Some(1)).await.unwrap();
    assert_eq!(second.total.discovered, 0);

    // An unknown campaign is named and nothing is written.
    let before = e.ledger_rows(&f.tenant, &Default::default()).await.unwrap().len();
    let Command::Discover(mut d) = f.discover() else { unreachable!() };
    d.campaign = Some("no-such".into());
    match e.execute(&inspector, Request::new(Command::Discover(d))).await {
        Err(EngineError::Duty(DutyError::Input(InputError::Unknown { field, .. }))) => {
            assert_eq!(field, "campaign")
        }
        other => panic!("an unknown campaign is named, got {other:?}"),
    }
    assert_eq!(e.ledger_rows(&f.tenant, &Default::default()).await.unwrap().len(), before);
    // A campaign whose phases overlap is refused, naming the phase.
    let mut bad = campaign;
    bad.phases[1].from = day(2021, 11, 10);
    match e.put_campaign(&f.tenant, bad).await {
        Err(EngineError::Duty(DutyError::Input(InputError::Malformed { field, .. }))) => {
            assert_eq!(field, "campaign.phases[1]")
        }
        other => panic!("overlapping phases are refused, got {other:?}"),
    }
}
