//! The readers: a few threads, each owning one read-only connection, taking queries from one
//! shared queue. Queries never wait behind the writer (WAL readers see the last committed state
//! while a write is in progress), and no SQLite call ever runs on the caller's executor thread.

use std::path::Path;

use crossbeam_channel::{Receiver, Sender};
use hazardloop_core::store::StoreError;
use rusqlite::{Connection, OpenFlags};

use crate::error::{backend, stopped};
use crate::oneshot;
use crate::options::SqliteOptions;

/// A query for a reader thread.
pub(crate) type ReadJob = Box<dyn FnOnce(&Connection) + Send>;

/// Opens a read-only connection configured for queries.
pub(crate) fn connect(path: &Path, options: &SqliteOptions) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(backend)?;
    conn.busy_timeout(options.timeout()).map_err(backend)?;
    conn.execute_batch(&format!(
        "PRAGMA cache_size = -{}; PRAGMA query_only = ON; PRAGMA temp_store = MEMORY;",
        options.cache()
    ))
    .map_err(backend)?;
    Ok(conn)
}

/// Starts one reader thread per connection; they end when every sender is dropped.
pub(crate) fn spawn(
    conns: Vec<Connection>,
    jobs: &Receiver<ReadJob>,
) -> std::io::Result<Vec<std::thread::JoinHandle<()>>> {
    conns
        .into_iter()
        .enumerate()
        .map(|(i, conn)| {
            let jobs = jobs.clone();
            std::thread::Builder::new().name(format!("hazardloop-sqlite-reader-{i}")).spawn(
                move || {
                    while let Ok(job) = jobs.recv() {
                        job(&conn);
                    }
                },
            )
        })
        .collect()
}

/// Runs `query` on a reader thread and awaits its result.
pub(crate) async fn read<T, F>(readers: &Sender<ReadJob>, query: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
{
    let (tx, rx) = oneshot::channel();
    readers.send(Box::new(move |conn| tx.send(query(conn)))).map_err(|_| stopped("reader"))?;
    rx.await.unwrap_or_else(|| Err(stopped("reader")))
}
