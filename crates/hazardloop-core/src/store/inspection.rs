//! Storage of inspection occurrences: the [`InspectionStore`] trait.
//!
//! Templates and plans are named documents ([`Store::put_document`]); occurrences are records
//! with their own event chain, version, row and due time, kept beside the hazards (design
//! note 20). Completing an occurrence writes it and the hazards its findings raise in one
//! transaction.

use std::future::Future;

use chrono::{DateTime, Utc};

use super::{Commit, OutboxMessage, Store, StoreError};
use crate::chain::ChainHash;
use crate::inspection::{
    Occurrence, OccurrenceId, OccurrenceQuery, OccurrenceRecord, OccurrenceRow,
};
use crate::model::TenantId;

/// Everything one command on an occurrence (or one sweep of it, or its scheduling) writes.
#[derive(Clone, Debug, PartialEq)]
pub struct OccurrenceCommit {
    /// The tenant.
    pub tenant: TenantId,
    /// The occurrence.
    pub occurrence: OccurrenceId,
    /// The version it must be at (0 when it is scheduled).
    pub expected_version: u64,
    /// New events, their seq following `expected_version`.
    pub events: Vec<OccurrenceRecord>,
    /// The occurrence after the events.
    pub state: Occurrence,
    /// Its row after the events.
    pub row: OccurrenceRow,
    /// When the sweep next has something to do for it.
    pub next_due: Option<DateTime<Utc>>,
    /// Messages to deliver.
    pub outbox: Vec<OutboxMessage>,
    /// New hazards raised from its findings, written in the same transaction.
    pub hazards: Vec<Commit>,
}

impl OccurrenceCommit {
    /// The checks every store makes after the version check: events in sequence, of this
    /// tenant and occurrence; messages and hazards of this tenant; every hazard new and well
    /// formed ([`Commit::check_shape`]).
    pub fn check_shape(&self) -> Result<(), StoreError> {
        if self.expected_version == 0
            && !matches!(
                self.events.first().map(|r| &r.event),
                Some(crate::inspection::OccurrenceEvent::Scheduled { .. })
            )
        {
            return Err(StoreError::Malformed(format!(
                "occurrence {} must begin with its `scheduled` event",
                self.occurrence
            )));
        }
        let mut seq = self.expected_version;
        for e in &self.events {
            seq += 1;
            if e.seq != seq || e.tenant != self.tenant || e.occurrence != self.occurrence {
                return Err(StoreError::Malformed(format!(
                    "event {} is out of sequence: expected {seq} of occurrence {}",
                    e.seq, self.occurrence
                )));
            }
        }
        if self.state.version != seq || self.row.version != seq || self.state.id != self.occurrence
        {
            return Err(StoreError::Malformed(format!(
                "the state of occurrence {} is not at version {seq}",
                self.occurrence
            )));
        }
        if let Some(m) = self.outbox.iter().find(|m| m.tenant != self.tenant) {
            return Err(StoreError::Malformed(format!(
                "outbox message {} belongs to tenant {}",
                m.id, m.tenant
            )));
        }
        for h in &self.hazards {
            if h.tenant != self.tenant || h.expected_version != 0 {
                return Err(StoreError::Malformed(format!(
                    "hazard {} of an occurrence commit must be new and of tenant {}",
                    h.hazard, self.tenant
                )));
            }
            h.check_shape()?;
        }
        Ok(())
    }
}

/// An occurrence whose sweep is due.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OccurrenceDue {
    /// When.
    pub at: DateTime<Utc>,
    /// The tenant.
    pub tenant: TenantId,
    /// The occurrence.
    pub occurrence: OccurrenceId,
}

/// Persistence of inspection occurrences, beside a [`Store`]'s hazards.
pub trait InspectionStore: Store {
    /// Writes an occurrence commit atomically with its hazards, or nothing. A stale version is
    /// [`StoreError::Conflict`]; a hazard id already used is a conflict too.
    fn commit_occurrence(
        &self,
        commit: OccurrenceCommit,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Schedules new occurrences (each commit at version 0 with its `Scheduled` event, raising
    /// no hazard: otherwise [`StoreError::Malformed`] and nothing of the batch is written):
    /// those whose id is already stored are left as they are. Returns how many were new.
    /// Generating the same horizon twice, or from two processes at once, stores each
    /// occurrence once.
    fn schedule(
        &self,
        commits: Vec<OccurrenceCommit>,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send;

    /// An occurrence's latest state and chain head.
    fn occurrence(
        &self,
        tenant: &TenantId,
        id: &OccurrenceId,
    ) -> impl Future<Output = Result<Option<(Occurrence, ChainHash)>, StoreError>> + Send;

    /// An occurrence's events, in order.
    fn occurrence_events(
        &self,
        tenant: &TenantId,
        id: &OccurrenceId,
    ) -> impl Future<Output = Result<Vec<OccurrenceRecord>, StoreError>> + Send;

    /// Occurrence rows of a tenant matching `query` ([`OccurrenceQuery::matches`]), ordered by
    /// (due time, id).
    fn occurrences(
        &self,
        tenant: &TenantId,
        query: &OccurrenceQuery,
    ) -> impl Future<Output = Result<Vec<OccurrenceRow>, StoreError>> + Send;

    /// Occurrences whose sweep is due at or before `before`, across tenants, ordered by (due
    /// time, tenant, occurrence), starting after `after`, at most `limit`. A store shared by
    /// several processes may hand each page to one of them for a while (PostgreSQL leases it,
    /// as it does `Store::due`); the commit's version gate, not the lease, keeps a rung from
    /// firing twice.
    fn occurrences_due(
        &self,
        before: DateTime<Utc>,
        after: Option<&OccurrenceDue>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<OccurrenceDue>, StoreError>> + Send;
}

impl<S: InspectionStore> InspectionStore for std::sync::Arc<S> {
    fn commit_occurrence(
        &self,
        commit: OccurrenceCommit,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).commit_occurrence(commit)
    }
    fn schedule(
        &self,
        commits: Vec<OccurrenceCommit>,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send {
        (**self).schedule(commits)
    }
    fn occurrence(
        &self,
        tenant: &TenantId,
        id: &OccurrenceId,
    ) -> impl Future<Output = Result<Option<(Occurrence, ChainHash)>, StoreError>> + Send {
        (**self).occurrence(tenant, id)
    }
    fn occurrence_events(
        &self,
        tenant: &TenantId,
        id: &OccurrenceId,
    ) -> impl Future<Output = Result<Vec<OccurrenceRecord>, StoreError>> + Send {
        (**self).occurrence_events(tenant, id)
    }
    fn occurrences(
        &self,
        tenant: &TenantId,
        query: &OccurrenceQuery,
    ) -> impl Future<Output = Result<Vec<OccurrenceRow>, StoreError>> + Send {
        (**self).occurrences(tenant, query)
    }
    fn occurrences_due(
        &self,
        before: DateTime<Utc>,
        after: Option<&OccurrenceDue>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<OccurrenceDue>, StoreError>> + Send {
        (**self).occurrences_due(before, after, limit)
    }
}
