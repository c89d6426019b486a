//! Reading: the ledger (filtered, cursor-paged), statistics, downloads, verification of all.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use hazardloop_core::model::{Grade, UnitId};
use hazardloop_core::report::{LedgerFilter, Page, Period};
use hazardloop_core::workflow::StageKind;
use hazardloop_export::{Format, RenderError, What};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::problem::{Kind, Problem};
use crate::state::Service;
use crate::store::ServedStore;

/// Query parameters, by name.
type Params = Query<HashMap<String, String>>;

fn parsed<T: std::str::FromStr>(name: &str, text: &str) -> Result<T, Problem>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e| Problem::invalid(name, e))
}

fn named<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> Result<T, Problem> {
    serde_json::from_value(Value::String(text.into())).map_err(|e| Problem::invalid(name, e))
}

fn time(name: &str, text: &str) -> Result<DateTime<Utc>, Problem> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Problem::invalid(name, e))
}

/// Where the next page starts: the rows already shown, and the discovery bound fixed by the
/// first page so that hazards found meanwhile do not shift the pages.
#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    o: usize,
    b: DateTime<Utc>,
}

impl Cursor {
    fn encode(&self) -> String {
        hex::encode(serde_json::to_vec(self).unwrap_or_default())
    }

    fn decode(text: &str) -> Result<Cursor, Problem> {
        hex::decode(text)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| Problem::invalid("cursor", "not a cursor this service gave out"))
    }
}

/// `GET /v1/ledger`: `stage` (comma-separated), `unit` (and below), `category`, `grade`,
/// `overdue`, `text`, `from`, `to` (discovery, RFC 3339), `limit`, `cursor`. Answers `total`
/// (exact up to `limits.ledger_count` rows past the page; `total_capped` when more match),
/// `rows` and the `next` cursor.
pub async fn ledger<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    Query(params): Params,
) -> Result<Response, Problem> {
    let engine = service.engine();
    let mut filter = LedgerFilter::default();
    let mut limit = Page::DEFAULT_LIMIT;
    let mut cursor = None;
    for (key, value) in &params {
        match key.as_str() {
            "stage" => {
                for stage in value.split(',').filter(|s| !s.is_empty()) {
                    filter.stages.insert(named::<StageKind>(key, stage)?);
                }
            }
            "unit" => filter.unit = Some(parsed::<UnitId>(key, value)?),
            "category" => filter.category = Some(parsed(key, value)?),
            "grade" => filter.grade = Some(named::<Grade>(key, value)?),
            "overdue" => filter.overdue = Some(parsed(key, value)?),
            "text" => filter.text = Some(value.clone()),
            "from" => filter.discovered_from = Some(time(key, value)?),
            "to" => filter.discovered_to = Some(time(key, value)?),
            "limit" => limit = parsed(key, value)?,
            "cursor" => cursor = Some(Cursor::decode(value)?),
            _ => return Err(Problem::invalid(key, format!("unknown parameter `{key}`"))),
        }
    }
    let cursor = cursor.unwrap_or(Cursor { o: 0, b: engine.now() });
    filter.discovered_to = Some(filter.discovered_to.map_or(cursor.b, |to| to.min(cursor.b)));
    let page = engine.ledger(&caller.tenant, &filter, Page::new(cursor.o, limit)).await?;
    let shown = cursor.o + page.rows.len();
    let next = (shown < page.total && !page.rows.is_empty())
        .then(|| Cursor { o: shown, b: cursor.b }.encode());
    // `total_capped`: more rows match than `total` (the count stops `limits.ledger_count` rows
    // past the page).
    let body = json!({
        "total": page.total,
        "total_capped": page.total_capped,
        "rows": page.rows,
        "next": next,
    });
    Ok(axum::Json(body).into_response())
}

fn period(params: &HashMap<String, String>) -> Result<Option<Period>, Problem> {
    params.get("period").map(|p| parsed::<Period>("period", p)).transpose()
}

/// `GET /v1/statistics?period=2026-10`: the statistics table (统计表) of a period.
pub async fn statistics<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
    Query(params): Params,
) -> Result<Response, Problem> {
    let period = period(&params)?.ok_or_else(|| {
        Problem::invalid("period", "give a period such as 2026-10, 2026-Q4 or 2026")
    })?;
    let table = service.engine().statistics(&caller.tenant, &period).await?;
    Ok(axum::Json(table).into_response())
}

/// `GET /v1/exports/{what}?format=xlsx|csv|json|html&period=…`: a file to download.
pub async fn export<S: ServedStore>(
    service: Arc<Service<S>>,
    caller: Caller,
    params: HashMap<String, String>,
    what: What,
) -> Result<Response, Problem> {
    let format: Format = match params.get("format") {
        Some(f) => parsed("format", f)?,
        None => Format::Xlsx,
    };
    let period = period(&params)?;
    let engine = service.engine();
    let org = engine.org(&caller.tenant)?;
    let bytes = hazardloop_export::render(
        &engine,
        &caller.tenant,
        &org,
        service.lang,
        what,
        format,
        period.as_ref(),
    )
    .await
    .map_err(|e| match e {
        RenderError::Engine(e) => Problem::from(e),
        RenderError::NeedsPeriod => Problem::invalid("period", e),
        RenderError::Unsupported(text) => Problem::invalid("format", text),
        other => Problem::new(Kind::Internal, "导出失败", other.to_string()),
    })?;
    let media = match format {
        Format::Csv => "text/csv; charset=utf-8",
        Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Format::Json => "application/json",
        Format::Html => "text/html; charset=utf-8",
    };
    let label = period.map(|p| format!("-{p}")).unwrap_or_default();
    let file = format!("{}-{}{label}.{}", caller.tenant, what.name(), format.extension());
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// `POST /v1/verify`: checks every hazard's chain of the tenant; reports each one that fails.
pub async fn verify_all<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    caller: Caller,
) -> Result<Response, Problem> {
    let engine = service.engine();
    let (mut verified, mut failed) = (0usize, Vec::new());
    for row in engine.ledger_rows(&caller.tenant, &LedgerFilter::default()).await? {
        match engine.verify(&caller.tenant, row.id).await {
            Ok(()) => verified += 1,
            Err(e) => failed.push(json!({ "hazard": row.id.to_string(), "error": e.to_string() })),
        }
    }
    Ok(axum::Json(json!({ "verified": verified, "failed": failed })).into_response())
}
