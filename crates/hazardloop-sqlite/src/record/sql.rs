//! The statements of records: the writer's (a commit, a batch of new records) and the
//! readers' (state, events, listings, the sweep's scan).

use hazardloop_core::duty::RecordQuery;
use hazardloop_core::store::StoreError;
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};

use super::encode::EncodedRecord;
use crate::codec::nanos;
use crate::error::{backend, is_unique_violation};
use crate::write_ops;

/// The version stored for a record (0 when it does not exist).
fn stored_version(
    conn: &Connection,
    tenant: &str,
    kind: &str,
    id: &str,
) -> Result<u64, StoreError> {
    let v: Option<i64> = conn
        .prepare_cached(
            "SELECT version FROM hazardloop_records WHERE tenant = ?1 AND kind = ?2 AND id = ?3",
        )
        .and_then(|mut s| s.query_row(params![tenant, kind, id], |r| r.get(0)).optional())
        .map_err(backend)?;
    Ok(v.map_or(0, |v| v.max(0).unsigned_abs()))
}

fn conflict(conn: &Connection, c: &EncodedRecord) -> StoreError {
    match stored_version(conn, &c.tenant, c.kind, &c.id) {
        Ok(actual) => StoreError::Conflict { expected: c.expected.unsigned_abs(), actual },
        Err(e) => e,
    }
}

/// Writes one record commit, inside the writer's transaction (and savepoint): any failure
/// leaves nothing of it. The version is checked structurally, as for a hazard: a new record's
/// insert hits the primary key if it exists, an existing one's update matches no row unless the
/// version is the expected one, and the events' primary key backs both. The shape is checked
/// after the version, so a stale commit is a conflict first.
pub(crate) fn commit(conn: &Connection, c: &EncodedRecord) -> Result<(), StoreError> {
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

/// Creates new records: each is written only if its (tenant, kind, id) is not stored yet (nor
/// earlier in the batch). Returns how many were new. The batch is one write: it lands whole or
/// not at all.
pub(crate) fn create(conn: &Connection, batch: &[EncodedRecord]) -> Result<usize, StoreError> {
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

/// Inserts the record's row (with its due time). With `if_absent`, an existing row is left
/// alone and `false` returned; otherwise it is a primary-key violation.
fn insert_row(
    conn: &Connection,
    c: &EncodedRecord,
    if_absent: bool,
) -> Result<bool, rusqlite::Error> {
    macro_rules! insert {
        ($tail:literal) => {
            concat!(
                "INSERT INTO hazardloop_records (tenant, kind, id, version, head, state, row, at,
                    open, grp, due_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                $tail
            )
        };
    }
    let sql =
        if if_absent { insert!(" ON CONFLICT (tenant, kind, id) DO NOTHING") } else { insert!("") };
    let head =
        c.head.clone().unwrap_or_else(|| hazardloop_core::chain::ChainHash::default().to_string());
    let n = conn.prepare_cached(sql)?.execute(params![
        c.tenant, c.kind, c.id, c.version, head, c.state, c.row, c.at, c.open, c.group, c.due_at
    ])?;
    Ok(n == 1)
}

/// Moves an existing record on, if it is at the expected version. `at` and `due_at` are
/// written apart, each only when it changes: an UPDATE rewrites the index entries of every
/// column it sets.
fn update_row(conn: &Connection, c: &EncodedRecord) -> Result<(), StoreError> {
    let updated = conn
        .prepare_cached(
            "UPDATE hazardloop_records SET version = ?4, head = coalesce(?5, head), state = ?6,
                row = ?7, open = ?8, grp = ?9
             WHERE tenant = ?1 AND kind = ?2 AND id = ?3 AND version = ?10",
        )
        .and_then(|mut s| {
            s.execute(params![
                c.tenant, c.kind, c.id, c.version, c.head, c.state, c.row, c.open, c.group,
                c.expected
            ])
        })
        .map_err(backend)?;
    if updated != 1 {
        return Err(conflict(conn, c));
    }
    conn.prepare_cached(
        "UPDATE hazardloop_records SET at = ?4
         WHERE tenant = ?1 AND kind = ?2 AND id = ?3 AND at IS NOT ?4",
    )
    .and_then(|mut s| s.execute(params![c.tenant, c.kind, c.id, c.at]))
    .map_err(backend)?;
    conn.prepare_cached(
        "UPDATE hazardloop_records SET due_at = ?4
         WHERE tenant = ?1 AND kind = ?2 AND id = ?3 AND due_at IS NOT ?4",
    )
    .and_then(|mut s| s.execute(params![c.tenant, c.kind, c.id, c.due_at]))
    .map(|_| ())
    .map_err(backend)
}

/// The events and the messages of a commit whose row is written.
fn write_rest(conn: &Connection, c: &EncodedRecord) -> Result<(), StoreError> {
    {
        let mut insert = conn
            .prepare_cached(
                "INSERT INTO hazardloop_record_events (tenant, kind, id, seq, recorded)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(backend)?;
        for (seq, recorded) in &c.events {
            match insert.execute(params![c.tenant, c.kind, c.id, seq, recorded]) {
                Ok(_) => {}
                Err(e) if is_unique_violation(&e) => return Err(conflict(conn, c)),
                Err(e) => return Err(backend(e)),
            }
        }
    }
    for m in &c.outbox {
        write_ops::insert_message(conn, m)?;
    }
    Ok(())
}

/// The stored state, version and head of a record.
pub(crate) fn record(
    conn: &Connection,
    tenant: &str,
    kind: &str,
    id: &str,
) -> Result<Option<(String, i64, String)>, StoreError> {
    conn.prepare_cached(
        "SELECT state, version, head FROM hazardloop_records
         WHERE tenant = ?1 AND kind = ?2 AND id = ?3",
    )
    .and_then(|mut s| {
        s.query_row(params![tenant, kind, id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional()
    })
    .map_err(backend)
}

/// A record's events (JSON), with their sequence numbers, in order.
pub(crate) fn events(
    conn: &Connection,
    tenant: &str,
    kind: &str,
    id: &str,
) -> Result<Vec<(i64, String)>, StoreError> {
    conn.prepare_cached(
        "SELECT seq, recorded FROM hazardloop_record_events
         WHERE tenant = ?1 AND kind = ?2 AND id = ?3 ORDER BY seq",
    )
    .and_then(|mut s| {
        s.query_map(params![tenant, kind, id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect()
    })
    .map_err(backend)
}

/// A record query as SQL: the filter and its parameters. It narrows by tenant, kind, `at`,
/// openness and group, exactly as [`RecordQuery::matches`] does; the caller applies `matches`
/// to the rows for the rest.
#[derive(Debug)]
pub(crate) struct RecordSql {
    filter: String,
    params: Vec<Value>,
}

impl RecordSql {
    /// The SQL of `q` on the records of `kind` in `tenant`.
    pub(crate) fn new(tenant: &str, kind: &str, q: &RecordQuery) -> Result<RecordSql, StoreError> {
        let mut filter = String::from("tenant = ? AND kind = ?");
        let mut params = vec![Value::Text(tenant.to_owned()), Value::Text(kind.to_owned())];
        if let Some(t) = q.from {
            filter += " AND at >= ?";
            params.push(Value::Integer(nanos(t)?));
        }
        if let Some(t) = q.to {
            filter += " AND at < ?";
            params.push(Value::Integer(nanos(t)?));
        }
        if let Some(open) = q.open {
            filter += " AND open = ?";
            params.push(Value::Integer(i64::from(open)));
        }
        if let Some(g) = &q.group {
            filter += " AND grp = ?";
            params.push(Value::Text(g.clone()));
        }
        Ok(RecordSql { filter, params })
    }
}

/// The rows (JSON) of a query, ordered by (at, id), along the listing index.
pub(crate) fn listing(conn: &Connection, q: &RecordSql) -> Result<Vec<String>, StoreError> {
    let sql = format!("SELECT row FROM hazardloop_records WHERE {} ORDER BY at, id", q.filter);
    conn.prepare_cached(&sql)
        .and_then(|mut s| s.query_map(params_from_iter(q.params.iter()), |r| r.get(0))?.collect())
        .map_err(backend)
}

/// A sweep entry as stored: (due_at, tenant, kind, id).
pub(crate) type RawDue = (i64, String, String, String);

/// Sweep entries at or before `before`, after the cursor, in (due_at, tenant, kind, id)
/// order, from the covering partial index alone.
pub(crate) fn due(
    conn: &Connection,
    before: i64,
    after: Option<&RawDue>,
    limit: i64,
) -> Result<Vec<RawDue>, StoreError> {
    let map = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?));
    let rows = match after {
        None => conn
            .prepare_cached(
                "SELECT due_at, tenant, kind, id
                 FROM hazardloop_records INDEXED BY hazardloop_records_due
                 WHERE due_at <= ?1 ORDER BY due_at, tenant, kind, id LIMIT ?2",
            )
            .and_then(|mut s| s.query_map(params![before, limit], map)?.collect()),
        Some((at, tenant, kind, id)) => conn
            .prepare_cached(
                "SELECT due_at, tenant, kind, id
                 FROM hazardloop_records INDEXED BY hazardloop_records_due
                 WHERE due_at <= ?1 AND (due_at, tenant, kind, id) > (?2, ?3, ?4, ?5)
                 ORDER BY due_at, tenant, kind, id LIMIT ?6",
            )
            .and_then(|mut s| {
                s.query_map(params![before, at, tenant, kind, id, limit], map)?.collect()
            }),
    };
    rows.map_err(backend)
}
