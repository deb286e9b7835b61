//! One run's metrics: an observer of the run that turns its live figures into metric
//! families when scraped. Nothing is counted twice and nothing is done per transaction:
//! the recorder's own counters and HDR histograms are read at scrape time.

use std::{
    sync::Mutex,
    time::{SystemTime, UNIX_EPOCH},
};

use prometheus::proto::LabelPair;

use super::{buckets::LATENCY_BOUNDS_S, family::Families};
use crate::{
    exec::ExecCounters,
    lock,
    metrics::LiveFigures,
    report::Report,
    runner::{LiveRun, Phase, RunObserver},
    targets::rollup::RollupCounters,
};

/// What names a run in its labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLabels {
    pub run_id: String,
    pub scenario: String,
    /// The target's kind (embedded, rpc, ...).
    pub target: String,
    /// The executor (embedded target), or `none`.
    pub executor: String,
    /// open or closed.
    pub load_model: String,
    pub seed: u64,
}

impl RunLabels {
    /// The labels of `scenario`'s run with id `run_id`.
    pub fn of(scenario: &crate::scenario::Scenario, run_id: String) -> Self {
        use crate::scenario::{ExecutorKind, TargetSpec};
        let executor = match &scenario.target {
            TargetSpec::Embedded(e) => match e.executor {
                ExecutorKind::Sequential => "sequential".to_string(),
                ExecutorKind::Parallel => match e.threads {
                    Some(t) => format!("parallel-{t}"),
                    None => "parallel".to_string(),
                },
            },
            _ => "none".to_string(),
        };
        Self {
            run_id,
            scenario: scenario.name.clone(),
            target: scenario.target.kind().to_string(),
            executor,
            load_model: if scenario.load.closed.is_some() { "closed" } else { "open" }.to_string(),
            seed: scenario.seed,
        }
    }
}

#[derive(Debug)]
enum Source {
    None,
    Live(LiveRun),
    /// After the report: the last figures, so that the target can be freed.
    Frozen {
        figures: Box<LiveFigures>,
        exec: Option<ExecCounters>,
        rollup: Option<RollupCounters>,
        offered: Option<u64>,
        planned: Vec<u64>,
    },
}

#[derive(Debug)]
struct State {
    phase: Phase,
    started: SystemTime,
    ended: Option<SystemTime>,
    setup_s: Option<f64>,
    offered_tps: Option<f64>,
    source: Source,
}

/// See the module docs.
#[derive(Debug)]
pub struct RunMetrics {
    labels: RunLabels,
    base: Vec<LabelPair>,
    state: Mutex<State>,
}

/// The drop reasons a `reason` label may take.
pub const DROP_REASONS: [&str; 5] =
    ["excluded_by_builder", "not_mined_in_time", "behind_nonce_gap", "not_included_after_drain", "other"];

/// The fixed set of drop reasons a label may take, from the recorder's reason keys.
pub fn drop_reason(key: &str) -> &'static str {
    if key.starts_with("excluded_by") {
        "excluded_by_builder"
    } else if key.starts_with("not_included_within") {
        "not_mined_in_time"
    } else if key.starts_with("behind_a") {
        "behind_nonce_gap"
    } else if key == "not_included_after_drain" {
        "not_included_after_drain"
    } else {
        "other"
    }
}

fn unix_s(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

impl RunMetrics {
    pub fn new(labels: RunLabels) -> Self {
        let base = super::family::labels(&[
            ("run_id", &labels.run_id),
            ("scenario", &labels.scenario),
            ("target", &labels.target),
            ("executor", &labels.executor),
        ]);
        Self {
            labels,
            base,
            state: Mutex::new(State {
                phase: Phase::Preparing,
                started: SystemTime::now(),
                ended: None,
                setup_s: None,
                offered_tps: None,
                source: Source::None,
            }),
        }
    }

    pub fn run_id(&self) -> &str {
        &self.labels.run_id
    }

    /// When the run ended, if it has.
    pub fn ended(&self) -> Option<SystemTime> {
        lock(&self.state).ended
    }

    /// This run's families.
    pub fn families(&self) -> Families {
        let st = lock(&self.state);
        let b = &self.base;
        let mut f = Families::default();
        let seed = self.labels.seed.to_string();
        f.gauge("gasbench_run_info", b, &[("load_model", &self.labels.load_model), ("seed", &seed)], 1.0);
        for name in Phase::NAMES {
            f.gauge("gasbench_run_phase", b, &[("phase", name)], f64::from(u8::from(st.phase.name() == name)));
        }
        f.gauge("gasbench_run_start_timestamp_seconds", b, &[], unix_s(st.started));
        if let Some(end) = st.ended {
            f.gauge("gasbench_run_end_timestamp_seconds", b, &[], unix_s(end));
        }
        if let Some(s) = st.setup_s {
            f.gauge("gasbench_setup_duration_seconds", b, &[], s);
        }
        if let Some(r) = st.offered_tps {
            f.gauge("gasbench_offered_rate_tps", b, &[], r);
        }
        let (figures, exec, rollup, offered, planned) = match &st.source {
            Source::None => return f,
            Source::Live(live) => (
                live.figures(),
                live.exec_counters(),
                live.rollup_counters(),
                live.offered_so_far(),
                live.planned_per_workload.to_vec(),
            ),
            Source::Frozen { figures, exec, rollup, offered, planned } => {
                ((**figures).clone(), *exec, *rollup, *offered, planned.clone())
            }
        };
        drop(st);
        load_families(&mut f, b, &figures, offered, &planned);
        if let Some(e) = exec {
            for (name, v) in [
                ("gasbench_exec_blocks_total", e.blocks),
                ("gasbench_exec_transactions_total", e.txs),
                ("gasbench_exec_re_executions_total", e.re_executions),
                ("gasbench_exec_validation_aborts_total", e.validation_aborts),
                ("gasbench_exec_suspended_reads_total", e.suspended_reads),
                ("gasbench_exec_fallback_blocks_total", e.fallbacks),
            ] {
                f.counter(name, b, &[], v as f64);
            }
        }
        if let Some(r) = rollup {
            rollup_families(&mut f, b, &r);
        }
        f
    }
}

/// A rollup's families: what its batcher compressed and posted, what it paid the L1, and
/// the L1 data fees its L2 charged.
fn rollup_families(f: &mut Families, b: &[LabelPair], r: &RollupCounters) {
    for (name, v) in [
        ("gasbench_rollup_channel_uncompressed_bytes_total", r.uncompressed_bytes as f64),
        ("gasbench_rollup_channel_compressed_bytes_total", r.compressed_bytes as f64),
        ("gasbench_rollup_channels_total", r.channels as f64),
        ("gasbench_rollup_frames_total", r.frames as f64),
        ("gasbench_rollup_batcher_txs_included_total", r.batcher_txs_included as f64),
        ("gasbench_rollup_batcher_l1_spend_wei_total", r.batcher_l1_spend_wei as f64),
        ("gasbench_rollup_l1_fees_collected_wei_total", r.l1_fees_collected_wei as f64),
        ("gasbench_rollup_l1_fee_transactions_total", r.l1_fee_txs as f64),
    ] {
        f.counter(name, b, &[], v);
    }
    f.gauge("gasbench_rollup_l1_base_fee_wei", b, &[], r.l1_base_fee_wei as f64);
}

/// The load's families from live figures.
fn load_families(f: &mut Families, b: &[LabelPair], x: &LiveFigures, offered: Option<u64>, planned: &[u64]) {
    let sent: u64 = x.workloads.iter().map(|w| w.counts.sent).sum();
    f.counter("gasbench_transactions_offered_total", b, &[], offered.unwrap_or(sent) as f64);
    // Two mix entries of one kind share a name: their figures add up under it.
    let mut names: Vec<&str> = x.workloads.iter().map(|w| w.name).collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let ws: Vec<_> = x.workloads.iter().enumerate().filter(|(_, w)| w.name == name).collect();
        let sum = |g: &dyn Fn(&crate::metrics::WorkloadLive) -> u64| ws.iter().map(|(_, w)| g(w)).sum::<u64>() as f64;
        let l = [("workload", name)];
        let planned_n: u64 = ws.iter().map(|(i, w)| planned.get(*i).copied().unwrap_or(w.counts.sent)).sum();
        f.counter("gasbench_transactions_planned_total", b, &l, planned_n as f64);
        f.counter("gasbench_transactions_sent_total", b, &l, sum(&|w| w.counts.sent));
        f.counter("gasbench_transactions_accepted_total", b, &l, sum(&|w| w.counts.accepted));
        f.counter("gasbench_transactions_included_total", b, &l, sum(&|w| w.counts.included));
        f.counter("gasbench_transactions_reverted_total", b, &l, sum(&|w| w.counts.reverted));
        let gas: u128 = ws.iter().map(|(_, w)| w.gas_used).sum();
        f.counter("gasbench_gas_used_total", b, &l, gas as f64);
        for (part, get) in [
            ("base", (|p: &crate::metrics::FeeParts| p.base_wei) as fn(&crate::metrics::FeeParts) -> u128),
            ("priority", |p| p.priority_wei),
            ("l1", |p| p.l1_wei),
        ] {
            let v: u128 = ws.iter().map(|(_, w)| get(&w.fees)).sum();
            f.counter("gasbench_fees_paid_wei_total", b, &[("workload", name), ("part", part)], v as f64);
        }
        let mut latency = ws[0].1.latency.clone();
        for (_, w) in &ws[1..] {
            latency.add(&w.latency);
        }
        // `inclusion_all_sent` is only known at the end: the report has it.
        for (stage, h) in latency.iter().filter(|(s, _)| **s != crate::metrics::Stage::INCLUSION_ALL_SENT) {
            f.histogram_us(
                "gasbench_latency_seconds",
                b,
                &[("stage", stage.as_str()), ("workload", name)],
                h,
                &LATENCY_BOUNDS_S,
            );
        }
    }
    // Every reason is exported from the start, at 0 until it happens: a bounded set, and
    // rate() sees the first failure.
    for kind in crate::targets::RejectKind::ALL {
        let reason = kind.as_str();
        let n = x.rejected.get(reason).copied().unwrap_or(0);
        f.counter("gasbench_transactions_rejected_total", b, &[("reason", reason)], n as f64);
    }
    let mut dropped: std::collections::BTreeMap<&str, u64> = DROP_REASONS.iter().map(|r| (*r, 0)).collect();
    for (key, n) in &x.dropped {
        *dropped.entry(drop_reason(key)).or_default() += n;
    }
    for (reason, n) in dropped {
        f.counter("gasbench_transactions_dropped_total", b, &[("reason", reason)], n as f64);
    }
    f.gauge("gasbench_transactions_pending", b, &[], x.pending as f64);
    f.counter("gasbench_late_sends_total", b, &[], x.late_sends as f64);
    f.histogram_us("gasbench_send_lag_seconds", b, &[], &x.send_lag, &LATENCY_BOUNDS_S);
    f.counter("gasbench_blocks_total", b, &[], x.blocks as f64);
    f.counter("gasbench_block_gas_used_total", b, &[], x.block_gas_used as f64);
    if let Some(last) = x.last_block {
        f.gauge("gasbench_block_gas_used", b, &[], last.gas_used as f64);
        f.gauge("gasbench_block_gas_limit", b, &[], last.gas_limit as f64);
        let fill = if last.gas_limit == 0 { 0.0 } else { last.gas_used as f64 / last.gas_limit as f64 };
        f.gauge("gasbench_block_fill_ratio", b, &[], fill);
        f.gauge("gasbench_base_fee_wei", b, &[], last.base_fee_wei as f64);
    }
}

impl RunObserver for RunMetrics {
    fn phase(&self, phase: Phase, at: SystemTime) {
        let mut st = lock(&self.state);
        st.phase = phase;
        if matches!(phase, Phase::Finished(_)) {
            st.ended = Some(at);
        }
    }

    fn setup_done(&self, seconds: f64) {
        lock(&self.state).setup_s = Some(seconds);
    }

    fn live(&self, live: &LiveRun) {
        let mut st = lock(&self.state);
        st.offered_tps = live.offered_tps;
        st.source = Source::Live(live.clone());
    }

    fn report(&self, _report: &Report) {
        let mut st = lock(&self.state);
        if let Source::Live(live) = &st.source {
            st.source = Source::Frozen {
                figures: Box::new(live.figures()),
                exec: live.exec_counters(),
                rollup: live.rollup_counters(),
                offered: live.offered_so_far(),
                planned: live.planned_per_workload.to_vec(),
            };
        }
    }
}
