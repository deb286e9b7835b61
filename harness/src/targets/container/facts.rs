//! What the report says about a container target: which image exactly, how it was run,
//! its limits, and what the node used while the load ran.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The container the node ran in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerReport {
    /// The image as the scenario names it.
    pub image: String,
    /// The image's id (`sha256:...`): the same id is the same bytes, whatever its tag says.
    pub image_id: String,
    /// Registry digests of the image (`NAME@sha256:...`); empty for an image built or
    /// imported on the host.
    pub repo_digests: Vec<String>,
    /// Arguments after the image's entrypoint.
    pub args: Vec<String>,
    /// Names of the environment variables set (never their values).
    pub env: Vec<String>,
    /// Docker's network mode: `host` (the node listens on 127.0.0.1).
    pub network: String,
    pub limits: ContainerLimits,
    /// From creating the container to the node answering, seconds.
    pub startup_seconds: f64,
    /// What the node used from the start of the load to the end of the drain (the window
    /// of the harness's own `load.harness_cpu_seconds`); `None` when Docker gave no stats.
    pub usage: Option<NodeUsage>,
    /// The Docker endpoint (`DOCKER_HOST`) the container ran on.
    pub docker_host: String,
    /// Labels gasbench put on the container (to find it, e.g. after a crash).
    pub labels: BTreeMap<String, String>,
}

impl ContainerReport {
    /// One line: the image id and the limits (`image sha256:..., cpus 1, memory 1024 MiB`).
    pub fn image_and_limits(&self) -> String {
        let limit = |v: Option<String>| v.unwrap_or_else(|| "unlimited".into());
        format!(
            "image {}, cpus {}, memory {}",
            self.image_id,
            limit(self.limits.cpus.map(|c| c.to_string())),
            limit(self.limits.memory_bytes.map(|b| format!("{} MiB", b >> 20)))
        )
    }

    /// One line: what the node used over the load (`node CPU 4.20 s (0.35 cores), memory
    /// peak 96 MiB`), or that Docker gave no stats.
    pub fn usage_line(&self) -> String {
        match &self.usage {
            Some(u) => format!(
                "node CPU {:.2} s ({:.2} cores), memory peak {} MiB",
                u.cpu_seconds,
                u.cpu_cores,
                u.memory_max_bytes >> 20
            ),
            None => "node usage unknown (Docker gave no stats)".into(),
        }
    }
}

/// Resource limits of the container; `None` is unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ContainerLimits {
    pub cpus: Option<f64>,
    pub memory_bytes: Option<u64>,
}

/// The node's CPU and memory over the load, from Docker's stats.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct NodeUsage {
    /// CPU time of every process in the container, seconds.
    pub cpu_seconds: f64,
    /// `cpu_seconds` per second of the measured interval (1.0 = one core busy).
    pub cpu_cores: f64,
    /// The largest memory use seen (as `docker stats` shows it: without the inactive
    /// page cache), bytes; sampled about once a second.
    pub memory_max_bytes: u64,
    /// Memory use at the end of the drain, bytes.
    pub memory_end_bytes: u64,
    /// Over how long, seconds.
    pub interval_seconds: f64,
    /// Stats samples read.
    pub samples: u32,
}
