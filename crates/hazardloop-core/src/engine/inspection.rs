//! The engine's inspections: templates and plans (kept as tenant documents), generating
//! occurrences, performing them (a completion and the hazards its findings raise commit
//! together), the missed/overdue sweep, queries and statistics.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::{fold_decided, Engine, EngineError};
use crate::chain::ChainHash;
use crate::inspection::{
    self, InspectionCommand, InspectionContext, InspectionError, InspectionLine, InspectionPlan,
    Occurrence, OccurrenceEvent, OccurrenceId, OccurrenceQuery, OccurrenceRecord, OccurrenceRow,
    Plans, Scheduled, Status, Template, TemplateRef,
};
use crate::model::{Actor, HazardId, InputError, Lang, MessageId, TenantId};
use crate::notify::{compose, Notice, NoticeKind, Notifier};
use crate::org::Org;
use crate::report::Bounds;
use crate::store::{
    Commit, InspectionStore, OccurrenceCommit, OccurrenceDue, OutboxMessage, StoreError,
};
use crate::workflow::{Command, Context, Discover, Event};

const TEMPLATES: &str = "inspection.templates";
const PLANS: &str = "inspection.plans";
/// Occurrences scheduled per store call.
const SCHEDULE_BATCH: usize = 512;

fn template_doc(r: &TemplateRef) -> String {
    format!("inspection.template.{r}")
}

/// What importing a template did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TemplateImport {
    /// A new code or version was stored.
    New,
    /// The same code and version with the same content was already stored.
    Unchanged,
}

/// What generating did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GenerateReport {
    /// Occurrences the plans call for in the horizon.
    pub considered: usize,
    /// Of those, newly stored (the rest existed).
    pub created: usize,
    /// Units where nobody holds the plan's inspector role (none scheduled there).
    pub unassigned: usize,
}

/// What a command on an occurrence did.
#[derive(Clone, Debug, PartialEq)]
pub struct InspectionOutcome {
    /// The occurrence.
    pub occurrence: OccurrenceId,
    /// Its version after.
    pub version: u64,
    /// Where it is now.
    pub status: Status,
    /// The events written.
    pub events: Vec<OccurrenceRecord>,
    /// The hazards raised from its findings (on completion), with the items.
    pub hazards: Vec<(String, HazardId)>,
}

/// What an inspection sweep did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InspectionSweepReport {
    /// Occurrences examined.
    pub occurrences: usize,
    /// Marked missed (漏检).
    pub missed: usize,
    /// Rungs fired.
    pub fired: usize,
    /// Outbox messages written.
    pub messages: usize,
    /// Commits another process made first (what was left is done by the next sweep).
    pub conflicts: usize,
}

impl<S: InspectionStore, N: Notifier> Engine<S, N> {
    /// Stores a checklist template. A template is never edited in place: storing the same code
    /// and version with other content is refused (make a new version); the same content again
    /// changes nothing.
    pub async fn import_template(
        &self,
        tenant: &TenantId,
        template: Template,
    ) -> Result<TemplateImport, EngineError> {
        template.validate(self.policy.matrix()).map_err(InspectionError::Input)?;
        let reference = template.reference();
        if let Some(stored) = self.template(tenant, &reference).await? {
            if stored == template {
                return Ok(TemplateImport::Unchanged);
            }
            return Err(InspectionError::Refused {
                rule: inspection::InspectionRule::TemplateVersioned,
                reason: format!(
                    "{reference} is stored with other content; import it as version {}",
                    reference.version + 1
                ),
            }
            .into());
        }
        let body =
            serde_json::to_string(&template).map_err(|e| StoreError::Backend(e.to_string()))?;
        self.store.put_document(tenant, &template_doc(&reference), &body).await?;
        let mut refs = self.templates(tenant).await?;
        refs.push(reference);
        refs.sort();
        let index = serde_json::to_string(&refs).map_err(|e| StoreError::Backend(e.to_string()))?;
        self.store.put_document(tenant, TEMPLATES, &index).await?;
        Ok(TemplateImport::New)
    }

    /// The stored templates' codes and versions.
    pub async fn templates(&self, tenant: &TenantId) -> Result<Vec<TemplateRef>, EngineError> {
        match self.store.document(tenant, TEMPLATES).await? {
            None => Ok(Vec::new()),
            Some(text) => serde_json::from_str(&text).map_err(|e| corrupt(TEMPLATES, &e)),
        }
    }

    /// A stored template.
    pub async fn template(
        &self,
        tenant: &TenantId,
        reference: &TemplateRef,
    ) -> Result<Option<Template>, EngineError> {
        let name = template_doc(reference);
        match self.store.document(tenant, &name).await? {
            None => Ok(None),
            Some(text) => serde_json::from_str(&text).map(Some).map_err(|e| corrupt(&name, &e)),
        }
    }

    /// The tenant's plans.
    pub async fn plans(&self, tenant: &TenantId) -> Result<Plans, EngineError> {
        match self.store.document(tenant, PLANS).await? {
            None => Ok(Plans::default()),
            Some(text) => serde_json::from_str(&text).map_err(|e| corrupt(PLANS, &e)),
        }
    }

    /// Replaces the tenant's plans, after checking each against the organisation and the
    /// stored templates (errors name `plans[i].…`).
    pub async fn set_plans(&self, tenant: &TenantId, plans: Plans) -> Result<(), EngineError> {
        let org = self.org(tenant)?;
        plans.validate(&org).map_err(InspectionError::Input)?;
        let known = self.templates(tenant).await?;
        for (i, plan) in plans.plans.iter().enumerate() {
            if !known.contains(&plan.template) {
                return Err(InspectionError::Input(InputError::Unknown {
                    field: format!("plans[{i}].template"),
                    value: plan.template.to_string(),
                })
                .into());
            }
        }
        let body = serde_json::to_string(&plans).map_err(|e| StoreError::Backend(e.to_string()))?;
        self.store.put_document(tenant, PLANS, &body).await?;
        Ok(())
    }

    /// Adds a plan; a plan with the same id is refused (naming `id`).
    pub async fn add_plan(
        &self,
        tenant: &TenantId,
        plan: InspectionPlan,
    ) -> Result<(), EngineError> {
        let mut plans = self.plans(tenant).await?;
        if plans.plans.iter().any(|p| p.id == plan.id) {
            return Err(InspectionError::Input(InputError::Malformed {
                field: "id".into(),
                reason: format!("a plan `{}` exists already", plan.id),
            })
            .into());
        }
        let org = self.org(tenant)?;
        plan.validate(&org).map_err(InspectionError::Input)?;
        if !self.templates(tenant).await?.contains(&plan.template) {
            let value = plan.template.to_string();
            return Err(InspectionError::Input(InputError::Unknown {
                field: "template".into(),
                value,
            })
            .into());
        }
        plans.plans.push(plan);
        self.set_plans(tenant, plans).await
    }

    /// Generates the occurrences of every plan of `tenant` whose first day lies in
    /// `from..=to`. Idempotent: an occurrence already stored is left as it is, so running it
    /// again, or in two processes at once, stores each occurrence once.
    pub async fn generate(
        &self,
        tenant: &TenantId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<GenerateReport, EngineError> {
        let org = self.org(tenant)?;
        let plans = self.plans(tenant).await?;
        let now = self.clock.now();
        let calendar = self.policy.calendar();
        let mut report = GenerateReport::default();
        let mut batch = Vec::with_capacity(SCHEDULE_BATCH);
        for plan in &plans.plans {
            let start = from.max(plan.start);
            let end = plan.end.map_or(to, |e| e.min(to));
            let slots = inspection::slots(
                &plan.cadence,
                &plan.window,
                plan.skip_vacations,
                calendar,
                start,
                end,
            );
            for slot in slots {
                for unit in &plan.units {
                    let Some(inspector) = plan.inspector_of(&org, unit) else {
                        report.unassigned += 1;
                        continue;
                    };
                    report.considered += 1;
                    let scheduled = Scheduled {
                        plan: plan.id.clone(),
                        title: plan.title.clone(),
                        template: plan.template.clone(),
                        unit: unit.clone(),
                        location: plan.location.clone(),
                        inspector,
                        slot: slot.clone(),
                        late_allowed: plan.late_allowed,
                        source: plan.finding_source(),
                    };
                    let id = OccurrenceId::of(&plan.id, unit, &slot.period);
                    let events =
                        vec![OccurrenceEvent::Scheduled { scheduled: Box::new(scheduled) }];
                    batch.push(self.occurrence_commit(
                        tenant,
                        id,
                        None,
                        events,
                        now,
                        Vec::new(),
                        Vec::new(),
                    )?);
                    if batch.len() == SCHEDULE_BATCH {
                        report.created += self.store.schedule(std::mem::take(&mut batch)).await?;
                    }
                }
            }
        }
        if !batch.is_empty() {
            report.created += self.store.schedule(batch).await?;
        }
        Ok(report)
    }

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

    /// Marks missed occurrences and fires the inspection ladder's due rungs, across tenants,
    /// page by page. Each occurrence commits on its own at its expected version, so two
    /// sweepers never mark or fire anything twice.
    pub async fn sweep_inspections(&self) -> Result<InspectionSweepReport, EngineError> {
        let now = self.clock.now();
        let sweep_id = MessageId::new_at(now);
        let mut report = InspectionSweepReport::default();
        let mut after: Option<OccurrenceDue> = None;
        loop {
            let page =
                self.store.occurrences_due(now, after.as_ref(), self.tuning.sweep_page).await?;
            for due in &page {
                report.occurrences += 1;
                self.sweep_occurrence(due, now, sweep_id, &mut report).await?;
            }
            if page.len() < self.tuning.sweep_page {
                break;
            }
            after = page.last().cloned();
        }
        Ok(report)
    }

    async fn sweep_occurrence(
        &self,
        due: &OccurrenceDue,
        now: DateTime<Utc>,
        sweep_id: MessageId,
        report: &mut InspectionSweepReport,
    ) -> Result<(), EngineError> {
        let org = self.org(&due.tenant)?;
        let (occurrence, head) = self.load_occurrence(&due.tenant, &due.occurrence).await?;
        let policy = self.policy.inspections();
        let events = inspection::sweep(&occurrence, now, policy, self.policy.calendar());
        let missed = events.iter().filter(|e| matches!(e, OccurrenceEvent::Missed { .. })).count();
        let mut outbox = Vec::new();
        let mut fired = 0;
        for e in &events {
            if let OccurrenceEvent::Escalated { rung, .. } = e {
                if let Some(r) = policy.ladder.get(*rung) {
                    fired += 1;
                    let kind = if missed > 0 || occurrence.missed_at.is_some() {
                        NoticeKind::InspectionMissed
                    } else {
                        NoticeKind::from(r.action)
                    };
                    let notice = self.occurrence_notice(&occurrence, kind);
                    let whom = compose::Whom {
                        tenant: &due.tenant,
                        unit: &occurrence.scheduled.unit,
                        assignee: Some(&occurrence.inspector),
                    };
                    let group = format!("inspection-sweep:{sweep_id}");
                    outbox.extend(compose::address_to(&whom, &org, &r.to, &notice, &group, now));
                }
            }
        }
        let messages = outbox.len();
        let commit = self.occurrence_commit(
            &due.tenant,
            due.occurrence.clone(),
            Some((occurrence, head)),
            events,
            now,
            outbox,
            Vec::new(),
        )?;
        match self.store.commit_occurrence(commit).await {
            Ok(()) => {
                report.missed += missed;
                report.fired += fired;
                report.messages += messages;
                Ok(())
            }
            // Another sweeper or command got there first; what is left goes to the next sweep.
            Err(StoreError::Conflict { .. }) => {
                report.conflicts += 1;
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// An occurrence as it stands.
    pub async fn occurrence(
        &self,
        tenant: &TenantId,
        id: &OccurrenceId,
    ) -> Result<Option<Occurrence>, EngineError> {
        Ok(self.store.occurrence(tenant, id).await?.map(|(o, _)| o))
    }

    /// Occurrence rows of `tenant` matching `query`.
    pub async fn occurrences(
        &self,
        tenant: &TenantId,
        query: &OccurrenceQuery,
    ) -> Result<Vec<OccurrenceRow>, EngineError> {
        Ok(self.store.occurrences(tenant, query).await?)
    }

    /// What `person` must do on the local date `day`: their occurrences open that day and not
    /// yet completed, and older ones still overdue.
    pub async fn due_for(
        &self,
        tenant: &TenantId,
        person: &crate::model::PersonId,
        day: NaiveDate,
    ) -> Result<Vec<OccurrenceRow>, EngineError> {
        let now = self.clock.now();
        // A window closes well within a year of its due time; older rows cannot be open.
        let query = OccurrenceQuery {
            inspector: Some(person.clone()),
            due_from: Some(now - chrono::Duration::days(366)),
            ..OccurrenceQuery::default()
        };
        let rows = self.store.occurrences(tenant, &query).await?;
        Ok(rows
            .into_iter()
            .filter(|r| r.completed_at.is_none() && !r.excused && r.missed_at.is_none())
            .filter(|r| r.first_day <= day && now < r.closes)
            .collect())
    }

    /// Checks an occurrence's chain and that its stored state is what its events fold to.
    pub async fn verify_occurrence(
        &self,
        tenant: &TenantId,
        id: &OccurrenceId,
    ) -> Result<(), EngineError> {
        let records = self.store.occurrence_events(tenant, id).await?;
        if records.is_empty() {
            return Err(EngineError::OccurrenceNotFound {
                tenant: tenant.clone(),
                occurrence: id.clone(),
            });
        }
        let broken = |seq, reason: String| EngineError::OccurrenceChain {
            occurrence: id.clone(),
            seq,
            reason,
        };
        inspection::verify(tenant, id, &records)
            .map_err(|(seq, reason)| broken(seq, reason.into()))?;
        let folded = Occurrence::fold(id.clone(), tenant.clone(), records.iter().map(|r| &r.event))
            .map_err(|reason| broken(records.len() as u64, reason))?;
        let stored = self.store.occurrence(tenant, id).await?.map(|(o, _)| o);
        if stored.as_ref() != Some(&folded) {
            return Err(broken(
                records.len() as u64,
                "the stored state differs from its events".into(),
            ));
        }
        Ok(())
    }

    /// The inspection statistics of `tenant` for occurrences due in `bounds`, per unit, rolled
    /// up the organisation, as they stand now.
    pub async fn inspection_statistics(
        &self,
        tenant: &TenantId,
        bounds: Bounds,
    ) -> Result<Vec<InspectionLine>, EngineError> {
        let org = self.org(tenant)?;
        let query = OccurrenceQuery {
            due_from: Some(bounds.0),
            due_to: Some(bounds.1),
            ..OccurrenceQuery::default()
        };
        let rows = self.store.occurrences(tenant, &query).await?;
        Ok(inspection::statistics(&rows, &org, bounds, self.clock.now()))
    }

    async fn load_occurrence(
        &self,
        tenant: &TenantId,
        id: &OccurrenceId,
    ) -> Result<(Occurrence, ChainHash), EngineError> {
        self.store.occurrence(tenant, id).await?.ok_or_else(|| EngineError::OccurrenceNotFound {
            tenant: tenant.clone(),
            occurrence: id.clone(),
        })
    }

    /// Chains `events` onto `loaded` (or a new occurrence) and builds its commit.
    #[allow(clippy::too_many_arguments)]
    fn occurrence_commit(
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
        };
        let command = match answer.and_then(|a| a.fixed_on_the_spot.clone()) {
            Some(measures) => Command::FixOnTheSpot {
                discover,
                category: item.category.clone(),
                assessment: None,
                measures,
                evidence,
            },
            None => Command::Discover(discover),
        };
        let ctx = Context { now, actor, policy: &self.policy, org };
        let mut events = crate::workflow::decide(None, command, &ctx)?;
        let link = inspection::FindingRef {
            occurrence: occurrence.id.clone(),
            item: finding.item.clone(),
        };
        for e in &mut events {
            if let Event::Discovered { facts } = e {
                facts.finding = Some(link.clone());
            }
        }
        let after = fold_decided(None, finding.hazard, &events)?;
        let mut prev = ChainHash::default();
        let mut records = Vec::with_capacity(events.len());
        for (i, event) in events.into_iter().enumerate() {
            let r = crate::chain::Recorded::new(
                actor.tenant.clone(),
                finding.hazard,
                i as u64 + 1,
                now,
                event,
                prev,
            );
            prev = r.hash;
            records.push(r);
        }
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
                    &notice,
                    &group,
                    now,
                ));
            }
        }
        out
    }

    fn occurrence_notice(&self, occurrence: &Occurrence, kind: NoticeKind) -> Notice {
        let s = &occurrence.scheduled;
        Notice {
            kind,
            hazard: HazardId(uuid::Uuid::nil()),
            title: s.title.clone(),
            location: if s.location.is_empty() { s.unit.to_string() } else { s.location.clone() },
            stage: crate::workflow::StageKind::Discovered,
            clock: None,
            due: Some(s.slot.due),
            note: None,
            occurrence: Some(occurrence.id.clone()),
        }
    }
}

fn corrupt(name: &str, e: &serde_json::Error) -> EngineError {
    EngineError::Store(StoreError::Corrupt(format!("document {name}: {e}")))
}
