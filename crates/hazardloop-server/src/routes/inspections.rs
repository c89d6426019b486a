//! Inspections (排查): checklist templates, plans, generated occurrences, the commands an
//! inspector runs on an occurrence, and their statistics.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use hazardloop_core::engine::EngineError;
use hazardloop_core::inspection::{
    InspectionCommand, InspectionError, OccurrenceId, OccurrenceQuery, Plans, Template,
};
use hazardloop_core::model::{PersonId, UnitId};
use hazardloop_core::report::Period;
use serde_json::{json, Value};

use super::http::{object, text, typed};
use crate::auth::Caller;
use crate::problem::Problem;
use crate::state::Service;
use crate::store::ServedStore;

type Params = Query<HashMap<String, String>>;

fn input(e: hazardloop_core::model::InputError) -> Problem {
    Problem::from(EngineError::Inspection(InspectionError::Input(e)))
}

fn date(name: &str, params: &HashMap<String, String>) -> Result<Option<NaiveDate>, Problem> {
    params
        .get(name)
        .map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|e| Problem::invalid(name, e)))
        .transpose()
}

/// `GET /v1/inspections/templates`: the stored templates (code and version).
pub async fn templates<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
) -> Result<Response, Problem> {
    let list = service.engine().templates(&caller.tenant).await?;
    Ok(axum::Json(json!({ "templates": list })).into_response())
}

/// `POST /v1/inspections/templates` (TOML body): stores a template version.
pub async fn import_template<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    body: Bytes,
) -> Result<Response, Problem> {
    let engine = service.engine();
    let template = Template::from_toml(text(&body)?, engine.policy().matrix()).map_err(input)?;
    let reference = template.reference();
    let result = engine.import_template(&caller.tenant, template).await?;
    let result = match result {
        hazardloop_core::engine::TemplateImport::New => "new",
        _ => "unchanged",
    };
    Ok(axum::Json(json!({ "template": reference.to_string(), "result": result })).into_response())
}

/// `GET /v1/inspections/plans`: the plans.
pub async fn plans<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
) -> Result<Response, Problem> {
    Ok(axum::Json(service.engine().plans(&caller.tenant).await?).into_response())
}

/// `PUT /v1/inspections/plans` (TOML body): replaces the plans.
pub async fn put_plans<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    body: Bytes,
) -> Result<Response, Problem> {
    let engine = service.engine();
    let org = engine.org(&caller.tenant)?;
    let plans = Plans::from_toml(text(&body)?, &org).map_err(input)?;
    let count = plans.plans.len();
    engine.set_plans(&caller.tenant, plans).await?;
    Ok(axum::Json(json!({ "plans": count })).into_response())
}

/// `POST /v1/inspections/generate?from=YYYY-MM-DD&to=YYYY-MM-DD`: stores the plans'
/// occurrences whose first day falls in the range (idempotent).
pub async fn generate<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    Query(params): Params,
) -> Result<Response, Problem> {
    let missing = |n: &str| Problem::invalid(n, "give a date such as 2026-09-01");
    let from = date("from", &params)?.ok_or_else(|| missing("from"))?;
    let to = date("to", &params)?.ok_or_else(|| missing("to"))?;
    let r = service.engine().generate(&caller.tenant, from, to).await?;
    Ok(axum::Json(
        json!({ "considered": r.considered, "created": r.created, "unassigned": r.unassigned }),
    )
    .into_response())
}

/// `GET /v1/inspections/due?day=YYYY-MM-DD`: what the caller must inspect (today by default).
pub async fn due<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    Query(params): Params,
) -> Result<Response, Problem> {
    let engine = service.engine();
    let today = engine.now().with_timezone(&engine.policy().calendar().time_zone()).date_naive();
    let day = date("day", &params)?.unwrap_or(today);
    let rows = engine.due_for(&caller.tenant, &caller.actor.person, day).await?;
    Ok(axum::Json(json!({ "rows": rows })).into_response())
}

/// `GET /v1/inspections/occurrences`: `plan`, `unit` (comma-separated), `inspector`, `from`,
/// `to` (due, RFC 3339), `limit`.
pub async fn occurrences<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    Query(params): Params,
) -> Result<Response, Problem> {
    let mut query = OccurrenceQuery::default();
    for (key, value) in &params {
        let time = || {
            chrono::DateTime::parse_from_rfc3339(value)
                .map(|t| t.with_timezone(&chrono::Utc))
                .map_err(|e| Problem::invalid(key, e))
        };
        match key.as_str() {
            "plan" => query.plan = Some(value.clone()),
            "unit" => {
                let units = value.split(',').map(UnitId::new).collect::<Result<Vec<_>, _>>();
                query.units = Some(units.map_err(|e| Problem::invalid(key, e))?);
            }
            "inspector" => {
                query.inspector = Some(PersonId::new(value).map_err(|e| Problem::invalid(key, e))?)
            }
            "from" => query.due_from = Some(time()?),
            "to" => query.due_to = Some(time()?),
            "limit" => query.limit = value.parse().map_err(|e| Problem::invalid(key, e))?,
            _ => return Err(Problem::invalid(key, format!("unknown parameter `{key}`"))),
        }
    }
    let rows = service.engine().occurrences(&caller.tenant, &query).await?;
    Ok(axum::Json(json!({ "rows": rows })).into_response())
}

fn occurrence_id(text: &str) -> Result<OccurrenceId, Problem> {
    OccurrenceId::parse(text).map_err(input)
}

/// `GET /v1/inspections/occurrences/{id}` (the id `plan/unit/period`, its slashes as `%2F`).
pub async fn occurrence<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let id = occurrence_id(&id)?;
    let found = service.engine().occurrence(&caller.tenant, &id).await?;
    let occurrence = found
        .ok_or(EngineError::OccurrenceNotFound { tenant: caller.tenant.clone(), occurrence: id })?;
    Ok(axum::Json(occurrence).into_response())
}

/// `POST /v1/inspections/occurrences/{id}/<command>`: start, answer, complete, excuse, reassign.
pub async fn command<S: ServedStore>(
    service: Arc<Service<S>>,
    caller: Caller,
    id: String,
    headers: HeaderMap,
    body: Bytes,
    name: &'static str,
) -> Result<Response, Problem> {
    let id = occurrence_id(&id)?;
    let mut body = object(&headers, &body)?;
    body.insert("command".into(), Value::String(name.into()));
    let command: InspectionCommand = typed("body", Value::Object(body))?;
    let outcome = service.engine().inspect(&caller.actor, &id, command).await?;
    let hazards: Vec<Value> = outcome
        .hazards
        .iter()
        .map(|(item, hazard)| json!({ "item": item, "hazard": hazard.to_string() }))
        .collect();
    Ok(axum::Json(json!({
        "occurrence": outcome.occurrence.to_string(),
        "version": outcome.version,
        "status": outcome.status,
        "events": outcome.events.len(),
        "hazards": hazards,
    }))
    .into_response())
}

/// `GET /v1/inspections/statistics?period=2026-10`: per unit, planned, completed, missed…
pub async fn statistics<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    Query(params): Params,
) -> Result<Response, Problem> {
    let period: Period = params
        .get("period")
        .ok_or_else(|| Problem::invalid("period", "give a period such as 2026-10"))?
        .parse()
        .map_err(|e| Problem::invalid("period", e))?;
    let engine = service.engine();
    let lines = engine
        .inspection_statistics(&caller.tenant, period.bounds(engine.policy().calendar()))
        .await?;
    Ok(axum::Json(json!({ "period": period.to_string(), "lines": lines })).into_response())
}

/// The occurrence commands by their URL name.
pub const COMMANDS: [&str; 5] = ["start", "answer", "complete", "excuse", "reassign"];
