//! The Docker daemon the container target talks to: which one (`DOCKER_HOST`), whether it
//! answers, and an error that says what to install or start when it does not.

use bollard::Docker;

use crate::targets::TargetError;

/// Docker's default endpoint, used when `DOCKER_HOST` is not set.
pub const DEFAULT_DOCKER_HOST: &str = "unix:///var/run/docker.sock";

/// The endpoint gasbench (and testcontainers) will use, and whether `DOCKER_HOST` said so.
pub fn docker_host() -> (String, bool) {
    match std::env::var("DOCKER_HOST") {
        Ok(h) if !h.trim().is_empty() => (h, true),
        _ => (DEFAULT_DOCKER_HOST.to_string(), false),
    }
}

/// Why Docker cannot be used.
#[derive(Debug, thiserror::Error)]
#[error(
    "Docker is not reachable at {host} ({origin}): {cause}. The container target needs a running Docker daemon: \
     install Docker (Debian/Ubuntu: `apt-get install docker.io`) and start it (`systemctl start docker`, or \
     `dockerd &` where there is no systemd; in this repository `scripts/docker-up.sh start` does both), or set \
     DOCKER_HOST to a daemon that runs"
)]
pub struct DockerUnreachable {
    pub host: String,
    pub origin: &'static str,
    pub cause: String,
}

impl From<DockerUnreachable> for TargetError {
    fn from(e: DockerUnreachable) -> Self {
        TargetError::Unreachable(e.to_string())
    }
}

/// A client of the daemon at [`docker_host`], after it answered a ping.
pub async fn connect() -> Result<(Docker, String), DockerUnreachable> {
    let (host, from_env) = docker_host();
    let unreachable = |cause: String| DockerUnreachable {
        host: host.clone(),
        origin: if from_env { "from DOCKER_HOST" } else { "the default; DOCKER_HOST is not set" },
        cause,
    };
    let docker = Docker::connect_with_host(&host).map_err(|e| unreachable(e.to_string()))?;
    match tokio::time::timeout(core::time::Duration::from_secs(10), docker.ping()).await {
        Ok(Ok(_)) => Ok((docker, host)),
        Ok(Err(e)) => Err(unreachable(e.to_string())),
        Err(_) => Err(unreachable("no answer within 10s".into())),
    }
}
