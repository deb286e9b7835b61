//! gasbench: gas and throughput benchmarking for EVM execution layers.
//!
//! A run is a pipeline: scenario -> plan (workload generators, signing, schedule) ->
//! runner (open or closed load, cancellation) -> target -> recorder -> report.

pub mod clock;
pub mod exec;
pub mod plan;
pub mod scenario;
