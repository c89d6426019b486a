//! Schema migrations: SQL files embedded from `migrations/`, applied only by an explicit
//! [`PgStore::migrate`](crate::PgStore::migrate), recorded in the store's own
//! `schema_version` table inside its own schema (never the host's migration table).

use hazardloop_core::store::StoreError;
use tokio_postgres::Client;

use crate::error::backend;
use crate::options::validate_schema;
use crate::sql::quoted;
use crate::PgError;

/// One migration: its version, name and SQL (with `__SCHEMA__` standing for the schema).
struct Migration {
    version: u32,
    name: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "init", sql: include_str!("../migrations/0001_init.sql") },
    Migration {
        version: 2,
        name: "inspections",
        sql: include_str!("../migrations/0002_inspections.sql"),
    },
    Migration {
        version: 3,
        name: "hazard_numbers",
        sql: include_str!("../migrations/0003_hazard_numbers.sql"),
    },
    Migration { version: 4, name: "records", sql: include_str!("../migrations/0004_records.sql") },
    Migration {
        version: 5,
        name: "ledger_overdue",
        sql: include_str!("../migrations/0005_ledger_overdue.sql"),
    },
];

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: u32 = 5;

/// The migrations of this build for `schema`, in order: `(version, name, SQL)`, for hosts that
/// review or apply them with their own tooling (they must then also record the version in
/// `<schema>.schema_version`, as [`PgStore::migrate`](crate::PgStore::migrate) does).
pub fn migrations(schema: &str) -> Result<Vec<(u32, &'static str, String)>, PgError> {
    validate_schema(schema)?;
    Ok(MIGRATIONS
        .iter()
        .map(|m| (m.version, m.name, m.sql.replace("__SCHEMA__", &quoted(schema))))
        .collect())
}

/// Brings `schema` to [`SCHEMA_VERSION`] in one transaction under an advisory lock, so
/// concurrent callers wait and then find nothing left to do. Returns the version applied from.
pub(crate) async fn migrate(client: &mut Client, schema: &str) -> Result<u32, StoreError> {
    let s = quoted(schema);
    let tx = client.transaction().await.map_err(backend)?;
    tx.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", &[&lock_key(schema)])
        .await
        .map_err(backend)?;
    tx.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS {s};
         CREATE TABLE IF NOT EXISTS {s}.schema_version (
             version    integer PRIMARY KEY,
             name       text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now());"
    ))
    .await
    .map_err(backend)?;
    let current = current_version(&tx, &s).await?;
    if current > SCHEMA_VERSION {
        return Err(newer(schema, current));
    }
    for m in MIGRATIONS.iter().filter(|m| m.version > current) {
        tx.batch_execute(&m.sql.replace("__SCHEMA__", &s)).await.map_err(backend)?;
        tx.execute(
            &format!("INSERT INTO {s}.schema_version (version, name) VALUES ($1, $2)"),
            &[&(m.version as i32), &m.name],
        )
        .await
        .map_err(backend)?;
        tracing::info!(schema, version = m.version, name = m.name, "migrated");
    }
    tx.commit().await.map_err(backend)?;
    Ok(current)
}

/// The schema's version; `Schema` unless it is exactly this build's.
pub(crate) async fn check(client: &Client, schema: &str) -> Result<u32, StoreError> {
    let version = current_version(client, &quoted(schema)).await.map_err(|e| match e {
        StoreError::Schema(_) => not_migrated(schema),
        other => other,
    })?;
    match version {
        v if v > SCHEMA_VERSION => Err(newer(schema, v)),
        v if v < SCHEMA_VERSION => Err(not_migrated(schema)),
        v => Ok(v),
    }
}

async fn current_version(
    client: &impl tokio_postgres::GenericClient,
    s: &str,
) -> Result<u32, StoreError> {
    let row = client
        .query_one(&format!("SELECT coalesce(max(version), 0) FROM {s}.schema_version"), &[])
        .await
        .map_err(backend)?;
    let v: i32 = row.get(0);
    Ok(u32::try_from(v).unwrap_or(0))
}

fn lock_key(schema: &str) -> String {
    format!("hazardloop.migrate:{schema}")
}

fn newer(schema: &str, found: u32) -> StoreError {
    StoreError::Schema(format!(
        "schema {schema} is at version {found}, newer than this build's {SCHEMA_VERSION}: upgrade hazardloop"
    ))
}

fn not_migrated(schema: &str) -> StoreError {
    StoreError::Schema(format!(
        "schema {schema} is not at version {SCHEMA_VERSION}: run PgStore::migrate()"
    ))
}
