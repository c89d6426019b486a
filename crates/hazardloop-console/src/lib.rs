//! # hazardloop-console
//!
//! A web console for the school safety office, served beside the HTTP API: the ledger (台账)
//! with filters and downloads of exactly what is shown, a hazard's page with its deadlines,
//! timeline and the forms its reader may use now, the overdue board (逾期), the statistics
//! (统计), inspections (检查) and incidents (突发事件). Pages are rendered on the server
//! (askama, escaped by default), in Chinese by default with English available, in the school's
//! time zone; they work on a phone and print cleanly. Nothing runs in the browser but a form.
//!
//! Sign-in is by a one-time login code ([`issue_login_code`], e.g. `hazardloop console
//! login-code`) or a host's API token ([`Backend::token_person`]). The session cookie is
//! HttpOnly and SameSite=Strict (and Secure behind TLS); every form carries the session's CSRF
//! token; a session's id is made at sign-in, so it cannot be fixed beforehand; sessions expire
//! on the engine's clock. The engine decides every action: a refusal shows its rule in Chinese,
//! and a form made from an older version of the hazard is refused as stale, never applied.
//!
//! ```
//! use std::sync::Arc;
//! use hazardloop_console::{router, Console, ConsoleConfig, DirEvidenceStore, Fixed};
//! use hazardloop_core::clock::SystemClock;
//! use hazardloop_core::engine::Engine;
//! use hazardloop_core::notify::Discard;
//! use hazardloop_core::policy::Policy;
//! use hazardloop_core::store::MemoryStore;
//!
//! let engine = Engine::new(MemoryStore::new(), Discard, Arc::new(SystemClock), Policy::default());
//! let console = Console::new(Fixed(Arc::new(engine)), DirEvidenceStore::new("evidence"), ConsoleConfig::default());
//! let app: axum::Router = router(console); // serve it with axum::serve, beside the API
//! # let _ = app;
//! ```

mod backend;
mod evidence;
mod forms;
mod login;
mod pages;
mod session;
mod text;
mod view;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use chrono::Duration;

pub use backend::{Backend, Fixed};
pub use evidence::{sha256_hex, DirEvidenceStore, EvidenceStore};
pub use login::{issue_login_code, issue_login_code_in, LOGINS_DOC};
pub use session::{Session, Sessions, COOKIE};
pub use text::Text;

/// How the console behaves.
#[derive(Clone, Debug)]
pub struct ConsoleConfig {
    /// How long a session lasts after sign-in (default 8 hours).
    pub session_ttl: Duration,
    /// Mark the cookie `Secure` (set it when the console is served over TLS, directly or
    /// behind a proxy; a request with `X-Forwarded-Proto: https` sets it too).
    pub secure_cookies: bool,
    /// Rows per ledger page (default 50).
    pub page_size: usize,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig { session_ttl: Duration::hours(8), secure_cookies: false, page_size: 50 }
    }
}

/// A console: its backend, its evidence store, its sessions and configuration.
#[derive(Debug)]
pub struct Console<B: Backend, E: EvidenceStore> {
    pub(crate) backend: B,
    pub(crate) evidence: E,
    pub(crate) sessions: Sessions,
    pub(crate) config: ConsoleConfig,
}

impl<B: Backend, E: EvidenceStore> Console<B, E> {
    /// A console over `backend`, storing uploads in `evidence`.
    pub fn new(backend: B, evidence: E, config: ConsoleConfig) -> Console<B, E> {
        Console { backend, evidence, sessions: Sessions::default(), config }
    }
}

/// The console's routes, all under `/console`.
pub fn router<B: Backend, E: EvidenceStore>(console: Console<B, E>) -> Router {
    use pages::*;
    let state = Arc::new(console);
    Router::new()
        .route("/console", get(home))
        .route("/console/login", get(login_page::<B, E>).post(login_submit::<B, E>))
        .route("/console/logout", post(logout::<B, E>))
        .route("/console/lang", get(lang::<B, E>))
        .route("/console/ledger", get(ledger::<B, E>))
        .route("/console/ledger.csv", get(ledger_csv::<B, E>))
        .route("/console/ledger.xlsx", get(ledger_xlsx::<B, E>))
        .route("/console/find", get(find::<B, E>))
        .route("/console/hazards/{id}", get(hazard::<B, E>))
        .route("/console/hazards/{id}/{step}", post(act::<B, E>))
        .route("/console/overdue", get(overdue::<B, E>))
        .route("/console/stats", get(stats::<B, E>))
        .route("/console/incidents", get(incidents::<B, E>))
        .route("/console/incidents/{id}", get(incident::<B, E>))
        .route("/console/inspections", get(inspections::<B, E>))
        .route("/console/inspections/{id}", get(inspection::<B, E>).post(perform::<B, E>))
        .with_state(state)
}
