//! How a [`SqliteStore`](crate::SqliteStore) is opened: durability, readers, batching.

use std::time::Duration;

/// When SQLite waits for the disk (`PRAGMA synchronous`). The store always runs in WAL mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Synchronous {
    /// `NORMAL` (the default): the WAL is synced at checkpoints, not at every commit.
    ///
    /// A crash of the *process* (panic, `kill -9`, out of memory) loses nothing that was
    /// acknowledged: a commit is in the WAL file, which the operating system keeps, before
    /// [`Store::commit`](hazardloop_core::store::Store::commit) returns. A *power loss* or kernel
    /// crash can lose the last transactions acknowledged before it, but never corrupts the database:
    /// it reopens at an earlier, consistent state (every hash chain still verifies).
    #[default]
    Normal,
    /// `FULL`: the WAL is synced before every commit returns, so every acknowledged commit
    /// survives a power loss too. Costs one `fsync` per transaction; group commit shares it
    /// between the commands that arrive together.
    Full,
}

impl Synchronous {
    pub(crate) fn pragma(self) -> &'static str {
        match self {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        }
    }
}

/// Options for [`SqliteStore::open_with`](crate::SqliteStore::open_with).
///
/// ```
/// use hazardloop_sqlite::{SqliteOptions, Synchronous};
///
/// let options = SqliteOptions::default().synchronous(Synchronous::Full).readers(2);
/// assert_eq!(options.synchronous_mode(), Synchronous::Full);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqliteOptions {
    synchronous: Synchronous,
    readers: usize,
    max_batch: usize,
    busy_timeout: Duration,
    cache_kib: u32,
    on_caller: bool,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            synchronous: Synchronous::Normal,
            readers: 4,
            max_batch: 64,
            busy_timeout: Duration::from_secs(5),
            cache_kib: 8 * 1024,
            on_caller: true,
        }
    }
}

impl SqliteOptions {
    /// The durability mode (default [`Synchronous::Normal`]).
    pub fn synchronous(mut self, mode: Synchronous) -> Self {
        self.synchronous = mode;
        self
    }

    /// How many read-only connections (each on a thread of its own) serve queries (default 4,
    /// at least 1).
    pub fn readers(mut self, n: usize) -> Self {
        self.readers = n.max(1);
        self
    }

    /// At most how many queued writes share one transaction (default 64, at least 1).
    pub fn max_batch(mut self, n: usize) -> Self {
        self.max_batch = n.max(1);
        self
    }

    /// How long a connection waits for another process's lock before failing (default 5 s).
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Page cache per connection, in KiB (default 8 MiB).
    pub fn cache_kib(mut self, kib: u32) -> Self {
        self.cache_kib = kib;
        self
    }

    /// Whether a caller that finds the writer idle runs its transaction on its own thread
    /// (default `true`). That saves a hand-off to the writer thread and back per command (about
    /// 45 µs on a virtual machine whose idle cores halt), and blocks the caller's thread for one
    /// transaction: tens of microseconds under [`Synchronous::Normal`], plus an `fsync` under
    /// [`Synchronous::Full`]. With `false`, every write goes to the writer thread and no SQLite
    /// write runs on a caller's thread (an executor that must never block on a disk).
    pub fn commit_on_caller(mut self, on: bool) -> Self {
        self.on_caller = on;
        self
    }

    /// The durability mode chosen.
    pub fn synchronous_mode(&self) -> Synchronous {
        self.synchronous
    }

    pub(crate) fn on_caller(&self) -> bool {
        self.on_caller
    }

    pub(crate) fn reader_count(&self) -> usize {
        self.readers
    }

    pub(crate) fn batch(&self) -> usize {
        self.max_batch
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.busy_timeout
    }

    pub(crate) fn cache(&self) -> u32 {
        self.cache_kib
    }
}
