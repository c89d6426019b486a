//! The schema: embedded migrations, the version check, and `migrate`.

use std::path::Path;

use hazardloop_core::store::StoreError;
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::error::{backend, is_not_a_database};

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: u32 = 6;

/// The migrations, in order: (version, SQL). Applied by [`SqliteStore::migrate`], or by the host's
/// own migration tool if it prefers (then insert the version into `hazardloop_schema` too).
///
/// [`SqliteStore::migrate`]: crate::SqliteStore::migrate
pub const MIGRATIONS: &[(u32, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (2, include_str!("../migrations/0002_fewer_btrees.sql")),
    (3, include_str!("../migrations/0003_ledger_filter_index.sql")),
    (4, include_str!("../migrations/0004_inspections.sql")),
    (5, include_str!("../migrations/0005_hazard_numbers.sql")),
    (6, include_str!("../migrations/0006_records.sql")),
];

/// The message of operations attempted before the schema is current.
pub(crate) const RUN_MIGRATE: &str = "run migrate()";

/// The schema version recorded in the database (0: none yet).
pub(crate) fn recorded_version(conn: &Connection) -> Result<u32, StoreError> {
    let table: Option<String> = conn
        .query_row(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'hazardloop_schema'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| opening(&e))?;
    if table.is_none() {
        return Ok(0);
    }
    conn.query_row("SELECT coalesce(max(version), 0) FROM hazardloop_schema", [], |r| r.get(0))
        .map_err(|e| opening(&e))
}

fn opening(e: &rusqlite::Error) -> StoreError {
    if is_not_a_database(e) {
        StoreError::Corrupt(format!("the file is not an SQLite database ({e})"))
    } else {
        StoreError::Backend(e.to_string())
    }
}

/// Refuses a database written by a newer hazardloop.
pub(crate) fn refuse_newer(version: u32) -> Result<(), StoreError> {
    if version > SCHEMA_VERSION {
        return Err(StoreError::Schema(format!(
            "the database has hazardloop schema version {version}, newer than this build's \
             {SCHEMA_VERSION}: upgrade hazardloop (the file was left untouched)"
        )));
    }
    Ok(())
}

/// Reads the version of an existing file through a read-only connection, so that a file this
/// build refuses (newer schema, not a database) is never written to. A missing file is version 0.
pub(crate) fn probe(path: &Path) -> Result<u32, StoreError> {
    if !path.exists() {
        return Ok(0);
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| opening(&e))?;
    let version = recorded_version(&conn)?;
    refuse_newer(version)?;
    Ok(version)
}

/// Applies the migrations the database lacks, in one transaction. Returns the version now in force.
pub(crate) fn migrate(conn: &Connection) -> Result<u32, StoreError> {
    conn.execute_batch("BEGIN IMMEDIATE").map_err(backend)?;
    let applied = (|| {
        let version = recorded_version(conn)?;
        refuse_newer(version)?;
        for (n, sql) in MIGRATIONS.iter().filter(|(n, _)| *n > version) {
            conn.execute_batch(sql)
                .map_err(|e| StoreError::Schema(format!("migration {n} failed: {e}")))?;
            conn.execute("INSERT INTO hazardloop_schema (version) VALUES (?1)", [n])
                .map_err(backend)?;
        }
        Ok(SCHEMA_VERSION.max(version))
    })();
    match applied {
        Ok(v) => conn.execute_batch("COMMIT").map_err(backend).map(|()| v),
        Err(e) => {
            // Nothing of a failed migration stays.
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}
