//! The generic record beside hazards and occurrences (design note 26): a kind, an id, a chain
//! of events, a state, a row to list it by and the time the sweep next has work for it.
//! Incidents and report duties are records of their own kinds; the stores keep them in one
//! table keyed by (tenant, kind, id) and never look inside their events or state.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::chain::ChainHash;
use crate::model::{named_enum, InputError, TenantId, UnitId};

/// The schema of record events.
pub const RECORD_SCHEMA: u16 = 1;

/// The kinds of record. Variants are in the order of their codes, so every store (which
/// sorts the stored codes as text) orders due records alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// One occurrence of a scheduled report, meeting or letter (报告事项).
    Duty,
    /// An emergency and its reports to the bureau (突发事件报告).
    Incident,
}

named_enum!(RecordKind {
    Duty => ("报告事项", "report duty"),
    Incident => ("突发事件", "incident"),
});

impl RecordKind {
    /// Every kind.
    pub const ALL: [RecordKind; 2] = [RecordKind::Duty, RecordKind::Incident];

    /// The code stored and printed (`incident`, `duty`).
    pub const fn code(self) -> &'static str {
        match self {
            RecordKind::Incident => "incident",
            RecordKind::Duty => "duty",
        }
    }

    /// The kind of a stored code.
    pub fn from_code(code: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A record's id within its tenant and kind: 1 to 200 characters, no control characters
/// and no blanks at either end. Report duties use `schedule/unit/period`
/// (`quarterly-analysis/s1/2026-Q3`), so generating one twice names the same record.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RecordId(String);

impl RecordId {
    /// Checks `text` as an id; errors name `field`.
    pub fn parse_as(text: &str, field: &str) -> Result<RecordId, InputError> {
        let malformed = |reason: &str| InputError::Malformed {
            field: field.to_owned(),
            reason: format!("`{}` {reason}", text.chars().take(40).collect::<String>()),
        };
        if text.trim().is_empty() {
            return Err(InputError::Missing { field: field.to_owned() });
        }
        if text.chars().count() > 200 {
            return Err(malformed("is longer than 200 characters"));
        }
        if text.trim() != text || text.chars().any(char::is_control) {
            return Err(malformed("has blanks at an end or control characters"));
        }
        Ok(RecordId(text.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RecordId {
    type Error = InputError;
    fn try_from(text: String) -> Result<RecordId, InputError> {
        RecordId::parse_as(&text, "id")
    }
}

impl From<RecordId> for String {
    fn from(id: RecordId) -> String {
        id.0
    }
}

impl std::fmt::Display for RecordId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which record a notice or a link is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RecordRef {
    /// Its kind.
    pub kind: RecordKind,
    /// Its id.
    pub id: RecordId,
}

/// One stored event of a record with its place in the chain. The event is kept as the JSON
/// its kind wrote, and hashed as such, so a store needs no knowledge of the kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordEntry {
    /// The tenant.
    pub tenant: TenantId,
    /// The record's kind.
    pub kind: RecordKind,
    /// The record.
    pub id: RecordId,
    /// 1, 2, … within the record.
    pub seq: u64,
    /// The event schema it was written with.
    pub schema: u16,
    /// When it was written.
    pub recorded_at: DateTime<Utc>,
    /// The event, as its kind encodes it.
    pub event: serde_json::Value,
    /// The previous entry's hash (zero for the first).
    pub prev: ChainHash,
    /// This entry's hash.
    pub hash: ChainHash,
}

#[derive(Serialize)]
struct Canonical<'a> {
    domain: &'static str,
    tenant: &'a TenantId,
    kind: RecordKind,
    id: &'a RecordId,
    seq: u64,
    schema: u16,
    recorded_at: &'a DateTime<Utc>,
    event: &'a serde_json::Value,
    prev: &'a ChainHash,
}

impl RecordEntry {
    /// The hash its content should have (SHA-256 over a canonical encoding, the domain
    /// `hazardloop/record/v1`).
    pub fn compute_hash(&self) -> ChainHash {
        crate::chain::hash_of(&Canonical {
            domain: "hazardloop/record/v1",
            tenant: &self.tenant,
            kind: self.kind,
            id: &self.id,
            seq: self.seq,
            schema: self.schema,
            recorded_at: &self.recorded_at,
            event: &self.event,
            prev: &self.prev,
        })
    }
}

/// Chains `events` after `prev` (the record at `version`), all recorded at `at`.
pub fn chain<E: Serialize>(
    tenant: &TenantId,
    r: &RecordRef,
    version: u64,
    mut prev: ChainHash,
    at: DateTime<Utc>,
    events: &[E],
) -> Vec<RecordEntry> {
    let mut out = Vec::with_capacity(events.len());
    for (i, event) in events.iter().enumerate() {
        let mut entry = RecordEntry {
            tenant: tenant.clone(),
            kind: r.kind,
            id: r.id.clone(),
            seq: version + i as u64 + 1,
            schema: RECORD_SCHEMA,
            recorded_at: at,
            // Plain data always serialises.
            event: serde_json::to_value(event).unwrap_or_default(),
            prev,
            hash: ChainHash::default(),
        };
        entry.hash = entry.compute_hash();
        prev = entry.hash;
        out.push(entry);
    }
    out
}

/// Checks a record's entries: in sequence from 1, of this tenant, kind and id, each linked
/// to the one before and with its content unchanged. Names the first bad entry.
pub fn verify(
    tenant: &TenantId,
    r: &RecordRef,
    entries: &[RecordEntry],
) -> Result<(), (u64, &'static str)> {
    let mut prev = ChainHash::default();
    for (i, e) in entries.iter().enumerate() {
        let seq = i as u64 + 1;
        if e.seq != seq {
            return Err((seq, "missing: the sequence has a gap"));
        }
        if &e.tenant != tenant || e.kind != r.kind || e.id != r.id {
            return Err((e.seq, "belongs to another tenant or record"));
        }
        if e.prev != prev {
            return Err((e.seq, "does not link to the previous event"));
        }
        if e.compute_hash() != e.hash {
            return Err((e.seq, "content changed: its hash does not match"));
        }
        prev = e.hash;
    }
    Ok(())
}

/// A record as listed: what every kind can say about itself in a line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordRow {
    /// The tenant.
    pub tenant: TenantId,
    /// The kind.
    pub kind: RecordKind,
    /// The id.
    pub id: RecordId,
    /// Its version (events so far).
    pub version: u64,
    /// The unit it belongs to.
    pub unit: UnitId,
    /// What it is called.
    pub title: String,
    /// Its time of reference: when the school learned of an incident, when a duty is due.
    pub at: DateTime<Utc>,
    /// Its status code, as the kind names it (`open`, `submitted`, …).
    pub status: String,
    /// Whether work on it is still open.
    pub open: bool,
    /// Whether something of it was done late or not at all.
    pub late: bool,
    /// The group it belongs to: a duty's schedule, an incident's type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// Which rows of one kind to list. The stores narrow by tenant, kind and `at`; every other
/// criterion is [`RecordQuery::matches`], the one rule all stores follow.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct RecordQuery {
    /// Only rows whose unit is one of these (the engine expands a subtree).
    pub units: Option<Vec<UnitId>>,
    /// `at` at or after.
    pub from: Option<DateTime<Utc>>,
    /// `at` before.
    pub to: Option<DateTime<Utc>>,
    /// Only open (`true`) or finished (`false`) rows.
    pub open: Option<bool>,
    /// Only rows of this group.
    pub group: Option<String>,
}

impl RecordQuery {
    /// Whether `row` passes every criterion.
    pub fn matches(&self, row: &RecordRow) -> bool {
        self.units.as_ref().is_none_or(|u| u.contains(&row.unit))
            && self.from.is_none_or(|f| row.at >= f)
            && self.to.is_none_or(|t| row.at < t)
            && self.open.is_none_or(|o| row.open == o)
            && self.group.as_ref().is_none_or(|g| row.group.as_ref() == Some(g))
    }
}

/// A record whose sweep is due.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordDue {
    /// When.
    pub at: DateTime<Utc>,
    /// The tenant.
    pub tenant: TenantId,
    /// The kind.
    pub kind: RecordKind,
    /// The record.
    pub id: RecordId,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_chain_verifies_and_a_changed_event_is_named() {
        let tenant = TenantId::new("t").unwrap();
        let r =
            RecordRef { kind: RecordKind::Incident, id: RecordId::parse_as("i-1", "id").unwrap() };
        let events = [serde_json::json!({"a": 1}), serde_json::json!({"b": 2})];
        let mut entries =
            chain(&tenant, &r, 0, ChainHash::default(), at("2026-12-04T08:50:00Z"), &events);
        assert_eq!(verify(&tenant, &r, &entries), Ok(()));
        entries[0].event = serde_json::json!({"a": 2});
        assert_eq!(verify(&tenant, &r, &entries).unwrap_err().0, 1);
        let other = RecordRef { kind: RecordKind::Duty, id: r.id.clone() };
        let fresh =
            chain(&tenant, &r, 0, ChainHash::default(), at("2026-12-04T08:50:00Z"), &events);
        assert_eq!(verify(&tenant, &other, &fresh).unwrap_err().0, 1);
    }

    #[test]
    fn ids_are_checked() {
        assert!(RecordId::parse_as("", "id").is_err());
        assert!(RecordId::parse_as(" x", "id").is_err());
        assert!(RecordId::parse_as(&"x".repeat(201), "id").is_err());
        assert!(RecordId::parse_as("quarterly/s1/2026-Q3", "id").is_ok());
        assert_eq!(RecordKind::from_code("duty"), Some(RecordKind::Duty));
        // Ordered as their codes are, as the stores order them.
        let mut by_code = RecordKind::ALL;
        by_code.sort_by_key(|k| k.code());
        assert_eq!(by_code, RecordKind::ALL);
        assert!(RecordKind::Duty < RecordKind::Incident);
    }
}
