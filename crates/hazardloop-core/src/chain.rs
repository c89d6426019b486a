//! The hash chain over a hazard's events: each record stores the SHA-256 of the previous one over
//! a canonical encoding, so a changed, removed or reordered event is detected by [`verify`].
//!
//! What it proves: the events a store returns are the ones written, in order, unchanged, as long
//! as the last hash is known to be genuine (archiving seals it in the final event). What it does
//! not prove: who wrote them; a party able to rewrite the whole chain can forge a consistent one.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::{HazardId, TenantId};
use crate::workflow::{Event, EVENT_SCHEMA};

/// A SHA-256 digest, shown and stored as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct ChainHash(pub [u8; 32]);

impl fmt::Debug for ChainHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChainHash({self})")
    }
}

impl ChainHash {
    /// The 64 hex digits, written into `buf` (no allocation).
    fn hex<'a>(&self, buf: &'a mut [u8; 64]) -> &'a str {
        // 32 bytes always fit 64 digits, and hex digits are ASCII: neither step can fail.
        let _ = hex::encode_to_slice(self.0, buf);
        std::str::from_utf8(buf).unwrap_or_default()
    }
}

impl fmt::Display for ChainHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.hex(&mut [0; 64]))
    }
}

impl std::str::FromStr for ChainHash {
    type Err = hex::FromHexError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out)?;
        Ok(ChainHash(out))
    }
}

impl Serialize for ChainHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.hex(&mut [0; 64]))
    }
}

impl<'de> Deserialize<'de> for ChainHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// An event as stored: its place in the hazard's history, when it was recorded, and the chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recorded {
    /// The tenant.
    pub tenant: TenantId,
    /// The hazard.
    pub hazard: HazardId,
    /// Position in the hazard's history, from 1.
    pub seq: u64,
    /// The event schema version it was written with.
    pub schema: u16,
    /// When the engine recorded it.
    pub recorded_at: DateTime<Utc>,
    /// The event.
    pub event: Event,
    /// The previous record's hash (zeros for the first).
    pub prev: ChainHash,
    /// This record's hash.
    pub hash: ChainHash,
    /// Where the command came from, when the host said (an API token, a device's capture time).
    /// Hashed with the rest; records without it hash as they always did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// Where a command came from: the credential it was sent with and, for commands recorded offline
/// on a device, when it was recorded there. The engine's `recorded_at` is when it was received.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The credential, e.g. an API token's id (never the secret).
    pub via: String,
    /// When the command was captured on the device, if earlier than its receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_at: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
struct Canonical<'a> {
    domain: &'static str,
    tenant: &'a TenantId,
    hazard: &'a HazardId,
    seq: u64,
    schema: u16,
    recorded_at: &'a DateTime<Utc>,
    event: &'a Event,
    prev: &'a ChainHash,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin: Option<&'a Origin>,
}

impl Recorded {
    /// A record chained to `prev`, with its hash computed.
    pub fn new(
        tenant: TenantId,
        hazard: HazardId,
        seq: u64,
        recorded_at: DateTime<Utc>,
        event: Event,
        prev: ChainHash,
    ) -> Recorded {
        Recorded::with_origin_of(tenant, hazard, seq, recorded_at, event, prev, None)
    }

    /// A record chained to `prev` that keeps where its command came from, hashed once.
    #[allow(clippy::too_many_arguments)]
    pub fn with_origin_of(
        tenant: TenantId,
        hazard: HazardId,
        seq: u64,
        recorded_at: DateTime<Utc>,
        event: Event,
        prev: ChainHash,
        origin: Option<&Origin>,
    ) -> Recorded {
        let mut record = Recorded {
            tenant,
            hazard,
            seq,
            schema: EVENT_SCHEMA,
            recorded_at,
            event,
            prev,
            hash: ChainHash::default(),
            origin: origin.cloned(),
        };
        record.hash = record.compute_hash();
        record
    }

    /// The hash of this record's content and `prev`, over the canonical encoding: JSON of the
    /// fields in a fixed order, maps with sorted keys, prefixed by a domain string.
    pub fn compute_hash(&self) -> ChainHash {
        let canonical = Canonical {
            domain: "hazardloop/event/v1",
            tenant: &self.tenant,
            hazard: &self.hazard,
            seq: self.seq,
            schema: self.schema,
            recorded_at: &self.recorded_at,
            event: &self.event,
            prev: &self.prev,
            origin: self.origin.as_ref(),
        };
        hash_of(&canonical)
    }
}

/// The SHA-256 of a canonical record's JSON: the one hashing of every chain (hazards',
/// occurrences'); each record type brings its own domain string and fields.
pub(crate) fn hash_of<T: Serialize>(canonical: &T) -> ChainHash {
    // The JSON streams into the hasher (SHA-256 buffers its own blocks): no buffer to grow.
    // Serialising plain data cannot fail; were it to, the partial input would not match.
    let mut hasher = Sha256::new();
    let _ = serde_json::to_writer(&mut hasher, canonical);
    ChainHash(hasher.finalize().into())
}

/// Where and why a history failed verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("hazard {hazard}: event {seq} does not verify: {reason}")]
pub struct ChainError {
    /// The hazard.
    pub hazard: HazardId,
    /// The first sequence number that does not match.
    pub seq: u64,
    /// What is wrong.
    pub reason: String,
}

/// Checks a hazard's history: sequence numbers 1, 2, 3… without gaps, each record's hash
/// recomputes, each links to the previous one, tenant and hazard match, and nothing follows the
/// archive seal. Names the first record that fails.
pub fn verify(tenant: &TenantId, hazard: HazardId, records: &[Recorded]) -> Result<(), ChainError> {
    let fail = |seq: u64, reason: &str| Err(ChainError { hazard, seq, reason: reason.into() });
    let mut prev = ChainHash::default();
    let mut sealed = false;
    for (i, r) in records.iter().enumerate() {
        let expected_seq = i as u64 + 1;
        if r.seq != expected_seq {
            return fail(expected_seq, "missing: the sequence has a gap");
        }
        if &r.tenant != tenant || r.hazard != hazard {
            return fail(r.seq, "belongs to another tenant or hazard");
        }
        if sealed {
            return fail(r.seq, "written after the archive seal");
        }
        if r.prev != prev {
            return fail(r.seq, "does not link to the previous event");
        }
        if r.compute_hash() != r.hash {
            return fail(r.seq, "content changed: its hash does not match");
        }
        sealed = matches!(r.event, Event::Archived { .. });
        prev = r.hash;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PersonId;

    fn history(n: u64) -> (TenantId, HazardId, Vec<Recorded>) {
        let tenant = TenantId::new("t").unwrap();
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let hazard = HazardId::new_at(at);
        let mut prev = ChainHash::default();
        let records = (1..=n)
            .map(|seq| {
                let event = Event::Commented {
                    text: format!("note {seq}"),
                    by: PersonId::new("p").unwrap(),
                    at,
                };
                let r = Recorded::new(tenant.clone(), hazard, seq, at, event, prev);
                prev = r.hash;
                r
            })
            .collect();
        (tenant, hazard, records)
    }

    /// The chain's hash of a fixed record, pinned: a stored history verifies only while the
    /// canonical encoding and its hashing stay byte for byte what they were.
    #[test]
    fn a_fixed_record_hashes_to_its_pinned_value_and_as_the_buffered_encoding_did() {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let hazard: HazardId = "0190f5d2-7a3b-7c4d-8e5f-a6b7c8d9e0f1".parse().unwrap();
        let event =
            Event::Commented { text: "巡查备注".into(), by: PersonId::new("p").unwrap(), at };
        let tenant = TenantId::new("t").unwrap();
        let r = Recorded::new(tenant, hazard, 1, at, event, ChainHash::default());
        let canonical = Canonical {
            domain: "hazardloop/event/v1",
            tenant: &r.tenant,
            hazard: &r.hazard,
            seq: r.seq,
            schema: r.schema,
            recorded_at: &r.recorded_at,
            event: &r.event,
            prev: &r.prev,
            origin: None,
        };
        let buffered = Sha256::digest(serde_json::to_vec(&canonical).unwrap());
        assert_eq!(r.hash.0, <[u8; 32]>::from(buffered));
        assert_eq!(r.hash.to_string(), PINNED);
    }

    const PINNED: &str = "bb9b73c687e186657489ef2981bce43191d1140ecfccb290f5b7f6d715bd0078";

    #[test]
    fn an_origin_is_hashed_with_its_record_and_absent_ones_leave_hashes_as_they_were() {
        let (t, h, mut r) = history(3);
        let plain = r[1].clone();
        let json = serde_json::to_string(&plain).unwrap();
        assert!(!json.contains("origin"), "no origin, no member: {json}");
        let origin =
            Origin { via: "token:0123456789abcdef".into(), captured_at: Some(plain.recorded_at) };
        let kept = Recorded::with_origin_of(
            t.clone(),
            h,
            plain.seq,
            plain.recorded_at,
            plain.event.clone(),
            plain.prev,
            Some(&origin),
        );
        assert_ne!(kept.hash, plain.hash, "the origin is part of what the hash proves");
        // Rechain the rest onto the record with its origin: the history verifies.
        r[1] = kept;
        r[2] = Recorded::new(t.clone(), h, 3, r[2].recorded_at, r[2].event.clone(), r[1].hash);
        assert_eq!(verify(&t, h, &r), Ok(()));
        // Changing the origin afterwards (a forged token id) breaks the chain at that record.
        r[1].origin = Some(Origin { via: "token:ffffffffffffffff".into(), captured_at: None });
        assert_eq!(verify(&t, h, &r).map_err(|e| e.seq), Err(2));
    }

    #[test]
    fn an_intact_history_verifies() {
        let (t, h, r) = history(5);
        assert_eq!(verify(&t, h, &r), Ok(()));
    }

    #[test]
    fn a_changed_payload_names_its_sequence_number() {
        let (t, h, mut r) = history(5);
        if let Event::Commented { text, .. } = &mut r[2].event {
            text.push('!');
        }
        let err = verify(&t, h, &r).unwrap_err();
        assert_eq!((err.seq, err.hazard), (3, h));
        assert!(err.reason.contains("hash"));
    }

    #[test]
    fn a_removed_event_names_the_gap() {
        let (t, h, mut r) = history(5);
        r.remove(1);
        assert_eq!(verify(&t, h, &r).unwrap_err().seq, 2);
    }

    #[test]
    fn a_rehashed_forgery_breaks_the_link_to_the_next_event() {
        let (t, h, mut r) = history(5);
        if let Event::Commented { text, .. } = &mut r[1].event {
            *text = "forged".into();
        }
        r[1].hash = r[1].compute_hash();
        assert_eq!(verify(&t, h, &r).unwrap_err().seq, 3);
    }

    #[test]
    fn hashes_are_stable_across_serde_round_trips() {
        let (t, h, r) = history(3);
        let json = serde_json::to_string(&r).unwrap();
        let back: Vec<Recorded> = serde_json::from_str(&json).unwrap();
        assert_eq!(verify(&t, h, &back), Ok(()));
        assert_eq!(back, r);
    }
}
