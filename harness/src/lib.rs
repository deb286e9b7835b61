//! gasbench: gas and throughput benchmarking for EVM execution layers.
//!
//! A run is a pipeline: scenario -> plan (workload generators, signing, schedule) ->
//! runner (open or closed load, cancellation) -> target -> recorder -> report.

pub mod bench;
pub mod cli;
pub mod clock;
pub mod exec;
pub mod metrics;
pub mod orchestrate;
pub mod plan;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod service;
pub mod targets;

/// Locks a mutex; a panicked holder already reported itself and the data stays usable.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
