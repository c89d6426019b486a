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
use hazardloop_core::store::StoreError;
use rusqlite::Connection;

use crate::checkpoint;
use crate::error::stopped;
use crate::group_commit::run_group;
pub(crate) use crate::job::{Job, Write};
use crate::schema;
pub(crate) use crate::stats::{Counters, WriterStats};

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
