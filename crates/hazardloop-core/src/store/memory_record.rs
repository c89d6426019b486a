//! The in-memory store's records: the same semantics as every other [`RecordStore`].

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use super::{Inner, MemoryStore, Row};
use crate::duty::{RecordDue, RecordEntry, RecordId, RecordKind, RecordQuery, RecordRow};
use crate::model::TenantId;
use crate::store::{RecordCommit, RecordStore, StoreError, StoredRecord};

type Key = (TenantId, RecordKind, RecordId);

#[derive(Debug, Default)]
pub(super) struct Records {
    stored: HashMap<Key, Kept>,
    due: BTreeSet<RecordDue>,
}

#[derive(Debug)]
struct Kept {
    events: Vec<RecordEntry>,
    state: serde_json::Value,
    row: RecordRow,
    due: Option<RecordDue>,
}

fn key(c: &RecordCommit) -> Key {
    (c.tenant.clone(), c.kind, c.id.clone())
}

impl Inner {
    fn check_record(&self, c: &RecordCommit) -> Result<(), StoreError> {
        let actual = self.records.stored.get(&key(c)).map_or(0, |k| k.events.len() as u64);
        if actual != c.expected_version {
            return Err(StoreError::Conflict { expected: c.expected_version, actual });
        }
        c.check_shape()?;
        let mut ids = BTreeSet::new();
        for m in &c.outbox {
            if self.outbox.contains_key(&m.id) || !ids.insert(m.id) {
                return Err(StoreError::Backend("outbox message id already used".into()));
            }
        }
        Ok(())
    }

    fn apply_record(&mut self, c: RecordCommit) {
        let due = c.due();
        for message in c.outbox {
            self.outbox.insert(message.id, Row { message, lease: None });
        }
        let records = &mut self.records;
        let key = (c.tenant, c.kind, c.id);
        let kept = records.stored.entry(key).or_insert_with(|| Kept {
            events: Vec::new(),
            state: serde_json::Value::Null,
            row: c.row.clone(),
            due: None,
        });
        if let Some(old) = kept.due.take() {
            records.due.remove(&old);
        }
        kept.events.extend(c.events);
        kept.state = c.state;
        kept.row = c.row;
        if let Some(d) = &due {
            records.due.insert(d.clone());
        }
        kept.due = due;
    }
}

impl RecordStore for MemoryStore {
    async fn commit_record(&self, commit: RecordCommit) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.check_record(&commit)?;
        inner.apply_record(commit);
        Ok(())
    }

    async fn create_records(&self, commits: Vec<RecordCommit>) -> Result<usize, StoreError> {
        let mut inner = self.lock();
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
        // Then every new one against the store and the batch, before anything is applied.
        let mut seen = BTreeSet::new();
        let fresh: Vec<RecordCommit> = commits
            .into_iter()
            .filter(|c| !inner.records.stored.contains_key(&key(c)) && seen.insert(key(c)))
            .collect();
        let mut ids = BTreeSet::new();
        for c in &fresh {
            inner.check_record(c)?;
            if c.outbox.iter().any(|m| !ids.insert(m.id)) {
                return Err(StoreError::Backend("outbox message id already used".into()));
            }
        }
        let new = fresh.len();
        for c in fresh {
            inner.apply_record(c);
        }
        Ok(new)
    }

    async fn record(
        &self,
        tenant: &TenantId,
        kind: RecordKind,
        id: &RecordId,
    ) -> Result<Option<StoredRecord>, StoreError> {
        let inner = self.lock();
        Ok(inner.records.stored.get(&(tenant.clone(), kind, id.clone())).map(|k| StoredRecord {
            state: k.state.clone(),
            version: k.events.len() as u64,
            head: k.events.last().map(|e| e.hash).unwrap_or_default(),
        }))
    }

    async fn record_events(
        &self,
        tenant: &TenantId,
        kind: RecordKind,
        id: &RecordId,
    ) -> Result<Vec<RecordEntry>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .records
            .stored
            .get(&(tenant.clone(), kind, id.clone()))
            .map(|k| k.events.clone())
            .unwrap_or_default())
    }

    async fn records(
        &self,
        tenant: &TenantId,
        kind: RecordKind,
        query: &RecordQuery,
    ) -> Result<Vec<RecordRow>, StoreError> {
        let inner = self.lock();
        let mut rows: Vec<RecordRow> = inner
            .records
            .stored
            .iter()
            .filter(|((t, k, _), kept)| t == tenant && *k == kind && query.matches(&kept.row))
            .map(|(_, kept)| kept.row.clone())
            .collect();
        rows.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
        Ok(rows)
    }

    async fn records_due(
        &self,
        before: DateTime<Utc>,
        after: Option<&RecordDue>,
        limit: usize,
    ) -> Result<Vec<RecordDue>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .records
            .due
            .iter()
            .filter(|d| after.is_none_or(|a| *d > a))
            .take_while(|d| d.at <= before)
            .take(limit)
            .cloned()
            .collect())
    }
}
