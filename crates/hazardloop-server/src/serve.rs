//! The router with its layers, and running the service until SIGTERM.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hazardloop_core::policy::Limits;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

use crate::problem::{Kind, Problem};
use crate::scheduler::Scheduler;
use crate::state::Service;
use crate::store::ServedStore;

/// The largest request body the policy's limits allow: a command with every text and evidence
/// item at its limit, at four bytes a character (297 KB with the default limits).
pub fn body_limit(limits: &Limits) -> usize {
    8 * 1024
        + 4 * (limits.title
            + 6 * limits.text
            + limits.evidence_items * (limits.uri + limits.media_type + limits.title))
}

/// Commands of an offline batch: at most the policy's page size, and a body of at most this
/// many commands at their largest.
pub const BATCH_BODIES: usize = 64;

/// The router of `service`: every route of [`crate::routes::table`], request ids, tracing,
/// metrics, body limits, problem documents for the router's own refusals, and CORS when
/// configured.
pub fn router<S: ServedStore>(service: Arc<Service<S>>) -> Router {
    let mut router = Router::new();
    let limit = body_limit(service.engine().policy().limits());
    for (doc, handler) in crate::routes::table::<S>() {
        // The route's own limit is the innermost, so it wins over the router's.
        let handler = if doc.id == "batch" {
            handler.layer(DefaultBodyLimit::max(limit * BATCH_BODIES))
        } else {
            handler
        };
        router = router.route(&doc.path, handler);
    }
    let mut router = router
        .fallback(|| async {
            Problem::new(Kind::Unknown, "没有这个接口", "no such route (see /v1/openapi.json)")
        })
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(service.clone(), observe::<S>))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %request.method(), uri = %request.uri(), request_id = %id)
        }))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(Sequence::new()));
    let origins: Vec<HeaderValue> = service
        .config()
        .cors_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    if !origins.is_empty() {
        router = router.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::POST, Method::PUT])
                .allow_headers([
                    header::AUTHORIZATION,
                    header::CONTENT_TYPE,
                    header::IF_MATCH,
                    header::HeaderName::from_static("idempotency-key"),
                    header::HeaderName::from_static(crate::auth::ACTING_FOR),
                ])
                .expose_headers([
                    header::ETAG,
                    header::HeaderName::from_static("idempotency-replayed"),
                ]),
        );
    }
    let console = crate::console::router(service.clone());
    router.with_state(service).merge(console)
}

/// Request ids `<process>-<n>`: a random prefix drawn once per process and a counter, so an id
/// costs no system call (a client's own `X-Request-Id` is kept as it is).
#[derive(Clone)]
struct Sequence {
    prefix: Arc<str>,
    next: Arc<std::sync::atomic::AtomicU64>,
}

impl Sequence {
    fn new() -> Sequence {
        let mut bits = [0u8; 4];
        // Without randomness the ids are still unique within the process.
        let _ = getrandom::fill(&mut bits);
        Sequence { prefix: hex::encode(bits).into(), next: Arc::default() }
    }
}

impl MakeRequestId for Sequence {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n}", self.prefix)).ok().map(RequestId::new)
    }
}

/// Meters each request, and turns the router's own plain-text refusals (405, 413, a body the
/// extractor refused) into problem documents.
async fn observe<S: ServedStore>(
    State(service): State<Arc<Service<S>>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = request.method().to_string();
    let mut response = next.run(request).await;
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !is_problem && (response.status().is_client_error() || response.status().is_server_error()) {
        let status = response.status();
        let problem = match status {
            StatusCode::METHOD_NOT_ALLOWED => Problem::new(
                Kind::MethodNotAllowed,
                "此接口不支持该请求方法",
                "method not allowed on this route",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => Problem::new(
                Kind::TooLarge,
                "请求体超出制度参数规定的上限",
                "the body is larger than the policy's limits allow",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Problem::new(
                Kind::UnsupportedMedia,
                "请求体须为 JSON",
                "the body must be application/json",
            ),
            s if s.is_server_error() => Problem::new(Kind::Internal, "服务内部错误", s.to_string()),
            s => Problem::new(Kind::Malformed, "请求格式错误", s.to_string()),
        };
        response = problem.into_response();
    }
    service.metrics.request(
        &route,
        &method,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// Serves `service` on `listener` with its scheduler until `shutdown` completes; then stops
/// taking requests, lets those in flight finish (up to `shutdown_grace_seconds`) and lets the
/// scheduler finish its current sweep or dispatch.
pub async fn serve<S: ServedStore>(
    service: Arc<Service<S>>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let scheduler = tokio::spawn(Scheduler::new(service.clone()).run(stop_rx.clone()));
    let grace = Duration::from_secs(service.config().shutdown_grace_seconds);
    let app = router(service);
    let mut stopped = stop_rx.clone();
    // Answers go out at once: no Nagle delay on a response written in parts.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
    });
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!("stopping: no new requests; finishing those in flight");
        let _ = stop_tx.send(true);
    });
    let served = std::future::IntoFuture::into_future(server);
    tokio::pin!(served);
    let result = tokio::select! {
        r = &mut served => r,
        () = async {
            let _ = stopped.wait_for(|s| *s).await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!("requests still in flight after the grace period; exiting");
            Ok(())
        }
    };
    // The scheduler finishes the sweep batch or dispatch it is in, then returns.
    let _ = scheduler.await;
    result
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn terminated() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
