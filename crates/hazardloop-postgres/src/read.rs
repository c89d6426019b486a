//! Single-tenant reads: a hazard's events, its snapshot, an idempotency key, the outbox; and
//! the tenant's named documents.

use hazardloop_core::chain::{ChainHash, Recorded};
use hazardloop_core::model::{HazardId, TenantId};
use hazardloop_core::store::{
    HazardRecord, IdempotentResult, OutboxMessage, OutboxStatus, Snapshot, StoreError,
};
use tokio_postgres::types::Json;

use crate::codec::{outbox_message, status_name, uint};
use crate::error::{backend, corrupt};
use crate::PgStore;

pub(crate) async fn load(
    store: &PgStore,
    tenant: &TenantId,
    hazard: HazardId,
) -> Result<Option<HazardRecord>, StoreError> {
    let client = store.client().await?;
    let stmt = client.prepare_cached(&store.sql.load).await.map_err(backend)?;
    let rows =
        client.query(&stmt, &[&tenant.as_str(), &hazard.as_uuid()]).await.map_err(backend)?;
    let Some(first) = rows.first() else { return Ok(None) };
    let version = uint(first.try_get(0).map_err(|e| corrupt("hazard version", e))?)?;
    let head = hash(first.try_get(1).map_err(|e| corrupt("hazard head", e))?)?;
    let mut events = Vec::with_capacity(rows.len());
    for row in &rows {
        // A record that does not decode was changed outside hazardloop: name the event, so
        // `verify` reports the hazard and the sequence number.
        let record: Option<Json<Recorded>> = row.try_get(2).map_err(|e| {
            let seq: Option<i64> = row.try_get(3).ok().flatten();
            match seq.and_then(|s| u64::try_from(s).ok()) {
                Some(seq) => StoreError::CorruptEvent { hazard, seq, reason: e.to_string() },
                None => corrupt("event", e),
            }
        })?;
        if let Some(Json(record)) = record {
            events.push(record);
        }
    }
    Ok(Some(HazardRecord { events, version, head }))
}

pub(crate) async fn snapshot(
    store: &PgStore,
    tenant: &TenantId,
    hazard: HazardId,
) -> Result<Option<Snapshot>, StoreError> {
    let client = store.client().await?;
    let stmt = client.prepare_cached(&store.sql.snapshot).await.map_err(backend)?;
    let row =
        client.query_opt(&stmt, &[&tenant.as_str(), &hazard.as_uuid()]).await.map_err(backend)?;
    let Some(row) = row else { return Ok(None) };
    let state = crate::snapshot::decode(row.try_get(0).map_err(|e| corrupt("snapshot", e))?)?;
    let head = hash(row.try_get(1).map_err(|e| corrupt("hazard head", e))?)?;
    Ok(Some(Snapshot { hazard: state, head }))
}

/// The hazard numbered `number` (through the `hazards_number` index).
pub(crate) async fn find_number(
    store: &PgStore,
    tenant: &TenantId,
    number: &str,
) -> Result<Option<HazardId>, StoreError> {
    let client = store.client().await?;
    let s = store.sql.quoted_schema();
    let stmt = client
        .prepare_cached(&format!(
            "SELECT hazard_id FROM {s}.hazards
             WHERE tenant_id = $1 AND ledger ? 'number' AND ledger ->> 'number' = $2"
        ))
        .await
        .map_err(backend)?;
    let row = client.query_opt(&stmt, &[&tenant.as_str(), &number]).await.map_err(backend)?;
    let Some(row) = row else { return Ok(None) };
    let id: uuid::Uuid = row.try_get(0).map_err(|e| corrupt("hazard id", e))?;
    Ok(Some(HazardId(id)))
}

pub(crate) async fn idempotent(
    store: &PgStore,
    tenant: &TenantId,
    key: &str,
) -> Result<Option<IdempotentResult>, StoreError> {
    let client = store.client().await?;
    let stmt = client.prepare_cached(&store.sql.idempotent).await.map_err(backend)?;
    let row = client.query_opt(&stmt, &[&tenant.as_str(), &key]).await.map_err(backend)?;
    let Some(row) = row else { return Ok(None) };
    let read = |i: usize| row.try_get::<_, i64>(i).map_err(|e| corrupt("idempotency key", e));
    let hazard: uuid::Uuid = row.try_get(0).map_err(|e| corrupt("idempotency key", e))?;
    Ok(Some(IdempotentResult {
        key: key.to_owned(),
        hazard: HazardId(hazard),
        version: uint(read(1)?)?,
        events: uint(read(2)?)?,
    }))
}

pub(crate) async fn outbox(
    store: &PgStore,
    tenant: &TenantId,
    status: OutboxStatus,
) -> Result<Vec<OutboxMessage>, StoreError> {
    let client = store.client().await?;
    let stmt = client.prepare_cached(&store.sql.outbox).await.map_err(backend)?;
    let rows =
        client.query(&stmt, &[&tenant.as_str(), &status_name(status)]).await.map_err(backend)?;
    rows.iter().map(|r| outbox_message(r).map(|(m, _)| m)).collect()
}

pub(crate) async fn put_document(
    store: &PgStore,
    tenant: &TenantId,
    name: &str,
    body: &str,
) -> Result<(), StoreError> {
    let client = store.client().await?;
    let stmt = client.prepare_cached(&store.sql.put_document).await.map_err(backend)?;
    client.execute(&stmt, &[&tenant.as_str(), &name, &body]).await.map_err(backend)?;
    Ok(())
}

pub(crate) async fn document(
    store: &PgStore,
    tenant: &TenantId,
    name: &str,
) -> Result<Option<String>, StoreError> {
    let client = store.client().await?;
    let stmt = client.prepare_cached(&store.sql.document).await.map_err(backend)?;
    let row = client.query_opt(&stmt, &[&tenant.as_str(), &name]).await.map_err(backend)?;
    row.map(|r| r.try_get(0).map_err(|e| corrupt("document", e))).transpose()
}

fn hash(text: String) -> Result<ChainHash, StoreError> {
    text.parse().map_err(|e| corrupt("chain hash", e))
}
