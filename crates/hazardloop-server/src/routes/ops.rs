//! Operations: liveness, readiness, metrics, and the OpenAPI document.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hazardloop_core::store::OutboxStatus;
use serde_json::json;

use crate::state::Service;
use crate::store::ServedStore;

/// `GET /healthz`: the process answers.
pub async fn healthz() -> Response {
    axum::Json(json!({ "status": "ok" })).into_response()
}

/// `GET /readyz`: the store is reachable and its schema is this build's.
pub async fn readyz<S: ServedStore>(State(service): State<Arc<Service<S>>>) -> Response {
    match service.store.check_schema().await {
        Ok(()) => axum::Json(json!({ "status": "ready", "store": service.store.kind() })).into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({ "status": "not ready", "store": service.store.kind(), "reason": e.to_string() })),
        )
            .into_response(),
    }
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics<S: ServedStore>(State(service): State<Arc<Service<S>>>) -> Response {
    let m = &service.metrics;
    let (mut pending, mut dead) = (0i64, 0i64);
    for tenant in &service.tenants {
        pending +=
            service.store.outbox(tenant, OutboxStatus::Pending).await.map_or(0, |v| v.len() as i64);
        dead +=
            service.store.outbox(tenant, OutboxStatus::Dead).await.map_or(0, |v| v.len() as i64);
    }
    m.outbox_pending.set(pending);
    m.dead_letters.set(dead);
    let last = m.last_sweep_ms.load(std::sync::atomic::Ordering::Relaxed);
    if last > 0 {
        let now = service.engine().now().timestamp_millis();
        m.sweep_lag.set((now - last).max(0) as f64 / 1000.0);
    }
    let mut response = m.encode().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}
