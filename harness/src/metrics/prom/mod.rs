//! Prometheus export: a registry of runs (one for a CLI run, many in the service) whose
//! families are built at scrape time from each run's live figures, the catalog of every
//! metric, and the `/metrics` HTTP server. Names use base units and `_total` counters;
//! labels are bounded (the run's identity, workload, stage, reason, part, phase).

mod buckets;
pub mod catalog;
mod family;
mod run;
mod server;

use std::sync::{Arc, Mutex};

pub use buckets::LATENCY_BOUNDS_S;
pub use run::{DROP_REASONS, RunLabels, RunMetrics, drop_reason};
pub use server::{MetricsError, MetricsServer};

use crate::lock;

/// The runs being exported.
#[derive(Debug, Default)]
pub struct Registry {
    runs: Mutex<Vec<Arc<RunMetrics>>>,
    /// Version and git sha, found once (the sha may take a `git` call).
    build: std::sync::OnceLock<(String, String)>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Exports `run` from now on.
    pub fn add(&self, run: Arc<RunMetrics>) {
        lock(&self.runs).push(run);
    }

    /// Stops exporting the run with `run_id` (its series then go stale in Prometheus).
    pub fn remove(&self, run_id: &str) {
        lock(&self.runs).retain(|r| r.run_id() != run_id);
    }

    /// Removes the runs that ended before `cutoff`, so that a long-lived exporter keeps
    /// a bounded number of series.
    pub fn retain_ended_after(&self, cutoff: std::time::SystemTime) {
        lock(&self.runs).retain(|r| r.ended().is_none_or(|e| e >= cutoff));
    }

    /// Every family, each once, with every run's metrics.
    pub fn gather(&self) -> Vec<prometheus::proto::MetricFamily> {
        let runs = lock(&self.runs).clone();
        let mut all = family::Families::default();
        let (version, sha) = self.build.get_or_init(|| {
            let tool = crate::report::tool_info();
            (tool.version, tool.git_sha.unwrap_or_else(|| "unknown".into()))
        });
        all.gauge(catalog::BUILD_INFO, &[], &[("version", version), ("git_sha", sha)], 1.0);
        for r in runs {
            all.extend(r.families());
        }
        all.into_vec()
    }

    /// The text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus::TextEncoder::new()
            .encode_utf8(&self.gather(), &mut out)
            .expect("families built from the catalog always encode");
        out
    }
}
