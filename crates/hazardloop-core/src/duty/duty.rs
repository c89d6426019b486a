//! One occurrence of a report schedule (报告事项): due → submitted (on time or late), or
//! missed, with the ladder firing while it waits.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::clock::DutyClock;
use super::policy::ReportPolicy;
use super::record::{RecordId, RecordKind, RecordRow};
use super::rule::{actor_within, malformed, refused, text, DutyError, DutyRule};
use super::schedule::{DutySlot, DutyType, ReportSchedule};
use crate::calendar::Calendar;
use crate::model::{InputError, PersonId, TenantId, UnitId};
use crate::org::{Org, Role};

/// A document submitted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// Where it is (a URI of the host's document store, or a file name).
    pub uri: String,
    /// Its SHA-256 (hex), when known: the statistics table's, as produced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// What was submitted, by whom, signed by whom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// When.
    pub at: DateTime<Utc>,
    /// Who submitted it.
    pub by: PersonId,
    /// Who signed it, when it needs a signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_by: Option<PersonId>,
    /// The documents.
    pub attachments: Vec<Attachment>,
    /// A note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Whether it came after the due time.
    pub late: bool,
}

/// What happens to a duty, in its chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum DutyEvent {
    /// The duty was generated from its schedule.
    Scheduled {
        /// The schedule's code.
        schedule: String,
        /// What is owed.
        title: String,
        /// Report, meeting or letter.
        kind: DutyType,
        /// The unit that owes it.
        unit: UnitId,
        /// The named owner, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<PersonId>,
        /// The period key.
        key: String,
        /// The days reported on.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        period: Option<(NaiveDate, NaiveDate)>,
        /// The due date.
        due_date: NaiveDate,
        /// The due instant (the end of that working day).
        due: DateTime<Utc>,
        /// The role that must sign.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signer: Option<Role>,
        /// Whether the statistics table is what is submitted.
        #[serde(default)]
        statistics: bool,
        /// The campaign it belongs to.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        campaign: Option<String>,
    },
    /// It was submitted.
    Submitted {
        /// The submission.
        submission: Submission,
    },
    /// It was not submitted in time and is now missed (漏报).
    Missed {
        /// When it became missed.
        at: DateTime<Utc>,
    },
    /// A rung of `[reports] ladder` fired.
    Escalated {
        /// The rung.
        rung: usize,
        /// When.
        at: DateTime<Utc>,
    },
}

/// A command on a duty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum DutyCommand {
    /// Submit it.
    Submit {
        /// The documents: at least one.
        attachments: Vec<Attachment>,
        /// Who signed, when the schedule names a signer role.
        #[serde(default)]
        signed_by: Option<PersonId>,
        /// A note.
        #[serde(default)]
        note: Option<String>,
    },
}

/// A duty as its events leave it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Duty {
    /// The tenant.
    pub tenant: TenantId,
    /// Its id (`schedule/unit/key`).
    pub id: RecordId,
    /// Events so far.
    pub version: u64,
    /// The schedule's code.
    pub schedule: String,
    /// What is owed.
    pub title: String,
    /// Report, meeting or letter.
    pub kind: DutyType,
    /// The unit that owes it.
    pub unit: UnitId,
    /// The named owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<PersonId>,
    /// The period key.
    pub key: String,
    /// The days reported on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<(NaiveDate, NaiveDate)>,
    /// The due date.
    pub due_date: NaiveDate,
    /// The clock (due at the end of the due date).
    pub clock: DutyClock,
    /// The role that must sign.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<Role>,
    /// Whether the statistics table is what is submitted.
    #[serde(default)]
    pub statistics: bool,
    /// The campaign it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    /// The submission, once made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submission: Option<Submission>,
    /// When it became missed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missed_at: Option<DateTime<Utc>>,
}

/// The id of `schedule`'s duty for `unit` in period `key`.
pub fn duty_id(schedule: &str, unit: &UnitId, key: &str) -> Result<RecordId, InputError> {
    RecordId::parse_as(&format!("{schedule}/{unit}/{key}"), "id")
}

/// The event that creates `schedule`'s duty for `unit` in `slot`.
pub fn scheduled(
    schedule: &ReportSchedule,
    unit: &UnitId,
    slot: &DutySlot,
    calendar: &Calendar,
) -> DutyEvent {
    DutyEvent::Scheduled {
        schedule: schedule.code.clone(),
        title: schedule.title.clone(),
        kind: schedule.kind,
        unit: unit.clone(),
        owner: schedule.owner.clone(),
        key: slot.key.clone(),
        period: slot.period,
        due_date: slot.due,
        due: calendar.end_of_day(slot.due),
        signer: schedule.signer,
        statistics: schedule.statistics,
        campaign: schedule.campaign.clone(),
    }
}

impl Duty {
    /// The duty its first event creates; `None` unless it is `Scheduled`.
    pub fn open(tenant: TenantId, id: RecordId, event: &DutyEvent) -> Option<Duty> {
        let DutyEvent::Scheduled {
            schedule,
            title,
            kind,
            unit,
            owner,
            key,
            period,
            due_date,
            due,
            signer,
            statistics,
            campaign,
        } = event
        else {
            return None;
        };
        Some(Duty {
            tenant,
            id,
            version: 1,
            schedule: schedule.clone(),
            title: title.clone(),
            kind: *kind,
            unit: unit.clone(),
            owner: owner.clone(),
            key: key.clone(),
            period: *period,
            due_date: *due_date,
            clock: DutyClock::new(*due),
            signer: *signer,
            statistics: *statistics,
            campaign: campaign.clone(),
            submission: None,
            missed_at: None,
        })
    }

    /// Applies a later event.
    pub fn apply(&mut self, event: &DutyEvent) {
        self.version += 1;
        match event {
            DutyEvent::Scheduled { .. } => {}
            DutyEvent::Submitted { submission } => {
                self.clock.met_at = Some(submission.at);
                self.submission = Some(submission.clone());
            }
            DutyEvent::Missed { at } => self.missed_at = Some(*at),
            DutyEvent::Escalated { rung, .. } => {
                self.clock.fired.insert(*rung);
            }
        }
    }

    /// Its status code: `submitted`, `late` (submitted after the due time), `missed` (not
    /// submitted and past `missed_after`), `overdue` (past due at `now`) or `due`.
    pub fn status_at(&self, now: DateTime<Utc>) -> &'static str {
        match &self.submission {
            Some(s) if s.late => "late",
            Some(_) => "submitted",
            None if self.missed_at.is_some() => "missed",
            None if self.clock.overdue_at(now) => "overdue",
            None => "due",
        }
    }

    /// Its row as at `now`.
    pub fn row(&self, now: DateTime<Utc>) -> RecordRow {
        RecordRow {
            tenant: self.tenant.clone(),
            kind: RecordKind::Duty,
            id: self.id.clone(),
            version: self.version,
            unit: self.unit.clone(),
            title: self.title.clone(),
            at: self.clock.due,
            status: self.status_at(now).to_owned(),
            open: self.submission.is_none(),
            late: self.clock.late() || self.clock.overdue_at(now),
            group: Some(self.schedule.clone()),
        }
    }

    /// When it becomes missed.
    pub fn misses_at(&self, policy: &ReportPolicy, calendar: &Calendar) -> DateTime<Utc> {
        calendar.add(self.clock.due, policy.missed_after)
    }

    /// When the sweep next has work: the next rung, or the moment it becomes missed; none once
    /// submitted.
    pub fn next_due(&self, policy: &ReportPolicy, calendar: &Calendar) -> Option<DateTime<Utc>> {
        if self.submission.is_some() {
            return None;
        }
        let miss = self.missed_at.is_none().then(|| self.misses_at(policy, calendar));
        [self.clock.next(&policy.ladder, calendar), miss].into_iter().flatten().min()
    }
}

/// What the sweep writes for `duty` at `now`: `Missed` once `missed_after` has passed, and
/// each rung due and not yet fired. Empty when nothing is due.
pub fn sweep(
    duty: &Duty,
    now: DateTime<Utc>,
    policy: &ReportPolicy,
    calendar: &Calendar,
) -> Vec<DutyEvent> {
    if duty.submission.is_some() {
        return Vec::new();
    }
    let mut events = Vec::new();
    if duty.missed_at.is_none() {
        let at = duty.misses_at(policy, calendar);
        if now >= at {
            events.push(DutyEvent::Missed { at });
        }
    }
    for rung in duty.clock.due_rungs(&policy.ladder, calendar, now) {
        events.push(DutyEvent::Escalated { rung, at: now });
    }
    events
}

/// Decides a command on a duty: the events it adds, or the rule or field refusing it. Pure.
pub fn decide(
    duty: &Duty,
    command: &DutyCommand,
    org: &Org,
    actor: &PersonId,
    now: DateTime<Utc>,
) -> Result<Vec<DutyEvent>, DutyError> {
    actor_within(org, actor, &duty.unit)?;
    let DutyCommand::Submit { attachments, signed_by, note } = command;
    if duty.submission.is_some() {
        return Err(refused(DutyRule::AlreadySubmitted, format!("{} was submitted", duty.id)));
    }
    if attachments.is_empty() {
        return Err(DutyError::Input(InputError::Missing { field: "attachments".into() }));
    }
    if attachments.len() > 50 {
        return Err(malformed("attachments", "more than 50 attachments"));
    }
    for (i, a) in attachments.iter().enumerate() {
        text(&format!("attachments[{i}].uri"), &a.uri, 2000)?;
        if let Some(h) = &a.sha256 {
            if h.len() != 64 || !h.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(malformed(&format!("attachments[{i}].sha256"), "is not 64 hex digits"));
            }
        }
    }
    if let Some(n) = note {
        if n.chars().count() > 4000 {
            return Err(malformed("note", "is longer than 4000 characters"));
        }
    }
    if let Some(role) = duty.signer {
        let Some(signer) = signed_by else {
            return Err(DutyError::Input(InputError::Missing { field: "signed_by".into() }));
        };
        let holds = org.find_up(&duty.unit, role).iter().any(|p| &p.id == signer);
        if !holds {
            return Err(refused(
                DutyRule::SignedByRole,
                format!("signed_by: {signer} is not the {role:?} of unit {}", duty.unit),
            ));
        }
    } else if let Some(signer) = signed_by {
        if org.person(signer).is_none() {
            return Err(DutyError::Input(InputError::Unknown {
                field: "signed_by".into(),
                value: signer.to_string(),
            }));
        }
    }
    Ok(vec![DutyEvent::Submitted {
        submission: Submission {
            at: now,
            by: actor.clone(),
            signed_by: signed_by.clone(),
            attachments: attachments
                .iter()
                .map(|a| Attachment { uri: a.uri.trim().to_owned(), sha256: a.sha256.clone() })
                .collect(),
            note: note.as_ref().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()),
            late: now > duty.clock.due,
        },
    }])
}
