//! `authorize(actor, command, hazard)`: tenant, role, unit scope and separation of duties.
//! A denial names the rule it applied.

use crate::model::{Actor, PersonId};
use crate::org::{Org, Role};
use crate::policy::Grants;
use crate::workflow::{Command, Grade, Hazard, Plan, Rule, Stage, Step, WorkflowError};

type Result = std::result::Result<(), WorkflowError>;

/// Decides whether `actor` may give `command` for `hazard` (`None` when the command creates one).
///
/// Rules, in order: same tenant; the actor's role allows the step (or the actor is the hazard's
/// assignee and the step is one the assignee may take); the hazard's unit or responsible unit is
/// within the actor's units; a major hazard's plan is started by the roles that own it; the
/// checker is neither rectifier nor assignee; dismissals, extension decisions and supervised
/// closing are made one level up (an extension above both the asker and the assignee); the
/// assignee never approves a pause of their own clocks.
pub fn authorize(
    actor: &Actor,
    command: &Command,
    hazard: Option<&Hazard>,
    org: &Org,
    grants: &Grants,
) -> Result {
    let step = command.step();
    let deny = |rule: Rule, detail: String| Err(WorkflowError::denied(rule, detail));
    if &actor.tenant != org.tenant() || hazard.is_some_and(|h| h.tenant() != &actor.tenant) {
        return deny(
            Rule::SameTenant,
            format!("{} acts in tenant {}, not this one", actor.person, actor.tenant),
        );
    }
    let registration = hazard.and_then(|h| h.stage.registration());
    let is_assignee = registration.is_some_and(|r| r.assignee == actor.person);
    // Separation of duties first: it is the most telling reason for the rectifier's own check.
    if let (Step::Pass | Step::Fail, Some(Stage::Treated(s))) = (step, hazard.map(|h| &h.stage)) {
        let responsible = match &s.treatment.plan {
            Plan::General(p) => Some(&p.responsible),
            Plan::Major(_) => None,
        };
        if actor.person == s.completion.by || is_assignee || responsible == Some(&actor.person) {
            return deny(
                Rule::CheckerIsNotRectifier,
                format!("{} rectified or is responsible for this hazard", actor.person),
            );
        }
    }
    let roles = Grants::roles(&actor.roles);
    let by_role = grants.allows_any(step, roles);
    let by_assignment = is_assignee && grants.assignee_may(step);
    if !by_role && !by_assignment {
        return deny(
            Rule::RoleAllowsStep,
            format!("{} has no role that may {}", actor.person, step_name(step)),
        );
    }
    if !by_assignment && !in_scope(actor, command, hazard, org) {
        return deny(
            Rule::UnitScope,
            format!("the hazard is outside the units of {}", actor.person),
        );
    }
    let Some(hazard) = hazard else { return Ok(()) };
    match (step, &hazard.stage) {
        (Step::StartTreatment, _)
            if registration.is_some_and(|r| r.grade == Grade::Major)
                && !grants.owns_major_plan(roles) =>
        {
            return deny(
                Rule::RoleAllowsStep,
                "the principal owns a major hazard's treatment plan".into(),
            );
        }
        (Step::Close, stage)
            if stage.report().is_some_and(|r| r.supervision.is_some())
                && !actor.has(Role::BureauOfficer) =>
        {
            return deny(
                Rule::SupervisedClosedByBureau,
                "a supervised major hazard is closed by the bureau (核销)".into(),
            );
        }
        (Step::Dismiss, _) => {
            if let Command::Dismiss { requested_by, .. } = command {
                one_level_up(actor, requested_by, org, Rule::DismissalApprovedOneLevelUp)?;
            }
        }
        (Step::GrantExtension | Step::DenyExtension, stage) => {
            // Above whoever asked (a department head may ask for the assignee), and above the
            // assignee: never the asker themselves.
            let rule = Rule::ExtensionDecidedBySuperior;
            let asked = stage.treatment().and_then(|t| t.pending_extension.as_ref());
            if let Some(request) = asked.filter(|q| registration.is_none_or(|r| r.assignee != q.by))
            {
                one_level_up(actor, &request.by, org, rule)?;
            }
            if let Some(r) = registration {
                one_level_up(actor, &r.assignee, org, rule)?;
            }
        }
        (Step::PauseClock, _) if is_assignee => {
            return deny(
                Rule::PauseApproved,
                format!("{} cannot approve a pause of their own hazard's clocks", actor.person),
            );
        }
        _ => {}
    }
    Ok(())
}

fn step_name(step: Step) -> String {
    format!(
        "{} ({})",
        crate::model::Named::name(&step, crate::model::Lang::Zh),
        crate::model::code_of(&step)
    )
}

/// The hazard's unit or responsible unit (or, for a new hazard, the unit named) lies within one
/// of the actor's units.
fn in_scope(actor: &Actor, command: &Command, hazard: Option<&Hazard>, org: &Org) -> bool {
    let within = |unit: &crate::model::UnitId| org.is_within_any(unit, &actor.units);
    match (hazard, command) {
        (Some(h), _) => {
            within(&h.stage.facts().unit)
                || h.stage.registration().is_some_and(|r| within(&r.responsible_unit))
        }
        (None, Command::Discover(d)) | (None, Command::FixOnTheSpot { discover: d, .. }) => {
            within(&d.unit)
        }
        (None, Command::Import(i)) => within(&i.discover.unit),
        (None, _) => false,
    }
}

/// `actor` stands above `person` in the reporting line: one of the person's superiors, or one of
/// theirs, up to the top. Never the person themselves.
fn one_level_up(actor: &Actor, person: &PersonId, org: &Org, rule: Rule) -> Result {
    let denied = |detail: String| Err(WorkflowError::denied(rule, detail));
    if &actor.person == person {
        return denied(format!("{} cannot approve their own request", actor.person));
    }
    if org.person(person).is_none() {
        return denied(format!("{person} is not in the organisation"));
    }
    let mut seen: Vec<&PersonId> = vec![person];
    let mut frontier: Vec<&PersonId> = vec![person];
    while let Some(next) = frontier.pop() {
        for superior in org.superiors(next) {
            if superior.id == actor.person {
                return Ok(());
            }
            if !seen.contains(&&superior.id) {
                seen.push(&superior.id);
                frontier.push(&superior.id);
            }
        }
    }
    denied(format!("{} is not above {person} in the reporting line", actor.person))
}
