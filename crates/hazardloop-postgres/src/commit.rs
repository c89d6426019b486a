//! One commit, one transaction: the version gate, the events, the due clock, the outbox and the
//! idempotency key, sent pipelined and judged by structure (rows affected, SQLSTATE 23505 and
//! the constraint it names), never by message text.

use chrono::{DateTime, Utc};
use hazardloop_core::store::{Commit, StoreError};
use tokio_postgres::types::{Json, ToSql};
use uuid::Uuid;

use crate::codec::{int, status_name, uint, HazardColumns};
use crate::error::{aborted, backend, unique_violation};
use crate::PgStore;

type Param<'a> = &'a (dyn ToSql + Sync);

/// How a statement of the commit ended.
type Outcome = Option<Result<u64, tokio_postgres::Error>>;

pub(crate) async fn commit(store: &PgStore, c: Commit) -> Result<(), StoreError> {
    let sql = &store.sql;
    if let Err(bad) = c.check_shape() {
        // A stale version is reported first, as the reference store does.
        let client = store.client().await?;
        let actual = version(&client, sql, &c).await?;
        if actual != c.expected_version {
            return Err(StoreError::Conflict { expected: c.expected_version, actual });
        }
        return Err(bad);
    }
    let cols = HazardColumns::of(&c)?;
    let tenant = c.tenant.as_str();
    let hazard: Uuid = c.hazard.as_uuid();
    let expected = int(c.expected_version)?;

    let seqs = c.events.iter().map(|r| int(r.seq)).collect::<Result<Vec<i64>, _>>()?;
    let records: Vec<Json<&hazardloop_core::chain::Recorded>> = c.events.iter().map(Json).collect();
    let outbox = OutboxColumns::of(&c);
    let key = match &c.idempotency {
        Some(k) => Some((k.key.as_str(), int(k.version)?, int(k.events)?)),
        None => None,
    };

    let mut client = store.client().await?;
    let tx = client.transaction().await.map_err(backend)?;
    let gate_sql = if c.expected_version == 0 { &sql.insert_hazard } else { &sql.update_hazard };
    let gate_stmt = tx.prepare_cached(gate_sql).await.map_err(backend)?;
    let events_stmt = tx.prepare_cached(&sql.insert_events).await.map_err(backend)?;
    let due_stmt = match (c.next_due, c.expected_version) {
        (Some(_), _) => Some(tx.prepare_cached(&sql.upsert_due).await.map_err(backend)?),
        (None, 0) => None,
        (None, _) => Some(tx.prepare_cached(&sql.delete_due).await.map_err(backend)?),
    };
    let outbox_stmt = match outbox.ids.is_empty() {
        true => None,
        false => Some(tx.prepare_cached(&sql.insert_outbox).await.map_err(backend)?),
    };
    let key_stmt = match key {
        Some(_) => Some(tx.prepare_cached(&sql.insert_key).await.map_err(backend)?),
        None => None,
    };

    let mut gate_params: Vec<Param<'_>> = vec![
        &tenant,
        &hazard,
        &cols.version,
        &cols.head,
        &cols.snapshot,
        &cols.ledger,
        &cols.stage,
        &cols.open,
        &cols.unit,
        &cols.category,
        &cols.grade,
        &cols.discovered_at,
        &cols.deadline,
        &cols.paused_since,
        &cols.as_of,
        &cols.title,
        &cols.location,
    ];
    if c.expected_version > 0 {
        gate_params.push(&expected);
    }
    // Sent back to back without waiting (the driver pipelines them); the first real failure
    // aborts the transaction and the later statements report `25P02`, which is ignored.
    let (gate, events, due, out, idem) = tokio::join!(
        tx.execute(&gate_stmt, &gate_params),
        async {
            if seqs.is_empty() {
                return None;
            }
            Some(tx.execute(&events_stmt, &[&tenant, &hazard, &seqs, &records]).await)
        },
        async {
            let stmt = due_stmt.as_ref()?;
            Some(match &c.next_due {
                Some(at) => tx.execute(stmt, &[&tenant, &hazard, at]).await,
                None => tx.execute(stmt, &[&tenant, &hazard]).await,
            })
        },
        async {
            let stmt = outbox_stmt.as_ref()?;
            let o = &outbox;
            let params: [Param<'_>; 8] = [
                &tenant,
                &o.ids,
                &o.groups,
                &o.statuses,
                &o.available,
                &o.attempts,
                &o.errors,
                &o.messages,
            ];
            Some(tx.execute(stmt, &params).await)
        },
        async {
            let (k, version, events) = key?;
            let stmt = key_stmt.as_ref()?;
            Some(tx.execute(stmt, &[&tenant, &k, &hazard, &version, &events]).await)
        },
    );
    let verdict = judge(Some(gate), [events, due, out, idem]);
    match verdict {
        Verdict::Commit => tx.commit().await.map_err(backend),
        Verdict::Conflict => {
            tx.rollback().await.map_err(backend)?;
            let actual = version(&client, sql, &c).await?;
            Err(StoreError::Conflict { expected: c.expected_version, actual })
        }
        Verdict::Fail(e) => {
            tx.rollback().await.map_err(backend)?;
            Err(e)
        }
    }
}

/// The hazard's stored version (0 when it does not exist).
async fn version(
    client: &tokio_postgres::Client,
    sql: &crate::sql::Sql,
    c: &Commit,
) -> Result<u64, StoreError> {
    let row = client
        .query_opt(&sql.version, &[&c.tenant.as_str(), &c.hazard.as_uuid()])
        .await
        .map_err(backend)?;
    match row {
        Some(r) => uint(r.try_get(0).map_err(backend)?),
        None => Ok(0),
    }
}

enum Verdict {
    Commit,
    Conflict,
    Fail(StoreError),
}

/// The gate decides first (a stale version is a conflict whatever else failed); then the first
/// real error, by the constraint it names.
fn judge(gate: Outcome, rest: [Outcome; 4]) -> Verdict {
    match &gate {
        Some(Ok(0)) => return Verdict::Conflict,
        Some(Err(e)) if !aborted(e) => return verdict_of(e),
        _ => {}
    }
    for outcome in rest.iter().flatten() {
        if let Err(e) = outcome {
            if !aborted(e) {
                return verdict_of(e);
            }
        }
    }
    match gate {
        Some(Ok(_)) => Verdict::Commit,
        Some(Err(e)) => Verdict::Fail(backend(e)),
        None => Verdict::Fail(StoreError::Backend("commit without a version gate".into())),
    }
}

fn verdict_of(e: &tokio_postgres::Error) -> Verdict {
    match unique_violation(e) {
        Some("events_pkey" | "hazards_pkey") => Verdict::Conflict,
        Some("idempotency_pkey") => Verdict::Fail(StoreError::DuplicateKey),
        Some("outbox_pkey") => {
            Verdict::Fail(StoreError::Backend("outbox message id already used".into()))
        }
        _ => Verdict::Fail(StoreError::Backend(crate::error::describe(e))),
    }
}

/// The outbox messages of a commit as column arrays for one `unnest` insert.
struct OutboxColumns<'a> {
    ids: Vec<Uuid>,
    groups: Vec<&'a str>,
    statuses: Vec<&'static str>,
    available: Vec<DateTime<Utc>>,
    attempts: Vec<i32>,
    errors: Vec<Option<&'a str>>,
    messages: Vec<Json<&'a hazardloop_core::store::OutboxMessage>>,
}

impl<'a> OutboxColumns<'a> {
    fn of(c: &'a Commit) -> OutboxColumns<'a> {
        let m = &c.outbox;
        OutboxColumns {
            ids: m.iter().map(|m| m.id.as_uuid()).collect(),
            groups: m.iter().map(|m| m.group.as_str()).collect(),
            statuses: m.iter().map(|m| status_name(m.status)).collect(),
            available: m.iter().map(|m| m.available_at).collect(),
            attempts: m.iter().map(|m| i32::try_from(m.attempts).unwrap_or(i32::MAX)).collect(),
            errors: m.iter().map(|m| m.last_error.as_deref()).collect(),
            messages: m.iter().map(Json).collect(),
        }
    }
}
