//! When parallel execution does not pay, run sequentially: the executor keeps the cost
//! per gas of recent blocks in each mode, runs the next block in the cheaper one, and
//! now and then tries the other (after 4 blocks, then 8, 16, ... up to 64 while the
//! choice holds; back to 4 when it flips). A try of the other mode costs what that
//! mode is dearer, so tries are also spaced to spend at most 1% of the time on them:
//! when one mode is 1.8 times as dear as the other, it is tried every 80 blocks at most
//! (never rarer than every 256). Consecutive blocks of a steady load cost alike, so the
//! measured past predicts the next block; no threshold is tuned to one machine, and a
//! contended load or an in-memory state on few cores ends up sequential, while
//! state-read latency or many cores keep it parallel. With one thread the executor
//! does not ask the policy: every block runs sequentially (nothing would overlap).

/// Weight of the newest block in a mode's cost.
const ALPHA: f64 = 0.5;
const FIRST_INTERVAL: u32 = 4;
const MAX_INTERVAL: u32 = 64;
/// Share of the time that tries of the dearer mode may cost.
const PROBE_BUDGET: f64 = 0.01;
/// Tries are never rarer than this, however dear the other mode.
const MAX_BUDGET_INTERVAL: u32 = 256;

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

    /// Blocks between tries of the dearer mode that keep their cost within the budget.
    fn budget_interval(&self) -> u32 {
        match (self.parallel, self.sequential) {
            (Some(p), Some(s)) if p > 0.0 && s > 0.0 => {
                let extra = p.max(s) / p.min(s) - 1.0;
                (extra / PROBE_BUDGET).ceil().min(f64::from(MAX_BUDGET_INTERVAL)) as u32
            }
            _ => 0,
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
        let measured_both = before.is_none() && self.best().is_some();
        if self.probing || measured_both {
            let schedule = if self.probing && self.best() == before {
                (self.interval * 2).min(MAX_INTERVAL)
            } else {
                FIRST_INTERVAL
            };
            self.interval = schedule.max(self.budget_interval());
            self.countdown = self.interval;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `n` blocks where a parallel block costs `p` and a sequential one `s`; returns
    /// each block's mode and the blocks that tried the dearer mode.
    fn modes(n: usize, p: u64, s: u64) -> (Vec<Mode>, Vec<usize>) {
        let mut policy = Policy::default();
        let m: Vec<Mode> = (0..n)
            .map(|_| {
                let m = policy.next();
                policy.observe(m, 1_000, if m == Mode::Parallel { p } else { s });
                m
            })
            .collect();
        let best = if p <= s { Mode::Parallel } else { Mode::Sequential };
        let probes = (2..n).filter(|i| m[*i] != best).collect();
        (m, probes)
    }

    #[test]
    fn the_cheaper_mode_wins_and_the_other_is_tried_ever_more_rarely() {
        // Close costs: a try costs little, so the schedule alone spaces them.
        for (p, s) in [(995, 1_000), (1_000, 995)] {
            let (m, probes) = modes(100, p, s);
            assert_eq!(&m[..2], [Mode::Parallel, Mode::Sequential], "each mode measured once first");
            assert_eq!(probes, [6, 15, 32, 65], "{p} vs {s}");
        }
    }

    #[test]
    fn a_much_dearer_mode_is_tried_within_the_budget() {
        // Twice as dear: a try costs a whole block, so one in 100 blocks.
        for (p, s) in [(500, 1_000), (1_000, 500)] {
            let (_, probes) = modes(300, p, s);
            assert_eq!(probes, [102, 203], "{p} vs {s}");
        }
        // 1.5 times as dear: every 50 blocks at first, then the schedule's 64.
        let (_, probes) = modes(300, 1_500, 1_000);
        assert_eq!(probes, [52, 117, 182, 247]);
        // However dear, tried at least every 256 blocks.
        let (_, probes) = modes(600, 100, 100_000);
        assert_eq!(probes, [258, 515]);
    }

    #[test]
    fn a_load_turning_contended_is_followed() {
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
