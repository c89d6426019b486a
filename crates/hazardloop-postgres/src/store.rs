//! [`PgStore`]: the pool, the schema's statements, and the [`Store`] implementation.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use hazardloop_core::model::{HazardId, MessageId, TenantId};
use hazardloop_core::report::{Bounds, CellTally};
use hazardloop_core::store::{
    Claimed, Commit, Committed, Due, HazardRecord, IdempotentResult, LedgerPage, LedgerQuery,
    OutboxMessage, OutboxStatus, Settlement, Snapshot, Store, StoreError,
};
use uuid::Uuid;

use crate::error::pool;
use crate::listen::{connector, Connect, OutboxListener};
use crate::sql::Sql;
use crate::{migrate, PgError, PgOptions};

/// A [`Store`] on PostgreSQL: a pool of connections, every table in one schema of its own.
///
/// Cheap to clone (the pool is shared). Several engine processes, each with its own
/// `PgStore`, can use one database: the sweep and the dispatcher claim their work with
/// `FOR UPDATE SKIP LOCKED` and short leases, and every commit checks the hazard's version.
#[derive(Clone)]
pub struct PgStore {
    pub(crate) pool: Pool,
    pub(crate) sql: Arc<Sql>,
    /// Identifies this store's due-clock claims, so it never hides clocks from itself.
    pub(crate) claimer: Uuid,
    pub(crate) due_lease: Duration,
    pub(crate) tenants: Option<Vec<String>>,
    /// Opens a dedicated connection for LISTEN (`None` for a host's pool).
    pub(crate) listen: Option<Connect>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("schema", &self.sql.schema)
            .field("pool", &self.pool.status())
            .field("claimer", &self.claimer)
            .finish()
    }
}

impl PgStore {
    /// A store over `url` (`postgres://user@host:port/db`), connecting lazily: nothing is
    /// connected or created until the first call. Run [`PgStore::migrate`] once before use.
    pub fn new(url: &str, options: PgOptions) -> Result<PgStore, PgError> {
        let config: tokio_postgres::Config =
            url.parse().map_err(|e| PgError::Config(format!("connection URL: {e}")))?;
        let listen = connector(config.clone(), tokio_postgres::NoTls);
        let manager = Manager::from_config(config, tokio_postgres::NoTls, manager_config());
        PgStore::with_manager(manager, options, listen)
    }

    /// A store over `url` with TLS through rustls, using `tls` (roots, client certificates).
    #[cfg(feature = "tls")]
    pub fn new_tls(
        url: &str,
        options: PgOptions,
        tls: rustls::ClientConfig,
    ) -> Result<PgStore, PgError> {
        let config: tokio_postgres::Config =
            url.parse().map_err(|e| PgError::Config(format!("connection URL: {e}")))?;
        let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls);
        let listen = connector(config.clone(), tls.clone());
        let manager = Manager::from_config(config, tls, manager_config());
        PgStore::with_manager(manager, options, listen)
    }

    /// A store over a pool the host already has (its size is the host's; `options.pool_size`
    /// is not used). [`PgStore::listen_outbox`] is not available on such a store.
    pub fn from_pool(pool: Pool, options: PgOptions) -> Result<PgStore, PgError> {
        options.validate()?;
        Ok(PgStore {
            pool,
            sql: Arc::new(Sql::new(&options.schema)),
            claimer: Uuid::new_v4(),
            due_lease: options.due_lease,
            tenants: options.tenants.map(|t| t.into_iter().map(String::from).collect()),
            listen: None,
        })
    }

    fn with_manager(
        manager: Manager,
        options: PgOptions,
        listen: Connect,
    ) -> Result<PgStore, PgError> {
        options.validate()?;
        let pool = Pool::builder(manager)
            .max_size(options.pool_size)
            .build()
            .map_err(|e| PgError::Config(format!("pool: {e}")))?;
        Ok(PgStore { listen: Some(listen), ..PgStore::from_pool(pool, options)? })
    }

    /// Opens a dedicated connection (outside the pool) that wakes when outbox messages are
    /// added, so a dispatcher can wait for work instead of polling. Not available on a store
    /// made with [`PgStore::from_pool`].
    pub async fn listen_outbox(&self) -> Result<OutboxListener, StoreError> {
        match &self.listen {
            Some(connect) => OutboxListener::open(connect, &self.sql.schema).await,
            None => Err(StoreError::Backend(
                "listen_outbox needs a store made by PgStore::new (no connection settings)".into(),
            )),
        }
    }

    /// The schema the store's tables live in.
    pub fn schema(&self) -> &str {
        &self.sql.schema
    }

    /// The connection pool (for its status, or to share it with the host).
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Creates or upgrades the store's schema to this build's
    /// [`SCHEMA_VERSION`](crate::SCHEMA_VERSION), in one transaction under an advisory lock
    /// (concurrent calls from several processes are safe). Returns the version found before.
    ///
    /// A schema newer than this build is refused with [`StoreError::Schema`].
    pub async fn migrate(&self) -> Result<u32, StoreError> {
        let mut client = self.client().await?;
        migrate::migrate(&mut client, &self.sql.schema).await
    }

    /// Checks that the schema is at this build's version: [`StoreError::Schema`] when it is
    /// missing, older (run [`PgStore::migrate`]) or newer (upgrade hazardloop).
    pub async fn check_schema(&self) -> Result<u32, StoreError> {
        let client = self.client().await?;
        migrate::check(&client, &self.sql.schema).await
    }

    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(pool)
    }
}

fn manager_config() -> ManagerConfig {
    // Fast: a connection that failed is dropped by the driver; no probe query per checkout.
    ManagerConfig { recycling_method: RecyclingMethod::Fast }
}

impl Store for PgStore {
    async fn commit(&self, commit: Commit) -> Result<Committed, StoreError> {
        crate::commit::commit(self, commit).await
    }

    async fn commit_many(&self, commits: Vec<Commit>) -> Vec<Result<(), StoreError>> {
        crate::commit::commit_many(self, commits).await
    }

    async fn find_number(
        &self,
        tenant: &TenantId,
        number: &str,
    ) -> Result<Option<HazardId>, StoreError> {
        crate::read::find_number(self, tenant, number).await
    }

    async fn load(
        &self,
        tenant: &TenantId,
        hazard: HazardId,
    ) -> Result<Option<HazardRecord>, StoreError> {
        crate::read::load(self, tenant, hazard).await
    }

    async fn snapshot(
        &self,
        tenant: &TenantId,
        hazard: HazardId,
    ) -> Result<Option<Snapshot>, StoreError> {
        crate::read::snapshot(self, tenant, hazard).await
    }

    async fn ledger(
        &self,
        tenant: &TenantId,
        query: &LedgerQuery,
    ) -> Result<LedgerPage, StoreError> {
        crate::ledger::ledger(self, tenant, query).await
    }

    /// One statement counting in the database, to the nanosecond (the `tally` module).
    async fn tally(
        &self,
        tenant: &TenantId,
        bounds: Bounds,
        now: DateTime<Utc>,
    ) -> Result<Vec<CellTally>, StoreError> {
        crate::tally::tally(self, tenant, bounds, now).await
    }

    async fn due(
        &self,
        before: DateTime<Utc>,
        after: Option<&Due>,
        limit: usize,
    ) -> Result<Vec<Due>, StoreError> {
        crate::claim::due(self, before, after, limit).await
    }

    async fn idempotent(
        &self,
        tenant: &TenantId,
        key: &str,
    ) -> Result<Option<IdempotentResult>, StoreError> {
        crate::read::idempotent(self, tenant, key).await
    }

    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<Claimed>, StoreError> {
        crate::claim::claim_outbox(self, now, limit, lease_until).await
    }

    async fn settle(
        &self,
        id: MessageId,
        token: u64,
        settlement: Settlement,
    ) -> Result<bool, StoreError> {
        crate::claim::settle(self, id, token, settlement).await
    }

    async fn settle_many(
        &self,
        settlements: Vec<(MessageId, u64, Settlement)>,
    ) -> Vec<Result<bool, StoreError>> {
        crate::claim::settle_many(self, settlements).await
    }

    async fn outbox(
        &self,
        tenant: &TenantId,
        status: OutboxStatus,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        crate::read::outbox(self, tenant, status).await
    }

    async fn put_document(
        &self,
        tenant: &TenantId,
        name: &str,
        body: &str,
    ) -> Result<(), StoreError> {
        crate::read::put_document(self, tenant, name, body).await
    }

    async fn document(&self, tenant: &TenantId, name: &str) -> Result<Option<String>, StoreError> {
        crate::read::document(self, tenant, name).await
    }
}
