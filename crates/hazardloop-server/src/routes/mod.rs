//! Every route of the API in one table: the router and the OpenAPI document are both built from
//! it, so neither can list a route the other lacks.

pub mod batch;
pub mod campaigns;
pub mod documents;
pub mod duties;
pub mod hazards;
pub mod http;
pub mod incidents;
pub mod inspections;
pub mod ops;
pub mod queries;
mod records;

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post, put, MethodRouter};
use hazardloop_core::model::{Lang, Named};
use hazardloop_core::workflow::Step;
use hazardloop_export::What;

use crate::auth::Caller;
use crate::state::Service;
use crate::store::ServedStore;

/// What a route's request body is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    /// None.
    None,
    /// A JSON object: the members of the named command or document.
    Json,
    /// A TOML text (templates, plans, the policy).
    Toml,
}

/// A route's documentation.
#[derive(Clone, Debug)]
pub struct Doc {
    /// `get`, `post` or `put`.
    pub method: &'static str,
    /// The path template, as in OpenAPI (`/v1/hazards/{id}`).
    pub path: String,
    /// The operation id.
    pub id: String,
    /// What it does (Chinese, then English).
    pub summary: String,
    /// Its group.
    pub tag: &'static str,
    /// Its request body.
    pub body: Body,
    /// The status of success.
    pub ok: u16,
    /// Whether a bearer token is needed.
    pub auth: bool,
    /// The media type of success.
    pub produces: &'static str,
}

fn doc(
    method: &'static str,
    path: impl Into<String>,
    id: impl Into<String>,
    summary: impl Into<String>,
    tag: &'static str,
) -> Doc {
    Doc {
        method,
        path: path.into(),
        id: id.into(),
        summary: summary.into(),
        tag,
        body: Body::None,
        ok: 200,
        auth: true,
        produces: "application/json",
    }
}

impl Doc {
    fn body(mut self, body: Body) -> Doc {
        self.body = body;
        self
    }
    fn ok(mut self, status: u16) -> Doc {
        self.ok = status;
        self
    }
    fn open(mut self) -> Doc {
        self.auth = false;
        self
    }
    fn produces(mut self, media: &'static str) -> Doc {
        self.produces = media;
        self
    }
}

/// A route: its documentation and its handler.
pub type Route<S> = (Doc, MethodRouter<Arc<Service<S>>>);

/// The route of an auxiliary or step command on a hazard.
fn step_route<S: ServedStore>(step: Step) -> Route<S> {
    let code = hazards::step_code(step);
    let handler = move |State(s): State<Arc<Service<S>>>,
                        c: Caller,
                        Path(id): Path<String>,
                        h: HeaderMap,
                        b: Bytes| { hazards::step(s, c, id, h, b, step) };
    let d = doc(
        "post",
        format!("/v1/hazards/{{id}}/{code}"),
        code.clone(),
        format!("{}（{}）", step.name(Lang::Zh), step.name(Lang::En)),
        "hazards",
    )
    .body(Body::Json);
    (d, post(handler))
}

fn export_route<S: ServedStore>(what: What) -> Route<S> {
    let handler =
        move |State(s): State<Arc<Service<S>>>,
              c: Caller,
              Query(p): Query<HashMap<String, String>>| { queries::export(s, c, p, what) };
    let (zh, en) = match what {
        What::Ledger => ("台账", "the ledger"),
        What::Stats => ("统计表", "the statistics table"),
        What::Inspections => ("检查统计", "the inspection statistics"),
    };
    let d = doc(
        "get",
        format!("/v1/exports/{}", what.name()),
        format!("export_{}", what.name()),
        format!("导出{zh}（download {en}: ?format=xlsx|csv|json|html&period=）"),
        "exports",
    )
    .produces("application/octet-stream");
    (d, get(handler))
}

fn occurrence_route<S: ServedStore>(name: &'static str) -> Route<S> {
    let handler = move |State(s): State<Arc<Service<S>>>,
                        c: Caller,
                        Path(id): Path<String>,
                        h: HeaderMap,
                        b: Bytes| { inspections::command(s, c, id, h, b, name) };
    let d = doc(
        "post",
        format!("/v1/inspections/occurrences/{{id}}/{name}"),
        format!("occurrence_{name}"),
        format!("检查任务：{name}（an inspector's command on an occurrence）"),
        "inspections",
    )
    .body(Body::Json);
    (d, post(handler))
}

fn incident_action_route<S: ServedStore>((name, zh, en): (&'static str, &str, &str)) -> Route<S> {
    let handler = move |State(s): State<Arc<Service<S>>>,
                        c: Caller,
                        Path(id): Path<String>,
                        h: HeaderMap,
                        b: Bytes| { incidents::action(s, c, id, h, b, name) };
    let d = doc(
        "post",
        format!("/v1/incidents/{{id}}/{name}"),
        format!("incident_{name}"),
        format!("突发事件：{zh}（{en}）"),
        "incidents",
    )
    .body(Body::Json);
    (d, post(handler))
}

/// The routes of incidents, report duties and campaigns.
fn record_routes<S: ServedStore>() -> Vec<Route<S>> {
    let mut routes: Vec<Route<S>> = vec![
        (
            doc(
                "post",
                "/v1/incidents",
                "open_incident",
                "突发事件报告：登记事件，开始电话报告与书面报告计时（open an incident）",
                "incidents",
            )
            .body(Body::Json)
            .ok(201),
            post(incidents::open::<S>),
        ),
        (
            doc(
                "get",
                "/v1/incidents",
                "incidents",
                "突发事件列表（incidents: ?open=&unit=&kind=&from=&to=）",
                "incidents",
            ),
            get(incidents::list::<S>),
        ),
        (
            doc(
                "get",
                "/v1/incidents/statistics",
                "incident_statistics",
                "突发事件报告统计（how incident reports went in a period: ?period=）",
                "incidents",
            ),
            get(incidents::statistics::<S>),
        ),
        (
            doc(
                "get",
                "/v1/incidents/{id}",
                "incident",
                "突发事件及其报告时限（an incident and its report clocks）",
                "incidents",
            ),
            get(incidents::show::<S>),
        ),
        (
            doc(
                "get",
                "/v1/incidents/{id}/history",
                "incident_history",
                "突发事件全过程记录（an incident's stored events）",
                "incidents",
            ),
            get(incidents::history::<S>),
        ),
        (
            doc(
                "get",
                "/v1/incidents/{id}/verify",
                "verify_incident",
                "校验突发事件记录链（verify an incident's chain）",
                "incidents",
            ),
            get(incidents::verify::<S>),
        ),
    ];
    routes.extend(incidents::ACTIONS.into_iter().map(incident_action_route::<S>));
    routes.extend([
        (
            doc(
                "get",
                "/v1/duties/schedules",
                "duty_schedules",
                "报告制度（the report schedules）",
                "duties",
            ),
            get(duties::schedules::<S>),
        ),
        (
            doc(
                "put",
                "/v1/duties/schedules",
                "put_duty_schedules",
                "修改报告制度（replace the report schedules: TOML [[schedules]] or a JSON array）",
                "duties",
            )
            .body(Body::Toml),
            put(duties::put_schedules::<S>),
        ),
        (
            doc(
                "post",
                "/v1/duties/generate",
                "generate_duties",
                "生成报告事项（generate the duties due in a range: ?from=&to=）",
                "duties",
            ),
            post(duties::generate::<S>),
        ),
        (
            doc(
                "get",
                "/v1/duties",
                "duties",
                "报告事项列表（report duties: ?open=&unit=&schedule=&from=&to=）",
                "duties",
            ),
            get(duties::list::<S>),
        ),
        (
            doc(
                "get",
                "/v1/duties/statistics",
                "duty_statistics",
                "报告事项统计（how the duties due in a period went: ?period=）",
                "duties",
            ),
            get(duties::statistics::<S>),
        ),
        (
            doc(
                "get",
                "/v1/duties/{id}",
                "duty",
                "报告事项（one duty; its id's slashes as %2F）",
                "duties",
            ),
            get(duties::show::<S>),
        ),
        (
            doc(
                "post",
                "/v1/duties/{id}/submit",
                "submit_duty",
                "报送报告事项（submit a duty）",
                "duties",
            )
            .body(Body::Json),
            post(duties::submit::<S>),
        ),
        (
            doc(
                "get",
                "/v1/duties/{id}/history",
                "duty_history",
                "报告事项全过程记录（a duty's stored events）",
                "duties",
            ),
            get(duties::history::<S>),
        ),
        (
            doc(
                "get",
                "/v1/duties/{id}/verify",
                "verify_duty",
                "校验报告事项记录链（verify a duty's chain）",
                "duties",
            ),
            get(duties::verify::<S>),
        ),
        (
            doc("get", "/v1/campaigns", "campaigns", "专项整治（the campaigns）", "campaigns"),
            get(campaigns::list::<S>),
        ),
        (
            doc(
                "put",
                "/v1/campaigns/{code}",
                "put_campaign",
                "新增或修改专项整治（add or replace a campaign: TOML or JSON）",
                "campaigns",
            )
            .body(Body::Toml),
            put(campaigns::put::<S>),
        ),
        (
            doc(
                "get",
                "/v1/campaigns/{code}/statistics",
                "campaign_statistics",
                "专项整治隐患问题统计表（a campaign's statistics table: ?phase=N, from 1）",
                "campaigns",
            ),
            get(campaigns::statistics::<S>),
        ),
        (
            doc(
                "get",
                "/v1/campaigns/{code}/statistics.xlsx",
                "campaign_statistics_xlsx",
                "下载专项整治统计表（download a campaign's statistics table: ?phase=N）",
                "campaigns",
            )
            .produces("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            get(campaigns::statistics_xlsx::<S>),
        ),
    ]);
    routes
}

/// Every route of the service.
pub fn table<S: ServedStore>() -> Vec<Route<S>> {
    let mut routes: Vec<Route<S>> = vec![
        (
            doc("get", "/healthz", "healthz", "存活检查（liveness）", "operations").open(),
            get(ops::healthz),
        ),
        (
            doc(
                "get",
                "/readyz",
                "readyz",
                "就绪检查：存储可达、结构为当前版本（readiness）",
                "operations",
            )
            .open(),
            get(ops::readyz::<S>),
        ),
        (
            doc("get", "/metrics", "metrics", "Prometheus 指标（metrics）", "operations")
                .open()
                .produces("application/openmetrics-text"),
            get(ops::metrics::<S>),
        ),
        (
            doc(
                "get",
                "/v1/openapi.json",
                "openapi",
                "本接口的 OpenAPI 3.1 文档（this document）",
                "operations",
            )
            .open(),
            get(crate::openapi::serve),
        ),
        (
            doc(
                "post",
                "/v1/hazards",
                "discover",
                "排查：发现并上报隐患（discover a hazard）",
                "hazards",
            )
            .body(Body::Json)
            .ok(201),
            post(hazards::create::<S>),
        ),
        (
            doc(
                "get",
                "/v1/hazards/{id}",
                "hazard",
                "隐患及其全过程记录（a hazard and its timeline）",
                "hazards",
            ),
            get(hazards::show::<S>),
        ),
        (
            doc(
                "get",
                "/v1/hazards/{id}/verify",
                "verify_hazard",
                "校验隐患记录链（verify a hazard's chain）",
                "hazards",
            ),
            get(hazards::verify::<S>),
        ),
    ];
    routes.extend(Step::ALL.into_iter().filter(|s| *s != Step::Discover).map(step_route::<S>));
    routes.extend([
        (
            doc(
                "get",
                "/v1/ledger",
                "ledger",
                "隐患台账：筛选与游标分页（the ledger, filtered, cursor-paged）",
                "queries",
            ),
            get(queries::ledger::<S>),
        ),
        (
            doc(
                "get",
                "/v1/statistics",
                "statistics",
                "统计表（the statistics table of a period）",
                "queries",
            ),
            get(queries::statistics::<S>),
        ),
        (
            doc(
                "post",
                "/v1/verify",
                "verify_all",
                "校验本单位全部隐患记录（verify every hazard）",
                "queries",
            ),
            post(queries::verify_all::<S>),
        ),
        (
            doc(
                "post",
                "/v1/batch",
                "batch",
                "离线采集的指令批量提交（commands recorded offline）",
                "hazards",
            )
            .body(Body::Json),
            post(batch::batch::<S>),
        ),
        (
            doc("get", "/v1/org", "get_org", "组织机构（the organisation）", "documents"),
            get(documents::get_org::<S>),
        ),
        (
            doc(
                "put",
                "/v1/org",
                "put_org",
                "修改组织机构（replace the organisation）",
                "documents",
            )
            .body(Body::Json),
            put(documents::put_org::<S>),
        ),
        (
            doc("get", "/v1/policy", "get_policy", "制度参数（the policy, TOML）", "documents")
                .produces("application/toml"),
            get(documents::get_policy::<S>),
        ),
        (
            doc(
                "put",
                "/v1/policy",
                "put_policy",
                "修改制度参数（replace the policy, TOML）",
                "documents",
            )
            .body(Body::Toml),
            put(documents::put_policy::<S>),
        ),
        (
            doc(
                "get",
                "/v1/inspections/templates",
                "templates",
                "检查表（checklist templates）",
                "inspections",
            ),
            get(inspections::templates::<S>),
        ),
        (
            doc(
                "post",
                "/v1/inspections/templates",
                "import_template",
                "导入检查表（import a template, TOML）",
                "inspections",
            )
            .body(Body::Toml),
            post(inspections::import_template::<S>),
        ),
        (
            doc("get", "/v1/inspections/plans", "plans", "检查计划（plans）", "inspections"),
            get(inspections::plans::<S>),
        ),
        (
            doc(
                "put",
                "/v1/inspections/plans",
                "put_plans",
                "修改检查计划（replace the plans, TOML）",
                "inspections",
            )
            .body(Body::Toml),
            put(inspections::put_plans::<S>),
        ),
        (
            doc(
                "post",
                "/v1/inspections/generate",
                "generate",
                "生成检查任务（generate occurrences: ?from=&to=）",
                "inspections",
            ),
            post(inspections::generate::<S>),
        ),
        (
            doc(
                "get",
                "/v1/inspections/due",
                "due",
                "本人待办检查（what the caller must inspect）",
                "inspections",
            ),
            get(inspections::due::<S>),
        ),
        (
            doc(
                "get",
                "/v1/inspections/occurrences",
                "occurrences",
                "检查任务列表（occurrences）",
                "inspections",
            ),
            get(inspections::occurrences::<S>),
        ),
        (
            doc(
                "get",
                "/v1/inspections/occurrences/{id}",
                "occurrence",
                "检查任务（one occurrence）",
                "inspections",
            ),
            get(inspections::occurrence::<S>),
        ),
        (
            doc(
                "get",
                "/v1/inspections/statistics",
                "inspection_statistics",
                "检查统计（inspection statistics of a period）",
                "inspections",
            ),
            get(inspections::statistics::<S>),
        ),
    ]);
    routes.extend(inspections::COMMANDS.into_iter().map(occurrence_route::<S>));
    routes
        .extend([What::Ledger, What::Stats, What::Inspections].into_iter().map(export_route::<S>));
    routes.extend(record_routes::<S>());
    routes
}

/// The documentation of every route.
pub fn docs() -> Vec<Doc> {
    // The documentation does not depend on the store: any served store gives the same table.
    table::<hazardloop_sqlite::SqliteStore>().into_iter().map(|(d, _)| d).collect()
}
