//! The report's charts, built from the report model: one function per chart, each taking
//! every run shown (one for `run`, several for a comparison or a sweep) and giving one
//! series or bar per run.

use super::chart::{Axis, BarChart, BarGroup, Chart, LineChart, Scale, Series, Style, Unit};
use crate::{
    metrics::{self, Stage},
    report::{Fees, LatencySummary, Report},
};

/// A report with the label it is shown under (a target, a file, a sweep cell).
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    pub label: &'a str,
    pub report: &'a Report,
}

/// The latency stages drawn, in pipeline order: every stage the run recorded except
/// `inclusion_all_sent` (the inclusion curve with failures at their timeout).
fn stages(r: &Report) -> Vec<(&str, &LatencySummary)> {
    let mut v: Vec<_> = r.latency.stages.iter().filter(|(s, _)| **s != Stage::INCLUSION_ALL_SENT).collect();
    v.sort_by_key(|(s, _)| s.rank());
    v.into_iter().map(|(s, l)| (s.as_str(), l)).collect()
}

fn name(runs: &[Run<'_>], run: &Run<'_>, what: &str) -> String {
    if runs.len() == 1 { what.to_string() } else { format!("{} · {what}", run.label) }
}

fn time() -> Axis {
    Axis::linear("time since the start of the load", Unit::Seconds)
}

/// Per-second series of one figure, for every run.
fn over_time(
    runs: &[Run<'_>],
    what: &str,
    f: impl Fn(&Report, &crate::report::SecondSample) -> Option<f64>,
) -> Vec<Series> {
    runs.iter()
        .enumerate()
        .map(|(i, run)| Series {
            name: name(runs, run, what),
            points: run.report.series.iter().filter_map(|s| f(run.report, s).map(|v| (s.t as f64, v))).collect(),
            style: Style { color: Some(i), dashed: false },
        })
        .collect()
}

/// Sent and included transactions per second.
pub fn tx_rate(runs: &[Run<'_>]) -> Chart {
    let mut series = over_time(runs, "sent", |_, s| Some(s.sent as f64));
    let included = over_time(runs, "included", |_, s| Some(s.included as f64));
    if runs.len() == 1 {
        series.extend(included.into_iter().map(|s| Series { style: Style { color: Some(1), dashed: false }, ..s }));
    } else {
        // A colour per run: its sent line dashed, its included line solid.
        series = series
            .into_iter()
            .zip(included)
            .flat_map(|(sent, inc)| [Series { style: Style { dashed: true, ..sent.style }, ..sent }, inc])
            .collect();
    }
    Chart::Line(LineChart {
        title: "Transactions per second: sent and included".into(),
        x: time(),
        y: Axis::linear("transactions per second", Unit::TxPerSec),
        series,
    })
}

/// Gas of included transactions per second.
pub fn gas_rate(runs: &[Run<'_>]) -> Chart {
    Chart::Line(LineChart {
        title: "Gas per second (included transactions)".into(),
        x: time(),
        y: Axis::linear("gas per second", Unit::GasPerSec),
        series: over_time(runs, "gas/s", |_, s| Some(s.gas_used as f64)),
    })
}

/// Percentiles of `h` from p0 to p99.99, in milliseconds, spread by their tail.
fn percentile_curve(h: &LatencySummary) -> Vec<(f64, f64)> {
    let Ok(hist) = metrics::decode(&h.hdr) else { return Vec::new() };
    if hist.is_empty() {
        return Vec::new();
    }
    const STEPS: u32 = 80;
    (0..=STEPS)
        .map(|k| {
            let p = 1.0 - 10f64.powf(-4.0 * f64::from(k) / f64::from(STEPS));
            (p, hist.value_at_quantile(p) as f64 / 1e3)
        })
        .collect()
}

/// The HDR latency percentile curve of each stage (one run) or of inclusion (several).
pub fn latency_percentiles(runs: &[Run<'_>]) -> Chart {
    let series = if runs.len() == 1 {
        stages(runs[0].report).iter().map(|(n, l)| Series::new(*n, percentile_curve(l))).collect()
    } else {
        runs.iter()
            .map(|run| {
                Series::new(name(runs, run, "inclusion"), percentile_curve(&run.report.latency[Stage::INCLUSION]))
            })
            .collect()
    };
    Chart::Line(LineChart {
        title: "Latency by percentile (from the intended send time; HDR histogram)".into(),
        x: Axis { label: "percentile".into(), unit: Unit::Percentile, scale: Scale::PercentileTail },
        y: Axis::linear("latency", Unit::Millis),
        series,
    })
}

/// Inclusion latency p99 of each second.
pub fn latency_over_time(runs: &[Run<'_>]) -> Chart {
    Chart::Line(LineChart {
        title: "Inclusion latency p99 per second".into(),
        x: time(),
        y: Axis::linear("inclusion latency p99", Unit::Millis),
        series: over_time(runs, "p99", |_, s| (s.inclusion_p99_us > 0).then(|| s.inclusion_p99_us as f64 / 1e3)),
    })
}

/// The mean fee per transaction, split by part, in gwei: `[base, priority, L1]`.
fn fee_parts(f: &Fees) -> [f64; 3] {
    let total = f.total_wei.0 as f64;
    if total <= 0.0 {
        return [0.0; 3];
    }
    let per = f.mean_fee_per_tx_wei.0 as f64 / 1e9;
    [f.base_fee_wei, f.priority_fee_wei, f.l1_fee_wei].map(|p| per * p.0 as f64 / total)
}

/// Fee per operation, stacked base / priority (/ L1 when any run paid one); per workload
/// for one run, per run for several.
pub fn fees(runs: &[Run<'_>]) -> Chart {
    let mut categories = Vec::new();
    let mut parts = Vec::new();
    for run in runs {
        categories.push(if runs.len() == 1 { "all workloads".to_string() } else { run.label.to_string() });
        parts.push(fee_parts(&run.report.fees));
        if runs.len() == 1 {
            for (w, wf) in &run.report.workloads {
                categories.push(w.clone());
                parts.push(fee_parts(&wf.fees));
            }
        }
    }
    let with_l1 = parts.iter().any(|p| p[2] > 0.0);
    let names = ["base fee (burned)", "priority fee", "L1 data fee"];
    let groups = (0..if with_l1 { 3 } else { 2 })
        .map(|i| BarGroup { name: names[i].into(), values: parts.iter().map(|p| p[i]).collect() })
        .collect();
    Chart::Bar(BarChart {
        title: "Fee per operation (mean, split by part)".into(),
        y: Axis::linear("fee per transaction", Unit::Gwei),
        categories,
        groups,
        stacked: true,
    })
}

/// The base fee of the last block seen each second.
pub fn base_fee(runs: &[Run<'_>]) -> Chart {
    Chart::Line(LineChart {
        title: "Base fee over time".into(),
        x: time(),
        y: Axis::linear("base fee", Unit::Gwei),
        series: over_time(runs, "base fee", |_, s| (s.blocks > 0).then(|| s.base_fee_wei.0 as f64 / 1e9)),
    })
}

/// Gas used over the gas limit of the blocks seen each second.
pub fn block_fill(runs: &[Run<'_>]) -> Chart {
    Chart::Line(LineChart {
        title: "Block fill over time (gas used / block gas limit)".into(),
        x: time(),
        y: Axis::linear("block fill", Unit::Share),
        series: over_time(runs, "fill", |r, s| {
            let capacity = s.blocks as f64 * r.target.block_gas_limit as f64;
            (capacity > 0.0).then(|| s.gas_used as f64 / capacity)
        }),
    })
}

/// One statistic of a gas summary.
type GasStat = fn(&crate::report::GasSummary) -> f64;

/// Gas per operation by workload: p50, mean and p99 (one run) or p50 per run.
pub fn gas_per_workload(runs: &[Run<'_>]) -> Chart {
    let mut categories: Vec<String> = runs.iter().flat_map(|r| r.report.workloads.keys().cloned()).collect();
    categories.sort();
    categories.dedup();
    let value = |r: &Report, w: &str, f: fn(&crate::report::GasSummary) -> f64| {
        r.workloads.get(w).map_or(0.0, |wf| f(&wf.gas_per_op))
    };
    let groups = if runs.len() == 1 {
        let r = runs[0].report;
        let stats: [(&str, GasStat); 3] = [("p50", |g| g.p50 as f64), ("mean", |g| g.mean), ("p99", |g| g.p99 as f64)];
        stats
            .iter()
            .map(|(n, f)| BarGroup { name: (*n).into(), values: categories.iter().map(|w| value(r, w, *f)).collect() })
            .collect()
    } else {
        runs.iter()
            .map(|run| BarGroup {
                name: format!("{} · p50", run.label),
                values: categories.iter().map(|w| value(run.report, w, |g| g.p50 as f64)).collect(),
            })
            .collect()
    };
    Chart::Bar(BarChart {
        title: "Gas per operation by workload".into(),
        y: Axis::linear("gas per operation", Unit::Gas),
        categories,
        groups,
        stacked: false,
    })
}

/// Every failure reason of a report with its count: rejections and drops by kind,
/// reverts by decoded reason.
pub fn failure_reasons(r: &Report) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = Vec::new();
    out.extend(r.failures.rejected.iter().map(|(k, c)| (format!("rejected: {k}"), c.count)));
    out.extend(r.failures.dropped.iter().map(|(k, c)| (format!("dropped: {k}"), c.count)));
    for (w, wf) in &r.workloads {
        out.extend(wf.revert_reasons.iter().map(|(k, c)| (format!("reverted: {k} ({w})"), c.count)));
    }
    let named: u64 = r.workloads.values().flat_map(|w| w.revert_reasons.values()).map(|c| c.count).sum();
    if r.failures.reverted > named {
        out.push(("reverted: no reason decoded".into(), r.failures.reverted - named));
    }
    out.retain(|(_, c)| *c > 0);
    out
}

/// Failed transactions by reason, one bar per run.
pub fn failures(runs: &[Run<'_>]) -> Chart {
    let per_run: Vec<Vec<(String, u64)>> = runs.iter().map(|r| failure_reasons(r.report)).collect();
    let mut categories: Vec<String> = per_run.iter().flatten().map(|(k, _)| k.clone()).collect();
    categories.sort();
    categories.dedup();
    let groups = runs
        .iter()
        .zip(&per_run)
        .map(|(run, reasons)| BarGroup {
            name: if runs.len() == 1 { "transactions".into() } else { run.label.to_string() },
            values: categories
                .iter()
                .map(|c| reasons.iter().find(|(k, _)| k == c).map_or(0.0, |(_, n)| *n as f64))
                .collect(),
        })
        .collect();
    Chart::Bar(BarChart {
        title: "Failures by reason".into(),
        y: Axis::linear("transactions", Unit::Count),
        categories,
        groups,
        stacked: false,
    })
}

/// Every chart of the report, in reading order, with an id each.
pub fn all(runs: &[Run<'_>]) -> Vec<(&'static str, Chart)> {
    vec![
        ("tx-rate", tx_rate(runs)),
        ("gas-rate", gas_rate(runs)),
        ("latency-percentiles", latency_percentiles(runs)),
        ("latency-over-time", latency_over_time(runs)),
        ("fees", fees(runs)),
        ("gas-per-workload", gas_per_workload(runs)),
        ("base-fee", base_fee(runs)),
        ("block-fill", block_fill(runs)),
        ("failures", failures(runs)),
    ]
}
