//! The rows of the route table for inspections (排查): templates, plans, occurrences, their
//! statistics and the inspector's commands on an occurrence.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post, put};

use crate::auth::Caller;
use crate::routes::doc::{doc, Body};
use crate::routes::{inspections, Route};
use crate::state::Service;
use crate::store::ServedStore;

/// Templates, plans, generating occurrences, the caller's due list, occurrences, statistics and
/// the commands on an occurrence.
pub(crate) fn inspection_routes<S: ServedStore>() -> Vec<Route<S>> {
    let mut routes: Vec<Route<S>> = vec![
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
    ];
    routes.extend(inspections::COMMANDS.into_iter().map(occurrence_route::<S>));
    routes
}

/// The route of an inspector's command (`start`, `answer`, …) on an occurrence.
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
