//! The load model: open (intended send times from a rate, constant or staged) or closed
//! (a fixed number of transactions in flight).

use core::time::Duration;

use serde::{Deserialize, Serialize};

use super::Dur;

/// `load:` holds exactly one of `open` or `closed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open: Option<OpenSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<ClosedSpec>,
    /// When the load is signed: streamed ahead of the schedule (bounded memory, the
    /// default) or all before the load (`presigned`).
    #[serde(default)]
    pub signing: SigningMode,
}

/// `load.signing`: when the load's transactions are signed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SigningMode {
    /// On threads of their own, a bounded distance (about a second) ahead of the
    /// schedule: memory stays flat however long the run.
    #[default]
    Streamed,
    /// All before the load: no signing competes with the target for CPU while it runs,
    /// but memory grows with the run (~0.4 KB per transaction).
    Presigned,
    /// Closed model without a count: each transaction is signed when its slot frees up
    /// (set by the runner; refused as a scenario value).
    Lazy,
}

impl SigningMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Streamed => "streamed",
            Self::Presigned => "presigned",
            Self::Lazy => "lazy",
        }
    }
}

/// Open model: transactions are sent at their intended times whatever the target does;
/// a slow target shows as latency, not as a lower rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenSpec {
    /// Constant rate, in transactions per second, over warmup + duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// A staged profile: each stage holds its rate for its duration, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stages: Option<Vec<Stage>>,
}

/// One stage of a staged open load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// Transactions per second.
    pub rate: f64,
    pub duration: Dur,
}

/// Closed model: keep `in_flight` transactions submitted but not yet included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClosedSpec {
    pub in_flight: u32,
    /// Stop after this many transactions (the measured duration bounds the run too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

impl LoadSpec {
    /// The total length of the stages (zero when there are none).
    pub fn stages_total(&self) -> Duration {
        self.open
            .as_ref()
            .and_then(|o| o.stages.as_ref())
            .map_or(Duration::ZERO, |s| s.iter().map(|s| s.duration.get()).sum())
    }

    /// The rate profile over `run`: (start offset, rate) segments, in order.
    pub fn profile(&self, run: Duration) -> Vec<(Duration, Duration, f64)> {
        let Some(open) = &self.open else { return Vec::new() };
        match (&open.rate, &open.stages) {
            (Some(rate), _) => vec![(Duration::ZERO, run, *rate)],
            (None, Some(stages)) => {
                let mut at = Duration::ZERO;
                stages
                    .iter()
                    .map(|s| {
                        let seg = (at, at + s.duration.get(), s.rate);
                        at += s.duration.get();
                        seg
                    })
                    .collect()
            }
            (None, None) => Vec::new(),
        }
    }

    /// How many transactions this load asks for over `run` (open: the integral of the
    /// rate; closed: the count, or `None` when only time bounds it).
    pub fn planned_count(&self, run: Duration) -> Option<f64> {
        if let Some(closed) = &self.closed {
            return closed.count.map(|c| c as f64);
        }
        Some(self.profile(run).iter().map(|(a, b, r)| (*b - *a).as_secs_f64() * r).sum())
    }
}
