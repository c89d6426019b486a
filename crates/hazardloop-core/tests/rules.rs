//! One scenario per rule of the loop, named after the rule. Each fails if its rule is removed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, TimeZone, Utc};
use hazardloop_core::deadline::ClockKind;
use hazardloop_core::model::{Category, Grade, Method, PersonId, RiskColour, TenantId};
use hazardloop_core::policy::{Policy, PolicyError};
use hazardloop_core::workflow::{
    Command, DismissReason, Event, Interim, InterimMeasure, MajorPlan, Plan, Register, Rule, Stage,
    StageKind, Step, WorkflowError,
};
use hazardloop_testkit::{evidence, major_plan, Fixture, Scenario};

fn f() -> Fixture {
    Fixture::school()
}

fn category(s: &str) -> Category {
    Category::new(s).unwrap()
}

fn major_start(_: &Fixture, plan: MajorPlan) -> Command {
    Command::StartTreatment {
        plan: Box::new(Plan::Major(Box::new(plan))),
        interim: Some(Interim { measures: vec![InterimMeasure::Cordon], note: "封闭".into() }),
    }
}

fn deadline(f: &Fixture) -> chrono::DateTime<Utc> {
    f.start + Duration::days(20)
}

// ---- register ----

#[test]
fn registration_needs_a_category_from_the_matrix() {
    let f = f();
    let (_, history) = f.walked(Grade::General, StageKind::Discovered);
    let Command::Register(mut r) = f.register(Grade::General) else { unreachable!() };
    r.category = category("unicorns");
    Scenario::new(&f)
        .given(history)
        .when(&f.officer(), Command::Register(r))
        .then_input_error("category");
}

#[test]
fn registration_needs_a_known_assignee() {
    let f = f();
    let (_, history) = f.walked(Grade::General, StageKind::Discovered);
    let Command::Register(mut r) = f.register(Grade::General) else { unreachable!() };
    r.assignee = PersonId::new("nobody").unwrap();
    Scenario::new(&f)
        .given(history)
        .when(&f.officer(), Command::Register(r))
        .then_input_error("assignee");
}

#[test]
fn registration_needs_grade_category_assignee_and_assessment_in_the_command() {
    for missing in ["category", "assignee", "assessment"] {
        let mut json = serde_json::json!({
            "command": "register", "grade": "general", "category": "fire", "assignee": "x",
            "assessment": {"method": "lec", "l": 3.0, "e": 6.0, "c": 3.0}
        });
        json.as_object_mut().unwrap().remove(missing);
        let err = serde_json::from_value::<Command>(json).unwrap_err().to_string();
        assert!(err.contains(missing), "{missing}: {err}");
    }
}

#[test]
fn registration_deadline_defaults_to_five_working_days_for_general() {
    let f = f();
    let (h, _) = f.walked(Grade::General, StageKind::Registered);
    // Registered Monday 2025-03-03 11:00 Shanghai: 5 working days later is Monday 2025-03-10 17:30.
    let expected = Utc.with_ymd_and_hms(2025, 3, 10, 9, 30, 0).unwrap();
    assert_eq!(h.clocks.get(ClockKind::Rectify), Some(expected));
    assert_eq!(h.stage.registration().unwrap().deadline, expected);
}

#[test]
fn registration_deadline_must_be_after_discovery_and_now() {
    let f = f();
    let (_, history) = f.walked(Grade::General, StageKind::Discovered);
    let Command::Register(mut r) = f.register(Grade::General) else { unreachable!() };
    r.deadline = Some(f.start - Duration::hours(1));
    Scenario::new(&f)
        .given(history)
        .when(&f.officer(), Command::Register(r))
        .then_rule(Rule::DeadlineAfterStart);
}

#[test]
fn grade_is_derived_from_the_colour_when_not_given() {
    let f = f();
    let (_, history) = f.walked(Grade::General, StageKind::Discovered);
    let Command::Register(mut r) = f.register(Grade::General) else { unreachable!() };
    r.grade = None;
    r.assessment = Method::Lec { l: 6.0, e: 6.0, c: 15.0 }; // D = 540: red
    let h = Scenario::new(&f).given(history).when(&f.officer(), Command::Register(r)).then_ok();
    let reg = h.stage.registration().unwrap();
    assert_eq!((reg.assessment.colour, reg.grade), (RiskColour::Red, Grade::Major));
}

#[test]
fn registration_routes_to_the_lead_department_of_the_category() {
    let f = f();
    let (_, history) = f.walked(Grade::General, StageKind::Discovered);
    let Command::Register(mut r) = f.register(Grade::General) else { unreachable!() };
    r.category = category("fire"); // led by 安全保卫处 in seed 001
    let h = Scenario::new(&f).given(history).when(&f.officer(), Command::Register(r)).then_ok();
    assert_eq!(h.stage.registration().unwrap().responsible_unit, f.security);
}

#[test]
fn illegal_lec_factor_names_the_field_and_changes_nothing() {
    let f = f();
    let (before, history) = f.walked(Grade::General, StageKind::Discovered);
    let Command::Register(mut r) = f.register(Grade::General) else { unreachable!() };
    r.assessment = Method::Lec { l: 4.0, e: 6.0, c: 3.0 };
    let outcome = Scenario::new(&f).given(history.clone()).when(&f.officer(), Command::Register(r));
    assert!(outcome.result().is_err());
    outcome.then_input_error("assessment.l");
    // decide is pure: the history is what it was, and folds to the same hazard.
    let again = hazardloop_core::workflow::Hazard::fold(before.id, &history).unwrap();
    assert_eq!(again, before);
}

// ---- report ----

#[test]
fn major_hazard_is_reported_to_the_bureau_in_writing() {
    let f = f();
    let (_, history) = f.walked(Grade::Major, StageKind::Registered);
    Scenario::new(&f)
        .given(history)
        .when(&f.officer(), Command::Report { to_bureau: true, written: false, reference: None })
        .then_rule(Rule::MajorReportedToBureauInWriting);
}

#[test]
fn major_report_starts_the_plan_clock_of_three_working_days() {
    let f = f();
    let (h, _) = f.walked(Grade::Major, StageKind::Reported);
    // Reported Monday 12:00: three working days on is Thursday 17:30.
    assert_eq!(
        h.clocks.get(ClockKind::Plan),
        Some(Utc.with_ymd_and_hms(2025, 3, 6, 9, 30, 0).unwrap())
    );
}

// ---- start of treatment ----

#[test]
fn major_plan_needs_all_six_items() {
    let f = f();
    let (_, history) = f.walked(Grade::Major, StageKind::Reported);
    type Blank = (&'static str, fn(&mut MajorPlan));
    let blanks: [Blank; 6] = [
        ("plan.objectives", |p| p.objectives.clear()),
        ("plan.methods", |p| p.methods.clear()),
        ("plan.funds", |p| p.funds.clear()),
        ("plan.organisation", |p| p.organisation.clear()),
        ("plan.schedule", |p| p.schedule = " ".into()),
        ("plan.safety", |p| p.safety.clear()),
    ];
    for (field, blank) in blanks {
        let mut plan = major_plan(deadline(&f));
        blank(&mut plan);
        let err = Scenario::new(&f)
            .given(history.clone())
            .when(&f.principal(), major_start(&f, plan))
            .then_rule(Rule::MajorPlanSixItems);
        assert!(err.to_string().contains(field), "{field}: {err}");
    }
}

#[test]
fn general_plan_needs_the_four_implementations() {
    let f = f();
    let (_, history) = f.walked(Grade::General, StageKind::Reported);
    for field in ["measures", "contingency"] {
        let Command::StartTreatment { plan, interim } =
            f.start_treatment(Grade::General, f.start + Duration::days(3))
        else {
            unreachable!()
        };
        let Plan::General(mut p) = *plan else { unreachable!() };
        match field {
            "measures" => p.measures.clear(),
            _ => p.contingency.clear(),
        }
        let command = Command::StartTreatment { plan: Box::new(Plan::General(p)), interim };
        let err = Scenario::new(&f)
            .given(history.clone())
            .when(&f.worker(), command)
            .then_rule(Rule::GeneralPlanFourImplementations);
        assert!(err.to_string().contains(field));
    }
}

#[test]
fn major_hazard_gets_the_six_item_plan_not_four_implementations() {
    let f = f();
    let (_, history) = f.walked(Grade::Major, StageKind::Reported);
    let command = f.start_treatment(Grade::General, deadline(&f));
    Scenario::new(&f)
        .given(history)
        .when(&f.principal(), command)
        .then_rule(Rule::MajorPlanSixItems);
}

#[test]
fn interim_control_is_required_for_a_major_hazard() {
    let f = f();
    let (_, history) = f.walked(Grade::Major, StageKind::Reported);
    let command = Command::StartTreatment {
        plan: Box::new(Plan::Major(Box::new(major_plan(deadline(&f))))),
        interim: None,
    };
    Scenario::new(&f)
        .given(history)
        .when(&f.principal(), command)
        .then_rule(Rule::InterimControlRequired);
}

#[test]
fn interim_control_is_required_when_a_general_hazard_cannot_be_fixed_at_once() {
    let f = f();
    let (_, mut history) = f.walked(Grade::General, StageKind::Reported);
    for e in &mut history {
        if let Event::Registered { registration } = e {
            std::sync::Arc::make_mut(registration).fixable_at_once = false;
        }
    }
    let command = f.start_treatment(Grade::General, f.start + Duration::days(3));
    Scenario::new(&f)
        .given(history)
        .when(&f.worker(), command)
        .then_rule(Rule::InterimControlRequired);
}

#[test]
fn major_plan_is_owned_by_the_principal() {
    let f = f();
    let (_, history) = f.walked(Grade::Major, StageKind::Reported);
    Scenario::new(&f)
        .given(history)
        .when(&f.worker(), major_start(&f, major_plan(deadline(&f))))
        .then_rule(Rule::RoleAllowsStep);
}

// ---- completion and acceptance ----

#[test]
fn completion_needs_evidence() {
    let f = f();
    let (_, history) = f.walked(Grade::General, StageKind::Treating);
    Scenario::new(&f)
        .given(history)
        .when(&f.worker(), Command::Complete { summary: "done".into(), evidence: vec![] })
        .then_rule(Rule::CompletionNeedsEvidence);
}

#[test]
fn acceptance_by_the_rectifier_is_denied() {
    let f = f();
    let (_, history) = f.walked(Grade::General, StageKind::Treated);
    Scenario::new(&f)
        .given(history)
        .when(&f.worker(), Command::Pass { note: String::new() })
        .then_rule(Rule::CheckerIsNotRectifier);
}

#[test]
fn acceptance_by_the_assignee_is_denied_even_when_someone_else_completed() {
    let f = f();
    let (_, history) = f.walked(Grade::General, StageKind::Treating);
    // The department head completes; the worker stays the assignee.
    let completed =
        Scenario::new(&f).given(history.clone()).when(&f.logistics_head(), f.complete());
    let Ok(events) = completed.result().clone() else { panic!("completion refused") };
    let mut all = history;
    all.extend(events);
    let mut checker = f.worker();
    checker.roles.insert(hazardloop_core::org::Role::Inspector);
    Scenario::new(&f)
        .given(all)
        .when(&checker, Command::Pass { note: String::new() })
        .then_rule(Rule::CheckerIsNotRectifier);
}

#[test]
fn failed_acceptance_needs_a_reason() {
    let f = f();
    let (_, history) = f.walked(Grade::General, StageKind::Treated);
    Scenario::new(&f)
        .given(history)
        .when(&f.inspector(), Command::Fail { reason: "  ".into() })
        .then_rule(Rule::FailureNeedsReason);
}

#[test]
fn failed_acceptance_returns_to_the_same_assignee_and_keeps_the_attempt() {
    let f = f();
    let (_, history) = f.walked(Grade::General, StageKind::Treated);
    let h = Scenario::new(&f)
        .given(history)
        .when(&f.inspector(), Command::Fail { reason: "托架未固定".into() })
        .then_event_types(&["acceptance_failed", "deadlines_changed"]);
    assert_eq!(h.kind(), StageKind::Treating);
    assert_eq!(h.stage.registration().unwrap().assignee, f.people.worker);
    let t = h.stage.treatment().unwrap();
    assert_eq!(t.reworks(), 1);
    assert_eq!(t.failed[0].rejection.reason, "托架未固定");
    assert_eq!(t.failed[0].completion.by, f.people.worker);
}

// ---- close and archive ----

#[test]
fn close_needs_acceptance() {
    let f = f();
    let (_, history) = f.walked(Grade::General, StageKind::Treated);
    Scenario::new(&f)
        .given(history)
        .when(&f.officer(), Command::Close { note: String::new() })
        .then_error(WorkflowError::NotAllowed { stage: StageKind::Treated, step: Step::Close });
}

#[test]
fn supervised_major_hazard_is_closed_only_by_the_bureau() {
    let f = f();
    let (_, mut history) = f.walked(Grade::Major, StageKind::Reported);
    Scenario::new(&f)
        .given(history.clone())
        .when(&f.bureau_officer(), Command::Supervise { reference: Some("督办〔2025〕1号".into()) })
        .then_extend(&mut history);
    for (actor, command) in [
        (f.principal(), major_start(&f, major_plan(deadline(&f)))),
        (f.worker(), f.complete()),
        (f.inspector(), Command::Pass { note: String::new() }),
    ] {
        Scenario::new(&f).given(history.clone()).when(&actor, command).then_extend(&mut history);
    }
    Scenario::new(&f)
        .given(history.clone())
        .when(&f.officer(), Command::Close { note: String::new() })
        .then_rule(Rule::SupervisedClosedByBureau);
    let h = Scenario::new(&f)
        .given(history)
        .when(&f.bureau_officer(), Command::Close { note: "核销".into() })
        .then_ok();
    assert!(h.stage.closed().unwrap().closure.by_bureau);
}

#[test]
fn supervised_close_clock_is_ten_days_after_acceptance() {
    let f = f();
    let (_, mut history) = f.walked(Grade::Major, StageKind::Reported);
    Scenario::new(&f)
        .given(history.clone())
        .when(&f.bureau_officer(), Command::Supervise { reference: None })
        .then_extend(&mut history);
    for (actor, command) in
        [(f.principal(), major_start(&f, major_plan(deadline(&f)))), (f.worker(), f.complete())]
    {
        Scenario::new(&f).given(history.clone()).when(&actor, command).then_extend(&mut history);
    }
    let at = f.start + Duration::days(1);
    let h = Scenario::new(&f)
        .given(history)
        .at(at)
        .when(&f.inspector(), Command::Pass { note: String::new() })
        .then_ok();
    assert_eq!(h.clocks.get(ClockKind::Close), Some(at + Duration::days(10)));
}

#[test]
fn archive_comes_from_closed_or_dismissed_only() {
    let f = f();
    let (_, history) = f.walked(Grade::General, StageKind::Accepted);
    Scenario::new(&f)
        .given(history)
        .when(&f.officer(), Command::Archive)
        .then_rule(Rule::StepOrder);
    let (_, closed) = f.walked(Grade::General, StageKind::Closed);
    let h = Scenario::new(&f).given(closed).when(&f.officer(), Command::Archive).then_ok();
    assert_eq!(h.kind(), StageKind::Archived);
    assert!(h.clocks.is_empty(), "an archived hazard has no clocks left");
}

#[test]
fn archived_hazard_refuses_every_command() {
    let f = f();
    let (_, history) = f.walked(Grade::General, StageKind::Archived);
    let commands = vec![
        f.register(Grade::General),
        f.report(Grade::General),
        f.start_treatment(Grade::General, deadline(&f)),
        f.complete(),
        Command::Pass { note: String::new() },
        Command::Fail { reason: "x".into() },
        Command::Close { note: String::new() },
        Command::Archive,
        Command::Dismiss {
            reason: DismissReason::NotAHazard,
            note: "x".into(),
            requested_by: f.people.officer.clone(),
        },
        Command::AddInterimControl(Interim {
            measures: vec![InterimMeasure::Cordon],
            note: String::new(),
        }),
        Command::RecordProgress { note: "x".into(), percent: None, evidence: vec![] },
        Command::RequestExtension { new_deadline: deadline(&f), reason: "x".into() },
        Command::GrantExtension { note: String::new() },
        Command::DenyExtension { reason: "x".into() },
        Command::PauseClock { reason: "x".into() },
        Command::ResumeClock { note: String::new() },
        Command::Reassign { to: f.people.officer.clone(), note: "x".into() },
        Command::AddEvidence { evidence: vec![evidence(9)] },
        Command::Comment { text: "x".into() },
        Command::Supervise { reference: None },
    ];
    assert_eq!(commands.len() + 2, Step::ALL.len(), "every non-creating step is tried");
    for command in commands {
        for actor in [f.officer(), f.principal(), f.bureau_officer()] {
            Scenario::new(&f)
                .given(history.clone())
                .when(&actor, command.clone())
                .then_rule(Rule::ArchivedIsSealed);
        }
    }
}

// ---- dismiss ----

#[test]
fn dismissal_needs_a_reason() {
    let f = f();
    let (_, history) = f.walked(Grade::General, StageKind::Discovered);
    let command = Command::Dismiss {
        reason: DismissReason::NotAHazard,
        note: "".into(),
        requested_by: f.people.officer.clone(),
    };
    Scenario::new(&f)
        .given(history)
        .when(&f.deputy(), command)
        .then_rule(Rule::DismissalApprovedOneLevelUp);
}

#[test]
fn dismissal_is_approved_one_level_up() {
    let f = f();
    let (_, history) = f.walked(Grade::General, StageKind::Registered);
    let dismiss = |by: &PersonId| Command::Dismiss {
        reason: DismissReason::NotAHazard,
        note: "经复核为正常磨损，不构成隐患".into(),
        requested_by: by.clone(),
    };
    // Own proposal: refused.
    Scenario::new(&f)
        .given(history.clone())
        .when(&f.officer(), dismiss(&f.people.officer))
        .then_rule(Rule::DismissalApprovedOneLevelUp);
    // A deputy's proposal approved by a safety officer: below, refused.
    Scenario::new(&f)
        .given(history.clone())
        .when(&f.officer(), dismiss(&f.people.deputy))
        .then_rule(Rule::DismissalApprovedOneLevelUp);
    // The officer's proposal approved by the deputy: allowed; still archived later.
    let h =
        Scenario::new(&f).given(history).when(&f.deputy(), dismiss(&f.people.officer)).then_ok();
    assert_eq!(h.kind(), StageKind::Dismissed);
    assert!(h.clocks.get(ClockKind::Archive).is_some());
}

#[test]
fn dismissal_only_before_reporting() {
    let f = f();
    let (_, history) = f.walked(Grade::General, StageKind::Reported);
    let command = Command::Dismiss {
        reason: DismissReason::NotAHazard,
        note: "x".into(),
        requested_by: f.people.officer.clone(),
    };
    Scenario::new(&f).given(history).when(&f.deputy(), command).then_rule(Rule::StepOrder);
}

// ---- extension and pause ----

fn extension(f: &Fixture, days: i64) -> Command {
    Command::RequestExtension {
        new_deadline: f.start + Duration::days(days),
        reason: "配件需从厂家订购".into(),
    }
}

#[test]
fn extension_is_requested_before_the_deadline() {
    let f = f();
    let (h, history) = f.walked(Grade::General, StageKind::Treating);
    let late = h.clocks.get(ClockKind::Rectify).unwrap() + Duration::hours(1);
    Scenario::new(&f)
        .given(history)
        .at(late)
        .when(&f.worker(), extension(&f, 30))
        .then_rule(Rule::ExtensionBeforeDeadline);
}

#[test]
fn extension_granted_by_the_superior_moves_rectify_by_and_is_counted() {
    let f = f();
    let (_, mut history) = f.walked(Grade::General, StageKind::Treating);
    Scenario::new(&f)
        .given(history.clone())
        .when(&f.worker(), extension(&f, 30))
        .then_extend(&mut history);
    // The worker cannot grant their own request.
    Scenario::new(&f)
        .given(history.clone())
        .when(&f.worker(), Command::GrantExtension { note: String::new() })
        .then_rule(Rule::RoleAllowsStep);
    let h = Scenario::new(&f)
        .given(history)
        .when(&f.logistics_head(), Command::GrantExtension { note: "同意".into() })
        .then_event_types(&["extension_decided", "deadlines_changed"]);
    assert_eq!(h.clocks.get(ClockKind::Rectify), Some(f.start + Duration::days(30)));
    let t = h.stage.treatment().unwrap();
    assert_eq!((t.extensions_granted(), t.deadline()), (1, f.start + Duration::days(30)));
}

#[test]
fn extension_is_decided_by_the_assignees_superior_not_a_peer() {
    let f = f();
    let (_, mut history) = f.walked(Grade::General, StageKind::Treating);
    // The logistics head asks; a department head of the same rank may not decide.
    let mut head = f.logistics_head();
    Scenario::new(&f)
        .given(history.clone())
        .when(&head, extension(&f, 30))
        .then_extend(&mut history);
    head.person = f.people.security_head.clone();
    head.units = vec![f.school.clone()];
    Scenario::new(&f)
        .given(history)
        .when(&head, Command::DenyExtension { reason: "不同意".into() })
        .then_rule(Rule::ExtensionDecidedBySuperior);
}

#[test]
fn extension_denied_keeps_the_deadline() {
    let f = f();
    let (h0, mut history) = f.walked(Grade::General, StageKind::Treating);
    Scenario::new(&f)
        .given(history.clone())
        .when(&f.worker(), extension(&f, 30))
        .then_extend(&mut history);
    let h = Scenario::new(&f)
        .given(history)
        .when(&f.deputy(), Command::DenyExtension { reason: "应按期完成".into() })
        .then_event_types(&["extension_decided"]);
    assert_eq!(h.clocks.get(ClockKind::Rectify), h0.clocks.get(ClockKind::Rectify));
    assert_eq!(h.stage.treatment().unwrap().extensions_granted(), 0);
}

#[test]
fn extension_is_not_decided_by_the_one_who_asked_for_it() {
    let f = f();
    let (_, mut history) = f.walked(Grade::General, StageKind::Treating);
    // The department head asks on the worker's behalf; being above the worker does not let
    // them approve their own request: one level above the asker decides.
    Scenario::new(&f)
        .given(history.clone())
        .when(&f.logistics_head(), extension(&f, 30))
        .then_extend(&mut history);
    for decision in [
        Command::GrantExtension { note: "同意".into() },
        Command::DenyExtension { reason: "否".into() },
    ] {
        Scenario::new(&f)
            .given(history.clone())
            .when(&f.logistics_head(), decision.clone())
            .then_rule(Rule::ExtensionDecidedBySuperior);
        Scenario::new(&f).given(history.clone()).when(&f.deputy(), decision).then_ok();
    }
}

#[test]
fn the_assignee_does_not_approve_a_pause_of_their_own_clocks() {
    let f = f();
    let (_, mut history) = f.walked(Grade::General, StageKind::Treating);
    let to_deputy =
        Command::Reassign { to: f.people.deputy.clone(), note: "副校长牵头".into() };
    Scenario::new(&f)
        .given(history.clone())
        .when(&f.officer(), to_deputy)
        .then_extend(&mut history);
    let pause = Command::PauseClock { reason: "等待教育局批复".into() };
    Scenario::new(&f)
        .given(history.clone())
        .when(&f.deputy(), pause.clone())
        .then_rule(Rule::PauseApproved);
    Scenario::new(&f).given(history).when(&f.principal(), pause).then_ok();
}

#[test]
fn pause_needs_a_reason_and_approval() {
    let f = f();
    let (_, history) = f.walked(Grade::General, StageKind::Treating);
    Scenario::new(&f)
        .given(history.clone())
        .when(&f.deputy(), Command::PauseClock { reason: "".into() })
        .then_rule(Rule::PauseApproved);
    Scenario::new(&f)
        .given(history)
        .when(&f.worker(), Command::PauseClock { reason: "等待教育局批复".into() })
        .then_rule(Rule::RoleAllowsStep);
}

#[test]
fn resume_shifts_every_clock_by_the_paused_time() {
    let f = f();
    let (h0, mut history) = f.walked(Grade::General, StageKind::Treating);
    let paused_at = f.start + Duration::hours(10);
    Scenario::new(&f)
        .given(history.clone())
        .at(paused_at)
        .when(&f.deputy(), Command::PauseClock { reason: "停电".into() })
        .then_extend(&mut history);
    let h = Scenario::new(&f)
        .given(history)
        .at(paused_at + Duration::hours(48))
        .when(&f.deputy(), Command::ResumeClock { note: String::new() })
        .then_ok();
    let before = h0.clocks.get(ClockKind::Rectify).unwrap();
    assert_eq!(h.clocks.get(ClockKind::Rectify), Some(before + Duration::hours(48)));
    assert!(h.paused.is_none());
}

// ---- fix on the spot ----

fn fix(f: &Fixture, assessment: Option<Method>) -> Command {
    let Command::Discover(discover) = f.discover() else { unreachable!() };
    Command::FixOnTheSpot {
        discover,
        category: category("buildings_construction"),
        assessment,
        measures: "当场拧紧螺栓".into(),
        evidence: vec![evidence(3)],
    }
}

#[test]
fn fix_on_the_spot_runs_discover_to_complete_and_still_needs_another_checker() {
    let f = f();
    let h = Scenario::new(&f).when(&f.logistics_head(), fix(&f, None)).then_event_types(&[
        "discovered",
        "registered",
        "reported",
        "treatment_started",
        "treatment_completed",
        "deadlines_changed",
    ]);
    assert_eq!(h.kind(), StageKind::Treated);
    let history = match Scenario::new(&f).when(&f.logistics_head(), fix(&f, None)).result().clone()
    {
        Ok(events) => events,
        Err(e) => panic!("{e}"),
    };
    Scenario::new(&f)
        .given(history.clone())
        .when(&f.logistics_head(), Command::Pass { note: String::new() })
        .then_rule(Rule::CheckerIsNotRectifier);
    Scenario::new(&f)
        .given(history)
        .when(&f.inspector(), Command::Pass { note: String::new() })
        .then_ok();
}

#[test]
fn fix_on_the_spot_is_for_general_hazards_only() {
    let f = f();
    Scenario::new(&f)
        .when(&f.logistics_head(), fix(&f, Some(Method::Lec { l: 10.0, e: 6.0, c: 15.0 })))
        .then_rule(Rule::FixOnTheSpotGeneralOnly);
}

// ---- order, tenant, scope, input ----

#[test]
fn steps_cannot_be_skipped() {
    let f = f();
    let (_, history) = f.walked(Grade::General, StageKind::Registered);
    Scenario::new(&f)
        .given(history.clone())
        .when(&f.worker(), f.complete())
        .then_rule(Rule::StepOrder);
    Scenario::new(&f)
        .given(history)
        .when(&f.officer(), f.register(Grade::General))
        .then_rule(Rule::StepOrder);
}

#[test]
fn actors_act_within_their_own_tenant() {
    let f = f();
    let (_, history) = f.walked(Grade::General, StageKind::Discovered);
    let mut stranger = f.officer();
    stranger.tenant = TenantId::new("t2").unwrap();
    Scenario::new(&f)
        .given(history)
        .when(&stranger, f.register(Grade::General))
        .then_rule(Rule::SameTenant);
}

#[test]
fn grid_member_discovers_only_in_their_grid() {
    let f = f();
    Scenario::new(&f).when(&f.grid_member(), f.discover()).then_rule(Rule::UnitScope);
    let Command::Discover(mut d) = f.discover() else { unreachable!() };
    d.unit = f.grid.clone();
    Scenario::new(&f).when(&f.grid_member(), Command::Discover(d)).then_ok();
}

#[test]
fn discovery_in_the_future_names_the_field() {
    let f = f();
    let Command::Discover(mut d) = f.discover() else { unreachable!() };
    d.discovered_at = Some(f.start + Duration::days(1));
    Scenario::new(&f)
        .at(f.start)
        .when(&f.inspector(), Command::Discover(d))
        .then_input_error("discovered_at");
}

#[test]
fn over_limit_title_names_the_limit() {
    let f = f();
    let Command::Discover(mut d) = f.discover() else { unreachable!() };
    d.title = "长".repeat(201);
    let err =
        Scenario::new(&f).when(&f.inspector(), Command::Discover(d)).then_rule(Rule::InputLimits);
    assert!(err.to_string().contains("title") && err.to_string().contains("200"), "{err}");
}

#[test]
fn malformed_policy_toml_is_a_parse_error_and_bad_values_name_the_field() {
    assert!(matches!(
        Policy::from_toml("[deadlines\n"),
        Err(PolicyError::Parse { format: "toml", .. })
    ));
    let text = Policy::default().to_toml().replace("rectify = \"20wd\"", "rectify = \"0wd\"");
    let err = Policy::from_toml(&text).unwrap_err();
    assert_eq!(err.to_string(), "policy is invalid: deadlines.major.rectify: must be positive");
}

#[test]
fn loading_a_hazard_has_no_side_effects_and_reproduces_the_state() {
    let f = f();
    let (h, history) = f.walked(Grade::Major, StageKind::Archived);
    let again = hazardloop_core::workflow::Hazard::fold(h.id, &history).unwrap();
    assert_eq!(again, h);
    assert!(matches!(again.stage, Stage::Archived(_)));
}

#[test]
fn registration_by_an_unknown_unit_is_refused_with_the_field() {
    let f = f();
    let (_, history) = f.walked(Grade::General, StageKind::Discovered);
    let Command::Register(r) = f.register(Grade::General) else { unreachable!() };
    let r = Register {
        responsible_unit: Some(hazardloop_core::model::UnitId::new("nowhere").unwrap()),
        ..*r
    };
    Scenario::new(&f)
        .given(history)
        .when(&f.officer(), Command::from(r))
        .then_input_error("responsible_unit");
}
