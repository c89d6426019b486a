//! `decide`: the pure command handler. Given a hazard (or none), a command and a context, it
//! returns the events to append, or the rule that refuses the command. No I/O, no clock reads.

use chrono::{DateTime, Utc};

use crate::deadline::ClockKind;
use crate::model::{
    Actor, Assessment, Evidence, Facts, Grade, InputError, Method, PersonId, RiskColour, UnitId,
};
use crate::org::{authorize, Org, Role, UnitKind};
use crate::policy::Policy;
use crate::workflow::{
    graph, guard, Acceptance, Accepted, Closure, Command, Completion, Discover, Discovered,
    Dismissal, Event, ExtensionDecision, ExtensionRequest, FourImplementations, Hazard, Interim,
    InterimControl, Pause, Plan, Progress, Register, Registered, Registration, Rejection, Report,
    Reported, Rule, Seal, Stage, Step, Supervision, Treatment, WorkflowError,
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

/// Decides a command: authorizes it, checks every rule, and returns the events it causes,
/// including the `DeadlinesSet` that follows a step. `hazard` is `None` only for commands that
/// create a hazard (`Discover`, `FixOnTheSpot`).
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
    let from = hazard.map(Hazard::kind);
    if graph::next_stage(from, step).is_none() {
        return Err(WorkflowError::NotAllowed {
            stage: from.unwrap_or(crate::workflow::StageKind::Discovered),
            step,
        });
    }
    authorize(ctx.actor, &command, hazard, ctx.org, ctx.policy.permissions())?;
    match hazard {
        None => create(command, ctx),
        Some(h) => Decider { h, ctx, now: ctx.now, by: ctx.actor.person.clone() }.decide(command),
    }
}

fn create(command: Command, ctx: &Context<'_>) -> Result<Vec<Event>> {
    match command {
        Command::Discover(d) => {
            let facts = facts(d, ctx)?;
            let register_by = ctx
                .policy
                .deadlines()
                .general
                .register
                .due(ctx.policy.calendar(), facts.discovered_at);
            Ok(vec![
                Event::Discovered { facts },
                clocks_set(ctx.now, [(ClockKind::Register, register_by.max(ctx.now))]),
            ])
        }
        Command::FixOnTheSpot { discover, category, assessment, measures, evidence } => {
            fix_on_the_spot(discover, category, assessment, measures, evidence, ctx)
        }
        _ => Err(WorkflowError::Target("this command needs an existing hazard")),
    }
}

fn clocks_set<const N: usize>(at: DateTime<Utc>, clocks: [(ClockKind, DateTime<Utc>); N]) -> Event {
    Event::DeadlinesSet { clocks: clocks.into_iter().collect(), at }
}

fn facts(d: Discover, ctx: &Context<'_>) -> Result<Facts> {
    let limits = ctx.policy.limits();
    known_unit(ctx.org, "unit", &d.unit)?;
    required("location", &d.location)?;
    required("title", &d.title)?;
    required("description", &d.description)?;
    limits.title("title", &d.title)?;
    limits.text("location", &d.location)?;
    limits.text("description", &d.description)?;
    if let Some(category) = &d.category {
        known_category(ctx.policy, category)?;
    }
    evidence_ok(ctx.policy, "evidence", &d.evidence)?;
    let discovered_at = d.discovered_at.unwrap_or(ctx.now);
    if discovered_at > ctx.now {
        return Err(InputError::OutOfOrder {
            field: "discovered_at".into(),
            reason: "a hazard cannot be discovered in the future".into(),
        }
        .into());
    }
    Ok(Facts {
        tenant: ctx.actor.tenant.clone(),
        unit: d.unit,
        location: d.location,
        category: d.category,
        title: d.title,
        description: d.description,
        source: d.source,
        discovered_by: ctx.actor.person.clone(),
        discovered_at,
        evidence: d.evidence,
    })
}

fn fix_on_the_spot(
    discover: Discover,
    category: crate::model::Category,
    assessment: Option<Method>,
    measures: String,
    evidence: Vec<Evidence>,
    ctx: &Context<'_>,
) -> Result<Vec<Event>> {
    let (now, by) = (ctx.now, ctx.actor.person.clone());
    let facts = facts(discover, ctx)?;
    known_category(ctx.policy, &category)?;
    required("measures", &measures)?;
    ctx.policy.limits().text("measures", &measures)?;
    evidence_ok(ctx.policy, "evidence", &evidence)?;
    let method = assessment.unwrap_or(Method::Judgement { colour: RiskColour::Blue });
    let bands = ctx.policy.assessment();
    let assessment = Assessment::score(method, &bands.lec_bands, &bands.ls_bands)?;
    if bands.grade_of(assessment.colour) == Grade::Major {
        return Err(WorkflowError::broken(
            Rule::FixOnTheSpotGeneralOnly,
            "assessment: this is a major hazard; register, report and treat it step by step",
        ));
    }
    let deadline = ctx.policy.calendar().add(now, crate::calendar::Span::working_days(0));
    let registration = Registration {
        grade: Grade::General,
        assessment,
        category,
        responsible_unit: facts.unit.clone(),
        assignee: by.clone(),
        deadline,
        fixable_at_once: true,
        by: by.clone(),
        at: now,
    };
    let plan = Plan::General(FourImplementations {
        responsible: by.clone(),
        measures: measures.clone(),
        deadline,
        contingency: "现场整改，无需预案 (fixed on the spot)".into(),
    });
    let treatment = Treatment {
        plan,
        interim: Vec::new(),
        progress: Vec::new(),
        pending_extension: None,
        extensions: Vec::new(),
        failed: Vec::new(),
        by: by.clone(),
        at: now,
    };
    let completion = Completion { summary: measures, evidence, by: by.clone(), at: now };
    let report = Report {
        to_bureau: false,
        written: false,
        reference: None,
        supervision: None,
        by,
        at: now,
    };
    // Run the typed transitions so the guards hold exactly as for separate steps.
    crate::workflow::Discovered::new(facts.clone())
        .register(registration.clone())?
        .report(report.clone())?
        .start(treatment.clone())?
        .complete(completion.clone())?;
    let accept_by = ctx.policy.deadlines().general.accept.due(ctx.policy.calendar(), now);
    Ok(vec![
        Event::Discovered { facts },
        Event::Registered { registration },
        Event::Reported { report },
        Event::TreatmentStarted { treatment },
        Event::TreatmentCompleted { completion },
        clocks_set(now, [(ClockKind::Accept, accept_by)]),
    ])
}

struct Decider<'a> {
    h: &'a Hazard,
    ctx: &'a Context<'a>,
    now: DateTime<Utc>,
    by: PersonId,
}

impl Decider<'_> {
    fn policy(&self) -> &Policy {
        self.ctx.policy
    }

    fn due(&self, rule: crate::deadline::DueRule) -> DateTime<Utc> {
        rule.due(self.policy().calendar(), self.now)
    }

    fn grade(&self) -> Grade {
        self.h.stage.registration().map_or(Grade::General, |r| r.grade)
    }

    fn set(&self, clocks: impl IntoIterator<Item = (ClockKind, DateTime<Utc>)>) -> Event {
        Event::DeadlinesSet { clocks: clocks.into_iter().collect(), at: self.now }
    }

    fn decide(self, command: Command) -> Result<Vec<Event>> {
        let limits = *self.policy().limits();
        let (now, by) = (self.now, self.by.clone());
        let rules = self.policy().deadlines().of(self.grade()).clone();
        let events = match command {
            Command::Register(r) => return self.register(r),
            Command::Report { to_bureau, written, reference } => {
                if let Some(r) = &reference {
                    limits.title("reference", r)?;
                }
                let report =
                    Report { to_bureau, written, reference, supervision: None, by, at: now };
                if let Stage::Registered(s) = &self.h.stage {
                    Registered::clone(s).report(report.clone())?;
                }
                let rectify = self.h.clocks.get(ClockKind::Rectify).unwrap_or(now);
                let mut clocks = vec![(ClockKind::Rectify, rectify)];
                if let Some(plan) = rules.plan {
                    clocks.push((ClockKind::Plan, self.due(plan)));
                }
                vec![Event::Reported { report }, self.set(clocks)]
            }
            Command::StartTreatment { plan, interim } => return self.start(plan, interim),
            Command::Complete { summary, evidence } => {
                limits.text("summary", &summary)?;
                evidence_ok(self.policy(), "evidence", &evidence)?;
                let completion = Completion { summary, evidence, by, at: now };
                guard::completion(&completion)?;
                vec![
                    Event::TreatmentCompleted { completion },
                    self.set([(ClockKind::Accept, self.due(rules.accept))]),
                ]
            }
            Command::Pass { note } => {
                limits.text("note", &note)?;
                let Stage::Treated(s) = &self.h.stage else {
                    return Err(self.not_allowed(Step::Pass));
                };
                guard::checker(&by, &s.registration, &s.treatment, &s.completion)?;
                let supervised = s.report.supervision.is_some();
                let close = if supervised {
                    self.policy().deadlines().supervised_close
                } else {
                    rules.close
                };
                vec![
                    Event::AcceptancePassed { acceptance: Acceptance { note, by, at: now } },
                    self.set([(ClockKind::Close, self.due(close))]),
                ]
            }
            Command::Fail { reason } => {
                limits.text("reason", &reason)?;
                let Stage::Treated(s) = &self.h.stage else {
                    return Err(self.not_allowed(Step::Fail));
                };
                guard::checker(&by, &s.registration, &s.treatment, &s.completion)?;
                guard::reason(Rule::FailureNeedsReason, "reason", &reason)?;
                let rectify = s.treatment.deadline();
                vec![
                    Event::AcceptanceFailed { rejection: Rejection { reason, by, at: now } },
                    self.set([(ClockKind::Rectify, rectify)]),
                ]
            }
            Command::Close { note } => {
                limits.text("note", &note)?;
                let by_bureau = self.ctx.actor.has(Role::BureauOfficer);
                let closure = Closure { note, by_bureau, by, at: now };
                if let Stage::Accepted(s) = &self.h.stage {
                    Accepted::clone(s).close(closure.clone())?;
                }
                vec![
                    Event::Closed { closure },
                    self.set([(ClockKind::Archive, self.due(rules.archive))]),
                ]
            }
            // Clocks stop before the seal: nothing may change after it.
            Command::Archive => vec![self.set([]), Event::Archived { seal: Seal { by, at: now } }],
            Command::Dismiss { reason, note, requested_by } => {
                guard::reason(Rule::DismissalApprovedOneLevelUp, "note", &note)?;
                limits.text("note", &note)?;
                let dismissal = Dismissal { reason, note, requested_by, by, at: now };
                let archive = self.policy().deadlines().general.archive;
                vec![
                    Event::Dismissed { dismissal },
                    self.set([(ClockKind::Archive, self.due(archive))]),
                ]
            }
            Command::AddInterimControl(i) => {
                vec![Event::InterimControlAdded { control: self.interim(i)? }]
            }
            Command::RecordProgress { note, percent, evidence } => {
                required("note", &note)?;
                limits.text("note", &note)?;
                evidence_ok(self.policy(), "evidence", &evidence)?;
                if percent.is_some_and(|p| p > 100) {
                    return Err(InputError::Malformed {
                        field: "percent".into(),
                        reason: "must be 0 to 100".into(),
                    }
                    .into());
                }
                vec![Event::ProgressRecorded {
                    progress: Progress { note, percent, evidence, by, at: now },
                }]
            }
            Command::RequestExtension { new_deadline, reason } => {
                return self.request_extension(new_deadline, reason)
            }
            Command::GrantExtension { note } => return self.decide_extension(true, "note", note),
            Command::DenyExtension { reason } => {
                guard::reason(Rule::ExtensionDecidedBySuperior, "reason", &reason)?;
                return self.decide_extension(false, "reason", reason);
            }
            Command::PauseClock { reason } => {
                guard::reason(Rule::PauseApproved, "reason", &reason)?;
                limits.text("reason", &reason)?;
                if self.h.paused.is_some() {
                    return Err(WorkflowError::broken(
                        Rule::PauseApproved,
                        "the clocks are already paused",
                    ));
                }
                vec![Event::ClockPaused { pause: Pause { reason, by, at: now } }]
            }
            Command::ResumeClock { note } => {
                limits.text("note", &note)?;
                let Some(pause) = &self.h.paused else {
                    return Err(WorkflowError::broken(
                        Rule::PauseApproved,
                        "the clocks are not paused",
                    ));
                };
                let shifted = self.h.clocks.shifted(now - pause.at);
                vec![
                    Event::ClockResumed { note, by, at: now },
                    Event::DeadlinesSet { clocks: shifted, at: now },
                ]
            }
            Command::Reassign { to, note } => {
                required("note", &note)?;
                limits.text("note", &note)?;
                known_person(self.ctx.org, "to", &to)?;
                vec![Event::Reassigned { to, note, by, at: now }]
            }
            Command::AddEvidence { evidence } => {
                if evidence.is_empty() {
                    return Err(InputError::Missing { field: "evidence".into() }.into());
                }
                evidence_ok(self.policy(), "evidence", &evidence)?;
                vec![Event::EvidenceAdded { evidence, by, at: now }]
            }
            Command::Comment { text } => {
                required("text", &text)?;
                limits.text("text", &text)?;
                vec![Event::Commented { text, by, at: now }]
            }
            Command::Supervise { reference } => {
                if self.grade() != Grade::Major {
                    return Err(WorkflowError::broken(
                        Rule::SupervisionByBureau,
                        "only a major hazard is put under supervision",
                    ));
                }
                if self.h.stage.report().is_some_and(|r| r.supervision.is_some()) {
                    return Err(WorkflowError::broken(
                        Rule::SupervisionByBureau,
                        "the hazard is already under supervision",
                    ));
                }
                if let Some(r) = &reference {
                    limits.title("reference", r)?;
                }
                vec![Event::Supervised { supervision: Supervision { reference, by, at: now } }]
            }
            Command::Discover(_) | Command::FixOnTheSpot { .. } => {
                return Err(WorkflowError::Target("this command creates a hazard; give none"))
            }
        };
        Ok(events)
    }

    fn not_allowed(&self, step: Step) -> WorkflowError {
        WorkflowError::NotAllowed { stage: self.h.kind(), step }
    }

    fn register(self, r: Register) -> Result<Vec<Event>> {
        let Stage::Discovered(s) = &self.h.stage else {
            return Err(self.not_allowed(Step::Register));
        };
        let policy = self.policy();
        known_category(policy, &r.category)?;
        known_person(self.ctx.org, "assignee", &r.assignee)?;
        let assessment = Assessment::score(
            r.assessment,
            &policy.assessment().lec_bands,
            &policy.assessment().ls_bands,
        )?;
        let grade = r.grade.unwrap_or_else(|| policy.assessment().grade_of(assessment.colour));
        let responsible_unit = match r.responsible_unit {
            Some(unit) => {
                known_unit(self.ctx.org, "responsible_unit", &unit)?;
                unit
            }
            None => self
                .ctx
                .org
                .nearest(&s.facts.unit, UnitKind::School)
                .and_then(|school| policy.matrix().lead_unit(self.ctx.org, &school.id, &r.category))
                .unwrap_or_else(|| s.facts.unit.clone()),
        };
        let deadline = match r.deadline {
            Some(d) => {
                if d <= self.now {
                    return Err(WorkflowError::broken(
                        Rule::DeadlineAfterStart,
                        "deadline: must be after now",
                    ));
                }
                d
            }
            None => {
                policy.deadlines().rectify(policy.calendar(), grade, assessment.colour, self.now)
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
            by: self.by.clone(),
            at: self.now,
        };
        Discovered::clone(s).register(registration.clone())?;
        let report_by = self.due(policy.deadlines().of(grade).report);
        Ok(vec![
            Event::Registered { registration },
            self.set([(ClockKind::Report, report_by), (ClockKind::Rectify, deadline)]),
        ])
    }

    fn interim(&self, i: Interim) -> Result<InterimControl> {
        if i.measures.is_empty() {
            return Err(InputError::Missing { field: "interim.measures".into() }.into());
        }
        // Each measure at most once: the list is bounded by the kinds of measure.
        let mut seen = std::collections::BTreeSet::new();
        if let Some(twice) = i.measures.iter().find(|m| !seen.insert(**m)) {
            return Err(InputError::Malformed {
                field: "interim.measures".into(),
                reason: format!("`{twice}` is listed more than once"),
            }
            .into());
        }
        self.policy().limits().text("interim.note", &i.note)?;
        Ok(InterimControl { measures: i.measures, note: i.note, by: self.by.clone(), at: self.now })
    }

    fn start(self, plan: Plan, interim: Option<Interim>) -> Result<Vec<Event>> {
        let Stage::Reported(s) = &self.h.stage else {
            return Err(self.not_allowed(Step::StartTreatment));
        };
        let limits = self.policy().limits();
        match &plan {
            Plan::Major(p) => {
                for (field, text) in [
                    ("plan.objectives", &p.objectives),
                    ("plan.methods", &p.methods),
                    ("plan.funds", &p.funds),
                    ("plan.organisation", &p.organisation),
                    ("plan.schedule", &p.schedule),
                    ("plan.safety", &p.safety),
                ] {
                    limits.text(field, text)?;
                }
            }
            Plan::General(p) => {
                limits.text("plan.measures", &p.measures)?;
                limits.text("plan.contingency", &p.contingency)?;
                known_person(self.ctx.org, "plan.responsible", &p.responsible)?;
                let registered =
                    self.h.clocks.get(ClockKind::Rectify).unwrap_or(s.registration.deadline);
                if p.deadline > registered {
                    return Err(WorkflowError::broken(
                        Rule::ExtensionBeforeDeadline,
                        "plan.deadline: later than the registered deadline; request an extension instead",
                    ));
                }
            }
        }
        if plan.deadline() <= self.now {
            return Err(WorkflowError::broken(
                Rule::DeadlineAfterStart,
                "plan.deadline: must be after now",
            ));
        }
        let interim = interim.map(|i| self.interim(i)).transpose()?;
        let treatment = Treatment {
            plan,
            interim: interim.into_iter().collect(),
            progress: Vec::new(),
            pending_extension: None,
            extensions: Vec::new(),
            failed: Vec::new(),
            by: self.by.clone(),
            at: self.now,
        };
        Reported::clone(s).start(treatment.clone())?;
        let rectify = treatment.deadline();
        Ok(vec![Event::TreatmentStarted { treatment }, self.set([(ClockKind::Rectify, rectify)])])
    }

    fn request_extension(self, new_deadline: DateTime<Utc>, reason: String) -> Result<Vec<Event>> {
        guard::reason(Rule::ExtensionBeforeDeadline, "reason", &reason)?;
        self.policy().limits().text("reason", &reason)?;
        let treatment =
            self.h.stage.treatment().ok_or_else(|| self.not_allowed(Step::RequestExtension))?;
        if treatment.pending_extension.is_some() {
            return Err(WorkflowError::broken(
                Rule::ExtensionBeforeDeadline,
                "an extension request is already pending",
            ));
        }
        let current = self.h.clocks.get(ClockKind::Rectify).unwrap_or_else(|| treatment.deadline());
        let notice = self.policy().deadlines().extension_notice;
        let latest_request = self.policy().calendar().add(
            current,
            crate::calendar::Span { amount: notice.amount.saturating_neg(), unit: notice.unit },
        );
        if self.now > latest_request.min(current) {
            return Err(WorkflowError::broken(
                Rule::ExtensionBeforeDeadline,
                format!("an extension must be requested {notice} before the deadline {current}"),
            ));
        }
        if new_deadline <= current {
            return Err(WorkflowError::broken(
                Rule::ExtensionBeforeDeadline,
                "new_deadline: must be later than the current deadline",
            ));
        }
        let request = ExtensionRequest { new_deadline, reason, by: self.by.clone(), at: self.now };
        Ok(vec![Event::ExtensionRequested { request }])
    }

    fn decide_extension(self, granted: bool, field: &str, note: String) -> Result<Vec<Event>> {
        self.policy().limits().text(field, &note)?;
        let treatment =
            self.h.stage.treatment().ok_or_else(|| self.not_allowed(Step::GrantExtension))?;
        let Some(request) = treatment.pending_extension.clone() else {
            return Err(WorkflowError::broken(
                Rule::ExtensionDecidedBySuperior,
                "no extension request is pending",
            ));
        };
        let new_deadline = request.new_deadline;
        let decision =
            ExtensionDecision { request, granted, note, by: self.by.clone(), at: self.now };
        let mut events = vec![Event::ExtensionDecided { decision }];
        if granted {
            let mut clocks = self.h.clocks;
            clocks.set(ClockKind::Rectify, new_deadline);
            events.push(Event::DeadlinesSet { clocks, at: self.now });
        }
        Ok(events)
    }
}

fn required(field: &str, text: &str) -> std::result::Result<(), InputError> {
    if text.trim().is_empty() {
        return Err(InputError::Missing { field: field.into() });
    }
    Ok(())
}

fn known_unit(org: &Org, field: &str, unit: &UnitId) -> std::result::Result<(), InputError> {
    match org.unit(unit) {
        Some(_) => Ok(()),
        None => Err(InputError::Unknown { field: field.into(), value: format!("unit `{unit}`") }),
    }
}

fn known_person(org: &Org, field: &str, person: &PersonId) -> std::result::Result<(), InputError> {
    match org.person(person) {
        Some(_) => Ok(()),
        None => {
            Err(InputError::Unknown { field: field.into(), value: format!("person `{person}`") })
        }
    }
}

fn known_category(
    policy: &Policy,
    category: &crate::model::Category,
) -> std::result::Result<(), InputError> {
    if policy.matrix().contains(category) {
        return Ok(());
    }
    Err(InputError::Unknown { field: "category".into(), value: format!("category `{category}`") })
}

fn evidence_ok(
    policy: &Policy,
    field: &str,
    evidence: &[Evidence],
) -> std::result::Result<(), InputError> {
    policy.limits().evidence(field, evidence)
}
