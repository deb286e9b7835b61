//! The runner: plans and signs the run, starts the target, drives the load (open or
//! closed) under one cancellation token, drains, checks effects, and hands what it
//! measured to `report::assemble`. Stopping (Ctrl-C, SIGTERM, a cancelled token) still
//! drains for a bounded time and returns a report marked interrupted. The phases are in
//! `run.rs`, the load models in `model.rs` (`open.rs`, `closed.rs`); a caller follows a
//! run through its [`RunHandle`] or its observers, and the library prints nothing.

mod checks;
mod closed;
mod effects;
mod error;
pub use error::{EXIT_OK, RunError, RunErrorKind};
mod events;
pub use events::{Progress, RunEvent, SetupProgress};
mod feed;
mod handle;
pub use handle::{RunHandle, RunSnapshot};
mod model;
mod observer;
pub mod offline;
pub use observer::{Ending, LiveRun, Phase, RunObserver};
mod open;
mod reconcile;
mod run;
pub mod setup;
mod submit;

use std::{sync::Arc, time::Duration};

use tokio_util::sync::CancellationToken;

use crate::{
    report::Report,
    scenario::Scenario,
    targets::{self, Target},
};

/// How a run is carried out (what to run is the scenario).
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Concurrent `submit` calls towards the target.
    pub max_batches_in_flight: u32,
    /// A send later than this after its intended time counts as late.
    pub late_threshold: Duration,
    /// After a cancellation, the drain waits at most this long.
    pub cancelled_drain: Duration,
    /// Watch the run while it goes (the progress line, the Prometheus exporter, the
    /// service, a [`RunHandle`]).
    pub observers: Vec<Arc<dyn RunObserver>>,
    /// Test-only: time added to every streamed signature, to make the signer fall behind.
    #[doc(hidden)]
    pub signer_delay_per_tx: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            max_batches_in_flight: 64,
            late_threshold: Duration::from_millis(10),
            cancelled_drain: Duration::from_secs(3),
            observers: Vec::new(),
            signer_delay_per_tx: Duration::ZERO,
        }
    }
}

/// Starts `scenario` on `target` and returns its handle at once (the run goes on a task
/// of the current tokio runtime).
pub fn start(scenario: &Scenario, target: Arc<dyn Target>, opts: &RunOptions) -> RunHandle {
    RunHandle::spawn(scenario.clone(), target, opts.clone(), CancellationToken::new())
}

/// Runs `scenario` to the end (or until `cancel`), and returns its report.
pub async fn run(scenario: &Scenario, opts: &RunOptions, cancel: CancellationToken) -> Result<Report, RunError> {
    let target = targets::build(&scenario.target)?;
    run_on(scenario, target, opts, cancel).await
}

/// As [`run`], on a target built by the caller (tests, several targets side by side).
pub async fn run_on(
    scenario: &Scenario,
    target: Arc<dyn Target>,
    opts: &RunOptions,
    cancel: CancellationToken,
) -> Result<Report, RunError> {
    RunHandle::spawn(scenario.clone(), target, opts.clone(), cancel).join().await
}

/// The whole run, told to the observers from its first phase to its end.
async fn execute(
    scenario: &Scenario,
    target: Arc<dyn Target>,
    opts: &RunOptions,
    cancel: CancellationToken,
) -> Result<Report, RunError> {
    let emit = events::Emitter::new(opts.observers.clone());
    emit.phase(Phase::Preparing);
    let run = run::Run { scenario, target, opts, cancel, model: model::of(scenario), emit: &emit };
    let result = run.go().await;
    let ending = match &result {
        Ok(report) => {
            emit.report(report);
            observer::ending(report)
        }
        Err(_) => Ending::Error,
    };
    emit.phase(Phase::Finished(ending));
    result
}
