//! Report duties (报告事项): the tenant's report schedules, generating the duties they call
//! for, submitting one, listing, showing and counting them.
//!
//! A duty's id is `schedule/unit/key` (`quarterly-analysis/school/2026-Q3`): in a URL its
//! slashes are written `%2F`, as an inspection occurrence's are.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use hazardloop_core::duty::{Duty, DutyCommand, RecordKind, ReportSchedule};
use serde::Deserialize;
use serde_json::{json, Value};

use super::incidents::{history_of, verify_of};
use super::records::{
    command, decode, document, period, record_id, record_query, record_response, required_date,
};
use crate::auth::Caller;
use crate::problem::Problem;
use crate::state::Service;
use crate::store::ServedStore;

type Params = Query<HashMap<String, String>>;

/// The schedules document: `[[schedules]]` in TOML, `{"schedules": […]}` or a bare array in
/// JSON.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Schedules {
    schedules: Vec<ReportSchedule>,
}

/// The duty as answered: its members and `status` (as at now), its version as `ETag`.
fn answer<S: ServedStore>(service: &Service<S>, duty: &Duty) -> Response {
    let now = service.engine().now();
    let extra = [("status", Value::String(duty.status_at(now).to_owned()))];
    record_response(duty, duty.version, &extra, None)
}

/// `GET /v1/duties/schedules`: the tenant's report schedules (none until set).
pub async fn schedules<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
) -> Result<Response, Problem> {
    let schedules = service.engine().schedules(&caller.tenant).await?;
    Ok(axum::Json(json!({ "schedules": schedules })).into_response())
}

/// `PUT /v1/duties/schedules`: replaces the report schedules, given as TOML (`[[schedules]]`)
/// or as JSON (an array, or an object with `schedules`); errors name `schedules[i].…`.
pub async fn put_schedules<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let value = match document(&headers, &body)? {
        Value::Array(list) => json!({ "schedules": list }),
        other => other,
    };
    let Schedules { schedules } = decode("schedules", value)?;
    let count = schedules.len();
    service.engine().set_schedules(&caller.tenant, schedules).await?;
    Ok(axum::Json(json!({ "schedules": count })).into_response())
}

/// `POST /v1/duties/generate?from=YYYY-MM-DD&to=YYYY-MM-DD`: stores the duties that the
/// schedules and the campaigns' report dates call for with a due date in the range (each once:
/// generating again adds nothing).
pub async fn generate<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    Query(params): Params,
) -> Result<Response, Problem> {
    let from = required_date("from", &params)?;
    let to = required_date("to", &params)?;
    let r = service.engine().generate_duties(&caller.tenant, from, to).await?;
    Ok(axum::Json(json!({ "considered": r.considered, "created": r.created })).into_response())
}

/// `GET /v1/duties`: `open` (true: not yet submitted), `unit` (comma-separated), `schedule`,
/// `from` and `to` (due dates, both included).
pub async fn list<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    Query(params): Params,
) -> Result<Response, Problem> {
    let engine = service.engine();
    let schedule = |text: &str| Ok(text.to_owned());
    let query = record_query(&params, engine.policy().calendar(), "schedule", schedule)?;
    let rows = engine.duties(&caller.tenant, &query).await?;
    Ok(axum::Json(json!({ "rows": rows })).into_response())
}

/// `GET /v1/duties/{id}`: one duty (its id's slashes as `%2F`).
pub async fn show<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let id = record_id(&id)?;
    let duty = service.engine().load_duty(&caller.tenant, &id).await?;
    Ok(answer(&service, &duty))
}

/// `POST /v1/duties/{id}/submit`: submits the duty (`attachments: [{uri, sha256?}]`,
/// `signed_by`, `note`); a duty is submitted once.
pub async fn submit<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let id = record_id(&id)?;
    let submit: DutyCommand = command("submit", &headers, &body)?;
    let outcome = service.engine().duty(&caller.actor, &id, submit).await?;
    Ok(answer(&service, &outcome.record))
}

/// `GET /v1/duties/{id}/history`: the duty's stored events, in order, with their hashes.
pub async fn history<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    history_of(&service, &caller, RecordKind::Duty, &record_id(&id)?).await
}

/// `GET /v1/duties/{id}/verify`: checks the duty's hash chain.
pub async fn verify<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    verify_of(&service, &caller, RecordKind::Duty, &record_id(&id)?).await
}

/// `GET /v1/duties/statistics?period=2026-Q4`: the duties due in the period and how they went
/// (on time, late, outstanding, missed, pending), as at now.
pub async fn statistics<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    Query(params): Params,
) -> Result<Response, Problem> {
    let period = period(&params)?;
    let tally = service.engine().duty_statistics(&caller.tenant, &period).await?;
    Ok(axum::Json(json!({
        "period": period.to_string(),
        "label": period.label(service.lang),
        "tally": tally,
    }))
    .into_response())
}
