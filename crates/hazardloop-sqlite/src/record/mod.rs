//! The [`RecordStore`] implementation (schema 6): records of other kinds (incidents, report
//! duties) beside the hazards and the occurrences, in one table keyed by (tenant, kind, id),
//! written through the writer like every other write. A commit's row, events and messages are
//! one write (one savepoint of the writer's transaction), and a creation batch is one write
//! too. The store checks versions and shapes; it never looks inside an event or a state.

mod encode;
mod sql;

pub(crate) use encode::EncodedRecord;
pub(crate) use sql::{commit, create};

use chrono::{DateTime, Utc};
use hazardloop_core::duty::{RecordDue, RecordEntry, RecordId, RecordKind, RecordQuery, RecordRow};
use hazardloop_core::model::TenantId;
use hazardloop_core::store::{RecordCommit, RecordStore, StoreError, StoredRecord};

use crate::codec::{count, from_json, hash, instant, nanos};
use crate::error::corrupt;
use crate::reader::read;
use crate::store::SqliteStore;
use crate::writer::Write;
use sql::RecordSql;

impl RecordStore for SqliteStore {
    async fn commit_record(&self, commit: RecordCommit) -> Result<(), StoreError> {
        self.ready()?;
        let encoded = Box::new(EncodedRecord::new(&commit)?);
        self.write(|tx| Write::Record(encoded, tx)).await
    }

    async fn create_records(&self, commits: Vec<RecordCommit>) -> Result<usize, StoreError> {
        self.ready()?;
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
        if commits.is_empty() {
            return Ok(0);
        }
        let batch = commits.iter().map(EncodedRecord::new).collect::<Result<Vec<_>, _>>()?;
        drop(commits);
        self.write(|tx| Write::CreateRecords(batch, tx)).await
    }

    async fn record(
        &self,
        tenant: &TenantId,
        kind: RecordKind,
        id: &RecordId,
    ) -> Result<Option<StoredRecord>, StoreError> {
        self.ready()?;
        let (t, i) = (tenant.as_str().to_owned(), id.as_str().to_owned());
        let k = kind.code();
        let Some((state, version, head)) =
            read(&self.readers, move |c| sql::record(c, &t, k, &i)).await?
        else {
            return Ok(None);
        };
        Ok(Some(StoredRecord {
            state: from_json("a record state", &state)?,
            version: count(version)?,
            head: hash(&head)?,
        }))
    }

    async fn record_events(
        &self,
        tenant: &TenantId,
        kind: RecordKind,
        id: &RecordId,
    ) -> Result<Vec<RecordEntry>, StoreError> {
        self.ready()?;
        let (t, i) = (tenant.as_str().to_owned(), id.as_str().to_owned());
        let k = kind.code();
        let rows = read(&self.readers, move |c| sql::events(c, &t, k, &i)).await?;
        rows.iter()
            .map(|(seq, recorded)| {
                serde_json::from_str(recorded)
                    .map_err(|e| corrupt(&format!("{} {id}: stored event {seq}", kind.code()), e))
            })
            .collect()
    }

    async fn records(
        &self,
        tenant: &TenantId,
        kind: RecordKind,
        query: &RecordQuery,
    ) -> Result<Vec<RecordRow>, StoreError> {
        self.ready()?;
        let q = RecordSql::new(tenant.as_str(), kind.code(), query)?;
        let rows = read(&self.readers, move |c| sql::listing(c, &q)).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let row: RecordRow = from_json("a record row", r)?;
            if query.matches(&row) {
                out.push(row);
            }
        }
        Ok(out)
    }

    async fn records_due(
        &self,
        before: DateTime<Utc>,
        after: Option<&RecordDue>,
        limit: usize,
    ) -> Result<Vec<RecordDue>, StoreError> {
        self.ready()?;
        let before = nanos(before)?;
        let after = after
            .map(|d| {
                Ok::<_, StoreError>((
                    nanos(d.at)?,
                    d.tenant.as_str().to_owned(),
                    d.kind.code().to_owned(),
                    d.id.as_str().to_owned(),
                ))
            })
            .transpose()?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = read(&self.readers, move |c| sql::due(c, before, after.as_ref(), limit)).await?;
        rows.into_iter()
            .map(|(at, tenant, kind, id)| {
                Ok(RecordDue {
                    at: instant(at),
                    tenant: TenantId::new(tenant).map_err(|e| corrupt("a tenant", e))?,
                    kind: RecordKind::from_code(&kind)
                        .ok_or_else(|| corrupt("a record kind", &kind))?,
                    id: RecordId::parse_as(&id, "id").map_err(|e| corrupt("a record id", e))?,
                })
            })
            .collect()
    }
}
