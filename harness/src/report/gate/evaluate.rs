//! Judging a report against a gate set (and a baseline for relative gates): one typed
//! verdict per gate, and one for the whole set.

use serde::Serialize;

use super::{
    baseline::Mismatch,
    parse::{Change, GateSet, Rule},
};
use crate::report::Report;

/// The version of the JSON verdict's layout.
pub const VERDICT_VERSION: u32 = 1;

/// A gate's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    /// The figure is not in the report (an absent workload, a ratio over zero): a gate
    /// that cannot be checked does not pass.
    Missing,
}

impl Verdict {
    pub fn passed(self) -> bool {
        self == Self::Pass
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pass => "PASS",
            Self::Fail => "FAIL",
            Self::Missing => "MISSING",
        }
    }
}

/// `absolute` or `relative`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GateKind {
    Absolute,
    Relative,
}

/// One gate, judged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateResult {
    /// As written in the gates file.
    pub gate: String,
    /// The canonical figure name.
    pub figure: String,
    pub kind: GateKind,
    /// The condition in words, with units.
    pub expected: String,
    /// The measured value in words (or why there is none).
    pub measured: String,
    /// The raw measured value (microseconds for durations).
    pub measured_value: Option<f64>,
    /// The baseline's value, for relative gates.
    pub baseline_value: Option<f64>,
    /// The limit the measured value was held to, in the raw unit.
    pub limit: Option<f64>,
    /// A relative gate judged on repetitions (both reports repeated): the test, the
    /// interval and "regressed" / "improved" / "within noise".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noise: Option<super::noise::Noise>,
    pub verdict: Verdict,
}

/// The baseline a set was judged against.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaselineUse {
    pub path: String,
    /// Differences accepted with `--allow-mismatch` (empty when it matches).
    pub accepted_mismatches: Vec<Mismatch>,
}

/// A gate set, judged: written as the JSON verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateReport {
    pub verdict_version: u32,
    /// Pass only when every gate passed.
    pub verdict: Verdict,
    pub gates_file: String,
    pub report: String,
    pub scenario: String,
    pub baseline: Option<BaselineUse>,
    pub passed: usize,
    pub failed: usize,
    pub results: Vec<GateResult>,
}

impl GateReport {
    /// The results that did not pass.
    pub fn failures(&self) -> impl Iterator<Item = &GateResult> {
        self.results.iter().filter(|r| !r.verdict.passed())
    }
}

/// Judges `report` (named `report_path`) against `set`; relative gates read `baseline`.
/// The caller has checked the baseline for mismatches (see [`super::baseline`]).
pub fn evaluate(
    set: &GateSet,
    report: &Report,
    report_path: &str,
    baseline: Option<(&Report, BaselineUse)>,
) -> GateReport {
    let results: Vec<GateResult> =
        set.gates.iter().map(|g| judge(g, report, baseline.as_ref().map(|(b, _)| *b))).collect();
    let failed = results.iter().filter(|r| !r.verdict.passed()).count();
    GateReport {
        verdict_version: VERDICT_VERSION,
        verdict: if failed == 0 { Verdict::Pass } else { Verdict::Fail },
        gates_file: set.file.clone(),
        report: report_path.to_string(),
        scenario: report.run.scenario_name.clone(),
        baseline: baseline.map(|(_, u)| u),
        passed: results.len() - failed,
        failed,
        results,
    }
}

pub(super) fn judge(g: &super::parse::Gate, report: &Report, baseline: Option<&Report>) -> GateResult {
    let unit = g.figure.figure.unit;
    let measured = g.figure.read(report);
    let mut result = GateResult {
        gate: g.text.clone(),
        figure: g.figure.name(),
        kind: GateKind::Absolute,
        expected: String::new(),
        measured: match &measured {
            Ok(v) => unit.show(*v),
            Err(why) => why.clone(),
        },
        measured_value: measured.as_ref().ok().copied(),
        baseline_value: None,
        limit: None,
        noise: None,
        verdict: Verdict::Missing,
    };
    let limit = match g.rule {
        Rule::Speedup { .. } => {
            result.expected =
                "a comparison (a scenario with `targets:` or `sweep:`): speedup compares its entries".into();
            return result;
        }
        Rule::Absolute { op, limit } => {
            result.expected = format!("{} {}", op.symbol(), unit.show(limit));
            result.limit = Some(limit);
            measured.as_ref().ok().map(|&m| op.holds(m, limit))
        }
        Rule::Relative(change) => {
            result.kind = GateKind::Relative;
            let base = match baseline.map(|b| g.figure.read(b)) {
                Some(Ok(b)) => b,
                Some(Err(why)) => {
                    result.expected = format!("baseline: {why}");
                    return result;
                }
                None => {
                    result.expected = "a baseline report (--baseline)".into();
                    return result;
                }
            };
            result.baseline_value = Some(base);
            let (limit, symbol, pct) = match change {
                Change::MayFall { percent } => (base * (1.0 - percent / 100.0), ">=", format!("-{percent}%")),
                Change::MayRise { percent } => (base * (1.0 + percent / 100.0), "<=", format!("+{percent}%")),
            };
            let words = format!("{symbol} {}", unit.show(limit));
            result.expected = format!("{words} (baseline {} {pct})", unit.show(base));
            result.limit = Some(limit);
            if let (Ok(_), Some(b)) = (&measured, baseline)
                && let Some(noise) = on_repetitions(g, report, b, change)
            {
                let signed = |v: f64| format!("{:+.1}%", v * 100.0);
                result.measured = format!(
                    "median {} over {} runs ({} [{}, {}] vs {} baseline runs): {}",
                    unit.show(noise.median),
                    noise.repetitions,
                    signed(noise.change),
                    signed(noise.change_low),
                    signed(noise.change_high),
                    noise.baseline_repetitions,
                    noise.movement.words()
                );
                result.measured_value = Some(noise.median);
                result.baseline_value = Some(noise.baseline_median);
                // The test is named in the JSON (`noise.test`) and docs/gates.md.
                result.expected = format!("median {pct} at most, beyond the noise");
                let pass = noise.movement != super::noise::Movement::Regressed;
                result.noise = Some(noise);
                result.verdict = if pass { Verdict::Pass } else { Verdict::Fail };
                return result;
            }
            if let Ok(m) = measured {
                if base != 0.0 {
                    result.measured = format!("{} ({:+.1}%)", unit.show(m), (m - base) / base * 100.0);
                }
                Some(match change {
                    Change::MayFall { .. } => m >= limit,
                    Change::MayRise { .. } => m <= limit,
                })
            } else {
                None
            }
        }
    };
    result.verdict = match limit {
        Some(true) => Verdict::Pass,
        Some(false) => Verdict::Fail,
        None => Verdict::Missing,
    };
    result
}

/// The gate's figure per repetition, in the report and the baseline, when both hold at
/// least two and define it in each; then judged by [`super::noise::judge`].
fn on_repetitions(
    g: &super::parse::Gate,
    report: &Report,
    baseline: &Report,
    change: Change,
) -> Option<super::noise::Noise> {
    let name = g.figure.name();
    let values = |r: &Report| -> Option<Vec<f64>> {
        let v: Vec<f64> = r.repetitions.iter().filter_map(|rep| rep.figures.get(&name).copied()).collect();
        (v.len() >= 2 && v.len() == r.repetitions.len()).then_some(v)
    };
    let (a, b) = (values(report)?, values(baseline)?);
    Some(super::noise::judge(&a, &b, change))
}
