//! The [`InspectionStore`] implementation (schema 4): an occurrence's rows beside the hazards,
//! written through the writer like every other write. A completion and its findings' hazards
//! are one write (one savepoint of the writer's transaction): the hazards are written by the
//! same statements as a hazard's own commit, so they land with their ledger rows, due clocks
//! and messages, or nothing lands. A scheduling batch is one write too.

mod encode;
mod sql;

pub(crate) use encode::EncodedOccurrence;
pub(crate) use sql::{commit, schedule};

use chrono::{DateTime, Utc};
use hazardloop_core::chain::ChainHash;
use hazardloop_core::inspection::{
    Occurrence, OccurrenceId, OccurrenceQuery, OccurrenceRecord, OccurrenceRow,
};
use hazardloop_core::model::TenantId;
use hazardloop_core::store::{InspectionStore, OccurrenceCommit, OccurrenceDue, StoreError};

use crate::codec::{from_json, hash, instant, nanos};
use crate::error::corrupt;
use crate::reader::read;
use crate::store::SqliteStore;
use crate::writer::Write;
use sql::OccurrenceSql;

impl InspectionStore for SqliteStore {
    async fn commit_occurrence(&self, commit: OccurrenceCommit) -> Result<(), StoreError> {
        self.ready()?;
        let encoded = Box::new(EncodedOccurrence::new(&commit)?);
        self.write(|tx| Write::Occurrence(encoded, tx)).await
    }

    async fn schedule(&self, commits: Vec<OccurrenceCommit>) -> Result<usize, StoreError> {
        self.ready()?;
        // Check all first: a malformed commit writes nothing of the batch.
        for c in &commits {
            if c.expected_version != 0 || !c.hazards.is_empty() {
                return Err(StoreError::Malformed(format!(
                    "occurrence {} is scheduled at version 0, raising no hazard",
                    c.occurrence
                )));
            }
            c.check_shape()?;
        }
        if commits.is_empty() {
            return Ok(0);
        }
        let batch = commits.iter().map(EncodedOccurrence::new).collect::<Result<Vec<_>, _>>()?;
        drop(commits);
        self.write(|tx| Write::Schedule(batch, tx)).await
    }

    async fn occurrence(
        &self,
        tenant: &TenantId,
        id: &OccurrenceId,
    ) -> Result<Option<(Occurrence, ChainHash)>, StoreError> {
        self.ready()?;
        let (t, o) = (tenant.as_str().to_owned(), id.as_str().to_owned());
        let Some((state, head)) = read(&self.readers, move |c| sql::occurrence(c, &t, &o)).await?
        else {
            return Ok(None);
        };
        Ok(Some((from_json("an occurrence state", &state)?, hash(&head)?)))
    }

    async fn occurrence_events(
        &self,
        tenant: &TenantId,
        id: &OccurrenceId,
    ) -> Result<Vec<OccurrenceRecord>, StoreError> {
        self.ready()?;
        let (t, o) = (tenant.as_str().to_owned(), id.as_str().to_owned());
        let rows = read(&self.readers, move |c| sql::events(c, &t, &o)).await?;
        rows.iter()
            .map(|(seq, record)| {
                serde_json::from_str(record)
                    .map_err(|e| corrupt(&format!("occurrence {id}: stored event {seq}"), e))
            })
            .collect()
    }

    async fn occurrences(
        &self,
        tenant: &TenantId,
        query: &OccurrenceQuery,
    ) -> Result<Vec<OccurrenceRow>, StoreError> {
        self.ready()?;
        let q = OccurrenceSql::new(tenant.as_str(), query)?;
        let rows = read(&self.readers, move |c| sql::listing(c, &q)).await?;
        rows.iter().map(|r| from_json("an occurrence row", r)).collect()
    }

    async fn occurrences_due(
        &self,
        before: DateTime<Utc>,
        after: Option<&OccurrenceDue>,
        limit: usize,
    ) -> Result<Vec<OccurrenceDue>, StoreError> {
        self.ready()?;
        let before = nanos(before)?;
        let after = after
            .map(|d| {
                Ok::<_, StoreError>((
                    nanos(d.at)?,
                    d.tenant.as_str().to_owned(),
                    d.occurrence.as_str().to_owned(),
                ))
            })
            .transpose()?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = read(&self.readers, move |c| sql::due(c, before, after.as_ref(), limit)).await?;
        rows.into_iter()
            .map(|(at, tenant, occurrence)| {
                Ok(OccurrenceDue {
                    at: instant(at),
                    tenant: TenantId::new(tenant).map_err(|e| corrupt("a tenant", e))?,
                    occurrence: OccurrenceId::parse(&occurrence)
                        .map_err(|e| corrupt("an occurrence id", e))?,
                })
            })
            .collect()
    }
}
