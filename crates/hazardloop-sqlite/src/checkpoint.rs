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
//! A checkpoint running beside a busy writer never reaches the WAL's end, and SQLite starts the WAL
//! over only once a checkpoint has: under sustained writes the file would grow without bound
//! (measured: 29 GB over the 100 k-hazard soak). So when the WAL passes [`CATCH_UP_FRAMES`], the
//! writer finishes the checkpoint itself between two transactions — cheaply, the frames are
//! mostly copied already — and its next transaction starts the WAL over.
//!
//! Under both `synchronous` modes. Under FULL every commit also waits for its own `fsync`, and an
//! automatic checkpoint inside a commit made one command in every hundred or so also pay for a
//! thousand page writes and two more `fsync`s. On this project's CI machine the mean of a
//! sequential FULL `Discover` is the same either way (228 µs here against 231 µs with SQLite's
//! automatic checkpoints, three alternating runs each); this way no single commit pays for a
//! checkpoint, and both modes run the same code.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError};
use rusqlite::Connection;

use crate::stats::Counters;

/// Writes between two wake-ups of the checkpointer (a few thousand WAL pages).
pub(crate) const WAKE_EVERY: u64 = 512;

/// How often the checkpointer looks for new writes without being woken.
pub(crate) const IDLE: Duration = Duration::from_millis(500);

/// WAL frames (4 KiB pages) past which the writer completes the checkpoint itself (32 MiB).
pub(crate) const CATCH_UP_FRAMES: u64 = 8192;

/// Runs a `PASSIVE` checkpoint on `conn` and records the WAL's size; `true` when every frame
/// was copied.
fn round(conn: &Connection, counters: &Counters) -> bool {
    // (busy, frames in the WAL, frames copied). A failed round (I/O error) is retried on the
    // next one; closing the last connection checkpoints whatever is left.
    let result: rusqlite::Result<(i64, i64, i64)> =
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        });
    match result {
        Ok((0, log, copied)) => {
            counters.wal_frames.store(u64::try_from(log).unwrap_or(0), Ordering::Relaxed);
            log == copied
        }
        _ => false,
    }
}

/// Whether the WAL had grown past the catch-up threshold at the checkpointer's last round.
pub(crate) fn needs_catch_up(counters: &Counters) -> bool {
    counters.wal_frames.load(Ordering::Relaxed) > CATCH_UP_FRAMES
}

/// The writer's catch-up: a checkpoint between two of its transactions reaches the WAL's end
/// unless a reader still needs old frames.
pub(crate) fn catch_up(conn: &Connection, counters: &Counters) {
    round(conn, counters);
    // The next transaction starts the WAL over; until the checkpointer's next round says
    // otherwise (a reader held old frames), there is nothing more to catch up.
    counters.wal_frames.store(0, Ordering::Relaxed);
}

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
            if round(&conn, &counters) {
                checkpointed = writes;
            }
        }
        // The store is closing: leave an empty WAL behind, not megabytes of copied frames (the
        // last connection to close is a read-only one, which cannot remove the file).
        let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    })
}
