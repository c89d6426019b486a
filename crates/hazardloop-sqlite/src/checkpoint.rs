//! The checkpointer: copies committed WAL frames back into the database file on a thread of its
//! own. SQLite would otherwise run the checkpoint inside whichever commit crosses
//! `wal_autocheckpoint` — with its two `fsync`s — so that one command would pay for a thousand.
//! The writer connection has automatic checkpoints off and wakes this thread instead: every
//! [`WAKE_EVERY`] writes, and the thread also looks every [`IDLE`] on its own.
//!
//! Checkpoints are `PASSIVE`: they never block the writer or the readers; frames a reader still
//! needs are copied by a later round. Durability is SQLite's own: a checkpoint syncs the WAL
//! before it copies, whatever `synchronous` is.
//!
//! Only under `synchronous = NORMAL`. Under FULL every commit waits for an `fsync` anyway, and a
//! checkpoint's own `fsync`s running beside it made each commit wait longer (measured: 0.53×
//! raw FULL against 0.97× with SQLite's automatic checkpoints), so the writer keeps those.

use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError};
use rusqlite::Connection;

use crate::writer::Counters;

/// Writes between two wake-ups of the checkpointer (a few thousand WAL pages).
pub(crate) const WAKE_EVERY: u64 = 512;

/// How often the checkpointer looks for new writes without being woken.
pub(crate) const IDLE: Duration = Duration::from_millis(500);

/// Starts the checkpointer on `conn`. It ends when the writer drops its waker.
pub(crate) fn spawn(
    conn: Connection,
    wake: Receiver<()>,
    counters: Arc<Counters>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new().name("hazardloop-sqlite-checkpointer".into()).spawn(move || {
        let mut checkpointed = counters.read().writes;
        while let Ok(()) | Err(RecvTimeoutError::Timeout) = wake.recv_timeout(IDLE) {
            let writes = counters.read().writes;
            if writes == checkpointed {
                continue;
            }
            // A failed round (I/O error) is retried on the next one; closing the last
            // connection checkpoints whatever is left.
            let round: rusqlite::Result<(i64, i64, i64)> =
                conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                });
            // (busy, frames in the WAL, frames copied): all copied, nothing is left to do.
            if let Ok((0, log, copied)) = round {
                if log == copied {
                    checkpointed = writes;
                }
            }
        }
        // The store is closing: leave an empty WAL behind, not megabytes of copied frames (the
        // last connection to close is a read-only one, which cannot remove the file).
        let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    })
}
