//! The missed/overdue sweep of occurrences.

use chrono::{DateTime, Utc};

use super::InspectionSweepReport;
use crate::engine::{Engine, EngineError};
use crate::inspection::{self, OccurrenceEvent};
use crate::model::MessageId;
use crate::notify::{compose, NoticeKind, Notifier};
use crate::store::{InspectionStore, OccurrenceDue, StoreError};

impl<S: InspectionStore, N: Notifier> Engine<S, N> {
    /// Marks missed occurrences and fires the inspection ladder's due rungs, across tenants,
    /// page by page. Each occurrence commits on its own at its expected version, so two
    /// sweepers never mark or fire anything twice. An occurrence of a tenant whose
    /// organisation this engine has not loaded is left, untouched and still due, for an engine
    /// that has (counted in `other_tenants`).
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
        let Ok(org) = self.org(&due.tenant) else {
            tracing::debug!(tenant = %due.tenant, "inspection sweep leaves another tenant's occurrence");
            report.other_tenants += 1;
            return Ok(());
        };
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
                    // Roles resolve from the inspector's own unit: `unit_head` is the
                    // inspector's head, the safety office and principal those of their school.
                    let unit = org
                        .person(&occurrence.inspector)
                        .map_or(&occurrence.scheduled.unit, |p| &p.unit);
                    let whom = compose::Whom {
                        tenant: &due.tenant,
                        unit,
                        assignee: Some(&occurrence.inspector),
                    };
                    let group = format!("inspection-sweep:{sweep_id}");
                    outbox.extend(compose::address_to(&whom, &org, &r.to, notice, &group, now));
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
}
