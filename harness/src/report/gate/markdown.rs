//! The verdict as Markdown, for a CI step summary (e.g. `$GITHUB_STEP_SUMMARY`).

use super::{
    evaluate::{GateReport, Verdict},
    terminal::{headline, mismatch_warning},
};

/// Escapes text for a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Renders the judged gates as a Markdown section.
pub fn render(r: &GateReport) -> String {
    let icon = if r.verdict == Verdict::Pass { "✅" } else { "❌" };
    let mut out = format!("## {icon} gasbench {}\n\n", headline(r));
    out.push_str(&format!("Scenario `{}`, report `{}`, gates `{}`", r.scenario, r.report, r.gates_file));
    if let Some(b) = &r.baseline {
        out.push_str(&format!(", baseline `{}`", b.path));
    }
    out.push_str(".\n\n");
    let warning = mismatch_warning(r);
    if !warning.is_empty() {
        out.push_str(&format!("> **{}**\n\n", cell(warning.trim())));
    }
    out.push_str("| gate | expected | measured | verdict |\n|---|---|---|---|\n");
    for g in &r.results {
        let mark = if g.verdict == Verdict::Pass { "✅" } else { "❌" };
        out.push_str(&format!(
            "| `{}` | {} | {} | {mark} {} |\n",
            cell(&g.gate),
            cell(&g.expected),
            cell(&g.measured),
            g.verdict.label()
        ));
    }
    out
}
