//! Runs made of runs, above `runner::run_on`: a scenario's `targets:` one after the other,
//! and (with the same pieces) repetitions and sweeps. Each gives a comparison report
//! where a run that failed is an entry with its error, never left out.

pub mod repeat;
pub mod sweep;
pub mod targets;

use crate::runner::{RunError, setup::SetupError};

/// The class of a run's error, as a comparison entry records it.
pub fn error_kind(e: &RunError) -> &'static str {
    match e {
        RunError::Target(_) => "target",
        RunError::Workload(_) => "workload",
        RunError::Setup(SetupError::Interrupted) => "interrupted",
        RunError::Setup(_) => "setup",
    }
}
