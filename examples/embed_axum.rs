//! Embedding the engine in a web host (axum 0.8), on the embedded SQLite store
//! (`./hazardloop-demo/embed_axum.db`).
//!
//! What it teaches:
//! - the engine lives in the application state as an `Arc<Engine<..>>`, shared by every request;
//! - `POST /hazards` turns a JSON body into a `Discover` command and runs `engine.execute`;
//! - `GET /ledger` turns query parameters into a `LedgerFilter` and a `Page` and returns rows;
//! - an `EngineError` becomes an HTTP status with a JSON body: validation 422, not authorized
//!   403, not found 404, conflict 409, anything else 500;
//! - authentication is the host's: here a header `x-person` names the person, and the
//!   organisation gives their roles and scope.
//!
//! `cargo run --example embed_axum` serves on 127.0.0.1:3000 and prints curl commands to try.
//! `cargo run --example embed_axum -- --smoke` serves on a free port, sends requests to itself,
//! checks the answers and exits (non-zero if any check fails).

use std::collections::HashMap;
use std::error::Error;
use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use hazardloop::clock::SystemClock;
use hazardloop::engine::{Engine, EngineError, Request};
use hazardloop::model::{Actor, Grade, Lang, Named, PersonId, TenantId, UnitId};
use hazardloop::notify::Discard;
use hazardloop::org::{Org, Person, Preset, Role};
use hazardloop::policy::Policy;
use hazardloop::report::{LedgerFilter, Page};
use hazardloop::sqlite::SqliteStore;
use hazardloop::workflow::{Command, Discover, StageKind, WorkflowError};
use serde_json::{json, Value};

type Result<T, E = Box<dyn Error + Send + Sync>> = std::result::Result<T, E>;

/// What every handler shares: the engine and the tenant this host serves.
#[derive(Clone)]
struct App {
    engine: Arc<Engine<SqliteStore, Discard>>,
    tenant: TenantId,
}

/// An HTTP error with a JSON body `{"error": {"kind", "message", "rule"?, "field"?}}`.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    body: Value,
}

impl ApiError {
    fn new(status: StatusCode, kind: &str, message: impl Into<String>) -> ApiError {
        ApiError { status, body: json!({ "error": { "kind": kind, "message": message.into() } }) }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// The status for each kind of engine error: what the client can do about it.
impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> ApiError {
        let (status, kind) = match &e {
            EngineError::Workflow(WorkflowError::Denied { .. }) => {
                (StatusCode::FORBIDDEN, "unauthorized")
            }
            // The step does not fit the hazard's current stage: its state conflicts.
            EngineError::Workflow(WorkflowError::NotAllowed { .. }) => {
                (StatusCode::CONFLICT, "conflict")
            }
            EngineError::Workflow(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation"),
            EngineError::Conflict { .. } => (StatusCode::CONFLICT, "conflict"),
            EngineError::NotFound { .. } | EngineError::UnknownTenant(_) => {
                (StatusCode::NOT_FOUND, "not_found")
            }
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        };
        let mut error = ApiError::new(status, kind, e.to_string());
        if let EngineError::Workflow(w) = &e {
            if let Some(rule) = w.rule() {
                error.body["error"]["rule"] = json!(rule.code());
            }
            if let WorkflowError::Input(input) = w {
                error.body["error"]["field"] = json!(input.field());
            }
        }
        error
    }
}

/// The person making the request. A real host would take it from its own session or token;
/// this example trusts a header `x-person` and looks the person up in the organisation.
fn actor(app: &App, headers: &HeaderMap) -> Result<Actor, ApiError> {
    let Some(name) = headers.get("x-person").and_then(|v| v.to_str().ok()) else {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "x-person 缺失"));
    };
    let org = app.engine.org(&app.tenant)?;
    let unknown =
        || ApiError::new(StatusCode::FORBIDDEN, "unauthorized", format!("未知人员 {name}"));
    let person = PersonId::new(name).map_err(|_| unknown())?;
    org.actor(&person).ok_or_else(unknown)
}

/// `POST /hazards`: the body is a `Discover` (unit, location, title, description, source, …).
async fn discover(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Json<Discover>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let actor = actor(&app, &headers)?;
    let Json(found) = body.map_err(|e| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", e.body_text())
    })?;
    let outcome = app.engine.execute(&actor, Request::new(Command::from(found))).await?;
    let view = app.engine.hazard(&app.tenant, outcome.hazard).await?;
    let stage = view.hazard.kind();
    let answer = json!({
        "id": outcome.hazard.to_string(),
        "version": outcome.version,
        "stage": stage,
        "stage_name": stage.name(Lang::Zh),
    });
    Ok((StatusCode::CREATED, Json(answer)))
}

/// A 422 naming the query parameter that is wrong.
fn invalid(name: &str, message: impl std::fmt::Display) -> ApiError {
    let mut error =
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", message.to_string());
    error.body["error"]["field"] = json!(name);
    error
}

/// A query parameter parsed with `FromStr` (`offset=50`, `overdue=true`, `unit=s1`).
fn parsed<T: std::str::FromStr>(name: &str, text: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e| invalid(name, e))
}

/// The ledger filter and page from `?stage=&unit=&category=&grade=&overdue=&text=&offset=&limit=`.
fn filter_of(params: &HashMap<String, String>) -> Result<(LedgerFilter, Page), ApiError> {
    let mut filter = LedgerFilter::default();
    let mut page = Page::default();
    for (key, value) in params {
        match key.as_str() {
            "stage" => {
                // Stages and grades are named as in JSON: `treating`, `major`.
                for stage in value.split(',') {
                    let stage = serde_json::from_value::<StageKind>(json!(stage));
                    filter.stages.insert(stage.map_err(|e| invalid(key, e))?);
                }
            }
            "unit" => filter.unit = Some(parsed::<UnitId>(key, value)?),
            "category" => filter.category = Some(parsed(key, value)?),
            "grade" => {
                let grade = serde_json::from_value::<Grade>(json!(value));
                filter.grade = Some(grade.map_err(|e| invalid(key, e))?);
            }
            "overdue" => filter.overdue = Some(parsed(key, value)?),
            "text" => filter.text = Some(value.clone()),
            "offset" => page.offset = parsed(key, value)?,
            "limit" => page.limit = parsed(key, value)?,
            _ => return Err(invalid(key, format!("未知参数 {key}"))),
        }
    }
    Ok((filter, page))
}

/// `GET /ledger`: a page of ledger rows (台账), newest discovery first.
async fn ledger(
    State(app): State<App>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    actor(&app, &headers)?; // only people of the organisation may read the ledger
    let (filter, page) = filter_of(&params)?;
    let found = app.engine.ledger(&app.tenant, &filter, page).await?;
    let rows = serde_json::to_value(&found.rows)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    Ok(Json(json!({ "total": found.total, "offset": page.offset, "rows": rows })))
}

/// The routes, over the shared engine.
fn router(app: App) -> Router {
    Router::new().route("/hazards", post(discover)).route("/ledger", get(ledger)).with_state(app)
}

/// A school from the seed 001 preset with an inspector and a safety officer.
fn organisation(tenant: &TenantId) -> Result<Org> {
    let mut org = Preset::FocusAreas.school_org(
        tenant.clone(),
        (UnitId::new("bureau")?, "区教育局"),
        (UnitId::new("s1")?, "第一中学"),
    )?;
    org.add_person(
        Person::new(PersonId::new("zhou")?, "周检查员", UnitId::new("s1")?)
            .with_role(Role::Inspector),
    )?;
    org.add_person(
        Person::new(PersonId::new("zhang")?, "张安全员", UnitId::new("s1/security")?)
            .with_role(Role::SafetyOfficer),
    )?;
    Ok(org)
}

/// The application: a fresh SQLite file (reruns start clean), the system clock, no notifier.
fn app() -> Result<App> {
    let tenant = TenantId::new("demo")?;
    std::fs::create_dir_all("hazardloop-demo")?;
    let path = "hazardloop-demo/embed_axum.db";
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
    let store = SqliteStore::open(path)?;
    store.migrate()?;
    let engine = Engine::new(store, Discard, Arc::new(SystemClock), Policy::default())
        .with_org(organisation(&tenant)?);
    Ok(App { engine: Arc::new(engine), tenant })
}

/// A finding as a client sends it.
fn finding(title: &str) -> Value {
    json!({
        "unit": "s1/logistics",
        "location": "教学楼二楼东侧楼梯",
        "title": title,
        "description": "两处固定螺栓松动",
        "source": "daily_patrol"
    })
}

/// Serves on a free port, sends requests to itself and checks each answer.
async fn smoke(app: App) -> Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(async move { axum::serve(listener, router(app)).await });
    let client = reqwest::Client::new();
    let post = |person: &str, body: &Value| {
        client.post(format!("{base}/hazards")).header("x-person", person).json(body).send()
    };

    let created = post("zhou", &finding("楼梯扶手松动")).await?;
    let status = created.status();
    let body: Value = created.json().await?;
    check(status == reqwest::StatusCode::CREATED, "POST /hazards → 201", &body)?;
    check(body["stage"] == "discovered", "新隐患处于「已发现」环节", &body)?;

    let listed = client
        .get(format!("{base}/ledger?stage=discovered&text=扶手&limit=10"))
        .header("x-person", "zhang")
        .send()
        .await?;
    let status = listed.status();
    let body: Value = listed.json().await?;
    check(status == reqwest::StatusCode::OK, "GET /ledger → 200", &body)?;
    check(body["total"] == 1, "台账中有 1 条", &body)?;
    check(body["rows"][0]["title"] == "楼梯扶手松动", "台账行的标题", &body)?;

    let stranger = post("nobody", &finding("楼梯扶手松动")).await?;
    let status = stranger.status();
    let body: Value = stranger.json().await?;
    check(status == reqwest::StatusCode::FORBIDDEN, "未知人员 → 403", &body)?;

    let untitled = post("zhou", &finding(" ")).await?;
    let status = untitled.status();
    let body: Value = untitled.json().await?;
    check(status == reqwest::StatusCode::UNPROCESSABLE_ENTITY, "标题为空 → 422", &body)?;
    check(body["error"]["field"] == "title", "错误指出字段 title", &body)?;

    server.abort();
    println!("冒烟测试全部通过");
    Ok(())
}

/// Prints a check; fails the run if it does not hold.
fn check(ok: bool, what: &str, body: &Value) -> Result<()> {
    if ok {
        println!("  通过：{what}");
        Ok(())
    } else {
        Err(format!("未通过：{what}；响应：{body}").into())
    }
}

/// Serves on 127.0.0.1:3000 until Ctrl-C.
async fn serve() -> Result<()> {
    // Bound first, so a second copy fails before it touches the first one's database.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    let app = app()?;
    app.engine.save_documents(&app.tenant).await?;
    println!("在 http://127.0.0.1:3000 提供服务，按 Ctrl-C 停止。试试：");
    println!(
        "  curl -i -X POST http://127.0.0.1:3000/hazards -H 'content-type: application/json' \
         -H 'x-person: zhou' -d '{}'",
        finding("楼梯扶手松动")
    );
    println!(
        "  curl -s 'http://127.0.0.1:3000/ledger?stage=discovered&limit=10' -H 'x-person: zhang'"
    );
    println!(
        "  curl -i -X POST http://127.0.0.1:3000/hazards -H 'content-type: application/json' \
         -H 'x-person: zhou' -d '{}'",
        finding("")
    );
    axum::serve(listener, router(app))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    if std::env::args().any(|a| a == "--smoke") {
        let app = app()?;
        // Saved with the data, so `hazardloop --db hazardloop-demo/embed_axum.db list` opens it.
        app.engine.save_documents(&app.tenant).await?;
        smoke(app).await
    } else {
        serve().await
    }
}
