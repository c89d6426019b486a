//! Mapping SQLite and JSON failures onto [`StoreError`], by error code, never by message text.

use hazardloop_core::store::StoreError;
use rusqlite::ffi;

/// Any SQLite failure the caller can only retry.
pub(crate) fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// A primary-key or unique-constraint violation (extended result code), whatever the message.
pub(crate) fn is_unique_violation(e: &rusqlite::Error) -> bool {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => matches!(
            f.extended_code,
            ffi::SQLITE_CONSTRAINT_PRIMARYKEY | ffi::SQLITE_CONSTRAINT_UNIQUE
        ),
        _ => false,
    }
}

/// The file exists but is not an SQLite database (or is encrypted).
pub(crate) fn is_not_a_database(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase)
}

/// A stored value that does not decode.
pub(crate) fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

/// A value that cannot be encoded (a time outside 1677–2262, a count past `i64`).
pub(crate) fn unencodable(what: &str) -> StoreError {
    StoreError::Backend(format!("{what} cannot be stored: out of range"))
}

/// The writer or a reader thread is gone (the store is shutting down, or a thread panicked).
pub(crate) fn stopped(which: &str) -> StoreError {
    StoreError::Backend(format!("the SQLite {which} thread has stopped"))
}
