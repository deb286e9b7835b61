//! A sweep's figures laid out by its axes: a table per figure (rows and columns of the
//! first two axes; one row per cell beyond two) in the terminal and on the page, and on
//! the page a bar chart per figure with a bar per cell.

use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_BORDERS_ONLY};

use super::{Comparison, Entry, RATIO_FIGURES};
use crate::report::{
    gate::figures::{self, Unit as FigureUnit},
    html::{
        El,
        chart::{Axis, BarChart, BarGroup, Chart, Unit},
    },
};

/// The figures laid out per cell (gate names, docs/gates.md).
pub const SWEEP_FIGURES: &[&str] = RATIO_FIGURES;

/// The cells arranged for a table: row names, column names, and the entry of each place.
struct Grid<'a> {
    corner: String,
    rows: Vec<String>,
    columns: Vec<String>,
    at: Vec<Vec<Option<&'a Entry>>>,
}

fn grid(c: &Comparison) -> Grid<'_> {
    let find = |want: &[(&str, &str)]| {
        c.entries.iter().find(|e| want.iter().all(|(p, v)| e.settings.get(*p).map(String::as_str) == Some(*v)))
    };
    match c.axes.as_slice() {
        [a, b] => Grid {
            corner: format!("{} \\ {}", a.path, b.path),
            rows: a.values.clone(),
            columns: b.values.clone(),
            at: a
                .values
                .iter()
                .map(|r| b.values.iter().map(|col| find(&[(&a.path, r), (&b.path, col)])).collect())
                .collect(),
        },
        [a] => Grid {
            corner: a.path.clone(),
            rows: a.values.clone(),
            columns: vec![String::new()],
            at: a.values.iter().map(|r| vec![find(&[(&a.path, r)])]).collect(),
        },
        _ => Grid {
            corner: "cell".into(),
            rows: c.entries.iter().map(|e| e.label.clone()).collect(),
            columns: vec![String::new()],
            at: c.entries.iter().map(|e| vec![Some(e)]).collect(),
        },
    }
}

/// `name`'s value in `e`, in words ("did not run" for a failed cell).
fn shown(name: &str, e: Option<&Entry>) -> String {
    let Ok(fig) = figures::resolve(name) else { return "-".into() };
    match e {
        None => "-".into(),
        Some(e) => match e.report() {
            None => "did not run".into(),
            Some(r) => fig.read(r).map_or_else(|_| "-".into(), |v| fig.figure.unit.show(v)),
        },
    }
}

fn value(name: &str, e: Option<&Entry>) -> Option<f64> {
    figures::resolve(name).ok()?.read(e?.report()?).ok()
}

/// A terminal table per figure.
pub fn tables(c: &Comparison) -> String {
    let g = grid(c);
    let mut out = String::new();
    for name in SWEEP_FIGURES {
        let mut t = Table::new();
        t.load_preset(UTF8_BORDERS_ONLY);
        t.set_header(std::iter::once(g.corner.clone()).chain(g.columns.iter().cloned()).map(Cell::new));
        for (row, cells) in g.rows.iter().zip(&g.at) {
            let mut r = vec![Cell::new(row)];
            r.extend(cells.iter().map(|e| Cell::new(shown(name, *e)).set_alignment(CellAlignment::Right)));
            t.add_row(r);
        }
        out.push_str(&format!("\n{name}\n{t}\n"));
    }
    out
}

/// The chart unit of a figure, and the factor from its raw value (microseconds shown as
/// milliseconds).
fn chart_unit(u: FigureUnit) -> (Unit, f64) {
    match u {
        FigureUnit::Duration => (Unit::Millis, 1e-3),
        FigureUnit::Ratio => (Unit::Share, 1.0),
        FigureUnit::Count => (Unit::Count, 1.0),
        FigureUnit::TxPerSecond => (Unit::TxPerSec, 1.0),
        FigureUnit::GasPerSecond => (Unit::GasPerSec, 1.0),
        FigureUnit::Gas => (Unit::Gas, 1.0),
        FigureUnit::Gwei => (Unit::Gwei, 1.0),
    }
}

/// The cells for a chart: as the table has them up to two axes; beyond, the first axis's
/// values as categories and a column per combination of the others (short x labels).
fn chart_grid(c: &Comparison) -> Grid<'_> {
    let [first, _, _, ..] = c.axes.as_slice() else { return grid(c) };
    let rest = |e: &Entry| e.label.split_once(' ').map_or_else(String::new, |(_, r)| r.to_string());
    let mut columns: Vec<String> = Vec::new();
    for e in &c.entries {
        if !columns.contains(&rest(e)) {
            columns.push(rest(e));
        }
    }
    let at = first
        .values
        .iter()
        .map(|v| {
            columns
                .iter()
                .map(|col| c.entries.iter().find(|e| e.settings.get(&first.path) == Some(v) && rest(e) == *col))
                .collect()
        })
        .collect();
    Grid { corner: first.path.clone(), rows: first.values.clone(), columns, at }
}

/// A bar chart per figure: the rows as categories, a bar per column (so a bar per cell).
pub fn charts(c: &Comparison) -> Vec<(String, Chart)> {
    let g = chart_grid(c);
    let second = c.axes.get(1).filter(|_| c.axes.len() == 2);
    SWEEP_FIGURES
        .iter()
        .filter_map(|name| {
            let fig = figures::resolve(name).ok()?;
            let (unit, scale) = chart_unit(fig.figure.unit);
            let groups = g
                .columns
                .iter()
                .enumerate()
                .map(|(j, col)| BarGroup {
                    name: match second {
                        Some(a) => format!("{}={col}", a.path),
                        None if c.axes.len() > 2 => col.clone(),
                        None => (*name).to_string(),
                    },
                    values: g.at.iter().map(|row| value(name, row[j]).map_or(0.0, |v| v * scale)).collect(),
                })
                .collect();
            let chart = Chart::Bar(BarChart {
                title: match c.axes.first() {
                    Some(a) => format!("{name} by {}", a.path),
                    None => format!("{name} per cell"),
                },
                y: Axis::linear(name, unit),
                categories: g.rows.clone(),
                groups,
                stacked: false,
            });
            Some((format!("sweep-{}", name.replace('.', "-")), chart))
        })
        .collect()
}

/// The page's sweep section: a table and a chart per figure.
pub fn section(c: &Comparison) -> El {
    let g = grid(c);
    let mut s =
        El::new("section").child(El::new("h2").text("Sweep")).child(El::new("p").attr("class", "note").text(&format!(
            "{} cells, same seed: {}",
            c.entries.len(),
            c.axes.iter().map(|a| format!("{} in [{}]", a.path, a.values.join(", "))).collect::<Vec<_>>().join(" × ")
        )));
    for name in SWEEP_FIGURES {
        let head = El::new("tr").children(std::iter::once(&g.corner).chain(&g.columns).map(|h| El::new("th").text(h)));
        let mut t = El::new("table").child(head);
        for (row, cells) in g.rows.iter().zip(&g.at) {
            t = t.child(
                El::new("tr")
                    .child(El::new("td").text(row))
                    .children(cells.iter().map(|e| El::new("td").text(&shown(name, *e)))),
            );
        }
        s = s.child(El::new("h3").child(El::new("code").text(name))).child(t);
    }
    let grid = El::new("div").attr("class", "charts").children(charts(c).iter().map(|(id, ch)| ch.render(id)));
    s.child(grid)
}
