//! Storage of records of other kinds (incidents, report duties): the [`RecordStore`] trait.
//!
//! One table keyed by (tenant, kind, id) holds every such record (design note 26): its chain of
//! events, its state and row as the kind encodes them, and when the sweep next has work for
//! it. The store checks versions and shapes; it never interprets an event.

use std::future::Future;

use chrono::{DateTime, Utc};

use super::{OutboxMessage, Store, StoreError};
use crate::chain::ChainHash;
use crate::duty::{RecordDue, RecordEntry, RecordId, RecordKind, RecordQuery, RecordRow};
use crate::model::TenantId;

/// Everything one command on a record (or one sweep of it, or its creation) writes.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordCommit {
    /// The tenant.
    pub tenant: TenantId,
    /// The kind.
    pub kind: RecordKind,
    /// The record.
    pub id: RecordId,
    /// The version it must be at (0 when it is created).
    pub expected_version: u64,
    /// New events, their seq following `expected_version`; at least one.
    pub events: Vec<RecordEntry>,
    /// The record after the events, as its kind encodes it.
    pub state: serde_json::Value,
    /// Its row after the events.
    pub row: RecordRow,
    /// When the sweep next has something to do for it.
    pub next_due: Option<DateTime<Utc>>,
    /// Messages to deliver.
    pub outbox: Vec<OutboxMessage>,
}

impl RecordCommit {
    /// The checks every store makes after the version check: at least one event, events in
    /// sequence and of this tenant, kind and id, the row at the new version and of this
    /// record, and messages of this tenant.
    pub fn check_shape(&self) -> Result<(), StoreError> {
        if self.events.is_empty() {
            return Err(StoreError::Malformed(format!("record {} commits no event", self.id)));
        }
        let mut seq = self.expected_version;
        for e in &self.events {
            seq += 1;
            if e.seq != seq || e.tenant != self.tenant || e.kind != self.kind || e.id != self.id {
                return Err(StoreError::Malformed(format!(
                    "event {} is out of sequence: expected {seq} of {} {}",
                    e.seq,
                    self.kind.code(),
                    self.id
                )));
            }
        }
        let row = &self.row;
        if row.version != seq
            || row.id != self.id
            || row.kind != self.kind
            || row.tenant != self.tenant
        {
            return Err(StoreError::Malformed(format!(
                "the row of {} {} is not at version {seq}",
                self.kind.code(),
                self.id
            )));
        }
        if let Some(m) = self.outbox.iter().find(|m| m.tenant != self.tenant) {
            return Err(StoreError::Malformed(format!(
                "outbox message {} belongs to tenant {}",
                m.id, m.tenant
            )));
        }
        Ok(())
    }

    /// Where the sweep finds it, when it is due.
    pub fn due(&self) -> Option<RecordDue> {
        self.next_due.map(|at| RecordDue {
            at,
            tenant: self.tenant.clone(),
            kind: self.kind,
            id: self.id.clone(),
        })
    }
}

/// A record's latest state and chain head, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRecord {
    /// The state, as its kind encodes it.
    pub state: serde_json::Value,
    /// Its version (events so far).
    pub version: u64,
    /// The last event's hash.
    pub head: ChainHash,
}

/// Persistence of records of other kinds, beside a [`Store`]'s hazards.
pub trait RecordStore: Store {
    /// Writes a record commit atomically, or nothing. A stale version is
    /// [`StoreError::Conflict`]; a malformed commit [`StoreError::Malformed`].
    fn commit_record(
        &self,
        commit: RecordCommit,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Creates records (each commit at version 0): those whose (tenant, kind, id) is already
    /// stored are left as they are. Returns how many were new. A malformed commit writes
    /// nothing of the batch. Generating the same duties twice, or from two processes at once,
    /// stores each once.
    fn create_records(
        &self,
        commits: Vec<RecordCommit>,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send;

    /// A record's latest state, version and chain head.
    fn record(
        &self,
        tenant: &TenantId,
        kind: RecordKind,
        id: &RecordId,
    ) -> impl Future<Output = Result<Option<StoredRecord>, StoreError>> + Send;

    /// A record's events, in order.
    fn record_events(
        &self,
        tenant: &TenantId,
        kind: RecordKind,
        id: &RecordId,
    ) -> impl Future<Output = Result<Vec<RecordEntry>, StoreError>> + Send;

    /// Rows of one kind of a tenant matching `query` ([`RecordQuery::matches`]), ordered by
    /// (`at`, id).
    fn records(
        &self,
        tenant: &TenantId,
        kind: RecordKind,
        query: &RecordQuery,
    ) -> impl Future<Output = Result<Vec<RecordRow>, StoreError>> + Send;

    /// Records whose sweep is due at or before `before`, across tenants and kinds, ordered by
    /// (due time, tenant, kind, id), starting after `after`, at most `limit`. As with
    /// `Store::due`, the commit's version gate, not any lease, keeps a rung from firing twice.
    fn records_due(
        &self,
        before: DateTime<Utc>,
        after: Option<&RecordDue>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<RecordDue>, StoreError>> + Send;
}

impl<S: RecordStore> RecordStore for std::sync::Arc<S> {
    fn commit_record(
        &self,
        commit: RecordCommit,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).commit_record(commit)
    }
    fn create_records(
        &self,
        commits: Vec<RecordCommit>,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send {
        (**self).create_records(commits)
    }
    fn record(
        &self,
        tenant: &TenantId,
        kind: RecordKind,
        id: &RecordId,
    ) -> impl Future<Output = Result<Option<StoredRecord>, StoreError>> + Send {
        (**self).record(tenant, kind, id)
    }
    fn record_events(
        &self,
        tenant: &TenantId,
        kind: RecordKind,
        id: &RecordId,
    ) -> impl Future<Output = Result<Vec<RecordEntry>, StoreError>> + Send {
        (**self).record_events(tenant, kind, id)
    }
    fn records(
        &self,
        tenant: &TenantId,
        kind: RecordKind,
        query: &RecordQuery,
    ) -> impl Future<Output = Result<Vec<RecordRow>, StoreError>> + Send {
        (**self).records(tenant, kind, query)
    }
    fn records_due(
        &self,
        before: DateTime<Utc>,
        after: Option<&RecordDue>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<RecordDue>, StoreError>> + Send {
        (**self).records_due(before, after, limit)
    }
}
