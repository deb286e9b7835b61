//! Whether a baseline report is comparable: the same scenario, seed and target kind.

use core::fmt;

use serde::Serialize;

use crate::report::Report;

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
pub fn mismatches(report: &Report, baseline: &Report) -> Vec<Mismatch> {
    let pairs = [
        ("scenario", report.run.scenario_name.clone(), baseline.run.scenario_name.clone()),
        ("seed", report.run.seed.to_string(), baseline.run.seed.to_string()),
        ("target kind", report.target.kind.clone(), baseline.target.kind.clone()),
    ];
    pairs
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(what, report, baseline)| Mismatch { what, report, baseline })
        .collect()
}
