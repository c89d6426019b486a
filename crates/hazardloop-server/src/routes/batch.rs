//! `POST /v1/batch`: commands recorded offline on an inspector's device, applied in order.
//!
//! Each item has its idempotency key (`key`), the time it was recorded on the device
//! (`recorded_at`), the command (with its `command` member), and optionally the hazard it acts
//! on (`hazard`: an id, or `@<key>` for the hazard an earlier item of the batch created) and
//! the version the device saw (`expected_version`). Every item gets its own result: a command
//! whose hazard has moved on comes back as `stale` with the hazard's current state, never
//! silently dropped; a replayed batch changes nothing (each item answers from its key). Both
//! times are kept: `recorded_at` as the event's origin, the receipt as the event's own time.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use hazardloop_core::chain::Origin;
use hazardloop_core::engine::Request;
use hazardloop_core::model::HazardId;
use hazardloop_core::workflow::Command;
use serde::Deserialize;
use serde_json::{json, Value};

use super::http::{hazard_id, object, typed};
use crate::auth::Caller;
use crate::problem::{Kind, Problem};
use crate::state::Service;
use crate::store::ServedStore;

/// One recorded command.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Item {
    key: String,
    recorded_at: DateTime<Utc>,
    #[serde(default)]
    hazard: Option<String>,
    #[serde(default)]
    expected_version: Option<u64>,
    command: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Batch {
    items: Vec<Item>,
}

/// Applies the batch; 200 with one result per item, in order.
pub async fn batch<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let batch: Batch = typed("body", Value::Object(object(&headers, &body)?))?;
    let engine = service.engine();
    let limit = engine.policy().limits().page_size;
    if batch.items.len() > limit {
        return Err(Problem::new(
            Kind::TooLarge,
            format!("一批最多 {limit} 条"),
            format!("a batch holds at most {limit} items, not {}", batch.items.len()),
        ));
    }
    let mut created: HashMap<String, HazardId> = HashMap::new();
    let mut results = Vec::with_capacity(batch.items.len());
    for item in batch.items {
        let key = item.key.clone();
        let result = apply(&service, &caller, item, &created).await;
        results.push(match result {
            Ok((outcome, status)) => {
                created.insert(key.clone(), outcome.hazard);
                let mut value = super::hazards::outcome_value(&service, &outcome);
                value["key"] = json!(key);
                value["status"] = json!(status);
                value["replayed"] = json!(outcome.replayed);
                value
            }
            Err((problem, current)) => {
                let mut problem = problem;
                problem.extra.current = current;
                json!({ "key": key, "status": problem.status, "problem": problem })
            }
        });
    }
    Ok(axum::Json(json!({ "results": results })).into_response())
}

type Failure = (Problem, Option<Value>);

async fn apply<S: ServedStore>(
    service: &Service<S>,
    caller: &Caller,
    item: Item,
    created: &HashMap<String, HazardId>,
) -> Result<(hazardloop_core::engine::Outcome, u16), Failure> {
    let plain = |p: Problem| (p, None);
    let hazard = match item.hazard.as_deref() {
        None => None,
        Some(reference) => Some(match reference.strip_prefix('@') {
            Some(earlier) => *created.get(earlier).ok_or_else(|| {
                plain(Problem::new(
                    Kind::Conflict,
                    format!("本批中 {earlier} 未能创建隐患"),
                    format!("item `{earlier}` of this batch created no hazard"),
                ))
            })?,
            None => hazard_id(service, &caller.tenant, reference).await.map_err(plain)?,
        }),
    };
    let command: Command = typed("command", item.command).map_err(plain)?;
    let creates = hazard.is_none();
    let mut request = Request::to(hazard, command).key(item.key);
    if let Some(version) = item.expected_version {
        request = request.if_version(version);
    }
    let origin =
        Origin { via: format!("token:{}", caller.token), captured_at: Some(item.recorded_at) };
    match super::hazards::execute(service, caller, request.from_origin(origin)).await {
        Ok(outcome) => Ok((outcome, if creates { 201 } else { 200 })),
        Err(problem) => {
            // A refusal that depends on the hazard's state comes back with that state.
            let current = match hazard {
                Some(id) if [403, 409, 412, 422].contains(&problem.status) => {
                    let engine = service.engine();
                    engine.hazard(&caller.tenant, id).await.ok().map(|view| {
                        json!({
                            "version": view.hazard.version,
                            "stage": view.hazard.kind(),
                            "ledger": hazardloop_core::report::LedgerRow::from_hazard(&view.hazard, engine.now()),
                        })
                    })
                }
                _ => None,
            };
            Err((problem, current))
        }
    }
}
