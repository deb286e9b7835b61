//! `sweep:`: every cell of the matrix run in turn (same seed), into one comparison whose
//! entries carry each cell's settings and whose axes lay the figures out in tables.

use tokio_util::sync::CancellationToken;

use super::error_kind;
use crate::{
    report::compare::{Comparison, ComparisonKind, Entry, SweepAxis},
    runner::{self, RunOptions},
    scenario::{
        Scenario,
        sweep::{self, Cell},
    },
};

/// The comparison's axes for `scenario`'s sweep (validated when it was read).
pub fn axes(scenario: &Scenario) -> Vec<SweepAxis> {
    sweep::axes(&scenario.sweep)
        .unwrap_or_default()
        .into_iter()
        .map(|a| SweepAxis { values: a.shown(), path: a.path })
        .collect()
}

/// Runs each of `cells` in turn. A cell whose run fails is an entry with its error; after
/// a cancellation the cells not yet run are entries marked interrupted.
pub async fn run(scenario: &Scenario, cells: Vec<Cell>, opts: &RunOptions, cancel: CancellationToken) -> Comparison {
    let mut entries = Vec::new();
    let n = cells.len();
    for (i, cell) in cells.into_iter().enumerate() {
        let mut entry = if cancel.is_cancelled() {
            Entry::failed(cell.label.clone(), "interrupted", "not run: the sweep was stopped".into())
        } else {
            tracing::info!("cell {} of {n}: {}", i + 1, cell.label);
            match runner::run(&cell.scenario, opts, cancel.clone()).await {
                Ok(report) => Entry::ran(cell.label.clone(), report),
                Err(e) => Entry::failed(cell.label.clone(), error_kind(&e), e.to_string()),
            }
        };
        entry.settings = cell.settings.into_iter().collect();
        entries.push(entry);
    }
    let mut c = Comparison::new(ComparisonKind::Sweep, scenario.name.clone(), scenario.seed, entries);
    c.axes = axes(scenario);
    c
}
