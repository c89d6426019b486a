//! The cross-tenant claims: due clocks for the sweep, outbox messages for the dispatcher.
//!
//! Both hand out work with `FOR UPDATE SKIP LOCKED` (or a try-lock) and a lease, so several
//! engine processes get mostly disjoint work without waiting on each other. Correctness does
//! not rest on the leases: a rung is written only by a commit at the hazard's version, and a
//! message is settled only with its claim's token.

use chrono::{DateTime, Utc};
use hazardloop_core::model::{HazardId, MessageId, TenantId};
use hazardloop_core::store::{Claimed, Due, OutboxStatus, Settlement, StoreError};

use crate::batch::{savepointed, Param};
use crate::codec::{outbox_message, status_name};
use crate::commit::CHUNK;
use crate::error::{backend, corrupt};
use crate::PgStore;

/// Hazards due at or before `before`, after the cursor, at most `limit`, in (time, tenant,
/// hazard) order. The rows handed out are leased to this store until `before + due_lease`: other
/// stores (other engine processes) skip them, this one still sees them; a commit of the hazard
/// releases the lease.
pub(crate) async fn due(
    store: &PgStore,
    before: DateTime<Utc>,
    after: Option<&Due>,
    limit: usize,
) -> Result<Vec<Due>, StoreError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let until = before + store.due_lease;
    let client = store.client().await?;
    let rows = match after {
        None => {
            let stmt = client.prepare_cached(&store.sql.due_first).await.map_err(backend)?;
            client.query(&stmt, &[&before, &store.claimer, &store.tenants, &limit, &until]).await
        }
        Some(a) => {
            let stmt = client.prepare_cached(&store.sql.due_after).await.map_err(backend)?;
            let (tenant, hazard) = (a.tenant.as_str(), a.hazard.as_uuid());
            client
                .query(
                    &stmt,
                    &[
                        &before,
                        &store.claimer,
                        &store.tenants,
                        &limit,
                        &until,
                        &a.at,
                        &tenant,
                        &hazard,
                    ],
                )
                .await
        }
    }
    .map_err(backend)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let tenant: String = row.try_get(1).map_err(|e| corrupt("due", e))?;
        out.push(Due {
            at: row.try_get(0).map_err(|e| corrupt("due", e))?,
            tenant: TenantId::new(tenant).map_err(|e| corrupt("due tenant", e))?,
            hazard: HazardId(row.try_get(2).map_err(|e| corrupt("due", e))?),
        });
    }
    // UPDATE … RETURNING has no order of its own.
    out.sort();
    Ok(out)
}

/// Pending messages available at `now` in whole groups: the groups of the first `limit`
/// claimable messages (in id order), each taken only by the caller that wins its advisory
/// try-lock, so two dispatchers never split a digest and never wait for each other.
pub(crate) async fn claim_outbox(
    store: &PgStore,
    now: DateTime<Utc>,
    limit: usize,
    lease_until: DateTime<Utc>,
) -> Result<Vec<Claimed>, StoreError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let client = store.client().await?;
    let stmt = client.prepare_cached(&store.sql.claim_outbox).await.map_err(backend)?;
    let rows = client
        .query(&stmt, &[&now, &limit, &lease_until, &store.tenants, &store.sql.schema])
        .await
        .map_err(backend)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let (message, token) = outbox_message(row)?;
        let token = token.ok_or_else(|| corrupt("outbox claim", "no token"))?;
        let token = u64::try_from(token).map_err(|e| corrupt("outbox token", e))?;
        out.push(Claimed { message, token });
    }
    out.sort_by_key(|c| c.message.id);
    Ok(out)
}

/// Settles a claimed message if its lease token still holds.
pub(crate) async fn settle(
    store: &PgStore,
    id: MessageId,
    token: u64,
    settlement: Settlement,
) -> Result<bool, StoreError> {
    let Ok(token) = i64::try_from(token) else { return Ok(false) };
    let s = Settled::of(id, token, settlement);
    let client = store.client().await?;
    let stmt = client.prepare_cached(&store.sql.settle).await.map_err(backend)?;
    let n = client.execute(&stmt, &s.params()).await.map_err(backend)?;
    Ok(n == 1)
}

/// Settles claimed messages in one transaction per [`CHUNK`], each in a savepoint of its own,
/// pipelined and in id order (one lock order for every batch): one result per settlement.
pub(crate) async fn settle_many(
    store: &PgStore,
    settlements: Vec<(MessageId, u64, Settlement)>,
) -> Vec<Result<bool, StoreError>> {
    let mut results: Vec<Result<bool, StoreError>> = vec![Ok(false); settlements.len()];
    let mut batch: Vec<(usize, Settled)> = settlements
        .into_iter()
        .enumerate()
        // A token beyond a bigint was never handed out: stale.
        .filter_map(|(i, (id, token, s))| Some((i, Settled::of(id, i64::try_from(token).ok()?, s))))
        .collect();
    batch.sort_by_key(|(_, s)| s.id);
    for chunk in batch.chunks(CHUNK) {
        let outcomes = match settle_chunk(store, chunk).await {
            Ok(outcomes) => outcomes,
            Err(e) => chunk.iter().map(|_| Err(e.clone())).collect(),
        };
        for ((i, _), outcome) in chunk.iter().zip(outcomes) {
            if let Some(slot) = results.get_mut(*i) {
                *slot = outcome;
            }
        }
    }
    results
}

async fn settle_chunk(
    store: &PgStore,
    chunk: &[(usize, Settled)],
) -> Result<Vec<Result<bool, StoreError>>, StoreError> {
    let mut client = store.client().await?;
    let stmt = client.prepare_cached(&store.sql.settle).await.map_err(backend)?;
    let params: Vec<_> = chunk.iter().map(|(_, s)| s.params()).collect();
    let items: Vec<_> = params.iter().map(|p| (&stmt, p.as_slice())).collect();
    let tx = client.transaction().await.map_err(backend)?;
    let outcomes = savepointed(&tx, &items).await?;
    tx.commit().await.map_err(backend)?;
    Ok(outcomes.into_iter().map(|o| o.map(|n| n == 1).map_err(backend)).collect())
}

/// A settlement as the settle statement's columns.
struct Settled {
    id: uuid::Uuid,
    token: i64,
    status: &'static str,
    at: Option<DateTime<Utc>>,
    error: Option<String>,
}

impl Settled {
    fn of(id: MessageId, token: i64, settlement: Settlement) -> Settled {
        let (status, at, error) = match settlement {
            Settlement::Delivered => (OutboxStatus::Delivered, None, None),
            Settlement::Retry { at, error } => (OutboxStatus::Pending, Some(at), Some(error)),
            Settlement::Dead { reason } => (OutboxStatus::Dead, None, Some(reason)),
        };
        Settled { id: id.as_uuid(), token, status: status_name(status), at, error }
    }

    fn params(&self) -> [Param<'_>; 5] {
        [&self.id, &self.token, &self.status, &self.at, &self.error]
    }
}
