//! Occurrence commits and scheduling.
//!
//! An occurrence commit is one statement shaped like a hazard commit: the version gate (an
//! `INSERT … ON CONFLICT DO NOTHING` at version 0, else `UPDATE … WHERE version = $expected`)
//! with the events and messages joined to its `RETURNING`. Without hazards it runs on its own
//! (autocommit, one round trip). With the hazards a completion raises, it and the hazards' own
//! commit statements ([`crate::commit`]) are pipelined in one transaction, which commits only
//! if every statement wrote: the occurrence and its hazards land together or not at all.
//!
//! Scheduling is one statement per batch that inserts each occurrence unless it is stored.

use std::collections::BTreeSet;

use deadpool_postgres::ClientWrapper;
use hazardloop_core::store::{OccurrenceCommit, StoreError};

use super::columns::{Batch, Written};
use crate::batch::{in_order, Call, Param};
use crate::codec::uint;
use crate::commit::{self as hazard, Verdict};
use crate::error::{backend, corrupt, unique_violation};
use crate::PgStore;

pub(crate) async fn commit_occurrence(
    store: &PgStore,
    mut c: OccurrenceCommit,
) -> Result<(), StoreError> {
    if let Err(bad) = well_formed(&c) {
        return Err(malformed(store, &c, bad).await);
    }
    let sql = &store.sql;
    let mut client = store.client().await?;
    if c.hazards.is_empty() {
        let w = Written::of(&c)?;
        let stmt = client
            .prepare_cached(sql.occurrences.commit(w.new, w.outbox))
            .await
            .map_err(backend)?;
        let written = judge(client.execute(&stmt, &w.params()).await)?;
        return if written { Ok(()) } else { Err(conflict(&client, store, &c).await) };
    }
    let tx = client.transaction().await.map_err(backend)?;
    // The hazards' numbers, taken in the transaction that writes them (sorted: one lock order).
    c.hazards.sort_by_key(|h| h.hazard);
    for h in &mut c.hazards {
        if crate::numbers::wanted(h) {
            crate::numbers::take(&tx, sql, h).await?;
        }
    }
    let w = Written::of(&c)?;
    let hazards = c
        .hazards
        .iter()
        .map(|h| Ok((h, hazard::Written::of(h)?)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    let stmt = tx.prepare_cached(sql.occurrences.commit(w.new, w.outbox)).await.map_err(backend)?;
    let params = w.params();
    let mut stmts = Vec::with_capacity(hazards.len());
    for (_, h) in &hazards {
        stmts.push(tx.prepare_cached(sql.commit(h.shape)).await.map_err(backend)?);
    }
    let hazard_params: Vec<Vec<Param<'_>>> = hazards.iter().map(|(_, h)| h.params()).collect();
    let mut calls: Vec<Call<'_, Result<u64, tokio_postgres::Error>>> =
        Vec::with_capacity(1 + stmts.len());
    calls.push(Box::pin(tx.execute(&stmt, &params)));
    for (s, p) in stmts.iter().zip(&hazard_params) {
        calls.push(Box::pin(tx.execute(s, p)));
    }
    let mut results = in_order(calls).await.into_iter();
    // The first statement that wrote nothing or failed decides (the ones after a failure
    // were refused as aborted, and are not looked at).
    let failed = match results.next().map(judge) {
        None => Some(Failed::Error(StoreError::Backend("no reply to the commit".into()))),
        Some(Err(e)) => Some(Failed::Error(e)),
        Some(Ok(false)) => Some(Failed::Occurrence),
        Some(Ok(true)) => results.enumerate().find_map(|(i, r)| match hazard::judge(r) {
            Verdict::Commit => None,
            Verdict::Conflict => Some(Failed::Hazard(i)),
            Verdict::Fail(e) => Some(Failed::Error(e)),
        }),
    };
    let Some(failed) = failed else {
        return tx.commit().await.map_err(backend);
    };
    tx.rollback().await.map_err(backend)?;
    Err(match failed {
        Failed::Occurrence => conflict(&client, store, &c).await,
        Failed::Hazard(i) => match hazards.get(i) {
            // The hazard exists: a conflict, as a new hazard's commit of its own would be.
            Some((h, _)) => match hazard::version(&client, sql, h).await {
                Ok(actual) => StoreError::Conflict { expected: 0, actual },
                Err(e) => e,
            },
            None => StoreError::Backend("a hazard's reply is missing".into()),
        },
        Failed::Error(e) => e,
    })
}

enum Failed {
    /// The occurrence was not at the expected version.
    Occurrence,
    /// The hazard at this index (in write order) exists already.
    Hazard(usize),
    Error(StoreError),
}

/// Whether the occurrence statement wrote: no row back, or a unique violation on its keys, is a
/// stale version (judged by structure, never by message text).
fn judge(result: Result<u64, tokio_postgres::Error>) -> Result<bool, StoreError> {
    match result {
        Ok(rows) => Ok(rows > 0),
        Err(e) => match unique_violation(&e) {
            Some("occurrences_pkey" | "occurrence_events_pkey") => Ok(false),
            Some("outbox_pkey") => {
                Err(StoreError::Backend("outbox message id already used".into()))
            }
            _ => Err(backend(e)),
        },
    }
}

/// The checks made before writing: [`OccurrenceCommit::check_shape`], and no hazard raised twice.
fn well_formed(c: &OccurrenceCommit) -> Result<(), StoreError> {
    c.check_shape()?;
    let mut ids = BTreeSet::new();
    match c.hazards.iter().find(|h| !ids.insert(h.hazard)) {
        Some(h) => Err(StoreError::Malformed(format!("hazard {} is raised twice", h.hazard))),
        None => Ok(()),
    }
}

/// A malformed commit's error: a stale version is reported first, as the reference store does.
async fn malformed(store: &PgStore, c: &OccurrenceCommit, bad: StoreError) -> StoreError {
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

async fn conflict(client: &ClientWrapper, store: &PgStore, c: &OccurrenceCommit) -> StoreError {
    match version(client, store, c).await {
        Ok(actual) => StoreError::Conflict { expected: c.expected_version, actual },
        Err(e) => e,
    }
}

/// The occurrence's stored version (0 when it does not exist).
async fn version(
    client: &ClientWrapper,
    store: &PgStore,
    c: &OccurrenceCommit,
) -> Result<u64, StoreError> {
    let stmt = client.prepare_cached(&store.sql.occurrences.version).await.map_err(backend)?;
    let row = client
        .query_opt(&stmt, &[&c.tenant.as_str(), &c.occurrence.as_str()])
        .await
        .map_err(backend)?;
    match row {
        Some(r) => uint(r.try_get(0).map_err(|e| corrupt("occurrence version", e))?),
        None => Ok(0),
    }
}

/// Schedules the commits whose (tenant, occurrence) is not stored, in one statement; returns
/// how many were. Every commit is checked first: a malformed one writes nothing of the batch.
pub(crate) async fn schedule(
    store: &PgStore,
    commits: Vec<OccurrenceCommit>,
) -> Result<usize, StoreError> {
    for c in &commits {
        if c.expected_version != 0 {
            let id = &c.occurrence;
            return Err(StoreError::Malformed(format!(
                "occurrence {id} is scheduled at version 0"
            )));
        }
        c.check_shape()?;
        if !c.hazards.is_empty() {
            let id = &c.occurrence;
            return Err(StoreError::Malformed(format!(
                "occurrence {id} is scheduled with hazards"
            )));
        }
    }
    // The first commit of each occurrence counts (a later one in the batch finds it stored);
    // written in (tenant, occurrence) order, so concurrent batches lock keys in one order.
    let mut seen = BTreeSet::new();
    let mut batch: Vec<&OccurrenceCommit> = commits
        .iter()
        .filter(|c| seen.insert((c.tenant.as_str(), c.occurrence.as_str())))
        .collect();
    if batch.is_empty() {
        return Ok(0);
    }
    batch.sort_by(|a, b| {
        (a.tenant.as_str(), a.occurrence.as_str()).cmp(&(b.tenant.as_str(), b.occurrence.as_str()))
    });
    let b = Batch::of(&batch)?;
    let client = store.client().await?;
    let stmt =
        client.prepare_cached(store.sql.occurrences.schedule(b.outbox)).await.map_err(backend)?;
    let row =
        client.query_one(&stmt, &b.params()).await.map_err(|e| match unique_violation(&e) {
            Some("outbox_pkey") => StoreError::Backend("outbox message id already used".into()),
            _ => backend(e),
        })?;
    let new: i64 = row.try_get(0).map_err(|e| corrupt("scheduled count", e))?;
    usize::try_from(new).map_err(|e| corrupt("scheduled count", e))
}
