//! Commits. One commit is one statement, run on its own (autocommit, one round trip): a
//! data-modifying CTE whose version gate comes first and whose other writes (events, due clock,
//! outbox, idempotency key) are joined to the gate's `RETURNING`, so a stale version writes
//! nothing. It is judged by structure (the row the statement returns, SQLSTATE 23505 and the
//! constraint it names), never by message text.
//!
//! [`commit_many`] puts a batch in one transaction, each commit in a savepoint of its own
//! ([`crate::batch`]), in (tenant, hazard) order so that concurrent batches lock rows in one
//! order and never deadlock.

use chrono::{DateTime, Utc};
use deadpool_postgres::ClientWrapper;
use hazardloop_core::chain::Recorded;
use hazardloop_core::store::{Commit, Committed, StoreError};
use tokio_postgres::types::Json;
use uuid::Uuid;

use crate::batch::{in_order, savepointed, Call, Param};
use crate::codec::{int, status_name, uint, HazardColumns};
use crate::error::{backend, unique_violation};
use crate::numbers;
use crate::sql::{DueOp, Shape, Sql};
use crate::PgStore;

/// Commits per transaction in [`commit_many`]: at most 64 subtransactions, so the transaction's
/// subtransaction ids fit the server's per-backend cache (`PGPROC_MAX_CACHED_SUBXIDS`) and
/// other sessions' snapshots never overflow into `pg_subtrans` while it runs.
pub(crate) const CHUNK: usize = 64;

pub(crate) async fn commit(store: &PgStore, c: Commit) -> Result<Committed, StoreError> {
    let sql = &store.sql;
    if let Err(bad) = c.check_shape() {
        return Err(malformed(store, &c, bad).await);
    }
    let w = Written::of(&c)?;
    let client = store.client().await?;
    let stmt = client.prepare_cached(sql.commit(w.shape)).await.map_err(backend)?;
    let (result, number) = if w.shape.numbered {
        // The statement answers the number it took (no row: it wrote nothing).
        match client.query_opt(&stmt, &w.params()).await {
            Ok(Some(row)) => (Ok(1), Some(row.try_get::<_, String>(0).map_err(backend)?)),
            Ok(None) => (Ok(0), None),
            Err(e) => (Err(e), None),
        }
    } else {
        (client.execute(&stmt, &w.params()).await, None)
    };
    match judge(result) {
        Verdict::Commit => Ok(Committed::numbered(number)),
        Verdict::Conflict => Err(conflict(&client, sql, &c).await),
        Verdict::Fail(e) => Err(e),
    }
}

/// Commits in one transaction per [`CHUNK`], each on its own: one result per commit, in order.
/// A new hazard to be numbered commits on its own ([`commit`]: one statement takes its number).
pub(crate) async fn commit_many(
    store: &PgStore,
    commits: Vec<Commit>,
) -> Vec<Result<(), StoreError>> {
    let mut results: Vec<Option<Result<(), StoreError>>> = vec![None; commits.len()];
    let mut batch = Vec::with_capacity(commits.len());
    for (i, c) in commits.iter().enumerate() {
        if numbers::wanted(c) {
            results[i] = Some(commit(store, c.clone()).await.map(|_| ()));
            continue;
        }
        match c.check_shape() {
            Err(bad) => results[i] = Some(Err(malformed(store, c, bad).await)),
            Ok(()) => match Written::of(c) {
                Ok(w) => batch.push((i, c, w)),
                Err(e) => results[i] = Some(Err(e)),
            },
        }
    }
    // One lock order for every batch: by (tenant, hazard).
    batch.sort_by(|a, b| (a.1.tenant.as_str(), a.1.hazard).cmp(&(b.1.tenant.as_str(), b.1.hazard)));
    for chunk in batch.chunks(CHUNK) {
        let outcomes = match write_chunk(store, chunk).await {
            Ok(outcomes) => outcomes,
            Err(e) => chunk.iter().map(|_| Err(e.clone())).collect(),
        };
        for ((i, _, _), outcome) in chunk.iter().zip(outcomes) {
            results[*i] = Some(outcome);
        }
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(StoreError::Backend("commit not attempted".into()))))
        .collect()
}

/// One transaction: the chunk's commits pipelined, each in its savepoint; then the stored
/// version of each conflicted hazard, read after the commit (one round trip for all).
async fn write_chunk(
    store: &PgStore,
    chunk: &[(usize, &Commit, Written<'_>)],
) -> Result<Vec<Result<(), StoreError>>, StoreError> {
    let sql = &store.sql;
    let mut client = store.client().await?;
    let mut stmts = Vec::with_capacity(chunk.len());
    for (_, _, w) in chunk {
        stmts.push(client.prepare_cached(sql.commit(w.shape)).await.map_err(backend)?);
    }
    let params: Vec<Vec<Param<'_>>> = chunk.iter().map(|(_, _, w)| w.params()).collect();
    let items: Vec<_> = stmts.iter().zip(&params).map(|(s, p)| (s, p.as_slice())).collect();
    let tx = client.transaction().await.map_err(backend)?;
    let outcomes = savepointed(&tx, &items).await?;
    tx.commit().await.map_err(backend)?;

    let verdicts: Vec<Verdict> = outcomes.into_iter().map(judge).collect();
    let client: &ClientWrapper = &client;
    let reads: Vec<Call<'_, StoreError>> = chunk
        .iter()
        .zip(&verdicts)
        .filter(|(_, v)| matches!(v, Verdict::Conflict))
        .map(|((_, c, _), _)| Box::pin(conflict(client, sql, c)) as Call<'_, StoreError>)
        .collect();
    let mut conflicts = in_order(reads).await.into_iter();
    Ok(verdicts
        .into_iter()
        .map(|v| match v {
            Verdict::Commit => Ok(()),
            Verdict::Conflict => Err(conflicts
                .next()
                .unwrap_or_else(|| StoreError::Backend("conflict without a version".into()))),
            Verdict::Fail(e) => Err(e),
        })
        .collect())
}

/// A malformed commit's error: a stale version is reported first, as the reference store does.
async fn malformed(store: &PgStore, c: &Commit, bad: StoreError) -> StoreError {
    let client = match store.client().await {
        Ok(client) => client,
        Err(e) => return e,
    };
    match version(&client, &store.sql, c).await {
        Ok(actual) if actual != c.expected_version => {
            StoreError::Conflict { expected: c.expected_version, actual }
        }
        Ok(_) => bad,
        Err(e) => e,
    }
}

/// The conflict of `c`, with the version stored now.
async fn conflict(client: &ClientWrapper, sql: &Sql, c: &Commit) -> StoreError {
    match version(client, sql, c).await {
        Ok(actual) => StoreError::Conflict { expected: c.expected_version, actual },
        Err(e) => e,
    }
}

/// The hazard's stored version (0 when it does not exist).
pub(crate) async fn version(
    client: &ClientWrapper,
    sql: &Sql,
    c: &Commit,
) -> Result<u64, StoreError> {
    let stmt = client.prepare_cached(&sql.version).await.map_err(backend)?;
    let row = client
        .query_opt(&stmt, &[&c.tenant.as_str(), &c.hazard.as_uuid()])
        .await
        .map_err(backend)?;
    match row {
        Some(r) => uint(r.try_get(0).map_err(backend)?),
        None => Ok(0),
    }
}

pub(crate) enum Verdict {
    Commit,
    Conflict,
    Fail(StoreError),
}

/// No row back from the statement: the gate wrote nothing (a stale version, or the hazard
/// exists already). A unique violation names its constraint.
pub(crate) fn judge(result: Result<u64, tokio_postgres::Error>) -> Verdict {
    match result {
        Ok(0) => Verdict::Conflict,
        Ok(_) => Verdict::Commit,
        Err(e) => match unique_violation(&e) {
            Some("events_pkey" | "hazards_pkey") => Verdict::Conflict,
            Some("idempotency_pkey") => Verdict::Fail(StoreError::DuplicateKey),
            Some("outbox_pkey") => {
                Verdict::Fail(StoreError::Backend("outbox message id already used".into()))
            }
            _ => Verdict::Fail(backend(e)),
        },
    }
}

/// A commit's columns, in its statement's parameter order.
pub(crate) struct Written<'a> {
    pub(crate) shape: Shape,
    tenant: &'a str,
    hazard: Uuid,
    cols: HazardColumns<'a>,
    expected: i64,
    seqs: Vec<i64>,
    records: Vec<Json<&'a Recorded>>,
    due: Option<DateTime<Utc>>,
    outbox: OutboxColumns<'a>,
    key: Option<(&'a str, i64, i64)>,
    /// The series, the text before the sequence, its width and the text after it.
    number: Option<(&'a str, String, i32, String)>,
}

impl<'a> Written<'a> {
    pub(crate) fn of(c: &'a Commit) -> Result<Written<'a>, StoreError> {
        let key = match &c.idempotency {
            Some(k) => Some((k.key.as_str(), int(k.version)?, int(k.events)?)),
            None => None,
        };
        let new = c.expected_version == 0;
        let due = match (c.next_due, new) {
            (Some(_), _) => DueOp::Set,
            (None, true) => DueOp::Keep,
            (None, false) => DueOp::Clear,
        };
        let number = match &c.numbering {
            Some(n) if new && numbers::wanted(c) => {
                let (before, width, after) = n.around_seq();
                let width = i32::try_from(width).map_err(|_| malformed_width(width))?;
                Some((n.series.as_str(), before, width, after))
            }
            _ => None,
        };
        Ok(Written {
            shape: Shape {
                new,
                due,
                outbox: !c.outbox.is_empty(),
                key: key.is_some(),
                numbered: number.is_some(),
            },
            tenant: c.tenant.as_str(),
            hazard: c.hazard.as_uuid(),
            cols: HazardColumns::of(c)?,
            expected: int(c.expected_version)?,
            seqs: c.events.iter().map(|r| int(r.seq)).collect::<Result<Vec<i64>, _>>()?,
            records: c.events.iter().map(Json).collect(),
            due: c.next_due,
            outbox: OutboxColumns::of(&c.outbox),
            key,
            number,
        })
    }

    /// The parameters, numbered as [`crate::sql`]'s commit statement of this shape numbers them.
    pub(crate) fn params(&self) -> Vec<Param<'_>> {
        let c = &self.cols;
        let mut p: Vec<Param<'_>> = Vec::with_capacity(self.shape.params());
        let head: [Param<'_>; 17] = [
            &self.tenant,
            &self.hazard,
            &c.version,
            &c.head,
            &c.snapshot,
            &c.ledger,
            &c.stage,
            &c.open,
            &c.unit,
            &c.category,
            &c.grade,
            &c.discovered_at,
            &c.deadline,
            &c.paused_since,
            &c.as_of,
            &c.title,
            &c.location,
        ];
        p.extend_from_slice(&head);
        if let Some((series, before, width, after)) = &self.number {
            let number: [Param<'_>; 4] = [series, before, width, after];
            p.extend_from_slice(&number);
        }
        if !self.shape.new {
            p.push(&self.expected);
        }
        p.push(&self.seqs);
        p.push(&self.records);
        if self.shape.due == DueOp::Set {
            p.push(&self.due);
        }
        if self.shape.outbox {
            p.extend_from_slice(&self.outbox.params());
        }
        if let Some((key, version, events)) = &self.key {
            let key: [Param<'_>; 3] = [key, version, events];
            p.extend_from_slice(&key);
        }
        p
    }
}

fn malformed_width(width: usize) -> StoreError {
    StoreError::Malformed(format!("a hazard number's sequence width of {width} digits"))
}

/// Outbox messages (of a commit, or of a batch) as column arrays for one `unnest` insert.
pub(crate) struct OutboxColumns<'a> {
    ids: Vec<Uuid>,
    groups: Vec<&'a str>,
    statuses: Vec<&'static str>,
    available: Vec<DateTime<Utc>>,
    attempts: Vec<i32>,
    errors: Vec<Option<&'a str>>,
    messages: Vec<Json<&'a hazardloop_core::store::OutboxMessage>>,
}

impl<'a> OutboxColumns<'a> {
    pub(crate) fn of(
        messages: impl IntoIterator<Item = &'a hazardloop_core::store::OutboxMessage>,
    ) -> OutboxColumns<'a> {
        let mut o = OutboxColumns {
            ids: Vec::new(),
            groups: Vec::new(),
            statuses: Vec::new(),
            available: Vec::new(),
            attempts: Vec::new(),
            errors: Vec::new(),
            messages: Vec::new(),
        };
        for m in messages {
            o.ids.push(m.id.as_uuid());
            o.groups.push(m.group.as_str());
            o.statuses.push(status_name(m.status));
            o.available.push(m.available_at);
            o.attempts.push(i32::try_from(m.attempts).unwrap_or(i32::MAX));
            o.errors.push(m.last_error.as_deref());
            o.messages.push(Json(m));
        }
        o
    }

    /// The seven arrays, in the order of the outbox inserts' `unnest`.
    pub(crate) fn params(&self) -> [Param<'_>; 7] {
        [
            &self.ids,
            &self.groups,
            &self.statuses,
            &self.available,
            &self.attempts,
            &self.errors,
            &self.messages,
        ]
    }
}
