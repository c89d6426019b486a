//! Performing an occurrence: `inspect`, its commit, and the hazards its findings raise.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::InspectionOutcome;
use crate::chain::ChainHash;
use crate::engine::{Engine, EngineError};
use crate::inspection::{
    self, InspectionCommand, InspectionContext, InspectionError, Occurrence, OccurrenceEvent,
    OccurrenceId, OccurrenceRow, Template,
};
use crate::model::{Actor, HazardId, InputError, Lang, TenantId};
use crate::notify::{compose, Notice, NoticeKind, Notifier};
use crate::org::Org;
use crate::store::{Commit, InspectionStore, OccurrenceCommit, OutboxMessage};
use crate::workflow::{Command, Context, Discover, Event};

impl<S: InspectionStore, N: Notifier> Engine<S, N> {
    /// Runs a command on an occurrence: authorize, decide, then one atomic commit of the
    /// occurrence's events with the hazards its findings raise.
    pub async fn inspect(
        &self,
        actor: &Actor,
        id: &OccurrenceId,
        command: InspectionCommand,
    ) -> Result<InspectionOutcome, EngineError> {
        let tenant = &actor.tenant;
        let (occurrence, head) = self.load_occurrence(tenant, id).await?;
        let template =
            self.template(tenant, &occurrence.scheduled.template).await?.ok_or_else(|| {
                InspectionError::Input(InputError::Unknown {
                    field: "template".into(),
                    value: occurrence.scheduled.template.to_string(),
                })
            })?;
        let org = self.org(tenant)?;
        let now = self.clock.now();
        let ctx = InspectionContext { now, actor, org: &org, template: &template };
        let mut ids = || HazardId::new_at(now);
        let events = inspection::decide(&occurrence, command, &ctx, &mut ids)?;
        let mut raised = Vec::new();
        let mut hazards = Vec::new();
        if let Some(OccurrenceEvent::Completed { findings, .. }) = events.last() {
            // The answers as they stand after this command's own answers.
            let mut answers = occurrence.answers.clone();
            for e in &events {
                if let OccurrenceEvent::Answered { answers: new, .. } = e {
                    for a in new {
                        answers.insert(a.item.clone(), a.clone());
                    }
                }
            }
            for finding in findings {
                let commit = self.finding_commit(
                    actor,
                    &org,
                    &occurrence,
                    &template,
                    &answers,
                    finding,
                    now,
                )?;
                raised.push((finding.item.clone(), finding.hazard));
                hazards.push(commit);
            }
        }
        let outbox = self.reassign_notice(&occurrence, &events, &org, now);
        let commit = self.occurrence_commit(
            tenant,
            id.clone(),
            Some((occurrence, head)),
            events,
            now,
            outbox,
            hazards,
        )?;
        let outcome = InspectionOutcome {
            occurrence: id.clone(),
            version: commit.state.version,
            status: commit.state.status(now),
            events: commit.events.clone(),
            hazards: raised,
        };
        self.store.commit_occurrence(commit).await?;
        Ok(outcome)
    }

    /// Chains `events` onto `loaded` (or a new occurrence) and builds its commit.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn occurrence_commit(
        &self,
        tenant: &TenantId,
        id: OccurrenceId,
        loaded: Option<(Occurrence, ChainHash)>,
        events: Vec<OccurrenceEvent>,
        now: DateTime<Utc>,
        outbox: Vec<OutboxMessage>,
        hazards: Vec<Commit>,
    ) -> Result<OccurrenceCommit, EngineError> {
        let (before, prev) =
            loaded.as_ref().map_or((0, ChainHash::default()), |(o, h)| (o.version, *h));
        let misfit = |reason: String| InspectionError::Refused {
            rule: inspection::InspectionRule::AlreadyCompleted,
            reason,
        };
        let state = match loaded {
            Some((mut o, _)) => {
                for e in &events {
                    o.apply(e).map_err(misfit)?;
                }
                o
            }
            None => Occurrence::fold(id.clone(), tenant.clone(), &events).map_err(misfit)?,
        };
        let records = inspection::chain(tenant, &id, before, prev, now, events);
        let next_due =
            inspection::next_due(&state, self.policy.inspections(), self.policy.calendar());
        Ok(OccurrenceCommit {
            tenant: tenant.clone(),
            occurrence: id,
            expected_version: before,
            row: OccurrenceRow::of(&state),
            state,
            events: records,
            next_due,
            outbox,
            hazards,
        })
    }

    /// The hazard a failed item raises: `discover` (or `fix on the spot` when the inspector
    /// fixed it at once), with the unit, location and source from the plan and the category
    /// and grade-routing from the item, linked back to the occurrence and item.
    #[allow(clippy::too_many_arguments)]
    fn finding_commit(
        &self,
        actor: &Actor,
        org: &Org,
        occurrence: &Occurrence,
        template: &Template,
        answers: &BTreeMap<String, inspection::Answer>,
        finding: &inspection::Finding,
        now: DateTime<Utc>,
    ) -> Result<Commit, EngineError> {
        let item = template.item(&finding.item).ok_or_else(|| {
            InspectionError::Input(InputError::Unknown {
                field: "item".into(),
                value: finding.item.clone(),
            })
        })?;
        let answer = answers.get(&finding.item);
        let comment = answer.map(|a| a.comment.trim()).filter(|c| !c.is_empty());
        let s = &occurrence.scheduled;
        let seen_at = answer.and_then(|a| a.location.clone()).filter(|l| !l.trim().is_empty());
        let location = if let Some(at) = seen_at {
            at
        } else if s.location.trim().is_empty() {
            org.unit(&s.unit).map(|u| u.name.clone()).unwrap_or_else(|| s.unit.to_string())
        } else {
            s.location.clone()
        };
        let title: String = item.prompt(Lang::Zh).chars().take(100).collect();
        let description = match comment {
            Some(c) => {
                format!("{}（{}）：{}。{}", s.title, s.slot.period, item.prompt(Lang::Zh), c)
            }
            None => format!("{}（{}）：{}。", s.title, s.slot.period, item.prompt(Lang::Zh)),
        };
        let evidence = answer.map(|a| a.evidence.clone()).unwrap_or_default();
        let discover = Discover {
            unit: s.unit.clone(),
            location,
            category: Some(item.category.clone()),
            title,
            description,
            source: s.source,
            discovered_at: Some(now),
            evidence: evidence.clone(),
            campaign: None,
        };
        let command = match answer.and_then(|a| a.fixed_on_the_spot.clone()) {
            Some(measures) => Command::FixOnTheSpot {
                discover: Box::new(discover),
                category: item.category.clone(),
                assessment: None,
                measures,
                evidence,
            },
            None => Command::from(discover),
        };
        let ctx = Context { now, actor, policy: &self.policy, org };
        let mut events = crate::workflow::decide(None, command, &ctx)?;
        let link = inspection::FindingRef {
            occurrence: occurrence.id.clone(),
            item: finding.item.clone(),
        };
        for e in &mut events {
            if let Event::Discovered { facts } = e {
                Arc::make_mut(facts).finding = Some(Box::new(link.clone()));
            }
        }
        let (after, records) = self.record(
            &actor.tenant,
            finding.hazard,
            None,
            events,
            now,
            ChainHash::default(),
            None,
        )?;
        Ok(self.assemble(&actor.tenant, 0, after, records, org, now, None))
    }

    /// A reassignment tells the new inspector.
    fn reassign_notice(
        &self,
        occurrence: &Occurrence,
        events: &[OccurrenceEvent],
        org: &Org,
        now: DateTime<Utc>,
    ) -> Vec<OutboxMessage> {
        let mut out = Vec::new();
        for e in events {
            if let OccurrenceEvent::Reassigned { to, reason, .. } = e {
                let mut notice =
                    self.occurrence_notice(occurrence, NoticeKind::InspectionReassigned);
                notice.note = Some(reason.clone());
                let whom = compose::Whom {
                    tenant: &occurrence.tenant,
                    unit: &occurrence.scheduled.unit,
                    assignee: Some(to),
                };
                let group = format!("inspection:{}:{}", occurrence.id, occurrence.version);
                out.extend(compose::address_to(
                    &whom,
                    org,
                    &[crate::escalation::Recipient::Assignee],
                    notice,
                    &group,
                    now,
                ));
            }
        }
        out
    }

    pub(super) fn occurrence_notice(&self, occurrence: &Occurrence, kind: NoticeKind) -> Notice {
        let s = &occurrence.scheduled;
        Notice {
            kind,
            hazard: HazardId(uuid::Uuid::nil()),
            number: None,
            title: s.title.clone(),
            location: if s.location.is_empty() { s.unit.to_string() } else { s.location.clone() },
            stage: crate::workflow::StageKind::Discovered,
            clock: None,
            due: Some(s.slot.due),
            note: None,
            occurrence: Some(occurrence.id.clone()),
            record: None,
        }
    }
}
