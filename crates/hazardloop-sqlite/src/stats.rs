//! What the writer has done: counters shared by the writer, the checkpointer and the store.

use std::sync::atomic::{AtomicU64, Ordering};

/// What the writer has done since the store was opened: with group commit, `transactions` grows
/// slower than `writes` when writes arrive together.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Transactions committed or attempted (migrations excluded).
    pub transactions: u64,
    /// Of those, the transactions run on a submitting caller's thread (a leader), with no hand-off
    /// to the writer thread.
    pub on_caller: u64,
    /// Writes (commits, claims, settlements, documents, occurrence commits, schedule batches)
    /// run in them.
    pub writes: u64,
    /// Time spent in those transactions, in microseconds (SQL and disk, from BEGIN to COMMIT).
    pub busy_micros: u64,
}

/// The writer's counters, shared with the store.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) transactions: AtomicU64,
    pub(crate) on_caller: AtomicU64,
    pub(crate) writes: AtomicU64,
    pub(crate) busy_micros: AtomicU64,
    /// Frames in the WAL at the checkpointer's last round (see `checkpoint.rs`).
    pub(crate) wal_frames: AtomicU64,
}

impl Counters {
    pub(crate) fn read(&self) -> WriterStats {
        WriterStats {
            transactions: self.transactions.load(Ordering::Relaxed),
            on_caller: self.on_caller.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
            busy_micros: self.busy_micros.load(Ordering::Relaxed),
        }
    }
}
