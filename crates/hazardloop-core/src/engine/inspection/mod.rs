//! The engine's inspections: templates and plans (kept as tenant documents), generating
//! occurrences, performing them (a completion and the hazards its findings raise commit
//! together), the missed/overdue sweep, queries and statistics.
//!
//! - `mod.rs`: the reports and outcomes, templates, plans and generation;
//! - `perform.rs`: `inspect`, and building an occurrence's commit with its findings' hazards;
//! - `sweep.rs`: the missed/overdue sweep and its notices;
//! - `query.rs`: reading occurrences, `due_for`, `verify_occurrence`, statistics.

use chrono::NaiveDate;

use crate::engine::{Engine, EngineError};
use crate::inspection::{
    self, InspectionError, InspectionPlan, OccurrenceEvent, OccurrenceId, OccurrenceRecord, Plans,
    Scheduled, Status, Template, TemplateRef,
};
use crate::model::{HazardId, InputError, TenantId};
use crate::notify::Notifier;
use crate::store::{InspectionStore, StoreError};

mod perform;
mod query;
mod sweep;

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
    /// Occurrences left for an engine that has their tenant's organisation loaded (this one
    /// has not): a store shared by several schools' engines keeps them due for theirs.
    pub other_tenants: usize,
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
}

fn corrupt(name: &str, e: &serde_json::Error) -> EngineError {
    EngineError::Store(StoreError::Corrupt(format!("document {name}: {e}")))
}
