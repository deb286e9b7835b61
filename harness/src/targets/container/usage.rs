//! The node's CPU and memory while the load runs, read from Docker's stats: a one-shot
//! sample at the start and at the end (CPU time is cumulative), and one about every second
//! in between for the memory peak.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use bollard::{Docker, query_parameters::StatsOptionsBuilder};
use futures_util::StreamExt;
use tokio_util::sync::{CancellationToken, DropGuard};

use super::facts::NodeUsage;
use crate::lock;

/// Between memory samples.
const SAMPLE_EVERY: Duration = Duration::from_secs(1);

/// One reading of the container's counters.
#[derive(Debug, Clone, Copy)]
struct Sample {
    cpu_ns: u64,
    memory_bytes: u64,
}

/// Samples a container's stats from [`Self::start`] until [`Self::finish`] (or drop).
#[derive(Debug)]
pub struct UsageSampler {
    docker: Docker,
    id: String,
    began: Instant,
    first: Sample,
    seen: Arc<Mutex<(u64, u32)>>,
    _stop: DropGuard,
}

impl UsageSampler {
    /// Takes the first sample and starts sampling memory; `None` when Docker gives no stats.
    pub async fn start(docker: Docker, id: String) -> Option<Self> {
        let first = sample(&docker, &id).await?;
        let seen = Arc::new(Mutex::new((first.memory_bytes, 1u32)));
        let stop = CancellationToken::new();
        let (d, i, s, c) = (docker.clone(), id.clone(), seen.clone(), stop.clone());
        // Ends when finished or dropped (the token), or when the container is gone.
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = c.cancelled() => return,
                    _ = tokio::time::sleep(SAMPLE_EVERY) => {}
                }
                let Some(now) = sample(&d, &i).await else { return };
                let mut g = lock(&s);
                g.0 = g.0.max(now.memory_bytes);
                g.1 += 1;
            }
        });
        Some(Self { docker, id, began: Instant::now(), first, seen, _stop: stop.drop_guard() })
    }

    /// Takes the last sample and says what the node used since [`Self::start`].
    pub async fn finish(self) -> Option<NodeUsage> {
        let last = sample(&self.docker, &self.id).await?;
        let interval_seconds = self.began.elapsed().as_secs_f64();
        let (max, samples) = *lock(&self.seen);
        let cpu_seconds = last.cpu_ns.saturating_sub(self.first.cpu_ns) as f64 / 1e9;
        Some(NodeUsage {
            cpu_seconds,
            cpu_cores: if interval_seconds > 0.0 { cpu_seconds / interval_seconds } else { 0.0 },
            memory_max_bytes: max.max(last.memory_bytes),
            memory_end_bytes: last.memory_bytes,
            interval_seconds,
            samples: samples + 1,
        })
    }
}

/// One stats reading (`one-shot`: no second read to compute a percentage).
async fn sample(docker: &Docker, id: &str) -> Option<Sample> {
    let opts = StatsOptionsBuilder::new().stream(false).one_shot(true).build();
    let stats = docker.stats(id, Some(opts)).next().await?.ok()?;
    let cpu_ns = stats.cpu_stats?.cpu_usage?.total_usage?;
    let mem = stats.memory_stats?;
    // As `docker stats` shows it: the inactive page cache can be reclaimed, so it is not
    // counted (cgroup v1 names it total_inactive_file, v2 inactive_file).
    let inactive = mem
        .stats
        .as_ref()
        .and_then(|s| s.get("total_inactive_file").or_else(|| s.get("inactive_file")).copied())
        .unwrap_or(0);
    Some(Sample { cpu_ns, memory_bytes: mem.usage.unwrap_or(0).saturating_sub(inactive) })
}
