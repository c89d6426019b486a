//! The rules of an incident's commands: who may act, in what order the reports come, and what
//! each command adds. Pure: the incident, the command and the context in, events out.

use chrono::{DateTime, Utc};

use super::incident::{Incident, IncidentCommand, IncidentEvent, IncidentReport, ReportWay};
use super::policy::IncidentPolicy;
use super::rule::{actor_within, malformed, refused, text, DutyError, DutyRule};
use crate::calendar::Calendar;
use crate::model::{InputError, PersonId};
use crate::org::Org;

/// Everything `decide` reads besides the incident and the command.
#[derive(Clone, Copy, Debug)]
pub struct IncidentContext<'a> {
    /// The organisation.
    pub org: &'a Org,
    /// Who acts.
    pub actor: &'a PersonId,
    /// The policy section.
    pub policy: &'a IncidentPolicy,
    /// The calendar (it reckons the wall-clock spans).
    pub calendar: &'a Calendar,
    /// Now.
    pub now: DateTime<Utc>,
}

fn attachments(field: &str, uris: &[String]) -> Result<(), DutyError> {
    if uris.len() > 50 {
        return Err(malformed(field, "more than 50 attachments"));
    }
    for (i, uri) in uris.iter().enumerate() {
        text(&format!("{field}[{i}]"), uri, 2000)?;
    }
    Ok(())
}

fn optional(field: &str, value: Option<&String>, max: usize) -> Result<(), DutyError> {
    match value {
        Some(v) if v.chars().count() > max => {
            Err(malformed(field, format!("is longer than {max} characters")))
        }
        _ => Ok(()),
    }
}

/// A report's time: given or now; not before the incident happened, not in the future.
fn report_time(
    incident: &Incident,
    at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, DutyError> {
    let at = at.unwrap_or(now);
    if at > now {
        return Err(refused(DutyRule::TimeOrder, format!("at: {at} is in the future")));
    }
    if at < incident.occurred_at {
        return Err(refused(
            DutyRule::TimeOrder,
            format!("at: {at} is before the incident happened ({})", incident.occurred_at),
        ));
    }
    Ok(at)
}

/// Decides a command: the events it adds, or the rule or field refusing it. Pure.
pub fn decide(
    incident: Option<&Incident>,
    command: &IncidentCommand,
    cx: &IncidentContext<'_>,
) -> Result<Vec<IncidentEvent>, DutyError> {
    let Some(incident) = incident else {
        let IncidentCommand::Open { unit, title, kind, location, summary, occurred_at, learned_at } =
            command
        else {
            return Err(DutyError::Input(InputError::Missing { field: "id".into() }));
        };
        text("title", title, 200)?;
        optional("location", Some(location), 200)?;
        optional("summary", Some(summary), 4000)?;
        if cx.org.unit(unit).is_none() {
            return Err(DutyError::Input(InputError::Unknown {
                field: "unit".into(),
                value: unit.to_string(),
            }));
        }
        actor_within(cx.org, cx.actor, unit)?;
        let learned_at = learned_at.unwrap_or(cx.now);
        if learned_at > cx.now {
            return Err(refused(
                DutyRule::TimeOrder,
                format!("learned_at: {learned_at} is in the future"),
            ));
        }
        if *occurred_at > learned_at {
            return Err(refused(
                DutyRule::TimeOrder,
                format!("occurred_at: {occurred_at} is after learned_at {learned_at}"),
            ));
        }
        return Ok(vec![IncidentEvent::Opened {
            unit: unit.clone(),
            title: title.trim().to_owned(),
            kind: *kind,
            location: location.trim().to_owned(),
            summary: summary.trim().to_owned(),
            occurred_at: *occurred_at,
            learned_at,
            by: cx.actor.clone(),
            phone_due: cx.calendar.add(learned_at, cx.policy.phone),
            written_due: cx.calendar.add(learned_at, cx.policy.written),
        }]);
    };
    actor_within(cx.org, cx.actor, &incident.unit)?;
    if incident.closed_at.is_some() {
        return Err(refused(
            DutyRule::AlreadyClosed,
            format!("incident {} is closed", incident.id),
        ));
    }
    let report = |way, at, to: Option<&String>, note: Option<&String>, files: &[String]| {
        IncidentEvent::Reported {
            report: IncidentReport {
                way,
                at,
                by: cx.actor.clone(),
                to: to.map(|t| t.trim().to_owned()),
                note: note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()),
                attachments: files.to_vec(),
            },
        }
    };
    let event = match command {
        IncidentCommand::Open { .. } => {
            return Err(refused(
                DutyRule::AlreadyReported,
                format!("incident {} is already open", incident.id),
            ))
        }
        IncidentCommand::PhoneReport { at, to, note } => {
            text("to", to, 200)?;
            optional("note", note.as_ref(), 4000)?;
            if incident.phone.met_at.is_some() {
                return Err(refused(DutyRule::AlreadyReported, "the phone report was made"));
            }
            let at = report_time(incident, *at, cx.now)?;
            report(ReportWay::Phone, at, Some(to), note.as_ref(), &[])
        }
        IncidentCommand::WrittenReport { at, note, attachments: files } => {
            optional("note", note.as_ref(), 4000)?;
            attachments("attachments", files)?;
            if note.as_ref().is_none_or(|n| n.trim().is_empty()) && files.is_empty() {
                return Err(DutyError::Input(InputError::Missing { field: "attachments".into() }));
            }
            if incident.written.met_at.is_some() {
                return Err(refused(DutyRule::AlreadyReported, "the written report was sent"));
            }
            let at = report_time(incident, *at, cx.now)?;
            report(ReportWay::Written, at, None, note.as_ref(), files)
        }
        IncidentCommand::FollowUp { at, note, attachments: files } => {
            text("note", note, 4000)?;
            attachments("attachments", files)?;
            if incident.written.met_at.is_none() {
                return Err(refused(
                    DutyRule::WrittenBeforeFollowUp,
                    "a follow-up report comes after the written report",
                ));
            }
            let at = report_time(incident, *at, cx.now)?;
            report(ReportWay::FollowUp, at, None, Some(note), files)
        }
        IncidentCommand::Attach { uri } => {
            text("uri", uri, 2000)?;
            IncidentEvent::Attached { by: cx.actor.clone(), uri: uri.trim().to_owned() }
        }
        IncidentCommand::Close { note } => {
            optional("note", note.as_ref(), 4000)?;
            if incident.written.met_at.is_none() {
                return Err(refused(
                    DutyRule::WrittenBeforeClose,
                    "the written report must be sent before the incident is closed",
                ));
            }
            IncidentEvent::Closed {
                at: cx.now,
                by: cx.actor.clone(),
                note: note.as_ref().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()),
            }
        }
    };
    Ok(vec![event])
}
