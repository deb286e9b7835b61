//! `target: {kind: rollup, ...}` settings: an OP-stack style L2 (the embedded chain), the
//! L1 its batcher posts to, the batcher, the L1 data fee and finality. Defaults resemble
//! OP Mainnet on Ethereum (sources in docs/rollup.md).

use serde::{Deserialize, Serialize};

use super::{BaseFeeSpec, Dur, EmbeddedSpec, ExecutorKind, Sealing, SenderRecovery};

/// A rollup: L2 sequencer + batcher + L1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollupSpec {
    #[serde(default)]
    pub l2: L2Spec,
    #[serde(default)]
    pub l1: L1Spec,
    #[serde(default)]
    pub batcher: BatcherSpec,
    #[serde(default)]
    pub fees: L1FeeSpec,
    /// L1 blocks on top of a batch's block before the L2 blocks it carries count as
    /// finalized (Ethereum: two epochs, 64 blocks).
    #[serde(default = "default_finality_depth")]
    pub finality_depth: u64,
    /// After the load, how long the target waits at most for the last batches to be
    /// posted, made safe and finalized; what is not by then is counted as such.
    #[serde(default = "default_settle_timeout")]
    pub settle_timeout: Dur,
}

impl Default for RollupSpec {
    fn default() -> Self {
        serde_yaml::from_str("{}").expect("every field has a default")
    }
}

fn default_finality_depth() -> u64 {
    64
}
fn default_settle_timeout() -> Dur {
    Dur::from_secs(30)
}

/// The L2 chain: the embedded chain as a sequencer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct L2Spec {
    #[serde(default)]
    pub executor: ExecutorKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
    /// OP Mainnet: 2 s.
    #[serde(default = "default_l2_block_time")]
    pub block_time: Dur,
    /// OP Mainnet's genesis system config: 30,000,000 (superchain registry).
    #[serde(default = "default_l2_gas_limit")]
    pub gas_limit: u64,
    /// The OP devnet's L2 chain id.
    #[serde(default = "default_l2_chain_id")]
    pub chain_id: u64,
    /// OP-stack EIP-1559 after Canyon: elasticity 6, denominator 250.
    #[serde(default = "default_l2_base_fee")]
    pub base_fee: BaseFeeSpec,
    #[serde(default)]
    pub sender_recovery: SenderRecovery,
}

impl Default for L2Spec {
    fn default() -> Self {
        serde_yaml::from_str("{}").expect("every field has a default")
    }
}

impl L2Spec {
    /// The embedded chain that runs it.
    pub fn embedded(&self) -> EmbeddedSpec {
        EmbeddedSpec {
            block_time: self.block_time,
            sealing: Sealing::Interval,
            gas_limit: self.gas_limit,
            chain_id: self.chain_id,
            base_fee: self.base_fee.clone(),
            executor: self.executor,
            threads: self.threads,
            sender_recovery: self.sender_recovery,
            ..EmbeddedSpec::default()
        }
    }
}

fn default_l2_block_time() -> Dur {
    Dur::from_secs(2)
}
fn default_l2_gas_limit() -> u64 {
    30_000_000
}
fn default_l2_chain_id() -> u64 {
    901
}
fn default_l2_base_fee() -> BaseFeeSpec {
    BaseFeeSpec { initial_gwei: 0.001, elasticity: 6, denominator: 250, min_gwei: 0.0 }
}

/// The L1 the batcher posts to: `{embedded: {...}}`, a second in-process chain (nothing
/// to install; the only kind so far).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct L1Spec {
    #[serde(default)]
    pub embedded: L1EmbeddedSpec,
}

/// The embedded L1: Ethereum mainnet's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct L1EmbeddedSpec {
    /// Ethereum: 12 s slots.
    #[serde(default = "default_l1_block_time")]
    pub block_time: Dur,
    /// Ethereum: 36,000,000 (2025).
    #[serde(default = "default_l1_gas_limit")]
    pub gas_limit: u64,
    /// The OP devnet's L1 chain id.
    #[serde(default = "default_l1_chain_id")]
    pub chain_id: u64,
    /// EIP-1559 as on Ethereum, starting at 1 gwei and held there at least
    /// (`min_gwei`): the rest of Ethereum's traffic, which this L1 does not carry, keeps
    /// its blocks near the target; the batcher's own load can only push it up.
    #[serde(default = "default_l1_base_fee")]
    pub base_fee: BaseFeeSpec,
    /// The blob base fee the L2's fee formula sees, in wei: this L1 has no blob market,
    /// so it is modelled as this constant (EIP-4844's minimum is 1 wei).
    #[serde(default = "default_blob_base_fee_wei")]
    pub blob_base_fee_wei: u64,
    /// Injected stalls of the L1 (it neither accepts transactions nor seals blocks), for
    /// tests of safe latency under a slow L1.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<super::Fault>,
}

impl Default for L1EmbeddedSpec {
    fn default() -> Self {
        serde_yaml::from_str("{}").expect("every field has a default")
    }
}

impl L1EmbeddedSpec {
    /// The embedded chain that runs it.
    pub fn embedded(&self) -> EmbeddedSpec {
        EmbeddedSpec {
            block_time: self.block_time,
            gas_limit: self.gas_limit,
            chain_id: self.chain_id,
            base_fee: self.base_fee.clone(),
            faults: self.faults.clone(),
            ..EmbeddedSpec::default()
        }
    }
}

fn default_l1_block_time() -> Dur {
    Dur::from_secs(12)
}
fn default_l1_gas_limit() -> u64 {
    36_000_000
}
fn default_l1_chain_id() -> u64 {
    900
}
fn default_l1_base_fee() -> BaseFeeSpec {
    BaseFeeSpec { min_gwei: 1.0, ..BaseFeeSpec::default() }
}
fn default_blob_base_fee_wei() -> u64 {
    1
}

/// How the batcher groups, compresses and posts L2 blocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatcherSpec {
    /// A channel is closed once its compressed size reaches this (op-batcher's calldata
    /// default: one 120,000-byte L1 transaction).
    #[serde(default = "default_max_channel_bytes")]
    pub max_channel_bytes: usize,
    /// Most bytes of one frame (and so of one batcher transaction's data, less the
    /// version byte and the frame's 23-byte header).
    #[serde(default = "default_max_frame_bytes")]
    pub max_frame_bytes: usize,
    /// A channel is also closed this long after its first L2 block (op-batcher's
    /// `max-channel-duration`, in time rather than L1 blocks).
    #[serde(default = "default_max_delay")]
    pub max_delay: Dur,
    #[serde(default)]
    pub compression: Compression,
    #[serde(default)]
    pub da: DataAvailability,
}

impl Default for BatcherSpec {
    fn default() -> Self {
        serde_yaml::from_str("{}").expect("every field has a default")
    }
}

fn default_max_channel_bytes() -> usize {
    120_000
}
fn default_max_frame_bytes() -> usize {
    120_000 - 1 - 23
}
fn default_max_delay() -> Dur {
    Dur::from_secs(10)
}

/// How a channel is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compression {
    /// RFC 1950 zlib, the legacy channel format.
    #[default]
    Zlib,
    /// Brotli behind the version byte `0x01` (Fjord channels; op-batcher's `brotli-10`).
    Brotli,
}

/// Where batches go on the L1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataAvailability {
    /// As the data of an ordinary L1 transaction to the batch inbox.
    #[default]
    Calldata,
}

/// The L1 data fee each L2 transaction pays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct L1FeeSpec {
    #[serde(default)]
    pub model: FeeModel,
    /// Scaled by 1e6. OP Mainnet since Ecotone: 5,227.
    #[serde(default = "default_base_fee_scalar")]
    pub base_fee_scalar: u32,
    /// Scaled by 1e6. OP Mainnet since Ecotone: 1,014,213.
    #[serde(default = "default_blob_base_fee_scalar")]
    pub blob_base_fee_scalar: u32,
}

impl Default for L1FeeSpec {
    fn default() -> Self {
        serde_yaml::from_str("{}").expect("every field has a default")
    }
}

fn default_base_fee_scalar() -> u32 {
    5_227
}
fn default_blob_base_fee_scalar() -> u32 {
    1_014_213
}

/// The L1 data fee formula.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeModel {
    /// Size estimated from the FastLZ-compressed signed transaction (since Fjord).
    #[default]
    Fjord,
    /// Calldata gas of the signed transaction: 4 per zero byte, 16 per other (Ecotone).
    Ecotone,
}

impl RollupSpec {
    /// What is wrong with the rollup-only settings: (field path, message). The L2's and
    /// the L1's chain settings are checked as any embedded chain's.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut bad = |path: &str, m: String| out.push((format!("target.{path}"), m));
        let b = &self.batcher;
        if !(1_000..=10_000_000).contains(&b.max_channel_bytes) {
            bad("batcher.max_channel_bytes", format!("{}: must be between 1,000 and 10,000,000", b.max_channel_bytes));
        }
        if !(100..=1_000_000).contains(&b.max_frame_bytes) {
            bad(
                "batcher.max_frame_bytes",
                format!("{}: must be between 100 and 1,000,000 (the spec's cap on frame data)", b.max_frame_bytes),
            );
        }
        if b.max_delay.get().is_zero() {
            bad("batcher.max_delay", "0s would post a channel per block before it was filled; give e.g. `10s`".into());
        }
        let l1 = &self.l1.embedded;
        if l1.chain_id == self.l2.chain_id {
            bad(
                "l1.embedded.chain_id",
                format!("{}: the same as the L2's chain id; give them different ids", l1.chain_id),
            );
        }
        // The largest batcher transaction must fit an L1 block: 21,000 + 40 gas per byte.
        let largest_gas = 21_000 + 40 * (b.max_frame_bytes as u64 + 24);
        if largest_gas > l1.gas_limit {
            bad(
                "batcher.max_frame_bytes",
                format!(
                    "a frame of {} bytes needs up to {largest_gas} gas, above the L1's gas limit ({})",
                    b.max_frame_bytes, l1.gas_limit
                ),
            );
        }
        if self.finality_depth > 10_000 {
            bad("finality_depth", format!("{}: at most 10,000 L1 blocks", self.finality_depth));
        }
        if self.settle_timeout.get() > core::time::Duration::from_secs(3600) {
            bad("settle_timeout", format!("{}: at most 1h", self.settle_timeout));
        }
        out
    }
}
