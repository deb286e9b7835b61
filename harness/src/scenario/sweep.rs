//! `sweep:`: a matrix over scenario fields. Each key is a field path in the `--set`
//! syntax, each value the list of values it takes; every combination is a cell, run as
//! its own scenario with the same seed (docs/sweep.md).
//!
//! ```yaml
//! sweep:
//!   load.open.rate: [100, 200]
//!   target.executor: [sequential, parallel]
//! ```

use serde_yaml::{Mapping, Value};

use super::{Limits, Scenario, locate::Seg, parse::set_value, parse_path};

/// Cells a sweep may have unless `--max-cells` says more: each is a whole run.
pub const DEFAULT_MAX_CELLS: usize = 64;

/// One field of the matrix and the values it takes, in the order written.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub path: String,
    pub values: Vec<Value>,
}

impl Axis {
    /// Each value as shown in labels and tables (`100`, `parallel`, `hot(0.9)`).
    pub fn shown(&self) -> Vec<String> {
        self.values.iter().map(show).collect()
    }
}

/// One combination: the value of each axis and the scenario it makes.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// `(path, value as shown)`, one per axis, in axis order.
    pub settings: Vec<(String, String)>,
    /// How the cell is shown: `rate=100 executor=parallel`.
    pub label: String,
    pub scenario: Scenario,
}

/// A sweep that cannot be expanded: which entry (the axis's index, none for the whole
/// `sweep:`), what was wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepProblem {
    pub axis: Option<usize>,
    pub path: String,
    pub message: String,
    pub hint: Option<String>,
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => serde_yaml::to_string(other).unwrap_or_default().trim().to_string(),
    }
}

/// The axes of `sweep`, checked for shape (a key, a non-empty list of values each).
pub fn axes(sweep: &Mapping) -> Result<Vec<Axis>, SweepProblem> {
    let mut out = Vec::new();
    for (i, (k, v)) in sweep.iter().enumerate() {
        let Some(path) = k.as_str() else {
            return Err(problem(Some(i), "sweep", "a sweep key is a field path, e.g. `load.open.rate`", None));
        };
        let at = format!("sweep.{path}");
        let values = match v {
            Value::Sequence(s) if !s.is_empty() => s.clone(),
            _ => {
                return Err(problem(
                    Some(i),
                    &at,
                    "takes a non-empty list of values",
                    Some("write e.g. `load.open.rate: [100, 200, 400]`"),
                ));
            }
        };
        if path.trim().is_empty() || parse_path(path).is_empty() {
            return Err(problem(Some(i), &at, "the field path is empty", Some("write e.g. `load.open.rate`")));
        }
        if matches!(parse_path(path).first(), Some(Seg::Key(k)) if k == "sweep" || k == "targets" || k == "name" || k == "seed")
        {
            return Err(problem(
                Some(i),
                &at,
                "cannot be swept: the cells share the scenario's name, seed and single target",
                Some("sweep fields of the scenario such as `load.open.rate` or `target.executor`"),
            ));
        }
        out.push(Axis { path: path.to_string(), values });
    }
    Ok(out)
}

fn problem(axis: Option<usize>, path: &str, message: &str, hint: Option<&str>) -> SweepProblem {
    SweepProblem { axis, path: path.into(), message: message.into(), hint: hint.map(str::to_string) }
}

/// The short name of each axis in labels: its last key (`rate`), or the whole path when
/// two axes end alike.
fn short_names(axes: &[Axis]) -> Vec<String> {
    let last = |p: &str| match parse_path(p).into_iter().rev().find_map(|s| match s {
        Seg::Key(k) => Some(k),
        Seg::Index(_) => None,
    }) {
        Some(k) => k,
        None => p.to_string(),
    };
    let lasts: Vec<String> = axes.iter().map(|a| last(&a.path)).collect();
    axes.iter()
        .zip(&lasts)
        .map(|(a, l)| if lasts.iter().filter(|x| *x == l).count() > 1 { a.path.clone() } else { l.clone() })
        .collect()
}

/// Every cell of `s`'s sweep, in row-major order (the last axis varies fastest), each
/// parsed and validated as a scenario of its own. At most `limits`' cell bound.
pub fn cells(s: &Scenario, limits: &Limits) -> Result<Vec<Cell>, SweepProblem> {
    let axes = axes(&s.sweep)?;
    if axes.is_empty() {
        return Ok(Vec::new());
    }
    if !s.targets.is_empty() {
        return Err(problem(
            None,
            "sweep",
            "`sweep:` and `targets:` together are not supported",
            Some(
                "sweep a target field instead (e.g. `target.executor: [sequential, parallel]`), or run each target's sweep on its own",
            ),
        ));
    }
    let total = axes.iter().map(|a| a.values.len()).try_fold(1usize, usize::checked_mul).unwrap_or(usize::MAX);
    let max = limits.max_sweep_cells.unwrap_or(DEFAULT_MAX_CELLS);
    if total > max {
        let sizes: Vec<String> = axes.iter().map(|a| a.values.len().to_string()).collect();
        return Err(SweepProblem {
            axis: None,
            path: "sweep".into(),
            message: format!(
                "{} = {total} cells, more than the limit of {max}: each cell is a whole run",
                sizes.join(" x ")
            ),
            hint: Some("sweep fewer values, or raise the limit with --max-cells N".into()),
        });
    }
    let mut base = serde_yaml::to_value(Scenario { sweep: Mapping::new(), ..s.clone() })
        .map_err(|e| problem(None, "sweep", &format!("cannot expand the sweep: {e}"), None))?;
    // Each cell is read as a scenario of its own, `target` included.
    if let Value::Mapping(m) = &mut base {
        m.remove("targets");
    }
    let names = short_names(&axes);
    let mut out = Vec::with_capacity(total);
    for index in 0..total {
        let mut pick = Vec::with_capacity(axes.len());
        let mut rest = index;
        for a in axes.iter().rev() {
            pick.push(rest % a.values.len());
            rest /= a.values.len();
        }
        pick.reverse();
        let mut value = base.clone();
        let mut settings = Vec::new();
        for (i, (a, &j)) in axes.iter().zip(&pick).enumerate() {
            let v = &a.values[j];
            set_value(&mut value, &a.path, v.clone()).map_err(|m| cell_problem(i, a, v, &m, None))?;
            settings.push((a.path.clone(), show(v)));
        }
        let scenario: Scenario = serde_path_to_error::deserialize(value).map_err(|e| {
            let (at, message) = (e.path().to_string(), e.inner().to_string());
            let i = axis_of(&axes, &at);
            let (hint, _) = super::parse::hint_for(&message);
            cell_problem(i, &axes[i], &axes[i].values[pick[i]], &format!("at `{at}`: {message}"), hint)
        })?;
        if let Some(p) = super::validate::validate(&scenario, limits).into_iter().next() {
            let i = axis_of(&axes, &p.path);
            let message = format!("at `{}`: {}", p.path, p.message);
            return Err(cell_problem(i, &axes[i], &axes[i].values[pick[i]], &message, p.hint));
        }
        let label = names.iter().zip(&settings).map(|(n, (_, v))| format!("{n}={v}")).collect::<Vec<_>>().join(" ");
        out.push(Cell { settings, label, scenario });
    }
    Ok(out)
}

/// The axis an error at `at` is about: the one whose path and `at` share the longest
/// start (a bad path shows as an unknown field of its parent).
fn axis_of(axes: &[Axis], at: &str) -> usize {
    let common = |p: &str| {
        let (a, b) = (parse_path(p), parse_path(at));
        a.iter().zip(&b).take_while(|(x, y)| x == y).count()
    };
    (0..axes.len()).max_by_key(|&i| (common(&axes[i].path), usize::MAX - i)).unwrap_or(0)
}

fn cell_problem(i: usize, a: &Axis, v: &Value, message: &str, hint: Option<String>) -> SweepProblem {
    SweepProblem {
        axis: Some(i),
        path: format!("sweep.{}", a.path),
        message: format!("the value `{}` does not make a valid scenario: {message}", show(v)),
        hint: Some(hint.unwrap_or_else(|| {
            "a sweep key is a field path as `--set` takes it (docs/scenario.md lists the fields)".into()
        })),
    }
}
