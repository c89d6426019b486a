//! A [`RecordCommit`] as the rows it writes, encoded on the caller's side like a hazard's
//! [`EncodedCommit`](crate::codec::EncodedCommit).

use hazardloop_core::store::{RecordCommit, StoreError};

use crate::codec::{int, json, nanos, EncodedMessage};

/// A record commit as rows.
#[derive(Debug)]
pub(crate) struct EncodedRecord {
    pub(crate) tenant: String,
    /// The kind's code.
    pub(crate) kind: &'static str,
    pub(crate) id: String,
    pub(crate) expected: i64,
    pub(crate) version: i64,
    /// The new chain head; `None` when the commit adds no events (it is then malformed).
    pub(crate) head: Option<String>,
    /// JSON of the state.
    pub(crate) state: String,
    /// JSON of the `RecordRow`.
    pub(crate) row: String,
    pub(crate) at: i64,
    pub(crate) open: bool,
    pub(crate) group: Option<String>,
    /// (seq, JSON of the `RecordEntry`).
    pub(crate) events: Vec<(i64, String)>,
    pub(crate) due_at: Option<i64>,
    pub(crate) outbox: Vec<EncodedMessage>,
    /// Why the commit is malformed ([`RecordCommit::check_shape`]): refused by the writer
    /// after the version check, so a stale commit is a conflict first.
    pub(crate) misfit: Option<StoreError>,
}

impl EncodedRecord {
    pub(crate) fn new(c: &RecordCommit) -> Result<EncodedRecord, StoreError> {
        let misfit = c.check_shape().err();
        let events = c
            .events
            .iter()
            .map(|e| Ok((int(e.seq)?, json("a record event", e)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(EncodedRecord {
            tenant: c.tenant.as_str().to_owned(),
            kind: c.kind.code(),
            id: c.id.as_str().to_owned(),
            expected: int(c.expected_version)?,
            version: int(c.expected_version + c.events.len() as u64)?,
            head: c.events.last().map(|e| e.hash.to_string()),
            state: json("a record state", &c.state)?,
            row: json("a record row", &c.row)?,
            at: nanos(c.row.at)?,
            open: c.row.open,
            group: c.row.group.clone(),
            events,
            due_at: c.next_due.map(nanos).transpose()?,
            outbox: c.outbox.iter().map(EncodedMessage::new).collect::<Result<_, _>>()?,
            misfit,
        })
    }
}
