//! The rows of the route table for operations (health, metrics, this document), the stored
//! documents (organisation, policy) and the exports.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::routing::{get, put};
use hazardloop_export::What;

use crate::auth::Caller;
use crate::routes::doc::{doc, Body};
use crate::routes::{documents, ops, queries, Route};
use crate::state::Service;
use crate::store::ServedStore;

/// Liveness, readiness, metrics and the OpenAPI document: the routes without a token.
pub(crate) fn operation_routes<S: ServedStore>() -> Vec<Route<S>> {
    vec![
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
    ]
}

/// The organisation and the policy.
pub(crate) fn document_routes<S: ServedStore>() -> Vec<Route<S>> {
    vec![
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
    ]
}

/// The downloads of the ledger and the statistics.
pub(crate) fn export_routes<S: ServedStore>() -> Vec<Route<S>> {
    [What::Ledger, What::Stats, What::Inspections].into_iter().map(export_route::<S>).collect()
}

/// The route of one export.
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
