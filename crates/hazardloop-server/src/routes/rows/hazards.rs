//! The rows of the route table for hazards: discovering one, showing and verifying it, its
//! steps, and the queries over the ledger.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use hazardloop_core::model::{Lang, Named};
use hazardloop_core::workflow::Step;

use crate::auth::Caller;
use crate::routes::doc::{doc, Body};
use crate::routes::{batch, hazards, queries, Route};
use crate::state::Service;
use crate::store::ServedStore;

/// Discovering a hazard, showing and verifying it, and every step after discovery.
pub(crate) fn hazard_routes<S: ServedStore>() -> Vec<Route<S>> {
    let mut routes: Vec<Route<S>> = vec![
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
    routes
}

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

/// The ledger, the statistics, verifying every hazard, and the batch of commands recorded
/// offline.
pub(crate) fn query_routes<S: ServedStore>() -> Vec<Route<S>> {
    vec![
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
    ]
}
