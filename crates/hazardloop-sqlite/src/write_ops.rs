//! The statements the writer runs: commit, claim, settle. Each runs inside the writer's
//! transaction (and savepoint), so a failure leaves nothing behind.

use hazardloop_core::numbering::Numbering;
use hazardloop_core::store::{Committed, StoreError};
use rusqlite::{params, Connection, OptionalExtension};

use crate::codec::{EncodedCommit, EncodedMessage};
use crate::error::{backend, is_unique_violation};

/// The version stored for a hazard (0 when it does not exist).
fn stored_version(conn: &Connection, tenant: &str, hazard: &str) -> Result<u64, StoreError> {
    let v: Option<i64> = conn
        .prepare_cached("SELECT version FROM hazardloop_hazards WHERE tenant = ?1 AND hazard = ?2")
        .and_then(|mut s| s.query_row(params![tenant, hazard], |r| r.get(0)).optional())
        .map_err(backend)?;
    Ok(v.map_or(0, |v| v.max(0).unsigned_abs()))
}

fn conflict(conn: &Connection, c: &EncodedCommit) -> StoreError {
    match stored_version(conn, &c.tenant, &c.hazard) {
        Ok(actual) => StoreError::Conflict { expected: c.expected.unsigned_abs(), actual },
        Err(e) => e,
    }
}

/// Writes one commit. The version is checked structurally: a new hazard's row insert hits the
/// primary key if it exists; an existing hazard's update matches no row unless the version is
/// the expected one; and the events' unique (tenant, hazard, seq) backs both.
/// A new hazard is numbered first ([`numbered`]); what landed says its number.
pub(crate) fn commit(conn: &Connection, c: &EncodedCommit) -> Result<Committed, StoreError> {
    match &c.unnumbered {
        Some(numbering) => {
            let numbered = numbered(conn, c, numbering)?;
            write(conn, &numbered)?;
            Ok(Committed::numbered(numbered.number))
        }
        None => write(conn, c).map(|()| Committed::default()),
    }
}

fn write(conn: &Connection, c: &EncodedCommit) -> Result<(), StoreError> {
    write_hazard(conn, c)?;
    if let Some(why) = &c.misfit {
        return Err(why.clone());
    }
    if let Some(k) = &c.key {
        let inserted = conn
            .prepare_cached(
                "INSERT INTO hazardloop_idempotency (tenant, key, hazard, version, events)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut s| s.execute(params![c.tenant, k.key, k.hazard, k.version, k.events]));
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Err(StoreError::DuplicateKey),
            Err(e) => return Err(backend(e)),
        }
    }
    {
        let mut insert = conn
            .prepare_cached(
                "INSERT INTO hazardloop_events (tenant, hazard, seq, record) VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(backend)?;
        for (seq, record) in &c.events {
            match insert.execute(params![c.tenant, c.hazard, seq, record]) {
                Ok(_) => {}
                Err(e) if is_unique_violation(&e) => return Err(conflict(conn, c)),
                Err(e) => return Err(backend(e)),
            }
        }
    }
    write_due(conn, c)?;
    for m in &c.outbox {
        insert_message(conn, m)?;
    }
    Ok(())
}

/// A new hazard's commit with the next number of its series, taken in the caller's transaction
/// (or savepoint): if the commit then fails, the number goes back with it.
fn numbered(
    conn: &Connection,
    c: &EncodedCommit,
    numbering: &Numbering,
) -> Result<EncodedCommit, StoreError> {
    let seq: i64 = conn
        .prepare_cached(
            "INSERT INTO hazardloop_numbers (tenant, series, last) VALUES (?1, ?2, 1)
             ON CONFLICT (tenant, series) DO UPDATE SET last = last + 1
             RETURNING last",
        )
        .and_then(|mut s| s.query_row(params![c.tenant, numbering.series], |r| r.get(0)))
        .map_err(backend)?;
    let seq = u64::try_from(seq).map_err(|_| StoreError::Backend("negative number".into()))?;
    c.numbered(numbering.render(seq))
}

fn write_hazard(conn: &Connection, c: &EncodedCommit) -> Result<(), StoreError> {
    let written = if c.expected == 0 {
        let head = c
            .head
            .clone()
            .unwrap_or_else(|| hazardloop_core::chain::ChainHash::default().to_string());
        conn.prepare_cached(
            "INSERT INTO hazardloop_hazards (tenant, hazard, version, head, state, ledger, stage,
                open, unit, category, grade, discovered_at, deadline, paused, as_of, title, location,
                due_at, number)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                ?18, ?19)",
        )
        .and_then(|mut s| {
            s.execute(params![
                c.tenant, c.hazard, c.version, head, c.state, c.ledger, c.stage, c.open, c.unit,
                c.category, c.grade, c.discovered_at, c.deadline, c.paused, c.as_of, c.title,
                c.location, c.next_due, c.number
            ])
        })
    } else if narrow_update(conn, c)? {
        Ok(1)
    } else {
        // `discovered_at` never changes and `due_at` is written apart (see `write_due`): an
        // UPDATE rewrites the entries of every index on a column it sets, changed or not.
        conn.prepare_cached(
            "UPDATE hazardloop_hazards SET version = ?3, head = coalesce(?4, head), state = ?5,
                ledger = ?6, stage = ?7, open = ?8, unit = ?9, category = ?10, grade = ?11,
                deadline = ?12, paused = ?13, as_of = ?14, title = ?15, location = ?16
             WHERE tenant = ?1 AND hazard = ?2 AND version = ?17",
        )
        .and_then(|mut s| {
            s.execute(params![
                c.tenant, c.hazard, c.version, c.head, c.state, c.ledger, c.stage, c.open, c.unit,
                c.category, c.grade, c.deadline, c.paused, c.as_of, c.title, c.location,
                c.expected
            ])
        })
    };
    match written {
        Ok(1) => Ok(()),
        Ok(_) => Err(conflict(conn, c)),
        Err(e) if is_unique_violation(&e) && e.to_string().contains(".number") => {
            Err(StoreError::Backend(format!(
                "hazard number {} is already used",
                c.number.as_deref().unwrap_or_default()
            )))
        }
        Err(e) if is_unique_violation(&e) => Err(conflict(conn, c)),
        Err(e) => Err(backend(e)),
    }
}

/// The update of a commit that leaves every indexed column as it is (a sweep's escalation, a
/// comment, progress, evidence): it sets only the unindexed ones, so no index entry is
/// rewritten (an UPDATE rewrites the entries of every index on a column it sets, and the
/// ledger filter index holds nine of them). `false` when the version or an indexed column
/// differs: the full update then says which.
fn narrow_update(conn: &Connection, c: &EncodedCommit) -> Result<bool, StoreError> {
    conn.prepare_cached(
        "UPDATE hazardloop_hazards SET version = ?3, head = coalesce(?4, head), state = ?5,
            ledger = ?6, as_of = ?7
         WHERE tenant = ?1 AND hazard = ?2 AND version = ?8 AND stage IS ?9 AND open IS ?10
            AND unit IS ?11 AND category IS ?12 AND grade IS ?13 AND deadline IS ?14
            AND paused IS ?15 AND title IS ?16 AND location IS ?17",
    )
    .and_then(|mut s| {
        s.execute(params![
            c.tenant, c.hazard, c.version, c.head, c.state, c.ledger, c.as_of, c.expected, c.stage,
            c.open, c.unit, c.category, c.grade, c.deadline, c.paused, c.title, c.location
        ])
    })
    .map(|n| n == 1)
    .map_err(backend)
}

fn write_due(conn: &Connection, c: &EncodedCommit) -> Result<(), StoreError> {
    if c.expected == 0 {
        return Ok(()); // written with the new row
    }
    // Only when it changes, so the due index is left alone by commits that keep the clock.
    conn.prepare_cached(
        "UPDATE hazardloop_hazards SET due_at = ?3
         WHERE tenant = ?1 AND hazard = ?2 AND due_at IS NOT ?3",
    )
    .and_then(|mut s| s.execute(params![c.tenant, c.hazard, c.next_due]))
    .map(|_| ())
    .map_err(backend)
}

pub(crate) fn insert_message(conn: &Connection, m: &EncodedMessage) -> Result<(), StoreError> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO hazardloop_outbox (tenant, id, grp, status, available_at, attempts,
                last_error, message)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .and_then(|mut s| {
            s.execute(params![
                m.tenant,
                m.id,
                m.group,
                m.status,
                m.available_at,
                m.attempts,
                m.last_error,
                m.json
            ])
        });
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => {
            Err(StoreError::Backend("outbox message id already used".into()))
        }
        Err(e) => Err(backend(e)),
    }
}

/// A claimed outbox row, as stored (decoded by the caller).
#[derive(Debug)]
pub(crate) struct ClaimedRow {
    pub(crate) id: String,
    pub(crate) json: String,
    pub(crate) available_at: i64,
    pub(crate) attempts: i64,
    pub(crate) last_error: Option<String>,
    pub(crate) token: i64,
}

const CLAIMABLE: &str = "status = 'pending' AND available_at <= ?1
    AND (lease_until IS NULL OR lease_until <= ?1)";

/// Claims whole groups of claimable messages in id order until about `limit` messages are seen,
/// leasing them until `until` under one fresh token (the same selection as the in-memory store).
pub(crate) fn claim(
    conn: &Connection,
    now: i64,
    limit: usize,
    until: i64,
) -> Result<Vec<ClaimedRow>, StoreError> {
    let mut groups: Vec<(String, String)> = Vec::new();
    {
        let sql =
            format!("SELECT tenant, grp FROM hazardloop_outbox WHERE {CLAIMABLE} ORDER BY id");
        let mut select = conn.prepare_cached(&sql).map_err(backend)?;
        let mut rows = select.query([now]).map_err(backend)?;
        let mut seen = 0usize;
        while let Some(row) = rows.next().map_err(backend)? {
            let group: (String, String) =
                (row.get(0).map_err(backend)?, row.get(1).map_err(backend)?);
            if !groups.contains(&group) {
                if seen >= limit {
                    break;
                }
                groups.push(group);
            }
            seen += 1;
        }
    }
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let token: i64 = conn
        .prepare_cached(
            "UPDATE hazardloop_counters SET value = value + 1 WHERE name = 'claim_token'
             RETURNING value",
        )
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .map_err(backend)?;
    let sql = format!(
        "UPDATE hazardloop_outbox SET lease_token = ?2, lease_until = ?3, attempts = attempts + 1
         WHERE tenant = ?4 AND grp = ?5 AND {CLAIMABLE}
         RETURNING id, message, available_at, attempts, last_error"
    );
    let mut update = conn.prepare_cached(&sql).map_err(backend)?;
    let mut claimed = Vec::new();
    for (tenant, group) in &groups {
        let mut rows = update.query(params![now, token, until, tenant, group]).map_err(backend)?;
        while let Some(row) = rows.next().map_err(backend)? {
            claimed.push(ClaimedRow {
                id: row.get(0).map_err(backend)?,
                json: row.get(1).map_err(backend)?,
                available_at: row.get(2).map_err(backend)?,
                attempts: row.get(3).map_err(backend)?,
                last_error: row.get(4).map_err(backend)?,
                token,
            });
        }
    }
    claimed.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(claimed)
}

/// How a settlement changes a row: (status, new available_at, new last_error).
pub(crate) type SettleRow = (&'static str, Option<i64>, Option<String>);

/// Settles a leased message if `token` still holds its lease.
pub(crate) fn settle(
    conn: &Connection,
    id: &str,
    token: i64,
    (status, available_at, error): &SettleRow,
) -> Result<bool, StoreError> {
    conn.prepare_cached(
        "UPDATE hazardloop_outbox SET lease_token = NULL, lease_until = NULL, status = ?3,
            available_at = coalesce(?4, available_at), last_error = coalesce(?5, last_error)
         WHERE id = ?1 AND lease_token = ?2 AND status = 'pending'",
    )
    .and_then(|mut s| s.execute(params![id, token, status, available_at, error]))
    .map(|n| n == 1)
    .map_err(backend)
}

/// Saves a named document, replacing an earlier one.
pub(crate) fn put_document(
    conn: &Connection,
    tenant: &str,
    name: &str,
    body: &str,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO hazardloop_documents (tenant, name, body) VALUES (?1, ?2, ?3)
         ON CONFLICT (tenant, name) DO UPDATE SET body = excluded.body",
    )
    .and_then(|mut s| s.execute(params![tenant, name, body]))
    .map(|_| ())
    .map_err(backend)
}
