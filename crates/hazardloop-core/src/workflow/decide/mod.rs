//! `decide`: the pure command handler. Given a hazard (or none), a command and a context, it
//! returns the events to append, or the rule that refuses the command. No I/O, no clock reads.
//!
//! One pass, each concern in one place: the transition table (is the step allowed here?),
//! [`authorize`] (may this actor take it?), the input pass (sizes, required texts, known names),
//! the rules of the step's data (`check.rs`), and the clock table
//! ([`crate::deadline::CLOCK_TABLE`]) for the deadlines the step starts, stops or moves. The
//! events are built from the command's own data, moved, not copied.

use chrono::{DateTime, Utc};

use crate::calendar::Span;
use crate::deadline::{ClockKind, ClockRule, ClockSet, DueFrom};
use crate::model::{Actor, Assessment, Grade, PersonId};
use crate::org::{authorize, Org, Role, UnitKind};
use crate::policy::Policy;
use crate::workflow::{
    check, graph, input, Acceptance, Closure, Command, Completion, Dismissal, Event,
    ExtensionDecision, ExtensionRequest, Hazard, Interim, InterimControl, Pause, Plan, Progress,
    Register, Registration, Rejection, Report, Rule, Seal, Stage, StageKind, Step, Supervision,
    Treatment, WorkflowError,
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
        authorize(
            ctx.actor,
            &Command::Import(import.clone()),
            None,
            ctx.org,
            ctx.policy.permissions(),
        )?;
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
    authorize(ctx.actor, &command, hazard, ctx.org, ctx.policy.permissions())?;
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

mod create;

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

    /// The `DeadlinesChanged` of `step`'s row in the clock table: policy clocks counted from
    /// `from`, the step's own date `given`.
    fn clocks(
        &self,
        step: Step,
        grade: Grade,
        from: DateTime<Utc>,
        given: Option<DateTime<Utc>>,
    ) -> Option<Event> {
        self.clocks_marked(step, grade, from, given.map(|at| (at, false)))
    }

    /// [`Decider::clocks`], with whether the step's own date is provisional (a default the
    /// policy reckoned past the calendar's horizon). Policy clocks are marked provisional when
    /// their reckoning fell back.
    fn clocks_marked(
        &self,
        step: Step,
        grade: Grade,
        from: DateTime<Utc>,
        given: Option<(DateTime<Utc>, bool)>,
    ) -> Option<Event> {
        let row = ClockRule::of(step)?;
        let supervised =
            self.h.and_then(|h| h.stage.report()).is_some_and(|r| r.supervision.is_some());
        let policy = self.policy();
        let mut provisional = ClockSet::EMPTY;
        let mut change = row.change(|kind, due_from| {
            let (due, marked) = match due_from {
                DueFrom::Step => given?,
                DueFrom::Policy => {
                    let rule = policy.deadlines().rule(kind, grade, supervised)?;
                    let reckoned = rule.reckon(policy.calendar(), from);
                    // A hazard found earlier and registered late is due now, not in the past.
                    match kind {
                        ClockKind::Register if reckoned.at < self.now => (self.now, false),
                        _ => (reckoned.at, reckoned.fell_back),
                    }
                }
            };
            if marked {
                provisional = provisional.with(kind);
            }
            Some(due)
        });
        change.provisional = provisional;
        // A row that only shifts (resume) changes nothing here: `ClockResumed` shifts the clocks.
        (!change.is_empty()).then_some(Event::DeadlinesChanged { change, at: self.now })
    }

    /// `events`, then the step's clock change.
    fn with_clocks(
        &self,
        mut events: Vec<Event>,
        step: Step,
        given: Option<DateTime<Utc>>,
    ) -> Vec<Event> {
        events.extend(self.clocks(step, self.grade(), self.now, given));
        events
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

    fn register(self, h: &Hazard, r: Register) -> Result<Vec<Event>> {
        let Stage::Discovered(s) = &h.stage else {
            return Err(self.not_allowed(h, Step::Register));
        };
        let policy = self.policy();
        let bands = policy.assessment();
        let assessment = Assessment::score(r.assessment, &bands.lec_bands, &bands.ls_bands)?;
        let grade = r.grade.unwrap_or_else(|| bands.grade_of(assessment.colour));
        let org = self.ctx.org;
        let responsible_unit = r.responsible_unit.unwrap_or_else(|| {
            org.nearest(&s.facts.unit, UnitKind::School)
                .and_then(|school| policy.matrix().lead_unit(org, &school.id, &r.category))
                .unwrap_or_else(|| s.facts.unit.clone())
        });
        // A date the person gave is theirs; only a default the policy reckoned past the
        // calendar's horizon is provisional.
        let (deadline, provisional) = match r.deadline {
            Some(d) => {
                check::deadline_after("deadline", d, self.now)?;
                (d, false)
            }
            None => {
                let reckoned = policy.deadlines().rectify_reckoned(
                    policy.calendar(),
                    grade,
                    assessment.colour,
                    self.now,
                );
                (reckoned.at, reckoned.fell_back)
            }
        };
        let registration = Registration {
            grade,
            assessment,
            category: r.category,
            responsible_unit,
            assignee: r.assignee,
            deadline,
            fixable_at_once: r.fixable_at_once && grade == Grade::General,
            by: self.by(),
            at: self.now,
            campaign: r.campaign,
        };
        check::registration(&s.facts, &registration)?;
        let clocks =
            self.clocks_marked(Step::Register, grade, self.now, Some((deadline, provisional)));
        Ok([Event::Registered { registration }].into_iter().chain(clocks).collect())
    }

    fn interim(&self, i: Interim) -> InterimControl {
        InterimControl { measures: i.measures, note: i.note, by: self.by(), at: self.now }
    }

    fn start(self, h: &Hazard, plan: Plan, interim: Option<Interim>) -> Result<Vec<Event>> {
        let Stage::Reported(s) = &h.stage else {
            return Err(self.not_allowed(h, Step::StartTreatment));
        };
        let in_force = h.clocks.get(ClockKind::Rectify).unwrap_or(s.registration.deadline);
        check::plan_within(&plan, in_force)?;
        check::deadline_after("plan.deadline", plan.deadline(), self.now)?;
        let treatment = Treatment {
            plan,
            interim: interim.map(|i| self.interim(i)).into_iter().collect(),
            progress: Vec::new(),
            pending_extension: None,
            extensions: Vec::new(),
            failed: Vec::new(),
            by: self.by(),
            at: self.now,
        };
        check::treatment(&s.registration, &treatment)?;
        let rectify = treatment.deadline();
        Ok(self.with_clocks(
            one(Event::TreatmentStarted { treatment: Box::new(treatment) }),
            Step::StartTreatment,
            Some(rectify),
        ))
    }

    fn request_extension(
        &self,
        h: &Hazard,
        new_deadline: DateTime<Utc>,
        reason: String,
    ) -> Result<Event> {
        let rule = Rule::ExtensionBeforeDeadline;
        check::reason(rule, "reason", &reason)?;
        let treatment =
            h.stage.treatment().ok_or_else(|| self.not_allowed(h, Step::RequestExtension))?;
        if treatment.pending_extension.is_some() {
            return Err(WorkflowError::broken(rule, "an extension request is already pending"));
        }
        let current = h.clocks.get(ClockKind::Rectify).unwrap_or_else(|| treatment.deadline());
        let notice = self.policy().deadlines().extension_notice;
        let latest_request = self
            .policy()
            .calendar()
            .add(current, Span { amount: notice.amount.saturating_neg(), unit: notice.unit });
        if self.now > latest_request.min(current) {
            return Err(WorkflowError::broken(
                rule,
                format!("an extension must be requested {notice} before the deadline {current}"),
            ));
        }
        if new_deadline <= current {
            return Err(WorkflowError::broken(
                rule,
                "new_deadline: must be later than the current deadline",
            ));
        }
        let request = ExtensionRequest { new_deadline, reason, by: self.by(), at: self.now };
        Ok(Event::ExtensionRequested { request })
    }

    /// The decision, and for a grant the new deadline the clock table moves `rectify_by` to.
    fn decide_extension(
        &self,
        h: &Hazard,
        granted: bool,
        note: String,
    ) -> Result<(Vec<Event>, Option<DateTime<Utc>>)> {
        let treatment =
            h.stage.treatment().ok_or_else(|| self.not_allowed(h, Step::GrantExtension))?;
        let Some(request) = treatment.pending_extension.as_deref().cloned() else {
            return Err(WorkflowError::broken(
                Rule::ExtensionDecidedBySuperior,
                "no extension request is pending",
            ));
        };
        let new_deadline = granted.then_some(request.new_deadline);
        let decision = ExtensionDecision { request, granted, note, by: self.by(), at: self.now };
        Ok((one(Event::ExtensionDecided { decision }), new_deadline))
    }
}
