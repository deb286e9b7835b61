//! Runs executors over the same blocks, interleaved (sequential, then each parallel
//! configuration, repeated), timing only the executors' own work, and checks every
//! run's outcomes and final state against the first sequential run.

use std::time::Instant;

use super::Blocks;
use crate::exec::{ChainState, ExecCounters, Executor, TxOutcome, outcome_diff, state_diff};

/// One executor's runs.
#[derive(Debug)]
pub struct Runs {
    /// Seconds per repetition (all blocks).
    pub seconds: Vec<f64>,
    /// The first difference from the reference run, if any run had one.
    pub mismatch: Option<String>,
    pub counters: Option<ExecCounters>,
    /// Modelled state reads waited for, and nanoseconds waited, over the timed runs.
    pub waits: u64,
    pub waited_ns: u64,
}

/// What a run produced, to compare.
struct Outcome {
    outcomes: Vec<TxOutcome>,
    state: ChainState,
}

fn run_once(exec: &mut dyn Executor, blocks: &Blocks) -> (f64, Outcome) {
    let mut state = blocks.state.clone();
    let mut outcomes = Vec::with_capacity(blocks.txs());
    let mut seconds = 0.0;
    for (ctx, txs) in &blocks.blocks {
        let txs = txs.clone();
        let start = Instant::now();
        let out = exec.execute(&mut state, ctx, txs);
        seconds += start.elapsed().as_secs_f64();
        outcomes.extend(out);
    }
    (seconds, Outcome { outcomes, state })
}

/// Gas used by the included transactions of `outcomes`.
fn gas(outcomes: &[TxOutcome]) -> u64 {
    outcomes.iter().map(|o| if let TxOutcome::Included(r) = o { r.gas_used } else { 0 }).sum()
}

/// Runs `executors` (the first is the reference) `reps` times each, interleaved, after
/// one unrecorded warm-up round; returns their runs and the gas the blocks used.
pub fn interleaved(executors: &mut [Box<dyn Executor>], blocks: &Blocks, reps: usize) -> (Vec<Runs>, u64) {
    let mut runs: Vec<Runs> = executors
        .iter()
        .map(|_| Runs { seconds: Vec::new(), mismatch: None, counters: None, waits: 0, waited_ns: 0 })
        .collect();
    let mut reference: Option<Outcome> = None;
    for rep in 0..=reps {
        for (exec, r) in executors.iter_mut().zip(&mut runs) {
            let (w0, ns0) = crate::exec::latency::waits();
            let (seconds, out) = run_once(exec.as_mut(), blocks);
            let (w1, ns1) = crate::exec::latency::waits();
            if rep > 0 {
                r.seconds.push(seconds);
                r.waits += w1 - w0;
                r.waited_ns += ns1 - ns0;
            }
            match &reference {
                None => reference = Some(out),
                Some(refer) => {
                    if r.mismatch.is_none() {
                        r.mismatch = outcome_diff(&refer.outcomes, &out.outcomes)
                            .or_else(|| state_diff(&refer.state, &out.state));
                    }
                }
            }
        }
    }
    for (exec, r) in executors.iter().zip(&mut runs) {
        r.counters = exec.counters();
    }
    let gas = reference.map_or(0, |r| gas(&r.outcomes));
    (runs, gas)
}

/// The median of `v` (not empty).
pub fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 { s[n / 2] } else { (s[n / 2 - 1] + s[n / 2]) / 2.0 }
}

/// (max - min) / median, in percent.
pub fn spread_pct(v: &[f64]) -> f64 {
    let (lo, hi) = v.iter().fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
    (hi - lo) / median(v) * 100.0
}
