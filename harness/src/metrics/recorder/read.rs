//! Reading the recorder out: live figures for observers, and the figures the report's
//! sections are assembled from. Measuring lives in `mod.rs`.

use super::*;
use crate::report::LoadModel;

impl Recorder {
    /// Every live figure, for observers (the Prometheus exporter): copies, so that the
    /// caller holds the recorder's lock only while they are taken.
    pub fn live(&self) -> LiveFigures {
        let workloads = self
            .per
            .iter()
            .zip(&self.cfg.workloads)
            .map(|(f, name)| WorkloadLive {
                name,
                counts: f.counts.clone(),
                latency: f.latency.clone(),
                gas_used: f.fees.gas,
                fees: FeeParts { base_wei: f.fees.base, priority_wei: f.fees.priority, l1_wei: f.fees.l1 },
            })
            .collect();
        let counts = |m: &BTreeMap<String, KindCount>| m.iter().map(|(k, v)| (k.clone(), v.count)).collect();
        LiveFigures {
            workloads,
            rejected: counts(&self.rejected),
            dropped: counts(&self.dropped),
            late_sends: self.late_sends,
            pending: self.pending,
            blocks: self.blocks_seen,
            block_gas_used: self.gas_seen,
            last_block: self.last_block_gas.map(|(gas_used, gas_limit)| LastBlock {
                gas_used,
                gas_limit,
                base_fee_wei: self.base_fee_last,
            }),
            send_lag: self.send_lag.clone(),
        }
    }

    /// Accounting over the whole run, with `planned` from the plan.
    pub fn accounting(&self, planned: u64) -> Accounting {
        let mut a = self.total.counts.clone();
        finish_accounting(&mut a, planned);
        a
    }

    /// Per-workload figures, keyed by workload name.
    /// Per workload figures; `ops` gives each workload's successful operations by kind
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
                latency: f.latencies(),
                gas_per_op: gas_summary(&f.gas),
                fees: fees(&f.fees, Some(self.base_fee_range())),
                revert_reasons: f.reverts.clone(),
                ops: ops.get(i).map(|o| o.iter().map(|(k, v)| ((*k).to_string(), *v)).collect()).unwrap_or_default(),
            };
            // Two mix entries of one kind share the name: keep both, numbered.
            let name = self.cfg.workloads[i];
            let key = if out.contains_key(name) { format!("{name}#{i}") } else { name.to_string() };
            out.insert(key, figures);
        }
        out
    }

    /// Latencies over the window, all workloads.
    pub fn latencies(&self) -> Latencies {
        self.total.latencies()
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
            late_threshold_ms: self.cfg.late_threshold_ns as f64 / 1e6,
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

    /// Every block seen, with its identity.
    pub fn blocks(&self) -> Vec<BlockSeen> {
        self.blocks.clone()
    }

    /// The per-second series (bounded: see `metrics::series`).
    pub fn series(&self) -> Vec<SecondSample> {
        self.series.samples().to_vec()
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
