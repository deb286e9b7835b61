//! CI performance gates: thresholds on named report figures, absolute or relative to a
//! baseline report, judged into typed verdicts and written as a terminal table, Markdown,
//! JUnit XML and JSON. docs/gates.md documents the file and every figure name.

pub mod across;
pub mod baseline;
mod evaluate;
pub mod figures;
pub mod junit;
pub mod markdown;
pub mod noise;
mod parse;
pub mod terminal;

pub use evaluate::{BaselineUse, GateKind, GateReport, GateResult, VERDICT_VERSION, Verdict, evaluate};
pub use parse::{Change, Gate, GateSet, Op, Rule, load_file, load_str};

use std::path::Path;

use super::{REPORT_VERSION, Report};

/// A report that could not be read, in words that say where and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ReadReportError {
    #[error("{path}: cannot read the report: {source}")]
    Io { path: String, source: std::io::Error },
    #[error(
        "{path}:{line}:{column}: {field}: not a gasbench report: {message}\n  hint: pass a JSON report written by `gasbench run --out`"
    )]
    Invalid { path: String, line: usize, column: usize, field: String, message: String },
    #[error(
        "{path}: report version {found}, but this gasbench reads version {REPORT_VERSION}\n  hint: re-run the scenario with this gasbench, or gate with the gasbench that wrote it"
    )]
    Version { path: String, found: u64 },
}

/// Reads a JSON report written by `gasbench run --out`.
pub fn read_report(path: &Path) -> Result<Report, ReadReportError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ReadReportError::Io { path: name.clone(), source })?;
    // Say "wrong version" rather than "missing field" when an older layout is read.
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
        && let Some(found) = v.get("report_version").and_then(serde_json::Value::as_u64)
        && found != u64::from(REPORT_VERSION)
    {
        return Err(ReadReportError::Version { path: name, found });
    }
    let de = &mut serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(de).map_err(|e| ReadReportError::Invalid {
        path: name,
        line: e.inner().line(),
        column: e.inner().column(),
        field: e.path().to_string(),
        message: e.inner().to_string(),
    })
}

/// Writes the JSON verdict (pretty, trailing newline).
pub fn write_json(r: &GateReport, path: &Path) -> std::io::Result<()> {
    let mut text = serde_json::to_string_pretty(r).map_err(std::io::Error::other)?;
    text.push('\n');
    std::fs::write(path, text)
}
