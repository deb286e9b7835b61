//! The gate name space: one table of named figures, each read from the report (or derived
//! from it), with its unit and which way is better. docs/gates.md lists every name; a
//! test keeps the two in step. To add a figure, add one `fig(..)` line below.

use std::sync::LazyLock;

use crate::report::{Accounting, Fees, GasSummary, LatencySummary, Report, Stage, Wei, WorkloadFigures};

/// What a figure measures; decides how thresholds are written and values shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Held in microseconds; thresholds need a unit (`2s`, `150ms`, `800us`).
    Duration,
    /// A fraction: `0.01` or `1%`.
    Ratio,
    Count,
    TxPerSecond,
    GasPerSecond,
    Gas,
    Gwei,
}

impl Unit {
    /// Shows `v` (in the unit's base: microseconds for durations) for people.
    pub fn show(self, v: f64) -> String {
        match self {
            Self::Duration if v.abs() >= 1e6 => format!("{:.3} s", v / 1e6),
            Self::Duration if v.abs() >= 1e3 => format!("{:.2} ms", v / 1e3),
            Self::Duration => format!("{v:.0} us"),
            Self::Ratio => format!("{v:.4}"),
            Self::Count => format!("{v:.0}"),
            Self::TxPerSecond => format!("{v:.1} tx/s"),
            Self::GasPerSecond => format!("{v:.0} gas/s"),
            Self::Gas => format!("{v:.0} gas"),
            Self::Gwei if v.abs() >= 100.0 => format!("{v:.1} gwei"),
            Self::Gwei => format!("{v:.4} gwei"),
        }
    }

    /// The unit's name in docs/gates.md.
    pub fn label(self) -> &'static str {
        match self {
            Self::Duration => "duration",
            Self::Ratio => "ratio",
            Self::Count => "count",
            Self::TxPerSecond => "tx/s",
            Self::GasPerSecond => "gas/s",
            Self::Gas => "gas",
            Self::Gwei => "gwei",
        }
    }
}

/// Which way a figure improves; a relative gate must guard the worse direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
    /// Neither (e.g. planned transactions): relative gates may go either way.
    Neither,
}

type RunRead = Box<dyn Fn(&Report) -> Option<f64> + Send + Sync>;
type WorkloadRead = Box<dyn Fn(&WorkloadFigures) -> Option<f64> + Send + Sync>;

enum Read {
    Run(RunRead),
    /// Read from `workloads.<workload>`.
    Workload(WorkloadRead),
}

/// One named figure.
pub struct Figure {
    /// The stable name; `<workload>` stands for a workload's name in the report.
    pub name: String,
    /// Where it comes from: a report field path, or a formula over them.
    pub source: String,
    pub unit: Unit,
    pub better: Better,
    read: Read,
}

impl core::fmt::Debug for Figure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Figure").field("name", &self.name).field("unit", &self.unit).finish()
    }
}

/// The placeholder segment of per-workload names.
pub const WORKLOAD: &str = "<workload>";

/// Short names kept for the figures a CI file names most (`dropped == 0`).
pub const ALIASES: &[(&str, &str)] = &[
    ("included_tps", "throughput.included_tps"),
    ("gas_per_second", "throughput.gas_per_second"),
    ("dropped", "accounting.dropped"),
    ("rejected", "accounting.rejected"),
    ("reverted", "accounting.reverted"),
];

/// A name resolved against the table: the figure, and the workload for per-workload ones.
#[derive(Debug, Clone)]
pub struct FigureRef {
    pub figure: &'static Figure,
    pub workload: Option<String>,
}

impl FigureRef {
    /// The canonical name, workload filled in.
    pub fn name(&self) -> String {
        match &self.workload {
            Some(w) => self.figure.name.replace(WORKLOAD, w),
            None => self.figure.name.clone(),
        }
    }

    /// The figure's value in `r`, or why there is none.
    pub fn read(&self, r: &Report) -> Result<f64, String> {
        match (&self.figure.read, &self.workload) {
            (Read::Run(f), _) => f(r).ok_or_else(|| format!("undefined in this report ({})", self.figure.source)),
            (Read::Workload(f), Some(w)) => {
                let Some(wf) = r.workloads.get(w) else {
                    let have: Vec<&str> = r.workloads.keys().map(String::as_str).collect();
                    return Err(format!("the report has no workload `{w}`; it has: {}", have.join(", ")));
                };
                f(wf).ok_or_else(|| format!("undefined in this report ({})", self.figure.source))
            }
            (Read::Workload(_), None) => Err("a per-workload figure needs a workload name".into()),
        }
    }
}

/// Every figure `r` defines, by canonical name (per-workload ones for each workload): what
/// a repetition of a repeated run keeps.
pub fn all_values(r: &Report) -> std::collections::BTreeMap<String, f64> {
    let mut out = std::collections::BTreeMap::new();
    for f in table() {
        let workloads: Vec<Option<String>> = match f.read {
            Read::Run(_) => vec![None],
            Read::Workload(_) => r.workloads.keys().cloned().map(Some).collect(),
        };
        for workload in workloads {
            let fr = FigureRef { figure: f, workload };
            if let Ok(v) = fr.read(r)
                && v.is_finite()
            {
                out.insert(fr.name(), v);
            }
        }
    }
    out
}

/// Every figure, in documentation order.
pub fn table() -> &'static [Figure] {
    static TABLE: LazyLock<Vec<Figure>> = LazyLock::new(build);
    &TABLE
}

/// Resolves a name (or alias) to a figure; `Err` carries the nearest valid names.
pub fn resolve(name: &str) -> Result<FigureRef, Vec<String>> {
    let name = ALIASES.iter().find(|(a, _)| *a == name).map_or(name, |(_, full)| full);
    let (pattern, workload) = match name.strip_prefix("workloads.").and_then(|rest| rest.split_once('.')) {
        Some((w, rest)) => (format!("workloads.{WORKLOAD}.{rest}"), Some(w.to_string())),
        None => (name.to_string(), None),
    };
    match table().iter().find(|f| f.name == pattern) {
        Some(figure) => Ok(FigureRef { figure, workload }),
        None => Err(nearest(name, workload.as_deref())),
    }
}

/// The valid names nearest to `name` by edit distance (with its workload filled in).
fn nearest(name: &str, workload: Option<&str>) -> Vec<String> {
    let fill = |n: &str| workload.map_or_else(|| n.to_string(), |w| n.replace(WORKLOAD, w));
    let mut all: Vec<(usize, String)> = table()
        .iter()
        .map(|f| fill(&f.name))
        .chain(ALIASES.iter().map(|(a, _)| a.to_string()))
        .map(|n| (crate::scenario::edit_distance(name, &n), n))
        .collect();
    all.sort();
    let best = all.first().map_or(0, |(d, _)| *d);
    all.into_iter().take_while(|(d, _)| *d <= best + 2).take(5).map(|(_, n)| n).collect()
}

/// The reference of every name, as the Markdown tables of docs/gates.md.
pub fn reference_table() -> String {
    let mut out = String::from("| name | unit | better | from the report |\n|---|---|---|---|\n");
    for f in table() {
        let better = match f.better {
            Better::Higher => "higher",
            Better::Lower => "lower",
            Better::Neither => "-",
        };
        out.push_str(&format!("| `{}` | {} | {better} | `{}` |\n", f.name, f.unit.label(), f.source));
    }
    out.push_str("\n| alias | stands for |\n|---|---|\n");
    for (alias, full) in ALIASES {
        out.push_str(&format!("| `{alias}` | `{full}` |\n"));
    }
    out
}

fn gwei(w: Wei) -> f64 {
    w.0 as f64 / 1e9
}

fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// A part of the fees per included transaction: part / total x mean fee per transaction.
fn per_tx_gwei(f: &Fees, part: Wei) -> Option<f64> {
    if f.total_wei.0 == 0 {
        return (f.mean_fee_per_tx_wei.0 == 0).then_some(0.0);
    }
    Some(gwei(f.mean_fee_per_tx_wei) * part.0 as f64 / f.total_wei.0 as f64)
}

/// A field of a report section.
type Field<T, V> = fn(&T) -> V;

const PERCENTILES: &[(&str, Field<LatencySummary, f64>)] = &[
    ("min", |l| l.min_us as f64),
    ("mean", |l| l.mean_us),
    ("p50", |l| l.p50_us as f64),
    ("p90", |l| l.p90_us as f64),
    ("p99", |l| l.p99_us as f64),
    ("p999", |l| l.p999_us as f64),
    ("max", |l| l.max_us as f64),
];

/// The latency stages gates can name (`latency.STAGE.p99`); a stage the run did not
/// record reads as unavailable (`safe` and `finalized` are a rollup's).
const LATENCIES: &[Stage] = &[Stage::SUBMIT, Stage::INCLUSION, Stage::SAFE, Stage::FINALIZED];

const FEE_PARTS: &[(&str, &str, Field<Fees, Wei>)] = &[
    ("total", "total_wei", |f| f.total_wei),
    ("base", "base_fee_wei", |f| f.base_fee_wei),
    ("priority", "priority_fee_wei", |f| f.priority_fee_wei),
    ("l1", "l1_fee_wei", |f| f.l1_fee_wei),
];

const ACCOUNTING: &[(&str, Better, Field<Accounting, u64>)] = &[
    ("planned", Better::Neither, |a| a.planned),
    ("sent", Better::Higher, |a| a.sent),
    ("not_sent", Better::Lower, |a| a.not_sent),
    ("accepted", Better::Higher, |a| a.accepted),
    ("rejected", Better::Lower, |a| a.rejected),
    ("included", Better::Higher, |a| a.included),
    ("succeeded", Better::Higher, |a| a.succeeded),
    ("reverted", Better::Lower, |a| a.reverted),
    ("dropped", Better::Lower, |a| a.dropped),
    ("pending_at_end", Better::Lower, |a| a.pending_at_end),
];

const GAS: &[(&str, Field<GasSummary, f64>)] = &[
    ("mean", |g| g.mean),
    ("min", |g| g.min as f64),
    ("p50", |g| g.p50 as f64),
    ("p99", |g| g.p99 as f64),
    ("max", |g| g.max as f64),
];

struct Builder(Vec<Figure>);

impl Builder {
    fn run(
        &mut self,
        name: &str,
        source: &str,
        unit: Unit,
        better: Better,
        f: impl Fn(&Report) -> Option<f64> + Send + Sync + 'static,
    ) {
        self.0.push(Figure { name: name.into(), source: source.into(), unit, better, read: Read::Run(Box::new(f)) });
    }

    fn workload(
        &mut self,
        rest: &str,
        source: &str,
        unit: Unit,
        better: Better,
        f: impl Fn(&WorkloadFigures) -> Option<f64> + Send + Sync + 'static,
    ) {
        self.0.push(Figure {
            name: format!("workloads.{WORKLOAD}.{rest}"),
            source: format!("workloads.{WORKLOAD}.{source}"),
            unit,
            better,
            read: Read::Workload(Box::new(f)),
        });
    }
}

fn build() -> Vec<Figure> {
    use Better::{Higher, Lower, Neither};
    use Unit::*;
    let mut b = Builder(Vec::new());

    // Throughput over the measured window.
    b.run("throughput.included_tps", "throughput.included_tps", TxPerSecond, Higher, |r| {
        Some(r.throughput.included_tps)
    });
    b.run("throughput.gas_per_second", "throughput.gas_per_second", GasPerSecond, Higher, |r| {
        Some(r.throughput.gas_per_second)
    });
    b.run("throughput.blocks", "throughput.blocks", Count, Neither, |r| Some(r.throughput.blocks as f64));
    b.run("throughput.mean_block_fill", "throughput.mean_block_fill", Ratio, Neither, |r| {
        Some(r.throughput.mean_block_fill)
    });
    b.run("throughput.mean_txs_per_block", "throughput.mean_txs_per_block", Count, Neither, |r| {
        Some(r.throughput.mean_txs_per_block)
    });
    b.run("throughput.mean_block_interval", "throughput.mean_block_interval_ms", Duration, Lower, |r| {
        Some(r.throughput.mean_block_interval_ms * 1e3)
    });
    b.run("throughput.max_block_interval", "throughput.max_block_interval_ms", Duration, Lower, |r| {
        Some(r.throughput.max_block_interval_ms * 1e3)
    });

    // Offered versus achieved load.
    b.run("load.offered_tps", "load.offered_tps", TxPerSecond, Neither, |r| Some(r.load.offered_tps));
    b.run("load.achieved_send_tps", "load.achieved_send_tps", TxPerSecond, Higher, |r| Some(r.load.achieved_send_tps));
    b.run("load.send_ratio", "load.send_ratio", Ratio, Higher, |r| Some(r.load.send_ratio));
    b.run("load.late_sends", "load.late_sends", Count, Lower, |r| Some(r.load.late_sends as f64));
    for &(p, read) in PERCENTILES {
        b.run(&format!("load.send_lag.{p}"), &format!("load.send_lag.{p}_us"), Duration, Lower, move |r| {
            Some(read(&r.load.send_lag))
        });
    }
    b.run("load.harness_cpu_us_per_tx", "load.harness_cpu_us_per_tx", Duration, Lower, |r| {
        r.load.harness_cpu_us_per_tx
    });

    // Latencies, from each transaction's intended send time.
    for which in LATENCIES {
        for &(p, read) in PERCENTILES {
            let stage = which.clone();
            b.run(&format!("latency.{which}.{p}"), &format!("latency.{which}.{p}_us"), Duration, Lower, move |r| {
                r.latency.get(&stage).map(read)
            });
        }
    }

    // Fees (window), in gwei.
    for &(part, field, read) in FEE_PARTS {
        b.run(&format!("fees.{part}_gwei"), &format!("fees.{field}"), Gwei, Lower, move |r| Some(gwei(read(&r.fees))));
        b.run(
            &format!("fees.per_tx.{part}_gwei"),
            &format!("fees.mean_fee_per_tx_wei x fees.{field} / fees.total_wei"),
            Gwei,
            Lower,
            move |r| per_tx_gwei(&r.fees, read(&r.fees)),
        );
    }
    b.run("fees.effective_gas_price_gwei", "fees.mean_effective_gas_price_wei", Gwei, Lower, |r| {
        Some(gwei(r.fees.mean_effective_gas_price_wei))
    });
    b.run("fees.base_fee.last_gwei", "fees.base_fee_last_wei", Gwei, Lower, |r| Some(gwei(r.fees.base_fee_last_wei)));
    b.run("fees.base_fee.max_gwei", "fees.base_fee_max_wei", Gwei, Lower, |r| Some(gwei(r.fees.base_fee_max_wei)));

    // Where every transaction ended up (whole run).
    for &(field, better, read) in ACCOUNTING {
        b.run(&format!("accounting.{field}"), &format!("accounting.{field}"), Count, better, move |r| {
            Some(read(&r.accounting) as f64)
        });
    }
    b.run("failures.anomalies", "failures.anomalies", Count, Lower, |r| Some(r.failures.anomalies as f64));
    b.run("effects.mismatches", "effects.mismatches", Count, Lower, |r| Some(r.effects.mismatches as f64));

    // Derived ratios.
    b.run("achieved_over_offered", "throughput.included_tps / load.offered_tps", Ratio, Higher, |r| {
        (r.load.offered_tps > 0.0).then(|| r.throughput.included_tps / r.load.offered_tps)
    });
    b.run("revert_rate", "accounting.reverted / accounting.included", Ratio, Lower, |r| {
        ratio(r.accounting.reverted, r.accounting.included)
    });
    b.run("inclusion_rate", "accounting.included / accounting.sent", Ratio, Higher, |r| {
        ratio(r.accounting.included, r.accounting.sent)
    });
    b.run("reject_rate", "accounting.rejected / accounting.sent", Ratio, Lower, |r| {
        ratio(r.accounting.rejected, r.accounting.sent)
    });
    b.run("drop_rate", "accounting.dropped / accounting.accepted", Ratio, Lower, |r| {
        ratio(r.accounting.dropped, r.accounting.accepted)
    });

    // Per workload.
    for &(p, read) in GAS {
        b.workload(&format!("gas_per_op.{p}"), &format!("gas_per_op.{p}"), Gas, Lower, move |w| {
            (w.gas_per_op.count > 0).then(|| read(&w.gas_per_op))
        });
    }
    b.workload("revert_rate", "revert_rate", Ratio, Lower, |w| Some(w.revert_rate));
    for which in LATENCIES {
        for &(p, read) in PERCENTILES {
            let stage = which.clone();
            b.workload(
                &format!("latency.{which}.{p}"),
                &format!("latency.{which}.{p}_us"),
                Duration,
                Lower,
                move |w| w.latency.get(&stage).map(read),
            );
        }
    }
    for &(part, field, read) in FEE_PARTS {
        b.workload(
            &format!("fees.per_tx.{part}_gwei"),
            &format!("fees.mean_fee_per_tx_wei x fees.{field} / fees.total_wei"),
            Gwei,
            Lower,
            move |w| per_tx_gwei(&w.fees, read(&w.fees)),
        );
    }
    for &(field, better, read) in ACCOUNTING {
        b.workload(&format!("accounting.{field}"), &format!("accounting.{field}"), Count, better, move |w| {
            Some(read(&w.accounting) as f64)
        });
    }
    b.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_aliases_resolve() {
        let mut names: Vec<&str> = table().iter().map(|f| f.name.as_str()).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "a name appears twice in the table");
        for (alias, full) in ALIASES {
            assert_eq!(resolve(alias).unwrap().name(), *full);
        }
        let r = resolve("workloads.amm_swap.gas_per_op.p50").unwrap();
        assert_eq!((r.name().as_str(), r.workload.as_deref()), ("workloads.amm_swap.gas_per_op.p50", Some("amm_swap")));
    }

    #[test]
    fn unknown_names_get_the_nearest_valid_ones() {
        assert_eq!(resolve("latency.inclusion.p98").unwrap_err()[0], "latency.inclusion.p90");
        assert!(resolve("throughput.included_tsp").unwrap_err().contains(&"throughput.included_tps".to_string()));
        let near = resolve("workloads.amm_swap.gas_per_op.p95").unwrap_err();
        assert!(near.contains(&"workloads.amm_swap.gas_per_op.p99".to_string()), "{near:?}");
    }
}
