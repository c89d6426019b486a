//! What the console runs on: an engine, and optionally the host's API tokens.

use std::future::Future;
use std::sync::Arc;

use hazardloop_core::engine::Engine;
use hazardloop_core::model::{PersonId, TenantId};
use hazardloop_core::notify::Notifier;
use hazardloop_core::store::{InspectionStore, RecordStore};

/// The engine the console drives, and how a host's API token signs a person in.
pub trait Backend: Send + Sync + 'static {
    /// The store.
    type Store: InspectionStore + RecordStore + 'static;
    /// The notifier.
    type Notifier: Notifier + 'static;

    /// The engine to use for this request (a service may swap engines when its policy changes).
    fn engine(&self) -> Arc<Engine<Self::Store, Self::Notifier>>;

    /// The person a host's API token stands for, if the token is valid. The default accepts
    /// no token: sign-in is by one-time login code only.
    fn token_person(
        &self,
        token: &str,
    ) -> impl Future<Output = Option<(TenantId, PersonId)>> + Send {
        let _ = token;
        async { None }
    }
}

/// A backend of one fixed engine and no token sign-in (embedding, tests, examples).
#[derive(Debug)]
pub struct Fixed<S: InspectionStore + RecordStore + 'static, N: Notifier + 'static>(
    pub Arc<Engine<S, N>>,
);

impl<S: InspectionStore + RecordStore + 'static, N: Notifier + 'static> Backend for Fixed<S, N> {
    type Store = S;
    type Notifier = N;
    fn engine(&self) -> Arc<Engine<S, N>> {
        self.0.clone()
    }
}
