//! The web console (`/console`, crate `hazardloop-console`) served by the same process: its
//! engine is the service's, and a person's API token signs them in as a login code does.

use std::sync::Arc;

use hazardloop_console::{Backend, Console, ConsoleConfig, DirEvidenceStore};
use hazardloop_core::model::{PersonId, TenantId};

use crate::state::{Channels, Service, ServiceEngine};
use crate::store::ServedStore;
use crate::tokens::{self, Grant};

/// The service as the console's backend.
pub struct ServiceBackend<S: ServedStore>(pub Arc<Service<S>>);

impl<S: ServedStore> Backend for ServiceBackend<S> {
    type Store = Arc<S>;
    type Notifier = Channels;

    fn engine(&self) -> Arc<ServiceEngine<S>> {
        self.0.engine()
    }

    /// A person token of a tenant this process serves signs its person in; a host token does
    /// not (it speaks for others, and a session is one person's).
    async fn token_person(&self, token: &str) -> Option<(TenantId, PersonId)> {
        let (id, secret) = tokens::parse(token)?;
        let found = self.0.token(id).await.ok()??;
        let (tenant, record) = (&found.0, &found.1);
        if !record.accepts(secret) || !self.0.serves(tenant) {
            return None;
        }
        match &record.grant {
            Grant::Person { person } => Some((tenant.clone(), person.clone())),
            Grant::Host { .. } => None,
        }
    }
}

/// The console's routes for `service`.
pub fn router<S: ServedStore>(service: Arc<Service<S>>) -> axum::Router {
    let config = service.config();
    let console = Console::new(
        ServiceBackend(service.clone()),
        DirEvidenceStore::new(&config.console_evidence_dir),
        ConsoleConfig { secure_cookies: config.console_secure_cookies, ..ConsoleConfig::default() },
    );
    hazardloop_console::router(console)
}
