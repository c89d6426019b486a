//! The scenario DSL for inspections: `given(events).at(now).when(actor, command)` then
//! `.then_events(..)` or `.then_rule(..)`. Rules are tested on `inspection::decide` alone,
//! without any store, and a refusal is checked to come from the right layer (an actor rule from
//! `authorize`, any other after `authorize` let the command through).
//!
//! ```
//! use hazardloop_core::inspection::{InspectionCommand, InspectionRule};
//! use hazardloop_testkit::{Fixture, InspectionScenario};
//!
//! let f = Fixture::school();
//! // Only the occurrence's own inspector performs it.
//! InspectionScenario::new(&f)
//!     .given_daily_patrol()
//!     .when(&f.officer(), InspectionCommand::Start)
//!     .then_rule(InspectionRule::OwnOccurrenceOnly);
//! ```

use chrono::{DateTime, Duration, NaiveDate, Utc};
use hazardloop_core::inspection::{
    authorize, decide, slots, Cadence, InspectionCommand, InspectionContext, InspectionError,
    InspectionRule, Occurrence, OccurrenceEvent, OccurrenceId, Scheduled, Template, TemplateRef,
    Window,
};
use hazardloop_core::model::{Actor, HazardId, Source};

use crate::Fixture;

/// The checklist of the scenarios: two pass/fail items (one needs a photo on failure) and an
/// optional one.
pub const SCENARIO_SHEET: &str = r#"
code = "scenario"
version = 1
name_zh = "场景检查表"
name_en = "Scenario sheet"
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
id = "rails"
prompt_zh = "楼梯扶手牢固"
prompt_en = "Stair rails firm"
category = "buildings_construction"
response = { kind = "pass_fail" }
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

/// An occurrence's history to test a command against.
#[derive(Debug)]
pub struct InspectionScenario<'f> {
    fixture: &'f Fixture,
    template: Template,
    given: Vec<OccurrenceEvent>,
    now: Option<DateTime<Utc>>,
}

/// What `decide` said, and what `authorize` alone said.
#[derive(Debug)]
pub struct InspectionDecision {
    authorized: Result<(), InspectionError>,
    result: Result<Vec<OccurrenceEvent>, InspectionError>,
}

impl<'f> InspectionScenario<'f> {
    /// A scenario in `fixture`'s organisation, on [`SCENARIO_SHEET`].
    pub fn new(fixture: &'f Fixture) -> InspectionScenario<'f> {
        let template = match Template::from_toml(SCENARIO_SHEET, fixture.policy.matrix()) {
            Ok(t) => t,
            Err(e) => panic!("the scenario sheet: {e}"),
        };
        InspectionScenario { fixture, template, given: Vec::new(), now: None }
    }

    /// The fixture grid's daily patrol of the fixture's start date, inspected by its grid member.
    pub fn given_daily_patrol(self) -> InspectionScenario<'f> {
        let f = self.fixture;
        let calendar = f.policy.calendar();
        let day: NaiveDate = calendar.local_date(f.start);
        let Some(slot) =
            slots(&Cadence::WorkingDay, &Window::default(), false, calendar, day, day).pop()
        else {
            panic!("the fixture's start is a working day")
        };
        let scheduled = Scheduled {
            plan: "patrol".into(),
            title: "网格每日巡查".into(),
            template: TemplateRef { code: "scenario".into(), version: 1 },
            unit: f.grid.clone(),
            location: String::new(),
            inspector: f.people.grid_member.clone(),
            slot,
            late_allowed: true,
            source: Source::DailyPatrol,
        };
        self.given([OccurrenceEvent::Scheduled { scheduled: Box::new(scheduled) }])
    }

    /// More history.
    pub fn given(
        mut self,
        events: impl IntoIterator<Item = OccurrenceEvent>,
    ) -> InspectionScenario<'f> {
        self.given.extend(events);
        self
    }

    /// The time of the command (default: the fixture's start).
    pub fn at(mut self, now: DateTime<Utc>) -> InspectionScenario<'f> {
        self.now = Some(now);
        self
    }

    /// Decides `command` by `actor` on the given history.
    pub fn when(self, actor: &Actor, command: InspectionCommand) -> InspectionDecision {
        let f = self.fixture;
        let id = OccurrenceId::of("patrol", &f.grid, "scenario");
        let occurrence = match Occurrence::fold(id, f.tenant.clone(), &self.given) {
            Ok(o) => o,
            Err(e) => panic!("the given events do not fold: {e}"),
        };
        let now = self.now.unwrap_or(f.start);
        let authorized = authorize(actor, &command, &occurrence, &f.org);
        let ctx = InspectionContext { now, actor, org: &f.org, template: &self.template };
        let mut n = 0;
        let mut ids = || {
            n += 1;
            HazardId::new_at(now + Duration::milliseconds(n))
        };
        let result = decide(&occurrence, command, &ctx, &mut ids);
        InspectionDecision { authorized, result }
    }
}

impl InspectionDecision {
    /// The command is refused by `rule`, in the layer the rule belongs to.
    pub fn then_rule(self, rule: InspectionRule) {
        let got = match &self.result {
            Ok(events) => panic!("expected {rule:?}, got events {events:?}"),
            Err(e) => e.rule(),
        };
        assert_eq!(got, Some(rule), "refused by another rule: {:?}", self.result);
        match (&self.authorized, self.result) {
            (Err(_), Err(InspectionError::Denied { .. })) => {}
            (Ok(()), Err(InspectionError::Refused { .. })) => {}
            (a, r) => {
                panic!("{rule:?} came from the wrong layer: authorize said {a:?}, decide {r:?}")
            }
        }
    }

    /// The command's input is refused naming `field`.
    pub fn then_field(self, field: &str) {
        match self.result {
            Err(InspectionError::Input(e)) => assert_eq!(e.field(), field, "{e}"),
            other => panic!("expected an input error naming {field}, got {other:?}"),
        }
    }

    /// The command is carried out; returns its events for further checks.
    pub fn then_ok(self) -> Vec<OccurrenceEvent> {
        match self.result {
            Ok(events) => events,
            Err(e) => panic!("expected the command carried out, got {e}"),
        }
    }
}
