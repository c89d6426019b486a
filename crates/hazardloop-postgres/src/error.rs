//! Errors of setting up the store, and the mapping of driver errors onto [`StoreError`].

use hazardloop_core::store::StoreError;
use tokio_postgres::error::SqlState;

/// Setting up a [`PgStore`](crate::PgStore) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PgError {
    /// The schema name is not a plain identifier.
    ///
    /// **Handling:** pick a name of ASCII letters, digits and `_` that starts with a letter or
    /// `_` and is at most 56 bytes; it is spliced into SQL, so nothing else is accepted.
    #[error("schema name {0:?} is not a plain identifier ([A-Za-z_][A-Za-z0-9_]*, ≤ 56 bytes, not pg_*)")]
    InvalidSchema(String),
    /// The connection URL or an option is invalid.
    ///
    /// **Handling:** fix the configuration; nothing was connected.
    #[error("configuration: {0}")]
    Config(String),
    /// TLS could not be set up.
    ///
    /// **Handling:** check the certificates and the TLS settings of the server.
    #[error("tls: {0}")]
    Tls(String),
}

/// A driver error as a store error: missing tables mean "not migrated", the rest is the backend.
pub(crate) fn backend(e: tokio_postgres::Error) -> StoreError {
    match e.code() {
        Some(c) if *c == SqlState::UNDEFINED_TABLE || *c == SqlState::INVALID_SCHEMA_NAME => {
            StoreError::Schema(format!("the store's tables are missing; run migrate(): {e}"))
        }
        _ => StoreError::Backend(describe(&e)),
    }
}

/// A pool error as a store error.
pub(crate) fn pool(e: deadpool_postgres::PoolError) -> StoreError {
    match e {
        deadpool_postgres::PoolError::Backend(e) => backend(e),
        other => StoreError::Backend(format!("connection pool: {other}")),
    }
}

/// A row that does not decode.
pub(crate) fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

/// The constraint a unique violation hit, if that is what `e` is.
pub(crate) fn unique_violation(e: &tokio_postgres::Error) -> Option<&str> {
    let db = e.as_db_error()?;
    if *db.code() == SqlState::UNIQUE_VIOLATION {
        db.constraint()
    } else {
        None
    }
}

/// Whether `e` only says the transaction was already aborted by an earlier statement.
pub(crate) fn aborted(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&SqlState::IN_FAILED_SQL_TRANSACTION)
}

pub(crate) fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => match std::error::Error::source(e) {
            Some(source) => format!("{e}: {source}"),
            None => e.to_string(),
        },
    }
}
