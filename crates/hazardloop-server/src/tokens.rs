//! API tokens: 256 random bits each, kept in the store only as a SHA-256 hash, per tenant, in
//! the document `server.tokens`. A token is bound to a person of the organisation, or to a host
//! system that acts for the people it is allowed to speak for (named per request in the
//! `X-Acting-For` header).
//!
//! The token a client sends is `hl_<id>_<secret>`: the id (16 hex digits) finds the record, the
//! secret (64 hex digits) is checked against its hash in constant time. The id is recorded on
//! every event the token's requests write; the secret is shown once, when the token is made.

use chrono::{DateTime, Utc};
use hazardloop_core::model::{PersonId, TenantId, UnitId};
use hazardloop_core::org::Org;
use hazardloop_core::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The store document holding a tenant's tokens.
pub const TOKENS_DOC: &str = "server.tokens";

/// Whom a host token may speak for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpeaksFor {
    /// Every person of the organisation.
    Anyone,
    /// One person.
    Person(PersonId),
    /// Every person whose unit is this unit or below it.
    Unit(UnitId),
}

impl std::str::FromStr for SpeaksFor {
    type Err = TokenError;
    /// `*`, `person:<id>` or `unit:<id>`.
    fn from_str(text: &str) -> Result<SpeaksFor, TokenError> {
        let bad = |e: String| TokenError::Invalid(format!("--speaks-for `{text}`: {e}"));
        match text.split_once(':') {
            _ if text == "*" => Ok(SpeaksFor::Anyone),
            Some(("person", id)) => {
                PersonId::new(id).map(SpeaksFor::Person).map_err(|e| bad(e.to_string()))
            }
            Some(("unit", id)) => {
                UnitId::new(id).map(SpeaksFor::Unit).map_err(|e| bad(e.to_string()))
            }
            _ => Err(bad("use *, person:<id> or unit:<id>".into())),
        }
    }
}

/// What a token is bound to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Grant {
    /// A person of the organisation: every request acts as them.
    Person {
        /// The person.
        person: PersonId,
    },
    /// A host system (a school's ERP, a campus app) acting for the person each request names.
    Host {
        /// The host's name, for the record.
        name: String,
        /// Whom it may speak for.
        speaks_for: Vec<SpeaksFor>,
    },
}

/// A stored token: never its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// The public id (16 hex digits), recorded on events.
    pub id: String,
    /// SHA-256 of the secret, hex.
    pub hash: String,
    /// A label for people (`教务系统`, `张安全员的手机`).
    pub label: String,
    /// What it is bound to.
    pub grant: Grant,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was revoked; a revoked token authenticates nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Why a token operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The input is wrong (an unknown person, a bad `--speaks-for`).
    #[error("{0}")]
    Invalid(String),
    /// No token with that id.
    #[error("no token {0}")]
    Unknown(String),
    /// The store failed, or its token document does not decode.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No random bits could be had from the operating system.
    #[error("no randomness: {0}")]
    Random(String),
}

/// A tenant's tokens.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenBook {
    /// Every token made, revoked ones included (the record says who did what through which).
    pub tokens: Vec<TokenRecord>,
}

impl TokenBook {
    /// The tenant's tokens as stored (an empty book when none were made).
    pub async fn load<S: Store>(store: &S, tenant: &TenantId) -> Result<TokenBook, TokenError> {
        match store.document(tenant, TOKENS_DOC).await? {
            None => Ok(TokenBook::default()),
            Some(text) => serde_json::from_str(&text)
                .map_err(|e| TokenError::Store(StoreError::Corrupt(format!("{TOKENS_DOC}: {e}")))),
        }
    }

    async fn save<S: Store>(&self, store: &S, tenant: &TenantId) -> Result<(), TokenError> {
        let text = serde_json::to_string(self)
            .map_err(|e| TokenError::Store(StoreError::Backend(e.to_string())))?;
        Ok(store.put_document(tenant, TOKENS_DOC, &text).await?)
    }

    /// Makes a token bound to `grant` (its people checked against `org`) and returns its record
    /// and the token to hand over, `hl_<id>_<secret>`, which is not kept anywhere.
    pub async fn create<S: Store>(
        store: &S,
        org: &Org,
        grant: Grant,
        label: &str,
        now: DateTime<Utc>,
    ) -> Result<(TokenRecord, String), TokenError> {
        let known = |p: &PersonId| {
            org.person(p)
                .map(|_| ())
                .ok_or_else(|| TokenError::Invalid(format!("no person {p} in the organisation")))
        };
        match &grant {
            Grant::Person { person } => known(person)?,
            Grant::Host { speaks_for, .. } => {
                if speaks_for.is_empty() {
                    return Err(TokenError::Invalid(
                        "a host token speaks for someone: give --speaks-for".into(),
                    ));
                }
                for s in speaks_for {
                    match s {
                        SpeaksFor::Person(p) => known(p)?,
                        SpeaksFor::Unit(u) if org.unit(u).is_none() => {
                            return Err(TokenError::Invalid(format!(
                                "no unit {u} in the organisation"
                            )))
                        }
                        _ => {}
                    }
                }
            }
        }
        let tenant = org.tenant();
        let mut book = TokenBook::load(store, tenant).await?;
        let mut bits = [0u8; 40];
        getrandom::fill(&mut bits).map_err(|e| TokenError::Random(e.to_string()))?;
        let (id, secret) = (hex::encode(&bits[..8]), hex::encode(&bits[8..]));
        if book.tokens.iter().any(|t| t.id == id) {
            return Err(TokenError::Random("two tokens drew the same id; try again".into()));
        }
        let record = TokenRecord {
            id: id.clone(),
            hash: hash(&secret),
            label: label.to_string(),
            grant,
            created_at: now,
            revoked_at: None,
        };
        book.tokens.push(record.clone());
        book.save(store, tenant).await?;
        Ok((record, format!("hl_{id}_{secret}")))
    }

    /// Revokes the token `id`; revoking it again changes nothing.
    pub async fn revoke<S: Store>(
        store: &S,
        tenant: &TenantId,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<TokenRecord, TokenError> {
        let mut book = TokenBook::load(store, tenant).await?;
        let record = book
            .tokens
            .iter_mut()
            .find(|t| t.id == id)
            .ok_or_else(|| TokenError::Unknown(id.to_string()))?;
        record.revoked_at.get_or_insert(now);
        let record = record.clone();
        book.save(store, tenant).await?;
        Ok(record)
    }
}

/// SHA-256 of a secret, hex.
fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// `(id, secret)` of a presented token, if it has the shape `hl_<16 hex>_<64 hex>`.
pub fn parse(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix("hl_")?;
    let (id, secret) = rest.split_once('_')?;
    let hexes = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hexes(id, 16) && hexes(secret, 64)).then_some((id, secret))
}

impl TokenRecord {
    /// True when `secret` is this token's (compared in constant time) and it is not revoked.
    pub fn accepts(&self, secret: &str) -> bool {
        let good: bool = hash(secret).as_bytes().ct_eq(self.hash.as_bytes()).into();
        good && self.revoked_at.is_none()
    }

    /// True when this host token may speak for `person` of `org`.
    pub fn may_speak_for(&self, person: &PersonId, org: &Org) -> bool {
        let Grant::Host { speaks_for, .. } = &self.grant else { return false };
        let unit = org.person(person).map(|p| &p.unit);
        speaks_for.iter().any(|s| match s {
            SpeaksFor::Anyone => unit.is_some(),
            SpeaksFor::Person(p) => p == person && unit.is_some(),
            SpeaksFor::Unit(u) => unit.is_some_and(|mine| org.is_within(mine, u)),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn only_the_documented_shape_parses() {
        let id = "0123456789abcdef";
        let secret = "a".repeat(64);
        assert_eq!(parse(&format!("hl_{id}_{secret}")), Some((id, secret.as_str())));
        assert_eq!(parse(&format!("hl_{id}_{}", "a".repeat(63))), None);
        assert_eq!(parse(&format!("xx_{id}_{secret}")), None);
        assert_eq!(parse("hl_"), None);
    }

    #[test]
    fn a_secret_is_checked_against_its_hash_and_revocation() {
        let mut record = TokenRecord {
            id: "0".repeat(16),
            hash: hash("s3cret"),
            label: String::new(),
            grant: Grant::Person { person: PersonId::new("zhang").unwrap() },
            created_at: DateTime::UNIX_EPOCH,
            revoked_at: None,
        };
        assert!(record.accepts("s3cret"));
        assert!(!record.accepts("s3cre7"));
        record.revoked_at = Some(DateTime::UNIX_EPOCH);
        assert!(!record.accepts("s3cret"));
    }

    #[test]
    fn speaks_for_parses_its_three_forms() {
        assert_eq!("*".parse::<SpeaksFor>().unwrap(), SpeaksFor::Anyone);
        assert!(matches!("unit:s1".parse::<SpeaksFor>().unwrap(), SpeaksFor::Unit(_)));
        assert!(matches!("person:zhang".parse::<SpeaksFor>().unwrap(), SpeaksFor::Person(_)));
        assert!("zhang".parse::<SpeaksFor>().is_err());
    }
}
