//! Incidents (突发事件报告): open one, make its phone and written reports, follow up, attach,
//! close; list, show, history, verification and the figures of a period.
//!
//! An incident's two report clocks run on wall-clock time from when the school learned of it
//! (the phone report within 30 minutes, the written report within 2 hours by default); the
//! scheduler fires their rungs ([`crate::scheduler`]).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use hazardloop_core::duty::{Incident, IncidentCommand, IncidentType, RecordId, RecordKind};
use hazardloop_core::engine::EngineError;
use serde_json::{json, Value};

use super::records::{command, decode, period, record_id, record_query, record_response};
use crate::auth::Caller;
use crate::problem::Problem;
use crate::state::Service;
use crate::store::ServedStore;

type Params = Query<HashMap<String, String>>;

/// The commands on an open incident by their URL name, with their Chinese and English names.
pub const ACTIONS: [(&str, &str, &str); 5] = [
    ("phone_report", "电话报告", "the phone report was made"),
    ("written_report", "书面报告", "the written report was sent"),
    ("follow_up", "续报", "a follow-up report"),
    ("attach", "添加附件", "add a document"),
    ("close", "结案", "close the incident"),
];

/// The incident as answered: its members, `status` and `late` (as at now), its version as
/// `ETag`.
fn answer<S: ServedStore>(service: &Service<S>, incident: &Incident, created: bool) -> Response {
    let now = service.engine().now();
    let extra = [
        ("status", Value::String(incident.status().to_owned())),
        ("late", Value::Bool(incident.late_at(now))),
    ];
    let location = created.then(|| format!("/v1/incidents/{}", incident.id));
    record_response(incident, incident.version, &extra, location)
}

/// `POST /v1/incidents`: opens an incident the school has learned of (the members of the
/// `open` command: `unit`, `title`, `kind`, `location`, `summary`, `occurred_at`,
/// `learned_at`); 201 with the incident and its two report clocks.
pub async fn open<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let open: IncidentCommand = command("open", &headers, &body)?;
    let outcome = service.engine().incident(&caller.actor, None, open).await?;
    Ok(answer(&service, &outcome.record, true))
}

/// `POST /v1/incidents/{id}/<action>`: phone_report, written_report, follow_up, attach, close
/// (the body is the command's members; its `command` tag comes from the path).
pub async fn action<S: ServedStore>(
    service: Arc<Service<S>>,
    caller: Caller,
    id: String,
    headers: HeaderMap,
    body: Bytes,
    name: &'static str,
) -> Result<Response, Problem> {
    let id = record_id(&id)?;
    let cmd: IncidentCommand = command(name, &headers, &body)?;
    let outcome = service.engine().incident(&caller.actor, Some(&id), cmd).await?;
    Ok(answer(&service, &outcome.record, false))
}

/// `GET /v1/incidents`: `open` (true or false), `unit` (comma-separated), `kind`
/// (`accident`, …), `from` and `to` (dates the school learned of them, both included).
pub async fn list<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    Query(params): Params,
) -> Result<Response, Problem> {
    let engine = service.engine();
    let kind = |text: &str| {
        decode::<IncidentType>("kind", Value::String(text.to_owned())).map(|k| k.code().to_owned())
    };
    let query = record_query(&params, engine.policy().calendar(), "kind", kind)?;
    let rows = engine.incidents(&caller.tenant, &query).await?;
    Ok(axum::Json(json!({ "rows": rows })).into_response())
}

/// `GET /v1/incidents/{id}`: the incident, its clocks and reports.
pub async fn show<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let id = record_id(&id)?;
    let incident = service.engine().load_incident(&caller.tenant, &id).await?;
    Ok(answer(&service, &incident, false))
}

/// The stored events of a record of `kind`, or 404 when it has none.
pub(crate) async fn history_of<S: ServedStore>(
    service: &Service<S>,
    caller: &Caller,
    kind: RecordKind,
    id: &RecordId,
) -> Result<Response, Problem> {
    let events = service.engine().record_history(&caller.tenant, kind, id).await?;
    if events.is_empty() {
        return Err(EngineError::RecordNotFound {
            tenant: caller.tenant.clone(),
            kind,
            id: id.clone(),
        }
        .into());
    }
    Ok(axum::Json(json!({ "id": id, "kind": kind, "events": events })).into_response())
}

/// Verifies a record of `kind`: its hash chain, and that it ends at the stored head.
pub(crate) async fn verify_of<S: ServedStore>(
    service: &Service<S>,
    caller: &Caller,
    kind: RecordKind,
    id: &RecordId,
) -> Result<Response, Problem> {
    service.engine().verify_record(&caller.tenant, kind, id).await?;
    Ok(axum::Json(json!({ "id": id, "kind": kind, "verified": true })).into_response())
}

/// `GET /v1/incidents/{id}/history`: the incident's stored events, in order, with their hashes.
pub async fn history<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    history_of(&service, &caller, RecordKind::Incident, &record_id(&id)?).await
}

/// `GET /v1/incidents/{id}/verify`: checks the incident's hash chain.
pub async fn verify<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    verify_of(&service, &caller, RecordKind::Incident, &record_id(&id)?).await
}

/// `GET /v1/incidents/statistics?period=2026-10`: the incidents learned of in the period and
/// how their reports went (on time, late, missing), as at now.
pub async fn statistics<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    Query(params): Params,
) -> Result<Response, Problem> {
    let period = period(&params)?;
    let tally = service.engine().incident_statistics(&caller.tenant, &period).await?;
    Ok(axum::Json(json!({
        "period": period.to_string(),
        "label": period.label(service.lang),
        "tally": tally,
    }))
    .into_response())
}
