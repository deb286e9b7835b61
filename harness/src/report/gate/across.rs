//! Gates over a comparison (the `targets:` of a scenario, the cells of a `sweep:`):
//! `speedup(a, b[, FIGURE]) OP X` between two entries named by their labels, and every
//! absolute gate on each entry that ran.

use super::{
    GateKind, GateReport, GateResult, GateSet, VERDICT_VERSION, Verdict,
    figures::{Better, FigureRef},
    parse::{Gate, Op, Rule},
};
use crate::report::compare::Comparison;

/// The entry `name` stands for among `labels`: the label itself, or the one label holding
/// every word of `name` (`parallel` for `embedded parallel x2`). `Err` says why not, with
/// every valid label.
pub fn find_entry(labels: &[String], name: &str) -> Result<usize, String> {
    if let Some(i) = labels.iter().position(|l| l == name) {
        return Ok(i);
    }
    let words: Vec<&str> = name.split_whitespace().collect();
    let hits: Vec<usize> = (0..labels.len())
        .filter(|&i| {
            // A sweep cell's `executor=parallel` also answers to `parallel`.
            let have: Vec<&str> = labels[i]
                .split_whitespace()
                .flat_map(|t| std::iter::once(t).chain(t.split_once('=').map(|(_, v)| v)))
                .collect();
            words.iter().all(|w| have.contains(w))
        })
        .collect();
    let valid = labels.iter().map(|l| format!("`{l}`")).collect::<Vec<_>>().join(", ");
    match hits.as_slice() {
        [i] => Ok(*i),
        [] => Err(format!("no target or cell is named `{name}`; the comparison has: {valid}")),
        many => Err(format!(
            "`{name}` names {} entries ({}); name one: {valid}",
            many.len(),
            many.iter().map(|&i| format!("`{}`", labels[i])).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Every problem with the speedup gates' names against `labels`, as `gate: why`.
pub fn check_names(set: &GateSet, labels: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for g in &set.gates {
        if let Rule::Speedup { a, b, .. } = &g.rule {
            for name in [a, b] {
                if let Err(why) = find_entry(labels, name) {
                    out.push(format!("{}: {}: {why}", set.file, g.text));
                }
            }
        }
    }
    out
}

/// `a`'s figure over `b`'s, turned so that more is better (b / a for a latency).
fn speedup(fig: &FigureRef, a: f64, b: f64) -> Option<f64> {
    let r = match fig.figure.better {
        Better::Lower => a.ne(&0.0).then(|| b / a),
        _ => b.ne(&0.0).then(|| a / b),
    };
    r.filter(|r| r.is_finite())
}

fn judge_speedup(g: &Gate, c: &Comparison, a: &str, b: &str, op: Op, limit: f64) -> GateResult {
    let labels: Vec<String> = c.entries.iter().map(|e| e.label.clone()).collect();
    let figure = g.figure.name();
    let mut result = GateResult {
        gate: g.text.clone(),
        figure: figure.clone(),
        kind: GateKind::Absolute,
        expected: format!("{} x{limit} ({figure})", op.symbol()),
        measured: String::new(),
        measured_value: None,
        baseline_value: None,
        limit: Some(limit),
        noise: None,
        verdict: Verdict::Missing,
    };
    let entries = find_entry(&labels, a).and_then(|i| Ok((i, find_entry(&labels, b)?)));
    let (ia, ib) = match entries {
        Ok(x) => x,
        Err(why) => {
            result.measured = why;
            return result;
        }
    };
    let read = |i: usize| -> Result<f64, String> {
        let e = &c.entries[i];
        let r = e.report().ok_or_else(|| format!("`{}` did not run", e.label))?;
        g.figure.read(r).map_err(|why| format!("`{}`: {why}", e.label))
    };
    let (va, vb) = match (read(ia), read(ib)) {
        (Ok(x), Ok(y)) => (x, y),
        (Err(why), _) | (_, Err(why)) => {
            result.measured = why;
            return result;
        }
    };
    let unit = g.figure.figure.unit;
    let Some(s) = speedup(&g.figure, va, vb) else {
        result.measured = format!("undefined: {} vs {}", unit.show(va), unit.show(vb));
        return result;
    };
    result.measured = format!("x{s:.3} ({} vs {})", unit.show(va), unit.show(vb));
    result.measured_value = Some(s);
    result.verdict = if op.holds(s, limit) { Verdict::Pass } else { Verdict::Fail };
    result
}

/// Judges `c` (named `path`) against `set`: each speedup gate once, each absolute gate
/// on every entry (named `LABEL: gate`; an entry that did not run is `missing`).
pub fn evaluate_comparison(set: &GateSet, c: &Comparison, path: &str) -> GateReport {
    let mut results = Vec::new();
    for g in &set.gates {
        match &g.rule {
            Rule::Speedup { a, b, op, limit } => results.push(judge_speedup(g, c, a, b, *op, *limit)),
            _ => {
                for e in &c.entries {
                    let mut r = match e.report() {
                        Some(report) => super::evaluate::judge(g, report, None),
                        None => GateResult {
                            gate: g.text.clone(),
                            figure: g.figure.name(),
                            kind: GateKind::Absolute,
                            expected: String::new(),
                            measured: "did not run".into(),
                            measured_value: None,
                            baseline_value: None,
                            limit: None,
                            noise: None,
                            verdict: Verdict::Missing,
                        },
                    };
                    r.gate = format!("{}: {}", e.label, r.gate);
                    results.push(r);
                }
            }
        }
    }
    let failed = results.iter().filter(|r| !r.verdict.passed()).count();
    GateReport {
        verdict_version: VERDICT_VERSION,
        verdict: if failed == 0 { Verdict::Pass } else { Verdict::Fail },
        gates_file: set.file.clone(),
        report: path.to_string(),
        scenario: c.scenario_name.clone(),
        baseline: None,
        passed: results.len() - failed,
        failed,
        results,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_found_by_label_or_by_their_words() {
        let labels: Vec<String> =
            ["embedded sequential", "embedded parallel x2", "embedded parallel x4"].map(String::from).to_vec();
        assert_eq!(find_entry(&labels, "embedded parallel x4"), Ok(2));
        assert_eq!(find_entry(&labels, "sequential"), Ok(0));
        assert_eq!(find_entry(&labels, "x2"), Ok(1));
        let cells: Vec<String> = ["rate=50 executor=parallel", "rate=100 executor=parallel"].map(String::from).to_vec();
        assert_eq!(find_entry(&cells, "rate=100 parallel"), Ok(1));
        assert!(find_entry(&cells, "parallel").unwrap_err().contains("names 2 entries"));
        let many = find_entry(&labels, "parallel").unwrap_err();
        assert!(many.contains("names 2 entries") && many.contains("`embedded parallel x4`"), "{many}");
        let none = find_entry(&labels, "rpc").unwrap_err();
        assert!(none.contains("no target or cell is named `rpc`") && none.contains("`embedded sequential`"), "{none}");
    }
}
