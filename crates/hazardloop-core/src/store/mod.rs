//! Storage: the [`Store`] trait every adapter implements, and the in-memory store.
//!
//! One [`Store::commit`] writes a hazard's new events, its ledger row, its next escalation time
//! and its outbox messages atomically, or nothing, and only if the hazard is still at the
//! expected version. Every call is scoped by tenant.

mod inspection;
mod memory;
mod record;
mod types;

pub use inspection::{InspectionStore, OccurrenceCommit, OccurrenceDue};
pub use record::{RecordCommit, RecordStore, StoredRecord};

use std::future::Future;

use chrono::{DateTime, Utc};

pub use memory::MemoryStore;
pub use types::{
    Claimed, Commit, Committed, Due, HazardRecord, IdempotentResult, LedgerPage, LedgerQuery,
    OutboxMessage, OutboxStatus, Settlement, Snapshot,
};

use crate::chain::Recorded;
use crate::model::{HazardId, MessageId, TenantId};
use crate::report::{Bounds, CellTallies, CellTally};

/// A storage failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The hazard moved on since it was loaded: another command committed first.
    ///
    /// **Handling:** reload the hazard and decide again (the engine returns this to the caller,
    /// whose command may no longer make sense).
    #[error("version conflict: expected version {expected}, found {actual}")]
    Conflict {
        /// The version the commit expected.
        expected: u64,
        /// The version found.
        actual: u64,
    },
    /// The idempotency key was already used by another commit that landed first.
    ///
    /// **Handling:** read the stored result with [`Store::idempotent`] and return it.
    #[error("idempotency key already used")]
    DuplicateKey,
    /// The backend failed (I/O, connection, a constraint other than the version).
    ///
    /// **Handling:** retry later; nothing was written.
    #[error("storage backend: {0}")]
    Backend(String),
    /// Stored data cannot be read (corrupt row, unknown schema).
    ///
    /// **Handling:** run `verify`; restore from backup.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// One stored event of a hazard does not decode: its row was changed outside hazardloop.
    /// `seq` is the first such event; the engine reports it as a [`ChainError`] of the hazard.
    ///
    /// **Handling:** as for `Corrupt`: run `verify`, restore the hazard from a backup.
    ///
    /// [`ChainError`]: crate::chain::ChainError
    #[error("hazard {hazard}: stored event {seq} does not decode: {reason}")]
    CorruptEvent {
        /// The hazard.
        hazard: HazardId,
        /// The sequence number of the event row that does not decode.
        seq: u64,
        /// The decoder's complaint.
        reason: String,
    },
    /// The commit is malformed: its events do not follow its expected version, or belong to
    /// another hazard, or a message belongs to another tenant ([`Commit::check_shape`]).
    /// Nothing was written.
    ///
    /// **Handling:** a bug in whoever built the commit (the engine never does); do not retry.
    #[error("malformed commit: {0}")]
    Malformed(String),
    /// The schema is newer than this build, or missing.
    ///
    /// **Handling:** run `migrate()`, or upgrade hazardloop.
    #[error("schema: {0}")]
    Schema(String),
}

/// Persistence of hazards, the ledger, due clocks, the outbox and idempotency keys.
///
/// Methods return `impl Future + Send`, so the trait is async without tying the core to a runtime.
pub trait Store: Send + Sync {
    /// Writes a commit atomically, or nothing. A stale `expected_version` is
    /// [`StoreError::Conflict`]; a used idempotency key is [`StoreError::DuplicateKey`]. What
    /// landed says the number a new hazard was given ([`Committed::number`]), so the caller
    /// need not read it back.
    fn commit(&self, commit: Commit) -> impl Future<Output = Result<Committed, StoreError>> + Send;

    /// Writes several commits (of different hazards), each atomically and on its own: one
    /// result per commit, in order, and a commit that fails (a conflict, a used key) fails
    /// alone while the others land. Sweeps and dispatch use it; a store that can put the
    /// commits in one transaction should (the default writes them one after another).
    fn commit_many(
        &self,
        commits: Vec<Commit>,
    ) -> impl Future<Output = Vec<Result<(), StoreError>>> + Send {
        async move {
            let mut results = Vec::with_capacity(commits.len());
            for commit in commits {
                results.push(self.commit(commit).await.map(|_| ()));
            }
            results
        }
    }

    /// The hazard that has `number` (隐患编号), if any.
    fn find_number(
        &self,
        tenant: &TenantId,
        number: &str,
    ) -> impl Future<Output = Result<Option<HazardId>, StoreError>> + Send;

    /// A hazard's events in order, and its stored head (version and last hash).
    fn load(
        &self,
        tenant: &TenantId,
        hazard: HazardId,
    ) -> impl Future<Output = Result<Option<HazardRecord>, StoreError>> + Send;

    /// A hazard's latest state and chain head (what the last commit stored as `state`).
    fn snapshot(
        &self,
        tenant: &TenantId,
        hazard: HazardId,
    ) -> impl Future<Output = Result<Option<Snapshot>, StoreError>> + Send;

    /// The snapshots of several hazards, in the order of `keys` (`None` where a hazard does not
    /// exist): what a sweep reads for a page of due hazards. The default reads them one by one;
    /// a store whose reads cross a thread or a network should read them in one go.
    fn snapshot_many(
        &self,
        keys: &[(TenantId, HazardId)],
    ) -> impl Future<Output = Result<Vec<Option<Snapshot>>, StoreError>> + Send {
        async move {
            let mut snapshots = Vec::with_capacity(keys.len());
            for (tenant, hazard) in keys {
                snapshots.push(self.snapshot(tenant, *hazard).await?);
            }
            Ok(snapshots)
        }
    }

    /// A page of the ledger.
    fn ledger(
        &self,
        tenant: &TenantId,
        query: &LedgerQuery,
    ) -> impl Future<Output = Result<LedgerPage, StoreError>> + Send;

    /// The statistics of a tenant's ledger over `bounds` (`[start, end)`), per cell (accountable
    /// unit and category), with every stored row taken as it stands at `now`
    /// ([`LedgerRow::as_at`]): one [`CellTally`] per cell that has rows, whatever their figures
    /// in the period, in any order. [`Engine::statistics`] rolls them up the organisation.
    ///
    /// The default reads every ledger row and tallies it with the pure reference
    /// ([`CellTallies`], the definitions of [`Stats`]); a store that can count in its own query
    /// language should, and the conformance suite holds it to the reference.
    ///
    /// [`LedgerRow::as_at`]: crate::report::LedgerRow::as_at
    /// [`Engine::statistics`]: crate::engine::Engine::statistics
    /// [`Stats`]: crate::report::Stats
    fn tally(
        &self,
        tenant: &TenantId,
        bounds: Bounds,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<CellTally>, StoreError>> + Send {
        async move {
            const PAGE: usize = 1000;
            let mut cells = CellTallies::default();
            let mut query = LedgerQuery { limit: PAGE, now: Some(now), ..LedgerQuery::default() };
            loop {
                let page = self.ledger(tenant, &query).await?;
                let n = page.rows.len();
                for row in page.rows {
                    cells.add(&row.as_at(now), bounds);
                }
                if n < PAGE {
                    return Ok(cells.into_cells());
                }
                query.offset += n;
            }
        }
    }

    /// Hazards whose next escalation is due at or before `before`, across tenants, ordered by
    /// (due time, tenant, hazard), starting after `after`, at most `limit`.
    fn due(
        &self,
        before: DateTime<Utc>,
        after: Option<&Due>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Due>, StoreError>> + Send;

    /// The stored result of a command with this idempotency key, if any.
    fn idempotent(
        &self,
        tenant: &TenantId,
        key: &str,
    ) -> impl Future<Output = Result<Option<IdempotentResult>, StoreError>> + Send;

    /// Claims pending outbox messages available at `now`, whole digest groups at a time, up to
    /// about `limit` messages, leasing them until `lease_until`. Expired leases are claimable again.
    fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        lease_until: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<Claimed>, StoreError>> + Send;

    /// Settles a claimed message; a stale claim token (the lease was lost) changes nothing and
    /// returns `Ok(false)`.
    fn settle(
        &self,
        id: MessageId,
        token: u64,
        settlement: Settlement,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Settles several claimed messages, each on its own: one result per settlement, in
    /// order. The dispatcher settles a claimed batch with it; a store that can put them in one
    /// transaction should (the default settles them one after another).
    fn settle_many(
        &self,
        settlements: Vec<(MessageId, u64, Settlement)>,
    ) -> impl Future<Output = Vec<Result<bool, StoreError>>> + Send {
        async move {
            let mut results = Vec::with_capacity(settlements.len());
            for (id, token, settlement) in settlements {
                results.push(self.settle(id, token, settlement).await);
            }
            results
        }
    }

    /// Outbox messages of a tenant with the given status (for operators and tests).
    fn outbox(
        &self,
        tenant: &TenantId,
        status: OutboxStatus,
    ) -> impl Future<Output = Result<Vec<OutboxMessage>, StoreError>> + Send;

    /// Saves a named document of a tenant (its organisation, its policy), replacing any earlier
    /// one. Hosts that keep these elsewhere need not use it.
    fn put_document(
        &self,
        tenant: &TenantId,
        name: &str,
        body: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// A named document of a tenant, if saved.
    fn document(
        &self,
        tenant: &TenantId,
        name: &str,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;
}

/// The document holding a tenant's organisation (JSON of [`OrgConfig`](crate::org::OrgConfig)),
/// as the command line and the service keep it.
pub const ORG_DOC: &str = "org";
/// The document holding a tenant's policy (TOML), as the command line and the service keep it.
pub const POLICY_DOC: &str = "policy";

/// The events of a record, for convenience.
pub fn events(records: &[Recorded]) -> impl Iterator<Item = &crate::workflow::Event> {
    records.iter().map(|r| &r.event)
}

/// A shared store is a store: several engines (or an engine and a host) can hold one.
impl<S: Store> Store for std::sync::Arc<S> {
    fn commit(&self, commit: Commit) -> impl Future<Output = Result<Committed, StoreError>> + Send {
        (**self).commit(commit)
    }
    fn commit_many(
        &self,
        commits: Vec<Commit>,
    ) -> impl Future<Output = Vec<Result<(), StoreError>>> + Send {
        (**self).commit_many(commits)
    }
    fn find_number(
        &self,
        tenant: &TenantId,
        number: &str,
    ) -> impl Future<Output = Result<Option<HazardId>, StoreError>> + Send {
        (**self).find_number(tenant, number)
    }
    fn load(
        &self,
        tenant: &TenantId,
        hazard: HazardId,
    ) -> impl Future<Output = Result<Option<HazardRecord>, StoreError>> + Send {
        (**self).load(tenant, hazard)
    }
    fn snapshot(
        &self,
        tenant: &TenantId,
        hazard: HazardId,
    ) -> impl Future<Output = Result<Option<Snapshot>, StoreError>> + Send {
        (**self).snapshot(tenant, hazard)
    }
    fn snapshot_many(
        &self,
        keys: &[(TenantId, HazardId)],
    ) -> impl Future<Output = Result<Vec<Option<Snapshot>>, StoreError>> + Send {
        (**self).snapshot_many(keys)
    }
    fn ledger(
        &self,
        tenant: &TenantId,
        query: &LedgerQuery,
    ) -> impl Future<Output = Result<LedgerPage, StoreError>> + Send {
        (**self).ledger(tenant, query)
    }
    fn tally(
        &self,
        tenant: &TenantId,
        bounds: Bounds,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<CellTally>, StoreError>> + Send {
        (**self).tally(tenant, bounds, now)
    }
    fn due(
        &self,
        before: DateTime<Utc>,
        after: Option<&Due>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Due>, StoreError>> + Send {
        (**self).due(before, after, limit)
    }
    fn idempotent(
        &self,
        tenant: &TenantId,
        key: &str,
    ) -> impl Future<Output = Result<Option<IdempotentResult>, StoreError>> + Send {
        (**self).idempotent(tenant, key)
    }
    fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        lease_until: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<Claimed>, StoreError>> + Send {
        (**self).claim_outbox(now, limit, lease_until)
    }
    fn settle(
        &self,
        id: MessageId,
        token: u64,
        settlement: Settlement,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        (**self).settle(id, token, settlement)
    }
    fn settle_many(
        &self,
        settlements: Vec<(MessageId, u64, Settlement)>,
    ) -> impl Future<Output = Vec<Result<bool, StoreError>>> + Send {
        (**self).settle_many(settlements)
    }
    fn outbox(
        &self,
        tenant: &TenantId,
        status: OutboxStatus,
    ) -> impl Future<Output = Result<Vec<OutboxMessage>, StoreError>> + Send {
        (**self).outbox(tenant, status)
    }
    fn put_document(
        &self,
        tenant: &TenantId,
        name: &str,
        body: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).put_document(tenant, name, body)
    }
    fn document(
        &self,
        tenant: &TenantId,
        name: &str,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send {
        (**self).document(tenant, name)
    }
}
