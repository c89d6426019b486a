//! The writer: one thread owns the only read-write connection and runs every write. It takes
//! whatever is queued (up to `max_batch` jobs) into one transaction — group commit — with a
//! savepoint per job, so a job that fails rolls back alone and the others land; all replies are
//! sent only after the transaction is committed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};
use hazardloop_core::store::StoreError;
use rusqlite::Connection;

use crate::checkpoint;
use crate::codec::EncodedCommit;
use crate::error::{backend, stopped};
use crate::oneshot;
use crate::schema;
use crate::write_ops::{self, ClaimedRow, SettleRow};

/// What the writer has done since the store was opened: with group commit, `transactions` grows
/// slower than `writes` when writes arrive together.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Transactions committed or attempted (migrations excluded).
    pub transactions: u64,
    /// Writes (commits, claims, settlements, documents) run in them.
    pub writes: u64,
    /// Time spent in those transactions, in microseconds (SQL and disk, from BEGIN to COMMIT).
    pub busy_micros: u64,
}

/// The writer's counters, shared with the store.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    transactions: AtomicU64,
    writes: AtomicU64,
    busy_micros: AtomicU64,
    /// Frames in the WAL at the checkpointer's last round (see [`checkpoint`]).
    pub(crate) wal_frames: AtomicU64,
}

impl Counters {
    pub(crate) fn read(&self) -> WriterStats {
        WriterStats {
            transactions: self.transactions.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
            busy_micros: self.busy_micros.load(Ordering::Relaxed),
        }
    }
}

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// Work for the writer thread.
pub(crate) enum Job {
    /// A write that may share a transaction with others.
    Write(Write),
    /// Apply the migrations (alone, in a transaction of its own).
    Migrate(Reply<u32>),
}

/// A write that may share a transaction with others.
pub(crate) enum Write {
    /// A commit.
    Commit(Box<EncodedCommit>, Reply<()>),
    /// An outbox claim: now, limit, lease until.
    Claim(i64, usize, i64, Reply<Vec<ClaimedRow>>),
    /// An outbox settlement: id, token, change.
    Settle(String, i64, SettleRow, Reply<bool>),
    /// A named document: tenant, name, body.
    Document(String, String, String, Reply<()>),
}

/// A job's result, waiting for its transaction to commit.
enum Done {
    Commit(Reply<()>, Result<(), StoreError>),
    Claim(Reply<Vec<ClaimedRow>>, Result<Vec<ClaimedRow>, StoreError>),
    Settle(Reply<bool>, Result<bool, StoreError>),
}

impl Done {
    fn is_ok(&self) -> bool {
        match self {
            Done::Commit(_, r) => r.is_ok(),
            Done::Claim(_, r) => r.is_ok(),
            Done::Settle(_, r) => r.is_ok(),
        }
    }

    /// The transaction did not commit: a success becomes that failure.
    fn fail(self, e: &StoreError) -> Done {
        match self {
            Done::Commit(tx, Ok(_)) => Done::Commit(tx, Err(e.clone())),
            Done::Claim(tx, Ok(_)) => Done::Claim(tx, Err(e.clone())),
            Done::Settle(tx, Ok(_)) => Done::Settle(tx, Err(e.clone())),
            failed => failed,
        }
    }

    fn send(self) {
        match self {
            Done::Commit(tx, r) => tx.send(r),
            Done::Claim(tx, r) => tx.send(r),
            Done::Settle(tx, r) => tx.send(r),
        }
    }
}

/// Starts the writer thread on `conn`. It ends when every sender is dropped.
pub(crate) fn spawn(
    conn: Connection,
    jobs: Receiver<Job>,
    max_batch: usize,
    counters: Arc<Counters>,
    checkpointer: Sender<()>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new().name("hazardloop-sqlite-writer".into()).spawn(move || {
        let mut batch = Vec::with_capacity(max_batch);
        let mut woken_at = 0;
        while let Ok(first) = jobs.recv() {
            batch.push(first);
            while batch.len() < max_batch {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            run_batch(&conn, &mut batch, &counters);
            if counters.wal_frames.load(Ordering::Relaxed) > checkpoint::CATCH_UP_FRAMES {
                checkpoint::catch_up(&conn, &counters);
            }
            let writes = counters.writes.load(Ordering::Relaxed);
            if writes - woken_at >= checkpoint::WAKE_EVERY {
                // Full: a wake-up is already pending, which is as good.
                let _ = checkpointer.try_send(());
                woken_at = writes;
            }
        }
    })
}

/// A job sender that reports a stopped writer as a store error.
pub(crate) fn submit(sender: &Sender<Job>, job: Job) -> Result<(), StoreError> {
    sender.send(job).map_err(|_| stopped("writer"))
}

fn run_batch(conn: &Connection, batch: &mut Vec<Job>, counters: &Counters) {
    let mut group = Vec::with_capacity(batch.len());
    for job in batch.drain(..) {
        match job {
            Job::Migrate(reply) => {
                run_group(conn, std::mem::take(&mut group), counters);
                reply.send(schema::migrate(conn));
            }
            Job::Write(write) => group.push(write),
        }
    }
    run_group(conn, group, counters);
}

fn run_group(conn: &Connection, group: Vec<Write>, counters: &Counters) {
    if group.is_empty() {
        return;
    }
    let started = std::time::Instant::now();
    counters.transactions.fetch_add(1, Ordering::Relaxed);
    counters.writes.fetch_add(group.len() as u64, Ordering::Relaxed);
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE").map_err(backend) {
        for job in group {
            fail_job(job, &e);
        }
        return;
    }
    // A lone job needs no savepoint: if it fails, the whole transaction rolls back.
    let alone = group.len() == 1;
    let mut done = Vec::with_capacity(group.len());
    let mut jobs = group.into_iter();
    for job in jobs.by_ref() {
        if !alone {
            if let Err(e) = savepoint(conn, "SAVEPOINT hl_job") {
                done.push(run_failed(job, &e));
                continue;
            }
        }
        let mut result = run(conn, job);
        if !alone {
            let end = if result.is_ok() {
                "RELEASE hl_job"
            } else {
                "ROLLBACK TO hl_job; RELEASE hl_job"
            };
            if let Err(e) = savepoint(conn, end) {
                result = result.fail(&e);
            }
        }
        done.push(result);
        if conn.is_autocommit() {
            // SQLite rolled the whole transaction back: run nothing more outside it.
            break;
        }
    }
    let aborted = StoreError::Backend("the transaction was rolled back by SQLite".into());
    done.extend(jobs.map(|job| run_failed(job, &aborted)));
    let all_failed = done.iter().all(|d| !d.is_ok());
    let finished = if conn.is_autocommit() {
        // SQLite rolled the whole transaction back (disk full, I/O error): nothing landed.
        Err(aborted)
    } else if alone && all_failed {
        conn.execute_batch("ROLLBACK").map_err(backend)
    } else {
        conn.execute_batch("COMMIT").map_err(backend)
    };
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    counters.busy_micros.fetch_add(micros, Ordering::Relaxed);
    match finished {
        Ok(()) => done.into_iter().for_each(Done::send),
        Err(e) => {
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            done.into_iter().for_each(|d| d.fail(&e).send());
        }
    }
}

fn savepoint(conn: &Connection, sql: &str) -> Result<(), StoreError> {
    conn.execute_batch(sql).map_err(backend)
}

fn run(conn: &Connection, job: Write) -> Done {
    match job {
        Write::Commit(c, tx) => Done::Commit(tx, write_ops::commit(conn, &c)),
        Write::Claim(now, limit, until, tx) => {
            Done::Claim(tx, write_ops::claim(conn, now, limit, until))
        }
        Write::Settle(id, token, change, tx) => {
            Done::Settle(tx, write_ops::settle(conn, &id, token, &change))
        }
        Write::Document(tenant, name, body, tx) => {
            Done::Commit(tx, write_ops::put_document(conn, &tenant, &name, &body))
        }
    }
}

fn run_failed(job: Write, e: &StoreError) -> Done {
    match job {
        Write::Commit(_, tx) => Done::Commit(tx, Err(e.clone())),
        Write::Claim(.., tx) => Done::Claim(tx, Err(e.clone())),
        Write::Settle(.., tx) => Done::Settle(tx, Err(e.clone())),
        Write::Document(.., tx) => Done::Commit(tx, Err(e.clone())),
    }
}

fn fail_job(job: Write, e: &StoreError) {
    run_failed(job, e).send();
}
