//! Targets: where transactions go. A target accepts batches of signed transactions
//! (an ack or a rejection each), reports what the chain did as a stream of events, and
//! reads account state for the post-run checks. One file (or folder) per kind.

pub mod container;
pub mod embedded;
mod events;
pub mod rollup;
pub mod rpc;

use std::{collections::BTreeMap, sync::Arc};

use alloy::primitives::{Address, B256, Bytes, U256};
use serde::Serialize;

pub use events::{BlockEvent, ChainEvent, EventSink, IncludedTx};

use crate::{
    exec::ExecCounters,
    plan::{Keyring, PlannedTx, RunCost},
    scenario::TargetSpec,
};

/// Why a target refused a transaction at submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectKind {
    NonceTooLow,
    NonceTooHigh,
    /// Not sent: an earlier nonce of the same sender was refused or dropped, so this one
    /// could never be included.
    NonceGap,
    AlreadyKnown,
    InsufficientFunds,
    PoolFull,
    Underpriced,
    InvalidSignature,
    WrongChainId,
    GasLimit,
    Transport,
    Other,
}

impl RejectKind {
    /// Every kind (the Prometheus `reason` label's values).
    pub const ALL: [Self; 12] = [
        Self::NonceTooLow,
        Self::NonceTooHigh,
        Self::NonceGap,
        Self::AlreadyKnown,
        Self::InsufficientFunds,
        Self::PoolFull,
        Self::Underpriced,
        Self::InvalidSignature,
        Self::WrongChainId,
        Self::GasLimit,
        Self::Transport,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NonceTooLow => "nonce_too_low",
            Self::NonceTooHigh => "nonce_too_high",
            Self::NonceGap => "nonce_gap",
            Self::AlreadyKnown => "already_known",
            Self::InsufficientFunds => "insufficient_funds",
            Self::PoolFull => "pool_full",
            Self::Underpriced => "underpriced",
            Self::InvalidSignature => "invalid_signature",
            Self::WrongChainId => "wrong_chain_id",
            Self::GasLimit => "gas_limit",
            Self::Transport => "transport",
            Self::Other => "other",
        }
    }

    /// Whether sending the same transaction again may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::PoolFull | Self::Transport)
    }
}

/// A refused transaction: the kind, and the target's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub kind: RejectKind,
    pub message: String,
}

/// Balance and nonce of an account, as the target sees it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AccountState {
    pub balance: U256,
    pub nonce: u64,
}

/// A block as the chain keeps it, read back after the run: the independent side of the
/// reconciliation (what the recorder counted came from the target's events).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChainBlock {
    pub number: u64,
    pub base_fee_wei: u128,
    pub gas_used: u64,
    /// Who the block's priority fees went to.
    pub coinbase: Address,
    /// Every transaction in it, ours or not, in block order.
    pub tx_hashes: Vec<B256>,
}

/// What the report says about the target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetInfo {
    pub kind: crate::scenario::TargetKind,
    pub chain_id: u64,
    pub block_gas_limit: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub executor: Option<&'static str>,
    /// Facts a reader must know to interpret the figures.
    pub notes: Vec<String>,
    /// What about the target may spoil the run (said before it starts, and in the
    /// report's warnings).
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// How the conversation with the target went: errors by kind and, if any, the fault that
/// makes the run's figures partial (e.g. the node went away mid-run).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TargetHealth {
    pub errors: BTreeMap<String, u64>,
    pub fault: Option<String>,
    /// Requests gasbench sent to the target, by method (RPC targets).
    pub requests: BTreeMap<String, RequestCount>,
    /// Over how long those requests were sent (from the first one), nanoseconds.
    pub requests_window_ns: u64,
}

/// Calls of one method, and the HTTP requests that carried them (a batch is one request).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct RequestCount {
    pub calls: u64,
    pub http_requests: u64,
}

/// Errors of a target as a whole (not of one transaction).
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("the target is unreachable: {0}")]
    Unreachable(String),
    #[error("the target refused the set-up: {0}")]
    Setup(String),
    #[error("the target failed: {0}")]
    Failed(String),
}

/// A place to send load.
#[async_trait::async_trait]
pub trait Target: Send + Sync + core::fmt::Debug {
    /// Chain facts for the report.
    fn info(&self) -> TargetInfo;

    /// Makes `accounts` known to the target and returns their current nonces. The embedded
    /// chain gives each `balance` at genesis; a real node is funded later by [`Self::fund`],
    /// once the plan's cost is known.
    async fn prepare(&self, accounts: &[Address], balance: U256) -> Result<Vec<u64>, TargetError>;

    /// Gives the plan's senders what they may spend (a real node: transfers from the
    /// funder, after checking it can afford them). Nothing to do in-process.
    async fn fund(&self, _cost: &RunCost) -> Result<(), TargetError> {
        Ok(())
    }

    /// After the run: gives what the generated accounts of `rings` still hold back to
    /// whoever funded them, when the target was asked to (a real node's `drain_back`).
    async fn reclaim(&self, _rings: &[&Keyring]) -> Result<(), TargetError> {
        Ok(())
    }

    /// Errors met and the fault, if any (after the run).
    fn health(&self) -> TargetHealth {
        TargetHealth::default()
    }

    /// Starts producing chain events into `sink` (the run's clock starts here).
    async fn start(&self, sink: EventSink) -> Result<(), TargetError>;

    /// Submits a batch; one result per transaction, in order.
    async fn submit(&self, batch: &[Arc<PlannedTx>]) -> Vec<Result<(), Rejection>>;

    /// Sends again transactions this target reported dropped, each sender's in nonce
    /// order: the set-up does, so that a node that lost them (anvil in automine mode
    /// under bursts) gets them again. The measured load never does: its drops are counted.
    async fn resend(&self, batch: &[Arc<PlannedTx>]) -> Vec<Result<(), Rejection>> {
        self.submit(batch).await
    }

    /// Reads accounts' current state (after the run, for the effects check).
    async fn accounts(&self, addresses: &[Address]) -> Result<Vec<AccountState>, TargetError>;

    /// A read-only call against the latest state (`eth_call`): what workload checks use
    /// to read contract state (supplies, reserves, counters) after a run. A revert is an
    /// error carrying the revert data in its message.
    async fn call(&self, to: Address, input: Bytes) -> Result<Bytes, TargetError>;

    /// Many read-only calls against one state, in order: the workload checks read
    /// thousands of balances at once. Targets that can batch (JSON-RPC) override it.
    async fn call_many(&self, calls: &[(Address, Bytes)]) -> Vec<Result<Bytes, TargetError>> {
        let mut out = Vec::with_capacity(calls.len());
        for (to, input) in calls {
            out.push(self.call(*to, input.clone()).await);
        }
        out
    }

    /// The number of the chain's latest block (for the reconciliation's block range).
    async fn head_number(&self) -> Result<u64, TargetError> {
        Err(TargetError::Failed(format!("{} cannot read its blocks back", self.info().kind)))
    }

    /// The blocks `from..=to` as the chain keeps them, in order; a block the chain does
    /// not have is an error.
    async fn blocks(&self, from: u64, to: u64) -> Result<Vec<ChainBlock>, TargetError> {
        let _ = (from, to);
        Err(TargetError::Failed(format!("{} cannot read its blocks back", self.info().kind)))
    }

    /// How the block builder kept its block time (in-process chains), for the report.
    fn block_slots(&self) -> Option<embedded::BlockSlots> {
        None
    }

    /// What the block executor counted (parallel executors), for the report.
    fn exec_counters(&self) -> Option<ExecCounters> {
        None
    }

    /// The rollup's running totals (batches, compression, L1 fees and spend), for
    /// Prometheus; rollup targets only.
    fn rollup_counters(&self) -> Option<rollup::RollupCounters> {
        None
    }

    /// The load starts now, at `origin_ns` on the clock given to [`Self::start`] (the
    /// set-up is over; the harness's own CPU time is counted from here): targets that
    /// time stages of their own, or measure their node's resources, start here.
    async fn load_started(&self, _origin_ns: u64) {}

    /// The container the node ran in (container targets), for the report.
    fn container(&self) -> Option<container::ContainerReport> {
        None
    }

    /// The rollup section of the report (rollup targets), after [`Self::stop`].
    async fn rollup(&self) -> Option<rollup::RollupReport> {
        None
    }

    /// Stops producing blocks and events.
    async fn stop(&self);
}

/// Builds the target a scenario names.
pub fn build(spec: &TargetSpec) -> Result<Arc<dyn Target>, TargetError> {
    match spec {
        TargetSpec::Embedded(e) => Ok(Arc::new(embedded::Embedded::new(e.clone()))),
        TargetSpec::Rpc(r) => Ok(Arc::new(rpc::Rpc::new(r.clone()))),
        TargetSpec::Rollup(r) => Ok(Arc::new(rollup::Rollup::new(r.clone()))),
        TargetSpec::Container(c) => Ok(Arc::new(container::Container::new(c.clone()))),
    }
}
