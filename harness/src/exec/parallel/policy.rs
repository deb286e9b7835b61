//! When parallel execution does not pay, run sequentially: the executor keeps the cost
//! per gas of recent blocks in each mode, runs the next block in the cheaper one, and
//! now and then tries the other (after 4 blocks, then 8, 16, ... up to 64 while the
//! choice holds; back to 4 when it flips). Consecutive blocks of a steady load cost
//! alike, so the measured past predicts the next block; no threshold is tuned to one
//! machine, and a contended load or an in-memory state on few cores ends up
//! sequential, while state-read latency or many cores keep it parallel.

/// Weight of the newest block in a mode's cost.
const ALPHA: f64 = 0.5;
const FIRST_INTERVAL: u32 = 4;
const MAX_INTERVAL: u32 = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Parallel,
    Sequential,
}

impl Mode {
    fn other(self) -> Self {
        match self {
            Self::Parallel => Self::Sequential,
            Self::Sequential => Self::Parallel,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    /// Nanoseconds per gas, smoothed, of blocks run in parallel and sequentially.
    parallel: Option<f64>,
    sequential: Option<f64>,
    /// Blocks until the other mode is tried again, and the interval after that.
    countdown: u32,
    interval: u32,
    /// The block being run tries the other mode.
    probing: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self { parallel: None, sequential: None, countdown: FIRST_INTERVAL, interval: FIRST_INTERVAL, probing: false }
    }
}

impl Policy {
    fn best(&self) -> Option<Mode> {
        match (self.parallel, self.sequential) {
            (Some(p), Some(s)) => Some(if p <= s { Mode::Parallel } else { Mode::Sequential }),
            _ => None,
        }
    }

    /// The mode of the next block.
    pub fn next(&mut self) -> Mode {
        let Some(best) = self.best() else {
            // Measure each mode once, parallel first.
            self.probing = false;
            return if self.parallel.is_none() { Mode::Parallel } else { Mode::Sequential };
        };
        self.probing = self.countdown == 0;
        if self.probing {
            self.countdown = self.interval;
            return best.other();
        }
        self.countdown -= 1;
        best
    }

    /// What a block of `gas` cost in `mode`.
    pub fn observe(&mut self, mode: Mode, gas: u64, nanos: u64) {
        if gas == 0 {
            return;
        }
        let cost = nanos as f64 / gas as f64;
        let before = self.best();
        let slot = match mode {
            Mode::Parallel => &mut self.parallel,
            Mode::Sequential => &mut self.sequential,
        };
        *slot = Some(slot.map_or(cost, |c| ALPHA * cost + (1.0 - ALPHA) * c));
        if self.probing {
            self.interval = if self.best() == before { (self.interval * 2).min(MAX_INTERVAL) } else { FIRST_INTERVAL };
            self.countdown = self.interval;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs 100 blocks where a parallel block costs `p` and a sequential one `s`.
    fn modes(p: u64, s: u64) -> Vec<Mode> {
        let mut policy = Policy::default();
        (0..100)
            .map(|_| {
                let m = policy.next();
                policy.observe(m, 1_000, if m == Mode::Parallel { p } else { s });
                m
            })
            .collect()
    }

    #[test]
    fn the_cheaper_mode_wins_and_the_other_is_tried_ever_more_rarely() {
        for (p, s, best) in [(500, 1_000, Mode::Parallel), (1_500, 1_000, Mode::Sequential)] {
            let m = modes(p, s);
            assert_eq!(&m[..2], [Mode::Parallel, Mode::Sequential], "each mode measured once first");
            let probes: Vec<usize> = (2..100).filter(|i| m[*i] != best).collect();
            assert_eq!(probes, [6, 15, 32, 65], "{p} vs {s}");
        }
    }

    #[test]
    fn a_flip_is_followed_and_probing_restarts_often() {
        let mut policy = Policy::default();
        for _ in 0..40 {
            let m = policy.next();
            policy.observe(m, 1_000, if m == Mode::Parallel { 500 } else { 1_000 });
        }
        // The load turns contended: parallel now costs three times as much.
        let after: Vec<Mode> = (0..80)
            .map(|_| {
                let m = policy.next();
                policy.observe(m, 1_000, if m == Mode::Parallel { 3_000 } else { 1_000 });
                m
            })
            .collect();
        let parallel = after.iter().filter(|m| **m == Mode::Parallel).count();
        assert!(after[70..].iter().all(|m| *m == Mode::Sequential), "{after:?}");
        assert!(parallel < 30, "{parallel} of 80 blocks still parallel");
    }
}
