//! When parallel execution cannot pay: after a block where much of the work had to be
//! redone (re-executions and suspended reads per transaction above a threshold), the
//! next blocks run sequentially; parallel is tried again after a back-off that doubles
//! while the workload stays contended. Consecutive blocks of a steady load look alike,
//! so one contended block predicts the next.

use crate::exec::ExecCounters;

/// Redone work per transaction above which a block counts as contended: measured with
/// `exec-bench`, a block of swaps through one pool redoes ~0.6 per transaction at 2
/// threads and runs at ~0.6x of sequential.
const CONTENDED: f64 = 0.5;
const FIRST_BACKOFF: u32 = 2;
const MAX_BACKOFF: u32 = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Blocks still to run sequentially.
    skip: u32,
    /// Blocks to skip after the next contended one.
    backoff: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Self { skip: 0, backoff: FIRST_BACKOFF }
    }
}

impl Policy {
    /// Whether to run the next block in parallel.
    pub fn next_parallel(&mut self) -> bool {
        if self.skip > 0 {
            self.skip -= 1;
            return false;
        }
        true
    }

    /// What a block run in parallel cost.
    pub fn observe(&mut self, block: &ExecCounters) {
        let redone = (block.re_executions + block.suspended_reads) as f64 / block.txs.max(1) as f64;
        if redone > CONTENDED {
            self.skip = self.backoff;
            self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        } else {
            self.backoff = FIRST_BACKOFF;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(txs: u64, redone: u64) -> ExecCounters {
        ExecCounters { txs, re_executions: redone, ..Default::default() }
    }

    #[test]
    fn contended_blocks_back_off_exponentially_and_calm_ones_reset() {
        let mut p = Policy::default();
        let mut pattern = Vec::new();
        for _ in 0..12 {
            let parallel = p.next_parallel();
            if parallel {
                p.observe(&block(100, 80));
            }
            pattern.push(parallel);
        }
        let runs: Vec<usize> = pattern.iter().enumerate().filter(|(_, p)| **p).map(|(i, _)| i).collect();
        assert_eq!(runs, [0, 3, 8], "skips 2, then 4, then 8 blocks");
        let mut p = Policy::default();
        p.observe(&block(100, 80));
        assert!(!p.next_parallel() && !p.next_parallel() && p.next_parallel());
        p.observe(&block(100, 10));
        assert!(p.next_parallel(), "a calm block keeps the executor parallel");
        p.observe(&block(100, 80));
        assert_eq!(p.skip, FIRST_BACKOFF, "and resets the back-off");
    }
}
