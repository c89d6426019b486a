//! The sweep of records: incident reports due or missed, report duties due, overdue or
//! missed. Each record commits on its own at its expected version, so two sweepers never fire
//! a rung twice.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Loaded;
use crate::duty::{
    sweep_duty, sweep_incident, Duty, DutyEvent, Incident, IncidentEvent, Record, RecordDue,
    RecordKind, RecordRef,
};
use crate::engine::{Engine, EngineError};
use crate::escalation::Rung;
use crate::model::{HazardId, MessageId, Named, PersonId, UnitId};
use crate::notify::{compose, Notice, NoticeKind, Notifier};
use crate::org::Org;
use crate::store::{OutboxMessage, RecordStore, StoreError};

/// What a sweep of records did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordSweepReport {
    /// Records examined.
    pub records: usize,
    /// Rungs fired.
    pub fired: usize,
    /// Duties marked missed (漏报).
    pub missed: usize,
    /// Messages queued.
    pub messages: usize,
    /// Records another sweeper or command changed first (left for the next sweep).
    pub conflicts: usize,
    /// Records of tenants this engine has not loaded (left for an engine that has).
    pub other_tenants: usize,
}

/// What one rung of one record says, to whom.
struct Firing<'a> {
    rung: &'a Rung,
    what: String,
    due: DateTime<Utc>,
}

impl<S: RecordStore, N: Notifier> Engine<S, N> {
    /// Fires the due rungs of incidents and report duties and marks missed duties, across
    /// tenants, page by page.
    pub async fn sweep_records(&self) -> Result<RecordSweepReport, EngineError> {
        let now = self.clock.now();
        let sweep_id = MessageId::new_at(now);
        let mut report = RecordSweepReport::default();
        let mut after: Option<RecordDue> = None;
        loop {
            let page = self.store.records_due(now, after.as_ref(), self.tuning.sweep_page).await?;
            for due in &page {
                report.records += 1;
                let Ok(org) = self.org(&due.tenant) else {
                    report.other_tenants += 1;
                    continue;
                };
                let done = match due.kind {
                    RecordKind::Incident => self.sweep_incident(due, &org, now, sweep_id).await,
                    RecordKind::Duty => self.sweep_duty(due, &org, now, sweep_id).await,
                };
                match done {
                    Ok((fired, missed, messages)) => {
                        report.fired += fired;
                        report.missed += missed;
                        report.messages += messages;
                    }
                    Err(EngineError::Conflict { .. }) => report.conflicts += 1,
                    Err(e) => return Err(e),
                }
            }
            if page.len() < self.tuning.sweep_page {
                break;
            }
            after = page.last().cloned();
        }
        Ok(report)
    }

    async fn sweep_incident(
        &self,
        due: &RecordDue,
        org: &Org,
        now: DateTime<Utc>,
        sweep_id: MessageId,
    ) -> Result<(usize, usize, usize), EngineError> {
        let loaded: Loaded<Incident> = self.load_record(&due.tenant, &due.id).await?;
        let ladder = &self.policy.incidents().ladder;
        let events = sweep_incident(&loaded.state, now, ladder, self.policy.calendar());
        let i = &loaded.state;
        let firings: Vec<Firing<'_>> = events
            .iter()
            .filter_map(|e| match e {
                IncidentEvent::Escalated { clock, rung, .. } => Some(Firing {
                    rung: ladder.get(*rung)?,
                    what: clock.name(self.lang).to_owned(),
                    due: i.clock(*clock).due,
                }),
                _ => None,
            })
            .collect();
        let whom = (&i.unit, Some(&i.opened_by));
        let notice = |f: &Firing<'_>| self.record_notice(i, NoticeKind::IncidentReportDue, f);
        let outbox = self.firings_outbox(due, org, whom, &firings, notice, now, sweep_id);
        self.commit_sweep(due, loaded, &events, outbox, firings.len(), 0).await
    }

    async fn sweep_duty(
        &self,
        due: &RecordDue,
        org: &Org,
        now: DateTime<Utc>,
        sweep_id: MessageId,
    ) -> Result<(usize, usize, usize), EngineError> {
        let loaded: Loaded<Duty> = self.load_record(&due.tenant, &due.id).await?;
        let policy = self.policy.reports();
        let events = sweep_duty(&loaded.state, now, policy, self.policy.calendar());
        let d = &loaded.state;
        let missed = events.iter().filter(|e| matches!(e, DutyEvent::Missed { .. })).count();
        let firings: Vec<Firing<'_>> = events
            .iter()
            .filter_map(|e| match e {
                DutyEvent::Escalated { rung, .. } => Some(Firing {
                    rung: policy.ladder.get(*rung)?,
                    what: format!("{}（{}）", d.kind.name(self.lang), d.key),
                    due: d.clock.due,
                }),
                _ => None,
            })
            .collect();
        let whom = (&d.unit, d.owner.as_ref());
        let notice = |f: &Firing<'_>| self.record_notice(d, NoticeKind::ReportDue, f);
        let outbox = self.firings_outbox(due, org, whom, &firings, notice, now, sweep_id);
        self.commit_sweep(due, loaded, &events, outbox, firings.len(), missed).await
    }

    #[allow(clippy::too_many_arguments)]
    fn firings_outbox<'a>(
        &self,
        due: &RecordDue,
        org: &Org,
        (unit, assignee): (&UnitId, Option<&PersonId>),
        firings: &[Firing<'a>],
        notice: impl Fn(&Firing<'a>) -> Notice,
        now: DateTime<Utc>,
        sweep_id: MessageId,
    ) -> Vec<OutboxMessage> {
        let whom = compose::Whom { tenant: &due.tenant, unit, assignee };
        let group = format!("record-sweep:{sweep_id}");
        firings
            .iter()
            .flat_map(|f| compose::address_to(&whom, org, &f.rung.to, notice(f), &group, now))
            .collect()
    }

    async fn commit_sweep<R: Record>(
        &self,
        due: &RecordDue,
        loaded: Loaded<R>,
        events: &[R::Event],
        outbox: Vec<OutboxMessage>,
        fired: usize,
        missed: usize,
    ) -> Result<(usize, usize, usize), EngineError> {
        let now = self.clock.now();
        let messages = outbox.len();
        if events.is_empty() {
            // Nothing due after all (the policy changed): store the new due time only by
            // leaving it; the next command on the record recomputes it.
            return Ok((0, 0, 0));
        }
        let (commit, _) =
            self.record_commit(&due.tenant, &due.id, Some(loaded), events, now, outbox)?;
        match self.store.commit_record(commit).await {
            Ok(()) => Ok((fired, missed, messages)),
            Err(StoreError::Conflict { expected, actual }) => {
                Err(EngineError::Conflict { expected, actual })
            }
            Err(e) => Err(e.into()),
        }
    }

    fn record_notice<R: RecordTitle>(&self, r: &R, kind: NoticeKind, f: &Firing<'_>) -> Notice {
        let (reference, title, location) = r.titled();
        let kind = match f.rung.action {
            crate::escalation::Action::Remind => NoticeKind::Reminder,
            _ => kind,
        };
        Notice {
            kind,
            hazard: HazardId(uuid::Uuid::nil()),
            number: None,
            title,
            location,
            stage: crate::workflow::StageKind::Discovered,
            clock: None,
            due: Some(f.due),
            note: Some(f.what.clone()),
            occurrence: None,
            record: Some(reference),
        }
    }
}

/// What a notice says a record is.
trait RecordTitle {
    fn titled(&self) -> (RecordRef, String, String);
}

impl RecordTitle for Incident {
    fn titled(&self) -> (RecordRef, String, String) {
        let location =
            if self.location.is_empty() { self.unit.to_string() } else { self.location.clone() };
        (
            RecordRef { kind: RecordKind::Incident, id: self.id.clone() },
            self.title.clone(),
            location,
        )
    }
}

impl RecordTitle for Duty {
    fn titled(&self) -> (RecordRef, String, String) {
        (
            RecordRef { kind: RecordKind::Duty, id: self.id.clone() },
            self.title.clone(),
            self.unit.to_string(),
        )
    }
}
