//! The statements of occurrences: the writer's (a commit with its findings' hazards, a batch
//! of scheduled occurrences) and the readers' (state, events, listings, the sweep's scan).

use std::collections::HashSet;

use hazardloop_core::inspection::OccurrenceQuery;
use hazardloop_core::store::StoreError;
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};

use super::encode::EncodedOccurrence;
use crate::codec::{int, nanos};
use crate::error::{backend, is_unique_violation};
use crate::write_ops;

/// The version stored for an occurrence (0 when it does not exist).
fn stored_version(conn: &Connection, tenant: &str, occurrence: &str) -> Result<u64, StoreError> {
    let v: Option<i64> = conn
        .prepare_cached(
            "SELECT version FROM hazardloop_occurrences WHERE tenant = ?1 AND occurrence = ?2",
        )
        .and_then(|mut s| s.query_row(params![tenant, occurrence], |r| r.get(0)).optional())
        .map_err(backend)?;
    Ok(v.map_or(0, |v| v.max(0).unsigned_abs()))
}

fn conflict(conn: &Connection, c: &EncodedOccurrence) -> StoreError {
    match stored_version(conn, &c.tenant, &c.occurrence) {
        Ok(actual) => StoreError::Conflict { expected: c.expected.unsigned_abs(), actual },
        Err(e) => e,
    }
}

/// Writes one occurrence commit and its findings' hazards, inside the writer's transaction
/// (and savepoint): any failure leaves nothing of it. The version is checked structurally, as
/// for a hazard: a new occurrence's insert hits the primary key if it exists, an existing one's
/// update matches no row unless the version is the expected one, and the events' primary key
/// backs both. A finding's hazard that exists, or whose idempotency key is used, fails it all.
pub(crate) fn commit(conn: &Connection, c: &EncodedOccurrence) -> Result<(), StoreError> {
    if c.expected == 0 {
        match insert_row(conn, c, false) {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Err(conflict(conn, c)),
            Err(e) => return Err(backend(e)),
        }
    } else {
        update_row(conn, c)?;
    }
    if let Some(why) = &c.misfit {
        return Err(why.clone());
    }
    write_rest(conn, c)
}

/// Schedules new occurrences: each is written only if its id is not stored yet (nor earlier in
/// the batch). Returns how many were new. The batch is one write: it lands whole or not at all.
pub(crate) fn schedule(
    conn: &Connection,
    batch: &[EncodedOccurrence],
) -> Result<usize, StoreError> {
    let mut new = 0;
    for c in batch {
        if let Some(why) = &c.misfit {
            return Err(why.clone());
        }
        if !insert_row(conn, c, true).map_err(backend)? {
            continue; // stored already: left as it is
        }
        write_rest(conn, c)?;
        new += 1;
    }
    Ok(new)
}

/// Inserts the occurrence's row (with its sweep time). With `if_absent`, an existing row is
/// left alone and `false` returned; otherwise it is a primary-key violation.
fn insert_row(
    conn: &Connection,
    c: &EncodedOccurrence,
    if_absent: bool,
) -> Result<bool, rusqlite::Error> {
    macro_rules! insert {
        ($tail:literal) => {
            concat!(
                "INSERT INTO hazardloop_occurrences (tenant, occurrence, version, head, state,
                    listing, plan, unit, inspector, due, sweep_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                $tail
            )
        };
    }
    let sql = if if_absent {
        insert!(" ON CONFLICT (tenant, occurrence) DO NOTHING")
    } else {
        insert!("")
    };
    let head =
        c.head.clone().unwrap_or_else(|| hazardloop_core::chain::ChainHash::default().to_string());
    let n = conn.prepare_cached(sql)?.execute(params![
        c.tenant,
        c.occurrence,
        c.version,
        head,
        c.state,
        c.listing,
        c.plan,
        c.unit,
        c.inspector,
        c.due,
        c.sweep_at
    ])?;
    Ok(n == 1)
}

/// Moves an existing occurrence on, if it is at the expected version. `plan`, `unit` and `due`
/// never change, and `sweep_at` is written apart (only when it changes): an UPDATE rewrites
/// the index entries of every column it sets.
fn update_row(conn: &Connection, c: &EncodedOccurrence) -> Result<(), StoreError> {
    let updated = conn
        .prepare_cached(
            "UPDATE hazardloop_occurrences SET version = ?3, head = coalesce(?4, head),
                state = ?5, listing = ?6, inspector = ?7
             WHERE tenant = ?1 AND occurrence = ?2 AND version = ?8",
        )
        .and_then(|mut s| {
            s.execute(params![
                c.tenant,
                c.occurrence,
                c.version,
                c.head,
                c.state,
                c.listing,
                c.inspector,
                c.expected
            ])
        })
        .map_err(backend)?;
    if updated != 1 {
        return Err(conflict(conn, c));
    }
    conn.prepare_cached(
        "UPDATE hazardloop_occurrences SET sweep_at = ?3
         WHERE tenant = ?1 AND occurrence = ?2 AND sweep_at IS NOT ?3",
    )
    .and_then(|mut s| s.execute(params![c.tenant, c.occurrence, c.sweep_at]))
    .map(|_| ())
    .map_err(backend)
}

/// The events, the findings' hazards and the messages of a commit whose row is written.
fn write_rest(conn: &Connection, c: &EncodedOccurrence) -> Result<(), StoreError> {
    {
        let mut insert = conn
            .prepare_cached(
                "INSERT INTO hazardloop_occurrence_events (tenant, occurrence, seq, record)
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(backend)?;
        for (seq, record) in &c.events {
            match insert.execute(params![c.tenant, c.occurrence, seq, record]) {
                Ok(_) => {}
                Err(e) if is_unique_violation(&e) => return Err(conflict(conn, c)),
                Err(e) => return Err(backend(e)),
            }
        }
    }
    let mut raised = HashSet::with_capacity(c.hazards.len());
    for h in &c.hazards {
        if !raised.insert(h.hazard.as_str()) {
            return Err(StoreError::Malformed(format!("hazard {} is raised twice", h.hazard)));
        }
        // Exactly as a hazard's own commit writes it: row, events, ledger, key, due, outbox.
        write_ops::commit(conn, h)?;
    }
    for m in &c.outbox {
        write_ops::insert_message(conn, m)?;
    }
    Ok(())
}

/// The stored state and head of an occurrence.
pub(crate) fn occurrence(
    conn: &Connection,
    tenant: &str,
    id: &str,
) -> Result<Option<(String, String)>, StoreError> {
    conn.prepare_cached(
        "SELECT state, head FROM hazardloop_occurrences WHERE tenant = ?1 AND occurrence = ?2",
    )
    .and_then(|mut s| s.query_row(params![tenant, id], |r| Ok((r.get(0)?, r.get(1)?))).optional())
    .map_err(backend)
}

/// An occurrence's event records, with their sequence numbers, in order.
pub(crate) fn events(
    conn: &Connection,
    tenant: &str,
    id: &str,
) -> Result<Vec<(i64, String)>, StoreError> {
    conn.prepare_cached(
        "SELECT seq, record FROM hazardloop_occurrence_events
         WHERE tenant = ?1 AND occurrence = ?2 ORDER BY seq",
    )
    .and_then(|mut s| s.query_map(params![tenant, id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
    .map_err(backend)
}

/// An occurrence query as SQL: the filter and its parameters, and the limit.
#[derive(Debug)]
pub(crate) struct OccurrenceSql {
    filter: String,
    params: Vec<Value>,
    limit: i64,
}

impl OccurrenceSql {
    /// The SQL of `q` in `tenant`: the same rule as [`OccurrenceQuery::matches`].
    pub(crate) fn new(tenant: &str, q: &OccurrenceQuery) -> Result<OccurrenceSql, StoreError> {
        let mut filter = String::from("tenant = ?");
        let mut params = vec![Value::Text(tenant.to_owned())];
        if let Some(p) = &q.inspector {
            filter += " AND inspector = ?";
            params.push(Value::Text(p.as_str().to_owned()));
        }
        if let Some(units) = &q.units {
            filter += &format!(" AND unit IN ({})", vec!["?"; units.len()].join(", "));
            params.extend(units.iter().map(|u| Value::Text(u.as_str().to_owned())));
        }
        if let Some(p) = &q.plan {
            filter += " AND plan = ?";
            params.push(Value::Text(p.clone()));
        }
        if let Some(t) = q.due_from {
            filter += " AND due >= ?";
            params.push(Value::Integer(nanos(t)?));
        }
        if let Some(t) = q.due_to {
            filter += " AND due < ?";
            params.push(Value::Integer(nanos(t)?));
        }
        let limit = if q.limit == 0 { -1 } else { int(q.limit as u64)? };
        Ok(OccurrenceSql { filter, params, limit })
    }
}

/// The listing rows (JSON) of a query, ordered by (due, id), along the listing index.
pub(crate) fn listing(conn: &Connection, q: &OccurrenceSql) -> Result<Vec<String>, StoreError> {
    let sql = format!(
        "SELECT listing FROM hazardloop_occurrences WHERE {} ORDER BY due, occurrence LIMIT {}",
        q.filter, q.limit
    );
    conn.prepare_cached(&sql)
        .and_then(|mut s| s.query_map(params_from_iter(q.params.iter()), |r| r.get(0))?.collect())
        .map_err(backend)
}

/// A sweep entry as stored: (sweep_at, tenant, occurrence).
pub(crate) type RawDue = (i64, String, String);

/// Sweep entries at or before `before`, after the cursor, in (sweep_at, tenant, occurrence)
/// order, from the covering partial index alone.
pub(crate) fn due(
    conn: &Connection,
    before: i64,
    after: Option<&RawDue>,
    limit: i64,
) -> Result<Vec<RawDue>, StoreError> {
    let map = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?, r.get(2)?));
    let rows = match after {
        None => conn
            .prepare_cached(
                "SELECT sweep_at, tenant, occurrence
                 FROM hazardloop_occurrences INDEXED BY hazardloop_occurrences_sweep
                 WHERE sweep_at <= ?1 ORDER BY sweep_at, tenant, occurrence LIMIT ?2",
            )
            .and_then(|mut s| s.query_map(params![before, limit], map)?.collect()),
        Some((at, tenant, occurrence)) => conn
            .prepare_cached(
                "SELECT sweep_at, tenant, occurrence
                 FROM hazardloop_occurrences INDEXED BY hazardloop_occurrences_sweep
                 WHERE sweep_at <= ?1 AND (sweep_at, tenant, occurrence) > (?2, ?3, ?4)
                 ORDER BY sweep_at, tenant, occurrence LIMIT ?5",
            )
            .and_then(|mut s| {
                s.query_map(params![before, at, tenant, occurrence, limit], map)?.collect()
            }),
    };
    rows.map_err(backend)
}
