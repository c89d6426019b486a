//! The engine's side of incidents, report duties and campaigns: load a record, decide, chain
//! its events and commit; generate duties from schedules and campaigns; sweep them.
//! One generic path ([`Record`]) serves every kind.

mod campaign;
mod incident;
mod report;
mod sweep;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::duty::{self, Record, RecordEntry, RecordId, RecordKind, RecordRef};
use crate::engine::{Engine, EngineError};
use crate::model::TenantId;
use crate::notify::Notifier;
use crate::store::{OutboxMessage, RecordCommit, RecordStore, StoreError};

pub use report::DutyGenerateReport;
pub use sweep::RecordSweepReport;

/// What a command on a record did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordOutcome<R> {
    /// The record after the command.
    pub record: R,
    /// The events it added, as stored.
    pub events: Vec<RecordEntry>,
}

/// A record as loaded: its state, and the head its next events chain onto.
pub(crate) struct Loaded<R> {
    pub(crate) state: R,
    pub(crate) head: crate::chain::ChainHash,
}

impl<S: RecordStore, N: Notifier> Engine<S, N> {
    /// Loads a record of kind `R`, or `RecordNotFound`.
    pub(crate) async fn load_record<R: Record>(
        &self,
        tenant: &TenantId,
        id: &RecordId,
    ) -> Result<Loaded<R>, EngineError> {
        let stored = self.store.record(tenant, R::KIND, id).await?.ok_or_else(|| {
            EngineError::RecordNotFound { tenant: tenant.clone(), kind: R::KIND, id: id.clone() }
        })?;
        let state: R =
            serde_json::from_value(stored.state).map_err(|e| EngineError::RecordChain {
                kind: R::KIND,
                id: id.clone(),
                seq: stored.version,
                reason: format!("the stored state does not decode: {e}"),
            })?;
        if state.version() != stored.version {
            return Err(EngineError::RecordChain {
                kind: R::KIND,
                id: id.clone(),
                seq: stored.version,
                reason: format!(
                    "the state is at version {} of {}",
                    state.version(),
                    stored.version
                ),
            });
        }
        Ok(Loaded { state, head: stored.head })
    }

    /// Chains `events` onto `loaded` (or a new record) and builds the commit and the state
    /// after it.
    pub(crate) fn record_commit<R: Record>(
        &self,
        tenant: &TenantId,
        id: &RecordId,
        loaded: Option<Loaded<R>>,
        events: &[R::Event],
        now: DateTime<Utc>,
        outbox: Vec<OutboxMessage>,
    ) -> Result<(RecordCommit, R), EngineError> {
        let misfit = |reason: &str| EngineError::RecordChain {
            kind: R::KIND,
            id: id.clone(),
            seq: 1,
            reason: reason.to_owned(),
        };
        let (before, prev, mut state, rest) = match loaded {
            Some(l) => (l.state.version(), l.head, l.state, events),
            None => {
                let (first, rest) =
                    events.split_first().ok_or_else(|| misfit("a new record needs an event"))?;
                let state = R::first(tenant.clone(), id.clone(), first)
                    .ok_or_else(|| misfit("the first event does not create the record"))?;
                (0, crate::chain::ChainHash::default(), state, rest)
            }
        };
        for e in rest {
            state.apply(e);
        }
        let r = RecordRef { kind: R::KIND, id: id.clone() };
        let entries = duty::chain(tenant, &r, before, prev, now, events);
        let commit = RecordCommit {
            tenant: tenant.clone(),
            kind: R::KIND,
            id: id.clone(),
            expected_version: before,
            events: entries,
            // Plain data always serialises.
            state: serde_json::to_value(&state).unwrap_or_default(),
            row: state.row(now),
            next_due: state.next_due(&self.policy),
            outbox,
        };
        Ok((commit, state))
    }

    /// Commits `events` onto a loaded record and returns the outcome.
    pub(crate) async fn commit_record_events<R: Record>(
        &self,
        tenant: &TenantId,
        id: &RecordId,
        loaded: Option<Loaded<R>>,
        events: &[R::Event],
        outbox: Vec<OutboxMessage>,
    ) -> Result<RecordOutcome<R>, EngineError> {
        let now = self.clock.now();
        let (commit, record) = self.record_commit(tenant, id, loaded, events, now, outbox)?;
        let events = commit.events.clone();
        self.store.commit_record(commit).await?;
        Ok(RecordOutcome { record, events })
    }

    /// A record's stored events, in order.
    pub async fn record_history(
        &self,
        tenant: &TenantId,
        kind: RecordKind,
        id: &RecordId,
    ) -> Result<Vec<RecordEntry>, EngineError> {
        Ok(self.store.record_events(tenant, kind, id).await?)
    }

    /// A record's events of kind `R`, decoded, each with its sequence number and when it was
    /// recorded: the timeline to show. An event that no longer decodes is a broken history
    /// (`RecordChain` naming it), never silently left out.
    pub async fn record_timeline<R: Record>(
        &self,
        tenant: &TenantId,
        id: &RecordId,
    ) -> Result<Vec<(u64, DateTime<Utc>, R::Event)>, EngineError> {
        let entries = self.store.record_events(tenant, R::KIND, id).await?;
        entries
            .into_iter()
            .map(|e| match serde_json::from_value(e.event) {
                Ok(event) => Ok((e.seq, e.recorded_at, event)),
                Err(err) => Err(EngineError::RecordChain {
                    kind: R::KIND,
                    id: id.clone(),
                    seq: e.seq,
                    reason: format!("the event does not decode: {err}"),
                }),
            })
            .collect()
    }

    /// Verifies a record's stored history: the chain, and that it ends at the stored head.
    pub async fn verify_record(
        &self,
        tenant: &TenantId,
        kind: RecordKind,
        id: &RecordId,
    ) -> Result<(), EngineError> {
        let stored = self.store.record(tenant, kind, id).await?.ok_or_else(|| {
            EngineError::RecordNotFound { tenant: tenant.clone(), kind, id: id.clone() }
        })?;
        let entries = self.store.record_events(tenant, kind, id).await?;
        let r = RecordRef { kind, id: id.clone() };
        duty::verify(tenant, &r, &entries).map_err(|(seq, reason)| EngineError::RecordChain {
            kind,
            id: id.clone(),
            seq,
            reason: reason.to_owned(),
        })?;
        let len = entries.len() as u64;
        if stored.version != len
            || stored.head != entries.last().map(|e| e.hash).unwrap_or_default()
        {
            return Err(EngineError::RecordChain {
                kind,
                id: id.clone(),
                seq: len.min(stored.version) + 1,
                reason: format!(
                    "the store records version {} but {len} events remain",
                    stored.version
                ),
            });
        }
        Ok(())
    }

    /// Reads a tenant document of JSON, or `None`.
    pub(crate) async fn json_document<T: serde::de::DeserializeOwned>(
        &self,
        tenant: &TenantId,
        name: &str,
    ) -> Result<Option<T>, EngineError> {
        match self.store.document(tenant, name).await? {
            None => Ok(None),
            Some(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
                EngineError::Store(StoreError::Corrupt(format!("document {name}: {e}")))
            }),
        }
    }
}
