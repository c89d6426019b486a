//! The queries the readers run. They return rows as stored; the caller decodes them, so JSON
//! parsing runs on the caller's thread and the readers stay free.

use hazardloop_core::store::{LedgerQuery, StoreError};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};

use crate::codec::{int, nanos, tag};
use crate::error::backend;

/// A hazard's stored version, head and event records (each with its sequence number).
pub(crate) type RawHistory = (i64, String, Vec<(i64, String)>);

/// Version, head and events of a hazard, read in one transaction.
pub(crate) fn load(
    conn: &Connection,
    tenant: &str,
    hazard: &str,
) -> Result<Option<RawHistory>, StoreError> {
    let tx = conn.unchecked_transaction().map_err(backend)?;
    let head: Option<(i64, String)> = tx
        .prepare_cached(
            "SELECT version, head FROM hazardloop_hazards WHERE tenant = ?1 AND hazard = ?2",
        )
        .and_then(|mut s| {
            s.query_row(params![tenant, hazard], |r| Ok((r.get(0)?, r.get(1)?))).optional()
        })
        .map_err(backend)?;
    let Some((version, head)) = head else { return Ok(None) };
    let records = tx
        .prepare_cached(
            "SELECT seq, record FROM hazardloop_events WHERE tenant = ?1 AND hazard = ?2
             ORDER BY seq",
        )
        .and_then(|mut s| {
            s.query_map(params![tenant, hazard], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(backend)?;
    tx.commit().map_err(backend)?;
    Ok(Some((version, head, records)))
}

/// The id of the hazard numbered `number`.
pub(crate) fn find_number(
    conn: &Connection,
    tenant: &str,
    number: &str,
) -> Result<Option<String>, StoreError> {
    conn.prepare_cached("SELECT hazard FROM hazardloop_hazards WHERE tenant = ?1 AND number = ?2")
        .and_then(|mut s| s.query_row(params![tenant, number], |r| r.get(0)).optional())
        .map_err(backend)
}

/// The stored state and head of a hazard.
pub(crate) fn snapshot(
    conn: &Connection,
    tenant: &str,
    hazard: &str,
) -> Result<Option<(String, String)>, StoreError> {
    conn.prepare_cached(
        "SELECT state, head FROM hazardloop_hazards WHERE tenant = ?1 AND hazard = ?2",
    )
    .and_then(|mut s| {
        s.query_row(params![tenant, hazard], |r| Ok((r.get(0)?, r.get(1)?))).optional()
    })
    .map_err(backend)
}

/// A ledger query as SQL: the filter, its parameters and the page.
#[derive(Debug)]
pub(crate) struct LedgerSql {
    filter: String,
    params: Vec<Value>,
    limit: i64,
    offset: i64,
    /// Rows the count reads at most (-1: all).
    count_up_to: i64,
}

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

impl LedgerSql {
    /// The SQL of `query` in `tenant`: the same filters as [`LedgerQuery::matches`].
    pub(crate) fn new(tenant: &str, q: &LedgerQuery) -> Result<LedgerSql, StoreError> {
        let mut filter = String::from("tenant = ?");
        let mut params = vec![Value::Text(tenant.to_owned())];
        if !q.stages.is_empty() {
            filter += &format!(" AND stage IN ({})", placeholders(q.stages.len()));
            for s in &q.stages {
                params.push(Value::Text(tag(s)?));
            }
        }
        if let Some(units) = &q.units {
            filter += &format!(" AND unit IN ({})", placeholders(units.len()));
            params.extend(units.iter().map(|u| Value::Text(u.as_str().to_owned())));
        }
        if let Some(c) = &q.category {
            filter += " AND category = ?";
            params.push(Value::Text(c.as_str().to_owned()));
        }
        if let Some(g) = &q.grade {
            filter += " AND grade = ?";
            params.push(Value::Text(tag(g)?));
        }
        if let Some(t) = q.discovered_from {
            filter += " AND discovered_at >= ?";
            params.push(Value::Integer(nanos(t)?));
        }
        if let Some(t) = q.discovered_to {
            filter += " AND discovered_at < ?";
            params.push(Value::Integer(nanos(t)?));
        }
        if let Some(want) = q.overdue {
            let now = match q.now {
                Some(t) => {
                    params.push(Value::Integer(nanos(t)?));
                    "?"
                }
                None => "as_of",
            };
            // `LedgerRow::is_overdue_at`: open and not yet accepted, not paused, the deadline in
            // force passed.
            let overdue = format!(
                "(open = 1 AND stage <> 'accepted' AND paused = 0 AND deadline IS NOT NULL \
                 AND deadline < {now})"
            );
            filter += &if want { format!(" AND {overdue}") } else { format!(" AND NOT {overdue}") };
        }
        // `LedgerQuery::search_text` is trimmed and lowered (A–Z); SQLite's `lower` folds the
        // same letters and no others.
        if let Some(text) = q.search_text() {
            filter += " AND (instr(lower(title), ?) > 0 OR instr(lower(location), ?) > 0)";
            params.push(Value::Text(text.clone()));
            params.push(Value::Text(text.clone()));
        }
        let limit = if q.limit == 0 { -1 } else { int(q.limit as u64)? };
        let count_up_to = match q.count_up_to() {
            Some(n) => int(n as u64)?,
            None => -1,
        };
        Ok(LedgerSql { filter, params, limit, offset: int(q.offset as u64)?, count_up_to })
    }
}

/// The total, counted up to the query's count limit, from the covering filter index
/// (`hazardloop_hazards_filter`).
pub(crate) fn ledger_total(conn: &Connection, q: &LedgerSql) -> Result<i64, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT count(*) FROM (SELECT 1 FROM hazardloop_hazards WHERE {} LIMIT {})",
        q.filter, q.count_up_to
    ))
    .and_then(|mut s| s.query_row(params_from_iter(q.params.iter()), |r| r.get(0)))
    .map_err(backend)
}

/// The page's ledger rows, newest discovery first, each decoded by `decode`: the page walks the
/// discovery index, newest first, until it is full.
pub(crate) fn ledger_rows<T>(
    conn: &Connection,
    q: &LedgerSql,
    decode: impl Fn(&str) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let sql = format!(
        "SELECT ledger FROM hazardloop_hazards INDEXED BY hazardloop_hazards_discovered
         WHERE {} ORDER BY discovered_at DESC, hazard DESC LIMIT {} OFFSET {}",
        q.filter, q.limit, q.offset
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let mut rows = stmt.query(params_from_iter(q.params.iter())).map_err(backend)?;
    let mut page = Vec::new();
    while let Some(row) = rows.next().map_err(backend)? {
        let json = row.get_ref(0).and_then(|v| v.as_str().map_err(Into::into)).map_err(backend)?;
        page.push(decode(json)?);
    }
    Ok(page)
}

/// A due entry as stored: (due_at, tenant, hazard).
pub(crate) type RawDue = (i64, String, String);

/// Due entries at or before `before`, after the cursor, in (due_at, tenant, hazard) order, from
/// the covering index alone.
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
                "SELECT due_at, tenant, hazard
                 FROM hazardloop_hazards INDEXED BY hazardloop_hazards_due
                 WHERE due_at <= ?1 ORDER BY due_at, tenant, hazard LIMIT ?2",
            )
            .and_then(|mut s| s.query_map(params![before, limit], map)?.collect()),
        Some((at, tenant, hazard)) => conn
            .prepare_cached(
                "SELECT due_at, tenant, hazard
                 FROM hazardloop_hazards INDEXED BY hazardloop_hazards_due
                 WHERE due_at <= ?1 AND (due_at, tenant, hazard) > (?2, ?3, ?4)
                 ORDER BY due_at, tenant, hazard LIMIT ?5",
            )
            .and_then(|mut s| {
                s.query_map(params![before, at, tenant, hazard, limit], map)?.collect()
            }),
    };
    rows.map_err(backend)
}

/// The stored result of an idempotency key: (hazard, version, events).
pub(crate) fn idempotent(
    conn: &Connection,
    tenant: &str,
    key: &str,
) -> Result<Option<(String, i64, i64)>, StoreError> {
    conn.prepare_cached(
        "SELECT hazard, version, events FROM hazardloop_idempotency WHERE tenant = ?1 AND key = ?2",
    )
    .and_then(|mut s| {
        s.query_row(params![tenant, key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional()
    })
    .map_err(backend)
}

/// An outbox row as stored: message JSON, status, available_at, attempts, last_error.
pub(crate) type RawMessage = (String, String, i64, i64, Option<String>);

/// A tenant's outbox messages with `status`, in id order.
pub(crate) fn outbox(
    conn: &Connection,
    tenant: &str,
    status: &str,
) -> Result<Vec<RawMessage>, StoreError> {
    conn.prepare_cached(
        "SELECT message, status, available_at, attempts, last_error FROM hazardloop_outbox
         WHERE tenant = ?1 AND status = ?2 ORDER BY id",
    )
    .and_then(|mut s| {
        s.query_map(params![tenant, status], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect()
    })
    .map_err(backend)
}

/// A named document of a tenant.
pub(crate) fn document(
    conn: &Connection,
    tenant: &str,
    name: &str,
) -> Result<Option<String>, StoreError> {
    conn.prepare_cached("SELECT body FROM hazardloop_documents WHERE tenant = ?1 AND name = ?2")
        .and_then(|mut s| s.query_row(params![tenant, name], |r| r.get(0)).optional())
        .map_err(backend)
}

/// One cell of a tenant's statistics as the store counts it: unit, category, the counts of
/// `Stats` in field order (discovered … extensions), the escalation actions fired in the period
/// (comma-separated tags) and the seconds from discovery to acceptance of each hazard rectified
/// in the period (comma-separated).
pub(crate) type RawCell = (String, Option<String>, [i64; 11], Option<String>, Option<String>);

/// A ledger time (RFC 3339 text in UTC, `Z`, 0–9 fractional digits) as integer nanoseconds, or
/// NULL: the stored columns' unit, so that edges compare exactly.
fn ns(text: &str) -> String {
    format!(
        "(unixepoch(substr({text}, 1, 19)) * 1000000000 + CASE WHEN substr({text}, 20, 1) = '.' \
         THEN CAST(substr(substr({text}, 21, instr({text}, 'Z') - 21) || '000000000', 1, 9) \
         AS INTEGER) ELSE 0 END)"
    )
}

/// The SQL of [`tally`]: `Stats`' definitions (see `Tally::of_row`) over the stored rows, each
/// taken as at `max(as_of, now)`. Parameters: tenant, start, end, now (nanoseconds).
/// Each layer is a co-routine (`OFFSET 0` keeps SQLite from flattening it), so the row's JSON is
/// parsed once (one `json_extract` of every field it needs) and the rows stream through the
/// `GROUP BY`.
pub(crate) fn tally_sql() -> String {
    let within = |t: &str| format!("({t} >= ?2 AND {t} < ?3)");
    // One parse of the row's JSON: the fields the figures need, as a small JSON array.
    let picked = "SELECT unit, category, grade, discovered_at, deadline, as_of,
                json_extract(ledger, '$.registered_at', '$.completed_at', '$.accepted_at',
                    '$.closed_at', '$.dismissed_at', '$.paused_since', '$.failed_at',
                    '$.extensions_granted_at', '$.escalations') AS j
         FROM hazardloop_hazards WHERE tenant = ?1 LIMIT -1 OFFSET 0";
    let count_in = |k: usize| {
        format!("(SELECT count(*) FROM json_each(j, '$[{k}]') WHERE {})", within(&ns("value")))
    };
    let fired = format!(
        "(SELECT group_concat(json_extract(value, '$[1]')) FROM json_each(j, '$[8]') WHERE {})",
        within(&ns("json_extract(value, '$[0]')"))
    );
    let raw = format!(
        "SELECT unit, category, grade, discovered_at AS disc, deadline, max(as_of, ?4) AS a,
                json_extract(j, '$[0]') AS reg_s, json_extract(j, '$[1]') AS comp_s,
                json_extract(j, '$[2]') AS acc_s, json_extract(j, '$[3]') AS closed_s,
                json_extract(j, '$[4]') AS dism_s, json_extract(j, '$[5]') AS paused_s,
                {} AS failed_n, {} AS ext_n, {fired} AS fired
         FROM ({picked}) LIMIT -1 OFFSET 0",
        count_in(6),
        count_in(7),
    );
    let timed = format!(
        "SELECT unit, category, grade, disc, deadline, a, {} AS reg, {} AS comp, {} AS acc,
                {} AS closed, {} AS dism, {} AS paused, failed_n, ext_n, fired
         FROM ({raw}) LIMIT -1 OFFSET 0",
        ns("reg_s"),
        ns("comp_s"),
        ns("acc_s"),
        ns("closed_s"),
        ns("dism_s"),
        ns("paused_s"),
    );
    // `happened(t)`: recorded before the end and by the row's instant.
    let happened = |t: &str| format!("coalesce({t} < ?3 AND {t} <= a, 0)");
    let reg = format!("coalesce({}, 0)", within("reg"));
    let rect = format!("coalesce({}, 0)", within("acc"));
    let flagged = format!(
        "SELECT unit, category, grade, disc, deadline, comp, acc, failed_n, ext_n, fired,
                {found} AS found, {reg} AS registered, {rect} AS rectified,
                {acc_h} AS acc_h, {dism_h} AS dism_h, {paused_h} AS paused_h,
                coalesce(deadline < min(?3, a), 0) AS due_passed,
                ({disc_h} AND NOT {closed_h} AND NOT {dism_h}) AS open
         FROM ({timed}) LIMIT -1 OFFSET 0",
        found = within("disc"),
        acc_h = happened("acc"),
        dism_h = happened("dism"),
        paused_h = happened("paused"),
        disc_h = happened("disc"),
        closed_h = happened("closed"),
    );
    format!(
        "SELECT unit, category,
                sum(found), sum(registered), sum(found AND coalesce(grade = 'major', 0)),
                sum(found AND acc_h), sum(found AND dism_h), sum(rectified),
                sum(rectified AND coalesce(comp <= deadline, 0)), sum(open),
                sum(open AND due_passed AND NOT acc_h AND NOT paused_h),
                sum(failed_n), sum(ext_n), group_concat(fired),
                group_concat(CASE WHEN rectified THEN (acc - disc) / 1000000000 END)
         FROM ({flagged}) GROUP BY unit, category"
    )
}

/// A tenant's statistics per cell over `[start, end)` as at `now`: see [`tally_sql`].
pub(crate) fn tally(
    conn: &Connection,
    tenant: &str,
    (start, end, now): (i64, i64, i64),
) -> Result<Vec<RawCell>, StoreError> {
    conn.prepare_cached(&tally_sql())
        .and_then(|mut s| {
            s.query_map(params![tenant, start, end, now], |r| {
                let mut counts = [0_i64; 11];
                for (i, c) in counts.iter_mut().enumerate() {
                    *c = r.get(i + 2)?;
                }
                Ok((r.get(0)?, r.get(1)?, counts, r.get(13)?, r.get(14)?))
            })?
            .collect()
        })
        .map_err(backend)
}
