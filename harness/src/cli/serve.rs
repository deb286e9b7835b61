//! `gasbench serve`: the HTTP service (see docs/service.md). Refuses to listen beyond
//! loopback without a token; on SIGINT/SIGTERM it stops taking runs, cancels the running
//! ones, stores their partial reports marked interrupted, and exits within 10 s.

use std::{net::SocketAddr, path::PathBuf, process::ExitCode, time::Duration};

use clap::Args;

use super::{EXIT_BAD_INPUT, EXIT_OK};
use crate::{
    metrics::prom::MetricsServer,
    scenario::Limits,
    service::{self, Location, Service, ServiceConfig, Store, Token},
};

/// Time given to running runs to store their partial reports at shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(8);

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where to listen (HOST:PORT; port 0 picks one). Beyond loopback a token is required.
    #[arg(long, env = "GASBENCH_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// The bearer token clients must send (at least 16 characters).
    #[arg(long, env = "GASBENCH_TOKEN", hide_env_values = true, conflicts_with = "token_file")]
    pub token: Option<Token>,
    /// Read the bearer token from this file instead.
    #[arg(long, env = "GASBENCH_TOKEN_FILE", value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Require the token on reads too (by default only on mutating requests).
    #[arg(long, env = "GASBENCH_TOKEN_ON_READS")]
    pub token_on_reads: bool,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Runs at the same time (they compete for the same cores).
    #[arg(long, env = "GASBENCH_MAX_RUNNING", default_value_t = 1)]
    pub max_running: usize,
    /// Runs waiting at most; one more is refused with 429.
    #[arg(long, env = "GASBENCH_MAX_QUEUED", default_value_t = 16)]
    pub max_queued: usize,
    /// Largest request body (413 beyond).
    #[arg(long, env = "GASBENCH_MAX_BODY_BYTES", default_value_t = 1 << 20)]
    pub max_body_bytes: usize,
    /// Memory a posted run may plan to use, MiB: a scenario whose estimate is larger is
    /// refused (422). Default: what the machine has available when the run is posted.
    #[arg(long, env = "GASBENCH_MEMORY_AVAILABLE_MIB")]
    pub memory_available_mib: Option<u64>,
    /// Concurrent submissions towards the target, per run.
    #[arg(long, env = "GASBENCH_MAX_BATCHES", default_value_t = 64)]
    pub max_batches_in_flight: u32,
    /// Serve every run's Prometheus metrics (label `run_id`) at http://ADDR/metrics.
    #[arg(long, env = "GASBENCH_METRICS_LISTEN", value_name = "HOST:PORT")]
    pub metrics_listen: Option<String>,
    /// An ended run's series are removed this long after it ended.
    #[arg(long, env = "GASBENCH_METRICS_RETENTION", default_value = "5m", value_parser = humantime::parse_duration)]
    pub metrics_retention: Duration,
}

/// Where runs are stored (shared by `serve` and `history`).
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Directory of the SQLite store (default: ~/.local/share/gasbench).
    #[arg(long, env = "GASBENCH_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Use this database instead, e.g. postgres://user:password@127.0.0.1/gasbench.
    #[arg(long, env = "GASBENCH_DATABASE_URL", hide_env_values = true, conflicts_with = "data_dir")]
    pub database_url: Option<DatabaseUrl>,
}

/// A database URL; its `Debug` hides the password.
#[derive(Clone)]
pub struct DatabaseUrl(pub String);

impl core::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&service::store::redact_url(&self.0))
    }
}

impl core::str::FromStr for DatabaseUrl {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") || s.starts_with("sqlite:") {
            Ok(Self(s.to_string()))
        } else {
            Err("give postgres://USER:PASSWORD@HOST/DB (or sqlite://FILE)".into())
        }
    }
}

impl StoreArgs {
    pub fn location(&self) -> Location {
        match (&self.database_url, &self.data_dir) {
            (Some(url), _) => Location::Url(url.0.clone()),
            (None, Some(dir)) => Location::DataDir(dir.clone()),
            (None, None) => Location::DataDir(service::store::default_data_dir()),
        }
    }
}

pub fn run(args: &ServeArgs) -> ExitCode {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GASBENCH_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Colours only on a terminal: a log file stays greppable.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    let token = match (&args.token, &args.token_file) {
        (Some(t), _) => Some(t.clone()),
        (None, Some(path)) => match Token::from_file(path) {
            Ok(t) => Some(t),
            Err(e) => return bad_input(&e, "put the token alone in the file"),
        },
        (None, None) => None,
    };
    let addr: SocketAddr = match args.listen.parse() {
        Ok(a) => a,
        Err(e) => return bad_input(&format!("--listen {:?}: {e}", args.listen), "give HOST:PORT, e.g. 127.0.0.1:8080"),
    };
    if token.is_none() && !addr.ip().is_loopback() {
        return bad_input(
            &format!("--listen {addr} is reachable from other machines, and no token is set"),
            "set GASBENCH_TOKEN (or --token-file), or listen on 127.0.0.1",
        );
    }
    let config = ServiceConfig {
        max_running: args.max_running.max(1),
        max_queued: args.max_queued,
        max_body_bytes: args.max_body_bytes,
        token,
        token_on_reads: args.token_on_reads,
        limits: Limits { memory_available_bytes: args.memory_available_mib.map(|m| m << 20), ..Default::default() },
        max_batches_in_flight: args.max_batches_in_flight,
        metrics_retention: args.metrics_retention,
        ..ServiceConfig::default()
    };
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return bad_input(&format!("cannot start the async runtime: {e}"), "check the process limits"),
    };
    rt.block_on(serve(addr, config, args.store.location(), args.metrics_listen.as_deref()))
}

async fn serve(addr: SocketAddr, config: ServiceConfig, location: Location, metrics: Option<&str>) -> ExitCode {
    let store = match Store::open(&location).await {
        Ok(s) => s,
        Err(e) => return bad_input(&e.to_string(), "see --data-dir and --database-url"),
    };
    let svc = match Service::start(config, store).await {
        Ok(s) => s,
        Err(e) => return bad_input(&e.to_string(), "the store opened but does not answer"),
    };
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => return bad_input(&format!("--listen {addr}: cannot listen there: {e}"), "pick a free port"),
    };
    let metrics = match metrics {
        Some(m) => match MetricsServer::start(m, svc.registry.clone()).await {
            Ok(s) => Some(s),
            Err(e) => return bad_input(&e.to_string(), "see --metrics-listen"),
        },
        None => None,
    };
    let local = listener.local_addr().map_or(addr, |a| a);
    eprintln!("gasbench serve: listening on http://{local} (store {})", location.shown());
    if let Some(m) = &metrics {
        eprintln!("gasbench serve: metrics at http://{}/metrics", m.addr());
    }
    let stopped = tokio_util::sync::CancellationToken::new();
    let server = {
        let (stopped, app) = (stopped.clone(), service::app(svc.clone()));
        tokio::spawn(async move { axum::serve(listener, app).with_graceful_shutdown(stopped.cancelled_owned()).await })
    };
    super::run::signalled().await;
    eprintln!("gasbench serve: stopping: no new runs; cancelling running ones and storing their partial reports");
    svc.shutdown(SHUTDOWN_GRACE).await;
    stopped.cancel();
    // Open connections (an SSE follower of a run that just ended) get a moment to close.
    let _ = tokio::time::timeout(Duration::from_secs(1), server).await;
    if let Some(m) = metrics {
        m.stop().await;
    }
    svc.store.close().await;
    eprintln!("gasbench serve: stopped");
    ExitCode::from(EXIT_OK)
}

fn bad_input(what: &str, hint: &str) -> ExitCode {
    eprintln!("error: {what}\n  hint: {hint}");
    ExitCode::from(EXIT_BAD_INPUT)
}
