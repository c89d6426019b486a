//! Who is calling: the bearer token names the tenant and the person (or the host and, in
//! `X-Acting-For`, the person it speaks for). The tenant never comes from the URL.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use hazardloop_core::chain::Origin;
use hazardloop_core::model::{Actor, PersonId, TenantId};

use crate::problem::{Kind, Problem};
use crate::state::Service;
use crate::store::ServedStore;
use crate::tokens::{self, Grant};

/// The header a host token names the person in.
pub const ACTING_FOR: &str = "x-acting-for";

/// An authenticated caller.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The tenant, from the token.
    pub tenant: TenantId,
    /// The person acting, with their roles and scope from the organisation.
    pub actor: Actor,
    /// The token's id (recorded on events as their origin).
    pub token: String,
}

impl Caller {
    /// The origin recorded on the events this caller writes.
    pub fn origin(&self) -> Origin {
        Origin { via: format!("token:{}", self.token), captured_at: None }
    }
}

fn unauthenticated(zh: &str, en: &str) -> Problem {
    Problem::new(Kind::Unauthenticated, zh, en)
}

/// Authenticates the request's headers.
pub async fn authenticate<S: ServedStore>(
    service: &Service<S>,
    headers: &HeaderMap,
) -> Result<Caller, Problem> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            unauthenticated("缺少访问令牌", "no bearer token (Authorization: Bearer hl_…)")
        })?;
    let (id, secret) = tokens::parse(presented.trim()).ok_or_else(|| {
        unauthenticated("访问令牌格式不对", "the token is not of the form hl_<id>_<secret>")
    })?;
    let found = service
        .token(id)
        .await
        .map_err(|e| Problem::new(Kind::Unavailable, "存储暂不可用，请稍后重试", e.to_string()))?;
    let Some(found) = found.filter(|f| f.1.accepts(secret)) else {
        return Err(unauthenticated("访问令牌无效或已吊销", "unknown or revoked token"));
    };
    let (tenant, record) = (&found.0, &found.1);
    let org = service.engine().org(tenant)?;
    let person = match &record.grant {
        Grant::Person { person } => person.clone(),
        Grant::Host { .. } => {
            let named = headers.get(ACTING_FOR).and_then(|v| v.to_str().ok()).ok_or_else(|| {
                Problem::new(
                    Kind::Denied,
                    "系统令牌须在 X-Acting-For 中写明代办人",
                    "a host token names the person it acts for in X-Acting-For",
                )
            })?;
            let person = PersonId::new(named).map_err(|e| Problem::invalid(ACTING_FOR, e))?;
            if !record.may_speak_for(&person, &org) {
                return Err(Problem::new(
                    Kind::Denied,
                    format!("该系统令牌不能代 {person} 办理"),
                    format!("this host token may not speak for {person}"),
                ));
            }
            person
        }
    };
    let actor = org.actor(&person).ok_or_else(|| {
        Problem::new(
            Kind::Denied,
            format!("{person} 已不在组织机构中"),
            format!("{person} is no longer in the organisation"),
        )
    })?;
    Ok(Caller { tenant: tenant.clone(), actor, token: record.id.clone() })
}

impl<S: ServedStore> FromRequestParts<Arc<Service<S>>> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        service: &Arc<Service<S>>,
    ) -> Result<Caller, Problem> {
        authenticate(service, &parts.headers).await
    }
}
