//! `decide`: the pure command handler. Given a hazard (or none), a command and a context, it
//! returns the events to append, or the rule that refuses the command. No I/O, no clock reads.
//!
//! One pass, each concern in one place: the transition table (is the step allowed here?),
//! [`authorize`] (may this actor take it?), the input pass (sizes, required texts, known names),
//! the rules of the step's data (`check.rs`), and the clock table
//! ([`crate::deadline::CLOCK_TABLE`]) for the deadlines the step starts, stops or moves. The
//! events are built from the command's own data, moved, not copied.

use chrono::{DateTime, Utc};

use crate::model::{Actor, Grade, PersonId};
use crate::org::{authorize, Org, Role};
use crate::policy::Policy;
use crate::workflow::{
    check, graph, input, Acceptance, Closure, Command, Completion, Dismissal, Event, Hazard, Pause,
    Progress, Rejection, Report, Rule, Seal, Stage, StageKind, Step, Supervision, WorkflowError,
};

type Result<T> = std::result::Result<T, WorkflowError>;

/// What `decide` needs besides the hazard and the command.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// The time of the decision (from the engine's clock).
    pub now: DateTime<Utc>,
    /// Who is acting.
    pub actor: &'a Actor,
    /// The policy in force.
    pub policy: &'a Policy,
    /// The organisation of the actor's tenant.
    pub org: &'a Org,
}

/// Decides a command: checks the step against the transition table, authorizes the actor,
/// validates the input, checks the rules, and returns the events it causes, including the
/// `DeadlinesChanged` of the clocks it touches. `hazard` is `None` only for commands that
/// create a hazard (`Discover`, `FixOnTheSpot`). Every refusal names one rule, from one place.
pub fn decide(hazard: Option<&Hazard>, command: Command, ctx: &Context<'_>) -> Result<Vec<Event>> {
    let step = command.step();
    match (hazard, command.creates()) {
        (None, false) => {
            return Err(WorkflowError::Target("this command needs an existing hazard"))
        }
        (Some(_), true) => {
            return Err(WorkflowError::Target("this command creates a hazard; give none"))
        }
        _ => {}
    }
    if let Command::Import(import) = command {
        // An import enters the stage its source shows: no edge of the loop's table.
        authorize(ctx.actor, &Command::Import(import.clone()), None, ctx.org, ctx.policy.grants())?;
        input::validate(&Command::Import(import.clone()), ctx.policy, ctx.org)?;
        return super::import::decide(*import, ctx);
    }
    let from = hazard.map(Hazard::kind);
    if graph::next_stage(from, step).is_none() {
        return Err(WorkflowError::NotAllowed {
            stage: from.unwrap_or(StageKind::Discovered),
            step,
        });
    }
    authorize(ctx.actor, &command, hazard, ctx.org, ctx.policy.grants())?;
    input::validate(&command, ctx.policy, ctx.org)?;
    let d = Decider { h: hazard, ctx, now: ctx.now };
    match hazard {
        None => d.create(command),
        Some(h) => d.step(h, command),
    }
}

/// A step's event, with room for the clock change that follows it.
fn one(event: Event) -> Vec<Event> {
    let mut events = Vec::with_capacity(2);
    events.push(event);
    events
}

mod clocks;
mod create;
mod steps;

struct Decider<'a> {
    h: Option<&'a Hazard>,
    ctx: &'a Context<'a>,
    now: DateTime<Utc>,
}

impl Decider<'_> {
    fn policy(&self) -> &Policy {
        self.ctx.policy
    }

    fn by(&self) -> PersonId {
        self.ctx.actor.person.clone()
    }

    fn grade(&self) -> Grade {
        self.h.and_then(|h| h.stage.registration()).map_or(Grade::General, |r| r.grade)
    }

    fn not_allowed(&self, h: &Hazard, step: Step) -> WorkflowError {
        WorkflowError::NotAllowed { stage: h.kind(), step }
    }

    fn step(self, h: &Hazard, command: Command) -> Result<Vec<Event>> {
        let (now, by) = (self.now, self.by());
        let step = command.step();
        let (events, given) = match command {
            Command::Register(r) => return self.register(h, r),
            Command::Report { to_bureau, written, reference } => {
                let report =
                    Report { to_bureau, written, reference, supervision: None, by, at: now };
                let Stage::Registered(s) = &h.stage else { return Err(self.not_allowed(h, step)) };
                check::report(&s.registration, &report)?;
                (one(Event::Reported { report }), None)
            }
            Command::StartTreatment { plan, interim } => return self.start(h, plan, interim),
            Command::Complete { summary, evidence } => {
                let completion = Completion { summary, evidence, by, at: now };
                check::completion(&completion)?;
                (one(Event::TreatmentCompleted { completion }), None)
            }
            // Who may check (not the rectifier) is `authorize`'s; the data has no rule.
            Command::Pass { note } => (
                one(Event::AcceptancePassed { acceptance: Acceptance { note, by, at: now } }),
                None,
            ),
            Command::Fail { reason } => {
                let Stage::Treated(s) = &h.stage else { return Err(self.not_allowed(h, step)) };
                let rejection = Rejection { reason, by, at: now };
                check::rejection(&rejection)?;
                let rectify = s.treatment.deadline();
                (one(Event::AcceptanceFailed { rejection }), Some(rectify))
            }
            // Who closes a supervised hazard (the bureau) is `authorize`'s.
            Command::Close { note } => {
                let by_bureau = self.ctx.actor.has(Role::BureauOfficer);
                (one(Event::Closed { closure: Closure { note, by_bureau, by, at: now } }), None)
            }
            // Clocks stop before the seal: nothing may change after it.
            Command::Archive => {
                let stop = self.clocks(Step::Archive, self.grade(), now, None);
                let seal = Event::Archived { seal: Seal { by, at: now } };
                return Ok(stop.into_iter().chain([seal]).collect());
            }
            Command::Dismiss { reason, note, requested_by } => {
                let dismissal = Dismissal { reason, note, requested_by, by, at: now };
                check::dismissal(&dismissal)?;
                (one(Event::Dismissed { dismissal }), None)
            }
            Command::AddInterimControl(i) => {
                (one(Event::InterimControlAdded { control: self.interim(i) }), None)
            }
            Command::RecordProgress { note, percent, evidence } => {
                let progress = Progress { note, percent, evidence, by, at: now };
                (one(Event::ProgressRecorded { progress }), None)
            }
            Command::RequestExtension { new_deadline, reason } => {
                (vec![self.request_extension(h, new_deadline, reason)?], None)
            }
            Command::GrantExtension { note } => self.decide_extension(h, true, note)?,
            Command::DenyExtension { reason } => {
                check::reason(Rule::ExtensionDecidedBySuperior, "reason", &reason)?;
                self.decide_extension(h, false, reason)?
            }
            Command::PauseClock { reason } => {
                check::reason(Rule::PauseApproved, "reason", &reason)?;
                if h.paused.is_some() {
                    return Err(WorkflowError::broken(
                        Rule::PauseApproved,
                        "the clocks are already paused",
                    ));
                }
                (one(Event::ClockPaused { pause: Pause { reason, by, at: now } }), None)
            }
            Command::ResumeClock { note } => {
                if h.paused.is_none() {
                    return Err(WorkflowError::broken(
                        Rule::PauseApproved,
                        "the clocks are not paused",
                    ));
                }
                (one(Event::ClockResumed { note, by, at: now }), None)
            }
            Command::Reassign { to, note } => {
                (one(Event::Reassigned { to, note, by, at: now }), None)
            }
            Command::AddEvidence { evidence } => {
                (one(Event::EvidenceAdded { evidence, by, at: now }), None)
            }
            Command::Comment { text } => (one(Event::Commented { text, by, at: now }), None),
            Command::Supervise { reference } => {
                if self.grade() != Grade::Major {
                    return Err(WorkflowError::broken(
                        Rule::SupervisionByBureau,
                        "only a major hazard is put under supervision",
                    ));
                }
                if h.stage.report().is_some_and(|r| r.supervision.is_some()) {
                    return Err(WorkflowError::broken(
                        Rule::SupervisionByBureau,
                        "the hazard is already under supervision",
                    ));
                }
                (
                    one(Event::Supervised { supervision: Supervision { reference, by, at: now } }),
                    None,
                )
            }
            Command::Discover(_) | Command::FixOnTheSpot { .. } | Command::Import(_) => {
                return Err(WorkflowError::Target("this command creates a hazard; give none"))
            }
        };
        Ok(self.with_clocks(events, step, given))
    }
}
