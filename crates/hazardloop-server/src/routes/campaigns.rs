//! Special campaigns (专项整治): the tenant's campaigns, adding or replacing one, and the
//! statistics table (隐患问题统计表) of a campaign's hazards, whole or by phase, as JSON or as
//! the spreadsheet the bureau asks for.
//!
//! A hazard belongs to a campaign when its discovery (or registration) names it
//! (`"campaign": "campus-safety"`); a campaign's report dates become report duties when the
//! duties are generated ([`super::duties`]).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use hazardloop_core::duty::{campaign_preset_codes, Campaign, DutyError, DutyRule};
use hazardloop_core::engine::EngineError;
use hazardloop_core::model::Lang;
use hazardloop_core::report::{CellContext, Period, StatsTable};
use hazardloop_export::PrintSetup;
use serde_json::{json, Value};

use super::records::{decode, document};
use crate::auth::Caller;
use crate::problem::{Kind, Problem};
use crate::state::Service;
use crate::store::ServedStore;

type Params = Query<HashMap<String, String>>;

/// An engine error of a campaign route: a campaign the tenant does not have is 404 here (the
/// path names it), not the refusal a hazard tagged to it gets.
fn problem(e: EngineError) -> Problem {
    match &e {
        EngineError::Duty(DutyError::Refused { rule: DutyRule::KnownCampaign, .. }) => {
            Problem::new(Kind::Unknown, "专项整治不存在", e.to_string())
        }
        _ => Problem::from(e),
    }
}

/// `GET /v1/campaigns`: the tenant's campaigns, and the codes of the presets.
pub async fn list<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
) -> Result<Response, Problem> {
    let campaigns = service.engine().campaigns(&caller.tenant).await?;
    Ok(axum::Json(json!({ "campaigns": campaigns, "presets": campaign_preset_codes() }))
        .into_response())
}

/// `PUT /v1/campaigns/{code}`: adds the campaign, or replaces the one with its code; the body
/// is one campaign as TOML or JSON. A body without `code` takes the path's; one with another
/// code is refused naming `code`.
pub async fn put<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let Value::Object(mut members) = document(&headers, &body)? else {
        return Err(Problem::invalid("body", "the body must be one campaign (a table or object)"));
    };
    match members.get("code") {
        None => {
            members.insert("code".into(), Value::String(code.clone()));
        }
        Some(Value::String(given)) if *given == code => {}
        Some(given) => {
            let mut p = Problem::new(
                Kind::Invalid,
                format!("请求体的专项整治代码 {given} 与路径中的 {code} 不一致"),
                format!("code: the body's code {given} is not the path's `{code}`"),
            );
            p.extra.field = Some("code".into());
            return Err(p);
        }
    }
    let campaign: Campaign = decode("body", Value::Object(members))?;
    service.engine().put_campaign(&caller.tenant, campaign.clone()).await?;
    Ok(axum::Json(campaign).into_response())
}

/// The `phase` parameter, counted from 1 as the campaign's notice counts its phases; the
/// engine's 0-based index.
fn phase(params: &HashMap<String, String>) -> Result<Option<usize>, Problem> {
    let Some(text) = params.get("phase") else { return Ok(None) };
    match text.parse::<usize>() {
        Ok(0) => Err(Problem::invalid("phase", "phases count from 1")),
        Ok(n) => Ok(Some(n - 1)),
        Err(e) => Err(Problem::invalid("phase", format!("`{text}`: {e}"))),
    }
}

/// The campaign's table, over the campaign or one phase, with its label.
async fn table<S: ServedStore>(
    service: &Service<S>,
    caller: &Caller,
    code: &str,
    params: &HashMap<String, String>,
) -> Result<(Campaign, Option<usize>, Period, StatsTable, String), Problem> {
    for key in params.keys() {
        if key != "phase" {
            return Err(Problem::invalid(key, format!("unknown parameter `{key}`")));
        }
    }
    let phase = phase(params)?;
    let (campaign, period, table) =
        service.engine().campaign_statistics(&caller.tenant, code, phase).await.map_err(problem)?;
    let lang = service.lang;
    let name = phase.and_then(|i| campaign.phases.get(i)).map(|p| p.name.clone());
    let label = match (&name, lang) {
        (Some(p), Lang::Zh) => format!("{}（{p}）{}", campaign.title, period.label(lang)),
        (Some(p), Lang::En) => format!("{} ({p}) {}", campaign.title, period.label(lang)),
        (None, _) => format!("{} {}", campaign.title, period.label(lang)),
    };
    Ok((campaign, phase, period, table, label))
}

/// `GET /v1/campaigns/{code}/statistics?phase=N`: the statistics table of the campaign's
/// hazards (the members of the statistics table, with `campaign`, `phase` counted from 1,
/// `phase_name`, `period` and `label`).
pub async fn statistics<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    Path(code): Path<String>,
    Query(params): Params,
) -> Result<Response, Problem> {
    let (campaign, phase, period, table, label) = table(&service, &caller, &code, &params).await?;
    let mut body = serde_json::to_value(&table).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut body {
        let name = phase.and_then(|i| campaign.phases.get(i)).map(|p| p.name.clone());
        map.insert("campaign".into(), Value::String(campaign.code.clone()));
        map.insert("title".into(), Value::String(campaign.title.clone()));
        map.insert("phase".into(), phase.map_or(Value::Null, |i| json!(i + 1)));
        map.insert("phase_name".into(), name.map_or(Value::Null, Value::String));
        map.insert("period".into(), Value::String(period.to_string()));
        map.insert("label".into(), Value::String(label));
    }
    Ok(axum::Json(body).into_response())
}

/// `GET /v1/campaigns/{code}/statistics.xlsx?phase=N`: the same table as a workbook, laid out
/// as the export of the statistics table (`/v1/exports/stats`), its title naming the campaign.
pub async fn statistics_xlsx<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    Path(code): Path<String>,
    Query(params): Params,
) -> Result<Response, Problem> {
    let (campaign, phase, period, table, label) = table(&service, &caller, &code, &params).await?;
    let engine = service.engine();
    let org = engine.org(&caller.tenant)?;
    let policy = engine.policy();
    let calendar = policy.calendar();
    let cx = CellContext::new(service.lang, calendar.time_zone())
        .with_org(&org)
        .with_matrix(policy.matrix());
    let mut setup = PrintSetup::for_period(&period, calendar, service.lang, engine.now());
    setup.period = Some(label);
    let bytes = hazardloop_export::stats_xlsx_with(&table, &cx, &setup)
        .map_err(|e| Problem::new(Kind::Internal, "导出失败", e.to_string()))?;
    let part = phase.map(|i| format!("-phase-{}", i + 1)).unwrap_or_default();
    let file = format!("{}-campaign-{}{part}.xlsx", caller.tenant, campaign.code);
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
