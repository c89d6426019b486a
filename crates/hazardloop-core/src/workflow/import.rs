//! Import (导入): a hazard from another system's ledger enters the loop directly in the stage
//! its source row shows, keeping the source's own dates.
//!
//! One `Import` command makes one `Imported` event (plus the clocks of an open hazard). The
//! event carries the stage as the source shows it and the source's history (found, registered,
//! accepted, closed, each with its own date), so the hash chain covers what was imported and
//! `show` reads it like any other step. A hazard closed in the source comes in closed, with no
//! clock. An open one gets the clocks its own dates give; the rungs of its ladders that fell
//! before the import are recorded as passed, so the first sweep does not fire years of missed
//! escalations at once (design note 22).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::deadline::{ClockRule, DueFrom};
use crate::escalation::{plan_sweep, Action, FiredRungs, RungKey};
use crate::model::{Assessment, Facts, Grade, InputError, PersonId};
use crate::workflow::{
    check, Acceptance, Closure, Completion, Discover, Event, FourImplementations, MajorPlan, Plan,
    Register, Registration, Report, Stage, Step, Treatment, WorkflowError,
};

use super::decide::Context;

/// Where an imported row came from: the file, its line, and the source's own number (序号).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportSource {
    /// The source file's name (without its directory).
    pub file: String,
    /// The row's line in the file (1 = the header).
    pub line: u64,
    /// The source's own number of the row (序号), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
}

/// Input of an import (导入): one row of an existing ledger.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Import {
    /// The finding; `discovered_at` (排查时间) is required.
    pub discover: Discover,
    /// The ledger entry. Its deadline (整改时限) may lie in the past: it is history.
    pub register: Register,
    /// The rectification measures (整改措施), if the source has them.
    #[serde(default)]
    pub measures: String,
    /// What was done (整改情况), if the source says.
    #[serde(default)]
    pub outcome: String,
    /// Who checked it (验收人).
    #[serde(default)]
    pub accepted_by: Option<PersonId>,
    /// When it was checked (验收时间).
    #[serde(default)]
    pub accepted_at: Option<DateTime<Utc>>,
    /// When it was closed (销号时间).
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    /// Where the row came from.
    pub source: ImportSource,
}

impl Import {
    /// Whether the source shows the hazard closed: it has an acceptance or a closing date.
    pub fn is_closed(&self) -> bool {
        self.accepted_at.is_some() || self.closed_at.is_some()
    }
}

/// One step of an imported hazard's history, with the source's date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Historic {
    /// The step the source records.
    pub step: Step,
    /// When, by the source.
    pub at: DateTime<Utc>,
    /// Who, when the source names them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<PersonId>,
}

/// A rung of a ladder that fell before the import: counted as passed, never fired.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Passed {
    /// The rung.
    pub key: RungKey,
    /// What it would have done.
    pub action: Action,
}

/// What an import recorded: the stage as the source shows it, its history and its source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Imported {
    /// The stage the hazard enters, with the source's data and dates.
    pub stage: Stage,
    /// The source's history, oldest first.
    pub history: Vec<Historic>,
    /// Where the row came from.
    pub source: ImportSource,
    /// Rungs that fell before the import (an open hazard's long-past deadlines).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passed: Vec<Passed>,
    /// Who imported it.
    pub by: PersonId,
    /// When it was imported.
    pub at: DateTime<Utc>,
}

impl Imported {
    /// The passed rungs as fired-rung entries at the import instant.
    pub(crate) fn passed_rungs(&self) -> FiredRungs {
        self.passed
            .iter()
            .map(|p| (p.key, crate::escalation::Fired { action: p.action, at: self.at }))
            .collect()
    }
}

type Result<T> = std::result::Result<T, WorkflowError>;

fn out_of_order(field: &str, reason: &str) -> WorkflowError {
    InputError::OutOfOrder { field: field.into(), reason: reason.into() }.into()
}

/// Decides an import: the `Imported` event and, for an open hazard, its clocks. Authorization
/// and the input pass ran before (`decide`).
pub(super) fn decide(i: Import, ctx: &Context<'_>) -> Result<Vec<Event>> {
    let (now, by, policy) = (ctx.now, ctx.actor.person.clone(), ctx.policy);
    let found = i.discover.discovered_at.ok_or_else(|| {
        WorkflowError::from(InputError::Missing { field: "discovered_at".into() })
    })?;
    if found > now {
        return Err(out_of_order("discovered_at", "a hazard cannot be discovered in the future"));
    }
    for (field, at) in [("accepted_at", i.accepted_at), ("closed_at", i.closed_at)] {
        match at {
            Some(at) if at < found => return Err(out_of_order(field, "is before discovered_at")),
            Some(at) if at > now => return Err(out_of_order(field, "is in the future")),
            _ => {}
        }
    }
    if let (Some(accepted), Some(closed)) = (i.accepted_at, i.closed_at) {
        if closed < accepted {
            return Err(out_of_order("closed_at", "is before accepted_at"));
        }
    }
    let closed = i.is_closed();
    let bands = policy.assessment();
    let r = i.register;
    let assessment = Assessment::score(r.assessment, &bands.lec_bands, &bands.ls_bands)?;
    let grade = r.grade.unwrap_or_else(|| bands.grade_of(assessment.colour));
    let d = i.discover;
    let facts = Facts {
        tenant: ctx.actor.tenant.clone(),
        unit: d.unit,
        location: d.location,
        category: d.category,
        title: d.title,
        description: d.description,
        source: d.source,
        discovered_by: by.clone(),
        discovered_at: found,
        evidence: d.evidence,
        finding: None,
        campaign: d.campaign,
    };
    let deadline = r.deadline.unwrap_or_else(|| {
        policy.deadlines().rectify(policy.calendar(), grade, assessment.colour, found)
    });
    let responsible_unit = r.responsible_unit.unwrap_or_else(|| facts.unit.clone());
    let registration = Registration {
        grade,
        assessment,
        category: r.category,
        responsible_unit,
        assignee: r.assignee,
        deadline,
        fixable_at_once: r.fixable_at_once && grade == Grade::General,
        by: by.clone(),
        at: found,
        campaign: r.campaign,
    };
    check::registration(&facts, &registration)?;
    let mut history = vec![
        Historic { step: Step::Discover, at: found, by: None },
        Historic { step: Step::Register, at: found, by: Some(registration.assignee.clone()) },
    ];
    let (stage, clocks) = if closed {
        let checked = i.accepted_at.or(i.closed_at).unwrap_or(found);
        let closed_at = i.closed_at.unwrap_or(checked);
        let checker = i.accepted_by.clone().unwrap_or_else(|| by.clone());
        if i.accepted_at.is_some() {
            history.push(Historic { step: Step::Pass, at: checked, by: i.accepted_by.clone() });
        }
        if i.closed_at.is_some() {
            history.push(Historic { step: Step::Close, at: closed_at, by: None });
        }
        let stage =
            closed_stage(facts, registration, i.measures, i.outcome, checker, checked).close(
                Closure { note: String::new(), by_bureau: false, by: by.clone(), at: closed_at },
            );
        (Stage::from(stage), None)
    } else {
        let row = ClockRule::of(Step::Register);
        let change = row.map(|row| {
            row.change(|kind, due_from| match due_from {
                DueFrom::Step => Some(deadline),
                DueFrom::Policy => {
                    Some(policy.deadlines().rule(kind, grade, false)?.due(policy.calendar(), found))
                }
            })
        });
        let stage = crate::workflow::Discovered::new(facts).register(registration);
        (Stage::from(stage), change)
    };
    let passed = match &clocks {
        Some(change) => {
            let mut open = crate::deadline::Deadlines::default();
            change.apply_to(&mut open);
            let none = FiredRungs::new();
            plan_sweep(now, &open, grade, &none, policy.ladders(), policy.calendar())
                .into_iter()
                .map(|e| Passed { key: e.key, action: e.action })
                .collect()
        }
        None => Vec::new(),
    };
    let imported = Imported { stage, history, source: i.source, passed, by, at: now };
    let mut events = vec![Event::Imported { import: Box::new(imported) }];
    if let Some(change) = clocks.filter(|c| !c.is_empty()) {
        events.push(Event::DeadlinesChanged { change, at: now });
    }
    Ok(events)
}

/// The stages a closed source row went through, up to acceptance, from what the source has.
fn closed_stage(
    facts: Facts,
    registration: Registration,
    measures: String,
    outcome: String,
    checker: PersonId,
    checked: DateTime<Utc>,
) -> crate::workflow::Accepted {
    let (found, assignee, deadline) =
        (registration.at, registration.assignee.clone(), registration.deadline);
    let report = Report {
        to_bureau: registration.grade == Grade::Major,
        written: registration.grade == Grade::Major,
        reference: None,
        supervision: None,
        by: registration.by.clone(),
        at: found,
    };
    let plan = match registration.grade {
        Grade::Major => Plan::Major(Box::new(MajorPlan {
            objectives: measures.clone(),
            methods: measures.clone(),
            funds: String::new(),
            organisation: String::new(),
            schedule: String::new(),
            safety: String::new(),
            deadline,
        })),
        Grade::General => Plan::General(FourImplementations {
            responsible: assignee.clone(),
            measures: measures.clone(),
            deadline,
            contingency: String::new(),
        }),
    };
    let treatment = Treatment {
        plan,
        interim: Vec::new(),
        progress: Vec::new(),
        pending_extension: None,
        extensions: Vec::new(),
        failed: Vec::new(),
        by: assignee.clone(),
        at: found,
    };
    let summary = if outcome.trim().is_empty() { measures } else { outcome };
    let completion = Completion { summary, evidence: Vec::new(), by: assignee, at: checked };
    crate::workflow::Discovered::new(facts)
        .register(registration)
        .report(report)
        .start(treatment)
        .complete(completion)
        .pass(Acceptance { note: String::new(), by: checker, at: checked })
}
