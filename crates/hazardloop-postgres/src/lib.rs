//! # hazardloop-postgres
//!
//! A [`Store`](hazardloop_core::store::Store) on PostgreSQL for a city bureau with hundreds of
//! schools and several engine processes: pooled connections (deadpool), one transaction per
//! commit, conflicts detected from structure, the sweep's due clocks and the outbox claimed with
//! `FOR UPDATE SKIP LOCKED` and short leases, every table keyed by tenant first.
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use hazardloop_core::clock::SystemClock;
//! use hazardloop_core::engine::Engine;
//! use hazardloop_core::notify::Discard;
//! use hazardloop_core::policy::Policy;
//! use hazardloop_postgres::{PgOptions, PgStore};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let store = PgStore::new(
//!     "postgres://postgres@127.0.0.1:5432/test",
//!     PgOptions::default().pool_size(8).schema("hazardloop"),
//! )?;
//! // The schema is created or upgraded only when asked, never by a constructor.
//! store.migrate().await?;
//! let engine = Engine::new(store, Discard, Arc::new(SystemClock), Policy::default());
//! // Any number of processes may sweep the same database: no rung fires twice.
//! let report = engine.sweep().await?;
//! println!("{} rungs fired", report.fired);
//! # Ok(())
//! # }
//! ```
//!
//! ## Schema
//! Everything lives in one schema of the store's own (default `hazardloop`, see
//! [`PgOptions::schema`]), created by [`PgStore::migrate`] from the SQL files in `migrations/`
//! (embedded; see [`migrations`]). The applied version is kept in `<schema>.schema_version`,
//! never in the host's migration table. `migrate` runs in one transaction under an advisory
//! lock, so concurrent calls are safe; a schema newer than this build is refused with
//! [`StoreError::Schema`](hazardloop_core::store::StoreError::Schema).
//!
//! | table | key | holds |
//! | --- | --- | --- |
//! | `hazards` | (tenant_id, hazard_id) | version, chain head, snapshot (JSONB), ledger row (JSONB) and its filter columns |
//! | `events` | (tenant_id, hazard_id, seq) | each event record (JSONB) |
//! | `due` | (tenant_id, hazard_id) | when the next rung fires, and the sweeper's lease |
//! | `outbox` | (tenant_id, id) | group, status, availability, lease token and expiry, attempts, last error, message (JSONB) |
//! | `idempotency` | (tenant_id, key) | the remembered result of a command |
//! | `documents` | (tenant_id, name) | a tenant's named documents (organisation, policy, inspection templates and plans) |
//! | `occurrences` | (tenant_id, occurrence_id) | an inspection occurrence's version, chain head, state and listing row (JSONB), its filter columns (plan, unit, inspector, due), when the inspection sweep is next due, and that sweep's lease |
//! | `occurrence_events` | (tenant_id, occurrence_id, seq) | each occurrence event record (JSONB) |
//! | `numbers` | (tenant_id, series) | the last hazard number taken in each series |
//! | `records` | (tenant_id, kind, id) | a record's (incident's, report duty's) version, state and listing row (JSONB), its filter columns (at, open, group), when the record sweep is next due, and that sweep's lease |
//! | `record_events` | (tenant_id, kind, id, seq) | each record event entry (JSONB) |
//!
//! ## Conflicts
//! A commit is one statement, so one round trip and its own transaction: a data-modifying CTE
//! whose first part is the version gate (`INSERT … ON CONFLICT DO NOTHING RETURNING` for a new
//! hazard, `UPDATE hazards … WHERE version = $expected RETURNING` otherwise); the events, the due
//! clock, the outbox and the idempotency key are inserted `FROM` the gate's returned row, so a
//! stale version writes nothing. No row returned, or SQLSTATE 23505 on `events_pkey`, is
//! [`Conflict`](hazardloop_core::store::StoreError::Conflict) with the version read afterwards;
//! 23505 on `idempotency_pkey` is
//! [`DuplicateKey`](hazardloop_core::store::StoreError::DuplicateKey). Constraint names come
//! from the server's error fields, never from message text. Each shape of commit (new or
//! update, due clock set, cleared or absent, with or without messages and key) is one statement,
//! prepared once per connection.
//!
//! [`Store::commit_many`](hazardloop_core::store::Store::commit_many) writes up to 64 commits
//! in one transaction, each in a savepoint of its own, all pipelined: a conflict or a used key
//! fails that commit alone (it is rolled back to its savepoint and the rest are sent again), and
//! the batch costs three round trips (`BEGIN`, the commits, `COMMIT`) and one WAL flush. The
//! commits are written in (tenant, hazard) order, so concurrent batches take their row locks in
//! one order and never deadlock. [`Store::settle_many`](hazardloop_core::store::Store::settle_many)
//! works alike.
//!
//! ## Inspections
//! [`InspectionStore`](hazardloop_core::store::InspectionStore) is implemented alike (schema
//! version 2): an occurrence commit is one statement gated on the occurrence's version; when a
//! completion raises hazards, the occurrence's statement and the hazards' own commit statements
//! run pipelined in one transaction that commits only if every one of them wrote, so the
//! completion and its findings land together or not at all (a hazard id already used is a
//! conflict). Scheduling inserts a batch in one statement, each occurrence `ON CONFLICT DO
//! NOTHING` in (tenant, id) order, so two processes generating one horizon store each
//! occurrence once and never deadlock. The inspection sweep's scan claims its pages with leases
//! like the hazards' due clocks (below).
//!
//! ## Records
//! [`RecordStore`](hazardloop_core::store::RecordStore) (incidents, report duties and any later
//! kind of record) is implemented alike (schema version 4), without looking inside a record's
//! events or state: a record commit is one statement gated on the record's version (a stale
//! version, or two processes creating the same record, is a conflict), with its messages
//! inserted into the outbox by the same statement. `create_records` inserts a batch in one
//! statement, each record `ON CONFLICT DO NOTHING` in (tenant, kind, id) order, so two processes
//! generating the same duties store each once and never deadlock. Listings narrow by tenant, kind
//! and time in SQL and apply `RecordQuery::matches` to the rows. The record sweep's scan
//! (`records_due`) claims its pages with leases like the hazards' due clocks (below), ordered by
//! (due time, tenant, kind code, id).
//!
//! ## Statistics and ledger pages
//! [`Store::tally`](hazardloop_core::store::Store::tally) is one prepared `GROUP BY` over the
//! tenant's rows: each figure of `Tally::of_row` per (accountable unit, category), the ledger's
//! times compared as they are in its JSON, to the nanosecond (the `timestamptz` columns hold
//! microseconds), the escalations by action and the rectification durations returned per cell.
//! Ledger pages filter on indexed columns; the overdue filter has a partial index of the rows
//! that can be overdue (open, not accepted, not paused) by category and deadline (schema
//! version 5).
//!
//! ## Several engine processes
//! [`Store::due`](hazardloop_core::store::Store::due) claims the page it returns: it marks the
//! rows with this store's id and a lease until `before + due_lease`, choosing them with
//! `UPDATE … FROM (SELECT … ORDER BY due_at LIMIT n FOR UPDATE SKIP LOCKED)`, and skips rows
//! another store leased. Concurrent sweepers therefore get mostly disjoint pages and never wait
//! for each other; no lock is held between calls. A commit of the hazard (the sweep's own)
//! replaces the row and drops the lease; a sweeper that dies leaves its clocks to the others once
//! the lease ends. That no rung fires twice comes from the version check of the commit, not from
//! the lease. The outbox claim works alike with a lease token per message and an advisory
//! try-lock per digest group, so a digest is never split and dispatchers never wait.
//!
//! A dispatcher can wait for work with [`PgStore::listen_outbox`]: a trigger notifies the
//! channel `<schema>_outbox` whenever a commit adds messages (LISTEN/NOTIFY).
//!
//! ## Distribution by tenant (Citus)
//! Every table's primary key starts with `tenant_id`, and `tenant_id` is the distribution
//! column: `SELECT create_distributed_table('hazardloop.hazards', 'tenant_id')`, then the same
//! for `events`, `due`, `outbox`, `idempotency`, `documents`, `occurrences`,
//! `occurrence_events`, `numbers`, `records` and `record_events` with
//! `colocate_with => 'hazardloop.hazards'`;
//! `schema_version` stays a local (coordinator) table. Commits, loads, snapshots, ledger pages,
//! idempotency look-ups, documents and outbox listings all filter on one tenant and route to one shard,
//! and so do occurrence commits, reads and listings, and a `schedule` batch of one tenant (the
//! engine generates one tenant at a time), and likewise record commits, reads and listings and
//! a `create_records` batch of one tenant.
//! Three statements are cross-tenant by the shape of the `Store`, `InspectionStore` and
//! `RecordStore` traits:
//! - the sweep's due scan (`due`), ordered by time across tenants (its index leads with
//!   `due_at` for that reason), the inspection sweep's (`occurrences_due`, its index
//!   leading with `next_due`) and the record sweep's (`records_due`, its index leading with
//!   `due_at`);
//! - the outbox claim (`claim_outbox`), in id order across tenants;
//! - `settle`, which the trait addresses by message id alone.
//!
//! Run the first two per tenant by giving each sweeping/dispatching process a set of tenants with
//! [`PgOptions::tenants`] (with one tenant each, the statements route to one shard); or run them
//! as multi-shard queries from the coordinator, which Citus executes for the `SELECT … FOR
//! UPDATE SKIP LOCKED` and `UPDATE … RETURNING` shapes used here, shard by shard. `settle`
//! is a multi-shard `UPDATE` by id (it touches one row).
//!
//! ## Time
//! The store reads no clock: due leases are measured from the sweep's own `before`, outbox
//! leases are the caller's `lease_until`. Timestamps are stored as `timestamptz`, to the
//! microsecond.

mod batch;
mod claim;
mod codec;
mod commit;
mod error;
mod inspection;
mod ledger;
mod listen;
mod migrate;
mod numbers;
mod options;
mod read;
mod record;
mod snapshot;
mod sql;
mod store;
mod tally;

pub use error::PgError;
pub use listen::OutboxListener;
pub use migrate::{migrations, SCHEMA_VERSION};
pub use options::{PgOptions, DEFAULT_SCHEMA};
pub use store::PgStore;
