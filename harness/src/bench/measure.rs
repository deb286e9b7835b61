//! Runs executors over the same blocks: one warm-up round in a fixed order (sequential
//! first: its outcome is the reference), then timed repetitions, each running every
//! executor in a fresh random order (so none always follows the same neighbour), each
//! long enough to time (the block set run `passes` times). Times only the executors' own
//! work, and checks each repetition's outcomes and final state against the reference.

use std::time::Instant;

use super::{Blocks, stats::Rng};
use crate::exec::{ChainState, ExecCounters, Executor, TxOutcome, outcome_diff, state_diff};

/// One executor's runs.
#[derive(Debug)]
pub struct Runs {
    /// Seconds per repetition (all passes over all blocks).
    pub seconds: Vec<f64>,
    /// The first difference from the reference run, if any run had one.
    pub mismatch: Option<String>,
    /// What the executor counted over the timed repetitions (warm-up left out).
    pub counters: Option<ExecCounters>,
    /// Modelled state reads waited for, and nanoseconds waited, over the timed runs.
    pub waits: u64,
    pub waited_ns: u64,
    /// How each block of the last timed pass ran: `sequential`, `parallel`, or the
    /// reason it fell back.
    pub block_modes: Vec<&'static str>,
}

/// How the repetitions were run.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub reps: usize,
    /// Each repetition runs the block set this many times (at least once), so that the
    /// sequential executor works about `min_rep_seconds`.
    pub min_rep_seconds: f64,
    pub seed: u64,
}

/// What the schedule came to.
#[derive(Debug)]
pub struct Measured {
    pub runs: Vec<Runs>,
    /// Gas the blocks use (one pass).
    pub gas: u64,
    /// Passes over the block set per repetition.
    pub passes: usize,
    /// Executor indices in the order each timed repetition ran them.
    pub orders: Vec<Vec<usize>>,
}

/// What a pass produced, to compare.
struct Outcome {
    outcomes: Vec<TxOutcome>,
    state: ChainState,
}

fn mode(before: Option<ExecCounters>, after: Option<ExecCounters>) -> &'static str {
    let (Some(b), Some(a)) = (before, after) else { return "sequential" };
    let d = a.since(&b);
    d.modes().into_keys().next().unwrap_or("sequential")
}

fn run_once(exec: &mut dyn Executor, blocks: &Blocks, modes: Option<&mut Vec<&'static str>>) -> (f64, Outcome) {
    let mut state = blocks.state.clone();
    let mut outcomes = Vec::with_capacity(blocks.txs());
    let mut seconds = 0.0;
    let mut modes = modes;
    for (ctx, txs) in &blocks.blocks {
        let txs = txs.clone();
        let before = modes.is_some().then(|| exec.counters()).flatten();
        let start = Instant::now();
        let out = exec.execute(&mut state, ctx, txs);
        seconds += start.elapsed().as_secs_f64();
        if let Some(m) = modes.as_deref_mut() {
            m.push(mode(before, exec.counters()));
        }
        outcomes.extend(out);
    }
    (seconds, Outcome { outcomes, state })
}

/// Gas used by the included transactions of `outcomes`.
fn gas(outcomes: &[TxOutcome]) -> u64 {
    outcomes.iter().map(|o| if let TxOutcome::Included(r) = o { r.gas_used } else { 0 }).sum()
}

/// Runs `executors` (the first is the sequential reference) as `schedule` says.
pub fn interleaved(executors: &mut [Box<dyn Executor>], blocks: &Blocks, schedule: Schedule) -> Measured {
    let mut runs: Vec<Runs> = executors
        .iter()
        .map(|_| Runs {
            seconds: Vec::new(),
            mismatch: None,
            counters: None,
            waits: 0,
            waited_ns: 0,
            block_modes: Vec::new(),
        })
        .collect();
    // Warm-up, in the listed order: the reference first, and the length of a pass.
    let mut reference: Option<Outcome> = None;
    let mut pass_seconds = 0.0;
    for (exec, r) in executors.iter_mut().zip(&mut runs) {
        let (seconds, out) = run_once(exec.as_mut(), blocks, None);
        match &reference {
            None => {
                pass_seconds = seconds;
                reference = Some(out);
            }
            Some(refer) => r.mismatch = diff(refer, &out),
        }
    }
    let reference = reference.expect("the sequential reference ran");
    let passes =
        if pass_seconds > 0.0 { (schedule.min_rep_seconds / pass_seconds).ceil().clamp(1.0, 10_000.0) } else { 1.0 }
            as usize;
    let warm: Vec<Option<ExecCounters>> = executors.iter().map(|e| e.counters()).collect();
    let mut rng = Rng::new(schedule.seed);
    let mut orders = Vec::with_capacity(schedule.reps);
    for rep in 0..schedule.reps {
        let mut order: Vec<usize> = (0..executors.len()).collect();
        rng.shuffle(&mut order);
        for &i in &order {
            let (exec, r) = (&mut executors[i], &mut runs[i]);
            let (w0, ns0) = crate::exec::latency::waits();
            let mut seconds = 0.0;
            for pass in 0..passes {
                let last = rep + 1 == schedule.reps && pass + 1 == passes;
                let modes = last.then_some(&mut r.block_modes);
                let (s, out) = run_once(exec.as_mut(), blocks, modes);
                seconds += s;
                // Compared on the first pass of each repetition: enough to catch a
                // difference that depends on what ran before, without doubling the time.
                if pass == 0 && r.mismatch.is_none() {
                    r.mismatch = diff(&reference, &out);
                }
            }
            let (w1, ns1) = crate::exec::latency::waits();
            r.seconds.push(seconds);
            r.waits += w1 - w0;
            r.waited_ns += ns1 - ns0;
        }
        orders.push(order);
    }
    for ((exec, r), warm) in executors.iter().zip(&mut runs).zip(warm) {
        r.counters = exec.counters().map(|c| warm.map_or(c, |w| c.since(&w)));
    }
    Measured { runs, gas: gas(&reference.outcomes), passes, orders }
}

fn diff(reference: &Outcome, out: &Outcome) -> Option<String> {
    outcome_diff(&reference.outcomes, &out.outcomes).or_else(|| state_diff(&reference.state, &out.state))
}
