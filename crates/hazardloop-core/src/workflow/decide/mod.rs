//! `decide`: the pure command handler. Given a hazard (or none), a command and a context, it
//! returns the events to append, or the rule that refuses the command. No I/O, no clock reads.
//!
//! One pass, each concern in one place: the transition table (is the step allowed here?),
//! [`authorize`] (may this actor take it?), the input pass (sizes, required texts, known names),
//! the rules of the step's data (`check.rs`), and the clock table
//! ([`crate::deadline::CLOCK_TABLE`]) for the deadlines the step starts, stops or moves. The
//! events are built from the command's own data, moved, not copied.

use std::sync::Arc;

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
    let mut events = Vec::with_capacity(2);
    decide_into(hazard, command, ctx, &mut events)?;
    Ok(events)
}

/// [`decide`], appending the events to `events` instead of returning a new list: a caller that
/// decides many commands (a batch, a replay, a what-if) keeps one buffer. A refused command
/// leaves `events` as it was.
///
/// ```
/// use hazardloop_core::prelude::*;
/// use hazardloop_core::workflow::decide_into;
/// # use chrono::{TimeZone, Utc};
/// # let tenant = TenantId::new("demo")?;
/// # let (bureau, school) = (UnitId::new("bureau")?, UnitId::new("s1")?);
/// # let org = Preset::FocusAreas.school_org(tenant.clone(), (bureau, "区教育局"), (school.clone(), "第一中学"))?;
/// # let officer = Actor::new(tenant, PersonId::new("officer")?, [Role::SafetyOfficer], [school.clone()]);
/// # let policy = Policy::default();
/// # let now = Utc.with_ymd_and_hms(2025, 3, 3, 2, 0, 0).unwrap();
/// let ctx = Context { now, actor: &officer, policy: &policy, org: &org };
/// let found = |title: &str| Command::from(Discover {
///     unit: school.clone(),
///     location: "食堂后厨".into(),
///     category: None,
///     title: title.into(),
///     description: "燃气软管老化".into(),
///     source: Source::DailyPatrol,
///     discovered_at: None,
///     evidence: vec![],
///     campaign: None,
/// });
/// let mut events = Vec::new();
/// decide_into(None, found("燃气软管老化"), &ctx, &mut events)?;
/// decide_into(None, found("灭火器过期"), &ctx, &mut events)?;
/// assert_eq!(events.len(), 4); // each: `Discovered`, then the `register_by` clock
/// // A refused command (a title over the limit) leaves the list as it was.
/// assert!(decide_into(None, found(&"长".repeat(1000)), &ctx, &mut events).is_err());
/// assert_eq!(events.len(), 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decide_into(
    hazard: Option<&Hazard>,
    command: Command,
    ctx: &Context<'_>,
    events: &mut Vec<Event>,
) -> Result<()> {
    let before = events.len();
    let decided = decide_onto(hazard, command, ctx, events);
    if decided.is_err() {
        events.truncate(before);
    }
    decided
}

fn decide_onto(
    hazard: Option<&Hazard>,
    command: Command,
    ctx: &Context<'_>,
    out: &mut Vec<Event>,
) -> Result<()> {
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
        out.extend(super::import::decide(*import, ctx)?);
        return Ok(());
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
        None => d.create(command, out),
        Some(h) => d.step(h, command, out),
    }
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

    fn step(self, h: &Hazard, command: Command, out: &mut Vec<Event>) -> Result<()> {
        let (now, by) = (self.now, self.by());
        let step = command.step();
        // Each arm checks its step's data, then gives its event and the step's own date.
        let (event, given) = match command {
            Command::Register(r) => return self.register(h, *r, out),
            Command::Report { to_bureau, written, reference } => {
                let report =
                    Report { to_bureau, written, reference, supervision: None, by, at: now };
                let Stage::Registered(s) = &h.stage else { return Err(self.not_allowed(h, step)) };
                check::report(&s.registration, &report)?;
                (Event::Reported { report: Arc::new(report) }, None)
            }
            Command::StartTreatment { plan, interim } => return self.start(h, *plan, interim, out),
            Command::Complete { summary, evidence } => {
                let completion = Completion { summary, evidence, by, at: now };
                check::completion(&completion)?;
                (Event::TreatmentCompleted { completion: Arc::new(completion) }, None)
            }
            // Who may check (not the rectifier) is `authorize`'s; the data has no rule.
            Command::Pass { note } => (
                Event::AcceptancePassed { acceptance: Arc::new(Acceptance { note, by, at: now }) },
                None,
            ),
            Command::Fail { reason } => {
                let Stage::Treated(s) = &h.stage else { return Err(self.not_allowed(h, step)) };
                let rejection = Rejection { reason, by, at: now };
                check::rejection(&rejection)?;
                let rectify = s.treatment.deadline();
                (Event::AcceptanceFailed { rejection }, Some(rectify))
            }
            // Who closes a supervised hazard (the bureau) is `authorize`'s.
            Command::Close { note } => {
                let by_bureau = self.ctx.actor.has(Role::BureauOfficer);
                (
                    Event::Closed { closure: Arc::new(Closure { note, by_bureau, by, at: now }) },
                    None,
                )
            }
            // Clocks stop before the seal: nothing may change after it.
            Command::Archive => {
                out.extend(self.clocks(Step::Archive, self.grade(), now, None));
                out.push(Event::Archived { seal: Seal { by, at: now } });
                return Ok(());
            }
            Command::Dismiss { reason, note, requested_by } => {
                let dismissal = Dismissal { reason, note, requested_by, by, at: now };
                check::dismissal(&dismissal)?;
                (Event::Dismissed { dismissal }, None)
            }
            Command::AddInterimControl(i) => {
                (Event::InterimControlAdded { control: self.interim(i) }, None)
            }
            Command::RecordProgress { note, percent, evidence } => {
                let progress = Progress { note, percent, evidence, by, at: now };
                (Event::ProgressRecorded { progress }, None)
            }
            Command::RequestExtension { new_deadline, reason } => {
                (self.request_extension(h, new_deadline, reason)?, None)
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
                (Event::ClockPaused { pause: Pause { reason, by, at: now } }, None)
            }
            Command::ResumeClock { note } => {
                if h.paused.is_none() {
                    return Err(WorkflowError::broken(
                        Rule::PauseApproved,
                        "the clocks are not paused",
                    ));
                }
                (Event::ClockResumed { note, by, at: now }, None)
            }
            Command::Reassign { to, note } => (Event::Reassigned { to, note, by, at: now }, None),
            Command::AddEvidence { evidence } => {
                (Event::EvidenceAdded { evidence, by, at: now }, None)
            }
            Command::Comment { text } => (Event::Commented { text, by, at: now }, None),
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
                (Event::Supervised { supervision: Supervision { reference, by, at: now } }, None)
            }
            Command::Discover(_) | Command::FixOnTheSpot { .. } | Command::Import(_) => {
                return Err(WorkflowError::Target("this command creates a hazard; give none"))
            }
        };
        out.push(event);
        self.push_clocks(out, step, given);
        Ok(())
    }
}
