//! The service's shared state: the engine, the store, the tokens and the meters.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use hazardloop_core::clock::Clock;
use hazardloop_core::engine::Engine;
use hazardloop_core::model::{Lang, TenantId};
use hazardloop_core::notify::Notifier;
use hazardloop_core::org::{Org, OrgConfig};
use hazardloop_core::policy::Policy;
use hazardloop_core::store::{StoreError, ORG_DOC, POLICY_DOC};

use crate::config::ServerConfig;
use crate::metrics::Metrics;
use crate::store::ServedStore;
use crate::tokens::{TokenBook, TokenRecord};

/// The notification channels, shared by every engine the service builds.
pub type Channels = Arc<dyn Notifier>;

/// The engine the service runs.
pub type ServiceEngine<S> = Engine<Arc<S>, Channels>;

/// Why the service cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The configuration is wrong.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The store cannot be opened, is unreachable, or its schema is not this build's.
    #[error("{0}")]
    Store(String),
    /// A served tenant has no organisation saved, or its saved documents do not load.
    #[error("{0}")]
    Tenant(String),
    /// Another process owns the SQLite file.
    #[error("{0}")]
    Owned(String),
    /// The address cannot be bound, or a notification channel cannot be built.
    #[error("{0}")]
    Setup(String),
}

/// Everything a request handler or the scheduler needs.
pub struct Service<S: ServedStore> {
    engine: RwLock<Arc<ServiceEngine<S>>>,
    pub(crate) store: Arc<S>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) channels: Channels,
    pub(crate) config: ServerConfig,
    pub(crate) tenants: Vec<TenantId>,
    pub(crate) lang: Lang,
    pub(crate) metrics: Metrics,
    tokens: TokenCache,
}

impl<S: ServedStore> Service<S> {
    /// The service over `store`: the policy saved for the first tenant (else the default), each
    /// tenant's saved organisation, the clock and the channels.
    pub async fn new(
        store: Arc<S>,
        config: ServerConfig,
        clock: Arc<dyn Clock>,
        channels: Channels,
    ) -> Result<Service<S>, StartError> {
        config.validate()?;
        store.check_schema().await.map_err(|e| StartError::Store(schema_advice(&e, &config)))?;
        let tenants = config
            .tenants
            .iter()
            .map(|t| {
                TenantId::new(t.clone()).map_err(|e| StartError::Tenant(format!("tenants: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let policy = load_policy(&*store, &tenants).await?;
        let lang = if config.lang == "en" { Lang::En } else { Lang::Zh };
        let mut orgs = Vec::new();
        for tenant in &tenants {
            orgs.push(load_org(&*store, tenant).await?);
        }
        let engine = build(&store, &channels, &clock, policy, lang, orgs);
        let refresh = Duration::from_secs(config.token_refresh_seconds);
        Ok(Service {
            engine: RwLock::new(Arc::new(engine)),
            store,
            clock,
            channels,
            config,
            tenants,
            lang,
            metrics: Metrics::new(),
            tokens: TokenCache {
                refresh,
                index: RwLock::new(None),
                refreshing: tokio::sync::Mutex::new(()),
            },
        })
    }

    /// The engine as it stands (a policy change replaces it).
    pub fn engine(&self) -> Arc<ServiceEngine<S>> {
        self.engine.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Replaces the policy: a new engine with the same store, channels, clock and organisations.
    pub(crate) fn replace_policy(
        &self,
        policy: Policy,
    ) -> Result<(), hazardloop_core::engine::EngineError> {
        let current = self.engine();
        let orgs = self
            .tenants
            .iter()
            .map(|t| current.org(t).map(|o| (*o).clone()))
            .collect::<Result<Vec<_>, _>>()?;
        let engine = build(&self.store, &self.channels, &self.clock, policy, self.lang, orgs);
        *self.engine.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(engine);
        Ok(())
    }

    /// True when this process serves `tenant`.
    pub fn serves(&self, tenant: &TenantId) -> bool {
        self.tenants.contains(tenant)
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// The token `id`, with its tenant, from the served tenants' token books (read again when
    /// older than `token_refresh_seconds`; requests meanwhile share one read-only index).
    pub(crate) async fn token(
        &self,
        id: &str,
    ) -> Result<Option<Arc<(TenantId, TokenRecord)>>, StoreError> {
        let lookup = |index: &TokenIndex| index.1.get(id).cloned();
        if let Some(index) = self.tokens.fresh() {
            return Ok(lookup(&index));
        }
        // One reader refreshes; the others wait for it and use what it read.
        let _refreshing = self.tokens.refreshing.lock().await;
        if let Some(index) = self.tokens.fresh() {
            return Ok(lookup(&index));
        }
        let mut all = HashMap::new();
        for tenant in &self.tenants {
            let book = TokenBook::load(&*self.store, tenant).await.map_err(|e| match e {
                crate::tokens::TokenError::Store(s) => s,
                other => StoreError::Backend(other.to_string()),
            })?;
            for t in book.tokens {
                all.insert(t.id.clone(), Arc::new((tenant.clone(), t)));
            }
        }
        let index = Arc::new((Instant::now(), all));
        *self.tokens.index.write().unwrap_or_else(PoisonError::into_inner) = Some(index.clone());
        Ok(lookup(&index))
    }
}

/// Every served tenant's tokens by id, and when they were read.
type TokenIndex = (Instant, HashMap<String, Arc<(TenantId, TokenRecord)>>);

/// The token books, read at most every `refresh`.
struct TokenCache {
    refresh: Duration,
    index: RwLock<Option<Arc<TokenIndex>>>,
    refreshing: tokio::sync::Mutex<()>,
}

impl TokenCache {
    /// The index, if it was read less than `refresh` ago.
    fn fresh(&self) -> Option<Arc<TokenIndex>> {
        let index = self.index.read().unwrap_or_else(PoisonError::into_inner);
        index.as_ref().filter(|i| i.0.elapsed() < self.refresh).cloned()
    }
}

fn build<S: ServedStore>(
    store: &Arc<S>,
    channels: &Channels,
    clock: &Arc<dyn Clock>,
    policy: Policy,
    lang: Lang,
    orgs: Vec<Org>,
) -> ServiceEngine<S> {
    let engine =
        Engine::new(store.clone(), channels.clone(), clock.clone(), policy).with_lang(lang);
    orgs.into_iter().fold(engine, Engine::with_org)
}

/// The service's policy: the one saved for the first tenant, else the default.
pub(crate) async fn load_policy<S: ServedStore>(
    store: &S,
    tenants: &[TenantId],
) -> Result<Policy, StartError> {
    let first = tenants.first().ok_or_else(|| StartError::Tenant("no tenant".into()))?;
    match store.document(first, POLICY_DOC).await.map_err(|e| StartError::Store(e.to_string()))? {
        Some(text) => Policy::from_toml(&text)
            .map_err(|e| StartError::Tenant(format!("the saved policy of {first}: {e}"))),
        None => Ok(Policy::default()),
    }
}

/// A tenant's saved organisation.
pub(crate) async fn load_org<S: ServedStore>(
    store: &S,
    tenant: &TenantId,
) -> Result<Org, StartError> {
    let text = store
        .document(tenant, ORG_DOC)
        .await
        .map_err(|e| StartError::Store(e.to_string()))?
        .ok_or_else(|| {
            StartError::Tenant(format!(
                "tenant {tenant} has no organisation in the store; run `hazardloop --tenant {tenant} init` first"
            ))
        })?;
    let config: OrgConfig = serde_json::from_str(&text)
        .map_err(|e| StartError::Tenant(format!("the saved organisation of {tenant}: {e}")))?;
    Org::from_config(tenant.clone(), config)
        .map_err(|e| StartError::Tenant(format!("the saved organisation of {tenant}: {e}")))
}

/// What to do about a store that is not ready: the command that migrates it.
fn schema_advice(e: &StoreError, config: &ServerConfig) -> String {
    match e {
        StoreError::Schema(_) => format!(
            "the store's schema is not this build's ({e}); migrate it first with \
             `hazardloop-server --db {} migrate`, then start again",
            if config.is_postgres() { "<the PostgreSQL URL>" } else { config.db.as_str() }
        ),
        other => format!("the store is not reachable: {other}"),
    }
}
