//! Sessions: a random id in an HttpOnly, SameSite=Strict cookie (Secure behind TLS), a CSRF
//! token per session, expiry on the engine's clock. The id is made at sign-in and never taken
//! from the request, so a session cannot be fixed in advance; only its SHA-256 is kept.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use axum::http::HeaderMap;
use chrono::{DateTime, Duration, Utc};
use hazardloop_core::model::{Lang, PersonId, TenantId};
use sha2::{Digest, Sha256};

/// The session cookie's name.
pub const COOKIE: &str = "hl_session";

/// One signed-in person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The tenant.
    pub tenant: TenantId,
    /// The person.
    pub person: PersonId,
    /// The token every form must carry back.
    pub csrf: String,
    /// When it ends.
    pub expires: DateTime<Utc>,
    /// The language chosen.
    pub lang: Lang,
}

/// The sessions of one console.
#[derive(Debug, Default)]
pub struct Sessions {
    by_hash: Mutex<HashMap<String, Session>>,
}

/// 256 random bits as hex, or `None` if the system has no randomness to give.
pub(crate) fn random_hex() -> Option<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).ok()?;
    Some(hex::encode(bytes))
}

pub(crate) fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Equal texts, compared in time independent of where they differ.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Sessions {
    /// Starts a session; returns the cookie value (the id) and the session.
    pub fn start(
        &self,
        tenant: TenantId,
        person: PersonId,
        lang: Lang,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Option<(String, Session)> {
        let id = random_hex()?;
        let session = Session { tenant, person, csrf: random_hex()?, expires: now + ttl, lang };
        let mut map = self.by_hash.lock().unwrap_or_else(PoisonError::into_inner);
        map.retain(|_, s| s.expires > now);
        map.insert(digest(&id), session.clone());
        Some((id, session))
    }

    /// The live session of a request's cookie.
    pub fn find(&self, headers: &HeaderMap, now: DateTime<Utc>) -> Option<Session> {
        let id = cookie(headers, COOKIE)?;
        let map = self.by_hash.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(&digest(&id)).filter(|s| s.expires > now).cloned()
    }

    /// Changes a session's language.
    pub fn set_lang(&self, headers: &HeaderMap, lang: Lang) {
        if let Some(id) = cookie(headers, COOKIE) {
            let mut map = self.by_hash.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(s) = map.get_mut(&digest(&id)) {
                s.lang = lang;
            }
        }
    }

    /// Ends the session of a request's cookie.
    pub fn end(&self, headers: &HeaderMap) {
        if let Some(id) = cookie(headers, COOKIE) {
            let mut map = self.by_hash.lock().unwrap_or_else(PoisonError::into_inner);
            map.remove(&digest(&id));
        }
    }
}

/// A cookie's value from the request.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The `Set-Cookie` value for a new session (`Secure` when the console is served over TLS).
pub(crate) fn set_cookie(id: &str, ttl: Duration, secure: bool) -> String {
    format!(
        "{COOKIE}={id}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={}{}",
        ttl.num_seconds(),
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub(crate) fn clear_cookie(secure: bool) -> String {
    format!(
        "{COOKIE}=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}
