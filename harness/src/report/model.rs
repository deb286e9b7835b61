//! The report's data: plain, serializable, versioned. Every figure has a stable path
//! (e.g. `latency.inclusion.p99_us`) that gates and dashboards can address. Views
//! (table, JSON file) are functions of it, in their own files.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::metrics::Stage;
pub use crate::scenario::TargetKind;
use crate::{
    exec::ExecCounters,
    plan::SigningStats,
    targets::{TargetHealth, TargetInfo, embedded::BlockSlots},
};

/// Bumped whenever a field changes meaning or is removed.
pub const REPORT_VERSION: u32 = 1;

/// Wei amounts: decimal strings in JSON (they overflow JSON numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Wei(pub u128);

impl Serialize for Wei {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Wei {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map(Wei).map_err(serde::de::Error::custom)
    }
}

/// A whole run's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub report_version: u32,
    pub tool: ToolInfo,
    pub host: HostInfo,
    pub run: RunInfo,
    /// The scenario exactly as run (after `--set` overrides).
    pub scenario: serde_json::Value,
    pub target: TargetReport,
    pub signing: SigningStats,
    /// The set-up phase (deployments, provisioning), before the measured load.
    pub setup: SetupReport,
    /// What the plan's generators warned about (e.g. a game's energy running out).
    pub warnings: Vec<String>,
    pub load: LoadFigures,
    pub throughput: Throughput,
    pub latency: Latencies,
    pub fees: Fees,
    pub workloads: BTreeMap<String, WorkloadFigures>,
    pub accounting: Accounting,
    pub failures: Failures,
    pub effects: Effects,
    /// The recorder's counts held against the chain read back after the run.
    #[serde(default)]
    pub reconciliation: Reconciliation,
    /// One sample per second of the run (warmup, window and drain).
    pub series: Vec<SecondSample>,
    /// Every block the run saw (warmup, window and drain), with its identity, so that
    /// [`Report::merge`] counts a block two shards saw once.
    #[serde(default)]
    pub blocks: Vec<BlockSeen>,
    /// The rollup target's figures: L1 data fees, batcher, stage latencies, derivation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollup: Option<crate::targets::rollup::RollupReport>,
    /// With `run --repeat N`: every repetition's figures (this report's body is the last
    /// repetition). Relative gates then compare distributions (docs/gates.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repetitions: Vec<Repetition>,
}

/// One repetition of a repeated run: every named figure (docs/gates.md) it measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Repetition {
    pub figures: BTreeMap<String, f64>,
}

impl Report {
    /// Whether a check failed: accounting, anomalies, the reconciliation with the chain,
    /// or the effects (the CLI's exit code 1, a failed run for observers).
    pub fn checks_failed(&self) -> bool {
        !self.accounting.balanced
            || self.effects.verdict == Verdict::Fail
            || self.failures.anomalies > 0
            || self.reconciliation.verdict == Verdict::Fail
            || self.rollup.as_ref().is_some_and(|r| r.derivation.verdict == Verdict::Fail)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
    pub git_sha: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostInfo {
    pub cpu_model: String,
    pub cores: usize,
    pub memory_gib: f64,
    pub os: String,
    pub kernel: String,
}

/// How the run went, as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The run went to its planned end (see `partial` for transactions left unsent).
    Completed,
    /// Stopped by a signal or a cancellation: the figures cover what was measured.
    Interrupted,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub scenario_name: String,
    pub seed: u64,
    /// RFC 3339, UTC.
    pub started_at: String,
    /// `started_at` in Unix milliseconds: the wall clock at the run clock's zero, where
    /// `series[].t` and `blocks[].seen_ms` count from (aligns shards' series).
    #[serde(default)]
    pub started_at_unix_ms: u64,
    pub outcome: Outcome,
    /// True when the figures do not cover the whole planned run.
    pub partial: bool,
    pub warmup_seconds: f64,
    pub window_seconds: f64,
    /// From the start of the load to the end of the drain.
    pub elapsed_seconds: f64,
    /// How long the drain (waiting for in-flight transactions after the load) lasted.
    pub drain_seconds: f64,
    /// What went wrong with the target mid-run (e.g. the node went away), if anything;
    /// the figures are then partial.
    #[serde(default)]
    pub fault: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetReport {
    pub kind: TargetKind,
    pub chain_id: u64,
    pub block_gas_limit: u64,
    pub executor: Option<String>,
    pub notes: Vec<String>,
    /// The parallel executor's work counters (null for other executors and targets).
    #[serde(default)]
    pub exec: Option<ExecCounters>,
    /// How the embedded chain's builder kept its block time (null for other targets).
    #[serde(default)]
    pub slots: Option<BlockSlots>,
    /// Errors talking to the target during the run, by kind (e.g. `send_unreachable`).
    #[serde(default)]
    pub errors: BTreeMap<String, u64>,
    /// The load gasbench itself put on the target: requests by JSON-RPC method (RPC
    /// targets; empty for others).
    #[serde(default)]
    pub requests: BTreeMap<String, RequestLoad>,
    /// The container the node ran in: image id, arguments, limits, and the node's CPU
    /// and memory over the load (container targets only; absent for others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<crate::targets::container::ContainerReport>,
}

/// Calls of one method gasbench sent, the HTTP requests that carried them, and the calls
/// per second over the target's run clock (set-up, load and drain).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestLoad {
    pub calls: u64,
    pub http_requests: u64,
    pub calls_per_second: f64,
}

impl TargetReport {
    /// The report's view of a target: its facts and how the conversation went.
    pub fn new(t: TargetInfo, health: TargetHealth) -> Self {
        Self {
            kind: t.kind,
            chain_id: t.chain_id,
            block_gas_limit: t.block_gas_limit,
            executor: t.executor.map(str::to_string),
            notes: t.notes,
            exec: None,
            slots: None,
            container: None,
            errors: health.errors,
            requests: health
                .requests
                .into_iter()
                .map(|(method, c)| {
                    let per_second = c.calls as f64 / (health.requests_window_ns.max(1) as f64 / 1e9);
                    (
                        method,
                        RequestLoad { calls: c.calls, http_requests: c.http_requests, calls_per_second: per_second },
                    )
                })
                .collect(),
        }
    }
}

/// What was offered and what was sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadFigures {
    pub model: LoadModel,
    /// Planned sends per second over the window (open model).
    pub offered_tps: f64,
    /// Actual sends per second over the window.
    pub achieved_send_tps: f64,
    /// achieved / offered (1.0 for the closed model).
    pub send_ratio: f64,
    /// Sends more than `late_threshold_ms` after their intended time.
    pub late_sends: u64,
    pub late_threshold_ms: f64,
    /// Send time minus intended time, over the window.
    pub send_lag: LatencySummary,
    /// Closed model: transactions kept in flight.
    pub in_flight: Option<u32>,
    /// CPU seconds the gasbench process spent from the start of the load to the end of
    /// the drain (signing happens before and is not in it); `None` where unknown.
    #[serde(default)]
    pub harness_cpu_seconds: Option<f64>,
    /// `harness_cpu_seconds` per transaction sent, microseconds.
    #[serde(default)]
    pub harness_cpu_us_per_tx: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Throughput {
    /// Our transactions included per second of the window (by when the block was seen).
    pub included_tps: f64,
    pub gas_per_second: f64,
    pub mgas_per_second: f64,
    /// Blocks seen during the window.
    pub blocks: u64,
    /// Mean gas used / gas limit of those blocks.
    pub mean_block_fill: f64,
    pub mean_block_interval_ms: f64,
    pub max_block_interval_ms: f64,
    pub mean_txs_per_block: f64,
}

/// Percentiles of one latency, in microseconds, with the histogram itself (HDR V2,
/// deflated, base64) so that reports of several workers merge exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct LatencySummary {
    pub count: u64,
    pub min_us: u64,
    pub mean_us: f64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
    pub max_us: u64,
    pub hdr: String,
}

/// Latencies measured from each transaction's intended send time, by stage (see
/// [`Stage`]): `submit` (intended send time to accepted by the target), `inclusion`
/// (to seen in a block, over included transactions only: the ones never included are
/// left out, see `failures`), `inclusion_all_sent` (to seen in a block over every
/// transaction sent, those never included counted at their timeout: from their intended
/// send time to the end of the run's drain, as wrk2 and k6 count a failed request at its
/// timeout; never below `inclusion`'s percentiles), and whatever further stages the
/// target reports (a rollup's `safe`, `finalized`). Each is a key of the JSON object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Latencies {
    #[serde(flatten)]
    pub stages: BTreeMap<Stage, LatencySummary>,
    /// The transactions the percentiles above leave out.
    #[serde(default)]
    pub failures: LatencyFailures,
}

/// What a stage that was never recorded reads as: no transactions.
static NO_LATENCY: LatencySummary = LatencySummary {
    count: 0,
    min_us: 0,
    mean_us: 0.0,
    p50_us: 0,
    p90_us: 0,
    p99_us: 0,
    p999_us: 0,
    max_us: 0,
    hdr: String::new(),
};

impl Latencies {
    /// The summary of `stage`, if the run recorded it.
    pub fn get(&self, stage: &Stage) -> Option<&LatencySummary> {
        self.stages.get(stage)
    }
}

impl std::ops::Index<Stage> for Latencies {
    type Output = LatencySummary;

    /// The summary of `stage`; an empty one if the run did not record it.
    fn index(&self, stage: Stage) -> &LatencySummary {
        self.stages.get(&stage).unwrap_or(&NO_LATENCY)
    }
}

/// Transactions of the window missing from a latency percentile, per stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct LatencyFailures {
    /// Transactions sent whose intended send time is in the window: the population
    /// `inclusion_all_sent` covers.
    pub sent: u64,
    /// Of `inclusion`: still pending when the run ended.
    pub pending_at_end: u64,
    /// By stage: `submit`, rejected at submission or never answered (left out of
    /// `submit`); `inclusion`, never included (rejected, dropped, or pending when the run
    /// ended: left out of `inclusion`, counted at their timeout in `inclusion_all_sent`).
    #[serde(flatten)]
    pub stages: BTreeMap<Stage, FailureShare>,
}

static NO_FAILURES: FailureShare = FailureShare { count: 0, share_of_sent: 0.0 };

impl std::ops::Index<Stage> for LatencyFailures {
    type Output = FailureShare;

    fn index(&self, stage: Stage) -> &FailureShare {
        self.stages.get(&stage).unwrap_or(&NO_FAILURES)
    }
}

/// A count of transactions and its share of the transactions sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct FailureShare {
    pub count: u64,
    /// `count` / `sent`, 0 when nothing was sent.
    pub share_of_sent: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Fees {
    /// Everything senders paid for included transactions of the window.
    pub total_wei: Wei,
    /// Base fee x gas used: burned.
    pub base_fee_wei: Wei,
    /// (effective price - base fee) x gas used: to the block producer.
    pub priority_fee_wei: Wei,
    /// L1 data fee (rollups).
    pub l1_fee_wei: Wei,
    pub mean_fee_per_tx_wei: Wei,
    pub mean_effective_gas_price_wei: Wei,
    /// The transactions these fees cover, and the sum of their effective gas prices: the
    /// sums the means come from (kept so that merged reports recompute them exactly).
    #[serde(default)]
    pub txs: u64,
    #[serde(default)]
    pub price_sum_wei: Wei,
    pub base_fee_min_wei: Wei,
    pub base_fee_max_wei: Wei,
    pub base_fee_last_wei: Wei,
}

/// Gas used per operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct GasSummary {
    pub count: u64,
    pub mean: f64,
    pub min: u64,
    pub p50: u64,
    pub p99: u64,
    pub max: u64,
    pub hdr: String,
}

/// One workload's figures (same window as the totals).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct WorkloadFigures {
    pub accounting: Accounting,
    pub latency: Latencies,
    pub gas_per_op: GasSummary,
    pub fees: Fees,
    /// Reverted / included.
    pub revert_rate: f64,
    /// Reverts by decoded reason (error name; an example with its arguments).
    pub revert_reasons: BTreeMap<String, KindCount>,
    /// Successful operations by kind (`swap`, `borrow`, ...), whole run.
    pub ops: BTreeMap<String, u64>,
}

/// What the set-up cost: excluded from every figure of the load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SetupReport {
    pub txs: u64,
    pub phases: u64,
    /// Blocks that included set-up transactions.
    pub blocks: u64,
    pub gas_used: u64,
    pub fee_wei: Wei,
    pub seconds: f64,
    /// Set-up transactions the target reported dropped and that were sent again (a node
    /// that loses accepted transactions, as anvil in automine mode does under bursts).
    #[serde(default)]
    pub resent: u64,
}

/// The verdict of one workload check (an invariant read on chain).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CheckResult {
    pub workload: String,
    pub name: String,
    /// `pass`, `fail`, or `skipped` (could not be read; the detail says why).
    pub verdict: Verdict,
    pub detail: String,
}

/// Where every sent transaction ended up (whole run, warmup included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Accounting {
    pub planned: u64,
    pub sent: u64,
    /// Planned but never sent (the run was stopped, or its time ran out).
    pub not_sent: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub included: u64,
    pub succeeded: u64,
    pub reverted: u64,
    /// Accepted but not included (dropped by the target, or still pending after the drain).
    pub dropped: u64,
    /// Of `dropped`: still pending when the drain ended.
    pub pending_at_end: u64,
    /// `sent == included + rejected + dropped` and `included == succeeded + reverted`.
    pub balanced: bool,
}

/// Failures by kind, with an example message each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Failures {
    pub rejected: BTreeMap<String, KindCount>,
    pub dropped: BTreeMap<String, KindCount>,
    pub reverted: u64,
    /// Events that did not match the plan (a duplicate inclusion, an unknown id): 0.
    pub anomalies: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct KindCount {
    pub count: u64,
    pub example: String,
}

/// The post-run check of effects on chain state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Effects {
    pub verdict: Verdict,
    pub accounts_checked: u64,
    pub mismatches: u64,
    /// The first mismatches, in words.
    pub details: Vec<String>,
    /// The workloads' own invariants (supplies, reserves, totals, counters).
    pub checks: Vec<CheckResult>,
}

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    /// Could not be checked (the reason is beside it).
    #[default]
    Skipped,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Skipped => "skipped",
        }
    }

    /// `Fail` if any of `verdicts` failed, else `Pass`.
    pub fn all(verdicts: impl IntoIterator<Item = Self>) -> Self {
        if verdicts.into_iter().any(|v| v == Self::Fail) { Self::Fail } else { Self::Pass }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Reads as its JSON name, so that `verdict == "pass"` still says what it did when the
/// verdict was a string.
impl PartialEq<&str> for Verdict {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// How the load was offered: `open` (intended send times from a rate, constant or
/// staged) or `closed` (a window of transactions kept in flight).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadModel {
    Open,
    Closed,
}

impl LoadModel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }
}

impl PartialEq<&str> for LoadModel {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// The reconciliation: the transactions found in the target's blocks (read back after
/// the run) against those the recorder counted as included, and each sender's nonce on
/// chain against its starting nonce plus its included transactions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Reconciliation {
    pub verdict: Verdict,
    /// The load's blocks read back: `first_block..=last_block` (0, 0 when none).
    pub first_block: u64,
    pub last_block: u64,
    pub blocks_read: u64,
    /// Our transactions found in those blocks.
    pub found_on_chain: u64,
    /// Transactions the recorder counted as included.
    pub counted_included: u64,
    /// Transactions in those blocks that are not the load's (another sender's).
    pub foreign_txs: u64,
    pub senders_checked: u64,
    /// Mismatches by kind (`counted_but_not_on_chain`, `on_chain_but_not_counted`,
    /// `on_chain_but_never_sent`, `included_twice`, `sender_nonce`): a count and the
    /// first transactions (hashes; senders for nonces).
    pub mismatches: BTreeMap<String, Mismatch>,
    /// Why it was skipped, or what it covered.
    pub detail: String,
}

/// One kind of reconciliation mismatch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Mismatch {
    pub count: u64,
    /// The first ones (at most 10).
    pub examples: Vec<String>,
}

/// One second of the run, or `span_s` seconds of a long one (see `metrics::series`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SecondSample {
    /// Seconds since the start of the load.
    pub t: u64,
    /// Seconds the sample covers: 1, or a power of two once a long run's series is merged.
    #[serde(default = "one_second")]
    pub span_s: u64,
    pub sent: u64,
    pub included: u64,
    pub failed: u64,
    pub gas_used: u64,
    pub blocks: u64,
    /// Base fee of the last block seen in this second.
    pub base_fee_wei: Wei,
    pub inclusion_p99_us: u64,
}

fn one_second() -> u64 {
    1
}

/// A block the run saw: its identity (with the target's chain id) and what the block
/// figures are computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockSeen {
    pub number: u64,
    pub hash: alloy::primitives::B256,
    /// When gasbench saw it, milliseconds on the run clock (from `run.started_at`).
    pub seen_ms: u64,
    /// Seen in the measured window (the blocks `throughput` covers).
    pub in_window: bool,
    pub gas_used: u64,
    pub gas_limit: u64,
    /// Transactions in it, ours and others'.
    pub txs: u64,
    pub base_fee_wei: Wei,
}
