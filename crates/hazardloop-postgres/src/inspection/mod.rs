//! [`InspectionStore`] for [`PgStore`]: inspection occurrences beside the hazards (tables
//! `occurrences` and `occurrence_events`, migration 2).
//!
//! - [`commit_occurrence`](InspectionStore::commit_occurrence) is version-gated like a hazard
//!   commit, and writes the hazards a completion raises in the same transaction
//!   ([`commit`]);
//! - [`schedule`](InspectionStore::schedule) inserts a batch in one statement, each occurrence
//!   only if it is not stored, so two processes generating the same horizon store it once;
//! - [`occurrences_due`](InspectionStore::occurrences_due) claims the page it returns with
//!   `FOR UPDATE SKIP LOCKED` and a lease, exactly as [`Store::due`] does for the hazards:
//!   concurrent sweepers get mostly disjoint pages, and the lease is dropped by the next commit
//!   of the occurrence. That nothing is marked or fired twice comes from the version gate.
//!
//! [`Store::due`]: hazardloop_core::store::Store::due

mod columns;
mod commit;
mod sql;

use chrono::{DateTime, Utc};
use hazardloop_core::chain::ChainHash;
use hazardloop_core::inspection::{
    Occurrence, OccurrenceId, OccurrenceQuery, OccurrenceRecord, OccurrenceRow,
};
use hazardloop_core::model::TenantId;
use hazardloop_core::store::{InspectionStore, OccurrenceCommit, OccurrenceDue, StoreError};
use tokio_postgres::types::Json;

use crate::batch::Param;
use crate::error::{backend, corrupt};
use crate::PgStore;

pub(crate) use sql::{outbox_arrays, OccurrenceSql};

impl InspectionStore for PgStore {
    async fn commit_occurrence(&self, commit: OccurrenceCommit) -> Result<(), StoreError> {
        commit::commit_occurrence(self, commit).await
    }

    async fn schedule(&self, commits: Vec<OccurrenceCommit>) -> Result<usize, StoreError> {
        commit::schedule(self, commits).await
    }

    async fn occurrence(
        &self,
        tenant: &TenantId,
        id: &OccurrenceId,
    ) -> Result<Option<(Occurrence, ChainHash)>, StoreError> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(&self.sql.occurrences.load).await.map_err(backend)?;
        let row =
            client.query_opt(&stmt, &[&tenant.as_str(), &id.as_str()]).await.map_err(backend)?;
        let Some(row) = row else { return Ok(None) };
        let Json(state): Json<Occurrence> =
            row.try_get(0).map_err(|e| corrupt(&format!("occurrence {id}"), e))?;
        let head: String = row.try_get(1).map_err(|e| corrupt("occurrence head", e))?;
        let head = head.parse().map_err(|e| corrupt("occurrence head", e))?;
        Ok(Some((state, head)))
    }

    async fn occurrence_events(
        &self,
        tenant: &TenantId,
        id: &OccurrenceId,
    ) -> Result<Vec<OccurrenceRecord>, StoreError> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(&self.sql.occurrences.events).await.map_err(backend)?;
        let rows = client.query(&stmt, &[&tenant.as_str(), &id.as_str()]).await.map_err(backend)?;
        rows.iter()
            .map(|row| {
                // A record that does not decode was changed outside hazardloop: name it.
                row.try_get::<_, Json<OccurrenceRecord>>(0).map(|Json(r)| r).map_err(|e| {
                    let seq: i64 = row.try_get(1).unwrap_or_default();
                    corrupt(&format!("event {seq} of occurrence {id}"), e)
                })
            })
            .collect()
    }

    async fn occurrences(
        &self,
        tenant: &TenantId,
        query: &OccurrenceQuery,
    ) -> Result<Vec<OccurrenceRow>, StoreError> {
        // The filters as indexed column conditions, each only when set, in a fixed order (one
        // prepared statement per combination), with the meaning of `OccurrenceQuery::matches`.
        let tenant = tenant.as_str();
        let inspector = query.inspector.as_ref().map(|p| p.as_str());
        let units: Vec<&str> = query.units.iter().flatten().map(|u| u.as_str()).collect();
        let limit = (query.limit > 0).then(|| i64::try_from(query.limit).unwrap_or(i64::MAX));
        let mut filters: Vec<(&str, Param<'_>)> = Vec::new();
        if let Some(p) = &inspector {
            filters.push(("inspector = $", p));
        }
        if query.units.is_some() {
            filters.push(("unit = ANY($", &units));
        }
        if let Some(p) = &query.plan {
            filters.push(("plan = $", p));
        }
        if let Some(t) = &query.due_from {
            filters.push(("due >= $", t));
        }
        if let Some(t) = &query.due_to {
            filters.push(("due < $", t));
        }
        let mut params: Vec<Param<'_>> = vec![&tenant];
        let mut text = format!(
            "SELECT listing FROM {}.occurrences WHERE tenant_id = $1",
            self.sql.quoted_schema()
        );
        for (condition, value) in filters {
            params.push(value);
            let close = if condition.ends_with("ANY($") { ")" } else { "" };
            text.push_str(&format!(" AND {condition}{}{close}", params.len()));
        }
        text.push_str(" ORDER BY due, occurrence_id");
        if let Some(l) = &limit {
            params.push(l);
            text.push_str(&format!(" LIMIT ${}", params.len()));
        }
        let client = self.client().await?;
        let stmt = client.prepare_cached(&text).await.map_err(backend)?;
        let rows = client.query(&stmt, &params).await.map_err(backend)?;
        rows.iter()
            .map(|row| {
                row.try_get::<_, Json<OccurrenceRow>>(0)
                    .map(|Json(r)| r)
                    .map_err(|e| corrupt("occurrence row", e))
            })
            .collect()
    }

    async fn occurrences_due(
        &self,
        before: DateTime<Utc>,
        after: Option<&OccurrenceDue>,
        limit: usize,
    ) -> Result<Vec<OccurrenceDue>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let until = before + self.due_lease;
        let sql = &self.sql.occurrences;
        let client = self.client().await?;
        let rows = match after {
            None => {
                let stmt = client.prepare_cached(&sql.due_first).await.map_err(backend)?;
                client.query(&stmt, &[&before, &self.claimer, &self.tenants, &limit, &until]).await
            }
            Some(a) => {
                let stmt = client.prepare_cached(&sql.due_after).await.map_err(backend)?;
                let (tenant, occurrence) = (a.tenant.as_str(), a.occurrence.as_str());
                let params: [Param<'_>; 8] = [
                    &before,
                    &self.claimer,
                    &self.tenants,
                    &limit,
                    &until,
                    &a.at,
                    &tenant,
                    &occurrence,
                ];
                client.query(&stmt, &params).await
            }
        }
        .map_err(backend)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let tenant: String = row.try_get(1).map_err(|e| corrupt("occurrence due", e))?;
            let occurrence: String = row.try_get(2).map_err(|e| corrupt("occurrence due", e))?;
            out.push(OccurrenceDue {
                at: row.try_get(0).map_err(|e| corrupt("occurrence due", e))?,
                tenant: TenantId::new(tenant).map_err(|e| corrupt("occurrence due tenant", e))?,
                // As stored, without the parser's checks: the id is the key the engine wrote.
                occurrence: serde_json::from_value(serde_json::Value::String(occurrence))
                    .map_err(|e| corrupt("occurrence due id", e))?,
            });
        }
        // UPDATE … RETURNING has no order of its own.
        out.sort();
        Ok(out)
    }
}
