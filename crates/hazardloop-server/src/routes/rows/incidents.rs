//! The rows of the route table for incidents (突发事件报告): opening one, listing, statistics,
//! showing, history, verifying, and the actions on an incident.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};

use crate::auth::Caller;
use crate::routes::doc::{doc, Body};
use crate::routes::{incidents, Route};
use crate::state::Service;
use crate::store::ServedStore;

/// The routes of incidents.
pub(crate) fn incident_routes<S: ServedStore>() -> Vec<Route<S>> {
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
    routes
}

/// The route of one action on an incident (a report, a follow-up, closing it, …).
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
