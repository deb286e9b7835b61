//! Measurement: the recorder joins sends, acks and chain events with the plan and keeps
//! HDR histograms, counts, fees and a per-second series as raw sums ([`Measured`]), from
//! which `report::assemble` builds the report. It is deterministic given the timestamps it
//! is fed, and observable while a run goes on (`snapshot`, `live`, `measured`).

mod cpu;
pub(crate) mod hist;
mod live;
mod measured;
pub mod prom;
mod recorder;
pub mod series;
mod stage;

pub use cpu::{process_cpu_seconds, process_cpu_seconds_of};
pub use hist::{Hist, decode, encode, gas_summary, latency_summary};
pub use live::{FeeParts, LastBlock, LiveFigures, WorkloadLive};
pub use measured::{FeeSums, Measured, WorkloadMeasured};
pub use recorder::{Included, Outcome, Recorder, RecorderConfig, Resolved, Snapshot};
pub use stage::{Stage, StageHists};
