//! The sweep: fire the escalation rungs that are due, each once per clock.

use chrono::{DateTime, Utc};
use tracing::Instrument;

use super::{Engine, EngineError};
use crate::escalation::plan_sweep;
use crate::model::{Grade, MessageId};
use crate::notify::{compose, Notifier};
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
    /// Due hazards of tenants whose organisation this engine has not loaded: left due for the
    /// engine that serves them.
    pub other_tenants: usize,
}

const ATTEMPTS: usize = 3;

/// One hazard's part of a sweep, ready to commit.
struct Planned {
    commit: Commit,
    fired: usize,
    messages: usize,
}

impl<S: Store, N: Notifier> Engine<S, N> {
    /// Fires every escalation rung due now, across tenants. Reads due clocks page by page, so
    /// memory stays bounded whatever the count. Each hazard's rungs are written as `Escalated`
    /// events with their outbox messages in a commit of its own at the expected version, and a
    /// page's commits go to the store together ([`Store::commit_many`]: one transaction where
    /// the store can), each still landing or failing alone. A concurrent sweeper's commit makes
    /// ours conflict, and the reloaded hazard then has nothing left to fire. Running it twice,
    /// or in two tasks at once, fires nothing twice. Messages to one person from one sweep form
    /// one digest.
    pub async fn sweep(&self) -> Result<SweepReport, EngineError> {
        let now = self.clock.now();
        let span = tracing::info_span!("sweep", at = %now, fired = tracing::field::Empty);
        async {
            let sweep_id = MessageId::new_at(now);
            let mut report = SweepReport::default();
            let mut after: Option<Due> = None;
            loop {
                let page = self.store.due(now, after.as_ref(), self.tuning.sweep_page).await?;
                self.sweep_page(&page, now, sweep_id, &mut report).await?;
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

    /// Plans every hazard of a page, commits them together, and retries the conflicted ones
    /// on their own.
    async fn sweep_page(
        &self,
        page: &[Due],
        now: DateTime<Utc>,
        sweep_id: MessageId,
        report: &mut SweepReport,
    ) -> Result<(), EngineError> {
        let mut planned = Vec::with_capacity(page.len());
        for due in page {
            if self.org(&due.tenant).is_err() {
                report.other_tenants += 1;
                continue;
            }
            report.hazards += 1;
            planned.push((due, self.plan_one(due, now, sweep_id).await?));
        }
        let (dues, plans): (Vec<&Due>, Vec<Planned>) = planned.into_iter().unzip();
        let counts: Vec<(usize, usize)> = plans.iter().map(|p| (p.fired, p.messages)).collect();
        let results = self.store.commit_many(plans.into_iter().map(|p| p.commit).collect()).await;
        for ((due, (fired, messages)), result) in dues.into_iter().zip(counts).zip(results) {
            match result {
                Ok(()) => {
                    report.fired += fired;
                    report.messages += messages;
                }
                Err(StoreError::Conflict { .. }) => {
                    report.conflicts += 1;
                    self.sweep_one(due, now, sweep_id, report).await?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Sweeps one hazard alone, after its commit in a page conflicted.
    async fn sweep_one(
        &self,
        due: &Due,
        now: DateTime<Utc>,
        sweep_id: MessageId,
        report: &mut SweepReport,
    ) -> Result<(), EngineError> {
        for _ in 1..ATTEMPTS {
            let planned = self.plan_one(due, now, sweep_id).await?;
            match self.store.commit(planned.commit).await {
                Ok(()) => {
                    report.fired += planned.fired;
                    report.messages += planned.messages;
                    return Ok(());
                }
                Err(StoreError::Conflict { .. }) => report.conflicts += 1,
                Err(e) => return Err(e.into()),
            }
        }
        // Still contended after retries: leave it for the next sweep, which fires what is left.
        Ok(())
    }

    /// Loads a due hazard and builds the commit of the rungs it fires now.
    async fn plan_one(
        &self,
        due: &Due,
        now: DateTime<Utc>,
        sweep_id: MessageId,
    ) -> Result<Planned, EngineError> {
        let org = self.org(&due.tenant)?;
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
            outbox.extend(compose::for_escalation(&hazard, e, &org, &group, now));
        }
        let events: Vec<Event> =
            planned.iter().map(|e| Event::Escalated { escalation: e.clone(), at: now }).collect();
        let fired = events.len();
        let version = loaded.version;
        let (after, records) = if events.is_empty() {
            (hazard, Vec::new())
        } else {
            self.record(&due.tenant, due.hazard, Some(hazard), events, now, loaded.head, None)?
        };
        let messages = outbox.len();
        let commit = Commit {
            tenant: due.tenant.clone(),
            hazard: due.hazard,
            expected_version: version,
            events: records,
            ledger: LedgerRow::from_hazard(&after, now),
            next_due: self.next_due(&after),
            state: after,
            outbox,
            idempotency: None,
            numbering: None,
        };
        Ok(Planned { commit, fired, messages })
    }
}
