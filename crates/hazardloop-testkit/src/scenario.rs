//! The scenario DSL: `given(events).when(actor, command).then_events(..)` / `.then_error(..)`.
//! Rules are tested on `decide` and `apply` alone, without any store.

use chrono::{DateTime, Duration, Utc};
use hazardloop_core::model::{Actor, HazardId};
use hazardloop_core::org::authorize;
use hazardloop_core::workflow::{decide, Command, Event, Hazard, Rule, WorkflowError};

use crate::Fixture;

/// A history to test a command against.
#[derive(Debug)]
pub struct Scenario<'f> {
    fixture: &'f Fixture,
    given: Vec<Event>,
    now: Option<DateTime<Utc>>,
}

impl<'f> Scenario<'f> {
    /// A scenario in `fixture`'s organisation and policy.
    pub fn new(fixture: &'f Fixture) -> Scenario<'f> {
        Scenario { fixture, given: Vec::new(), now: None }
    }

    /// The hazard's history so far (empty for a command that creates one).
    pub fn given(mut self, events: impl IntoIterator<Item = Event>) -> Scenario<'f> {
        self.given.extend(events);
        self
    }

    /// The time of the command; by default a minute after the last given event (or the fixture's start).
    pub fn at(mut self, now: DateTime<Utc>) -> Scenario<'f> {
        self.now = Some(now);
        self
    }

    /// Decides `command` by `actor` on the given history.
    pub fn when(self, actor: &Actor, command: Command) -> Decision {
        let last = self.given.iter().map(Event::at).max().unwrap_or(self.fixture.start);
        let now = self.now.unwrap_or(last.max(self.fixture.start) + Duration::minutes(1));
        let before = match self.given.is_empty() {
            true => None,
            false => match Hazard::fold(HazardId::new_at(self.fixture.start), &self.given) {
                Ok(h) => Some(h),
                Err(e) => panic!("the given events do not fold: {e}"),
            },
        };
        let ctx = self.fixture.ctx(actor, now);
        // The actor layer's verdict on its own, to tell which layer a refusal came from.
        let authorized = authorize(
            actor,
            &command,
            before.as_ref(),
            &self.fixture.org,
            self.fixture.policy.grants(),
        );
        let result = decide(before.as_ref(), command, &ctx);
        Decision { before, authorized, result }
    }
}

/// What a command produced.
#[derive(Debug)]
#[must_use = "a decision asserts nothing until a `then_` method is called"]
pub struct Decision {
    before: Option<Hazard>,
    authorized: Result<(), WorkflowError>,
    result: Result<Vec<Event>, WorkflowError>,
}

impl Decision {
    /// Asserts the command produced exactly `expected`.
    pub fn then_events(self, expected: &[Event]) -> Hazard {
        let events = self.events();
        assert_eq!(events, expected, "events differ");
        self.after(&events)
    }

    /// Asserts the command produced events of these types, in order (`"registered"`, `"deadlines_changed"`).
    pub fn then_event_types(self, expected: &[&str]) -> Hazard {
        let events = self.events();
        let types: Vec<_> = events.iter().map(Event::type_name).collect();
        assert_eq!(types, expected, "event types differ");
        self.after(&events)
    }

    /// Asserts the command was accepted and appends its events to `history` (to build on it).
    pub fn then_extend(self, history: &mut Vec<Event>) {
        history.extend(self.events());
    }

    /// Asserts the command was accepted; returns the hazard after it.
    pub fn then_ok(self) -> Hazard {
        let events = self.events();
        self.after(&events)
    }

    /// Asserts the command was refused with exactly `expected`.
    pub fn then_error(self, expected: WorkflowError) {
        match self.result {
            Err(e) => assert_eq!(e, expected),
            Ok(events) => panic!("expected {expected}, but the command was accepted: {events:?}"),
        }
    }

    /// Asserts the command was refused by `rule`, in exactly one layer, and returns the error.
    ///
    /// A denial (who may act) must be `authorize`'s, and `authorize` alone gives the same
    /// denial; any other refusal (the input, the rules of the data) must come after
    /// `authorize`, which lets the command through. A step the transition table forbids is
    /// refused before either.
    pub fn then_rule(self, rule: Rule) -> WorkflowError {
        match self.result {
            Err(e) => {
                assert_eq!(e.rule(), Some(rule), "refused by another rule: {e}");
                match (&e, &self.authorized) {
                    (WorkflowError::NotAllowed { .. }, _) => {}
                    (WorkflowError::Denied { .. }, verdict) => assert_eq!(
                        verdict.as_ref().err(),
                        Some(&e),
                        "a denial by {rule:?} that `authorize` alone does not give"
                    ),
                    (_, verdict) => assert!(
                        verdict.is_ok(),
                        "{rule:?} refused after `authorize`, which also refused: {verdict:?}"
                    ),
                }
                e
            }
            Ok(events) => {
                panic!("expected a refusal by {rule:?}, but the command was accepted: {events:?}")
            }
        }
    }

    /// Asserts the command was refused with an input error naming `field`.
    pub fn then_input_error(self, field: &str) -> WorkflowError {
        match self.result {
            Err(WorkflowError::Input(e)) => {
                assert_eq!(e.field(), field, "another field was named: {e}");
                WorkflowError::Input(e)
            }
            Err(e) => panic!("expected an input error naming {field}, got {e}"),
            Ok(events) => panic!(
                "expected an input error naming {field}, but the command was accepted: {events:?}"
            ),
        }
    }

    /// The result, for custom checks.
    pub fn result(&self) -> &Result<Vec<Event>, WorkflowError> {
        &self.result
    }

    fn events(&self) -> Vec<Event> {
        match &self.result {
            Ok(events) => events.clone(),
            Err(e) => panic!("the command was refused: {e}"),
        }
    }

    fn after(&self, events: &[Event]) -> Hazard {
        let folded = match &self.before {
            Some(h) => h.clone().apply_all(events),
            None => Hazard::fold(
                HazardId::new_at(events.first().map_or(DateTime::<Utc>::MIN_UTC, Event::at)),
                events,
            ),
        };
        match folded {
            Ok(h) => h,
            Err(e) => panic!("decided events do not apply: {e}"),
        }
    }
}
