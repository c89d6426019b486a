//! Values to and from columns: enum names, ids, versions, the ledger's filter columns.

use chrono::{DateTime, Utc};
use hazardloop_core::store::{Commit, OutboxMessage, OutboxStatus, StoreError};
use serde::Serialize;
use tokio_postgres::types::Json;
use tokio_postgres::Row;

use crate::error::corrupt;

/// The serde name of a unit-like enum (`StageKind::Treating` → `treating`).
pub(crate) fn name<T: Serialize>(value: &T) -> Result<String, StoreError> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        Ok(other) => Err(StoreError::Backend(format!("{other} is not a unit enum"))),
        Err(e) => Err(StoreError::Backend(format!("encode: {e}"))),
    }
}

/// A count or version as a column value.
pub(crate) fn int(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Backend(format!("{v} exceeds a bigint")))
}

/// A column value as a count or version.
pub(crate) fn uint(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| corrupt("negative version", v))
}

/// The status as stored.
pub(crate) fn status_name(status: OutboxStatus) -> &'static str {
    match status {
        OutboxStatus::Pending => "pending",
        OutboxStatus::Delivered => "delivered",
        OutboxStatus::Dead => "dead",
    }
}

fn status_of(name: &str) -> Result<OutboxStatus, StoreError> {
    match name {
        "pending" => Ok(OutboxStatus::Pending),
        "delivered" => Ok(OutboxStatus::Delivered),
        "dead" => Ok(OutboxStatus::Dead),
        other => Err(corrupt("outbox status", other)),
    }
}

/// The `hazards` columns of a commit, in the order of the statements' `$3 …$17`.
pub(crate) struct HazardColumns<'a> {
    pub(crate) version: i64,
    pub(crate) head: Option<String>,
    pub(crate) snapshot: Json<crate::snapshot::Out<'a>>,
    pub(crate) ledger: Json<&'a hazardloop_core::report::LedgerRow>,
    pub(crate) stage: String,
    pub(crate) open: bool,
    pub(crate) unit: &'a str,
    pub(crate) category: Option<&'a str>,
    pub(crate) grade: Option<String>,
    pub(crate) discovered_at: DateTime<Utc>,
    pub(crate) deadline: Option<DateTime<Utc>>,
    pub(crate) paused_since: Option<DateTime<Utc>>,
    pub(crate) as_of: DateTime<Utc>,
    pub(crate) title: &'a str,
    pub(crate) location: &'a str,
}

impl<'a> HazardColumns<'a> {
    pub(crate) fn of(c: &'a Commit) -> Result<HazardColumns<'a>, StoreError> {
        let row = &c.ledger;
        let version = c.expected_version + c.events.len() as u64;
        let head = c.events.last().map(|r| r.hash.to_string());
        Ok(HazardColumns {
            version: int(version)?,
            // None: an empty commit keeps the stored head.
            head,
            snapshot: Json(crate::snapshot::encode(&c.state)),
            ledger: Json(&c.ledger),
            stage: name(&row.stage)?,
            open: row.stage.is_open(),
            unit: row.accountable_unit().as_str(),
            category: row.category.as_ref().map(|c| c.as_str()),
            grade: row.grade.as_ref().map(name).transpose()?,
            discovered_at: row.discovered_at,
            deadline: row.deadline,
            paused_since: row.paused_since,
            as_of: row.as_of,
            title: &row.title,
            location: &row.location,
        })
    }
}

/// An outbox row as a message: the stored message with the columns that change over its life.
pub(crate) fn outbox_message(row: &Row) -> Result<(OutboxMessage, Option<i64>), StoreError> {
    let token: Option<i64> = row.try_get("lease_token").map_err(|e| corrupt("outbox", e))?;
    let status: String = row.try_get("status").map_err(|e| corrupt("outbox", e))?;
    let available_at = row.try_get("available_at").map_err(|e| corrupt("outbox", e))?;
    let attempts: i32 = row.try_get("attempts").map_err(|e| corrupt("outbox", e))?;
    let last_error = row.try_get("last_error").map_err(|e| corrupt("outbox", e))?;
    let Json(mut message): Json<OutboxMessage> =
        row.try_get("message").map_err(|e| corrupt("outbox message", e))?;
    message.status = status_of(&status)?;
    message.available_at = available_at;
    message.attempts = u32::try_from(attempts).map_err(|e| corrupt("outbox attempts", e))?;
    message.last_error = last_error;
    Ok((message, token))
}
