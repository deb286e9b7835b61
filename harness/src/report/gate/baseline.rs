//! Whether a baseline report is comparable: the same scenario, seed and target kind.

use core::fmt;

use serde::Serialize;

use crate::{report::Report, scenario::Scenario};

/// What makes two runs the same experiment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub scenario: String,
    pub seed: u64,
    pub target_kind: String,
}

impl Identity {
    pub fn of_report(r: &Report) -> Self {
        Self { scenario: r.run.scenario_name.clone(), seed: r.run.seed, target_kind: r.target.kind.to_string() }
    }

    /// The identity a run of `s` will have, known before it runs.
    pub fn of_scenario(s: &Scenario) -> Self {
        Self { scenario: s.name.clone(), seed: s.seed, target_kind: s.target.kind().to_string() }
    }
}

/// One way the baseline differs from the report under test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// `scenario`, `seed` or `target kind`.
    pub what: &'static str,
    pub report: String,
    pub baseline: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: `{}` in the report, `{}` in the baseline", self.what, self.report, self.baseline)
    }
}

/// Every difference that makes `baseline` a different experiment from `report`.
pub fn mismatches(report: &Identity, baseline: &Identity) -> Vec<Mismatch> {
    let pairs = [
        ("scenario", report.scenario.clone(), baseline.scenario.clone()),
        ("seed", report.seed.to_string(), baseline.seed.to_string()),
        ("target kind", report.target_kind.clone(), baseline.target_kind.clone()),
    ];
    pairs
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(what, report, baseline)| Mismatch { what, report, baseline })
        .collect()
}
