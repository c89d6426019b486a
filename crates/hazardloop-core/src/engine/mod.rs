//! The engine: commands in, events, ledger, clocks and outbox out, through a [`Store`] and a
//! [`Notifier`]. Per command: load, authorize, decide, compute clocks and notices, then one
//! atomic commit with the expected version.

mod dispatch;
mod duty;
mod error;
mod execute;
mod holidays;
mod import;
mod inspection;
mod query;
mod sweep;
mod types;

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use chrono::{DateTime, Utc};

pub use dispatch::DispatchReport;
pub use duty::{DutyGenerateReport, RecordOutcome, RecordSweepReport};
pub use error::EngineError;
pub use holidays::HolidayLoad;
pub use import::{ImportRow, RowOutcome, IMPORT_BATCH};
pub use inspection::{GenerateReport, InspectionOutcome, InspectionSweepReport, TemplateImport};
pub use query::HazardView;
pub use sweep::SweepReport;
pub use types::{Outcome, Request, Tuning};

use crate::clock::Clock;
use crate::model::{Lang, TenantId};
use crate::notify::Notifier;
use crate::org::Org;
use crate::policy::Policy;
use crate::store::Store;

/// The engine.
pub struct Engine<S: Store, N: Notifier> {
    store: S,
    notifier: N,
    clock: Arc<dyn Clock>,
    policy: Arc<Policy>,
    orgs: RwLock<HashMap<TenantId, Arc<Org>>>,
    lang: Lang,
    tuning: Tuning,
    pacing: dispatch::Pacing,
}

impl<S: Store, N: Notifier> std::fmt::Debug for Engine<S, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("notifier", &self.notifier.name())
            .field("tuning", &self.tuning)
            .finish()
    }
}

impl<S: Store, N: Notifier> Engine<S, N> {
    /// An engine over `store`, delivering through `notifier`, reading time from `clock`.
    pub fn new(store: S, notifier: N, clock: Arc<dyn Clock>, policy: Policy) -> Engine<S, N> {
        Engine {
            store,
            notifier,
            clock,
            policy: Arc::new(policy),
            orgs: RwLock::new(HashMap::new()),
            lang: Lang::Zh,
            tuning: Tuning::default(),
            pacing: dispatch::Pacing::default(),
        }
    }

    /// Loads (or replaces) the organisation of its tenant.
    pub fn set_org(&self, org: Org) {
        let mut orgs = self.orgs.write().unwrap_or_else(PoisonError::into_inner);
        orgs.insert(org.tenant().clone(), Arc::new(org));
    }

    /// With an organisation loaded.
    pub fn with_org(self, org: Org) -> Engine<S, N> {
        self.set_org(org);
        self
    }

    /// With notices written in `lang` (Chinese by default).
    pub fn with_lang(mut self, lang: Lang) -> Engine<S, N> {
        self.lang = lang;
        self
    }

    /// With other batch sizes.
    pub fn with_tuning(mut self, tuning: Tuning) -> Engine<S, N> {
        self.tuning = tuning;
        self
    }

    /// The batch tuning it runs with.
    pub fn tuning(&self) -> Tuning {
        self.tuning
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The current time, from the engine's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The organisation of `tenant`.
    pub fn org(&self, tenant: &TenantId) -> Result<Arc<Org>, EngineError> {
        let orgs = self.orgs.read().unwrap_or_else(PoisonError::into_inner);
        orgs.get(tenant).cloned().ok_or_else(|| EngineError::UnknownTenant(tenant.clone()))
    }
}
