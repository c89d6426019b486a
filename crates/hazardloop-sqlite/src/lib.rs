//! # hazardloop-sqlite
//!
//! The embedded default [`Store`](hazardloop_core::store::Store) of hazardloop: one SQLite file
//! in WAL mode, one writer with group commit (run on the caller's thread when it is idle), and a
//! small pool of read-only connections.
//! It passes the same conformance suites as every other store: the store's; for its
//! inspection occurrences ([`InspectionStore`](hazardloop_core::store::InspectionStore)), the
//! inspection store's; and for its records of other kinds, incidents and report duties
//! ([`RecordStore`](hazardloop_core::store::RecordStore), schema 6), the record store's.
//!
//! ```
//! use std::sync::Arc;
//!
//! use hazardloop_core::clock::SystemClock;
//! use hazardloop_core::engine::{Engine, Request};
//! use hazardloop_core::model::Grade;
//! use hazardloop_core::notify::Discard;
//! use hazardloop_sqlite::SqliteStore;
//! use hazardloop_testkit::Fixture;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let store = SqliteStore::open(dir.path().join("hazards.db"))?;
//! store.migrate()?; // explicit, never inside `open`
//!
//! let f = Fixture::school();
//! let engine = Engine::new(store, Discard, Arc::new(SystemClock), f.policy.clone())
//!     .with_org(f.org.clone());
//! // Any executor will do: the store needs no runtime of its own.
//! let rt = tokio::runtime::Builder::new_current_thread().build()?;
//! let found = rt.block_on(engine.execute(&f.inspector(), Request::new(f.discover())))?;
//! let registered = rt.block_on(
//!     engine.execute(&f.officer(), Request::on(found.hazard, f.register(Grade::General))),
//! )?;
//! assert!(registered.version > found.version);
//! rt.block_on(engine.verify(&f.tenant, found.hazard))?; // the hash chain holds
//! # Ok(())
//! # }
//! ```
//!
//! See [`SqliteStore`] for durability (the [`Synchronous`] modes) and the concurrency model, and
//! [`MIGRATIONS`] for the schema.

mod checkpoint;
mod codec;
mod error;
mod group_commit;
mod inspection;
mod job;
mod oneshot;
mod options;
mod read_ops;
mod reader;
mod record;
mod schema;
mod stats;
mod store;
mod store_impl;
mod write_ops;
mod writer;

pub use options::{SqliteOptions, Synchronous};
pub use schema::{MIGRATIONS, SCHEMA_VERSION};
pub use stats::WriterStats;
pub use store::SqliteStore;
