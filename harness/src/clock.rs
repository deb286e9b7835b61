//! One monotonic clock per run, anchored to wall-clock time for reports. Every instant
//! of a run (intended send, ack, block observed) is nanoseconds since the anchor.

use std::time::{Duration, Instant, SystemTime};

/// The run's clock. Cheap to copy.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    start: Instant,
    wall: SystemTime,
}

impl Clock {
    /// Starts the clock now.
    pub fn start() -> Self {
        Self { start: Instant::now(), wall: SystemTime::now() }
    }

    /// Nanoseconds since the anchor.
    pub fn now_ns(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }

    /// The `Instant` of an offset, for sleeping until it.
    pub fn instant_at(&self, ns: u64) -> Instant {
        self.start + Duration::from_nanos(ns)
    }

    /// The same clock re-anchored `ns` later: the load's clock, after the set-up.
    pub fn shifted(&self, ns: u64) -> Self {
        let by = Duration::from_nanos(ns);
        Self { start: self.start + by, wall: self.wall + by }
    }

    /// Wall-clock time of the anchor.
    pub fn wall_start(&self) -> SystemTime {
        self.wall
    }
}
