//! HTTP details shared by the handlers: JSON bodies, `If-Match`, `ETag`, `Idempotency-Key`.

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hazardloop_core::engine::Outcome;
use hazardloop_core::model::{HazardId, Lang, Named};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::problem::{Kind, Problem};

/// The header that carries a client's idempotency key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The header set on a response that repeats an earlier one for the same key.
pub const REPLAYED: &str = "idempotency-replayed";

/// The body as a JSON object: 415 when it is declared as something else, 400 when it is not
/// JSON, 422 when it is JSON but not an object. An empty body is an empty object.
pub fn object(headers: &HeaderMap, body: &Bytes) -> Result<Map<String, Value>, Problem> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    json_media(headers)?;
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Problem::invalid("body", "the body must be a JSON object")),
        Err(e) => Err(Problem::new(Kind::Malformed, "请求体不是合法的 JSON", e.to_string())),
    }
}

/// 415 unless the body is declared as JSON (`application/json` or `…+json`).
pub fn json_media(headers: &HeaderMap) -> Result<(), Problem> {
    let declared = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media = declared.split(';').next().unwrap_or("").trim();
    if media == "application/json" || media.ends_with("+json") {
        Ok(())
    } else {
        Err(Problem::new(
            Kind::UnsupportedMedia,
            "请求体须为 JSON（Content-Type: application/json）",
            format!("the body must be application/json, not `{declared}`"),
        ))
    }
}

/// A typed value straight from the body's bytes (no intermediate JSON tree): 415 for another
/// media type, 400 when it is not JSON, 422 naming the path of the member that is wrong.
pub fn typed_body<T: DeserializeOwned>(headers: &HeaderMap, body: &Bytes) -> Result<T, Problem> {
    json_media(headers)?;
    let malformed = |e: serde_json::Error| {
        Problem::new(Kind::Malformed, "请求体不是合法的 JSON", e.to_string())
    };
    let mut reader = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut reader).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            malformed(inner)
        } else {
            Problem::invalid(if path == "." { "body" } else { &path }, inner)
        }
    })?;
    reader.end().map_err(malformed)?;
    Ok(value)
}

/// A typed value from a JSON value: 422 naming the path of the field that is wrong
/// (`assessment.method`), found with `serde_path_to_error` where serde can tell; inside a
/// command other than `discover`, `register` and `add_interim_control` (whose bodies are
/// decoded as their own types first) serde buffers the members and only `what` is named.
pub fn typed<T: DeserializeOwned>(what: &str, value: Value) -> Result<T, Problem> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { what.to_string() } else { path };
        Problem::invalid(&field, e.into_inner())
    })
}

/// The body as TOML text (templates, plans, policy).
pub fn text(body: &Bytes) -> Result<&str, Problem> {
    std::str::from_utf8(body).map_err(|_| Problem::invalid("body", "the body is not UTF-8"))
}

/// `If-Match` as a version: `"3"`, `W/"3"` or `3`; `*` or none is unconditional.
pub fn if_match(headers: &HeaderMap) -> Result<Option<u64>, Problem> {
    let Some(value) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let text = value.to_str().map_err(|_| Problem::invalid("If-Match", "not ASCII"))?.trim();
    if text == "*" {
        return Ok(None);
    }
    let bare = text.trim_start_matches("W/").trim_matches('"');
    bare.parse().map(Some).map_err(|_| {
        Problem::invalid("If-Match", format!("`{text}` is not a hazard version such as \"3\""))
    })
}

/// The client's idempotency key, if any.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Problem> {
    match headers.get(IDEMPOTENCY_KEY) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(|s| Some(s.trim().to_string()))
            .map_err(|_| Problem::invalid("Idempotency-Key", "not ASCII")),
    }
}

/// The hazard a path or a batch item names: its id, or its number (隐患编号, `2026-0017`).
pub async fn hazard_id<S: crate::store::ServedStore>(
    service: &crate::state::Service<S>,
    tenant: &hazardloop_core::model::TenantId,
    text: &str,
) -> Result<HazardId, Problem> {
    Ok(service.engine().resolve(tenant, text).await?)
}

/// A command's outcome as it is answered: serialized straight from the outcome.
#[derive(serde::Serialize)]
pub struct OutcomeBody<'a> {
    id: HazardId,
    version: u64,
    stage: hazardloop_core::workflow::StageKind,
    stage_name: &'static str,
    events: Vec<&'static str>,
    ledger: &'a hazardloop_core::report::LedgerRow,
}

impl<'a> OutcomeBody<'a> {
    /// The body of `outcome` in `lang`.
    pub fn of(outcome: &'a Outcome, lang: Lang) -> OutcomeBody<'a> {
        OutcomeBody {
            id: outcome.hazard,
            version: outcome.version,
            stage: outcome.stage,
            stage_name: outcome.stage.name(lang),
            events: outcome.events.iter().map(|r| r.event.type_name()).collect(),
            ledger: &outcome.ledger,
        }
    }
}

/// The JSON of a command's outcome, as a tree (for the batch's results).
pub fn outcome_json(outcome: &Outcome, lang: Lang) -> Value {
    serde_json::to_value(OutcomeBody::of(outcome, lang)).unwrap_or(Value::Null)
}

/// A response for a command's outcome: its `ETag`, and `Idempotency-Replayed` on a replay.
pub fn outcome_response(outcome: &Outcome, status: StatusCode, lang: Lang) -> Response {
    let mut response = (status, axum::Json(OutcomeBody::of(outcome, lang))).into_response();
    let headers = response.headers_mut();
    if let Ok(tag) = HeaderValue::from_str(&format!("\"{}\"", outcome.version)) {
        headers.insert(header::ETAG, tag);
    }
    if status == StatusCode::CREATED {
        if let Ok(at) = HeaderValue::from_str(&format!("/v1/hazards/{}", outcome.hazard)) {
            headers.insert(header::LOCATION, at);
        }
    }
    if outcome.replayed {
        headers.insert(REPLAYED, HeaderValue::from_static("true"));
    }
    response
}
