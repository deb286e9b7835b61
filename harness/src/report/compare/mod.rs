//! A comparison: several runs side by side (the targets of one scenario, the cells of a
//! sweep, or stored reports), each with a verdict line and its ratios against the first.
//! A target that failed is an entry too, with its error: never skipped.

mod noise;
pub mod sweep;
mod table;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use table::render as table;

use super::{
    Report,
    gate::figures::{self, Better},
    html::{Badge, Run},
};

/// Bumped whenever a field of the comparison changes meaning or is removed.
pub const COMPARISON_VERSION: u32 = 1;

/// The figures every entry is held against the first by (gate names, docs/gates.md).
pub const RATIO_FIGURES: &[&str] =
    &["throughput.included_tps", "throughput.gas_per_second", "latency.inclusion.p50", "latency.inclusion.p99"];

/// What was compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComparisonKind {
    /// The `targets:` of one scenario, with the same seed and transactions.
    Targets,
    /// The cells of a `sweep:`.
    Sweep,
    /// Stored reports (`gasbench compare A.json B.json`).
    Files,
}

/// Several runs side by side: the comparison's JSON file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub comparison_version: u32,
    pub kind: ComparisonKind,
    pub scenario_name: String,
    pub seed: u64,
    /// A sweep's axes (field path and the values it took), in the order written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub axes: Vec<SweepAxis>,
    /// The test behind `Entry::noise`, when any entry has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise_test: Option<String>,
    pub entries: Vec<Entry>,
}

/// One axis of a sweep, as the comparison file records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepAxis {
    pub path: String,
    pub values: Vec<String>,
}

/// One run of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// How it is shown: the target (`embedded parallel x4`), the sweep cell, the file.
    pub label: String,
    /// The scenario fields this entry set (a sweep cell's values), by path.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub settings: BTreeMap<String, String>,
    /// This entry's figure over the first entry's, by figure name (absent when either
    /// is undefined, or the first is 0).
    #[serde(default)]
    pub vs_first: BTreeMap<String, f64>,
    /// When this entry and the first both hold repetitions (`--repeat`): each ratio
    /// figure's change judged against the noise (`Comparison::noise_test`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub noise: BTreeMap<String, noise::Shift>,
    pub result: EntryResult,
}

/// A run's report, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum EntryResult {
    Ran {
        report: Box<Report>,
    },
    Failed {
        /// The error, in words.
        error: String,
        /// Its class (`target`, `workload`, `setup`, `interrupted`).
        kind: String,
    },
}

impl Entry {
    pub fn ran(label: String, report: Report) -> Self {
        Self {
            label,
            settings: BTreeMap::new(),
            vs_first: BTreeMap::new(),
            noise: BTreeMap::new(),
            result: EntryResult::Ran { report: Box::new(report) },
        }
    }

    pub fn failed(label: String, kind: &str, error: String) -> Self {
        Self {
            label,
            settings: BTreeMap::new(),
            vs_first: BTreeMap::new(),
            noise: BTreeMap::new(),
            result: EntryResult::Failed { error, kind: kind.into() },
        }
    }

    pub fn report(&self) -> Option<&Report> {
        match &self.result {
            EntryResult::Ran { report } => Some(report),
            EntryResult::Failed { .. } => None,
        }
    }

    /// Whether this entry ran, and every check of its run passed.
    pub fn passed(&self) -> bool {
        self.report().is_some_and(|r| !r.checks_failed() && r.run.fault.is_none())
    }
}

fn figure(name: &str, r: &Report) -> Option<f64> {
    figures::resolve(name).ok()?.read(r).ok()
}

impl Comparison {
    /// A comparison of `entries`, each held against the first.
    pub fn new(kind: ComparisonKind, scenario_name: String, seed: u64, mut entries: Vec<Entry>) -> Self {
        let first = entries.first().and_then(|e| e.report().cloned());
        for (i, e) in entries.iter_mut().enumerate() {
            let (Some(a), Some(b)) = (first.as_ref(), e.report()) else { continue };
            let ratios = RATIO_FIGURES
                .iter()
                .filter_map(|name| match (figure(name, a), figure(name, b)) {
                    (Some(x), Some(y)) if x != 0.0 => Some(((*name).to_string(), y / x)),
                    _ => None,
                })
                .collect();
            // The first against itself says nothing.
            let shifts = if i == 0 { BTreeMap::new() } else { noise::shifts(a, b) };
            e.vs_first = ratios;
            e.noise = shifts;
        }
        let noise_test = entries.iter().any(|e| !e.noise.is_empty()).then(|| noise::TEST.to_string());
        Self {
            comparison_version: COMPARISON_VERSION,
            kind,
            scenario_name,
            seed,
            axes: Vec::new(),
            noise_test,
            entries,
        }
    }

    /// Whether every entry ran and passed its checks (exit 0).
    pub fn passed(&self) -> bool {
        self.entries.iter().all(Entry::passed)
    }

    /// The runs that produced a report, for the charts.
    pub fn runs(&self) -> Vec<Run<'_>> {
        self.entries.iter().filter_map(|e| e.report().map(|r| Run { label: &e.label, report: r })).collect()
    }

    /// One line per entry: how it went, its headline figures and its ratios to the first.
    pub fn verdict_lines(&self) -> Vec<(Badge, String)> {
        self.entries
            .iter()
            .map(|e| match &e.result {
                EntryResult::Failed { error, kind } => {
                    (Badge::Fail, format!("{}: did not run ({kind}): {error}", e.label))
                }
                EntryResult::Ran { report: r } => {
                    let ratio = |name: &str| e.vs_first.get(name).map_or_else(String::new, |v| format!(" (x{v:.2})"));
                    let checks = if r.checks_failed() { "checks FAILED" } else { "checks passed" };
                    let line = format!(
                        "{}: {:.1} tx/s included{}, {:.2} Mgas/s{}, inclusion p99 {:.1} ms{}, {checks}",
                        e.label,
                        r.throughput.included_tps,
                        ratio("throughput.included_tps"),
                        r.throughput.gas_per_second / 1e6,
                        ratio("throughput.gas_per_second"),
                        r.latency[crate::metrics::Stage::INCLUSION].p99_us as f64 / 1e3,
                        ratio("latency.inclusion.p99"),
                    );
                    (if e.passed() { Badge::Pass } else { Badge::Fail }, line)
                }
            })
            .collect()
    }

    /// The HTML page: every entry's verdict, figures side by side, charts with a series or
    /// bar per entry.
    pub fn html(&self) -> String {
        let runs = self.runs();
        let title = format!("gasbench · {} · {} compared", self.scenario_name, self.entries.len());
        if runs.is_empty() {
            return super::html::page::render_failed(&title, &self.verdict_lines());
        }
        let sections = if self.axes.is_empty() { Vec::new() } else { vec![sweep::section(self)] };
        let extras = super::html::Extras { verdicts: self.verdict_lines(), sections, ..Default::default() };
        super::html::page::render(&title, &runs, &extras)
    }
}

/// Which way `figure` improves (for colouring and "better"/"worse" words).
pub fn better(name: &str) -> Better {
    figures::resolve(name).map_or(Better::Neither, |f| f.figure.better)
}

/// Writes the comparison as JSON (pretty, trailing newline), atomically.
pub fn write_json(c: &Comparison, path: &std::path::Path) -> std::io::Result<()> {
    super::write_pretty(c, path)
}
