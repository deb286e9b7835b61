//! The verdict as a terminal table: each gate, expected, measured, verdict.

use comfy_table::{Cell, Color, Table, presets::UTF8_BORDERS_ONLY};

use super::evaluate::{GateReport, Verdict};

/// Renders the judged gates and a closing verdict line.
pub fn render(r: &GateReport) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_BORDERS_ONLY).set_header(vec!["gate", "expected", "measured", "verdict"]);
    for g in &r.results {
        let color = if g.verdict == Verdict::Pass { Color::Green } else { Color::Red };
        t.add_row(vec![
            Cell::new(&g.gate),
            Cell::new(&g.expected),
            Cell::new(&g.measured),
            Cell::new(g.verdict.label()).fg(color),
        ]);
    }
    let mut out = String::new();
    out.push_str(&mismatch_warning(r));
    out.push_str(&format!("\ngates from {} on {}\n{t}\n", r.gates_file, r.report));
    out.push_str(&headline(r));
    out.push('\n');
    out
}

/// `gates: PASS (5 of 5)` or `gates: FAIL (2 of 5 failed: a, b)`.
pub fn headline(r: &GateReport) -> String {
    let total = r.results.len();
    match r.verdict {
        Verdict::Pass => format!("gates: PASS ({total} of {total})"),
        _ => {
            let names: Vec<&str> = r.failures().map(|g| g.gate.as_str()).collect();
            format!("gates: FAIL ({} of {total} failed: {})", r.failed, names.join("; "))
        }
    }
}

/// A loud line for a baseline accepted despite differences; empty otherwise.
pub fn mismatch_warning(r: &GateReport) -> String {
    match &r.baseline {
        Some(b) if !b.accepted_mismatches.is_empty() => {
            let diffs: Vec<String> = b.accepted_mismatches.iter().map(ToString::to_string).collect();
            format!(
                "WARNING: baseline {} is a different experiment, compared anyway (--allow-mismatch): {}\n",
                b.path,
                diffs.join("; ")
            )
        }
        _ => String::new(),
    }
}
