//! Work for the writer: the jobs a store submits, each write with the channel its reply goes
//! back on.

use hazardloop_core::store::{Committed, StoreError};

use crate::codec::EncodedCommit;
use crate::inspection::EncodedOccurrence;
use crate::oneshot;
use crate::record::EncodedRecord;
use crate::write_ops::{ClaimedRow, SettleRow};

pub(crate) type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// Work for the writer.
pub(crate) enum Job {
    /// A write that may share a transaction with others.
    Write(Write),
    /// Writes that go into one transaction together (each in its own savepoint), with others
    /// if there is room: `commit_many`, `settle_many`.
    Many(Vec<Write>),
    /// Apply the migrations (alone, in a transaction of its own).
    Migrate(Reply<u32>),
}

impl Job {
    /// How many writes the job counts for against `max_batch`.
    pub(crate) fn weight(&self) -> usize {
        match self {
            Job::Many(writes) => writes.len(),
            Job::Write(_) | Job::Migrate(_) => 1,
        }
    }
}

/// A write that may share a transaction with others.
pub(crate) enum Write {
    /// A commit.
    Commit(Box<EncodedCommit>, Reply<Committed>),
    /// An outbox claim: now, limit, lease until.
    Claim(i64, usize, i64, Reply<Vec<ClaimedRow>>),
    /// An outbox settlement: id, token, change.
    Settle(String, i64, SettleRow, Reply<bool>),
    /// A named document: tenant, name, body.
    Document(String, String, String, Reply<()>),
    /// An occurrence commit with its findings' hazards.
    Occurrence(Box<EncodedOccurrence>, Reply<()>),
    /// Occurrences to schedule (those not stored yet), all in this write.
    Schedule(Vec<EncodedOccurrence>, Reply<usize>),
    /// A record commit.
    Record(Box<EncodedRecord>, Reply<()>),
    /// Records to create (those not stored yet), all in this write.
    CreateRecords(Vec<EncodedRecord>, Reply<usize>),
}
