//! Starting the node's container with testcontainers: host networking (the node listens on
//! 127.0.0.1), the scenario's limits, and a wait until the node answers. Dropping the
//! [`Node`] removes the container (testcontainers does, also while a panic unwinds).

use std::{collections::BTreeMap, time::Instant};

use bollard::Docker;
use testcontainers::{ContainerAsync, GenericImage, ImageExt, core::WaitFor as TcWaitFor, runners::AsyncRunner};

use super::facts::{ContainerLimits, ContainerReport};
use crate::{
    scenario::{ContainerSpec, WaitFor},
    targets::TargetError,
};

/// The label every container gasbench starts carries (value: the gasbench process id).
pub const LABEL: &str = "io.gasbench.target";

/// A running node container.
#[derive(Debug)]
pub struct Node {
    pub container: ContainerAsync<GenericImage>,
    pub docker: Docker,
    pub facts: ContainerReport,
}

/// How much of the node's log an error quotes.
const LOG_TAIL_LINES: usize = 20;

impl Node {
    /// Creates and starts the container and waits until the node is up (its log line, or
    /// an answer to `eth_chainId`), within the scenario's `startup_timeout`.
    pub async fn start(spec: &ContainerSpec, docker: Docker, docker_host: String) -> Result<Self, TargetError> {
        let began = Instant::now();
        let timeout = spec.startup_timeout.get();
        let limits =
            ContainerLimits { cpus: spec.cpus, memory_bytes: spec.memory.as_ref().and_then(|m| m.bytes().ok()) };
        let (name, tag) = spec.image_name_tag();
        let mut image = GenericImage::new(name, tag);
        if let WaitFor::Log { log } = &spec.wait_for {
            image = image.with_wait_for(TcWaitFor::message_on_either_std(log.as_str()));
        }
        let labels = BTreeMap::from([(LABEL.to_string(), std::process::id().to_string())]);
        let mut request = image
            .with_cmd(spec.args.iter())
            .with_network("host")
            .with_startup_timeout(timeout)
            .with_labels(labels.clone())
            .with_host_config_modifier(move |hc| {
                hc.nano_cpus = limits.cpus.map(|c| (c * 1e9).round() as i64);
                hc.memory = limits.memory_bytes.map(|b| b as i64);
                // No swap beyond the memory limit: the limit is what the node gets.
                hc.memory_swap = hc.memory;
            });
        for (k, v) in &spec.env {
            request = request.with_env_var(k, v);
        }
        let container = request.start().await.map_err(|e| {
            TargetError::Setup(format!(
                "could not start a container of `{}` on {docker_host}: {e}. The image must be on that Docker host \
                 (or pullable from a registry it reaches), and the node must come up within startup_timeout ({})",
                spec.image, spec.startup_timeout
            ))
        })?;
        if matches!(spec.wait_for, WaitFor::Rpc { .. }) {
            let deadline = began + timeout;
            if let Err(e) = wait_for_rpc(spec.port, deadline, &container).await {
                let log = log_tail(&container).await;
                return Err(TargetError::Setup(format!(
                    "the node in `{}` did not answer eth_chainId on 127.0.0.1:{}: {e}; its log ends:\n{log}",
                    spec.image, spec.port
                )));
            }
        }
        let startup_seconds = began.elapsed().as_secs_f64();
        let inspected = docker
            .inspect_container(container.id(), None)
            .await
            .map_err(|e| TargetError::Setup(format!("cannot inspect the node's container: {e}")))?;
        // The limits Docker applied (not merely those asked for).
        let applied = inspected.host_config.as_ref();
        let limits = ContainerLimits {
            cpus: applied.and_then(|h| h.nano_cpus).filter(|n| *n > 0).map(|n| n as f64 / 1e9),
            memory_bytes: applied.and_then(|h| h.memory).filter(|m| *m > 0).map(|m| m as u64),
        };
        let image_id = inspected.image.unwrap_or_default();
        let repo_digests = match docker.inspect_image(&image_id).await {
            Ok(i) => i.repo_digests.unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        let facts = ContainerReport {
            image: spec.image.clone(),
            image_id,
            repo_digests,
            args: spec.args.clone(),
            env: spec.env.keys().cloned().collect(),
            network: "host".into(),
            limits,
            startup_seconds,
            usage: None,
            docker_host,
            labels,
        };
        Ok(Self { container, docker, facts })
    }
}

/// Asks `eth_chainId` on 127.0.0.1:`port` until the node answers, the container stops, or
/// `deadline` passes.
async fn wait_for_rpc(port: u16, deadline: Instant, container: &ContainerAsync<GenericImage>) -> Result<(), String> {
    let url = format!("http://127.0.0.1:{port}");
    let http =
        reqwest::Client::builder().timeout(core::time::Duration::from_secs(2)).build().map_err(|e| e.to_string())?;
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}"#;
    let mut last;
    loop {
        let sent = http.post(&url).header("content-type", "application/json").body(body).send().await;
        match sent {
            Ok(r) if r.status().is_success() => match r.text().await {
                Ok(t) if t.contains("\"result\"") => return Ok(()),
                Ok(t) => last = format!("it answered {t}"),
                Err(e) => last = e.to_string(),
            },
            Ok(r) => last = format!("HTTP {}", r.status()),
            Err(e) => last = e.to_string(),
        }
        if !container.is_running().await.unwrap_or(false) {
            let code = container.exit_code().await.ok().flatten();
            return Err(format!("the container stopped (exit code {code:?}); last: {last}"));
        }
        if Instant::now() >= deadline {
            return Err(format!("no answer within the startup timeout; last: {last}"));
        }
        tokio::time::sleep(core::time::Duration::from_millis(100)).await;
    }
}

/// The last lines of the container's stdout and stderr.
async fn log_tail(container: &ContainerAsync<GenericImage>) -> String {
    let mut text = String::new();
    for bytes in [container.stdout_to_vec().await, container.stderr_to_vec().await].into_iter().flatten() {
        text.push_str(&String::from_utf8_lossy(&bytes));
    }
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
}
