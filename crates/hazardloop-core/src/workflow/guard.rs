//! Guards that need nothing but the data: used by the typed transitions and by `decide`.

use crate::model::{Grade, PersonId};
use crate::workflow::{
    Completion, FourImplementations, MajorPlan, Plan, Registration, Rule, Treatment, WorkflowError,
};

type Result<T = ()> = std::result::Result<T, WorkflowError>;

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

/// Every one of the six items of 16号令 art. 15 is present.
pub(crate) fn major_plan(plan: &MajorPlan) -> Result {
    let items = [
        ("plan.objectives", &plan.objectives),
        ("plan.methods", &plan.methods),
        ("plan.funds", &plan.funds),
        ("plan.organisation", &plan.organisation),
        ("plan.schedule", &plan.schedule),
        ("plan.safety", &plan.safety),
    ];
    match items.iter().find(|(_, text)| blank(text)) {
        Some((field, _)) => Err(WorkflowError::broken(
            Rule::MajorPlanSixItems,
            format!("{field}: the major hazard plan lacks this item"),
        )),
        None => Ok(()),
    }
}

/// Each of the four implementations (四落实) is present.
pub(crate) fn four_implementations(plan: &FourImplementations) -> Result {
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

/// The plan fits the grade, is complete, and interim control is in place when required.
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

/// The people who may not check the work: the rectifier, the assignee and the plan's responsible person.
pub(crate) fn checker(
    checker: &PersonId,
    registration: &Registration,
    treatment: &Treatment,
    completion: &Completion,
) -> Result {
    let responsible = match &treatment.plan {
        Plan::General(p) => Some(&p.responsible),
        Plan::Major(_) => None,
    };
    if checker == &completion.by
        || checker == &registration.assignee
        || Some(checker) == responsible
    {
        return Err(WorkflowError::broken(
            Rule::CheckerIsNotRectifier,
            format!("{checker} rectified or is responsible for this hazard and cannot check it"),
        ));
    }
    Ok(())
}

/// A non-blank text, or a refusal by `rule` naming `field`.
pub(crate) fn reason(rule: Rule, field: &str, text: &str) -> Result {
    if blank(text) {
        return Err(WorkflowError::broken(rule, format!("{field}: a reason is required")));
    }
    Ok(())
}
