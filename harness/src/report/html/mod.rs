//! The self-contained HTML report (`--html FILE`): verdicts, headline figures and SVG
//! charts of one run or of several side by side. No script and nothing fetched: it opens
//! offline, in any browser, and as a CI artifact. docs/report.md describes it.

pub mod chart;
pub mod charts;
pub mod page;
mod svg;

pub use charts::Run;
pub use page::{Badge, Extras, HEADLINE, headline_rows};
pub use svg::El;

use super::{Report, gate::GateReport};

/// The page of one run (with its gates' verdict when it was gated).
pub fn render_run(report: &Report, gates: Option<&GateReport>) -> String {
    let title = format!("gasbench · {}", report.run.scenario_name);
    let label = report
        .target
        .executor
        .as_deref()
        .map_or_else(|| report.target.kind.to_string(), |e| format!("{} {e}", report.target.kind));
    page::render(&title, &[Run { label: &label, report }], &Extras { gates, ..Extras::default() })
}

/// Writes `html` to `path` atomically.
pub fn write(html: &str, path: &std::path::Path) -> std::io::Result<()> {
    let tmp = path.with_extension("html.tmp");
    std::fs::write(&tmp, html)?;
    std::fs::rename(&tmp, path)
}
