//! The command path: execute a request (load, authorize, decide, compose notices, one atomic
//! commit), replay an idempotent one, and fold decided events onto the loaded hazard.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tracing::Instrument;

use super::{Engine, EngineError, Outcome, Request};
use crate::chain::{ChainHash, Recorded};
use crate::escalation::next_fire;
use crate::model::{Actor, Grade, HazardId, TenantId};
use crate::notify::{compose, Notifier};
use crate::org::Org;
use crate::report::LedgerRow;
use crate::store::{Commit, IdempotentResult, OutboxMessage, Store};
use crate::workflow::{decide, Command, Context, Event, Hazard, StageKind};

impl<S: Store, N: Notifier> Engine<S, N> {
    /// Executes a command: load, authorize, decide, then one atomic commit.
    pub async fn execute(&self, actor: &Actor, request: Request) -> Result<Outcome, EngineError> {
        let step = request.command.step();
        let span = tracing::info_span!("execute", tenant = %actor.tenant, hazard = tracing::field::Empty,
            step = ?step, outcome = tracing::field::Empty);
        async {
            let result = self.execute_inner(actor, request).await;
            let span = tracing::Span::current();
            match &result {
                Ok(o) => {
                    span.record("hazard", tracing::field::display(o.hazard));
                    span.record("outcome", if o.replayed { "replayed" } else { "committed" });
                }
                Err(e) => {
                    span.record("outcome", tracing::field::display(e));
                }
            }
            result
        }
        .instrument(span)
        .await
    }

    /// Executes several commands on one hazard (or a new one) as one atomic commit: all land or
    /// none does. For imports and for hosts whose one user action is several steps. A batch of
    /// more than `limits.page_size` commands is refused naming the limit.
    pub async fn execute_batch(
        &self,
        actor: &Actor,
        hazard: Option<HazardId>,
        commands: Vec<Command>,
    ) -> Result<Outcome, EngineError> {
        let run = Run { target: hazard, commands, key: None, expected: None, origin: None };
        self.run(actor, run).await
    }

    async fn execute_inner(&self, actor: &Actor, request: Request) -> Result<Outcome, EngineError> {
        let run = Run {
            target: request.hazard,
            commands: vec![request.command],
            key: request.idempotency_key,
            expected: request.expected_version,
            origin: request.origin,
        };
        self.run(actor, run).await
    }

    async fn run(&self, actor: &Actor, run: Run) -> Result<Outcome, EngineError> {
        let Run { target, commands, key, expected, origin } = run;
        let tenant = &actor.tenant;
        // An idempotency key is at most a title long, a batch at most a page of commands.
        let limits = self.policy.limits();
        let sized = limits.page("commands", commands.len()).and_then(|()| match &key {
            Some(key) => limits.title("idempotency_key", key),
            None => Ok(()),
        });
        sized.map_err(crate::workflow::WorkflowError::Input)?;
        if let Some(key) = &key {
            if let Some(done) = self.store.idempotent(tenant, key).await? {
                return self.replay(tenant, done).await;
            }
        }
        for c in &commands {
            self.check_campaign_tag(tenant, c.campaign()).await?;
        }
        let org = self.org(tenant)?;
        let now = self.clock.now();
        let (hazard, id) = match target {
            Some(id) => (Some(self.load(tenant, id).await?), id),
            None => (None, HazardId::new_at(now)),
        };
        let before = hazard.as_ref().map_or(0, |h| h.version);
        if let Some(expected) = expected.filter(|v| *v != before) {
            return Err(EngineError::Stale { hazard: id, expected, actual: before });
        }
        let ctx = Context { now, actor, policy: &self.policy, org: &org };
        // Each command is decided on the state its predecessors leave. `record` folds all the
        // events once as it chains them, so the state after the last command is not folded
        // here (nor is the loaded hazard cloned for a lone command).
        let loaded = hazard.as_ref().map(|l| &l.hazard);
        let mut state: Option<Hazard> = None;
        let mut events = Vec::new();
        let last = commands.len().saturating_sub(1);
        for (i, command) in commands.into_iter().enumerate() {
            let new = decide(state.as_ref().or(loaded), command, &ctx)?;
            if i < last {
                state = Some(fold_decided(state.take().or_else(|| loaded.cloned()), id, &new)?);
            }
            events.extend(new);
        }
        let prev = hazard.as_ref().map_or(ChainHash::default(), |h| h.head);
        let (after, records) =
            self.record(tenant, id, hazard.map(|h| h.hazard), events, now, prev, origin.as_ref())?;
        let idempotency = key.map(|key| IdempotentResult {
            key,
            hazard: id,
            version: after.version,
            events: records.len() as u64,
        });
        let (version, stage) = (after.version, after.kind());
        let commit =
            self.assemble(tenant, before, after, records.clone(), &org, now, idempotency.clone());
        let mut ledger = commit.ledger.clone();
        match self.store.commit(commit).await {
            Ok(committed) => {
                // The store numbers a new hazard inside its commit and says which number.
                if committed.number.is_some() {
                    Arc::make_mut(&mut ledger).number = committed.number;
                }
                Ok(Outcome { hazard: id, version, events: records, stage, ledger, replayed: false })
            }
            // A concurrent retry with the same key landed first: return its result.
            Err(crate::store::StoreError::DuplicateKey) => match idempotency {
                Some(k) => match self.store.idempotent(tenant, &k.key).await? {
                    Some(done) => self.replay(tenant, done).await,
                    None => Err(EngineError::Store(crate::store::StoreError::DuplicateKey)),
                },
                None => Err(EngineError::Store(crate::store::StoreError::DuplicateKey)),
            },
            // Under `If-Match`, a command that landed between our load and our commit makes this
            // one stale, as if it had been seen at the load.
            Err(crate::store::StoreError::Conflict { expected: e, actual })
                if expected.is_some() =>
            {
                Err(EngineError::Stale { hazard: id, expected: e, actual })
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn replay(
        &self,
        tenant: &TenantId,
        done: IdempotentResult,
    ) -> Result<Outcome, EngineError> {
        let stored = self.store.load(tenant, done.hazard).await?;
        let history = stored.map(|r| r.events).unwrap_or_default();
        let upto: Vec<&Event> =
            history.iter().filter(|e| e.seq <= done.version).map(|e| &e.event).collect();
        // The hazard as that command left it, from its stored history.
        let mut state = Hazard::fold(done.hazard, upto)?;
        state.number = self.number_of(tenant, done.hazard).await?;
        let at = history
            .iter()
            .find(|e| e.seq == done.version)
            .map_or_else(|| self.clock.now(), |e| e.recorded_at);
        let events = history
            .into_iter()
            .filter(|e| e.seq > done.version - done.events && e.seq <= done.version)
            .collect();
        Ok(Outcome {
            hazard: done.hazard,
            version: done.version,
            events,
            stage: state.kind(),
            ledger: Arc::new(LedgerRow::from_hazard(&state, at)),
            replayed: true,
        })
    }

    /// The commit of a hazard's new events (already folded into `after` and chained): the
    /// notices the policy wants, the ledger row and the next rung's time.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn assemble(
        &self,
        tenant: &TenantId,
        expected_version: u64,
        after: Hazard,
        records: Arc<[Recorded]>,
        org: &Org,
        now: DateTime<Utc>,
        idempotency: Option<IdempotentResult>,
    ) -> Commit {
        let outbox = compose::for_events(self.policy.notices(), &after, &records, org, now);
        self.commit_of(tenant, expected_version, after, records, outbox, now, idempotency)
    }

    /// The commit of a hazard's new events (already folded into `after` and chained) with the
    /// messages `outbox`: the ledger row, the next rung's time and, for a new hazard, how the
    /// store numbers it. Every commit of a hazard's events is built here.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn commit_of(
        &self,
        tenant: &TenantId,
        expected_version: u64,
        after: Hazard,
        records: Arc<[Recorded]>,
        outbox: Vec<OutboxMessage>,
        now: DateTime<Utc>,
        idempotency: Option<IdempotentResult>,
    ) -> Commit {
        // A new hazard is numbered by the store, in the commit's transaction.
        let numbering = (expected_version == 0).then(|| {
            let tz = self.policy.calendar().time_zone();
            self.policy.number_format().numbering(after.stage.facts().discovered_at, tz)
        });
        Commit {
            tenant: tenant.clone(),
            hazard: after.id,
            expected_version,
            ledger: Arc::new(LedgerRow::from_hazard(&after, now)),
            next_due: self.next_due(&after),
            state: after,
            events: records,
            outbox,
            idempotency,
            numbering,
        }
    }

    /// Folds new events onto a hazard and chains them, each with the command's origin.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn record(
        &self,
        tenant: &TenantId,
        id: HazardId,
        hazard: Option<Hazard>,
        events: Vec<Event>,
        now: DateTime<Utc>,
        mut prev: ChainHash,
        origin: Option<&crate::chain::Origin>,
    ) -> Result<(Hazard, Arc<[Recorded]>), EngineError> {
        let mut seq = hazard.as_ref().map_or(0, |h| h.version);
        let after = fold_decided(hazard, id, &events)?;
        // Built in place: an exact-size iterator fills the shared slice in one allocation.
        let records = events
            .into_iter()
            .map(|event| {
                seq += 1;
                let record =
                    Recorded::with_origin_of(tenant.clone(), id, seq, now, event, prev, origin);
                prev = record.hash;
                record
            })
            .collect();
        Ok((after, records))
    }

    /// When the hazard's next rung fires; none while paused or once archived.
    pub(super) fn next_due(&self, hazard: &Hazard) -> Option<DateTime<Utc>> {
        if hazard.paused.is_some() {
            return None;
        }
        let grade = hazard.stage.registration().map_or(Grade::General, |r| r.grade);
        next_fire(
            &hazard.clocks,
            grade,
            &hazard.fired,
            self.policy.ladders(),
            self.policy.calendar(),
        )
    }

    /// Loads a hazard's latest state and chain head (one read; `verify` checks the history).
    pub(super) async fn load(
        &self,
        tenant: &TenantId,
        id: HazardId,
    ) -> Result<Loaded, EngineError> {
        let snapshot = self
            .store
            .snapshot(tenant, id)
            .await?
            .ok_or_else(|| EngineError::NotFound { tenant: tenant.clone(), hazard: id })?;
        Ok(Loaded {
            head: snapshot.head,
            version: snapshot.hazard.version,
            hazard: snapshot.hazard,
        })
    }
}

/// What one call of `run` does: commands on a target, with the request's options.
struct Run {
    target: Option<HazardId>,
    commands: Vec<Command>,
    key: Option<String>,
    expected: Option<u64>,
    origin: Option<crate::chain::Origin>,
}

/// Folds events that `decide` just produced onto the state they were decided on. They always
/// fit (`decide` checked the transition table and the stage); were one not to, the step is
/// reported as not allowed from that stage and nothing is written. A stored history that does
/// not fold is another matter: that is [`EngineError::Damaged`], from loading.
pub(crate) fn fold_decided(
    state: Option<Hazard>,
    id: HazardId,
    events: &[Event],
) -> Result<Hazard, EngineError> {
    let step = events.iter().find_map(Event::step).unwrap_or(crate::workflow::Step::Discover);
    let stage = state.as_ref().map_or(StageKind::Discovered, Hazard::kind);
    let misfit =
        |_| EngineError::Workflow(crate::workflow::WorkflowError::NotAllowed { stage, step });
    match state {
        Some(h) => h.apply_all(events).map_err(misfit),
        None => Hazard::fold(id, events).map_err(misfit),
    }
}

pub(super) struct Loaded {
    pub(super) hazard: Hazard,
    pub(super) version: u64,
    pub(super) head: ChainHash,
}
