//! Every metric gasbench exports, in one table: name, type, labels beyond the run's and
//! meaning. The exporter takes its help texts from here, `docs/metrics.md` is checked
//! against it both ways by a test, and a family missing here cannot be exported.

/// A metric's type, as Prometheus knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Gauge => "gauge",
            Self::Histogram => "histogram",
        }
    }
}

/// One exported family.
#[derive(Debug, Clone, Copy)]
pub struct Def {
    pub name: &'static str,
    pub kind: Kind,
    /// Labels beyond the run's own (`RUN_LABELS`), which every family but
    /// `gasbench_build_info` carries.
    pub labels: &'static [&'static str],
    pub help: &'static str,
}

/// The labels that name a run; every family but `gasbench_build_info` has them.
pub const RUN_LABELS: [&str; 4] = ["run_id", "scenario", "target", "executor"];

const fn def(name: &'static str, kind: Kind, labels: &'static [&'static str], help: &'static str) -> Def {
    Def { name, kind, labels, help }
}

use Kind::{Counter, Gauge, Histogram};

pub const BUILD_INFO: &str = "gasbench_build_info";

/// See the module docs. Order: as `docs/metrics.md` lists them.
pub const CATALOG: &[Def] = &[
    def(BUILD_INFO, Gauge, &["version", "git_sha"], "Always 1; the gasbench build serving these metrics."),
    def(
        "gasbench_run_info",
        Gauge,
        &["load_model", "seed"],
        "Always 1 while the run is exported; its labels describe the run.",
    ),
    def(
        "gasbench_run_phase",
        Gauge,
        &["phase"],
        "1 for the phase the run is in (preparing, setting_up, load, draining, assessing, or how it ended: passed, failed, interrupted, error), 0 for the others.",
    ),
    def("gasbench_run_start_timestamp_seconds", Gauge, &[], "When the run started (Unix time, seconds)."),
    def(
        "gasbench_run_end_timestamp_seconds",
        Gauge,
        &[],
        "When the run ended (Unix time, seconds); absent while it runs.",
    ),
    def(
        "gasbench_setup_duration_seconds",
        Gauge,
        &[],
        "How long the set-up (deployments, provisioning) took; absent before it ends.",
    ),
    def(
        "gasbench_offered_rate_tps",
        Gauge,
        &[],
        "The scenario's offered rate (open model), transactions per second; absent for a closed model.",
    ),
    def(
        "gasbench_transactions_offered_total",
        Counter,
        &[],
        "Planned transactions whose intended send time has come (open model; a closed model offers what it sends). rate() of it is the offered rate, staged profiles included.",
    ),
    def("gasbench_transactions_planned_total", Counter, &["workload"], "Transactions planned for the load."),
    def("gasbench_transactions_sent_total", Counter, &["workload"], "Transactions handed to the target."),
    def(
        "gasbench_transactions_accepted_total",
        Counter,
        &["workload"],
        "Transactions the target accepted (into its pool).",
    ),
    def(
        "gasbench_transactions_included_total",
        Counter,
        &["workload"],
        "Transactions found in a block, succeeded or reverted.",
    ),
    def(
        "gasbench_transactions_reverted_total",
        Counter,
        &["workload"],
        "Included transactions that reverted or halted.",
    ),
    def(
        "gasbench_transactions_rejected_total",
        Counter,
        &["reason"],
        "Transactions the target refused when sent, by reason (a fixed set: nonce_too_low, nonce_too_high, nonce_gap, already_known, insufficient_funds, pool_full, underpriced, invalid_signature, wrong_chain_id, gas_limit, transport, other).",
    ),
    def(
        "gasbench_transactions_dropped_total",
        Counter,
        &["reason"],
        "Accepted transactions that never reached a block, by reason (excluded_by_builder, not_mined_in_time, behind_nonce_gap, not_included_after_drain, other).",
    ),
    def("gasbench_transactions_pending", Gauge, &[], "Transactions sent and not yet resolved (in flight)."),
    def(
        "gasbench_late_sends_total",
        Counter,
        &[],
        "Sends later than the late threshold (default 10 ms) after their intended time, in the measured window.",
    ),
    def(
        "gasbench_latency_seconds",
        Histogram,
        &["stage", "workload"],
        "Latency from each transaction's intended send time to the stage (submit: the target's answer; inclusion: the block seen by gasbench), for transactions intended in the measured window; the same data as the report's HDR histograms.",
    ),
    def(
        "gasbench_send_lag_seconds",
        Histogram,
        &[],
        "How late each send left against its intended time, in the measured window (the load generator's own lag).",
    ),
    def(
        "gasbench_gas_used_total",
        Counter,
        &["workload"],
        "Gas used by included transactions intended in the measured window.",
    ),
    def(
        "gasbench_fees_paid_wei_total",
        Counter,
        &["workload", "part"],
        "Fees paid by included transactions intended in the measured window, in wei, by part: base (burned), priority (to the block producer), l1 (a rollup's L1 data fee).",
    ),
    def("gasbench_blocks_total", Counter, &[], "Blocks seen."),
    def(
        "gasbench_block_gas_used_total",
        Counter,
        &[],
        "Gas used by every block seen, other senders' transactions included.",
    ),
    def("gasbench_block_gas_used", Gauge, &[], "Gas used by the last block seen."),
    def("gasbench_block_gas_limit", Gauge, &[], "Gas limit of the last block seen."),
    def("gasbench_block_fill_ratio", Gauge, &[], "Gas used over gas limit of the last block seen (0 to 1)."),
    def("gasbench_base_fee_wei", Gauge, &[], "Base fee per gas of the last block seen, in wei."),
    def(
        "gasbench_exec_blocks_total",
        Counter,
        &[],
        "Blocks the parallel executor ran (in parallel or by fallback); parallel executor only.",
    ),
    def(
        "gasbench_exec_transactions_total",
        Counter,
        &[],
        "Transactions in the blocks the parallel executor ran; parallel executor only.",
    ),
    def(
        "gasbench_exec_re_executions_total",
        Counter,
        &[],
        "Executions beyond the first of each transaction (Block-STM re-incarnations); parallel executor only.",
    ),
    def(
        "gasbench_exec_validation_aborts_total",
        Counter,
        &[],
        "Validations that found a stale read and aborted an incarnation; parallel executor only.",
    ),
    def(
        "gasbench_exec_suspended_reads_total",
        Counter,
        &[],
        "Reads that met an estimate of an earlier transaction and suspended; parallel executor only.",
    ),
    def(
        "gasbench_exec_fallback_blocks_total",
        Counter,
        &[],
        "Blocks the parallel executor ran sequentially instead (small blocks, unsupported features, or the adaptive choice); parallel executor only.",
    ),
    def(
        "gasbench_rollup_channel_uncompressed_bytes_total",
        Counter,
        &[],
        "Bytes of the batches the batcher put in closed channels, before compression; rollup only.",
    ),
    def(
        "gasbench_rollup_channel_compressed_bytes_total",
        Counter,
        &[],
        "The same channels' bytes after compression (zlib or brotli); uncompressed over compressed is the compression ratio; rollup only.",
    ),
    def("gasbench_rollup_channels_total", Counter, &[], "Channels the batcher closed and posted; rollup only."),
    def("gasbench_rollup_frames_total", Counter, &[], "Frames the batcher cut its channels into; rollup only."),
    def(
        "gasbench_rollup_batcher_txs_included_total",
        Counter,
        &[],
        "Batcher transactions included in an L1 block; rollup only.",
    ),
    def(
        "gasbench_rollup_batcher_l1_spend_wei_total",
        Counter,
        &[],
        "What the batcher paid the L1 for its included transactions (gas used x effective gas price), in wei; rollup only.",
    ),
    def(
        "gasbench_rollup_l1_fees_collected_wei_total",
        Counter,
        &[],
        "L1 data fees the L2 charged its senders (every transaction it included, set-up included), in wei; rollup only.",
    ),
    def(
        "gasbench_rollup_l1_fee_transactions_total",
        Counter,
        &[],
        "L2 transactions charged an L1 data fee (set-up included); rollup only.",
    ),
    def(
        "gasbench_rollup_l1_base_fee_wei",
        Gauge,
        &[],
        "Base fee per gas of the L1's last block seen by the batcher, in wei: its reaction to the batcher's own load; rollup only.",
    ),
];

/// The definition of `name`; panics on a name missing from the catalog (a bug caught by
/// every test that scrapes).
pub fn get(name: &str) -> &'static Def {
    CATALOG.iter().find(|d| d.name == name).unwrap_or_else(|| panic!("metric {name} is not in the catalog"))
}
