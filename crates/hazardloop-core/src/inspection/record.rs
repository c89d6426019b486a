//! The hash chain over an occurrence's events, like a hazard's ([`crate::chain`]): each record
//! holds the SHA-256 of the previous one over a canonical encoding, so `verify` detects a
//! changed, removed or reordered event.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::occurrence::{OccurrenceEvent, OccurrenceId};
use crate::chain::ChainHash;
use crate::model::TenantId;

/// The schema of occurrence events.
pub const OCCURRENCE_SCHEMA: u16 = 1;

/// One stored occurrence event with its place in the chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OccurrenceRecord {
    /// The tenant.
    pub tenant: TenantId,
    /// The occurrence.
    pub occurrence: OccurrenceId,
    /// 1, 2, … within the occurrence.
    pub seq: u64,
    /// The event schema it was written with.
    pub schema: u16,
    /// When it was written.
    pub recorded_at: DateTime<Utc>,
    /// The event.
    pub event: OccurrenceEvent,
    /// The previous record's hash (zero for the first).
    pub prev: ChainHash,
    /// This record's hash.
    pub hash: ChainHash,
}

#[derive(Serialize)]
struct Canonical<'a> {
    domain: &'static str,
    tenant: &'a TenantId,
    occurrence: &'a OccurrenceId,
    seq: u64,
    schema: u16,
    recorded_at: &'a DateTime<Utc>,
    event: &'a OccurrenceEvent,
    prev: &'a ChainHash,
}

impl OccurrenceRecord {
    /// A record of `event`, chained after `prev`.
    pub fn new(
        tenant: TenantId,
        occurrence: OccurrenceId,
        seq: u64,
        recorded_at: DateTime<Utc>,
        event: OccurrenceEvent,
        prev: ChainHash,
    ) -> OccurrenceRecord {
        let mut record = OccurrenceRecord {
            tenant,
            occurrence,
            seq,
            schema: OCCURRENCE_SCHEMA,
            recorded_at,
            event,
            prev,
            hash: ChainHash::default(),
        };
        record.hash = record.compute_hash();
        record
    }

    /// The hash its content should have.
    pub fn compute_hash(&self) -> ChainHash {
        let canonical = Canonical {
            domain: "hazardloop/inspection/v1",
            tenant: &self.tenant,
            occurrence: &self.occurrence,
            seq: self.seq,
            schema: self.schema,
            recorded_at: &self.recorded_at,
            event: &self.event,
            prev: &self.prev,
        };
        crate::chain::hash_of(&canonical)
    }
}

/// Checks an occurrence's records: in sequence from 1, of this tenant and occurrence, each
/// linked to the one before and with its content unchanged. Names the first bad record.
pub fn verify(
    tenant: &TenantId,
    occurrence: &OccurrenceId,
    records: &[OccurrenceRecord],
) -> Result<(), (u64, &'static str)> {
    let mut prev = ChainHash::default();
    for (i, r) in records.iter().enumerate() {
        let seq = i as u64 + 1;
        if r.seq != seq {
            return Err((seq, "missing: the sequence has a gap"));
        }
        if &r.tenant != tenant || &r.occurrence != occurrence {
            return Err((r.seq, "belongs to another tenant or occurrence"));
        }
        if r.prev != prev {
            return Err((r.seq, "does not link to the previous event"));
        }
        if r.compute_hash() != r.hash {
            return Err((r.seq, "content changed: its hash does not match"));
        }
        prev = r.hash;
    }
    Ok(())
}

/// Chains `events` after `prev` (the occurrence at `version`), all recorded at `at`.
pub fn chain(
    tenant: &TenantId,
    occurrence: &OccurrenceId,
    version: u64,
    mut prev: ChainHash,
    at: DateTime<Utc>,
    events: Vec<OccurrenceEvent>,
) -> Vec<OccurrenceRecord> {
    let mut out = Vec::with_capacity(events.len());
    for (i, event) in events.into_iter().enumerate() {
        let r = OccurrenceRecord::new(
            tenant.clone(),
            occurrence.clone(),
            version + i as u64 + 1,
            at,
            event,
            prev,
        );
        prev = r.hash;
        out.push(r);
    }
    out
}
