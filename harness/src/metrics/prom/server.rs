//! The `/metrics` endpoint: an axum server on an address the user names, bound before
//! anything runs (so a bad address is an input error, not a lost run), serving the
//! registry until told to stop.

use std::{net::SocketAddr, sync::Arc};

use axum::{Router, extract::State, http::header, response::IntoResponse, routing::get};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::Registry;

/// Why the metrics endpoint could not start.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error("--metrics-listen {addr:?} is not an address: {reason}; give HOST:PORT, e.g. 127.0.0.1:9464")]
    BadAddress { addr: String, reason: String },
    #[error("--metrics-listen {addr}: cannot listen there: {reason}; pick a free port or stop what uses it")]
    Bind { addr: String, reason: String },
}

/// A running `/metrics` server.
#[derive(Debug)]
pub struct MetricsServer {
    addr: SocketAddr,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

/// The routes: `/metrics`, and `/` saying where the metrics are.
pub fn app(registry: Arc<Registry>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/", get(|| async { "gasbench: metrics at /metrics\n" }))
        .with_state(registry)
}

async fn metrics(State(registry): State<Arc<Registry>>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, prometheus::TEXT_FORMAT)], registry.render())
}

impl MetricsServer {
    /// Binds `addr` (HOST:PORT; port 0 picks a free one) and serves `registry`.
    pub async fn start(addr: &str, registry: Arc<Registry>) -> Result<Self, MetricsError> {
        let parsed: SocketAddr = addr.parse().map_err(|e: std::net::AddrParseError| MetricsError::BadAddress {
            addr: addr.into(),
            reason: e.to_string(),
        })?;
        let listener = tokio::net::TcpListener::bind(parsed)
            .await
            .map_err(|e| MetricsError::Bind { addr: addr.into(), reason: e.to_string() })?;
        let local =
            listener.local_addr().map_err(|e| MetricsError::Bind { addr: addr.into(), reason: e.to_string() })?;
        let stop = CancellationToken::new();
        let token = stop.clone();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app(registry)).with_graceful_shutdown(token.cancelled_owned()).await;
        });
        Ok(Self { addr: local, stop, task })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving and waits for the server to finish.
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}
