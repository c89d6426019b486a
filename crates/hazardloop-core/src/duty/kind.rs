//! What the engine needs of a kind of record to load, chain, store and sweep it.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::duty::{Duty, DutyEvent};
use super::incident::{Incident, IncidentEvent};
use super::record::{RecordId, RecordKind, RecordRow};
use crate::model::TenantId;
use crate::policy::Policy;

/// A kind of record: its state folds from its events; it lists as a row; it tells the sweep
/// when it next has work.
pub trait Record: Clone + Serialize + DeserializeOwned + Send + Sync {
    /// Its events.
    type Event: Clone + Serialize + DeserializeOwned + Send + Sync;
    /// Its kind.
    const KIND: RecordKind;
    /// The record its first event creates; `None` when that event does not create one.
    fn first(tenant: TenantId, id: RecordId, event: &Self::Event) -> Option<Self>;
    /// Applies a later event.
    fn apply(&mut self, event: &Self::Event);
    /// Events so far.
    fn version(&self) -> u64;
    /// Its row as at `now`.
    fn row(&self, now: DateTime<Utc>) -> RecordRow;
    /// When the sweep next has work for it under `policy`.
    fn next_due(&self, policy: &Policy) -> Option<DateTime<Utc>>;
}

impl Record for Incident {
    type Event = IncidentEvent;
    const KIND: RecordKind = RecordKind::Incident;
    fn first(tenant: TenantId, id: RecordId, event: &IncidentEvent) -> Option<Self> {
        Incident::open(tenant, id, event)
    }
    fn apply(&mut self, event: &IncidentEvent) {
        Incident::apply(self, event);
    }
    fn version(&self) -> u64 {
        self.version
    }
    fn row(&self, now: DateTime<Utc>) -> RecordRow {
        Incident::row(self, now)
    }
    fn next_due(&self, policy: &Policy) -> Option<DateTime<Utc>> {
        Incident::next_due(self, &policy.incidents().ladder, policy.calendar())
    }
}

impl Record for Duty {
    type Event = DutyEvent;
    const KIND: RecordKind = RecordKind::Duty;
    fn first(tenant: TenantId, id: RecordId, event: &DutyEvent) -> Option<Self> {
        Duty::open(tenant, id, event)
    }
    fn apply(&mut self, event: &DutyEvent) {
        Duty::apply(self, event);
    }
    fn version(&self) -> u64 {
        self.version
    }
    fn row(&self, now: DateTime<Utc>) -> RecordRow {
        Duty::row(self, now)
    }
    fn next_due(&self, policy: &Policy) -> Option<DateTime<Utc>> {
        Duty::next_due(self, policy.reports(), policy.calendar())
    }
}
