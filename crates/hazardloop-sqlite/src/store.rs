//! [`SqliteStore`]: opening, migrating, and the threads behind it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::Sender;
use hazardloop_core::store::StoreError;
use rusqlite::{Connection, OpenFlags};

use crate::checkpoint;
use crate::error::{backend, stopped};
use crate::oneshot;
use crate::options::SqliteOptions;
use crate::reader::{self, ReadJob};
use crate::schema::{self, RUN_MIGRATE, SCHEMA_VERSION};
use crate::writer::{self, Counters, Job, Writer, WriterStats};

/// A [`Store`](hazardloop_core::store::Store) in one SQLite file: the embedded default.
///
/// # Durability
/// The database runs in WAL mode. A commit is acknowledged only after its transaction is
/// committed. With [`Synchronous::Normal`](crate::Synchronous::Normal) (the default), a process
/// crash loses nothing acknowledged, and a power loss can lose the last acknowledged transactions
/// but never corrupts the file; with [`Synchronous::Full`](crate::Synchronous::Full) every
/// acknowledged commit also survives a power loss, at the price of one `fsync` per transaction.
///
/// # Concurrency
/// - **One writer, group commit.** One read-write connection runs every write (commits, outbox
///   claims and settlements, occurrence commits and schedule batches, record commits and
///   creation batches), one transaction at a time. Writes that queue while a transaction is in
///   flight go together, up to [`SqliteOptions::max_batch`], into the next transaction (group
///   commit), each in a savepoint of its own: a commit that conflicts rolls back alone and the
///   others land, each caller gets its own result, and results are sent only after the
///   transaction commits.
///   [`commit_many`](hazardloop_core::store::Store::commit_many) and
///   [`settle_many`](hazardloop_core::store::Store::settle_many) put all of theirs in one
///   transaction the same way.
/// - **No hand-off when the writer is idle.** A caller that finds no transaction in flight runs
///   its own on its thread, before its future first returns (it *leads*); callers that find a
///   transaction in flight queue their writes and wait (they *follow*). When writes queued while
///   a leader ran, the writer thread takes the queue over, and leads (grouping whatever queues
///   during each transaction) until it runs a write alone with nothing queued after it; it also
///   runs the WAL's catch-up checkpoint. A leading caller blocks its thread for one short
///   transaction (under [`Synchronous::Full`](crate::Synchronous::Full), for its `fsync` too):
///   [`SqliteOptions::commit_on_caller`]`(false)` sends every write to the writer thread
///   instead, at the price of a thread hand-off per command.
/// - **A pool of readers.** Queries go to a few threads, each with a read-only connection. In
///   WAL mode they read the last committed state while the writer works, so queries never wait
///   behind writes.
/// - **Runtime-agnostic.** Callers await a small one-shot reply; no async runtime is needed (any
///   executor works). JSON encoding and decoding run on the caller's side.
///
/// Version conflicts are found from structure (a row update at the expected version that
/// matches no row, a primary key that exists), and a used idempotency key from the constraint's
/// extended error code, never from message text.
///
/// # Schema
/// [`open`](SqliteStore::open) never changes the schema: call [`migrate`](SqliteStore::migrate)
/// (until then every operation is [`StoreError::Schema`]`("run migrate()")`). Tables are prefixed
/// `hazardloop_` and keyed by tenant first. A file from a newer hazardloop is refused with
/// [`StoreError::Schema`] and left untouched; a file that is not an SQLite database is
/// [`StoreError::Corrupt`].
pub struct SqliteStore {
    path: PathBuf,
    pub(crate) writer: Arc<Writer>,
    pub(crate) readers: Sender<ReadJob>,
    threads: Vec<JoinHandle<()>>,
    ready: AtomicBool,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field("migrated", &self.ready.load(Ordering::Acquire))
            .finish()
    }
}

impl SqliteStore {
    /// Opens (or creates) the database at `path` with the default options.
    ///
    /// **Errors:** [`StoreError::Schema`] for a database of a newer hazardloop,
    /// [`StoreError::Corrupt`] for a file that is not an SQLite database (both leave the file
    /// untouched), [`StoreError::Backend`] when the file cannot be opened.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with(path, SqliteOptions::default())
    }

    /// Opens (or creates) the database at `path` with `options`. See [`open`](Self::open).
    pub fn open_with(
        path: impl AsRef<Path>,
        options: SqliteOptions,
    ) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        // Read-only first: a file this build refuses is never written to.
        let version = schema::probe(&path)?;
        let conn = writer_connection(&path, &options)?;
        let readers = (0..options.reader_count())
            .map(|_| reader::connect(&path, &options))
            .collect::<Result<Vec<_>, _>>()?;
        let (read_tx, read_rx) = crossbeam_channel::unbounded();
        let spawn_error =
            |e: std::io::Error| StoreError::Backend(format!("cannot start a thread: {e}"));
        let counters = Arc::new(Counters::default());
        let (wake_tx, wake_rx) = crossbeam_channel::bounded(1);
        let checkpointer = checkpoint_connection(&path, &options)?;
        let (writer, writer_thread) =
            writer::spawn(conn, options.batch(), options.on_caller(), counters.clone(), wake_tx)
                .map_err(spawn_error)?;
        // The writer first: the checkpointer ends when the writer has dropped its waker.
        let mut threads = vec![writer_thread];
        threads
            .push(checkpoint::spawn(checkpointer, wake_rx, counters.clone()).map_err(spawn_error)?);
        threads.extend(reader::spawn(readers, &read_rx).map_err(spawn_error)?);
        Ok(SqliteStore {
            path,
            writer,
            readers: read_tx,
            threads,
            ready: AtomicBool::new(version == SCHEMA_VERSION),
            counters,
        })
    }

    /// Applies the migrations the database lacks (in one transaction, through the writer) and
    /// enables the store. Safe to call every start-up: a current schema is left as it is.
    /// Blocks the calling thread for the time the migration takes (milliseconds).
    ///
    /// **Errors:** [`StoreError::Schema`] when the database is from a newer hazardloop or a
    /// migration fails (nothing of it stays); [`StoreError::Backend`] on I/O failure.
    pub fn migrate(&self) -> Result<(), StoreError> {
        let (tx, rx) = oneshot::channel();
        self.writer.submit(Job::Migrate(tx))?;
        rx.wait().unwrap_or_else(|| Err(stopped("writer")))?;
        self.ready.store(true, Ordering::Release);
        Ok(())
    }

    /// Checks that the schema is at this build's version: [`StoreError::Schema`] naming the
    /// command that migrates it when it is older (a newer one is refused by [`open`](Self::open)).
    pub fn check_schema(&self) -> Result<(), StoreError> {
        self.ready()
    }

    /// What the writer has done so far (how well group commit is grouping).
    pub fn writer_stats(&self) -> WriterStats {
        self.counters.read()
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `Err(Schema("run migrate()"))` until the schema is current.
    pub(crate) fn ready(&self) -> Result<(), StoreError> {
        if self.ready.load(Ordering::Acquire) {
            Ok(())
        } else {
            Err(StoreError::Schema(RUN_MIGRATE.into()))
        }
    }
}

/// The read-write connection: WAL, the chosen `synchronous`, a busy timeout.
fn writer_connection(path: &Path, options: &SqliteOptions) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(backend)?;
    conn.busy_timeout(options.timeout()).map_err(backend)?;
    let mode: String =
        conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(backend)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Backend(format!("WAL mode refused (journal_mode is {mode})")));
    }
    // The checkpointer thread checkpoints (see `checkpoint`), never a commit.
    conn.execute_batch(&format!(
        "PRAGMA synchronous = {}; PRAGMA cache_size = -{}; PRAGMA temp_store = MEMORY;
         PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 67108864;",
        options.synchronous_mode().pragma(),
        options.cache()
    ))
    .map_err(backend)?;
    Ok(conn)
}

/// The checkpointer's connection (see [`checkpoint`]): read-write, no page cache to speak of.
fn checkpoint_connection(path: &Path, options: &SqliteOptions) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(backend)?;
    conn.busy_timeout(options.timeout()).map_err(backend)?;
    conn.execute_batch(&format!(
        "PRAGMA synchronous = {}; PRAGMA cache_size = -64; PRAGMA wal_autocheckpoint = 0;",
        options.synchronous_mode().pragma()
    ))
    .map_err(backend)?;
    Ok(conn)
}

impl Drop for SqliteStore {
    /// Stops the threads after the work already queued, and closes the connections.
    fn drop(&mut self) {
        let (closed_readers, _) = crossbeam_channel::bounded(0);
        self.writer.close();
        drop(std::mem::replace(&mut self.readers, closed_readers));
        for thread in self.threads.drain(..) {
            // A panicked thread has nothing left to close.
            let _ = thread.join();
        }
    }
}
