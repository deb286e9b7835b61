//! Reading a gates file: YAML text -> typed gates. Every problem is reported at once,
//! located in the file (line, column, field path) with what to do.
//!
//! ```yaml
//! gates:                       # absolute: NAME OP VALUE
//!   - throughput.included_tps >= 1000
//!   - latency.inclusion.p99 <= 2s
//! relative:                    # against --baseline: -X% may fall at most X%, +X% rise at most X%
//!   included_tps: -5%
//!   latency.inclusion.p99: +10%
//! ```

use std::path::Path;

use serde::Deserialize;

use super::figures::{Better, FigureRef, Unit, resolve};
use crate::scenario::{ScenarioError, ScenarioErrors, locate};

/// A comparison in an absolute gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Ge,
    Le,
    Gt,
    Lt,
    Eq,
}

impl Op {
    /// Longest first, so that `>=` is not read as `>`.
    const ALL: [(&'static str, Op); 5] = [(">=", Op::Ge), ("<=", Op::Le), ("==", Op::Eq), (">", Op::Gt), ("<", Op::Lt)];

    pub fn symbol(self) -> &'static str {
        Self::ALL.iter().find(|(_, op)| *op == self).map(|(s, _)| *s).unwrap_or("?")
    }

    pub fn holds(self, measured: f64, limit: f64) -> bool {
        match self {
            Self::Ge => measured >= limit,
            Self::Le => measured <= limit,
            Self::Gt => measured > limit,
            Self::Lt => measured < limit,
            Self::Eq => measured == limit,
        }
    }
}

/// Which way a relative gate allows the figure to move at most `percent`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Change {
    /// `-X%`: may not fall more than X% below the baseline.
    MayFall { percent: f64 },
    /// `+X%`: may not rise more than X% above the baseline.
    MayRise { percent: f64 },
}

/// What a gate asks of its figure.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    Absolute {
        op: Op,
        limit: f64,
    },
    Relative(Change),
    /// `speedup(a, b[, FIGURE]) OP X`: across the entries of a comparison (targets or
    /// sweep cells, by label), how many times better `a`'s figure is than `b`'s.
    Speedup {
        a: String,
        b: String,
        op: Op,
        limit: f64,
    },
}

/// One gate: a figure and a rule, with the text as written.
#[derive(Debug, Clone)]
pub struct Gate {
    /// As written in the file, e.g. `latency.inclusion.p99 <= 2s` or `included_tps: -5%`.
    pub text: String,
    pub figure: FigureRef,
    pub rule: Rule,
}

/// Every gate of one file.
#[derive(Debug, Clone)]
pub struct GateSet {
    pub file: String,
    pub gates: Vec<Gate>,
}

impl GateSet {
    pub fn has_relative(&self) -> bool {
        self.gates.iter().any(|g| matches!(g.rule, Rule::Relative(_)))
    }

    /// Whether a gate compares entries of a comparison (`speedup(a, b)`).
    pub fn has_speedup(&self) -> bool {
        self.gates.iter().any(|g| matches!(g.rule, Rule::Speedup { .. }))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GatesFile {
    #[serde(default)]
    gates: Vec<serde_yaml::Value>,
    #[serde(default)]
    relative: serde_yaml::Mapping,
}

/// Reads and parses the gates file at `path`.
pub fn load_file(path: &Path) -> Result<GateSet, ScenarioErrors> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| one(&file, "", format!("cannot read the gates file: {e}"), "check the path given to --gates"))?;
    load_str(&file, &text)
}

fn one(file: &str, path: &str, message: String, hint: &str) -> ScenarioErrors {
    ScenarioErrors(vec![ScenarioError {
        file: file.to_string(),
        line: None,
        column: None,
        path: path.to_string(),
        message,
        hint: Some(hint.to_string()),
        snippet: None,
    }])
}

/// As [`load_file`], from text; `file` names it in errors.
pub fn load_str(file: &str, text: &str) -> Result<GateSet, ScenarioErrors> {
    let parsed: GatesFile = serde_yaml::from_str(text).map_err(|e| {
        let hint = "a gates file has `gates:` (a list of `NAME OP VALUE`) and/or `relative:` (a map of NAME: -X% or +X%); see docs/gates.md";
        ScenarioErrors(vec![ScenarioError::from_yaml(file, text, &e, format!("not a gates file: {e}"), hint)])
    })?;
    let mut gates = Vec::new();
    let mut errors = Vec::new();
    // `token` is the part of the line the error is about; its column is found on the line.
    let mut fail = |path: String, segs: Vec<crate::scenario::Seg>, token: &str, message: String, hint: String| {
        let loc = locate(text, &segs, false);
        let snippet = loc.and_then(|(l, _)| text.lines().nth(l - 1)).map(str::to_string);
        let column = match (&snippet, loc) {
            (Some(line), Some((_, c))) => line.find(token).filter(|_| !token.is_empty()).map_or(c, |i| i + 1),
            _ => 0,
        };
        errors.push(ScenarioError {
            file: file.to_string(),
            line: loc.map(|(l, _)| l),
            column: loc.map(|_| column),
            path,
            message,
            hint: Some(hint),
            snippet,
        });
    };
    for (i, entry) in parsed.gates.iter().enumerate() {
        let segs = crate::scenario::parse_path(&format!("gates[{i}]"));
        let Some(text) = entry.as_str() else {
            fail(
                format!("gates[{i}]"),
                segs,
                "",
                "a gate is a string `NAME OP VALUE`".into(),
                "e.g. `- throughput.included_tps >= 1000`".into(),
            );
            continue;
        };
        match absolute(text) {
            Ok(gate) => gates.push(gate),
            Err(GateErr { token, message, hint }) => fail(format!("gates[{i}]"), segs, &token, message, hint),
        }
    }
    for (key, value) in &parsed.relative {
        let name = key.as_str().unwrap_or_default().to_string();
        let segs = vec![crate::scenario::Seg::Key("relative".into()), crate::scenario::Seg::Key(name.clone())];
        let value = match value {
            serde_yaml::Value::String(s) => s.clone(),
            other => serde_yaml::to_string(other).unwrap_or_default().trim().to_string(),
        };
        match relative(&name, &value) {
            Ok(gate) => gates.push(gate),
            Err(GateErr { token, message, hint }) => fail(format!("relative.{name}"), segs, &token, message, hint),
        }
    }
    if gates.is_empty() && errors.is_empty() {
        errors.push(
            one(file, "", "the file has no gates".into(), "add `gates:` or `relative:`; see docs/gates.md").0.remove(0),
        );
    }
    if errors.is_empty() { Ok(GateSet { file: file.to_string(), gates }) } else { Err(ScenarioErrors(errors)) }
}

/// A gate that could not be read: the offending token, what was wrong, what to do.
struct GateErr {
    token: String,
    message: String,
    hint: String,
}

fn err(token: &str, message: String, hint: impl Into<String>) -> GateErr {
    GateErr { token: token.to_string(), message, hint: hint.into() }
}

fn figure(name: &str) -> Result<FigureRef, GateErr> {
    resolve(name).map_err(|near| {
        err(
            name,
            format!("unknown figure `{name}`"),
            format!("nearest valid names: {}; every name is listed in docs/gates.md", near.join(", ")),
        )
    })
}

/// The figure a `speedup(a, b)` without a third argument compares.
pub const SPEEDUP_FIGURE: &str = "throughput.included_tps";

/// `NAME OP VALUE`, or `speedup(a, b[, FIGURE]) OP VALUE`.
fn absolute(text: &str) -> Result<Gate, GateErr> {
    if text.trim_start().starts_with("speedup(") {
        return speedup(text);
    }
    let found = Op::ALL
        .iter()
        .filter_map(|&(s, op)| text.find(s).map(|i| (i, s, op)))
        .min_by_key(|(i, s, _)| (*i, usize::MAX - s.len()));
    let Some((at, sym, op)) = found else {
        return Err(err(
            text.trim(),
            format!("`{}` has no comparison", text.trim()),
            "write NAME OP VALUE with OP one of >=, <=, ==, >, <, e.g. `dropped == 0`",
        ));
    };
    let name = text[..at].trim();
    let value = text[at + sym.len()..].trim();
    let figure = figure(name)?;
    let limit = threshold(figure.figure.unit, value)?;
    Ok(Gate { text: text.trim().to_string(), figure, rule: Rule::Absolute { op, limit } })
}

/// `speedup(a, b[, FIGURE]) OP X`: `a` and `b` are entry labels (checked against the
/// comparison when it is known), X a plain factor.
fn speedup(text: &str) -> Result<Gate, GateErr> {
    let hint = "write `speedup(A, B) >= 1.5` or `speedup(A, B, FIGURE) >= 1.5`, A and B naming targets or sweep cells as the comparison labels them";
    let t = text.trim();
    let Some(close) = t.find(')') else {
        return Err(err(t, format!("`{t}` has no closing `)`"), hint));
    };
    let args: Vec<&str> = t["speedup(".len()..close].split(',').map(str::trim).collect();
    let (a, b, name) = match args.as_slice() {
        [a, b] => (*a, *b, SPEEDUP_FIGURE),
        [a, b, f] => (*a, *b, *f),
        _ => return Err(err(t, format!("`{t}`: speedup takes two entries and an optional figure"), hint)),
    };
    if a.is_empty() || b.is_empty() {
        return Err(err(t, format!("`{t}`: an entry name is empty"), hint));
    }
    let figure = figure(name)?;
    let rest = t[close + 1..].trim();
    let Some((sym, op)) = Op::ALL.iter().find(|(s, _)| rest.starts_with(s)).copied() else {
        return Err(err(rest, format!("`{t}` has no comparison after `)`"), hint));
    };
    let value = rest[sym.len()..].trim();
    let limit = match value.replace('_', "").parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => v,
        _ => return Err(err(value, format!("`{value}` is not a positive factor"), "write a plain factor, e.g. `1.5`")),
    };
    Ok(Gate { text: t.to_string(), figure, rule: Rule::Speedup { a: a.into(), b: b.into(), op, limit } })
}

/// `NAME: -X%` or `NAME: +X%`.
fn relative(name: &str, value: &str) -> Result<Gate, GateErr> {
    let figure = figure(name)?;
    let hint = "write -X% (may fall at most X% below the baseline) or +X% (may rise at most X%), e.g. `-5%`";
    let v = value.trim();
    let (sign, rest) = match v.chars().next() {
        Some(c @ ('-' | '+')) => (c, &v[1..]),
        _ => return Err(err(v, format!("`{v}` has no sign"), hint)),
    };
    let Some(percent) =
        rest.strip_suffix('%').and_then(|p| p.trim().parse::<f64>().ok()).filter(|p| p.is_finite() && *p >= 0.0)
    else {
        return Err(err(v, format!("`{v}` is not a percentage"), hint));
    };
    let change = if sign == '-' { Change::MayFall { percent } } else { Change::MayRise { percent } };
    match (figure.figure.better, change) {
        (Better::Higher, Change::MayRise { .. }) => {
            return Err(err(
                v,
                format!("`{name}` is better higher, so `{v}` would fail when it improves"),
                format!("write `-{rest}` to bound how far it may fall"),
            ));
        }
        (Better::Lower, Change::MayFall { .. }) => {
            return Err(err(
                v,
                format!("`{name}` is better lower, so `{v}` would fail when it improves"),
                format!("write `+{rest}` to bound how far it may rise"),
            ));
        }
        _ => {}
    }
    Ok(Gate { text: format!("{name}: {v}"), figure, rule: Rule::Relative(change) })
}

/// A threshold in the figure's unit (microseconds for durations).
fn threshold(unit: Unit, value: &str) -> Result<f64, GateErr> {
    let v = value.replace('_', "");
    let split =
        v.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+' || c == 'e')).unwrap_or(v.len());
    let (num, suffix) = (v[..split].trim(), v[split..].trim());
    let n: f64 = match num.parse() {
        Ok(n) if f64::is_finite(n) => n,
        _ => return Err(err(value, format!("`{value}` is not a number"), example(unit))),
    };
    let scaled = match (unit, suffix) {
        (Unit::Duration, "") => {
            return Err(err(value, format!("`{value}` has no unit, and this figure is a duration"), example(unit)));
        }
        (Unit::Duration, s) => match s {
            "ns" => n / 1e3,
            "us" | "µs" => n,
            "ms" => n * 1e3,
            "s" => n * 1e6,
            "m" | "min" => n * 60e6,
            _ => return Err(err(value, format!("`{s}` is not a duration unit"), example(unit))),
        },
        (Unit::Ratio, "%") => n / 100.0,
        (_, "") => n,
        (_, s) => {
            return Err(err(
                value,
                format!("`{s}`: this figure is in {} and takes a plain number", unit.label()),
                example(unit),
            ));
        }
    };
    Ok(scaled)
}

fn example(unit: Unit) -> &'static str {
    match unit {
        Unit::Duration => "write a duration with its unit: `2s`, `150ms`, `800us`",
        Unit::Ratio => "write a fraction or a percentage: `0.01` or `1%`",
        _ => "write a plain number, e.g. `1000` or `110_000`",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "gates:\n  - throughput.included_tps >= 1000\n  - latency.inclusion.p99 <= 1.5s\n  - revert_rate <= 1%\n  - workloads.amm_swap.gas_per_op.p50 <= 110_000\n  - dropped == 0\nrelative:\n  included_tps: -5%\n  latency.inclusion.p99: +10%\n";

    #[test]
    fn reads_absolute_and_relative_gates() {
        let set = load_str("g.yaml", GOOD).unwrap();
        let rules: Vec<Rule> = set.gates.iter().map(|g| g.rule.clone()).collect();
        assert_eq!(rules[0], Rule::Absolute { op: Op::Ge, limit: 1000.0 });
        assert_eq!(rules[1], Rule::Absolute { op: Op::Le, limit: 1_500_000.0 });
        assert_eq!(rules[2], Rule::Absolute { op: Op::Le, limit: 0.01 });
        assert_eq!(rules[3], Rule::Absolute { op: Op::Le, limit: 110_000.0 });
        assert_eq!(rules[4], Rule::Absolute { op: Op::Eq, limit: 0.0 });
        assert_eq!(rules[5], Rule::Relative(Change::MayFall { percent: 5.0 }));
        assert_eq!(rules[6], Rule::Relative(Change::MayRise { percent: 10.0 }));
        assert!(set.has_relative());
    }

    #[test]
    fn every_operator_turns_at_its_limit() {
        let cases =
            [(Op::Ge, 5.0, 4.9), (Op::Le, 5.0, 5.1), (Op::Gt, 5.1, 5.0), (Op::Lt, 4.9, 5.0), (Op::Eq, 5.0, 5.1)];
        for (op, holds, fails) in cases {
            assert!(op.holds(holds, 5.0) && !op.holds(fails, 5.0), "{}", op.symbol());
            let gate = absolute(&format!("dropped {} 5", op.symbol())).ok().unwrap();
            assert_eq!(gate.rule, Rule::Absolute { op, limit: 5.0 }, "`>=` is not read as `>`");
        }
    }

    #[test]
    fn speedup_gates_read_their_entries_figure_and_factor() {
        let set = load_str("g.yaml", "gates:\n  - speedup(parallel, sequential) >= 1.5\n  - speedup(rate=200 executor=parallel, rate=200 executor=sequential, latency.inclusion.p99) > 2\n").unwrap();
        let speedup = |a: &str, b: &str, op, limit| Rule::Speedup { a: a.into(), b: b.into(), op, limit };
        assert_eq!(set.gates[0].rule, speedup("parallel", "sequential", Op::Ge, 1.5));
        assert_eq!(set.gates[0].figure.name(), SPEEDUP_FIGURE);
        assert_eq!(
            set.gates[1].rule,
            speedup("rate=200 executor=parallel", "rate=200 executor=sequential", Op::Gt, 2.0)
        );
        assert_eq!(set.gates[1].figure.name(), "latency.inclusion.p99");
        let errs = load_str(
            "g.yaml",
            "gates:\n  - speedup(a, b, included_tsp) >= 1\n  - speedup(a) >= 1\n  - speedup(a, b) >= fast\n",
        )
        .unwrap_err()
        .to_string();
        assert!(errs.contains("g.yaml:2:19: gates[0]: unknown figure `included_tsp`"), "{errs}");
        assert!(errs.contains("gates[1]: `speedup(a) >= 1`: speedup takes two entries"), "{errs}");
        assert!(errs.contains("gates[2]: `fast` is not a positive factor"), "{errs}");
    }

    #[test]
    fn errors_are_located_and_say_what_to_do() {
        let text = "gates:\n  - dropped == 0\n  - latency.inclusion.p99 <= 2\n  - included_tsp >= 5\nrelative:\n  included_tps: +5%\n";
        let errs = load_str("g.yaml", text).unwrap_err();
        let all = errs.to_string();
        assert_eq!(errs.0.len(), 3, "{all}");
        assert!(all.contains("g.yaml:3:30: gates[1]: `2` has no unit"), "{all}");
        assert!(all.contains("g.yaml:4:5: gates[2]: unknown figure `included_tsp`"), "{all}");
        assert!(all.contains("nearest valid names: included_tps"), "{all}");
        assert!(all.contains("g.yaml:6:17: relative.included_tps: `included_tps` is better higher"), "{all}");
        let unknown = load_str("g.yaml", "gate:\n  - dropped == 0\n").unwrap_err().to_string();
        assert!(unknown.contains("g.yaml:1:1") && unknown.contains("unknown field `gate`"), "{unknown}");
    }
}
