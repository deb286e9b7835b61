//! The container target: gasbench starts the node itself in Docker (testcontainers),
//! pinned by image, on the host's network (127.0.0.1), waits until it answers, and then
//! drives it exactly as the RPC target does (every call goes to an inner [`Rpc`]). The
//! report gets the image id, the arguments, the limits and the node's CPU and memory use
//! over the load. The container is removed when the target is dropped: after the run,
//! and also when the run fails, is cancelled or panics.

mod docker;
mod facts;
mod node;
mod usage;

use std::sync::{Arc, Mutex};

use alloy::primitives::{Address, Bytes, U256};

pub use self::{
    docker::{DEFAULT_DOCKER_HOST, DockerUnreachable, docker_host},
    facts::{ContainerLimits, ContainerReport, NodeUsage},
    node::LABEL,
};
use self::{node::Node, usage::UsageSampler};
use super::{AccountState, ChainBlock, EventSink, Rejection, Target, TargetError, TargetHealth, TargetInfo, rpc::Rpc};
use crate::{
    lock,
    plan::{Keyring, PlannedTx, RunCost},
    scenario::ContainerSpec,
};

/// A node in a container, driven over JSON-RPC.
#[derive(Debug)]
pub struct Container {
    spec: ContainerSpec,
    rpc: Rpc,
    node: tokio::sync::OnceCell<Node>,
    sampler: tokio::sync::Mutex<Option<UsageSampler>>,
    usage: Mutex<Option<NodeUsage>>,
}

impl Container {
    pub fn new(spec: ContainerSpec) -> Self {
        let rpc = Rpc::new(spec.rpc_spec());
        Self {
            spec,
            rpc,
            node: tokio::sync::OnceCell::new(),
            sampler: tokio::sync::Mutex::new(None),
            usage: Mutex::new(None),
        }
    }

    /// Starts the container (once): Docker must answer first, so nothing is sent, and no
    /// container created, when it does not.
    async fn node(&self) -> Result<&Node, TargetError> {
        self.node
            .get_or_try_init(|| async {
                let (docker, host) = docker::connect().await?;
                Node::start(&self.spec, docker, host).await
            })
            .await
    }
}

#[async_trait::async_trait]
impl Target for Container {
    fn info(&self) -> TargetInfo {
        let mut info = self.rpc.info();
        info.kind = crate::scenario::TargetKind::Container;
        if let Some(n) = self.node.get() {
            let f = &n.facts;
            info.notes.insert(
                0,
                format!(
                    "container: {} ({}), args {:?}, host network, up in {:.2}s",
                    f.image,
                    f.image_and_limits(),
                    f.args,
                    f.startup_seconds
                ),
            );
        }
        info
    }

    async fn prepare(&self, accounts: &[Address], balance: U256) -> Result<Vec<u64>, TargetError> {
        self.node().await?;
        self.rpc.prepare(accounts, balance).await
    }

    async fn fund(&self, cost: &RunCost) -> Result<(), TargetError> {
        self.rpc.fund(cost).await
    }

    async fn reclaim(&self, rings: &[&Keyring]) -> Result<(), TargetError> {
        self.rpc.reclaim(rings).await
    }

    fn health(&self) -> TargetHealth {
        self.rpc.health()
    }

    async fn start(&self, sink: EventSink) -> Result<(), TargetError> {
        self.rpc.start(sink).await
    }

    async fn load_started(&self, _origin_ns: u64) {
        if let Some(n) = self.node.get() {
            *self.sampler.lock().await = UsageSampler::start(n.docker.clone(), n.container.id().to_string()).await;
        }
    }

    async fn submit(&self, batch: &[Arc<PlannedTx>]) -> Vec<Result<(), Rejection>> {
        self.rpc.submit(batch).await
    }

    async fn resend(&self, batch: &[Arc<PlannedTx>]) -> Vec<Result<(), Rejection>> {
        self.rpc.resend(batch).await
    }

    async fn accounts(&self, addresses: &[Address]) -> Result<Vec<AccountState>, TargetError> {
        self.rpc.accounts(addresses).await
    }

    async fn call(&self, to: Address, input: Bytes) -> Result<Bytes, TargetError> {
        self.rpc.call(to, input).await
    }

    async fn call_many(&self, calls: &[(Address, Bytes)]) -> Vec<Result<Bytes, TargetError>> {
        self.rpc.call_many(calls).await
    }

    async fn head_number(&self) -> Result<u64, TargetError> {
        self.rpc.head_number().await
    }

    async fn blocks(&self, from: u64, to: u64) -> Result<Vec<ChainBlock>, TargetError> {
        self.rpc.blocks(from, to).await
    }

    fn container(&self) -> Option<ContainerReport> {
        let n = self.node.get()?;
        Some(ContainerReport { usage: *lock(&self.usage), ..n.facts.clone() })
    }

    /// Stops the tracking and ends the stats window (the runner calls this right after it
    /// reads its own CPU time); the container itself lives on for the post-run reads.
    async fn stop(&self) {
        if let Some(s) = self.sampler.lock().await.take() {
            *lock(&self.usage) = s.finish().await;
        }
        self.rpc.stop().await;
    }
}
