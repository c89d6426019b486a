//! Prometheus metrics (`GET /metrics`, text format): requests by route and status, a latency
//! histogram, the sweep's lag, the outbox's depth and its dead letters.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// A request's labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The route's template (`/v1/hazards/{id}/pass`), never the raw path.
    pub route: String,
    /// The method.
    pub method: String,
    /// The status.
    pub status: u16,
}

/// A route's labels (for the latency histogram).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// The route's template.
    pub route: String,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms to about 8 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

/// The service's meters.
pub struct Metrics {
    registry: Registry,
    pub(crate) requests: Family<RequestLabels, Counter>,
    pub(crate) latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    pub(crate) sweeps: Counter,
    pub(crate) sweep_failures: Counter,
    pub(crate) rungs_fired: Counter,
    pub(crate) delivered: Counter,
    pub(crate) sweep_lag: Gauge<f64, AtomicU64>,
    pub(crate) outbox_pending: Gauge,
    pub(crate) dead_letters: Gauge,
    /// When the last sweep that finished had started, as Unix milliseconds (0: none yet).
    pub(crate) last_sweep_ms: AtomicI64,
}

impl Metrics {
    /// Fresh meters, registered.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("hazardloop");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: Family<RouteLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        let (sweeps, sweep_failures, rungs_fired, delivered) =
            (Counter::default(), Counter::default(), Counter::default(), Counter::default());
        let sweep_lag = Gauge::<f64, AtomicU64>::default();
        let (outbox_pending, dead_letters) = (Gauge::default(), Gauge::default());
        registry.register(
            "http_requests",
            "HTTP requests by route, method and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            latency.clone(),
        );
        registry.register("sweeps", "Sweeps run by the scheduler", sweeps.clone());
        registry.register(
            "sweep_failures",
            "Sweeps that failed (retried next tick)",
            sweep_failures.clone(),
        );
        registry.register(
            "rungs_fired",
            "Escalation rungs fired by this process",
            rungs_fired.clone(),
        );
        registry.register(
            "deliveries",
            "Outbox messages delivered by this process",
            delivered.clone(),
        );
        registry.register(
            "sweep_lag_seconds",
            "Seconds since the instant the last finished sweep swept up to",
            sweep_lag.clone(),
        );
        registry.register(
            "outbox_pending",
            "Outbox messages waiting for delivery (served tenants)",
            outbox_pending.clone(),
        );
        registry.register(
            "outbox_dead_letters",
            "Outbox messages given up on (served tenants)",
            dead_letters.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            sweeps,
            sweep_failures,
            rungs_fired,
            delivered,
            sweep_lag,
            outbox_pending,
            dead_letters,
            last_sweep_ms: AtomicI64::new(0),
        }
    }

    /// Records one request.
    pub(crate) fn request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let labels = RequestLabels { route: route.into(), method: method.into(), status };
        self.requests.get_or_create(&labels).inc();
        self.latency.get_or_create(&RouteLabels { route: route.into() }).observe(seconds);
    }

    /// The text exposition.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    /// Notes a finished sweep that swept up to `at` (Unix milliseconds).
    pub(crate) fn swept(&self, at_ms: i64) {
        self.sweeps.inc();
        self.last_sweep_ms.store(at_ms, Ordering::Relaxed);
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
