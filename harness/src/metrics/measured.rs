//! What the recorder has measured so far, as raw sums: the recorder adds to it as events
//! arrive, `report/` assembles the report's sections from it, and a live snapshot of a
//! run is a copy of it. Nothing here is derived (no rates, no means): those are the
//! report's, computed from these sums.

use std::collections::BTreeMap;

use super::{
    hist::{Hist, new_exact_hist, new_hist},
    series::Series,
    stage::StageHists,
};
use crate::report::{Accounting, BlockSeen, KindCount, LatencyFailures};

/// See the module docs.
#[derive(Debug, Clone)]
pub struct Measured {
    /// Workload names, by mix index (two mix entries may share a name).
    pub names: Vec<&'static str>,
    /// A send later than this after its intended time counts as late.
    pub late_threshold_ns: u64,
    /// By mix index.
    pub per: Vec<WorkloadMeasured>,
    /// All workloads.
    pub total: WorkloadMeasured,
    /// Rejections by kind (`RejectKind::as_str`), with an example message.
    pub rejected: BTreeMap<String, KindCount>,
    /// Drops by reason key (the reason's first words), with an example.
    pub dropped: BTreeMap<String, KindCount>,
    /// Events that did not fit a transaction's life (included twice, unknown ids).
    pub anomalies: u64,
    /// Send lag, us (window).
    pub send_lag: Hist,
    /// Sends later than `late_threshold_ns` (window).
    pub late_sends: u64,
    /// Transactions sent within the window (by send time).
    pub sent_in_window: u64,
    /// Sent, not yet resolved.
    pub pending: u64,
    /// Blocks seen (whole run).
    pub blocks_seen: u64,
    /// The window's blocks: count, gas used, our inclusions, sum of fill ratios, all
    /// their transactions (other senders' too).
    pub window_blocks: u64,
    pub window_gas: u64,
    pub window_included: u64,
    pub window_fill_sum: f64,
    pub window_txs: u64,
    /// Intervals between blocks seen in the window: sum, count, longest.
    pub interval_sum_ns: u64,
    pub intervals: u64,
    pub interval_max_ns: u64,
    /// Base fee over the window's blocks, and of the last block seen.
    pub base_fee_min: Option<u128>,
    pub base_fee_max: u128,
    pub base_fee_last: u128,
    /// Gas used by every block seen (whole run, other senders' transactions too).
    pub gas_seen: u128,
    /// The last block seen: (gas used, gas limit).
    pub last_block_gas: Option<(u64, u64)>,
    pub series: Series,
    /// Every block seen (a few dozen bytes each: 7,200 in 30 minutes of 250 ms blocks).
    pub blocks: Vec<BlockSeen>,
}

impl Measured {
    pub(super) fn new(names: Vec<&'static str>, late_threshold_ns: u64) -> Self {
        Self {
            per: names.iter().map(|_| WorkloadMeasured::new()).collect(),
            names,
            late_threshold_ns,
            total: WorkloadMeasured::new(),
            rejected: BTreeMap::new(),
            dropped: BTreeMap::new(),
            anomalies: 0,
            send_lag: new_hist(),
            late_sends: 0,
            sent_in_window: 0,
            pending: 0,
            blocks_seen: 0,
            window_blocks: 0,
            window_gas: 0,
            window_included: 0,
            window_fill_sum: 0.0,
            window_txs: 0,
            interval_sum_ns: 0,
            intervals: 0,
            interval_max_ns: 0,
            base_fee_min: None,
            base_fee_max: 0,
            base_fee_last: 0,
            gas_seen: 0,
            last_block_gas: None,
            series: Series::default(),
            blocks: Vec::new(),
        }
    }
}

/// One workload's (or all workloads') sums.
#[derive(Debug, Clone)]
pub struct WorkloadMeasured {
    /// Over the whole run.
    pub counts: Accounting,
    /// Reverts by decoded reason.
    pub reverts: BTreeMap<String, KindCount>,
    /// By stage, microseconds (window); `inclusion_all_sent` is `inclusion` plus every
    /// window transaction that was never included, at its timeout (filled when the run
    /// ends).
    pub latency: StageHists,
    /// Who the percentiles leave out (filled when the run ends).
    pub failures: LatencyFailures,
    /// Gas used per included transaction (window).
    pub gas: Hist,
    pub fees: FeeSums,
}

impl WorkloadMeasured {
    fn new() -> Self {
        Self {
            counts: Accounting::default(),
            reverts: BTreeMap::new(),
            latency: StageHists::default(),
            failures: LatencyFailures::default(),
            gas: new_exact_hist(),
            fees: FeeSums::default(),
        }
    }
}

/// Fees of the window's included transactions, in wei, by part.
#[derive(Debug, Default, Clone, Copy)]
pub struct FeeSums {
    pub total: u128,
    pub base: u128,
    pub priority: u128,
    pub l1: u128,
    /// Sum of effective gas prices, and over how many transactions.
    pub price_sum: u128,
    pub count: u64,
    /// Gas used by the same transactions.
    pub gas: u128,
}
