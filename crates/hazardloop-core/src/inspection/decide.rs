//! What may be done to an occurrence, by whom: the commands, their rules and `decide`.
//!
//! As for hazards, each rule has one home: who may act is [`authorize`]'s, the input is checked
//! once against the template, and the occurrence's state and window are checked by `decide`.
//! [`Occurrence::apply`] only moves.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::occurrence::{Answer, Finding, Occurrence, OccurrenceEvent};
use super::rule::{denied, refused, InspectionError, InspectionRule};
use super::template::{check_evidence, Template};
use crate::model::{Actor, HazardId, InputError, PersonId};
use crate::org::{Org, Role, UnitKind};

/// What an actor asks of an occurrence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum InspectionCommand {
    /// Begin the inspection.
    Start,
    /// Answer items (starting it if not yet started).
    Answer {
        /// The answers.
        answers: Vec<Answer>,
    },
    /// Complete it, with any last answers: each failed item becomes a hazard.
    Complete {
        /// Last answers, taken before completing.
        #[serde(default)]
        answers: Vec<Answer>,
    },
    /// Give it to another inspector (a head of the unit, or the safety office).
    Reassign {
        /// The new inspector.
        to: PersonId,
        /// Why.
        reason: String,
    },
    /// Excuse a missed occurrence (the safety office), with a reason kept on record.
    Excuse {
        /// Why.
        reason: String,
    },
}

impl InspectionCommand {
    /// The command's name (`complete`).
    pub fn name(&self) -> &'static str {
        match self {
            InspectionCommand::Start => "start",
            InspectionCommand::Answer { .. } => "answer",
            InspectionCommand::Complete { .. } => "complete",
            InspectionCommand::Reassign { .. } => "reassign",
            InspectionCommand::Excuse { .. } => "excuse",
        }
    }
}

/// Who may do what: the one home of the actor rules of inspections.
pub fn authorize(
    actor: &Actor,
    command: &InspectionCommand,
    occurrence: &Occurrence,
    org: &Org,
) -> Result<(), InspectionError> {
    use InspectionRule::*;
    if actor.tenant != occurrence.tenant {
        return Err(denied(SameTenant, "the occurrence belongs to another tenant"));
    }
    let unit = &occurrence.scheduled.unit;
    let in_scope =
        |role: Role| actor.roles.contains(&role) && org.is_within_any(unit, &actor.units);
    match command {
        InspectionCommand::Start
        | InspectionCommand::Answer { .. }
        | InspectionCommand::Complete { .. } => {
            if actor.person != occurrence.inspector {
                return Err(denied(
                    OwnOccurrenceOnly,
                    format!("the inspector of this occurrence is {}", occurrence.inspector),
                ));
            }
        }
        InspectionCommand::Reassign { .. } => {
            let head =
                [Role::DepartmentHead, Role::SafetyOfficer, Role::SafetyDeputy, Role::Principal];
            if !head.into_iter().any(in_scope) {
                return Err(denied(
                    ReassignByHead,
                    "only a head of the unit or the safety office reassigns",
                ));
            }
        }
        InspectionCommand::Excuse { .. } => {
            let school = org.nearest(unit, UnitKind::School).map(|u| u.id.clone());
            let office = [Role::SafetyOfficer, Role::SafetyDeputy, Role::Principal]
                .into_iter()
                .any(|r| actor.roles.contains(&r))
                && school.is_some_and(|s| {
                    org.is_within_any(&s, &actor.units) || org.is_within_any(unit, &actor.units)
                });
            if !office {
                return Err(denied(
                    ExcuseBySafetyOffice,
                    "only the school safety office excuses a missed inspection",
                ));
            }
        }
    }
    Ok(())
}

/// What `decide` needs besides the occurrence and the command.
#[derive(Clone, Copy, Debug)]
pub struct InspectionContext<'a> {
    /// Now.
    pub now: DateTime<Utc>,
    /// Who acts.
    pub actor: &'a Actor,
    /// The organisation.
    pub org: &'a Org,
    /// The occurrence's template version.
    pub template: &'a Template,
}

/// Checks the command and returns the events it makes. `new_hazard` gives the id of each
/// finding's hazard (the engine passes ids made from its clock).
pub fn decide(
    occurrence: &Occurrence,
    command: InspectionCommand,
    ctx: &InspectionContext<'_>,
    new_hazard: &mut dyn FnMut() -> HazardId,
) -> Result<Vec<OccurrenceEvent>, InspectionError> {
    use InspectionRule::*;
    authorize(ctx.actor, &command, occurrence, ctx.org)?;
    // Input first: one pass over the answers against the template.
    match &command {
        InspectionCommand::Answer { answers } | InspectionCommand::Complete { answers } => {
            check_answers(answers, ctx.template)?;
        }
        InspectionCommand::Reassign { to, reason } => {
            text("reason", reason)?;
            if ctx.org.person(to).is_none() {
                return Err(
                    InputError::Unknown { field: "to".into(), value: to.to_string() }.into()
                );
            }
        }
        InspectionCommand::Excuse { reason } => text("reason", reason)?,
        InspectionCommand::Start => {}
    }
    let (now, by) = (ctx.now, ctx.actor.person.clone());
    let slot = &occurrence.scheduled.slot;
    if occurrence.completed.is_some() {
        return Err(refused(AlreadyCompleted, "this inspection is already completed"));
    }
    let performing = matches!(
        command,
        InspectionCommand::Start
            | InspectionCommand::Answer { .. }
            | InspectionCommand::Complete { .. }
    );
    if performing {
        if now < slot.opens {
            return Err(refused(WindowNotOpen, format!("it opens at {}", slot.opens)));
        }
        if now >= slot.closes || occurrence.missed_at.is_some() {
            return Err(refused(WindowClosed, format!("the window closed at {}", slot.closes)));
        }
        if now > slot.due && !occurrence.scheduled.late_allowed {
            return Err(refused(LateNotAllowed, format!("it was due at {}", slot.due)));
        }
    }
    let start = |events: &mut Vec<OccurrenceEvent>| {
        if occurrence.started_at.is_none() {
            events.push(OccurrenceEvent::Started { by: by.clone(), at: now });
        }
    };
    let mut events = Vec::new();
    match command {
        InspectionCommand::Start => start(&mut events),
        InspectionCommand::Answer { answers } => {
            start(&mut events);
            events.push(OccurrenceEvent::Answered { answers, by: by.clone(), at: now });
        }
        InspectionCommand::Complete { answers } => {
            let mut all = occurrence.answers.clone();
            for a in &answers {
                all.insert(a.item.clone(), a.clone());
            }
            let missing: Vec<&str> = ctx
                .template
                .items()
                .filter(|i| i.mandatory && !all.contains_key(&i.id))
                .map(|i| i.id.as_str())
                .collect();
            if !missing.is_empty() {
                return Err(refused(
                    MandatoryAnswered,
                    format!("unanswered: {}", missing.join(", ")),
                ));
            }
            let mut findings = Vec::new();
            for item in ctx.template.items() {
                let Some(answer) = all.get(&item.id) else { continue };
                // Checked above (or when it was answered) against the same template version.
                let failed = item.judge(&answer.response, &item.id)?;
                if failed {
                    if item.evidence_on_fail && answer.evidence.is_empty() {
                        return Err(refused(
                            EvidenceOnFail,
                            format!("item {} failed without a photo", item.id),
                        ));
                    }
                    findings.push(Finding { item: item.id.clone(), hazard: new_hazard() });
                }
            }
            start(&mut events);
            if !answers.is_empty() {
                events.push(OccurrenceEvent::Answered { answers, by: by.clone(), at: now });
            }
            events.push(OccurrenceEvent::Completed { by, at: now, late: now > slot.due, findings });
        }
        InspectionCommand::Reassign { to, reason } => {
            if occurrence.is_settled() {
                return Err(refused(
                    WindowClosed,
                    "a missed or excused occurrence is not reassigned",
                ));
            }
            if to == occurrence.inspector {
                return Err(refused(ReassignToAnother, format!("{to} already inspects it")));
            }
            events.push(OccurrenceEvent::Reassigned {
                from: occurrence.inspector.clone(),
                to,
                by,
                reason,
                at: now,
            });
        }
        InspectionCommand::Excuse { reason } => {
            let missed = occurrence.missed_at.is_some() || now >= slot.closes;
            if !missed || occurrence.excused.is_some() {
                return Err(refused(
                    ExcuseOnlyMissed,
                    "only a missed occurrence, not yet excused, is excused",
                ));
            }
            if occurrence.missed_at.is_none() {
                events.push(OccurrenceEvent::Missed { at: slot.closes });
            }
            events.push(OccurrenceEvent::Excused { by, reason, at: now });
        }
    }
    Ok(events)
}

/// Checks answers against the template: known items, responses of the item's kind within its
/// limits, evidence well formed, comments within limits. Errors name `answers[i].…`.
pub fn check_answers(answers: &[Answer], template: &Template) -> Result<(), InputError> {
    if answers.len() > 500 {
        return Err(InputError::TooLarge { field: "answers".into(), limit: "500".into() });
    }
    for (i, a) in answers.iter().enumerate() {
        let field = |f: &str| format!("answers[{i}].{f}");
        let Some(item) = template.item(&a.item) else {
            return Err(InputError::Unknown { field: field("item"), value: a.item.clone() });
        };
        item.judge(&a.response, &field("response"))?;
        if a.comment.chars().count() > 2000 {
            return Err(InputError::TooLarge {
                field: field("comment"),
                limit: "2000 characters".into(),
            });
        }
        if a.evidence.len() > 20 {
            return Err(InputError::TooLarge { field: field("evidence"), limit: "20".into() });
        }
        check_evidence(&a.evidence, &field("evidence"))?;
        if let Some(at) = &a.location {
            if at.chars().count() > 200 {
                return Err(InputError::TooLarge {
                    field: field("location"),
                    limit: "200 characters".into(),
                });
            }
        }
        if let Some(fix) = &a.fixed_on_the_spot {
            text(&field("fixed_on_the_spot"), fix)?;
        }
        if answers[..i].iter().any(|b| b.item == a.item) {
            return Err(InputError::Malformed {
                field: field("item"),
                reason: format!("`{}` is answered twice", a.item),
            });
        }
    }
    Ok(())
}

fn text(field: &str, value: &str) -> Result<(), InputError> {
    if value.trim().is_empty() {
        Err(InputError::Missing { field: field.into() })
    } else if value.chars().count() > 2000 {
        Err(InputError::TooLarge { field: field.into(), limit: "2000 characters".into() })
    } else {
        Ok(())
    }
}
