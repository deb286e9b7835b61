//! The scenario: what to run, as YAML. Parsed and validated before anything runs; every
//! error names the file, line, column and field path, with a hint.

mod container;
mod duration;
mod error;
mod load;
mod locate;
pub mod memory;
mod parse;
mod rollup;
mod shard;
pub mod sweep;
mod target;
mod validate;

use serde::{Deserialize, Serialize};
use workloads::WorkloadSpec;

pub use container::{ContainerRpc, ContainerSpec, Memory, WaitFor};
pub use duration::Dur;
pub(crate) use error::edit_distance;
pub use error::{ScenarioError, ScenarioErrors};
pub use load::{ClosedSpec, LoadSpec, OpenSpec, SigningMode, Stage};
pub(crate) use locate::{Seg, locate, parse_path};
pub use parse::{Override, load_file, load_str};
pub use rollup::{
    BatcherSpec, Compression, DataAvailability, FeeModel, L1EmbeddedSpec, L1FeeSpec, L1RpcSpec, L1Spec, L2Spec,
    MAX_BLOB_FRAME_BYTES, RollupSpec,
};
pub use shard::Shard;
pub use target::{
    ANVIL_CHAIN_ID, BaseFeeSpec, EmbeddedSpec, ExecutorKind, Fault, FunderKey, FunderMnemonic, FunderSpec, RpcSpec,
    Sealing, SenderRecovery, TargetKind, TargetSpec,
};
pub use validate::Limits;
pub(crate) use validate::has_scheme;

/// A whole scenario file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A short name, used in reports and metrics.
    pub name: String,
    /// Free text shown in reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Seed of every random choice: same seed, same transactions.
    #[serde(default)]
    pub seed: u64,
    pub accounts: AccountsSpec,
    /// The weighted workload mix.
    pub workloads: Vec<WorkloadSpec>,
    pub load: LoadSpec,
    #[serde(default)]
    pub measure: MeasureSpec,
    pub target: TargetSpec,
    /// Several targets run in turn, each with the same seed and transactions: one
    /// comparison report (docs/compare.md). `target` is then the first of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<TargetSpec>,
    #[serde(default)]
    pub fees: FeeSpec,
    /// This run's share of the scenario when several run it at once (default: shard 0 of
    /// 1, the whole of it).
    #[serde(default, skip_serializing_if = "Shard::is_whole")]
    pub shard: Shard,
    /// A matrix over scenario fields: field path (`--set` syntax) -> the values it takes.
    /// Every combination runs, with the same seed, into one comparison (docs/sweep.md).
    #[serde(default, skip_serializing_if = "serde_yaml::Mapping::is_empty")]
    pub sweep: serde_yaml::Mapping,
}

/// The generated accounts that send the load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountsSpec {
    /// How many sender accounts to generate (keys derive from the seed).
    pub count: u32,
    /// Initial balance of each account, in ETH.
    #[serde(default = "default_balance_eth")]
    pub balance_eth: u64,
}

fn default_balance_eth() -> u64 {
    1_000
}

/// The measured window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureSpec {
    /// Load sent before the measured window; excluded from every figure.
    #[serde(default = "default_warmup")]
    pub warmup: Dur,
    /// Length of the measured window. With staged load it defaults to the stages' total
    /// minus the warmup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<Dur>,
    /// After the load stops, how long to wait for transactions still in flight before
    /// counting them as not included.
    #[serde(default = "default_drain")]
    pub drain_timeout: Dur,
    /// Longest wait for each phase of the set-up (deployments, provisioning) to be
    /// included.
    #[serde(default = "default_setup_timeout")]
    pub setup_timeout: Dur,
}

impl Default for MeasureSpec {
    fn default() -> Self {
        Self {
            warmup: default_warmup(),
            duration: None,
            drain_timeout: default_drain(),
            setup_timeout: default_setup_timeout(),
        }
    }
}

fn default_warmup() -> Dur {
    Dur::from_secs(1)
}
fn default_drain() -> Dur {
    Dur::from_secs(10)
}
fn default_setup_timeout() -> Dur {
    Dur::from_secs(300)
}

/// EIP-1559 fee caps every transaction is signed with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeSpec {
    /// `max_fee_per_gas`, in gwei.
    #[serde(default = "default_max_fee")]
    pub max_fee_gwei: f64,
    /// `max_priority_fee_per_gas`, in gwei.
    #[serde(default = "default_priority_fee")]
    pub priority_fee_gwei: f64,
}

impl Default for FeeSpec {
    fn default() -> Self {
        Self { max_fee_gwei: default_max_fee(), priority_fee_gwei: default_priority_fee() }
    }
}

fn default_max_fee() -> f64 {
    100.0
}
fn default_priority_fee() -> f64 {
    1.0
}

/// Converts gwei (possibly fractional) to wei.
pub fn gwei_to_wei(gwei: f64) -> u128 {
    (gwei * 1e9).round() as u128
}

impl Scenario {
    /// Length of the measured window (validated: always known after validation).
    pub fn measured(&self) -> core::time::Duration {
        self.measure
            .duration
            .map(Dur::get)
            .unwrap_or_else(|| self.load.stages_total().saturating_sub(self.measure.warmup.get()))
    }

    /// Warmup plus the measured window: how long load is sent.
    pub fn run_length(&self) -> core::time::Duration {
        self.measure.warmup.get() + self.measured()
    }
}
