//! The sweep: fire the escalation rungs that are due, each once per clock.

use chrono::{DateTime, Utc};
use tracing::Instrument;

use super::{Engine, EngineError};
use crate::escalation::plan_sweep;
use crate::model::{Grade, MessageId};
use crate::notify::{NoticeKind, Notifier};
use crate::report::LedgerRow;
use crate::store::{Commit, Due, Store, StoreError};
use crate::workflow::Event;

/// What a sweep did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Hazards examined.
    pub hazards: usize,
    /// Rungs fired.
    pub fired: usize,
    /// Outbox messages written.
    pub messages: usize,
    /// Commits retried because another sweeper or command got there first.
    pub conflicts: usize,
}

const ATTEMPTS: usize = 3;

impl<S: Store, N: Notifier> Engine<S, N> {
    /// Fires every escalation rung due now, across tenants. Reads due clocks page by page, so
    /// memory stays bounded whatever the count. Each hazard's rungs are written as `Escalated`
    /// events with their outbox messages in one commit at the expected version; a concurrent
    /// sweeper's commit makes ours conflict, and the reloaded hazard then has nothing left to
    /// fire. Running it twice, or in two tasks at once, fires nothing twice. Messages to one
    /// person from one sweep form one digest.
    pub async fn sweep(&self) -> Result<SweepReport, EngineError> {
        let now = self.clock.now();
        let span = tracing::info_span!("sweep", at = %now, fired = tracing::field::Empty);
        async {
            let sweep_id = MessageId::new_at(now);
            let mut report = SweepReport::default();
            let mut after: Option<Due> = None;
            loop {
                let page = self.store.due(now, after.as_ref(), self.tuning.sweep_page).await?;
                for due in &page {
                    self.sweep_one(due, now, sweep_id, &mut report).await?;
                }
                if page.len() < self.tuning.sweep_page {
                    break;
                }
                after = page.last().cloned();
            }
            tracing::Span::current().record("fired", report.fired);
            Ok(report)
        }
        .instrument(span)
        .await
    }

    async fn sweep_one(
        &self,
        due: &Due,
        now: DateTime<Utc>,
        sweep_id: MessageId,
        report: &mut SweepReport,
    ) -> Result<(), EngineError> {
        let org = match self.org(&due.tenant) {
            Ok(org) => org,
            Err(e) => {
                tracing::warn!(tenant = %due.tenant, "sweep skips a tenant without organisation");
                return Err(e);
            }
        };
        report.hazards += 1;
        for _ in 0..ATTEMPTS {
            let loaded = self.load(&due.tenant, due.hazard).await?;
            let hazard = loaded.hazard;
            let grade = hazard.stage.registration().map_or(Grade::General, |r| r.grade);
            let planned = if hazard.paused.is_some() {
                Vec::new()
            } else {
                let policy = &self.policy;
                plan_sweep(
                    now,
                    &hazard.clocks,
                    grade,
                    &hazard.fired,
                    policy.ladders(),
                    policy.calendar(),
                )
            };
            let group = format!("sweep:{sweep_id}");
            let mut outbox = Vec::new();
            for e in &planned {
                let notice = self.notice(
                    &hazard,
                    NoticeKind::from(e.action),
                    Some((e.key.clock, e.key.due)),
                    None,
                );
                outbox.extend(self.address(&hazard, &org, &e.to, notice, &group, now));
            }
            let events: Vec<Event> = planned
                .iter()
                .map(|e| Event::Escalated { escalation: e.clone(), at: now })
                .collect();
            let fired = events.len();
            let (after, records) = if events.is_empty() {
                (hazard.clone(), Vec::new())
            } else {
                self.record(
                    &due.tenant,
                    due.hazard,
                    Some(hazard.clone()),
                    events,
                    now,
                    loaded.head,
                )?
            };
            let messages = outbox.len();
            let commit = Commit {
                tenant: due.tenant.clone(),
                hazard: due.hazard,
                expected_version: loaded.version,
                events: records,
                ledger: LedgerRow::from_hazard(&after, now),
                next_due: self.next_due(&after),
                state: after.clone(),
                outbox,
                idempotency: None,
            };
            match self.store.commit(commit).await {
                Ok(()) => {
                    report.fired += fired;
                    report.messages += messages;
                    return Ok(());
                }
                Err(StoreError::Conflict { .. }) => report.conflicts += 1,
                Err(e) => return Err(e.into()),
            }
        }
        // Still contended after retries: leave it for the next sweep, which fires what is left.
        Ok(())
    }
}
