//! The stores the service runs on, and what it asks of them beyond [`InspectionStore`] and
//! [`RecordStore`] (incidents and report duties).

use std::fs::File;
use std::future::Future;
use std::path::PathBuf;

use hazardloop_core::store::{InspectionStore, RecordStore, Store, StoreError};
use hazardloop_postgres::PgStore;
use hazardloop_sqlite::SqliteStore;

/// A store the service can run on: hazards, inspections and records (incidents, report
/// duties), readiness and the name of its migration command.
pub trait ServedStore: InspectionStore + RecordStore + 'static {
    /// `Ok` when the store is reachable and its schema is this build's.
    fn check_schema(&self) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Which kind of store (`sqlite`, `postgres`), for logs and `/readyz`.
    fn kind(&self) -> &'static str;
}

impl ServedStore for SqliteStore {
    async fn check_schema(&self) -> Result<(), StoreError> {
        SqliteStore::check_schema(self)?;
        // Reachable: a read through the reader pool.
        let probe = hazardloop_core::model::TenantId::new("_probe")
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        self.document(&probe, "_probe").await.map(|_| ())
    }
    fn kind(&self) -> &'static str {
        "sqlite"
    }
}

impl ServedStore for PgStore {
    async fn check_schema(&self) -> Result<(), StoreError> {
        PgStore::check_schema(self).await.map(|_| ())
    }
    fn kind(&self) -> &'static str {
        "postgres"
    }
}

/// The SQLite options of the service: every commit goes to the store's writer thread (group
/// commit), so a tokio worker never blocks on a commit while other connections wait on it.
/// (`commit_on_caller` suits a host whose commands mostly come one at a time; design note 15.)
pub fn sqlite_options() -> hazardloop_sqlite::SqliteOptions {
    hazardloop_sqlite::SqliteOptions::default().commit_on_caller(false)
}

/// Holds a SQLite file for one service process: a second process on the same file refuses to
/// start. Released when dropped (and by the operating system if the process dies).
#[derive(Debug)]
pub struct FileOwner {
    _file: File,
    path: PathBuf,
}

impl FileOwner {
    /// Takes `<db>.lock` beside the database, or says which file another process holds.
    pub fn take(db: &str) -> Result<FileOwner, String> {
        let path = PathBuf::from(format!("{db}.lock"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(FileOwner { _file: file, path }),
            Err(std::fs::TryLockError::WouldBlock) => Err(format!(
                "another hazardloop service already serves {db} (it holds {}); on SQLite one \
                 process owns the file: stop that one, or use PostgreSQL for several",
                path.display()
            )),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(format!("cannot lock {}: {e}", path.display()))
            }
        }
    }

    /// The lock file.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}
