//! Composing and addressing notices: what a command's events and a sweep's rungs write to the
//! outbox. Who hears of a step is the policy's `[notices]`; who hears of a deadline is its
//! ladders'; both resolve roles to people here, the same way.

use chrono::{DateTime, Utc};

use crate::chain::Recorded;
use crate::deadline::ClockKind;
use crate::escalation::{Escalation, Recipient};
use crate::model::{MessageId, PersonId};
use crate::notify::{resolve, Notice, NoticeKind, Resolved};
use crate::org::Org;
use crate::policy::Notices;
use crate::store::{OutboxMessage, OutboxStatus};
use crate::workflow::{Event, Hazard};

/// The outbox messages for a command's events, as the policy's `[notices]` says (escalations
/// are the sweep's: see [`for_escalation`]). One digest group per event.
pub fn for_events(
    notices: &Notices,
    hazard: &Hazard,
    records: &[Recorded],
    org: &Org,
    now: DateTime<Utc>,
) -> Vec<OutboxMessage> {
    let mut out = Vec::new();
    for r in records {
        let Some(step) = r.event.step() else { continue };
        let to = notices.to(step);
        if to.is_empty() {
            continue;
        }
        let note = match &r.event {
            Event::AcceptanceFailed { rejection } => Some(rejection.reason.clone()),
            Event::Commented { text, .. } => Some(text.clone()),
            _ => None,
        };
        let notice = notice(hazard, NoticeKind::of_step(step), None, note);
        let group = format!("event:{}:{}", hazard.id, r.seq);
        let messages = address(hazard, org, to, notice, &group, now);
        // Most commands notify of one event: take its messages as they are, without copying.
        if out.is_empty() {
            out = messages;
        } else {
            out.extend(messages);
        }
    }
    out
}

/// The outbox messages of one fired rung, in the sweep's digest group `group`.
pub fn for_escalation(
    hazard: &Hazard,
    escalation: &Escalation,
    org: &Org,
    group: &str,
    now: DateTime<Utc>,
) -> Vec<OutboxMessage> {
    let kind = NoticeKind::from(escalation.action);
    let notice = notice(hazard, kind, Some((escalation.key.clock, escalation.key.due)), None);
    address(hazard, org, &escalation.to, notice, group, now)
}

/// A notice about `hazard` as it stands.
pub fn notice(
    hazard: &Hazard,
    kind: NoticeKind,
    clock: Option<(ClockKind, DateTime<Utc>)>,
    note: Option<String>,
) -> Notice {
    let facts = hazard.stage.facts();
    Notice {
        kind,
        hazard: hazard.id,
        number: hazard.number.clone(),
        title: facts.title.clone(),
        location: facts.location.clone(),
        stage: hazard.kind(),
        clock: clock.map(|c| c.0),
        due: clock.map(|c| c.1),
        note,
        occurrence: None,
        record: None,
    }
}

/// One outbox message per person the recipients resolve to (each person once); a role nobody
/// holds becomes a message with no recipient, dead-lettered with the reason at dispatch.
pub fn address(
    hazard: &Hazard,
    org: &Org,
    to: &[Recipient],
    notice: Notice,
    group: &str,
    now: DateTime<Utc>,
) -> Vec<OutboxMessage> {
    let registration = hazard.stage.registration();
    let unit = registration.map_or(&hazard.stage.facts().unit, |r| &r.responsible_unit);
    let assignee = registration.map(|r| &r.assignee);
    let whom = Whom { tenant: hazard.tenant(), unit, assignee };
    address_to(&whom, org, to, notice, group, now)
}

/// Whom a notice concerns: the tenant, the unit recipients are resolved from, and the person
/// `assignee` stands for (a hazard's assignee, an occurrence's inspector).
#[derive(Clone, Copy, Debug)]
pub struct Whom<'a> {
    /// The tenant.
    pub tenant: &'a crate::model::TenantId,
    /// The unit roles are resolved from.
    pub unit: &'a crate::model::UnitId,
    /// Who `Recipient::Assignee` is.
    pub assignee: Option<&'a PersonId>,
}

/// [`address`] for any record: one outbox message per person `to` resolves to for `whom`.
/// Each message carries a copy of `notice`; the last one takes it.
pub fn address_to(
    whom: &Whom<'_>,
    org: &Org,
    to: &[Recipient],
    notice: Notice,
    group: &str,
    now: DateTime<Utc>,
) -> Vec<OutboxMessage> {
    let (unit, assignee) = (whom.unit, whom.assignee);
    let mut people: Vec<PersonId> = Vec::new();
    let mut missing = Vec::new();
    for &recipient in to {
        match resolve(org, recipient, unit, assignee) {
            Resolved::People(found) => {
                for p in found {
                    if !people.contains(&p) {
                        people.push(p);
                    }
                }
            }
            Resolved::Nobody(reason) => missing.push(reason),
        }
    }
    let count = people.len() + missing.len();
    let targets = people
        .into_iter()
        .map(|p| (format!("{group}:{p}"), Some(p), None))
        .chain(missing.into_iter().map(|reason| (format!("{group}:nobody"), None, Some(reason))));
    let mut last = Some(notice);
    let mut out = Vec::with_capacity(count);
    for (i, (group, to, last_error)) in targets.enumerate() {
        let notice = if i + 1 < count { last.clone() } else { last.take() };
        let Some(notice) = notice else { break };
        out.push(OutboxMessage {
            id: MessageId::new_at(now),
            tenant: whom.tenant.clone(),
            group,
            to,
            notice,
            created_at: now,
            available_at: now,
            attempts: 0,
            last_error,
            status: OutboxStatus::Pending,
        });
    }
    out
}
