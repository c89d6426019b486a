//! The cross-tenant claims: due clocks for the sweep, outbox messages for the dispatcher.
//!
//! Both hand out work with `FOR UPDATE SKIP LOCKED` (or a try-lock) and a lease, so several
//! engine processes get mostly disjoint work without waiting on each other. Correctness does
//! not rest on the leases: a rung is written only by a commit at the hazard's version, and a
//! message is settled only with its claim's token.

use chrono::{DateTime, Utc};
use hazardloop_core::model::{HazardId, MessageId, TenantId};
use hazardloop_core::store::{Claimed, Due, Settlement, StoreError};

use crate::codec::{outbox_message, status_name};
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
    let (status, at, error) = match settlement {
        Settlement::Delivered => (hazardloop_core::store::OutboxStatus::Delivered, None, None),
        Settlement::Retry { at, error } => {
            (hazardloop_core::store::OutboxStatus::Pending, Some(at), Some(error))
        }
        Settlement::Dead { reason } => {
            (hazardloop_core::store::OutboxStatus::Dead, None, Some(reason))
        }
    };
    let client = store.client().await?;
    let stmt = client.prepare_cached(&store.sql.settle).await.map_err(backend)?;
    let n = client
        .execute(&stmt, &[&id.as_uuid(), &token, &status_name(status), &at, &error])
        .await
        .map_err(backend)?;
    Ok(n == 1)
}
