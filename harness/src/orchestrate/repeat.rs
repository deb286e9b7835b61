//! `run --repeat N`: the scenario run N times in a row on a fresh target each time; the
//! report is the last repetition's, with every repetition's figures kept in
//! `repetitions` so that relative gates compare distributions (docs/gates.md).

use tokio_util::sync::CancellationToken;

use crate::{
    report::{Repetition, Report, gate::figures},
    runner::{self, RunError, RunOptions},
    scenario::Scenario,
};

/// Runs `scenario` `n` times (at least once). A failed repetition fails the whole; a
/// stop ends it after the repetition under way, whose report (marked interrupted) holds
/// the repetitions done.
pub async fn run(
    scenario: &Scenario,
    opts: &RunOptions,
    cancel: CancellationToken,
    n: u32,
) -> Result<Report, RunError> {
    let mut repetitions = Vec::new();
    let mut i = 0;
    loop {
        i += 1;
        if n > 1 {
            tracing::info!("repetition {i} of {n}");
        }
        let mut report = runner::run(scenario, opts, cancel.clone()).await?;
        if n > 1 {
            repetitions.push(Repetition { figures: figures::all_values(&report) });
        }
        if i >= n || cancel.is_cancelled() {
            report.repetitions = repetitions;
            return Ok(report);
        }
    }
}
