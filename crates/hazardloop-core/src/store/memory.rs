//! The in-memory store: full semantics (versions, tenant scoping, idempotency, due order, atomic
//! outbox, leases), held to the same conformance suite as every other store.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};

use super::{
    Claimed, Commit, Committed, Due, HazardRecord, IdempotentResult, LedgerPage, LedgerQuery,
    OutboxMessage, OutboxStatus, Settlement, Snapshot, Store, StoreError,
};
use crate::chain::{ChainHash, Recorded};
use crate::model::{HazardId, MessageId, TenantId};
use crate::report::LedgerRow;
use crate::workflow::Hazard;

#[path = "memory_inspection.rs"]
mod inspection;
#[path = "memory_record.rs"]
mod record;

/// A [`Store`] in memory. Cheap to create; nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Boxed: growing the map moves its keys and a pointer each, not whole hazards.
    hazards: HashMap<(TenantId, HazardId), Box<Stored>>,
    due: BTreeSet<Due>,
    outbox: BTreeMap<MessageId, Row>,
    keys: HashMap<(TenantId, String), IdempotentResult>,
    documents: HashMap<(TenantId, String), String>,
    next_token: u64,
    occurrences: inspection::Occurrences,
    records: record::Records,
    /// The last number taken in each series of each tenant.
    series: HashMap<(TenantId, String), u64>,
    /// Which hazard has which number.
    numbers: HashMap<(TenantId, String), HazardId>,
}

#[derive(Debug)]
struct Stored {
    /// The history as the commits brought it, one shared slice per commit: appending moves a
    /// pointer, and never copies the records already kept.
    events: Vec<Arc<[Recorded]>>,
    ledger: Arc<LedgerRow>,
    state: Hazard,
    next_due: Option<DateTime<Utc>>,
}

impl Stored {
    /// The last record's hash (the chain's head).
    fn head(&self) -> ChainHash {
        self.events.iter().rev().find_map(|c| c.last()).map_or(ChainHash::default(), |e| e.hash)
    }

    /// The number of records kept: the hazard's version.
    fn version(&self) -> u64 {
        self.events.iter().map(|c| c.len() as u64).sum()
    }

    /// The history, in order.
    fn history(&self) -> Vec<Recorded> {
        self.events.iter().flat_map(|c| c.iter().cloned()).collect()
    }
}

#[derive(Debug, Clone)]
struct Row {
    message: OutboxMessage,
    lease: Option<(u64, DateTime<Utc>)>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Inner {
    fn commit(&mut self, mut c: Commit) -> Result<Committed, StoreError> {
        self.check(&c)?;
        self.number(&mut c)?;
        let number = if c.numbering.is_some() { c.ledger.number.clone() } else { None };
        self.apply(c);
        Ok(Committed::numbered(number))
    }

    /// Gives a new hazard the next number of its series (taken only if the commit lands: the
    /// checks come first and nothing after this fails).
    fn number(&mut self, c: &mut Commit) -> Result<(), StoreError> {
        let Some(series) = c.numbering.as_ref().map(|n| (c.tenant.clone(), n.series.clone()))
        else {
            return Ok(());
        };
        let seq = self.series.get(&series).copied().unwrap_or(0) + 1;
        c.assign_number(seq);
        if let Some(number) = &c.ledger.number {
            let key = (c.tenant.clone(), number.clone());
            if self.numbers.contains_key(&key) {
                return Err(StoreError::Backend(format!("hazard number {number} is already used")));
            }
            self.numbers.insert(key, c.hazard);
        }
        self.series.insert(series, seq);
        Ok(())
    }

    /// Every check of a commit, before anything is written.
    fn check(&self, c: &Commit) -> Result<(), StoreError> {
        let key = (c.tenant.clone(), c.hazard);
        let actual = self.hazards.get(&key).map_or(0, |s| s.version());
        if actual != c.expected_version {
            return Err(StoreError::Conflict { expected: c.expected_version, actual });
        }
        if let Some(r) = &c.idempotency {
            if self.keys.contains_key(&(c.tenant.clone(), r.key.clone())) {
                return Err(StoreError::DuplicateKey);
            }
        }
        c.check_shape()?;
        if c.outbox.iter().any(|m| self.outbox.contains_key(&m.id)) {
            return Err(StoreError::Backend("outbox message id already used".into()));
        }
        Ok(())
    }

    /// Applies a checked commit (the rows move in; nothing is copied).
    fn apply(&mut self, c: Commit) {
        let key = (c.tenant.clone(), c.hazard);
        match self.hazards.entry(key) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(Box::new(Stored {
                    events: vec![c.events],
                    ledger: c.ledger,
                    state: c.state,
                    next_due: c.next_due,
                }));
            }
            std::collections::hash_map::Entry::Occupied(mut slot) => {
                let stored = slot.get_mut();
                if let Some(at) = stored.next_due.take() {
                    self.due.remove(&Due { at, tenant: c.tenant.clone(), hazard: c.hazard });
                }
                if !c.events.is_empty() {
                    stored.events.push(c.events);
                }
                stored.ledger = c.ledger;
                stored.state = c.state;
                stored.next_due = c.next_due;
            }
        }
        if let Some(at) = c.next_due {
            self.due.insert(Due { at, tenant: c.tenant.clone(), hazard: c.hazard });
        }
        for message in c.outbox {
            self.outbox.insert(message.id, Row { message, lease: None });
        }
        if let Some(r) = c.idempotency {
            self.keys.insert((c.tenant, r.key.clone()), r);
        }
    }

    fn claim(&mut self, now: DateTime<Utc>, limit: usize, until: DateTime<Utc>) -> Vec<Claimed> {
        let claimable = |r: &Row| {
            r.message.status == OutboxStatus::Pending
                && r.message.available_at <= now
                && r.lease.is_none_or(|(_, until)| until <= now)
        };
        // Whole groups: a digest is never split between two claims.
        let mut groups: Vec<(String, TenantId)> = Vec::new();
        for (count, row) in self.outbox.values().filter(|r| claimable(r)).enumerate() {
            let group = (row.message.group.clone(), row.message.tenant.clone());
            if !groups.contains(&group) {
                if count >= limit {
                    break;
                }
                groups.push(group);
            }
        }
        let mut claimed = Vec::new();
        for row in self.outbox.values_mut() {
            let in_group =
                groups.iter().any(|(g, t)| *g == row.message.group && *t == row.message.tenant);
            if in_group && claimable(row) {
                self.next_token += 1;
                row.lease = Some((self.next_token, until));
                row.message.attempts += 1;
                claimed.push(Claimed { message: row.message.clone(), token: self.next_token });
            }
        }
        claimed
    }
}

impl Store for MemoryStore {
    async fn commit(&self, commit: Commit) -> Result<Committed, StoreError> {
        self.lock().commit(commit)
    }

    async fn find_number(
        &self,
        tenant: &TenantId,
        number: &str,
    ) -> Result<Option<HazardId>, StoreError> {
        Ok(self.lock().numbers.get(&(tenant.clone(), number.to_owned())).copied())
    }

    async fn load(
        &self,
        tenant: &TenantId,
        hazard: HazardId,
    ) -> Result<Option<HazardRecord>, StoreError> {
        let inner = self.lock();
        Ok(inner.hazards.get(&(tenant.clone(), hazard)).map(|s| HazardRecord {
            events: s.history(),
            version: s.version(),
            head: s.head(),
        }))
    }

    async fn snapshot(
        &self,
        tenant: &TenantId,
        hazard: HazardId,
    ) -> Result<Option<Snapshot>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .hazards
            .get(&(tenant.clone(), hazard))
            .map(|s| Snapshot { hazard: s.state.clone(), head: s.head() }))
    }

    async fn ledger(
        &self,
        tenant: &TenantId,
        query: &LedgerQuery,
    ) -> Result<LedgerPage, StoreError> {
        let inner = self.lock();
        let mut rows: Vec<&LedgerRow> = inner
            .hazards
            .iter()
            .filter(|((t, _), _)| t == tenant)
            .map(|(_, s)| &*s.ledger)
            .filter(|row| query.matches(row))
            .collect();
        rows.sort_by(|a, b| b.discovered_at.cmp(&a.discovered_at).then(b.id.cmp(&a.id)));
        let total = rows.len();
        let limit = if query.limit == 0 { usize::MAX } else { query.limit };
        let rows = rows.into_iter().skip(query.offset).take(limit).cloned().collect();
        Ok(query.page_of(total, rows))
    }

    async fn due(
        &self,
        before: DateTime<Utc>,
        after: Option<&Due>,
        limit: usize,
    ) -> Result<Vec<Due>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .due
            .iter()
            .filter(|d| after.is_none_or(|a| *d > a))
            .take_while(|d| d.at <= before)
            .take(limit)
            .cloned()
            .collect())
    }

    async fn idempotent(
        &self,
        tenant: &TenantId,
        key: &str,
    ) -> Result<Option<IdempotentResult>, StoreError> {
        Ok(self.lock().keys.get(&(tenant.clone(), key.to_owned())).cloned())
    }

    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<Claimed>, StoreError> {
        Ok(self.lock().claim(now, limit, lease_until))
    }

    async fn settle(
        &self,
        id: MessageId,
        token: u64,
        settlement: Settlement,
    ) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        let Some(row) = inner.outbox.get_mut(&id) else { return Ok(false) };
        if row.lease.map(|(t, _)| t) != Some(token) || row.message.status != OutboxStatus::Pending {
            return Ok(false);
        }
        row.lease = None;
        match settlement {
            Settlement::Delivered => row.message.status = OutboxStatus::Delivered,
            Settlement::Retry { at, error } => {
                row.message.available_at = at;
                row.message.last_error = Some(error);
            }
            Settlement::Dead { reason } => {
                row.message.status = OutboxStatus::Dead;
                row.message.last_error = Some(reason);
            }
        }
        Ok(true)
    }

    async fn put_document(
        &self,
        tenant: &TenantId,
        name: &str,
        body: &str,
    ) -> Result<(), StoreError> {
        self.lock().documents.insert((tenant.clone(), name.to_owned()), body.to_owned());
        Ok(())
    }

    async fn document(&self, tenant: &TenantId, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self.lock().documents.get(&(tenant.clone(), name.to_owned())).cloned())
    }

    async fn outbox(
        &self,
        tenant: &TenantId,
        status: OutboxStatus,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .outbox
            .values()
            .filter(|r| &r.message.tenant == tenant && r.message.status == status)
            .map(|r| r.message.clone())
            .collect())
    }
}
