//! Group commit: one transaction runs a group of writes, each in its own savepoint (a lone
//! write needs none), and their replies are sent only once the transaction is committed.

use std::sync::atomic::Ordering;

use hazardloop_core::store::{Committed, StoreError};
use rusqlite::Connection;

use crate::error::backend;
use crate::inspection;
use crate::job::{Reply, Write};
use crate::record;
use crate::stats::Counters;
use crate::write_ops::{self, ClaimedRow};

/// A job's result, waiting for its transaction to commit.
enum Done {
    Hazard(Reply<Committed>, Result<Committed, StoreError>),
    Commit(Reply<()>, Result<(), StoreError>),
    Claim(Reply<Vec<ClaimedRow>>, Result<Vec<ClaimedRow>, StoreError>),
    Settle(Reply<bool>, Result<bool, StoreError>),
    Count(Reply<usize>, Result<usize, StoreError>),
}

impl Done {
    fn is_ok(&self) -> bool {
        match self {
            Done::Hazard(_, r) => r.is_ok(),
            Done::Commit(_, r) => r.is_ok(),
            Done::Claim(_, r) => r.is_ok(),
            Done::Settle(_, r) => r.is_ok(),
            Done::Count(_, r) => r.is_ok(),
        }
    }

    /// The transaction did not commit: a success becomes that failure.
    fn fail(self, e: &StoreError) -> Done {
        match self {
            Done::Hazard(tx, Ok(_)) => Done::Hazard(tx, Err(e.clone())),
            Done::Commit(tx, Ok(_)) => Done::Commit(tx, Err(e.clone())),
            Done::Claim(tx, Ok(_)) => Done::Claim(tx, Err(e.clone())),
            Done::Settle(tx, Ok(_)) => Done::Settle(tx, Err(e.clone())),
            Done::Count(tx, Ok(_)) => Done::Count(tx, Err(e.clone())),
            failed => failed,
        }
    }

    fn send(self) {
        match self {
            Done::Hazard(tx, r) => tx.send(r),
            Done::Commit(tx, r) => tx.send(r),
            Done::Claim(tx, r) => tx.send(r),
            Done::Settle(tx, r) => tx.send(r),
            Done::Count(tx, r) => tx.send(r),
        }
    }
}

/// Runs `group` in one transaction, then sends every write's reply (each a failure if the
/// transaction did not commit).
pub(crate) fn run_group(
    conn: &Connection,
    group: Vec<Write>,
    counters: &Counters,
    on_caller: bool,
) {
    if group.is_empty() {
        return;
    }
    let started = std::time::Instant::now();
    counters.transactions.fetch_add(1, Ordering::Relaxed);
    if on_caller {
        counters.on_caller.fetch_add(1, Ordering::Relaxed);
    }
    counters.writes.fetch_add(group.len() as u64, Ordering::Relaxed);
    if !conn.is_autocommit() {
        // A leader unwound inside a transaction: it never committed, so nothing of it stays.
        let _ = conn.execute_batch("ROLLBACK");
    }
    if let Err(e) = savepoint(conn, "BEGIN IMMEDIATE") {
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
                savepoint(conn, "RELEASE hl_job")
            } else {
                savepoint(conn, "ROLLBACK TO hl_job")
                    .and_then(|()| savepoint(conn, "RELEASE hl_job"))
            };
            if let Err(e) = end {
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
        savepoint(conn, "COMMIT")
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

/// Runs a transaction-control statement (one statement, cached: it runs for every commit).
fn savepoint(conn: &Connection, sql: &str) -> Result<(), StoreError> {
    conn.prepare_cached(sql).and_then(|mut s| s.execute([])).map(|_| ()).map_err(backend)
}

fn run(conn: &Connection, job: Write) -> Done {
    match job {
        Write::Commit(c, tx) => Done::Hazard(tx, write_ops::commit(conn, &c)),
        Write::Claim(now, limit, until, tx) => {
            Done::Claim(tx, write_ops::claim(conn, now, limit, until))
        }
        Write::Settle(id, token, change, tx) => {
            Done::Settle(tx, write_ops::settle(conn, &id, token, &change))
        }
        Write::Document(tenant, name, body, tx) => {
            Done::Commit(tx, write_ops::put_document(conn, &tenant, &name, &body))
        }
        Write::Occurrence(c, tx) => Done::Commit(tx, inspection::commit(conn, &c)),
        Write::Schedule(batch, tx) => Done::Count(tx, inspection::schedule(conn, &batch)),
        Write::Record(c, tx) => Done::Commit(tx, record::commit(conn, &c)),
        Write::CreateRecords(batch, tx) => Done::Count(tx, record::create(conn, &batch)),
    }
}

fn run_failed(job: Write, e: &StoreError) -> Done {
    match job {
        Write::Commit(_, tx) => Done::Hazard(tx, Err(e.clone())),
        Write::Claim(.., tx) => Done::Claim(tx, Err(e.clone())),
        Write::Settle(.., tx) => Done::Settle(tx, Err(e.clone())),
        Write::Document(.., tx) | Write::Occurrence(_, tx) | Write::Record(_, tx) => {
            Done::Commit(tx, Err(e.clone()))
        }
        Write::Schedule(_, tx) => Done::Count(tx, Err(e.clone())),
        Write::CreateRecords(_, tx) => Done::Count(tx, Err(e.clone())),
    }
}

fn fail_job(job: Write, e: &StoreError) {
    run_failed(job, e).send();
}
