//! [`RecordStore`] for [`PgStore`]: records of other kinds (incidents, report duties) beside
//! the hazards (tables `records` and `record_events`, migration 4). The store never looks inside
//! a record's events or state; it keeps them as the JSON its kind wrote.
//!
//! - [`commit_record`](RecordStore::commit_record) is one version-gated statement, like an
//!   occurrence commit ([`commit`]): a stale version, or a concurrent creation of the same
//!   record, is a conflict, and the commit's messages land in the outbox with it or not at all;
//! - [`create_records`](RecordStore::create_records) inserts a batch in one statement, each
//!   record only if it is not stored, so two processes generating the same duties store each
//!   once;
//! - [`records`](RecordStore::records) narrows by tenant, kind and time in SQL and applies
//!   [`RecordQuery::matches`] to the rows;
//! - [`records_due`](RecordStore::records_due) claims the page it returns with
//!   `FOR UPDATE SKIP LOCKED` and a lease, exactly as [`Store::due`] does for the hazards.
//!   Pages are ordered by (due time, tenant, kind code, id), the kind by its stored code
//!   (`duty` before `incident`), and the cursor continues in that order. That no rung fires
//!   twice comes from the version gate, not the lease.
//!
//! [`Store::due`]: hazardloop_core::store::Store::due

mod commit;
mod sql;

use chrono::{DateTime, Utc};
use hazardloop_core::chain::ChainHash;
use hazardloop_core::duty::{RecordDue, RecordEntry, RecordId, RecordKind, RecordQuery, RecordRow};
use hazardloop_core::model::TenantId;
use hazardloop_core::store::{RecordCommit, RecordStore, StoreError, StoredRecord};
use tokio_postgres::types::Json;

use crate::batch::Param;
use crate::codec::uint;
use crate::error::{backend, corrupt};
use crate::PgStore;

pub(crate) use sql::RecordSql;

impl RecordStore for PgStore {
    async fn commit_record(&self, commit: RecordCommit) -> Result<(), StoreError> {
        commit::commit_record(self, commit).await
    }

    async fn create_records(&self, commits: Vec<RecordCommit>) -> Result<usize, StoreError> {
        commit::create_records(self, commits).await
    }

    async fn record(
        &self,
        tenant: &TenantId,
        kind: RecordKind,
        id: &RecordId,
    ) -> Result<Option<StoredRecord>, StoreError> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(&self.sql.records.load).await.map_err(backend)?;
        let row = client
            .query_opt(&stmt, &[&tenant.as_str(), &kind.code(), &id.as_str()])
            .await
            .map_err(backend)?;
        let Some(row) = row else { return Ok(None) };
        let what = || format!("{} {id}", kind.code());
        let Json(state): Json<serde_json::Value> =
            row.try_get(0).map_err(|e| corrupt(&what(), e))?;
        let version = uint(row.try_get(1).map_err(|e| corrupt(&what(), e))?)?;
        let head: Option<Json<ChainHash>> =
            row.try_get(2).map_err(|e| corrupt(&format!("the head of {}", what()), e))?;
        let head = match head {
            Some(Json(head)) => head,
            None if version == 0 => ChainHash::default(),
            // The row says events were written that are not there.
            None => return Err(corrupt(&what(), format!("event {version} is missing"))),
        };
        Ok(Some(StoredRecord { state, version, head }))
    }

    async fn record_events(
        &self,
        tenant: &TenantId,
        kind: RecordKind,
        id: &RecordId,
    ) -> Result<Vec<RecordEntry>, StoreError> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(&self.sql.records.events).await.map_err(backend)?;
        let rows = client
            .query(&stmt, &[&tenant.as_str(), &kind.code(), &id.as_str()])
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|row| {
                // An entry that does not decode was changed outside hazardloop: name it.
                row.try_get::<_, Json<RecordEntry>>(0).map(|Json(e)| e).map_err(|e| {
                    let seq: i64 = row.try_get(1).unwrap_or_default();
                    corrupt(&format!("event {seq} of {} {id}", kind.code()), e)
                })
            })
            .collect()
    }

    async fn records(
        &self,
        tenant: &TenantId,
        kind: RecordKind,
        query: &RecordQuery,
    ) -> Result<Vec<RecordRow>, StoreError> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(&self.sql.records.rows).await.map_err(backend)?;
        let params: [Param<'_>; 4] = [&tenant.as_str(), &kind.code(), &query.from, &query.to];
        let rows = client.query(&stmt, &params).await.map_err(backend)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let Json(r): Json<RecordRow> =
                row.try_get(0).map_err(|e| corrupt(&format!("{} row", kind.code()), e))?;
            // Every criterion as the one rule all stores follow, on the row's own values.
            if query.matches(&r) {
                out.push(r);
            }
        }
        // The column holds `at` to the microsecond: order by the row's own time.
        out.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
        Ok(out)
    }

    async fn records_due(
        &self,
        before: DateTime<Utc>,
        after: Option<&RecordDue>,
        limit: usize,
    ) -> Result<Vec<RecordDue>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let until = before + self.due_lease;
        let sql = &self.sql.records;
        let client = self.client().await?;
        let rows = match after {
            None => {
                let stmt = client.prepare_cached(&sql.due_first).await.map_err(backend)?;
                client.query(&stmt, &[&before, &self.claimer, &self.tenants, &limit, &until]).await
            }
            Some(a) => {
                let stmt = client.prepare_cached(&sql.due_after).await.map_err(backend)?;
                let (tenant, kind, id) = (a.tenant.as_str(), a.kind.code(), a.id.as_str());
                let params: [Param<'_>; 9] = [
                    &before,
                    &self.claimer,
                    &self.tenants,
                    &limit,
                    &until,
                    &a.at,
                    &tenant,
                    &kind,
                    &id,
                ];
                client.query(&stmt, &params).await
            }
        }
        .map_err(backend)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let tenant: String = row.try_get(1).map_err(|e| corrupt("record due", e))?;
            let kind: String = row.try_get(2).map_err(|e| corrupt("record due", e))?;
            let id: String = row.try_get(3).map_err(|e| corrupt("record due", e))?;
            out.push(RecordDue {
                at: row.try_get(0).map_err(|e| corrupt("record due", e))?,
                tenant: TenantId::new(tenant).map_err(|e| corrupt("record due tenant", e))?,
                kind: RecordKind::from_code(&kind)
                    .ok_or_else(|| corrupt("record due kind", format!("unknown kind {kind:?}")))?,
                id: RecordId::parse_as(&id, "id").map_err(|e| corrupt("record due id", e))?,
            });
        }
        // UPDATE … RETURNING has no order of its own: the statement's, the kind by its code.
        out.sort_by(|a, b| {
            (a.at, a.tenant.as_str(), a.kind.code(), a.id.as_str()).cmp(&(
                b.at,
                b.tenant.as_str(),
                b.kind.code(),
                b.id.as_str(),
            ))
        });
        Ok(out)
    }
}
