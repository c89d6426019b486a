//! Values as stored: instants as integer nanoseconds, enums as their serde tags, records as JSON.
//! A commit is encoded on the caller's thread, so the writer thread only runs SQL.

use chrono::{DateTime, Utc};
use hazardloop_core::chain::ChainHash;
use hazardloop_core::numbering::Numbering;
use hazardloop_core::store::{Commit, OutboxMessage, OutboxStatus, StoreError};
use serde::Serialize;

use crate::error::{corrupt, unencodable};

/// An instant as nanoseconds since 1970 (exact, and ordered like the instants).
pub(crate) fn nanos(at: DateTime<Utc>) -> Result<i64, StoreError> {
    at.timestamp_nanos_opt().ok_or_else(|| unencodable("an instant"))
}

/// The instant of stored nanoseconds.
pub(crate) fn instant(nanos: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(nanos)
}

/// A count as an SQLite integer.
pub(crate) fn int(n: u64) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| unencodable("a count"))
}

/// A stored SQLite integer as a count.
pub(crate) fn count(n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| corrupt("a stored count", n))
}

/// JSON text of a value.
pub(crate) fn json<T: Serialize>(what: &str, value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Backend(format!("{what}: {e}")))
}

/// A value from stored JSON text.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    what: &str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt(what, e))
}

/// The serde tag of a unit enum (`"treating"`), as stored in filter columns.
pub(crate) fn tag<T: Serialize>(value: &T) -> Result<String, StoreError> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        Ok(other) => Ok(other.to_string()),
        Err(e) => Err(StoreError::Backend(format!("enum tag: {e}"))),
    }
}

/// A stored chain hash.
pub(crate) fn hash(text: &str) -> Result<ChainHash, StoreError> {
    text.parse().map_err(|e| corrupt("a chain hash", e))
}

/// The stored name of an outbox status.
pub(crate) fn status(s: OutboxStatus) -> &'static str {
    match s {
        OutboxStatus::Pending => "pending",
        OutboxStatus::Delivered => "delivered",
        OutboxStatus::Dead => "dead",
    }
}

/// The outbox status of a stored name.
pub(crate) fn parse_status(s: &str) -> Result<OutboxStatus, StoreError> {
    match s {
        "pending" => Ok(OutboxStatus::Pending),
        "delivered" => Ok(OutboxStatus::Delivered),
        "dead" => Ok(OutboxStatus::Dead),
        other => Err(corrupt("an outbox status", other)),
    }
}

/// An outbox message, ready to insert.
#[derive(Clone, Debug)]
pub(crate) struct EncodedMessage {
    pub(crate) id: String,
    pub(crate) tenant: String,
    pub(crate) group: String,
    pub(crate) status: &'static str,
    pub(crate) available_at: i64,
    pub(crate) attempts: i64,
    pub(crate) last_error: Option<String>,
    pub(crate) json: String,
}

impl EncodedMessage {
    pub(crate) fn new(m: &OutboxMessage) -> Result<EncodedMessage, StoreError> {
        Ok(EncodedMessage {
            id: m.id.to_string(),
            tenant: m.tenant.as_str().to_owned(),
            group: m.group.clone(),
            status: status(m.status),
            available_at: nanos(m.available_at)?,
            attempts: i64::from(m.attempts),
            last_error: m.last_error.clone(),
            json: json("an outbox message", m)?,
        })
    }
}

/// The idempotency key and result of a commit.
#[derive(Clone, Debug)]
pub(crate) struct EncodedKey {
    pub(crate) key: String,
    pub(crate) hazard: String,
    pub(crate) version: i64,
    pub(crate) events: i64,
}

/// A [`Commit`] as the rows it writes.
#[derive(Clone, Debug, Default)]
pub(crate) struct EncodedCommit {
    pub(crate) tenant: String,
    pub(crate) hazard: String,
    pub(crate) expected: i64,
    pub(crate) version: i64,
    /// The new chain head; `None` when the commit adds no events (the head stays).
    pub(crate) head: Option<String>,
    pub(crate) state: String,
    pub(crate) ledger: String,
    pub(crate) stage: String,
    pub(crate) open: bool,
    pub(crate) unit: String,
    pub(crate) category: Option<String>,
    pub(crate) grade: Option<String>,
    pub(crate) discovered_at: i64,
    pub(crate) deadline: Option<i64>,
    pub(crate) paused: bool,
    pub(crate) as_of: i64,
    pub(crate) title: String,
    pub(crate) location: String,
    /// (seq, JSON of the `Recorded`).
    pub(crate) events: Vec<(i64, String)>,
    pub(crate) next_due: Option<i64>,
    pub(crate) outbox: Vec<EncodedMessage>,
    pub(crate) key: Option<EncodedKey>,
    /// Why the commit is malformed (events out of sequence, a message of another tenant).
    pub(crate) misfit: Option<StoreError>,
    /// The hazard's number, once given.
    pub(crate) number: Option<String>,
    /// A new hazard still to be numbered, in this series: the writer takes the next number
    /// inside the transaction and writes it into the state, the ledger row and the messages,
    /// encoded here without one ([`EncodedCommit::numbered`]); the writer's thread encodes no
    /// JSON of its own.
    pub(crate) unnumbered: Option<Box<Numbering>>,
}

impl EncodedCommit {
    /// Encodes a commit. Malformed commits (events out of sequence, messages of another
    /// tenant) are marked for the writer to refuse after the version check.
    pub(crate) fn new(c: &Commit) -> Result<EncodedCommit, StoreError> {
        let unnumbered = match &c.numbering {
            Some(n) if c.ledger.number.is_none() => Some(Box::new(n.clone())),
            _ => None,
        };
        let numbered_in_part =
            c.state.number.is_some() || c.outbox.iter().any(|m| m.notice.number.is_some());
        if unnumbered.is_some() && numbered_in_part {
            // A hand-built commit with a number in some places: numbered in all, like any other.
            let mut bare = c.clone();
            bare.state.number = None;
            for m in &mut bare.outbox {
                m.notice.number = None;
            }
            return EncodedCommit::new(&bare);
        }
        // Checked by the writer after the version, so a stale commit is a conflict first.
        let misfit = c.check_shape().err();
        let row = &c.ledger;
        let events = c
            .events
            .iter()
            .map(|e| Ok((int(e.seq)?, json("an event", e)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(EncodedCommit {
            tenant: c.tenant.as_str().to_owned(),
            hazard: c.hazard.to_string(),
            expected: int(c.expected_version)?,
            version: int(c.expected_version + c.events.len() as u64)?,
            head: c.events.last().map(|e| e.hash.to_string()),
            state: json("the hazard state", &c.state)?,
            ledger: json("the ledger row", row)?,
            stage: tag(&row.stage)?,
            open: row.stage.is_open(),
            unit: row.accountable_unit().as_str().to_owned(),
            category: row.category.as_ref().map(|c| c.as_str().to_owned()),
            grade: row.grade.as_ref().map(tag).transpose()?,
            discovered_at: nanos(row.discovered_at)?,
            deadline: row.deadline.map(nanos).transpose()?,
            paused: row.paused_since.is_some(),
            as_of: nanos(row.as_of)?,
            title: row.title.clone(),
            location: row.location.clone(),
            events,
            next_due: c.next_due.map(nanos).transpose()?,
            outbox: c.outbox.iter().map(EncodedMessage::new).collect::<Result<_, _>>()?,
            key: c
                .idempotency
                .as_ref()
                .map(|k| {
                    Ok::<_, StoreError>(EncodedKey {
                        key: k.key.clone(),
                        hazard: k.hazard.to_string(),
                        version: int(k.version)?,
                        events: int(k.events)?,
                    })
                })
                .transpose()?,
            misfit,
            number: row.number.clone(),
            unnumbered,
        })
    }

    /// This new hazard's commit with `number`, written into the encoded state, ledger row and
    /// messages, which were encoded without one: the key goes first in the state's and the
    /// row's object and in each message's notice (JSON members have no order).
    pub(crate) fn numbered(&self, number: String) -> Result<EncodedCommit, StoreError> {
        let value = json("a hazard number", &number)?;
        let mut c = self.clone();
        c.state = with_number_after(&self.state, "{", &value)?;
        c.ledger = with_number_after(&self.ledger, "{", &value)?;
        for m in &mut c.outbox {
            m.json = with_number_after(&m.json, NOTICE, &value)?;
        }
        c.number = Some(number);
        c.unnumbered = None;
        Ok(c)
    }
}

/// Where a message's notice begins in its JSON. A key is the only place an unescaped `"` can
/// open `notice`, and an `OutboxMessage` has no other member of that name before its notice.
const NOTICE: &str = "\"notice\":{";

/// `json` with `"number":value` as the first member of the object opened by the first `open`.
fn with_number_after(json: &str, open: &str, value: &str) -> Result<String, StoreError> {
    let at = json
        .find(open)
        .map(|i| i + open.len())
        .ok_or_else(|| StoreError::Backend(format!("no `{open}` to number in {json}")))?;
    let (head, tail) = json.split_at(at);
    let comma = if tail.starts_with('}') { "" } else { "," };
    Ok(format!("{head}\"number\":{value}{comma}{tail}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use hazardloop_core::numbering::NumberFormat;
    use hazardloop_core::report::LedgerRow;
    use hazardloop_core::workflow::{Hazard, StageKind};
    use hazardloop_testkit::conformance::{sample, sample_message};
    use hazardloop_testkit::Fixture;

    use super::*;

    /// A new hazard's commit as the engine builds it: numbering asked for, no number yet.
    fn unnumbered(f: &Fixture, stage: StageKind) -> Commit {
        let (state, events) = sample(f, stage);
        let messages = (0..2).map(|i| sample_message(&f.tenant, &state, &format!("g{i}"), f.start));
        Commit {
            tenant: f.tenant.clone(),
            hazard: state.id,
            expected_version: 0,
            events: events.into(),
            ledger: LedgerRow::from_hazard(&state, f.start).into(),
            next_due: None,
            outbox: messages.collect(),
            idempotency: None,
            numbering: Some(NumberFormat::default().numbering(f.start, chrono_tz::UTC)),
            state,
        }
    }

    #[test]
    fn a_number_written_into_an_encoded_commit_reads_back_as_if_assigned_before_encoding() {
        let f = Fixture::school();
        for stage in [StageKind::Discovered, StageKind::Registered] {
            let commit = unnumbered(&f, stage);
            let encoded = EncodedCommit::new(&commit).unwrap();
            assert!(encoded.unnumbered.is_some() && encoded.number.is_none());
            // A number with characters JSON escapes, to be sure it is written as JSON.
            let number = "一中\"2026\"\\0007".to_owned();
            let numbered = encoded.numbered(number.clone()).unwrap();

            let mut want = commit.clone();
            want.state.number = Some(number.clone());
            std::sync::Arc::make_mut(&mut want.ledger).number = Some(number.clone());
            for m in &mut want.outbox {
                m.notice.number = Some(number.clone());
            }
            assert_eq!(from_json::<Hazard>("state", &numbered.state).unwrap(), want.state);
            assert_eq!(from_json::<LedgerRow>("row", &numbered.ledger).unwrap(), *want.ledger);
            for (m, w) in numbered.outbox.iter().zip(&want.outbox) {
                assert_eq!(&from_json::<OutboxMessage>("message", &m.json).unwrap(), w);
            }
            assert_eq!(numbered.number.as_deref(), Some(number.as_str()));
            assert!(numbered.unnumbered.is_none());
        }
    }

    #[test]
    fn a_commit_numbered_in_part_is_numbered_everywhere() {
        let f = Fixture::school();
        let mut commit = unnumbered(&f, StageKind::Discovered);
        commit.state.number = Some("stale".into());
        let numbered = EncodedCommit::new(&commit).unwrap().numbered("2026-0001".into()).unwrap();
        let state = from_json::<Hazard>("state", &numbered.state).unwrap();
        assert_eq!(state.number.as_deref(), Some("2026-0001"));
    }

    #[test]
    fn the_number_goes_into_empty_and_nested_objects_alike() {
        assert_eq!(with_number_after("{}", "{", "\"n\"").unwrap(), "{\"number\":\"n\"}");
        assert_eq!(
            with_number_after("{\"a\":\"\\\"notice\\\":{\",\"notice\":{\"k\":1}}", NOTICE, "1")
                .unwrap(),
            "{\"a\":\"\\\"notice\\\":{\",\"notice\":{\"number\":1,\"k\":1}}"
        );
        assert!(with_number_after("[]", "{", "1").is_err());
    }
}
