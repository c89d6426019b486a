//! The organisation (组织机构) and policy (制度参数) documents of the caller's tenant.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use hazardloop_core::org::{Org, OrgConfig, Role};
use hazardloop_core::policy::Policy;
use hazardloop_core::store::{ORG_DOC, POLICY_DOC};
use serde_json::json;

use super::http::{object, text, typed};
use crate::auth::Caller;
use crate::problem::{Kind, Problem};
use crate::state::Service;
use crate::store::ServedStore;

/// Only the school's leadership and safety office change the organisation or the policy.
fn may_administer(caller: &Caller) -> Result<(), Problem> {
    let allowed = [Role::Principal, Role::SafetyDeputy, Role::SafetyOfficer];
    if caller.actor.roles.iter().any(|r| allowed.contains(r)) {
        Ok(())
    } else {
        Err(Problem::new(
            Kind::Denied,
            "只有第一责任人、分管安全负责人或安全员可以修改组织机构和制度参数",
            "only a principal, a deputy in charge of safety or a safety officer changes these documents",
        ))
    }
}

fn store_problem(e: hazardloop_core::store::StoreError) -> Problem {
    Problem::from(hazardloop_core::engine::EngineError::from(e))
}

/// `GET /v1/org`: the organisation (units, people, roles, contacts).
pub async fn get_org<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
) -> Result<Response, Problem> {
    let org = service.engine().org(&caller.tenant)?;
    Ok(axum::Json(org.to_config()).into_response())
}

/// `PUT /v1/org`: replaces the organisation; it takes effect at once.
pub async fn put_org<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    may_administer(&caller)?;
    let config: OrgConfig = typed("body", serde_json::Value::Object(object(&headers, &body)?))?;
    let org =
        Org::from_config(caller.tenant.clone(), config).map_err(|e| Problem::invalid("body", e))?;
    let text = serde_json::to_string(&org.to_config()).map_err(|e| Problem::invalid("body", e))?;
    service.store.put_document(&caller.tenant, ORG_DOC, &text).await.map_err(store_problem)?;
    service.engine().set_org(org);
    Ok(axum::Json(json!({ "saved": true })).into_response())
}

/// `GET /v1/policy`: the policy in force, as TOML.
pub async fn get_policy<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    _caller: Caller,
) -> Result<Response, Problem> {
    let mut response = service.engine().policy().to_toml().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/toml; charset=utf-8"));
    Ok(response)
}

/// `PUT /v1/policy` (TOML body): replaces the policy, when this service serves one tenant
/// (the policy is the service's; with several tenants it is changed in their first tenant's
/// store document and takes effect at the next start).
pub async fn put_policy<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    body: Bytes,
) -> Result<Response, Problem> {
    may_administer(&caller)?;
    let policy = Policy::from_toml(text(&body)?).map_err(|e| Problem::invalid("body", e))?;
    if service.tenants.len() > 1 {
        return Err(Problem::new(
            Kind::Conflict,
            "本服务为多个单位共用制度参数，不能在线修改",
            "this service's policy is shared by several tenants; change it in the store and restart",
        ));
    }
    service
        .store
        .put_document(&caller.tenant, POLICY_DOC, &policy.to_toml())
        .await
        .map_err(store_problem)?;
    service.replace_policy(policy)?;
    Ok(axum::Json(json!({ "saved": true })).into_response())
}
