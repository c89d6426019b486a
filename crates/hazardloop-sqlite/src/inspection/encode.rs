//! An [`OccurrenceCommit`] as the rows it writes, encoded on the caller's side like a hazard's
//! [`EncodedCommit`], its findings' hazards included.

use hazardloop_core::store::{OccurrenceCommit, StoreError};

use crate::codec::{int, json, nanos, EncodedCommit, EncodedMessage};

/// An occurrence commit as rows.
#[derive(Debug)]
pub(crate) struct EncodedOccurrence {
    pub(crate) tenant: String,
    pub(crate) occurrence: String,
    pub(crate) expected: i64,
    pub(crate) version: i64,
    /// The new chain head; `None` when the commit adds no events (the head stays).
    pub(crate) head: Option<String>,
    pub(crate) state: String,
    pub(crate) listing: String,
    pub(crate) plan: String,
    pub(crate) unit: String,
    pub(crate) inspector: String,
    pub(crate) due: i64,
    /// (seq, JSON of the `OccurrenceRecord`).
    pub(crate) events: Vec<(i64, String)>,
    pub(crate) sweep_at: Option<i64>,
    pub(crate) outbox: Vec<EncodedMessage>,
    /// The findings' new hazards, written as [`crate::write_ops::commit`] writes any commit.
    pub(crate) hazards: Vec<EncodedCommit>,
    /// Why the commit is malformed ([`OccurrenceCommit::check_shape`]): refused by the writer
    /// after the version check, so a stale commit is a conflict first.
    pub(crate) misfit: Option<StoreError>,
}

impl EncodedOccurrence {
    pub(crate) fn new(c: &OccurrenceCommit) -> Result<EncodedOccurrence, StoreError> {
        let misfit = c.check_shape().err();
        let events = c
            .events
            .iter()
            .map(|e| Ok((int(e.seq)?, json("an occurrence event", e)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(EncodedOccurrence {
            tenant: c.tenant.as_str().to_owned(),
            occurrence: c.occurrence.as_str().to_owned(),
            expected: int(c.expected_version)?,
            version: int(c.expected_version + c.events.len() as u64)?,
            head: c.events.last().map(|e| e.hash.to_string()),
            state: json("an occurrence state", &c.state)?,
            listing: json("an occurrence row", &c.row)?,
            plan: c.row.plan.clone(),
            unit: c.row.unit.as_str().to_owned(),
            inspector: c.row.inspector.as_str().to_owned(),
            due: nanos(c.row.due)?,
            events,
            sweep_at: c.next_due.map(nanos).transpose()?,
            outbox: c.outbox.iter().map(EncodedMessage::new).collect::<Result<_, _>>()?,
            hazards: c.hazards.iter().map(EncodedCommit::new).collect::<Result<_, _>>()?,
            misfit,
        })
    }
}
