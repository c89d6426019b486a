//! The in-memory store's occurrences: the same semantics as every other [`InspectionStore`].

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use super::{Inner, MemoryStore, Row};
use crate::chain::ChainHash;
use crate::inspection::{
    Occurrence, OccurrenceId, OccurrenceQuery, OccurrenceRecord, OccurrenceRow,
};
use crate::model::TenantId;
use crate::store::{InspectionStore, OccurrenceCommit, OccurrenceDue, StoreError};

#[derive(Debug, Default)]
pub(super) struct Occurrences {
    stored: HashMap<(TenantId, OccurrenceId), StoredOccurrence>,
    due: BTreeSet<OccurrenceDue>,
}

#[derive(Debug)]
struct StoredOccurrence {
    events: Vec<OccurrenceRecord>,
    state: Occurrence,
    row: OccurrenceRow,
    next_due: Option<DateTime<Utc>>,
}

impl Inner {
    fn check_occurrence(&self, c: &OccurrenceCommit) -> Result<(), StoreError> {
        let key = (c.tenant.clone(), c.occurrence.clone());
        let actual = self.occurrences.stored.get(&key).map_or(0, |s| s.events.len() as u64);
        if actual != c.expected_version {
            return Err(StoreError::Conflict { expected: c.expected_version, actual });
        }
        c.check_shape()?;
        let mut ids = BTreeSet::new();
        for h in &c.hazards {
            self.check(h)?;
            if !ids.insert(h.hazard) {
                return Err(StoreError::Malformed(format!("hazard {} is raised twice", h.hazard)));
            }
        }
        let mut messages = BTreeSet::new();
        for m in c.outbox.iter().chain(c.hazards.iter().flat_map(|h| &h.outbox)) {
            if self.outbox.contains_key(&m.id) || !messages.insert(m.id) {
                return Err(StoreError::Backend("outbox message id already used".into()));
            }
        }
        Ok(())
    }

    fn apply_occurrence(&mut self, c: OccurrenceCommit) {
        for h in c.hazards {
            self.apply(h);
        }
        for message in c.outbox {
            self.outbox.insert(message.id, Row { message, lease: None });
        }
        let occurrences = &mut self.occurrences;
        let key = (c.tenant.clone(), c.occurrence.clone());
        let due =
            |at| OccurrenceDue { at, tenant: c.tenant.clone(), occurrence: c.occurrence.clone() };
        match occurrences.stored.get_mut(&key) {
            Some(stored) => {
                if let Some(at) = stored.next_due.take() {
                    occurrences.due.remove(&due(at));
                }
                stored.events.extend(c.events);
                stored.state = c.state;
                stored.row = c.row;
                stored.next_due = c.next_due;
            }
            None => {
                occurrences.stored.insert(
                    key,
                    StoredOccurrence {
                        events: c.events,
                        state: c.state,
                        row: c.row,
                        next_due: c.next_due,
                    },
                );
            }
        }
        if let Some(at) = c.next_due {
            occurrences.due.insert(due(at));
        }
    }
}

impl InspectionStore for MemoryStore {
    async fn commit_occurrence(&self, mut commit: OccurrenceCommit) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.check_occurrence(&commit)?;
        // The findings' hazards are numbered in the same commit, as a single hazard's is.
        for h in &mut commit.hazards {
            inner.number(h)?;
        }
        inner.apply_occurrence(commit);
        Ok(())
    }

    async fn schedule(&self, commits: Vec<OccurrenceCommit>) -> Result<usize, StoreError> {
        let mut inner = self.lock();
        // Check all first: a malformed commit writes nothing of the batch.
        for c in &commits {
            if c.expected_version != 0 || !c.hazards.is_empty() {
                return Err(StoreError::Malformed(format!(
                    "occurrence {} is scheduled at version 0",
                    c.occurrence
                )));
            }
            c.check_shape()?;
        }
        let mut new = 0;
        for c in commits {
            if inner.occurrences.stored.contains_key(&(c.tenant.clone(), c.occurrence.clone())) {
                continue;
            }
            inner.apply_occurrence(c);
            new += 1;
        }
        Ok(new)
    }

    async fn occurrence(
        &self,
        tenant: &TenantId,
        id: &OccurrenceId,
    ) -> Result<Option<(Occurrence, ChainHash)>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .occurrences
            .stored
            .get(&(tenant.clone(), id.clone()))
            .map(|s| (s.state.clone(), s.events.last().map_or(ChainHash::default(), |e| e.hash))))
    }

    async fn occurrence_events(
        &self,
        tenant: &TenantId,
        id: &OccurrenceId,
    ) -> Result<Vec<OccurrenceRecord>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .occurrences
            .stored
            .get(&(tenant.clone(), id.clone()))
            .map(|s| s.events.clone())
            .unwrap_or_default())
    }

    async fn occurrences(
        &self,
        tenant: &TenantId,
        query: &OccurrenceQuery,
    ) -> Result<Vec<OccurrenceRow>, StoreError> {
        let inner = self.lock();
        let mut rows: Vec<OccurrenceRow> = inner
            .occurrences
            .stored
            .iter()
            .filter(|((t, _), s)| t == tenant && query.matches(&s.row))
            .map(|(_, s)| s.row.clone())
            .collect();
        rows.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.id.cmp(&b.id)));
        if query.limit > 0 {
            rows.truncate(query.limit);
        }
        Ok(rows)
    }

    async fn occurrences_due(
        &self,
        before: DateTime<Utc>,
        after: Option<&OccurrenceDue>,
        limit: usize,
    ) -> Result<Vec<OccurrenceDue>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .occurrences
            .due
            .iter()
            .filter(|d| after.is_none_or(|a| *d > a))
            .take_while(|d| d.at <= before)
            .take(limit)
            .cloned()
            .collect())
    }
}
