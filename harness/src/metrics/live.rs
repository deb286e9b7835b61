//! Live figures: what the recorder knows while a run goes on, copied out for observers
//! (the Prometheus exporter, the service). Counters are over the whole run, like the
//! report's accounting; histograms, gas and fees cover the measured window, like the
//! report's figures, so that a dashboard and the report agree.

use std::collections::BTreeMap;

use super::{hist::Hist, stage::StageHists};
use crate::report::Accounting;

/// See the module docs.
#[derive(Debug, Clone)]
pub struct LiveFigures {
    /// By mix index (two mix entries may share a name).
    pub workloads: Vec<WorkloadLive>,
    /// Rejections by kind (`RejectKind::as_str`, a fixed set).
    pub rejected: BTreeMap<String, u64>,
    /// Drops by the recorder's reason key (free text's first words).
    pub dropped: BTreeMap<String, u64>,
    /// Sends later than the late threshold (window).
    pub late_sends: u64,
    /// Sent, not yet resolved.
    pub pending: u64,
    /// Blocks seen (whole run).
    pub blocks: u64,
    /// Gas used by every block seen (whole run).
    pub block_gas_used: u128,
    pub last_block: Option<LastBlock>,
    /// Send lag (actual minus intended send time, us; window).
    pub send_lag: Hist,
}

/// One workload's live figures.
#[derive(Debug, Clone)]
pub struct WorkloadLive {
    pub name: &'static str,
    pub counts: Accounting,
    /// Latency by stage, us (window); `inclusion_all_sent` fills only when the run ends.
    pub latency: StageHists,
    /// Gas used by its included transactions (window).
    pub gas_used: u128,
    pub fees: FeeParts,
}

/// Fees paid, in wei, by part.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeeParts {
    /// Base fee (burned).
    pub base_wei: u128,
    /// Priority fee (to the block producer).
    pub priority_wei: u128,
    /// L1 data fee (rollups).
    pub l1_wei: u128,
}

/// The last block seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastBlock {
    pub gas_used: u64,
    pub gas_limit: u64,
    pub base_fee_wei: u128,
}
