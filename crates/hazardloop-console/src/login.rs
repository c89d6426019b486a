//! One-time login codes: issued by the CLI (or the host) for a person, kept as hashes in the
//! tenant document `console.logins`, good once and for a limited time.

use chrono::{DateTime, Duration, Utc};
use hazardloop_core::engine::{Engine, EngineError};
use hazardloop_core::model::{InputError, PersonId, TenantId};
use hazardloop_core::notify::Notifier;
use hazardloop_core::org::Org;
use hazardloop_core::store::{Store, StoreError};
use hazardloop_core::workflow::WorkflowError;
use serde::{Deserialize, Serialize};

use crate::session::{digest, random_hex, same};

/// The tenant document of login codes.
pub const LOGINS_DOC: &str = "console.logins";

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Issued {
    hash: String,
    person: PersonId,
    expires: DateTime<Utc>,
    used: bool,
}

async fn issued<S: Store>(store: &S, tenant: &TenantId) -> Result<Vec<Issued>, EngineError> {
    match store.document(tenant, LOGINS_DOC).await? {
        None => Ok(Vec::new()),
        Some(text) => serde_json::from_str(&text).map_err(|e| {
            EngineError::Store(StoreError::Corrupt(format!("document {LOGINS_DOC}: {e}")))
        }),
    }
}

async fn save<S: Store>(store: &S, tenant: &TenantId, all: &[Issued]) -> Result<(), EngineError> {
    let body = serde_json::to_string(all).unwrap_or_default();
    Ok(store.put_document(tenant, LOGINS_DOC, &body).await?)
}

/// Issues a one-time login code for `person`, good for `ttl` from the engine's now. The code
/// is `<tenant>.<secret>` (the secret 256 random bits); only its hash is stored.
pub async fn issue_login_code<S: Store, N: Notifier>(
    engine: &Engine<S, N>,
    tenant: &TenantId,
    person: &PersonId,
    ttl: Duration,
) -> Result<String, EngineError> {
    let org = engine.org(tenant)?;
    issue_login_code_in(engine.store(), &org, person, ttl, engine.now()).await
}

/// [`issue_login_code`] on a store directly (a command line without an engine): `org` is the
/// tenant's organisation, `now` the time the code's life starts.
pub async fn issue_login_code_in<S: Store>(
    store: &S,
    org: &Org,
    person: &PersonId,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<String, EngineError> {
    let tenant = org.tenant();
    if org.person(person).is_none() {
        return Err(EngineError::Workflow(WorkflowError::Input(InputError::Unknown {
            field: "person".into(),
            value: person.to_string(),
        })));
    }
    let secret = random_hex().ok_or_else(|| {
        EngineError::Store(StoreError::Backend("no randomness for a login code".into()))
    })?;
    let mut all = issued(store, tenant).await?;
    all.retain(|i| !i.used && i.expires > now);
    all.push(Issued {
        hash: digest(&secret),
        person: person.clone(),
        expires: now + ttl,
        used: false,
    });
    save(store, tenant, &all).await?;
    Ok(format!("{tenant}.{secret}"))
}

/// Redeems a code: the tenant and person it was issued for, once, before it expires.
pub(crate) async fn redeem<S: Store, N: Notifier>(
    engine: &Engine<S, N>,
    code: &str,
) -> Option<(TenantId, PersonId)> {
    let (tenant, secret) = code.trim().rsplit_once('.')?;
    let tenant = TenantId::new(tenant).ok()?;
    let now = engine.now();
    let mut all = issued(engine.store(), &tenant).await.ok()?;
    let hash = digest(secret);
    let found = all.iter_mut().find(|i| same(&i.hash, &hash))?;
    if found.used || found.expires <= now {
        return None;
    }
    found.used = true;
    let person = found.person.clone();
    save(engine.store(), &tenant, &all).await.ok()?;
    Some((tenant, person))
}
