//! The rollup's section of the report: L1 data fees, what the batcher posted and spent,
//! the L1's base fee under the batcher's load, stage latencies and the derivation check.

use serde::{Deserialize, Serialize};

use super::{batcher::BatcherStats, derive::Derivation, sequencer::FeeStats};
use crate::{report::Wei, scenario::RollupSpec};

/// `rollup` in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollupReport {
    pub fee_model: String,
    pub base_fee_scalar: u32,
    pub blob_base_fee_scalar: u32,
    /// The blob base fee used in the fee formula: a modelled constant (the embedded L1
    /// has no blob market).
    pub blob_base_fee_wei_modelled: Wei,
    pub l1_fees: L1Fees,
    pub batcher: BatcherFigures,
    pub l1: L1Figures,
    /// How many of the load's transactions reached the later stages by the end (their
    /// latencies are `latency.safe` and `latency.finalized`; unsafe is `inclusion`).
    pub reached: Reached,
    pub finality_depth: u64,
    pub derivation: Derivation,
}

/// Load transactions sent, and how many became safe and finalized before the run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reached {
    pub tracked: u64,
    pub safe: u64,
    pub finalized: u64,
}

/// The L1 data fees the L2 charged (every transaction it included, set-up included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct L1Fees {
    pub txs: u64,
    pub collected_wei: Wei,
    pub per_tx_mean_wei: Wei,
    pub per_tx_min_wei: Wei,
    pub per_tx_max_wei: Wei,
    /// Collected over the signed bytes of the transactions charged.
    pub per_signed_byte_wei: f64,
    pub signed_bytes: u64,
    /// FastLZ sizes (fjord) or signed sizes (ecotone), summed.
    pub estimated_size_bytes: u64,
    /// Transactions whose sender could not pay the whole fee (charged what was left).
    pub shortfalls: u64,
}

/// What the batcher did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatcherFigures {
    pub compression: String,
    pub da: String,
    pub l2_blocks_batched: u64,
    pub l2_blocks_unposted: u64,
    pub channels: u64,
    pub channels_safe: u64,
    pub channels_finalized: u64,
    pub frames: u64,
    pub batcher_txs_posted: u64,
    pub batcher_txs_included: u64,
    pub batcher_txs_rejected: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_rejection: Option<String>,
    pub uncompressed_bytes: u64,
    pub compressed_bytes: u64,
    /// Uncompressed over compressed.
    pub compression_ratio: f64,
    pub calldata_bytes: u64,
    pub largest_batcher_tx_bytes: u64,
    pub l1_gas_used: u64,
    pub l1_spend_wei: Wei,
    /// L1 fees collected on the L2 less the batcher's L1 spend (the sequencer's margin on
    /// data; negative when the batcher paid more than it charged).
    pub margin_wei: String,
}

/// The L1 under the batcher's load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct L1Figures {
    pub blocks: u64,
    pub base_fee_first_wei: Wei,
    pub base_fee_last_wei: Wei,
    pub base_fee_max_wei: Wei,
    /// `embedded`, or the real L1 node's URL.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub node: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub blob_base_fee_source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blobs: Option<BlobFigures>,
}

/// The batcher's blob transactions on a real L1, from their receipts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlobFigures {
    pub blob_txs_included: u64,
    pub blob_gas_used: u64,
    pub blob_spend_wei: Wei,
    pub blob_base_fee_last_wei: Wei,
    pub blob_base_fee_max_wei: Wei,
}

impl From<super::l1_rpc::BlobStats> for BlobFigures {
    fn from(s: super::l1_rpc::BlobStats) -> Self {
        Self {
            blob_txs_included: s.blob_txs_included,
            blob_gas_used: s.blob_gas_used,
            blob_spend_wei: Wei(s.blob_spend_wei),
            blob_base_fee_last_wei: Wei(s.blob_base_fee_last_wei),
            blob_base_fee_max_wei: Wei(s.blob_base_fee_max_wei),
        }
    }
}

pub fn assemble(
    spec: &RollupSpec,
    blob_base_fee_wei: u128,
    fees: &FeeStats,
    b: &BatcherStats,
    reached: Reached,
    derivation: Derivation,
) -> RollupReport {
    let margin =
        i128::try_from(fees.collected_wei).unwrap_or(i128::MAX) - i128::try_from(b.l1_spend_wei).unwrap_or(i128::MAX);
    RollupReport {
        fee_model: format!("{:?}", spec.fees.model).to_lowercase(),
        base_fee_scalar: spec.fees.base_fee_scalar,
        blob_base_fee_scalar: spec.fees.blob_base_fee_scalar,
        blob_base_fee_wei_modelled: Wei(blob_base_fee_wei),
        l1_fees: L1Fees {
            txs: fees.txs,
            collected_wei: Wei(fees.collected_wei),
            per_tx_mean_wei: Wei(fees.collected_wei.checked_div(u128::from(fees.txs)).unwrap_or(0)),
            per_tx_min_wei: Wei(fees.min_wei.unwrap_or(0)),
            per_tx_max_wei: Wei(fees.max_wei),
            per_signed_byte_wei: if fees.signed_bytes == 0 {
                0.0
            } else {
                fees.collected_wei as f64 / fees.signed_bytes as f64
            },
            signed_bytes: fees.signed_bytes,
            estimated_size_bytes: fees.size_bytes,
            shortfalls: fees.shortfalls,
        },
        batcher: BatcherFigures {
            compression: format!("{:?}", spec.batcher.compression).to_lowercase(),
            da: format!("{:?}", spec.batcher.da).to_lowercase(),
            l2_blocks_batched: b.l2_blocks_batched,
            l2_blocks_unposted: b.l2_blocks_unposted,
            channels: b.channels,
            channels_safe: b.channels_safe,
            channels_finalized: b.channels_finalized,
            frames: b.frames,
            batcher_txs_posted: b.batcher_txs_posted,
            batcher_txs_included: b.batcher_txs_included,
            batcher_txs_rejected: b.batcher_txs_rejected,
            last_rejection: b.last_rejection.clone(),
            uncompressed_bytes: b.uncompressed_bytes,
            compressed_bytes: b.compressed_bytes,
            compression_ratio: if b.compressed_bytes == 0 {
                0.0
            } else {
                b.uncompressed_bytes as f64 / b.compressed_bytes as f64
            },
            calldata_bytes: b.calldata_bytes,
            largest_batcher_tx_bytes: b.largest_batcher_tx_bytes,
            l1_gas_used: b.l1_gas_used,
            l1_spend_wei: Wei(b.l1_spend_wei),
            margin_wei: margin.to_string(),
        },
        l1: L1Figures {
            blocks: b.l1_blocks,
            base_fee_first_wei: Wei(b.l1_base_fee_first_wei.unwrap_or(0)),
            base_fee_last_wei: Wei(b.l1_base_fee_last_wei),
            base_fee_max_wei: Wei(b.l1_base_fee_max_wei),
            node: String::new(),
            blob_base_fee_source: String::new(),
            blobs: None,
        },
        reached,
        finality_depth: spec.finality_depth,
        derivation,
    }
}

impl RollupReport {
    /// The rollup's lines of the terminal summary.
    pub fn summary_lines(&self) -> String {
        let (f, b, d) = (&self.l1_fees, &self.batcher, &self.derivation);
        let gwei = |w: u128| w as f64 / 1e9;
        let mut out = format!(
            "rollup L1 data fee ({}): {} txs paid {:.6} ETH, {:.1} gwei per tx (min {:.1}, max {:.1}), {:.3} gwei per signed byte\n",
            self.fee_model,
            f.txs,
            f.collected_wei.0 as f64 / 1e18,
            gwei(f.per_tx_mean_wei.0),
            gwei(f.per_tx_min_wei.0),
            gwei(f.per_tx_max_wei.0),
            f.per_signed_byte_wei / 1e9,
        );
        out.push_str(&format!(
            "rollup batcher: {} L2 blocks in {} channels ({}), {} frames, {} -> {} bytes ({:.2}x), {} of {} batcher txs included, {} L1 gas, spent {:.6} ETH; margin {:.6} ETH\n",
            b.l2_blocks_batched,
            b.channels,
            b.compression,
            b.frames,
            b.uncompressed_bytes,
            b.compressed_bytes,
            b.compression_ratio,
            b.batcher_txs_included,
            b.batcher_txs_posted,
            b.l1_gas_used,
            b.l1_spend_wei.0 as f64 / 1e18,
            b.margin_wei.parse::<f64>().unwrap_or(0.0) / 1e18,
        ));
        out.push_str(&format!(
            "rollup L1: {} blocks, base fee {:.3} -> {:.3} gwei (max {:.3}); of {} load txs {} safe, {} finalized (depth {})\n",
            self.l1.blocks,
            gwei(self.l1.base_fee_first_wei.0),
            gwei(self.l1.base_fee_last_wei.0),
            gwei(self.l1.base_fee_max_wei.0),
            self.reached.tracked,
            self.reached.safe,
            self.reached.finalized,
            self.finality_depth,
        ));
        if let Some(bl) = &self.l1.blobs {
            out.push_str(&format!(
                "rollup L1 blobs ({}): {} blob txs included, {} blob gas, spent {:.9} ETH on blob gas; blob base fee {} wei (max {})\n",
                self.l1.node,
                bl.blob_txs_included,
                bl.blob_gas_used,
                bl.blob_spend_wei.0 as f64 / 1e18,
                bl.blob_base_fee_last_wei.0,
                bl.blob_base_fee_max_wei.0,
            ));
        }
        out.push_str(&format!("derivation check: {} ({})\n", d.verdict.as_str(), d.detail));
        for m in &d.mismatches {
            out.push_str(&format!("  MISMATCH {m}\n"));
        }
        out
    }
}
