//! What goes into the engine and what comes out: a request, its outcome, and batch tuning.

use std::sync::Arc;

use crate::chain::{Origin, Recorded};
use crate::model::HazardId;
use crate::report::LedgerRow;
use crate::workflow::{Command, StageKind};

/// A command addressed to a hazard, with an optional idempotency key.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// The hazard (`None` for commands that create one).
    pub hazard: Option<HazardId>,
    /// The command.
    pub command: Command,
    /// A key the caller chooses; a retry with the same key returns the first result and writes nothing.
    pub idempotency_key: Option<String>,
    /// The hazard version the caller decided on (HTTP `If-Match`): when the hazard has moved
    /// on, the command is refused with [`EngineError::Stale`](super::EngineError::Stale).
    pub expected_version: Option<u64>,
    /// Where the command came from (an API token, a device's capture time), kept on each event.
    pub origin: Option<Origin>,
}

impl Request {
    /// A command that creates a hazard.
    pub fn new(command: Command) -> Request {
        Request {
            hazard: None,
            command,
            idempotency_key: None,
            expected_version: None,
            origin: None,
        }
    }

    /// A command on an existing hazard.
    pub fn on(hazard: HazardId, command: Command) -> Request {
        Request {
            hazard: Some(hazard),
            command,
            idempotency_key: None,
            expected_version: None,
            origin: None,
        }
    }

    /// A command on `hazard` when given, else one that creates a hazard.
    pub fn to(hazard: Option<HazardId>, command: Command) -> Request {
        match hazard {
            Some(id) => Request::on(id, command),
            None => Request::new(command),
        }
    }

    /// With an idempotency key.
    pub fn key(mut self, key: impl Into<String>) -> Request {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Only if the hazard is still at `version`.
    pub fn if_version(mut self, version: u64) -> Request {
        self.expected_version = Some(version);
        self
    }

    /// Recorded as coming from `origin`.
    pub fn from_origin(mut self, origin: Origin) -> Request {
        self.origin = Some(origin);
        self
    }
}

/// What a command did.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The hazard.
    pub hazard: HazardId,
    /// Its version after the command.
    pub version: u64,
    /// The events written: the same records the store was given, shared.
    pub events: Arc<[Recorded]>,
    /// The hazard's stage after the command.
    pub stage: StageKind,
    /// The hazard's ledger row after the command (as at the command's time): the row the
    /// store was given, shared.
    pub ledger: Arc<LedgerRow>,
    /// True when this is the stored result of an earlier call with the same idempotency key.
    pub replayed: bool,
}

/// Tuning of the engine's batch work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tuning {
    /// Due clocks read per page in a sweep (memory is bounded by this, whatever the due count).
    pub sweep_page: usize,
    /// Outbox messages claimed per dispatch batch.
    pub dispatch_batch: usize,
    /// How long a claimed message is leased to a dispatcher, in seconds.
    pub lease_seconds: i64,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning { sweep_page: 256, dispatch_batch: 128, lease_seconds: 300 }
    }
}
