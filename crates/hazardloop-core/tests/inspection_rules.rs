//! Each inspection rule, named, refused in its own layer: scenarios on `inspection::decide`
//! alone (the testkit's `InspectionScenario`), no store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use hazardloop_core::inspection::{
    Answer, InspectionCommand as C, InspectionRule as R, OccurrenceEvent, Response,
};
use hazardloop_testkit::{evidence, Fixture, InspectionScenario};

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

#[test]
fn own_occurrence_only() {
    let f = Fixture::school();
    for actor in [f.officer(), f.principal(), f.inspector()] {
        InspectionScenario::new(&f)
            .given_daily_patrol()
            .when(&actor, C::Start)
            .then_rule(R::OwnOccurrenceOnly);
    }
    InspectionScenario::new(&f).given_daily_patrol().when(&f.grid_member(), C::Start).then_ok();
}

#[test]
fn reassign_by_head_and_to_another() {
    let f = Fixture::school();
    let to = |p: &hazardloop_core::model::PersonId| C::Reassign {
        to: p.clone(),
        reason: "请假".into(),
    };
    InspectionScenario::new(&f)
        .given_daily_patrol()
        .when(&f.grid_member(), to(&f.people.inspector))
        .then_rule(R::ReassignByHead);
    InspectionScenario::new(&f)
        .given_daily_patrol()
        .when(&f.principal(), to(&f.people.grid_member))
        .then_rule(R::ReassignToAnother);
    InspectionScenario::new(&f)
        .given_daily_patrol()
        .when(&f.principal(), to(&f.people.inspector))
        .then_ok();
}

#[test]
fn excuse_by_safety_office_only_a_missed_one() {
    let f = Fixture::school();
    let excuse = || C::Excuse { reason: "因公外出".into() };
    let later = f.start + Duration::days(3);
    InspectionScenario::new(&f)
        .given_daily_patrol()
        .at(later)
        .when(&f.grid_member(), excuse())
        .then_rule(R::ExcuseBySafetyOffice);
    InspectionScenario::new(&f)
        .given_daily_patrol()
        .when(&f.officer(), excuse())
        .then_rule(R::ExcuseOnlyMissed);
    let events = InspectionScenario::new(&f)
        .given_daily_patrol()
        .at(later)
        .when(&f.officer(), excuse())
        .then_ok();
    assert!(
        matches!(events[..], [OccurrenceEvent::Missed { .. }, OccurrenceEvent::Excused { .. }]),
        "{events:?}"
    );
}

#[test]
fn window_rules() {
    let f = Fixture::school();
    let me = f.grid_member();
    InspectionScenario::new(&f)
        .given_daily_patrol()
        .at(f.start - Duration::hours(4))
        .when(&me, C::Start)
        .then_rule(R::WindowNotOpen);
    InspectionScenario::new(&f)
        .given_daily_patrol()
        .at(f.start + Duration::days(3))
        .when(&me, C::Start)
        .then_rule(R::WindowClosed);
}

#[test]
fn completion_rules() {
    let f = Fixture::school();
    let me = f.grid_member();
    InspectionScenario::new(&f)
        .given_daily_patrol()
        .when(&me, C::Complete { answers: vec![answer("exits", Response::Pass)] })
        .then_rule(R::MandatoryAnswered);
    InspectionScenario::new(&f)
        .given_daily_patrol()
        .when(
            &me,
            C::Complete {
                answers: vec![answer("exits", Response::Fail), answer("rails", Response::Pass)],
            },
        )
        .then_rule(R::EvidenceOnFail);
    let mut exits = answer("exits", Response::Fail);
    exits.evidence = vec![evidence(1)];
    let events = InspectionScenario::new(&f)
        .given_daily_patrol()
        .when(&me, C::Complete { answers: vec![exits, answer("rails", Response::Fail)] })
        .then_ok();
    let Some(OccurrenceEvent::Completed { findings, late, .. }) = events.last() else {
        panic!("{events:?}")
    };
    assert_eq!(findings.iter().map(|x| x.item.as_str()).collect::<Vec<_>>(), ["exits", "rails"]);
    assert!(!late);
    let done = events.clone();
    InspectionScenario::new(&f)
        .given_daily_patrol()
        .given(done)
        .when(&me, C::Start)
        .then_rule(R::AlreadyCompleted);
    InspectionScenario::new(&f)
        .given_daily_patrol()
        .when(&me, C::Answer { answers: vec![answer("nope", Response::Pass)] })
        .then_field("answers[0].item");
}
