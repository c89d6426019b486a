//! The hazard's commands (each of the seven steps and every auxiliary command), the hazard with
//! its timeline, and its verification.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hazardloop_core::engine::{EngineError, Outcome, Request};
use hazardloop_core::model::{Lang, Named};
use hazardloop_core::workflow::{Command, Step};
use serde_json::{json, Value};

use super::http::{
    hazard_id, idempotency_key, if_match, object, outcome_json, outcome_response, typed, typed_body,
};
use crate::auth::Caller;
use crate::problem::{Kind, Problem};
use crate::state::Service;
use crate::store::ServedStore;

/// The command's name in URLs and in the `command` member (`start_treatment`).
pub fn step_code(step: Step) -> String {
    serde_json::to_value(step).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

/// The command of `step` from a request body (its members are the command's fields).
///
/// The commands that wrap a type of their own (discover, register, interim control) are decoded
/// straight from the bytes as that type, so a bad member is named by its path; the others are
/// decoded through the tagged `Command`, their tag taken from the path.
pub fn command_of(step: Step, headers: &HeaderMap, body: &Bytes) -> Result<Command, Problem> {
    let empty = body.iter().all(u8::is_ascii_whitespace);
    match step {
        Step::Discover if !empty => return typed_body(headers, body).map(Command::Discover),
        Step::Register if !empty => return typed_body(headers, body).map(Command::Register),
        Step::AddInterimControl if !empty => {
            return typed_body(headers, body).map(Command::AddInterimControl)
        }
        _ => {}
    }
    let mut members = object(headers, body)?;
    members.insert("command".into(), Value::String(step_code(step)));
    typed("body", Value::Object(members))
}

/// `POST /v1/hazards`: discover (排查) a hazard; 201 with its first version.
pub async fn create<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let command = command_of(Step::Discover, &headers, &body)?;
    run(&service, &caller, &headers, Request::new(command), StatusCode::CREATED).await
}

/// `POST /v1/hazards/{id}/<step>`: one command on a hazard.
pub async fn step<S: ServedStore>(
    service: Arc<Service<S>>,
    caller: Caller,
    id: String,
    headers: HeaderMap,
    body: Bytes,
    step: Step,
) -> Result<Response, Problem> {
    let hazard = hazard_id(&service, &caller.tenant, &id).await?;
    let command = command_of(step, &headers, &body)?;
    run(&service, &caller, &headers, Request::on(hazard, command), StatusCode::OK).await
}

async fn run<S: ServedStore>(
    service: &Service<S>,
    caller: &Caller,
    headers: &HeaderMap,
    mut request: Request,
    status: StatusCode,
) -> Result<Response, Problem> {
    if let Some(key) = idempotency_key(headers)? {
        request = request.key(key);
    }
    if let Some(version) = if_match(headers)? {
        request = request.if_version(version);
    }
    let request = request.from_origin(caller.origin());
    let outcome = execute(service, caller, request).await?;
    Ok(outcome_response(&outcome, status, service.lang))
}

/// How often an unconditional write is decided again after losing a race.
const ATTEMPTS: usize = 3;

/// Executes `request` for `caller`.
///
/// - A request without an expected version (no `If-Match`) that loses a race with another
///   writer (the scheduler's sweep recording a rung, another client) is decided again on the
///   hazard as it now stands, up to three times: its client asked for the command to be applied
///   to the hazard as it is, and the rules are checked again each time.
/// - An idempotency key answers only for the command it was first used with: a key reused for
///   another hazard or another step is a conflict (409), never the other command's result.
pub(crate) async fn execute<S: ServedStore>(
    service: &Service<S>,
    caller: &Caller,
    request: Request,
) -> Result<Outcome, Problem> {
    let engine = service.engine();
    let (target, step) = (request.hazard, request.command.step());
    let unconditional = request.expected_version.is_none();
    // Only an attempt that may be followed by another needs a copy of the request; the last
    // (the only one under `If-Match`) takes the request itself.
    let mut attempt = 1;
    let outcome = loop {
        if !(unconditional && attempt < ATTEMPTS) {
            break engine.execute(&caller.actor, request).await?;
        }
        match engine.execute(&caller.actor, request.clone()).await {
            Err(EngineError::Conflict { .. }) => attempt += 1,
            result => break result?,
        }
    };
    let same_step = outcome.events.iter().any(|r| r.event.step() == Some(step));
    let same_hazard = target.is_none_or(|id| id == outcome.hazard);
    if outcome.replayed && !(same_hazard && same_step) {
        return Err(Problem::new(
            Kind::Conflict,
            "该 Idempotency-Key 已用于另一条指令",
            "this Idempotency-Key was first used for another command or hazard",
        ));
    }
    Ok(outcome)
}

/// `GET /v1/hazards/{id}`: the hazard's ledger row and its timeline, with its version as `ETag`.
pub async fn show<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let hazard = hazard_id(&service, &caller.tenant, &id).await?;
    let engine = service.engine();
    let view = engine.hazard(&caller.tenant, hazard).await?;
    let lang = service.lang;
    let stage = view.hazard.kind();
    let ledger = hazardloop_core::report::LedgerRow::from_hazard(&view.hazard, engine.now());
    let timeline: Vec<Value> = view.timeline.iter().map(|r| timeline_entry(r, lang)).collect();
    let body = json!({
        "id": hazard.to_string(),
        "number": view.hazard.number,
        "version": view.hazard.version,
        "stage": stage,
        "stage_name": stage.name(lang),
        "ledger": ledger,
        "timeline": timeline,
    });
    let mut response = axum::Json(body).into_response();
    if let Ok(tag) = HeaderValue::from_str(&format!("\"{}\"", view.hazard.version)) {
        response.headers_mut().insert(header::ETAG, tag);
    }
    Ok(response)
}

fn timeline_entry(r: &hazardloop_core::chain::Recorded, lang: Lang) -> Value {
    json!({
        "seq": r.seq,
        "type": r.event.type_name(),
        "name": r.event.step().map(|s| s.name(lang)),
        "recorded_at": r.recorded_at,
        "origin": r.origin,
        "event": r.event,
        "hash": r.hash,
    })
}

/// `GET /v1/hazards/{id}/verify`: checks the hazard's hash chain.
pub async fn verify<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let hazard = hazard_id(&service, &caller.tenant, &id).await?;
    service.engine().verify(&caller.tenant, hazard).await?;
    Ok(axum::Json(json!({ "id": hazard.to_string(), "verified": true })).into_response())
}

/// The JSON of an outcome, for the batch route.
pub fn outcome_value<S: ServedStore>(
    service: &Service<S>,
    outcome: &hazardloop_core::engine::Outcome,
) -> Value {
    outcome_json(outcome, service.lang)
}
