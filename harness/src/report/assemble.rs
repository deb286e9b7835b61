//! Report assembly: the recorder measures ([`Measured`], raw sums), the runner gathers
//! the run's facts ([`RunFacts`]: what was planned, the target's account of itself, the
//! checks' verdicts), and this file turns both into a [`Report`]. Rates, means and
//! percentiles are derived here, never in the recorder.

use std::collections::BTreeMap;

use super::{
    Accounting, Effects, Failures, Fees, Latencies, LoadFigures, LoadModel, Outcome, Reconciliation, Report, RunInfo,
    SetupReport, TargetReport, Throughput, Wei, WorkloadFigures,
};
use crate::{
    metrics::{FeeSums, Measured, WorkloadMeasured, gas_summary, latency_summary},
    plan::SigningStats,
    scenario::Scenario,
};

/// What the runner knows of a run besides what the recorder measured.
#[derive(Debug)]
pub struct RunFacts<'a> {
    pub scenario: &'a Scenario,
    /// When the load's clock started (wall clock).
    pub wall_start: std::time::SystemTime,
    /// Stopped by a signal or a cancelled token.
    pub interrupted: bool,
    /// The measured window on the run clock: from the warmup's end to the planned end.
    pub warmup_ns: u64,
    pub run_ns: u64,
    /// When the load was sent (`load_done_ns`) and when the drain ended (`load_end_ns`).
    pub load_done_ns: u64,
    pub load_end_ns: u64,
    pub target: TargetReport,
    /// What went wrong with the target mid-run, if anything.
    pub fault: Option<String>,
    pub signing: SigningStats,
    pub setup: SetupReport,
    pub warnings: Vec<String>,
    pub model: LoadModel,
    /// Planned sends within the window (open model).
    pub offered_in_window: u64,
    /// The closed model's concurrency.
    pub in_flight: Option<u32>,
    /// The harness's CPU time during load and drain, when the platform tells it.
    pub cpu_seconds: Option<f64>,
    /// Planned transactions (a lazy load's plan is what it sent), in all and per
    /// workload (mix index).
    pub planned: u64,
    pub planned_per_workload: Vec<u64>,
    /// Each workload's successful operations by kind (mix index).
    pub ops: Vec<BTreeMap<&'static str, u64>>,
    pub effects: Effects,
    pub reconciliation: Reconciliation,
    pub rollup: Option<crate::targets::rollup::RollupReport>,
}

/// The run's report, from what was measured and the run's facts.
pub fn assemble(m: &Measured, facts: RunFacts<'_>) -> Report {
    let RunFacts { scenario, wall_start, interrupted, warmup_ns, run_ns, load_done_ns, load_end_ns, .. } = facts;
    let window_end = run_ns.min(load_end_ns).max(warmup_ns);
    let window_s = (window_end - warmup_ns) as f64 / 1e9;
    let accounting = m.accounting(facts.planned);
    let mut load = m.load(facts.model, facts.offered_in_window, window_s, facts.in_flight);
    load.harness_cpu_seconds = facts.cpu_seconds;
    load.harness_cpu_us_per_tx =
        facts.cpu_seconds.filter(|_| accounting.sent > 0).map(|s| s * 1e6 / accounting.sent as f64);
    Report {
        report_version: super::REPORT_VERSION,
        tool: super::tool_info(),
        host: super::host_info(),
        run: RunInfo {
            scenario_name: scenario.name.clone(),
            seed: scenario.seed,
            started_at: humantime::format_rfc3339_millis(wall_start).to_string(),
            started_at_unix_ms: wall_start
                .duration_since(std::time::SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
            outcome: if interrupted { Outcome::Interrupted } else { Outcome::Completed },
            partial: interrupted || accounting.not_sent > 0 || facts.fault.is_some(),
            warmup_seconds: warmup_ns as f64 / 1e9,
            window_seconds: window_s,
            elapsed_seconds: load_end_ns as f64 / 1e9,
            drain_seconds: load_end_ns.saturating_sub(load_done_ns) as f64 / 1e9,
            fault: facts.fault,
        },
        scenario: serde_json::to_value(scenario).expect("a scenario always serializes"),
        target: facts.target,
        signing: facts.signing,
        setup: facts.setup,
        warnings: facts.warnings,
        load,
        throughput: m.throughput(window_s),
        latency: m.latencies(),
        fees: m.fees(),
        workloads: m.workloads(&facts.planned_per_workload, &facts.ops),
        accounting,
        failures: m.failures(),
        effects: facts.effects,
        reconciliation: facts.reconciliation,
        series: m.series.samples().to_vec(),
        blocks: m.blocks.clone(),
        rollup: facts.rollup,
        repetitions: Vec::new(),
    }
}

/// The report's sections, read from the sums.
impl Measured {
    /// Accounting over the whole run, with `planned` from the plan.
    pub fn accounting(&self, planned: u64) -> Accounting {
        let mut a = self.total.counts.clone();
        finish_accounting(&mut a, planned);
        a
    }

    /// Per workload figures, keyed by workload name; `ops` gives each workload's successful operations by kind
    /// (by mix index, like `planned_per_workload`).
    pub fn workloads(
        &self,
        planned_per_workload: &[u64],
        ops: &[BTreeMap<&'static str, u64>],
    ) -> BTreeMap<String, WorkloadFigures> {
        let mut out = BTreeMap::new();
        for (i, f) in self.per.iter().enumerate() {
            let mut accounting = f.counts.clone();
            finish_accounting(&mut accounting, planned_per_workload.get(i).copied().unwrap_or(0));
            let figures = WorkloadFigures {
                revert_rate: if accounting.included == 0 {
                    0.0
                } else {
                    accounting.reverted as f64 / accounting.included as f64
                },
                accounting,
                latency: latencies(f),
                gas_per_op: gas_summary(&f.gas),
                fees: fees(&f.fees, Some(self.base_fee_range())),
                revert_reasons: f.reverts.clone(),
                ops: ops.get(i).map(|o| o.iter().map(|(k, v)| ((*k).to_string(), *v)).collect()).unwrap_or_default(),
            };
            // Two mix entries of one kind share the name: keep both, numbered.
            let name = self.names[i];
            let key = if out.contains_key(name) { format!("{name}#{i}") } else { name.to_string() };
            out.insert(key, figures);
        }
        out
    }

    /// Latencies over the window, all workloads.
    pub fn latencies(&self) -> Latencies {
        latencies(&self.total)
    }

    /// Fees over the window, all workloads.
    pub fn fees(&self) -> Fees {
        fees(&self.total.fees, Some(self.base_fee_range()))
    }

    /// Base fee (min, max, last) over the window's blocks.
    fn base_fee_range(&self) -> (u128, u128, u128) {
        (self.base_fee_min.unwrap_or(self.base_fee_last), self.base_fee_max, self.base_fee_last)
    }

    /// Throughput over a window of `window_s` seconds (shorter than planned if the run
    /// was stopped).
    pub fn throughput(&self, window_s: f64) -> Throughput {
        let per_s = |v: f64| if window_s > 0.0 { v / window_s } else { 0.0 };
        let gas_per_second = per_s(self.window_gas as f64);
        Throughput {
            included_tps: per_s(self.window_included as f64),
            gas_per_second,
            mgas_per_second: gas_per_second / 1e6,
            blocks: self.window_blocks,
            mean_block_fill: if self.window_blocks == 0 {
                0.0
            } else {
                self.window_fill_sum / self.window_blocks as f64
            },
            mean_block_interval_ms: if self.intervals == 0 {
                0.0
            } else {
                self.interval_sum_ns as f64 / self.intervals as f64 / 1e6
            },
            max_block_interval_ms: self.interval_max_ns as f64 / 1e6,
            mean_txs_per_block: if self.window_blocks == 0 {
                0.0
            } else {
                self.window_txs as f64 / self.window_blocks as f64
            },
        }
    }

    /// Offered versus achieved sending over a window of `window_s` seconds.
    pub fn load(&self, model: LoadModel, offered_in_window: u64, window_s: f64, in_flight: Option<u32>) -> LoadFigures {
        let per_s = |v: u64| if window_s > 0.0 { v as f64 / window_s } else { 0.0 };
        let offered = if model == LoadModel::Closed { self.sent_in_window } else { offered_in_window };
        LoadFigures {
            model,
            offered_tps: per_s(offered),
            achieved_send_tps: per_s(self.sent_in_window),
            send_ratio: if offered == 0 { 0.0 } else { self.sent_in_window as f64 / offered as f64 },
            late_sends: self.late_sends,
            late_threshold_ms: self.late_threshold_ns as f64 / 1e6,
            send_lag: latency_summary(&self.send_lag),
            in_flight,
            harness_cpu_seconds: None,
            harness_cpu_us_per_tx: None,
        }
    }

    /// Failures by kind.
    pub fn failures(&self) -> Failures {
        Failures {
            rejected: self.rejected.clone(),
            dropped: self.dropped.clone(),
            reverted: self.total.counts.reverted,
            anomalies: self.anomalies,
        }
    }
}

fn finish_accounting(a: &mut Accounting, planned: u64) {
    a.planned = planned;
    a.not_sent = planned.saturating_sub(a.sent);
    a.balanced = a.sent == a.included + a.rejected + a.dropped && a.included == a.succeeded + a.reverted;
}

fn fees(s: &FeeSums, base_fee: Option<(u128, u128, u128)>) -> Fees {
    let (min, max, last) = base_fee.unwrap_or_default();
    Fees {
        total_wei: Wei(s.total),
        base_fee_wei: Wei(s.base),
        priority_fee_wei: Wei(s.priority),
        l1_fee_wei: Wei(s.l1),
        mean_fee_per_tx_wei: Wei(if s.count == 0 { 0 } else { s.total / u128::from(s.count) }),
        mean_effective_gas_price_wei: Wei(if s.count == 0 { 0 } else { s.price_sum / u128::from(s.count) }),
        txs: s.count,
        price_sum_wei: Wei(s.price_sum),
        base_fee_min_wei: Wei(min),
        base_fee_max_wei: Wei(max),
        base_fee_last_wei: Wei(last),
    }
}

fn latencies(f: &WorkloadMeasured) -> Latencies {
    Latencies {
        stages: f.latency.iter().map(|(s, h)| (s.clone(), latency_summary(h))).collect(),
        failures: f.failures.clone(),
    }
}
