//! Connection options: pool size, schema, leases, and an optional tenant scope for the
//! cross-tenant scans.

use chrono::Duration;
use hazardloop_core::model::TenantId;

use crate::PgError;

/// The longest schema name: `<schema>_outbox` must fit PostgreSQL's 63-byte identifiers.
pub(crate) const MAX_SCHEMA_LEN: usize = 56;

/// The schema used when none is given.
pub const DEFAULT_SCHEMA: &str = "hazardloop";

/// How a [`PgStore`](crate::PgStore) connects and behaves.
#[derive(Clone, Debug, PartialEq)]
pub struct PgOptions {
    /// Connections in the pool (default 16). Size it to the engine tasks that run at once.
    pub pool_size: usize,
    /// The schema holding every table of the store (default `hazardloop`). A plain identifier:
    /// an ASCII letter or `_`, then letters, digits or `_`, at most 56 bytes (so the
    /// notification channel `<schema>_outbox` fits PostgreSQL's 63-byte names).
    pub schema: String,
    /// How long a due clock handed out by [`Store::due`](hazardloop_core::store::Store::due)
    /// stays hidden from other sweepers, measured from the sweep's own `now` (default 5
    /// minutes). A sweeper that dies mid-page leaves its clocks to others after this.
    pub due_lease: Duration,
    /// Restricts the cross-tenant scans (`due`, `claim_outbox`) to these tenants, so engine
    /// processes can split the tenants between them, or run one loop per tenant on Citus
    /// (`None`: all tenants, the default).
    pub tenants: Option<Vec<TenantId>>,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions {
            pool_size: 16,
            schema: DEFAULT_SCHEMA.to_owned(),
            due_lease: Duration::minutes(5),
            tenants: None,
        }
    }
}

impl PgOptions {
    /// With another pool size.
    pub fn pool_size(mut self, size: usize) -> PgOptions {
        self.pool_size = size;
        self
    }

    /// With another schema.
    pub fn schema(mut self, schema: impl Into<String>) -> PgOptions {
        self.schema = schema.into();
        self
    }

    /// With the cross-tenant scans limited to `tenants`.
    pub fn tenants(mut self, tenants: impl IntoIterator<Item = TenantId>) -> PgOptions {
        self.tenants = Some(tenants.into_iter().collect());
        self
    }

    /// Checks the options: a usable pool size and a plain identifier for the schema.
    pub fn validate(&self) -> Result<(), PgError> {
        if self.pool_size == 0 {
            return Err(PgError::Config("pool_size must be at least 1".into()));
        }
        if self.due_lease <= Duration::zero() {
            return Err(PgError::Config("due_lease must be positive".into()));
        }
        validate_schema(&self.schema)
    }
}

/// Accepts `[A-Za-z_][A-Za-z0-9_]*`, 1 to 56 bytes, not starting with `pg_` (reserved).
/// The name is spliced into SQL, so nothing else gets through.
pub(crate) fn validate_schema(name: &str) -> Result<(), PgError> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !first_ok
        || !rest_ok
        || name.len() > MAX_SCHEMA_LEN
        || name.to_ascii_lowercase().starts_with("pg_")
    {
        return Err(PgError::InvalidSchema(name.to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_must_be_plain_identifiers() {
        for good in ["hazardloop", "_t1", "HL_2025", "a"] {
            assert!(validate_schema(good).is_ok(), "{good}");
        }
        let long = "a".repeat(57);
        assert!(validate_schema(&"a".repeat(56)).is_ok());
        for bad in
            ["", "1abc", "a-b", "a b", "a;drop", "\"x\"", "pg_catalog", "模式", long.as_str()]
        {
            assert!(matches!(validate_schema(bad), Err(PgError::InvalidSchema(_))), "{bad}");
        }
    }

    #[test]
    fn a_pool_of_zero_is_refused() {
        assert!(PgOptions::default().pool_size(0).validate().is_err());
        assert!(PgOptions::default().validate().is_ok());
    }
}
