//! `gasbench serve`: an HTTP service that queues, runs, streams, cancels and stores runs
//! over the same engine as `gasbench run`. `app(service) -> Router` is the whole API, so
//! tests drive it with `tower::ServiceExt::oneshot` and over a real socket alike.

mod accept;
mod auth;
mod body;
mod error;
mod job;
mod live;
pub mod openapi;
mod queue;
mod routes;
mod sse;
pub mod store;

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{HeaderName, Request},
    middleware,
};
use tower_http::{
    request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    trace::TraceLayer,
};

pub use auth::Token;
pub use error::ApiError;
pub use live::{End, Progress, View};
use queue::Queue;
pub use store::{Location, Status, Store, StoreError};

use crate::{metrics::prom::Registry, scenario::Limits};

/// How the service behaves (flags of `gasbench serve`).
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// Runs at the same time (they compete for the same cores).
    pub max_running: usize,
    /// Runs waiting beyond those; one more is refused with 429.
    pub max_queued: usize,
    /// Largest request body accepted (413 beyond).
    pub max_body_bytes: usize,
    /// The bearer token; `None` leaves the API open (loopback only, see `serve`).
    pub token: Option<Token>,
    /// Require the token on reads too.
    pub token_on_reads: bool,
    /// Limits applied to posted scenarios (as `gasbench run` applies them).
    pub limits: Limits,
    /// Concurrent submissions towards a target, per run.
    pub max_batches_in_flight: u32,
    /// A cancelled run drains at most this long.
    pub cancelled_drain: Duration,
    /// An ended run's Prometheus series stay this long, then go.
    pub metrics_retention: Duration,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            max_running: 1,
            max_queued: 16,
            max_body_bytes: 1 << 20,
            token: None,
            token_on_reads: false,
            limits: Limits::default(),
            max_batches_in_flight: 64,
            cancelled_drain: Duration::from_secs(3),
            metrics_retention: Duration::from_secs(300),
        }
    }
}

/// The service's state, shared by every request and run.
#[derive(Debug)]
pub struct Service {
    pub config: ServiceConfig,
    pub store: Store,
    /// Every run's Prometheus metrics (`run_id` label), for `--metrics-listen`.
    pub registry: Arc<Registry>,
    queue: Queue,
}

impl Service {
    /// A service over `store`. Runs the store left unfinished (a crash) are marked
    /// interrupted first.
    pub async fn start(config: ServiceConfig, store: Store) -> Result<Arc<Self>, StoreError> {
        let found = store.interrupt_leftovers(now_ms()).await?;
        if found > 0 {
            tracing::warn!(runs = found, "marked runs left unfinished by a previous service as interrupted");
        }
        let svc = Arc::new(Self { config, store, registry: Arc::new(Registry::new()), queue: Queue::default() });
        tokio::spawn(retention(Arc::downgrade(&svc)));
        Ok(svc)
    }

    /// Stops taking runs, cancels the running ones and waits (at most `grace`) for their
    /// partial reports to be stored; queued runs are stored as interrupted.
    pub async fn shutdown(self: &Arc<Self>, grace: Duration) {
        self.shutdown_queue(grace).await;
    }
}

/// Removes ended runs' series from the registry after the retention period.
async fn retention(svc: std::sync::Weak<Service>) {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tick.tick().await;
        let Some(svc) = svc.upgrade() else { return };
        if let Some(cutoff) = std::time::SystemTime::now().checked_sub(svc.config.metrics_retention) {
            svc.registry.retain_ended_after(cutoff);
        }
    }
}

/// Unix time in milliseconds.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Request ids `1`, `2`, ... unless the client sent `x-request-id`.
#[derive(Debug, Clone, Default)]
struct Counter(Arc<AtomicU64>);

impl MakeRequestId for Counter {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.0.fetch_add(1, Ordering::Relaxed) + 1;
        Some(RequestId::new(n.to_string().parse().expect("digits are a valid header value")))
    }
}

/// The whole API (see `openapi.rs` for the document of it).
pub fn app(svc: Arc<Service>) -> Router {
    let x_request_id = HeaderName::from_static("x-request-id");
    let trace = TraceLayer::new_for_http()
        .make_span_with(|req: &Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            // The path only: the query and headers (Authorization) are never logged.
            tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
        })
        .on_request(())
        .on_response(|res: &axum::http::Response<_>, latency: Duration, _: &tracing::Span| {
            tracing::info!(status = res.status().as_u16(), latency_ms = latency.as_secs_f64() * 1e3, "answered");
        });
    routes::router()
        .layer(middleware::from_fn_with_state(svc.clone(), auth::require_token))
        .layer(DefaultBodyLimit::max(svc.config.max_body_bytes))
        .layer(trace)
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, Counter::default()))
        .with_state(svc)
}
