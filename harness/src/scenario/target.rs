//! `target:` settings, one variant per target kind.

use serde::{Deserialize, Serialize};

use super::Dur;

/// The chain id of a local anvil (and hardhat): the only chain with a default funder.
pub const ANVIL_CHAIN_ID: u64 = 31337;

/// Where the load goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TargetSpec {
    /// An in-process chain on revm (nothing to install).
    Embedded(EmbeddedSpec),
    /// A real node behind JSON-RPC (anvil, reth, geth, an L2 sequencer, ...).
    Rpc(RpcSpec),
    /// An OP-stack style rollup: the embedded chain as L2, a batcher, an L1.
    Rollup(super::RollupSpec),
}

impl TargetSpec {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Embedded(_) => "embedded",
            Self::Rpc(_) => "rpc",
            Self::Rollup(_) => "rollup",
        }
    }
}

/// The in-process chain: mempool, block builder, EIP-1559 base fee, executor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbeddedSpec {
    /// Wall-clock time between blocks: one block per slot, whatever the pool holds.
    #[serde(default = "default_block_time")]
    pub block_time: Dur,
    /// When a block is sealed: on the block-time cadence (default), or also as soon as
    /// the pool holds a full block of transactions payable at the base fee.
    #[serde(default, skip_serializing_if = "Sealing::is_interval")]
    pub sealing: Sealing,
    /// Block gas limit.
    #[serde(default = "default_gas_limit")]
    pub gas_limit: u64,
    #[serde(default = "default_chain_id")]
    pub chain_id: u64,
    #[serde(default)]
    pub base_fee: BaseFeeSpec,
    #[serde(default)]
    pub executor: ExecutorKind,
    /// Worker threads of the parallel executor (default: the machine's cores).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
    /// Modelled latency of reading a location from the state for the first time in a
    /// block (a node whose state lives on disk); 0 = in memory.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub state_read_latency_us: u64,
    /// How the chain learns each transaction's sender.
    #[serde(default)]
    pub sender_recovery: SenderRecovery,
    /// Most transactions the mempool holds; more are rejected as "txpool is full".
    #[serde(default = "default_pool_limit")]
    pub mempool_limit: usize,
    /// Injected faults, for tests of the harness itself.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<Fault>,
}

impl Default for EmbeddedSpec {
    fn default() -> Self {
        serde_yaml::from_str("{}").expect("every field has a default")
    }
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}
fn default_block_time() -> Dur {
    Dur::from_secs(1)
}
fn default_gas_limit() -> u64 {
    30_000_000
}
fn default_chain_id() -> u64 {
    1337
}
fn default_pool_limit() -> usize {
    1_000_000
}

/// EIP-1559 base fee parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaseFeeSpec {
    /// Base fee of the first block, in gwei.
    #[serde(default = "default_initial_gwei")]
    pub initial_gwei: f64,
    /// Gas target = gas limit / elasticity.
    #[serde(default = "default_elasticity")]
    pub elasticity: u64,
    /// The base fee moves by at most 1/denominator per block.
    #[serde(default = "default_denominator")]
    pub denominator: u64,
    /// The base fee never falls below this, in gwei: stands for other traffic holding a
    /// chain at its target (a rollup's L1 carries only the batcher's).
    #[serde(default, skip_serializing_if = "is_zero_f64")]
    pub min_gwei: f64,
}

fn is_zero_f64(v: &f64) -> bool {
    *v == 0.0
}

impl Default for BaseFeeSpec {
    fn default() -> Self {
        Self {
            initial_gwei: default_initial_gwei(),
            elasticity: default_elasticity(),
            denominator: default_denominator(),
            min_gwei: 0.0,
        }
    }
}

fn default_initial_gwei() -> f64 {
    1.0
}
fn default_elasticity() -> u64 {
    2
}
fn default_denominator() -> u64 {
    8
}

/// Which block executor the embedded chain uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExecutorKind {
    #[default]
    Sequential,
    /// Block-STM over `threads` workers; equal results, see docs/scenario.md.
    Parallel,
}

/// How the embedded chain learns a transaction's sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SenderRecovery {
    /// Take the sender and fields from the plan, the signed bytes unread; warned about.
    Trusted,
    /// Decode the signed bytes, recover every sender (libsecp256k1), reject high-s
    /// signatures and anything that differs from the plan, and execute what was decoded.
    #[default]
    Verify,
}

/// When the embedded chain seals a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sealing {
    /// One block per `block_time` slot, on the wall clock.
    #[default]
    Interval,
    /// As `interval`, and also as soon as the pool holds a full block of transactions
    /// executable at the current base fee (the next slot then starts from that block).
    WhenFull,
}

impl Sealing {
    fn is_interval(&self) -> bool {
        *self == Self::Interval
    }
}

/// A fault injected into the embedded chain: at `at` into the run it stops accepting
/// transactions and sealing blocks for `stall`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    pub at: Dur,
    pub stall: Dur,
}

/// A JSON-RPC node: where to reach it, who pays, how to send and how to track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RpcSpec {
    /// The node's HTTP endpoint, e.g. `http://127.0.0.1:8545`.
    pub http: String,
    /// The node's WebSocket endpoint, e.g. `ws://127.0.0.1:8545`: new heads are then
    /// announced (`eth_subscribe newHeads`) instead of found by polling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ws: Option<String>,
    /// The chain id the node must report; the run stops before sending if it differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_id: Option<u64>,
    /// Who funds the generated accounts. Defaults to anvil's first dev account on
    /// chain 31337; required on any other chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funder: Option<FunderSpec>,
    /// Transactions per JSON-RPC batch request.
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    /// Most HTTP requests (and so connections) open at once towards the node.
    #[serde(default = "default_connections")]
    pub connections: usize,
    /// The shortest interval at which the tracker asks for new blocks (it follows the
    /// node's measured block time: a twentieth of it, at most 1 s).
    #[serde(default = "default_poll_interval")]
    pub poll_interval: Dur,
    /// An accepted transaction not included within this is counted as dropped.
    #[serde(default = "default_drop_timeout")]
    pub drop_timeout: Dur,
    /// After the run, send what the generated accounts hold back to the funder.
    #[serde(default)]
    pub drain_back: bool,
}

fn default_batch_size() -> usize {
    100
}
fn default_connections() -> usize {
    4
}
fn default_poll_interval() -> Dur {
    Dur::from_millis(50)
}
fn default_drop_timeout() -> Dur {
    Dur::from_secs(30)
}

/// Where the funder's key comes from: never the scenario itself, always the environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FunderSpec {
    /// A hex private key in an environment variable.
    Key(FunderKey),
    /// A BIP-39 mnemonic in an environment variable, and the account index to derive.
    Mnemonic(FunderMnemonic),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunderKey {
    /// Name of the environment variable holding the key (the name, not the key).
    pub env: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunderMnemonic {
    /// Name of the environment variable holding the mnemonic.
    pub mnemonic_env: String,
    /// Account index on the path m/44'/60'/0'/0/index.
    #[serde(default)]
    pub index: u32,
}
