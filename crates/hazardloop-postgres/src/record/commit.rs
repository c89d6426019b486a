//! Record commits and creation.
//!
//! A record commit is one statement shaped like an occurrence commit, run on its own (its own
//! transaction, one round trip): the version gate (an `INSERT … ON CONFLICT DO NOTHING` at
//! version 0, else `UPDATE … WHERE version = $expected`) with the events and messages joined to
//! its `RETURNING`, so a stale version, or a concurrent creation of the same record, writes
//! nothing.
//!
//! Creation is one statement per batch that inserts each record unless it is stored.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use deadpool_postgres::ClientWrapper;
use hazardloop_core::duty::{RecordEntry, RecordRow};
use hazardloop_core::store::{RecordCommit, StoreError};
use tokio_postgres::types::Json;

use crate::batch::Param;
use crate::codec::{int, uint};
use crate::commit::OutboxColumns;
use crate::error::{backend, corrupt, unique_violation};
use crate::PgStore;

pub(crate) async fn commit_record(store: &PgStore, c: RecordCommit) -> Result<(), StoreError> {
    if let Err(bad) = c.check_shape() {
        return Err(malformed(store, &c, bad).await);
    }
    let w = Written::of(&c)?;
    let client = store.client().await?;
    let stmt =
        client.prepare_cached(store.sql.records.commit(w.new, w.outbox)).await.map_err(backend)?;
    let written = judge(client.execute(&stmt, &w.params()).await)?;
    if written {
        Ok(())
    } else {
        Err(conflict(&client, store, &c).await)
    }
}

/// Whether the record statement wrote: no row back, or a unique violation on its keys, is a
/// stale version (judged by structure, never by message text).
fn judge(result: Result<u64, tokio_postgres::Error>) -> Result<bool, StoreError> {
    match result {
        Ok(rows) => Ok(rows > 0),
        Err(e) => match unique_violation(&e) {
            Some("records_pkey" | "record_events_pkey") => Ok(false),
            Some("outbox_pkey") => Err(outbox_id_used()),
            _ => Err(backend(e)),
        },
    }
}

fn outbox_id_used() -> StoreError {
    StoreError::Backend("outbox message id already used".into())
}

/// A malformed commit's error: a stale version is reported first, as the reference store does.
async fn malformed(store: &PgStore, c: &RecordCommit, bad: StoreError) -> StoreError {
    let client = match store.client().await {
        Ok(client) => client,
        Err(e) => return e,
    };
    match version(&client, store, c).await {
        Ok(actual) if actual != c.expected_version => {
            StoreError::Conflict { expected: c.expected_version, actual }
        }
        Ok(_) => bad,
        Err(e) => e,
    }
}

async fn conflict(client: &ClientWrapper, store: &PgStore, c: &RecordCommit) -> StoreError {
    match version(client, store, c).await {
        Ok(actual) => StoreError::Conflict { expected: c.expected_version, actual },
        Err(e) => e,
    }
}

/// The record's stored version (0 when it does not exist).
async fn version(
    client: &ClientWrapper,
    store: &PgStore,
    c: &RecordCommit,
) -> Result<u64, StoreError> {
    let stmt = client.prepare_cached(&store.sql.records.version).await.map_err(backend)?;
    let row = client
        .query_opt(&stmt, &[&c.tenant.as_str(), &c.kind.code(), &c.id.as_str()])
        .await
        .map_err(backend)?;
    match row {
        Some(r) => uint(r.try_get(0).map_err(|e| corrupt("record version", e))?),
        None => Ok(0),
    }
}

/// The `records` columns of a commit, in the statements' order.
struct Columns<'a> {
    version: i64,
    state: Json<&'a serde_json::Value>,
    row: Json<&'a RecordRow>,
    at: DateTime<Utc>,
    open: bool,
    grp: Option<&'a str>,
    due_at: Option<DateTime<Utc>>,
}

impl<'a> Columns<'a> {
    fn of(c: &'a RecordCommit) -> Result<Columns<'a>, StoreError> {
        Ok(Columns {
            version: int(c.expected_version + c.events.len() as u64)?,
            state: Json(&c.state),
            row: Json(&c.row),
            at: c.row.at,
            open: c.row.open,
            grp: c.row.group.as_deref(),
            due_at: c.next_due,
        })
    }
}

/// A record commit's columns, in its statement's parameter order.
struct Written<'a> {
    new: bool,
    outbox: bool,
    tenant: &'a str,
    kind: &'static str,
    id: &'a str,
    cols: Columns<'a>,
    expected: i64,
    seqs: Vec<i64>,
    entries: Vec<Json<&'a RecordEntry>>,
    messages: OutboxColumns<'a>,
}

impl<'a> Written<'a> {
    fn of(c: &'a RecordCommit) -> Result<Written<'a>, StoreError> {
        Ok(Written {
            new: c.expected_version == 0,
            outbox: !c.outbox.is_empty(),
            tenant: c.tenant.as_str(),
            kind: c.kind.code(),
            id: c.id.as_str(),
            cols: Columns::of(c)?,
            expected: int(c.expected_version)?,
            seqs: c.events.iter().map(|e| int(e.seq)).collect::<Result<Vec<i64>, _>>()?,
            entries: c.events.iter().map(Json).collect(),
            messages: OutboxColumns::of(&c.outbox),
        })
    }

    /// The parameters, numbered as [`super::sql`]'s commit statement of this shape numbers them.
    fn params(&self) -> Vec<Param<'_>> {
        let c = &self.cols;
        let mut p: Vec<Param<'_>> =
            Vec::with_capacity(super::sql::commit_params(self.new, self.outbox));
        let head: [Param<'_>; 10] = [
            &self.tenant,
            &self.kind,
            &self.id,
            &c.version,
            &c.state,
            &c.row,
            &c.at,
            &c.open,
            &c.grp,
            &c.due_at,
        ];
        p.extend_from_slice(&head);
        if !self.new {
            p.push(&self.expected);
        }
        p.push(&self.seqs);
        p.push(&self.entries);
        if self.outbox {
            p.extend_from_slice(&self.messages.params());
        }
        p
    }
}

pub(crate) async fn create_records(
    store: &PgStore,
    commits: Vec<RecordCommit>,
) -> Result<usize, StoreError> {
    // Check all first: a malformed commit writes nothing of the batch.
    for c in &commits {
        if c.expected_version != 0 {
            return Err(StoreError::Malformed(format!(
                "{} {} is created at version 0",
                c.kind.code(),
                c.id
            )));
        }
        c.check_shape()?;
    }
    // The first commit of each record counts (a later one in the batch finds it stored);
    // written in (tenant, kind, id) order, so concurrent batches lock keys in one order.
    let mut seen = BTreeSet::new();
    let mut batch: Vec<&RecordCommit> = commits.iter().filter(|c| seen.insert(key(c))).collect();
    if batch.is_empty() {
        return Ok(0);
    }
    batch.sort_by(|a, b| key(a).cmp(&key(b)));
    let b = Batch::of(&batch)?;
    let client = store.client().await?;
    let stmt = client.prepare_cached(store.sql.records.create(b.outbox)).await.map_err(backend)?;
    let row =
        client.query_one(&stmt, &b.params()).await.map_err(|e| match unique_violation(&e) {
            Some("outbox_pkey") => outbox_id_used(),
            _ => backend(e),
        })?;
    let new: i64 = row.try_get(0).map_err(|e| corrupt("created count", e))?;
    usize::try_from(new).map_err(|e| corrupt("created count", e))
}

/// A record's key as stored (the kind by its code, as the tables order it).
fn key(c: &RecordCommit) -> (&str, &'static str, &str) {
    (c.tenant.as_str(), c.kind.code(), c.id.as_str())
}

/// A batch of new records as column arrays.
struct Batch<'a> {
    outbox: bool,
    tenants: Vec<&'a str>,
    kinds: Vec<&'static str>,
    ids: Vec<&'a str>,
    versions: Vec<i64>,
    states: Vec<Json<&'a serde_json::Value>>,
    rows: Vec<Json<&'a RecordRow>>,
    ats: Vec<DateTime<Utc>>,
    opens: Vec<bool>,
    groups: Vec<Option<&'a str>>,
    dues: Vec<Option<DateTime<Utc>>>,
    /// The events: tenant, kind, id, seq, entry.
    event_tenants: Vec<&'a str>,
    event_kinds: Vec<&'static str>,
    event_ids: Vec<&'a str>,
    seqs: Vec<i64>,
    entries: Vec<Json<&'a RecordEntry>>,
    /// The messages: tenant, kind, id, and the outbox columns.
    message_tenants: Vec<&'a str>,
    message_kinds: Vec<&'static str>,
    message_ids: Vec<&'a str>,
    messages: OutboxColumns<'a>,
}

impl<'a> Batch<'a> {
    fn of(commits: &[&'a RecordCommit]) -> Result<Batch<'a>, StoreError> {
        let n = commits.len();
        let mut b = Batch {
            outbox: commits.iter().any(|c| !c.outbox.is_empty()),
            tenants: Vec::with_capacity(n),
            kinds: Vec::with_capacity(n),
            ids: Vec::with_capacity(n),
            versions: Vec::with_capacity(n),
            states: Vec::with_capacity(n),
            rows: Vec::with_capacity(n),
            ats: Vec::with_capacity(n),
            opens: Vec::with_capacity(n),
            groups: Vec::with_capacity(n),
            dues: Vec::with_capacity(n),
            event_tenants: Vec::with_capacity(n),
            event_kinds: Vec::with_capacity(n),
            event_ids: Vec::with_capacity(n),
            seqs: Vec::with_capacity(n),
            entries: Vec::with_capacity(n),
            message_tenants: Vec::new(),
            message_kinds: Vec::new(),
            message_ids: Vec::new(),
            messages: OutboxColumns::of(commits.iter().flat_map(|c| &c.outbox)),
        };
        for &c in commits {
            let (tenant, kind, id) = key(c);
            let cols = Columns::of(c)?;
            b.tenants.push(tenant);
            b.kinds.push(kind);
            b.ids.push(id);
            b.versions.push(cols.version);
            b.states.push(cols.state);
            b.rows.push(cols.row);
            b.ats.push(cols.at);
            b.opens.push(cols.open);
            b.groups.push(cols.grp);
            b.dues.push(cols.due_at);
            for e in &c.events {
                b.event_tenants.push(tenant);
                b.event_kinds.push(kind);
                b.event_ids.push(id);
                b.seqs.push(int(e.seq)?);
                b.entries.push(Json(e));
            }
            for _ in &c.outbox {
                b.message_tenants.push(tenant);
                b.message_kinds.push(kind);
                b.message_ids.push(id);
            }
        }
        Ok(b)
    }

    fn params(&self) -> Vec<Param<'_>> {
        let mut p: Vec<Param<'_>> = vec![
            &self.tenants,
            &self.kinds,
            &self.ids,
            &self.versions,
            &self.states,
            &self.rows,
            &self.ats,
            &self.opens,
            &self.groups,
            &self.dues,
            &self.event_tenants,
            &self.event_kinds,
            &self.event_ids,
            &self.seqs,
            &self.entries,
        ];
        if self.outbox {
            p.push(&self.message_tenants);
            p.push(&self.message_kinds);
            p.push(&self.message_ids);
            p.extend_from_slice(&self.messages.params());
        }
        p
    }
}
