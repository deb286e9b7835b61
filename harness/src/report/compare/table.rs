//! The comparison in the terminal: the headline figures, a column per entry and, for each
//! later entry, its ratio to the first; then a verdict line per entry.

use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_BORDERS_ONLY};

use super::{Comparison, EntryResult};
use crate::report::{gate::figures, html::headline_rows};

/// Renders `c` as a table and verdict lines.
pub fn render(c: &Comparison) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_BORDERS_ONLY);
    let mut header = vec![Cell::new("figure")];
    for (i, e) in c.entries.iter().enumerate() {
        header.push(Cell::new(&e.label));
        if i > 0 {
            header.push(Cell::new("vs first"));
        }
    }
    t.set_header(header);
    let first = c.entries.first().and_then(|e| e.report());
    for name in headline_rows(&c.entries.iter().filter_map(|e| e.report()).collect::<Vec<_>>()) {
        let Ok(fig) = figures::resolve(name) else { continue };
        let base = first.and_then(|r| fig.read(r).ok());
        let mut row = vec![Cell::new(name)];
        for (i, e) in c.entries.iter().enumerate() {
            let v = e.report().and_then(|r| fig.read(r).ok());
            let shown = match (&e.result, v) {
                (EntryResult::Failed { .. }, _) => "did not run".to_string(),
                (_, Some(v)) => fig.figure.unit.show(v),
                (_, None) => "-".to_string(),
            };
            row.push(Cell::new(shown).set_alignment(CellAlignment::Right));
            if i > 0 {
                let mut ratio = match (base, v) {
                    (Some(a), Some(b)) if a != 0.0 => format!("x{:.3}", b / a),
                    _ => "-".into(),
                };
                if let Some(shift) = e.noise.get(name) {
                    ratio.push_str(&format!(" {}", shift.movement.words()));
                }
                row.push(Cell::new(ratio).set_alignment(CellAlignment::Right));
            }
        }
        t.add_row(row);
    }
    let mut out = format!("{}\n", t);
    for (badge, line) in c.verdict_lines() {
        let word = if badge == crate::report::html::Badge::Pass { "PASS" } else { "FAIL" };
        out.push_str(&format!("{word} {line}\n"));
    }
    if let Some(test) = &c.noise_test {
        out.push_str(&format!("Against the noise ({test}, over each run's repetitions):\n"));
        for e in c.entries.iter().filter(|e| !e.noise.is_empty()) {
            for (name, shift) in &e.noise {
                out.push_str(&format!(
                    "  {}: {name} {} ({} vs {} repetitions)\n",
                    e.label,
                    shift.words(),
                    shift.repetitions,
                    shift.first_repetitions
                ));
            }
        }
    }
    if !c.axes.is_empty() {
        out.push_str(&super::sweep::tables(c));
    }
    out
}
