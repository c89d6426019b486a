//! The rules of the loop's data, one function per transition: each returns the rule that refuses
//! it, and `decide` calls each once. The stage moves in `stage.rs` never check (they cannot
//! fail), and `apply` only moves: stored history is protected by the hash chain, not by
//! re-checking. Who may act (tenant, role, unit scope, one level up, separation of duties) is
//! [`crate::org::authorize`]'s alone; input sizes and references are `input.rs`'s.

use chrono::{DateTime, Utc};

use crate::model::{Facts, Grade};
use crate::workflow::{
    Completion, Dismissal, FourImplementations, MajorPlan, Plan, Registration, Rejection, Report,
    Rule, Treatment, WorkflowError,
};

type Result<T = ()> = std::result::Result<T, WorkflowError>;

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

/// A non-blank text, or a refusal by `rule` naming `field`.
pub(crate) fn reason(rule: Rule, field: &str, text: &str) -> Result {
    if blank(text) {
        return Err(WorkflowError::broken(rule, format!("{field}: a reason is required")));
    }
    Ok(())
}

/// A deadline given by a person lies after `now` (`field` names it).
pub(crate) fn deadline_after(field: &str, deadline: DateTime<Utc>, now: DateTime<Utc>) -> Result {
    if deadline <= now {
        return Err(WorkflowError::broken(
            Rule::DeadlineAfterStart,
            format!("{field}: must be after now"),
        ));
    }
    Ok(())
}

/// 登记: the rectification deadline comes after discovery.
pub(crate) fn registration(facts: &Facts, registration: &Registration) -> Result {
    if registration.deadline <= facts.discovered_at {
        return Err(WorkflowError::broken(
            Rule::DeadlineAfterStart,
            "deadline: the rectification deadline is not after discovery",
        ));
    }
    Ok(())
}

/// 报告: a major hazard goes to the bureau in writing.
pub(crate) fn report(registration: &Registration, report: &Report) -> Result {
    if registration.grade == Grade::Major && !(report.to_bureau && report.written) {
        return Err(WorkflowError::broken(
            Rule::MajorReportedToBureauInWriting,
            "report: a major hazard must be reported to the education bureau in writing",
        ));
    }
    Ok(())
}

/// Every one of the six items of 16号令 art. 15 is present.
fn major_plan(plan: &MajorPlan) -> Result {
    match plan.items().into_iter().find(|(_, text)| blank(text)) {
        Some((field, _)) => Err(WorkflowError::broken(
            Rule::MajorPlanSixItems,
            format!("{field}: the major hazard plan lacks this item"),
        )),
        None => Ok(()),
    }
}

/// Each of the four implementations (四落实) is present.
fn four_implementations(plan: &FourImplementations) -> Result {
    for (field, text) in
        [("plan.measures", &plan.measures), ("plan.contingency", &plan.contingency)]
    {
        if blank(text) {
            return Err(WorkflowError::broken(
                Rule::GeneralPlanFourImplementations,
                format!("{field}: the rectification lacks this implementation"),
            ));
        }
    }
    Ok(())
}

/// 治理: the plan fits the grade and is complete, and interim control is in place when the
/// hazard cannot be removed at once.
pub(crate) fn treatment(registration: &Registration, treatment: &Treatment) -> Result {
    match (&treatment.plan, registration.grade) {
        (Plan::Major(plan), Grade::Major) => major_plan(plan)?,
        (Plan::General(plan), Grade::General) => four_implementations(plan)?,
        (Plan::General(_), Grade::Major) => {
            return Err(WorkflowError::broken(
                Rule::MajorPlanSixItems,
                "plan: a major hazard needs the six-item treatment plan",
            ))
        }
        (Plan::Major(_), Grade::General) => {
            return Err(WorkflowError::broken(
                Rule::GeneralPlanFourImplementations,
                "plan: a general hazard takes the four implementations",
            ))
        }
    }
    let needs_interim = registration.grade == Grade::Major || !registration.fixable_at_once;
    let has_interim = treatment.interim.iter().any(|c| !c.measures.is_empty());
    if needs_interim && !has_interim {
        return Err(WorkflowError::broken(
            Rule::InterimControlRequired,
            "interim: the hazard cannot be removed at once, so interim control measures are required",
        ));
    }
    Ok(())
}

/// A general plan's own deadline stays within the one in force: a later date is an extension.
pub(crate) fn plan_within(plan: &Plan, in_force: DateTime<Utc>) -> Result {
    if let Plan::General(p) = plan {
        if p.deadline > in_force {
            return Err(WorkflowError::broken(
                Rule::ExtensionBeforeDeadline,
                "plan.deadline: later than the registered deadline; request an extension instead",
            ));
        }
    }
    Ok(())
}

/// Completion carries evidence.
pub(crate) fn completion(completion: &Completion) -> Result {
    if completion.evidence.is_empty() {
        return Err(WorkflowError::broken(
            Rule::CompletionNeedsEvidence,
            "evidence: completion needs at least one evidence item",
        ));
    }
    Ok(())
}

/// A failed acceptance says why.
pub(crate) fn rejection(rejection: &Rejection) -> Result {
    reason(Rule::FailureNeedsReason, "reason", &rejection.reason)
}

/// A dismissal says why (who approves it is `authorize`'s).
pub(crate) fn dismissal(dismissal: &Dismissal) -> Result {
    reason(Rule::DismissalApprovedOneLevelUp, "note", &dismissal.note)
}
