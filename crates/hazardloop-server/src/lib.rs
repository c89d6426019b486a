//! # hazardloop-server
//!
//! The hazardloop engine as an HTTP service that keeps its own time, for school systems that
//! are not written in Rust: a JSON API under `/v1` for every command of the loop
//! (排查—登记—报告—治理—验收—销号—备案存档) and every query, incidents (突发事件报告), report
//! duties (报告事项) and campaigns (专项整治), an OpenAPI 3.1 document at
//! `/v1/openapi.json`, API tokens, a scheduler that sweeps every minute and dispatches the
//! outbox continuously, offline batches, `/healthz`, `/readyz` and Prometheus `/metrics`.
//!
//! Run it with `hazardloop serve` (or the `hazardloop-server serve` binary); on SQLite by default
//! (`./hazardloop.db`), on PostgreSQL with `--db postgres://…`.
//!
//! ```
//! use std::sync::Arc;
//! use hazardloop_core::clock::{Clock, SystemClock};
//! use hazardloop_core::model::{PersonId, TenantId, UnitId};
//! use hazardloop_core::notify::Discard;
//! use hazardloop_core::org::{Person, Preset, Role};
//! use hazardloop_core::store::{Store, ORG_DOC};
//! use hazardloop_server::tokens::{Grant, TokenBook};
//! use hazardloop_server::{router, Service, ServerConfig};
//! use tower::ServiceExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! let store = hazardloop_sqlite::SqliteStore::open(dir.path().join("school.db"))?;
//! store.migrate()?;
//! // The tenant's organisation, as `hazardloop init` saves it.
//! let tenant = TenantId::new("default")?;
//! let mut org = Preset::FocusAreas.school_org(
//!     tenant.clone(),
//!     (UnitId::new("bureau")?, "区教育局"),
//!     (UnitId::new("s1")?, "第一中学"),
//! )?;
//! org.add_person(Person::new(PersonId::new("zhou")?, "周检查员", UnitId::new("s1")?).with_role(Role::Inspector))?;
//! store.put_document(&tenant, ORG_DOC, &serde_json::to_string(&org.to_config())?).await?;
//! let (_, token) = TokenBook::create(&store, &org, Grant::Person { person: PersonId::new("zhou")? }, "", SystemClock.now()).await?;
//!
//! let service = Service::new(Arc::new(store), ServerConfig::default(), Arc::new(SystemClock), Arc::new(Discard)).await?;
//! let request = axum::http::Request::post("/v1/hazards")
//!     .header("authorization", format!("Bearer {token}"))
//!     .header("content-type", "application/json")
//!     .body(axum::body::Body::from(
//!         r#"{"unit":"s1/logistics","location":"教学楼","title":"楼梯扶手松动","description":"两处螺栓松动","source":"daily_patrol"}"#,
//!     ))?;
//! let response = router(Arc::new(service)).oneshot(request).await?;
//! assert_eq!(response.status(), 201);
//! assert!(response.headers().contains_key("etag")); // the hazard's version
//! # Ok(()) }
//! ```
//!
//! ## Errors
//! Every error is `application/problem+json` (RFC 9457); [`problem`] has the table that maps
//! each engine error to its status.
//!
//! ## HTTP semantics
//! - `Idempotency-Key` is the engine's idempotency key: a retry gets the first response again,
//!   with `Idempotency-Replayed: true`.
//! - The hazard's version is its `ETag`; `If-Match: "3"` makes a write conditional, and a stale
//!   one gets 412 with `expected` and `actual`.
//! - Bodies are limited by the policy's `[limits]` ([`serve::body_limit`]).

pub mod auth;
pub mod channels;
pub mod cli;
pub mod config;
pub mod console;
pub mod metrics;
pub mod openapi;
pub mod problem;
pub mod routes;
pub mod scheduler;
pub mod serve;
pub mod state;
pub mod store;
pub mod tokens;

pub use config::ServerConfig;
pub use scheduler::Scheduler;
pub use serve::{router, serve};
pub use state::{Service, StartError};
pub use store::ServedStore;

/// Logs to stderr with `tracing` (`HAZARDLOOP_LOG`, e.g. `info` or `hazardloop=debug`).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("HAZARDLOOP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}
