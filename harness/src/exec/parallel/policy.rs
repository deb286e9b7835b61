//! When parallel execution does not pay, run sequentially: the executor keeps the cost
//! per gas of its last 3 measured blocks in each mode and takes the lowest as what the
//! mode costs (a block slowed by the machine, a preemption or a page fault, only adds
//! time: in exec-bench's mainnet-like blocks one parallel block in 30 cost 2-3 times
//! the others, and a smoothed average flipped the choice on it), runs the next block in
//! the cheaper mode, and now and then tries the other (after 4 blocks, then 8, 16, ...
//! up to 64 while the choice holds; back to 4 when it flips). The first block after a
//! switch of mode pays for the switch (caches of the other mode's data gone cold, a
//! worker asleep): in exec-bench's mainnet-like blocks it cost 8-17% more than the
//! blocks after it, more than the modes' difference, so a try judged on it kept the
//! mode running. Such a block is not measured: a try runs two blocks in the other mode
//! and measures the second, and the block after a try is not measured either. A try of
//! the other mode costs what that mode is dearer, so tries are also spaced to spend at
//! most 1% of the time on them: when one mode is 1.8 times as dear as the other, it is
//! tried every 160 blocks at most (never rarer than every 256). Consecutive blocks of a
//! steady load cost alike, so the measured past predicts the next block; no threshold
//! is tuned to one machine, and a contended load or an in-memory state on few cores
//! ends up sequential, while state-read latency or many cores keep it parallel. With
//! one thread the executor does not ask the policy: every block runs sequentially
//! (nothing would overlap).

/// Measured blocks kept per mode.
const KEEP: usize = 3;
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

/// A mode's last measured costs, nanoseconds per gas (at most [`KEEP`]).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Costs {
    last: [f64; KEEP],
    n: usize,
}

impl Costs {
    fn push(&mut self, cost: f64) {
        self.last[self.n % KEEP] = cost;
        self.n += 1;
    }

    /// What the mode costs: the lowest of its last blocks.
    fn get(&self) -> Option<f64> {
        self.last[..self.n.min(KEEP)].iter().copied().reduce(f64::min)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    /// Costs of recent blocks run in parallel and sequentially.
    parallel: Costs,
    sequential: Costs,
    /// Blocks until the other mode is tried again, and the interval after that.
    countdown: u32,
    interval: u32,
    /// A try of the other mode is under way (until it has measured one block).
    probing: bool,
    /// The mode of the block before, and whether the block being run is in the same
    /// mode (only then is it measured).
    last: Option<Mode>,
    same: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            parallel: Costs::default(),
            sequential: Costs::default(),
            countdown: FIRST_INTERVAL,
            interval: FIRST_INTERVAL,
            probing: false,
            last: None,
            same: false,
        }
    }
}

impl Policy {
    fn best(&self) -> Option<Mode> {
        match (self.parallel.get(), self.sequential.get()) {
            (Some(p), Some(s)) => Some(if p <= s { Mode::Parallel } else { Mode::Sequential }),
            _ => None,
        }
    }

    /// Blocks between tries of the dearer mode that keep their cost within the budget.
    fn budget_interval(&self) -> u32 {
        match (self.parallel.get(), self.sequential.get()) {
            (Some(p), Some(s)) if p > 0.0 && s > 0.0 => {
                // A try runs two blocks of the dearer mode.
                let extra = 2.0 * (p.max(s) / p.min(s) - 1.0);
                (extra / PROBE_BUDGET).ceil().min(f64::from(MAX_BUDGET_INTERVAL)) as u32
            }
            _ => 0,
        }
    }

    /// The mode of the next block.
    pub fn next(&mut self) -> Mode {
        let mode = self.pick();
        self.same = self.last == Some(mode);
        self.last = Some(mode);
        mode
    }

    fn pick(&mut self) -> Mode {
        let Some(best) = self.best() else {
            // Measure each mode once, parallel first.
            return if self.parallel.get().is_none() { Mode::Parallel } else { Mode::Sequential };
        };
        if self.probing {
            return best.other();
        }
        if self.countdown == 0 {
            self.probing = true;
            self.countdown = self.interval;
            return best.other();
        }
        self.countdown -= 1;
        best
    }

    /// What a block of `gas` cost in `mode`; a block that switched mode is not
    /// measured.
    pub fn observe(&mut self, mode: Mode, gas: u64, nanos: u64) {
        if gas == 0 || !self.same {
            return;
        }
        let cost = nanos as f64 / gas as f64;
        let before = self.best();
        let slot = match mode {
            Mode::Parallel => &mut self.parallel,
            Mode::Sequential => &mut self.sequential,
        };
        // A try's block replaces what the tried mode cost before (it ran long ago).
        if self.probing {
            *slot = Costs::default();
        }
        slot.push(cost);
        let measured_both = before.is_none() && self.best().is_some();
        if self.probing || measured_both {
            let schedule = if self.probing && self.best() == before {
                (self.interval * 2).min(MAX_INTERVAL)
            } else {
                FIRST_INTERVAL
            };
            self.interval = schedule.max(self.budget_interval());
            self.countdown = self.interval;
            self.probing = false;
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
        let probes = (4..n).filter(|i| m[*i] != best).collect();
        (m, probes)
    }

    #[test]
    fn the_cheaper_mode_wins_and_the_other_is_tried_ever_more_rarely() {
        // Close costs: a try costs little, so the schedule alone spaces them.
        for (p, s) in [(995, 1_000), (1_000, 995)] {
            let (m, probes) = modes(100, p, s);
            // Each mode measured once first, on its second block.
            assert_eq!(&m[..4], [Mode::Parallel, Mode::Parallel, Mode::Sequential, Mode::Sequential]);
            // Each try is two blocks, the second measured.
            assert_eq!(probes, [8, 9, 18, 19, 36, 37, 70, 71], "{p} vs {s}");
        }
    }

    #[test]
    fn a_much_dearer_mode_is_tried_within_the_budget() {
        // Twice as dear: a try (two blocks) costs two whole blocks, so one in 200.
        for (p, s) in [(500, 1_000), (1_000, 500)] {
            let (_, probes) = modes(300, p, s);
            assert_eq!(probes, [204, 205], "{p} vs {s}");
        }
        // 1.5 times as dear: every 100 blocks (more than the schedule's 64).
        let (_, probes) = modes(300, 1_500, 1_000);
        assert_eq!(probes, [104, 105, 206, 207]);
        // However dear, tried at least every 256 blocks.
        let (_, probes) = modes(600, 100, 100_000);
        assert_eq!(probes, [260, 261, 518, 519]);
    }

    #[test]
    fn a_try_is_judged_on_its_second_block_not_on_the_switch() {
        // Parallel is dear at first (a contended load), then 10% cheaper than
        // sequential; but the first block after a switch of mode costs 20% more either
        // way (cold caches, a worker asleep). Judged on that first block, every try of
        // parallel looked dearer than staying sequential, and the policy stayed there.
        let mut policy = Policy::default();
        let mut last = None;
        let mut run = |n: usize, parallel: u64| -> Vec<Mode> {
            (0..n)
                .map(|_| {
                    let m = policy.next();
                    let cost = match m {
                        _ if last != Some(m) => 1_200,
                        Mode::Parallel => parallel,
                        Mode::Sequential => 1_000,
                    };
                    policy.observe(m, 1_000, cost);
                    last = Some(m);
                    m
                })
                .collect()
        };
        let contended = run(40, 1_300);
        assert_eq!(contended[20..].iter().filter(|m| **m == Mode::Parallel).count(), 0, "{contended:?}");
        let after = run(200, 900);
        let parallel = after[100..].iter().filter(|m| **m == Mode::Parallel).count();
        assert!(parallel >= 90, "{parallel} of the last 100 blocks parallel: {after:?}");
    }

    #[test]
    fn one_slow_block_does_not_flip_the_choice() {
        // Parallel costs 900, sequential 1,000; one parallel block in 10 is slowed by the
        // machine to 3,000. A smoothed average (half weight on the newest block) turned to
        // sequential on each slow block and stayed there until the next try.
        let mut policy = Policy::default();
        let mut parallel = 0;
        let m: Vec<Mode> = (0..200)
            .map(|_| {
                let m = policy.next();
                let cost = match m {
                    Mode::Parallel => {
                        parallel += 1;
                        if parallel % 10 == 0 { 3_000 } else { 900 }
                    }
                    Mode::Sequential => 1_000,
                };
                policy.observe(m, 1_000, cost);
                m
            })
            .collect();
        let chosen = m[100..].iter().filter(|m| **m == Mode::Parallel).count();
        assert!(chosen >= 90, "{chosen} of the last 100 blocks parallel: {m:?}");
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
