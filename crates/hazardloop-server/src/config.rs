//! The service's configuration: a TOML file, then environment variables over it.
//!
//! ```toml
//! listen = "127.0.0.1:8080"
//! db = "./hazardloop.db"              # or postgres://user@host/db
//! tenants = ["default"]
//! lang = "zh"
//! sweep_every_seconds = 60
//! dispatch_every_seconds = 5
//! token_refresh_seconds = 1
//! cors_origins = []                   # CORS stays off unless origins are named
//!
//! [[channels]]
//! kind = "webhook"                    # webhook | wecom | dingtalk | email
//! url = "https://ops.school.example.cn/hazards"
//! secret_env = "HAZARDLOOP_WEBHOOK_SECRET"   # secrets come from the environment only
//!
//! [[channels]]
//! kind = "dingtalk"
//! token_env = "HAZARDLOOP_DINGTALK_TOKEN"
//! per_minute = 10                     # optional: a share of the robot's documented 20 a minute
//! ```
//!
//! Environment variables: `HAZARDLOOP_LISTEN`, `HAZARDLOOP_DB`, `HAZARDLOOP_PG_SCHEMA`, `HAZARDLOOP_TENANTS`
//! (comma-separated), `HAZARDLOOP_SWEEP_EVERY_SECONDS`, `HAZARDLOOP_DISPATCH_EVERY_SECONDS`,
//! `HAZARDLOOP_CORS_ORIGINS` (comma-separated).

use std::path::Path;

use serde::{Deserialize, Serialize};

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A value is wrong; the message names the key.
    #[error("configuration: {0}")]
    Invalid(String),
}

/// A notification channel the dispatcher delivers through.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Channel {
    /// A signed JSON POST (`X-Hazardloop-Signature`) to the host's own endpoint.
    Webhook {
        /// The endpoint.
        url: String,
        /// The environment variable holding the signing secret.
        secret_env: String,
    },
    /// A WeCom (企业微信) group robot.
    Wecom {
        /// The environment variable holding the robot key.
        key_env: String,
        /// Another API base (for tests).
        #[serde(default)]
        base_url: Option<String>,
        /// Messages a minute the robot is sent, when not the documented 20 (a robot shared
        /// with another system gets a smaller share).
        #[serde(default)]
        per_minute: Option<u32>,
        /// The largest body, in bytes, when not the documented limit; larger ones go in parts.
        #[serde(default)]
        max_body_bytes: Option<usize>,
    },
    /// A DingTalk (钉钉) group robot.
    Dingtalk {
        /// The environment variable holding the access token.
        token_env: String,
        /// The environment variable holding the signing secret, if the robot signs.
        #[serde(default)]
        secret_env: Option<String>,
        /// Another API base (for tests).
        #[serde(default)]
        base_url: Option<String>,
        /// Messages a minute the robot is sent, when not the documented 20 (a robot shared
        /// with another system gets a smaller share).
        #[serde(default)]
        per_minute: Option<u32>,
        /// The largest body, in bytes, when not the documented limit; larger ones go in parts.
        #[serde(default)]
        max_body_bytes: Option<usize>,
    },
    /// SMTP email.
    Email {
        /// The SMTP host.
        host: String,
        /// Its port (the security mode's default when absent).
        #[serde(default)]
        port: Option<u16>,
        /// `none`, `starttls` or `tls`.
        #[serde(default = "default_security")]
        security: String,
        /// The sender address.
        from: String,
        /// The environment variable holding `user:password`, if the server wants a login.
        #[serde(default)]
        credentials_env: Option<String>,
    },
}

fn default_security() -> String {
    "starttls".into()
}

/// The service's configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: String,
    /// The store: a SQLite file path (the default `./hazardloop.db`) or a PostgreSQL URL.
    pub db: String,
    /// The PostgreSQL schema of the store (several deployments can share one database); the
    /// store's default (`hazardloop`) when absent. `HAZARDLOOP_PG_SCHEMA` overrides it.
    pub pg_schema: Option<String>,
    /// The tenants this process serves (their organisations must be saved in the store).
    pub tenants: Vec<String>,
    /// Language of notices and of `detail` when a client asks for neither (`zh` or `en`).
    pub lang: String,
    /// Seconds between sweeps (a rung fires within this long of its instant).
    pub sweep_every_seconds: u64,
    /// Seconds between outbox dispatches when the outbox was empty.
    pub dispatch_every_seconds: u64,
    /// Seconds a token list read from the store is trusted before it is read again (0 reads
    /// it on every request; a revoked token stops working within this long).
    pub token_refresh_seconds: u64,
    /// Origins allowed by CORS; none (the default) leaves CORS off.
    pub cors_origins: Vec<String>,
    /// Seconds a request may take to finish after SIGTERM before the process exits anyway.
    pub shutdown_grace_seconds: u64,
    /// Notification channels; none means the outbox is kept but not delivered.
    pub channels: Vec<Channel>,
    /// Where the web console (`/console`) stores uploaded photos (default `./evidence`).
    pub console_evidence_dir: String,
    /// Mark the console's session cookie `Secure` (set it when served over TLS; a request
    /// carrying `X-Forwarded-Proto: https` gets it anyway).
    pub console_secure_cookies: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".into(),
            db: "./hazardloop.db".into(),
            pg_schema: None,
            tenants: vec!["default".into()],
            lang: "zh".into(),
            sweep_every_seconds: 60,
            dispatch_every_seconds: 5,
            token_refresh_seconds: 1,
            cors_origins: Vec::new(),
            shutdown_grace_seconds: 30,
            channels: Vec::new(),
            console_evidence_dir: "./evidence".into(),
            console_secure_cookies: false,
        }
    }
}

impl ServerConfig {
    /// From a TOML text.
    pub fn from_toml(text: &str) -> Result<ServerConfig, ConfigError> {
        let config: ServerConfig =
            toml::from_str(text).map_err(|e| ConfigError::Invalid(e.message().to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// From a TOML file.
    pub fn from_file(path: &Path) -> Result<ServerConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        ServerConfig::from_toml(&text)
    }

    /// With the environment's `HAZARDLOOP_*` variables over it.
    pub fn with_env(self) -> Result<ServerConfig, ConfigError> {
        self.with_vars(|name| std::env::var(name).ok())
    }

    /// With variables from `var` over it (the environment, or a map in tests).
    pub fn with_vars(
        mut self,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<ServerConfig, ConfigError> {
        let list = |text: String| -> Vec<String> {
            text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
        };
        let seconds = |name: &str, text: String| -> Result<u64, ConfigError> {
            text.parse().map_err(|_| {
                ConfigError::Invalid(format!("{name}: `{text}` is not a number of seconds"))
            })
        };
        if let Some(v) = var("HAZARDLOOP_LISTEN") {
            self.listen = v;
        }
        if let Some(v) = var("HAZARDLOOP_DB") {
            self.db = v;
        }
        if let Some(v) = var("HAZARDLOOP_PG_SCHEMA") {
            self.pg_schema = Some(v);
        }
        if let Some(v) = var("HAZARDLOOP_TENANTS") {
            self.tenants = list(v);
        }
        if let Some(v) = var("HAZARDLOOP_CORS_ORIGINS") {
            self.cors_origins = list(v);
        }
        if let Some(v) = var("HAZARDLOOP_SWEEP_EVERY_SECONDS") {
            self.sweep_every_seconds = seconds("HAZARDLOOP_SWEEP_EVERY_SECONDS", v)?;
        }
        if let Some(v) = var("HAZARDLOOP_DISPATCH_EVERY_SECONDS") {
            self.dispatch_every_seconds = seconds("HAZARDLOOP_DISPATCH_EVERY_SECONDS", v)?;
        }
        self.validate()?;
        Ok(self)
    }

    /// Checks the values: a name for each that is wrong.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.tenants.is_empty() {
            return Err(ConfigError::Invalid("tenants: name at least one tenant".into()));
        }
        if self.sweep_every_seconds == 0 || self.dispatch_every_seconds == 0 {
            return Err(ConfigError::Invalid(
                "sweep_every_seconds and dispatch_every_seconds must be at least 1".into(),
            ));
        }
        if !matches!(self.lang.as_str(), "zh" | "en") {
            return Err(ConfigError::Invalid(format!(
                "lang: `{}` is neither zh nor en",
                self.lang
            )));
        }
        Ok(())
    }

    /// True when `db` names PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        is_postgres(&self.db)
    }

    /// The PostgreSQL store's options: its schema, when one is named.
    pub fn pg_options(&self) -> hazardloop_postgres::PgOptions {
        pg_options(self.pg_schema.as_deref())
    }
}

/// True when `db` is a PostgreSQL URL.
pub fn is_postgres(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// PostgreSQL options with `schema` when given.
pub fn pg_options(schema: Option<&str>) -> hazardloop_postgres::PgOptions {
    let options = hazardloop_postgres::PgOptions::default();
    match schema {
        Some(schema) => options.schema(schema),
        None => options,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_environment_overrides_the_file() {
        let config =
            ServerConfig::from_toml("listen = \"0.0.0.0:9000\"\ntenants = [\"a\"]").unwrap();
        let config = config
            .with_vars(|name| match name {
                "HAZARDLOOP_TENANTS" => Some("a, b".into()),
                "HAZARDLOOP_SWEEP_EVERY_SECONDS" => Some("5".into()),
                "HAZARDLOOP_PG_SCHEMA" => Some("county_a".into()),
                _ => None,
            })
            .unwrap();
        assert_eq!(config.listen, "0.0.0.0:9000");
        assert_eq!(config.tenants, ["a", "b"]);
        assert_eq!(config.sweep_every_seconds, 5);
        assert_eq!(config.pg_options().schema, "county_a");
        assert_eq!(
            ServerConfig::default().pg_options().schema,
            hazardloop_postgres::PgOptions::default().schema
        );
    }

    #[test]
    fn a_typo_names_its_key_and_a_bad_value_is_refused() {
        let e = ServerConfig::from_toml("listn = \"x\"").unwrap_err().to_string();
        assert!(e.contains("listn"), "{e}");
        let e = ServerConfig::default()
            .with_vars(|n| (n == "HAZARDLOOP_SWEEP_EVERY_SECONDS").then(|| "soon".into()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("HAZARDLOOP_SWEEP_EVERY_SECONDS"), "{e}");
        let channels = "[[channels]]\nkind = \"webhook\"\nurl = \"http://x\"\nsecret = \"inline\"";
        assert!(ServerConfig::from_toml(channels).is_err(), "secrets are never in the file");
    }
}
