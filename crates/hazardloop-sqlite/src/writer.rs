//! The writer: one read-write connection runs every write, whoever runs it, one transaction at a
//! time. It takes whatever is queued (up to `max_batch` writes) into one transaction — group
//! commit — with a savepoint per write, so a write that fails rolls back alone and the others
//! land; all replies are sent only after the transaction is committed.
//!
//! **Leader and followers.** A submitter that finds the writer idle, and no sign of other
//! writers, becomes the *leader*: it runs its transaction on its own thread and so pays no thread
//! hand-off. A submitter that finds a transaction in flight queues its write and waits for its
//! reply (a *follower*). When the leader's transaction is committed and writes have queued
//! meanwhile, the writer is *contended*: the leader hands the queue to the writer thread and
//! returns, and until the thread runs a write alone with nothing queued after it, every write
//! goes to the thread, which takes whatever has queued into each transaction (a leader that
//! starts at once would mostly commit alone; queueing while others write forms the groups). The
//! thread also runs the catch-up checkpoint. There is always exactly one leader while writes
//! are queued, so nothing queued waits without one.
//!
//! With `on_caller` off (see [`SqliteOptions::commit_on_caller`](crate::SqliteOptions)), every
//! write is queued and the writer thread leads: no SQLite call runs on a caller's thread.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use crossbeam_channel::Sender;
use hazardloop_core::store::{Committed, StoreError};
use rusqlite::Connection;

use crate::checkpoint;
use crate::codec::EncodedCommit;
use crate::error::{backend, stopped};
use crate::inspection::{self, EncodedOccurrence};
use crate::oneshot;
use crate::record::{self, EncodedRecord};
use crate::schema;
pub(crate) use crate::stats::{Counters, WriterStats};
use crate::write_ops::{self, ClaimedRow, SettleRow};

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

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
    fn weight(&self) -> usize {
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

/// Who holds the lead, and what waits for it.
#[derive(Default)]
struct State {
    queue: VecDeque<Job>,
    /// Writes in `queue` (a `Many` counts for each of its writes).
    queued: usize,
    /// Someone (a caller or the thread) leads: it will run or hand on everything queued.
    leader: bool,
    /// The lead was handed to the writer thread.
    thread_turn: bool,
    /// The store is closing: the thread drains what is left and ends.
    closed: bool,
    /// Writes have been arriving while others ran: they go to the writer thread, which groups
    /// them, until it runs a write alone and finds nothing queued after it.
    contended: bool,
}

impl State {
    /// The next transaction's jobs, oldest first: at least one job, then more while they fit in
    /// `max_batch` writes. Empty when nothing is queued.
    fn take(&mut self, max_batch: usize, into: &mut Vec<Job>) {
        let mut weight = into.iter().map(Job::weight).sum::<usize>();
        while let Some(next) = self.queue.front() {
            let w = next.weight();
            if !into.is_empty() && weight + w > max_batch {
                break;
            }
            weight += w;
            self.queued -= w;
            if let Some(job) = self.queue.pop_front() {
                into.push(job);
            }
        }
    }
}

/// The connection and what goes with it; locked by the leader only, so never contended.
struct Conn {
    /// `None` once the writer thread has ended (the store is closing).
    conn: Option<Connection>,
    /// Wakes the checkpointer; dropped with the connection, which ends the checkpointer.
    checkpointer: Option<Sender<()>>,
    /// `writes` at the checkpointer's last wake-up.
    woken_at: u64,
}

/// The writer, shared by the store and its thread.
pub(crate) struct Writer {
    state: Mutex<State>,
    /// Wakes the writer thread: its turn to lead, or the store is closing.
    turn: Condvar,
    conn: Mutex<Conn>,
    max_batch: usize,
    on_caller: bool,
    counters: Arc<Counters>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Hands the lead on if a leading caller unwinds (a panic inside SQLite or a reply), so the
/// queue is never left without a leader.
struct Leading<'a> {
    writer: &'a Writer,
    done: bool,
}

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        if !self.done {
            let mut st = lock(&self.writer.state);
            st.thread_turn = true;
            self.writer.turn.notify_one();
        }
    }
}

impl Writer {
    /// Submits a job. With the lead free (and `on_caller` on), runs it on this thread before
    /// returning, with whatever else is queued; otherwise queues it for the leader. Its reply
    /// comes through the job's own channel either way.
    pub(crate) fn submit(&self, job: Job) -> Result<(), StoreError> {
        let mut st = lock(&self.state);
        if st.closed {
            return Err(stopped("writer"));
        }
        // A job of many writes (a sweep's page, an import's batch) goes to the thread: it is
        // long enough that its caller should go on working (planning the next page) meanwhile,
        // and one hand-off is small beside it.
        if st.leader || !self.on_caller || st.contended || job.weight() > 1 {
            st.queued += job.weight();
            st.queue.push_back(job);
            if !st.leader {
                st.leader = true;
                st.thread_turn = true;
                self.turn.notify_one();
            }
            return Ok(());
        }
        // The lead was free, so nothing is queued: whoever leads runs or hands on the queue.
        st.leader = true;
        drop(st);
        let mut guard = Leading { writer: self, done: false };
        let mut conn = lock(&self.conn);
        self.run_batch(&mut conn, &mut vec![job], true);
        drop(conn);
        let mut st = lock(&self.state);
        if !st.queue.is_empty() {
            // Others wrote meanwhile: while that lasts, the writer thread leads, and writes
            // queue for it and form groups.
            st.contended = true;
        }
        if !st.queue.is_empty() || checkpoint::needs_catch_up(&self.counters) {
            // The thread serves the rest, and runs the catch-up checkpoint.
            st.thread_turn = true;
            self.turn.notify_one();
        } else {
            st.leader = false;
            if st.closed {
                self.turn.notify_one();
            }
        }
        guard.done = true;
        Ok(())
    }

    /// Stops the writer thread once the queue is drained.
    pub(crate) fn close(&self) {
        lock(&self.state).closed = true;
        self.turn.notify_one();
    }

    /// Runs the jobs of `batch` (emptying it), then what follows a transaction: the catch-up
    /// checkpoint when the thread runs it, the checkpointer's wake-up.
    fn run_batch(&self, conn: &mut Conn, batch: &mut Vec<Job>, on_caller: bool) {
        let Some(c) = conn.conn.as_ref() else {
            batch.clear(); // the replies' drop reports a stopped writer
            return;
        };
        let mut group = Vec::with_capacity(batch.len());
        for job in batch.drain(..) {
            match job {
                Job::Migrate(reply) => {
                    run_group(c, std::mem::take(&mut group), &self.counters, on_caller);
                    reply.send(schema::migrate(c));
                }
                Job::Write(write) => group.push(write),
                Job::Many(writes) => group.extend(writes),
            }
        }
        run_group(c, group, &self.counters, on_caller);
        let writes = self.counters.writes.load(Ordering::Relaxed);
        if writes - conn.woken_at >= checkpoint::WAKE_EVERY {
            if let Some(wake) = &conn.checkpointer {
                // Full: a wake-up is already pending, which is as good.
                let _ = wake.try_send(());
            }
            conn.woken_at = writes;
        }
    }

    /// The writer thread: leads when handed the lead, until the queue is empty.
    fn thread(&self) {
        loop {
            let mut st = lock(&self.state);
            while !st.thread_turn {
                if st.closed && !st.leader {
                    drop(st);
                    let mut conn = lock(&self.conn);
                    // The checkpointer ends when its waker is dropped, and truncates the WAL.
                    conn.checkpointer = None;
                    conn.conn = None;
                    return;
                }
                st = self.turn.wait(st).unwrap_or_else(PoisonError::into_inner);
            }
            st.thread_turn = false;
            drop(st);
            let mut conn = lock(&self.conn);
            let mut batch = Vec::with_capacity(self.max_batch);
            let mut last = 0;
            loop {
                if checkpoint::needs_catch_up(&self.counters) {
                    if let Some(c) = conn.conn.as_ref() {
                        checkpoint::catch_up(c, &self.counters);
                    }
                }
                let mut st = lock(&self.state);
                st.take(self.max_batch, &mut batch);
                if batch.is_empty() {
                    if last <= 1 {
                        // A write alone, then nothing: callers lead again.
                        st.contended = false;
                    }
                    st.leader = false;
                    break;
                }
                drop(st);
                last = batch.iter().map(Job::weight).sum();
                self.run_batch(&mut conn, &mut batch, false);
            }
        }
    }
}

/// Starts the writer thread on `conn`; it ends after [`Writer::close`].
pub(crate) fn spawn(
    conn: Connection,
    max_batch: usize,
    on_caller: bool,
    counters: Arc<Counters>,
    checkpointer: Sender<()>,
) -> std::io::Result<(Arc<Writer>, std::thread::JoinHandle<()>)> {
    let writer = Arc::new(Writer {
        state: Mutex::new(State::default()),
        turn: Condvar::new(),
        conn: Mutex::new(Conn { conn: Some(conn), checkpointer: Some(checkpointer), woken_at: 0 }),
        max_batch,
        on_caller,
        counters,
    });
    let shared = writer.clone();
    let thread = std::thread::Builder::new()
        .name("hazardloop-sqlite-writer".into())
        .spawn(move || shared.thread())?;
    Ok((writer, thread))
}

fn run_group(conn: &Connection, group: Vec<Write>, counters: &Counters, on_caller: bool) {
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
