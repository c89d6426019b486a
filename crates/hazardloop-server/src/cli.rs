//! The command line of the service: `serve`, `migrate` and `token`, shared by the
//! `hazardloop-server` binary and `hazardloop serve` / `hazardloop token`.

use std::path::PathBuf;
use std::sync::Arc;

use hazardloop_core::clock::{Clock, SystemClock};
use hazardloop_core::model::{PersonId, TenantId};
use hazardloop_postgres::PgStore;
use hazardloop_sqlite::SqliteStore;

use crate::config::ServerConfig;
use crate::state::{load_org, load_policy, Service, StartError};
use crate::store::{FileOwner, ServedStore};
use crate::tokens::{Grant, SpeaksFor, TokenBook};

/// `serve`: options over the configuration file and the environment.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct ServeArgs {
    /// The configuration file (TOML); `HAZARDLOOP_*` variables override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Address to listen on (overrides the file and HAZARDLOOP_LISTEN).
    #[arg(long)]
    pub listen: Option<String>,
    /// Tenants to serve, comma-separated (overrides the file and HAZARDLOOP_TENANTS).
    #[arg(long, value_delimiter = ',')]
    pub tenants: Vec<String>,
    /// Seconds between sweeps (overrides the file).
    #[arg(long)]
    pub sweep_every: Option<u64>,
}

/// `token`: make, list and revoke API tokens of a tenant.
#[derive(Clone, Debug, clap::Subcommand)]
pub enum TokenCmd {
    /// Makes a token and prints it once (only its hash is kept).
    Create {
        /// Bind it to this person of the organisation.
        #[arg(long, conflicts_with = "host")]
        person: Option<String>,
        /// Or bind it to a host system of this name, which names the person per request.
        #[arg(long)]
        host: Option<String>,
        /// Whom the host may speak for: `*`, `person:<id>` or `unit:<id>` (repeatable).
        #[arg(long = "speaks-for", requires = "host")]
        speaks_for: Vec<String>,
        /// A label for people.
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Lists the tenant's tokens (never their secrets).
    List,
    /// Revokes a token by its id.
    Revoke {
        /// The token's id (16 hex digits).
        id: String,
    },
}

/// The configuration from `args` (file, then environment, then flags), with `db` when given.
pub fn configuration(db: Option<&str>, args: &ServeArgs) -> Result<ServerConfig, StartError> {
    let mut config = match &args.config {
        Some(path) => ServerConfig::from_file(path)?,
        None => ServerConfig::default(),
    }
    .with_env()?;
    if let Some(db) = db {
        config.db = db.to_string();
    }
    if let Some(listen) = &args.listen {
        config.listen = listen.clone();
    }
    if !args.tenants.is_empty() {
        config.tenants = args.tenants.clone();
    }
    if let Some(every) = args.sweep_every {
        config.sweep_every_seconds = every;
    }
    config.validate()?;
    Ok(config)
}

/// Runs the service until SIGTERM.
pub async fn serve(config: ServerConfig) -> Result<(), StartError> {
    if config.is_postgres() {
        let store = PgStore::new(&config.db, config.pg_options())
            .map_err(|e| StartError::Store(e.to_string()))?;
        run_on(Arc::new(store), config, None).await
    } else {
        let owner = FileOwner::take(&config.db).map_err(StartError::Owned)?;
        let store = SqliteStore::open(&config.db)
            .map_err(|e| StartError::Store(format!("{}: {e}", config.db)))?;
        run_on(Arc::new(store), config, Some(owner)).await
    }
}

async fn run_on<S: ServedStore>(
    store: Arc<S>,
    config: ServerConfig,
    owner: Option<FileOwner>,
) -> Result<(), StartError> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let tenants: Vec<TenantId> =
        config.tenants.iter().filter_map(|t| TenantId::new(t.clone()).ok()).collect();
    let tz = load_policy(&*store, &tenants)
        .await
        .map(|p| p.calendar().time_zone())
        .unwrap_or(chrono_tz::Asia::Shanghai);
    let channels =
        crate::channels::build(&config.channels, clock.clone(), tz, |n| std::env::var(n).ok())?;
    let listen = config.listen.clone();
    let service = Arc::new(Service::new(store, config, clock, channels).await?);
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| StartError::Setup(format!("cannot listen on {listen}: {e}")))?;
    let local = listener.local_addr().map_err(|e| StartError::Setup(e.to_string()))?;
    tracing::info!(address = %local, store = service.store.kind(), "hazardloop-server listening");
    // The first line on stdout says where it listens (tests and scripts read it).
    println!("listening on http://{local}");
    crate::serve::serve(service, listener, crate::serve::terminated())
        .await
        .map_err(|e| StartError::Setup(e.to_string()))?;
    drop(owner);
    tracing::info!("stopped");
    Ok(())
}

/// `migrate`: brings the store's schema to this build's.
pub async fn migrate(db: &str) -> Result<String, StartError> {
    if crate::config::is_postgres(db) {
        let store =
            PgStore::new(db, env_pg_options()).map_err(|e| StartError::Store(e.to_string()))?;
        let before = store.migrate().await.map_err(|e| StartError::Store(e.to_string()))?;
        Ok(format!("schema migrated (was version {before})"))
    } else {
        let store = SqliteStore::open(db).map_err(|e| StartError::Store(format!("{db}: {e}")))?;
        store.migrate().map_err(|e| StartError::Store(e.to_string()))?;
        Ok("schema is current".into())
    }
}

/// `token …` on the store `db` for `tenant`: the text to print.
pub async fn token(db: &str, tenant: &str, cmd: TokenCmd) -> Result<String, String> {
    let tenant = TenantId::new(tenant).map_err(|e| format!("--tenant: {e}"))?;
    if crate::config::is_postgres(db) {
        let store = PgStore::new(db, env_pg_options()).map_err(|e| e.to_string())?;
        token_on(&store, &tenant, cmd).await
    } else {
        let store = SqliteStore::open(db).map_err(|e| format!("{db}: {e}"))?;
        token_on(&store, &tenant, cmd).await
    }
}

async fn token_on<S: ServedStore>(
    store: &S,
    tenant: &TenantId,
    cmd: TokenCmd,
) -> Result<String, String> {
    // The token's times are the record's own; the CLI has no other clock.
    let now = SystemClock.now();
    match cmd {
        TokenCmd::Create { person, host, speaks_for, label } => {
            let org = load_org(store, tenant).await.map_err(|e| e.to_string())?;
            let grant = match (person, host) {
                (Some(p), None) => Grant::Person {
                    person: PersonId::new(p).map_err(|e| format!("--person: {e}"))?,
                },
                (None, Some(name)) => Grant::Host {
                    name,
                    speaks_for: speaks_for
                        .iter()
                        .map(|s| s.parse::<SpeaksFor>())
                        .collect::<Result<_, _>>()
                        .map_err(|e| e.to_string())?,
                },
                _ => return Err("give --person ID, or --host NAME with --speaks-for".into()),
            };
            let (record, token) = TokenBook::create(store, &org, grant, &label, now)
                .await
                .map_err(|e| e.to_string())?;
            Ok(format!(
                "token {} made for tenant {tenant}; it is shown this once, keep it secret:\n{token}\n",
                record.id
            ))
        }
        TokenCmd::List => {
            let book = TokenBook::load(store, tenant).await.map_err(|e| e.to_string())?;
            let mut text = String::new();
            for t in &book.tokens {
                let bound = match &t.grant {
                    Grant::Person { person } => format!("person {person}"),
                    Grant::Host { name, speaks_for } => format!("host {name} for {speaks_for:?}"),
                };
                let state = t
                    .revoked_at
                    .map_or("active".to_string(), |at| format!("revoked {}", at.to_rfc3339()));
                text += &format!(
                    "{}  {}  {}  {}  {}\n",
                    t.id,
                    bound,
                    t.label,
                    t.created_at.to_rfc3339(),
                    state
                );
            }
            Ok(text)
        }
        TokenCmd::Revoke { id } => {
            let r = TokenBook::revoke(store, tenant, &id, now).await.map_err(|e| e.to_string())?;
            Ok(format!("token {} revoked\n", r.id))
        }
    }
}

/// `console-code`: a one-time login code for `person` of `tenant`, good for `minutes`, and
/// where to use it.
pub async fn console_code(
    db: &str,
    tenant: &str,
    person: &str,
    minutes: u32,
) -> Result<String, String> {
    let tenant = TenantId::new(tenant).map_err(|e| format!("--tenant: {e}"))?;
    let person = PersonId::new(person).map_err(|e| format!("--person: {e}"))?;
    if !(1..=24 * 60).contains(&minutes) {
        return Err(format!("--minutes: {minutes} is not 1–1440"));
    }
    let ttl = chrono::Duration::minutes(i64::from(minutes));
    let code = if crate::config::is_postgres(db) {
        let store = PgStore::new(db, env_pg_options()).map_err(|e| e.to_string())?;
        let org = load_org(&store, &tenant).await.map_err(|e| e.to_string())?;
        hazardloop_console::issue_login_code_in(&store, &org, &person, ttl, SystemClock.now()).await
    } else {
        let store = SqliteStore::open(db).map_err(|e| format!("{db}: {e}"))?;
        let org = load_org(&store, &tenant).await.map_err(|e| e.to_string())?;
        hazardloop_console::issue_login_code_in(&store, &org, &person, ttl, SystemClock.now()).await
    };
    let code = code.map_err(|e| e.to_string())?;
    Ok(format!(
        "登录码（{person}，{minutes} 分钟内有效，仅可使用一次）/ login code for {person}, good once within {minutes} minutes:\n{code}\n\
         在 /console/login 登录 / sign in at /console/login\n"
    ))
}

/// The PostgreSQL options of `migrate` and `token`: the schema from `HAZARDLOOP_PG_SCHEMA`, as
/// `serve` reads it.
fn env_pg_options() -> hazardloop_postgres::PgOptions {
    crate::config::pg_options(std::env::var("HAZARDLOOP_PG_SCHEMA").ok().as_deref())
}
