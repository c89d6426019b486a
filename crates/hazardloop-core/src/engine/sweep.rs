//! The sweep: fire the escalation rungs that are due, each once per clock.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::future::join;
use tracing::Instrument;

use super::{Engine, EngineError};
use crate::escalation::plan_sweep;
use crate::model::{Grade, HazardId, MessageId, TenantId};
use crate::notify::{compose, Notifier};
use crate::store::{Commit, Due, Snapshot, Store, StoreError};
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

/// The results of a page's commits, in the page's order, once the store has written them.
type PageResults<'a> = Pin<Box<dyn Future<Output = Vec<Result<(), StoreError>>> + Send + 'a>>;

/// A page's commits on their way to the store, with what each would fire.
struct Committing<'a> {
    dues: Vec<(Due, (usize, usize))>,
    results: PageResults<'a>,
}

/// A page's commits as they landed (or not), in the page's order.
struct Landed {
    dues: Vec<(Due, (usize, usize))>,
    results: Vec<Result<(), StoreError>>,
}

impl<'a> Committing<'a> {
    /// Hands a planned page's commits to the store (written as the future is polled).
    fn start<S: Store, N: Notifier>(
        engine: &'a Engine<S, N>,
        planned: Vec<(Due, Planned)>,
    ) -> Self {
        let mut dues = Vec::with_capacity(planned.len());
        let mut commits = Vec::with_capacity(planned.len());
        for (due, p) in planned {
            dues.push((due, (p.fired, p.messages)));
            commits.push(p.commit);
        }
        Committing { dues, results: Box::pin(engine.store.commit_many(commits)) }
    }

    /// Waits for the page's commits, if a page is on its way.
    async fn finish(this: Option<Self>) -> Option<Landed> {
        let this = this?;
        Some(Landed { dues: this.dues, results: this.results.await })
    }
}

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
            // A page is planned while the page before it commits: the store writes one page
            // (on its writer, or over the network) while the engine reads and decides the next.
            let mut committing: Option<Committing<'_>> = None;
            loop {
                let page = self.store.due(now, after.as_ref(), self.tuning.sweep_page).await?;
                let last = page.len() < self.tuning.sweep_page;
                after = page.last().cloned();
                let (planned, landed) = join(
                    self.plan_page(page, now, sweep_id, &mut report),
                    Committing::finish(committing.take()),
                )
                .await;
                if let Some(landed) = landed {
                    self.settle_page(landed, now, sweep_id, &mut report).await?;
                }
                let planned = planned?;
                committing = Some(Committing::start(self, planned));
                if last {
                    break;
                }
            }
            if let Some(landed) = Committing::finish(committing).await {
                self.settle_page(landed, now, sweep_id, &mut report).await?;
            }
            tracing::Span::current().record("fired", report.fired);
            Ok(report)
        }
        .instrument(span)
        .await
    }

    /// Plans every hazard of a page (their snapshots read in one go).
    async fn plan_page(
        &self,
        page: Vec<Due>,
        now: DateTime<Utc>,
        sweep_id: MessageId,
        report: &mut SweepReport,
    ) -> Result<Vec<(Due, Planned)>, EngineError> {
        let (mine, others): (Vec<Due>, Vec<Due>) =
            page.into_iter().partition(|due| self.org(&due.tenant).is_ok());
        report.other_tenants += others.len();
        report.hazards += mine.len();
        let keys: Vec<(TenantId, HazardId)> =
            mine.iter().map(|d| (d.tenant.clone(), d.hazard)).collect();
        let snapshots = self.store.snapshot_many(&keys).await?;
        let mut planned = Vec::with_capacity(mine.len());
        for (due, snapshot) in mine.into_iter().zip(snapshots) {
            let snapshot = snapshot.ok_or_else(|| EngineError::NotFound {
                tenant: due.tenant.clone(),
                hazard: due.hazard,
            })?;
            let plan = self.plan_loaded(&due, snapshot, now, sweep_id)?;
            planned.push((due, plan));
        }
        Ok(planned)
    }

    /// Counts what a page's commits fired, and retries the conflicted ones on their own.
    async fn settle_page(
        &self,
        landed: Landed,
        now: DateTime<Utc>,
        sweep_id: MessageId,
        report: &mut SweepReport,
    ) -> Result<(), EngineError> {
        for ((due, (fired, messages)), result) in landed.dues.into_iter().zip(landed.results) {
            match result {
                Ok(()) => {
                    report.fired += fired;
                    report.messages += messages;
                }
                Err(StoreError::Conflict { .. }) => {
                    report.conflicts += 1;
                    self.sweep_one(&due, now, sweep_id, report).await?;
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
                Ok(_) => {
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
        let snapshot = self.store.snapshot(&due.tenant, due.hazard).await?.ok_or_else(|| {
            EngineError::NotFound { tenant: due.tenant.clone(), hazard: due.hazard }
        })?;
        self.plan_loaded(due, snapshot, now, sweep_id)
    }

    /// Builds the commit of the rungs a loaded due hazard fires now.
    fn plan_loaded(
        &self,
        due: &Due,
        snapshot: Snapshot,
        now: DateTime<Utc>,
        sweep_id: MessageId,
    ) -> Result<Planned, EngineError> {
        let org = self.org(&due.tenant)?;
        let (version, head) = (snapshot.hazard.version, snapshot.head);
        let hazard = snapshot.hazard;
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
        let (after, records) = if events.is_empty() {
            (hazard, Arc::default())
        } else {
            self.record(&due.tenant, due.hazard, Some(hazard), events, now, head, None)?
        };
        let messages = outbox.len();
        let commit = self.commit_of(&due.tenant, version, after, records, outbox, now, None);
        Ok(Planned { commit, fired, messages })
    }
}
