//! The executor bench (`gasbench exec-bench`): a scenario's load cut into blocks, run by
//! the sequential executor and the parallel one (Block-STM on every block, and adaptive)
//! at several thread counts on the same blocks, in a random order per repetition, with
//! figures per executor, a confidence interval for every speedup, how each block ran,
//! and a verdict on whether every run produced identical outcomes and state. `--sweep`
//! repeats it over hot ratios.
//!
//! Every executor runs in this one process with the same allocator (the system's, glibc
//! malloc with its per-thread arenas): none is favoured by an allocator the others lack,
//! and it is the allocator the embedded chain runs with.

mod background;
mod blocks;
mod measure;
pub(crate) mod stats;
mod view;

use core::time::Duration;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use workloads::Pick;

pub use blocks::Blocks;
pub use view::table;

use crate::{
    exec::{Executor, Parallel, ParallelConfig, Sequential},
    report::{HostInfo, ToolInfo, host_info, tool_info},
    runner::RunError,
    scenario::{Scenario, TargetSpec},
};

/// Hot ratios of the sweep.
pub const SWEEP_RATIOS: [f64; 4] = [0.0, 0.1, 0.5, 1.0];

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub threads: Vec<usize>,
    pub blocks: usize,
    pub block_gas: u64,
    pub reps: usize,
    /// Each repetition runs the blocks enough times for about this much sequential work.
    pub min_rep_seconds: f64,
    /// `None`: the scenario's `target.state_read_latency_us`.
    pub latency_us: Option<u64>,
    pub sweep: bool,
    /// Also run the parallel executor as on a chain, picking the cheaper mode per block
    /// (beside Block-STM on every block, which always runs).
    pub adaptive: bool,
    /// End every block with a payment from the block producer (coinbase) to the
    /// proposer, as block builders do.
    pub proposer_payment: bool,
    /// Alter every parallel run's outcome or state this way (proving the identical
    /// verdict can fail); `None` on every real bench.
    pub fault: Option<crate::exec::tamper::Fault>,
}

/// One executor's figures over the repetitions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutorFigures {
    /// `sequential` or `parallel`.
    pub executor: String,
    /// Parallel only: the mode chosen per block (as on a chain), or Block-STM on every
    /// block.
    pub adaptive: bool,
    pub threads: usize,
    pub tx_per_s: f64,
    pub mgas_per_s: f64,
    /// Median seconds for all blocks.
    pub median_seconds: f64,
    /// (max - min) / median of the repetitions, percent.
    pub spread_pct: f64,
    /// Median over repetitions of sequential seconds / these seconds (same repetition).
    pub speedup: f64,
    /// 95% bootstrap confidence interval of `speedup` (the median of the per-repetition
    /// ratios), low and high.
    pub speedup_ci95: [f64; 2],
    pub re_executions_per_tx: f64,
    pub aborts_per_tx: f64,
    pub suspended_reads_per_tx: f64,
    /// First executions delayed by a dependency hint, per transaction.
    pub hint_waits_per_tx: f64,
    /// Share of transactions run in a task group (adjacent transactions predicted to
    /// form a chain, run in order on one worker).
    #[serde(default)]
    pub grouped_per_tx: f64,
    /// Modelled state reads that waited, per transaction (0 in memory).
    pub read_waits_per_tx: f64,
    /// Thread time per transaction spent on work, microseconds, measured per task on
    /// every worker (execution, validation, bookkeeping; not idle threads), less the
    /// waits for modelled reads. Sequential: its time less the waits.
    pub busy_us_per_tx: f64,
    /// Blocks run sequentially by fallback, over the timed repetitions.
    pub fallbacks: u64,
    /// Blocks of the timed repetitions by how they ran: `parallel`, or the reason they
    /// ran sequentially (`small_block`, `policy`, `coinbase`, `self_destruct`).
    pub modes: BTreeMap<String, u64>,
    /// How each block of the last timed pass ran (same words; `sequential` for the
    /// sequential executor).
    pub block_modes: Vec<String>,
    /// Outcomes and final state equal the sequential reference in every repetition.
    pub identical: bool,
    /// The first difference found, when not identical.
    pub mismatch: Option<String>,
}

/// One bench over one set of blocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchRun {
    /// The hot ratio imposed on every workload's pick dial (sweep), or none.
    pub hot_ratio: Option<f64>,
    pub blocks: usize,
    pub txs: usize,
    pub gas: u64,
    pub executors: Vec<ExecutorFigures>,
    /// Cores kept busy by other processes during the timed runs, on average (Linux).
    pub background_cores: Option<f64>,
    /// How long a modelled state read actually waited, on average (0 in memory).
    pub mean_read_wait_us: f64,
    /// Passes over the blocks per repetition.
    pub passes: usize,
    /// The order (indices into `executors`) each timed repetition ran them in.
    pub orders: Vec<Vec<usize>>,
}

/// The whole bench, as `--json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecBenchReport {
    pub tool: ToolInfo,
    pub host: HostInfo,
    pub scenario: String,
    pub seed: u64,
    pub block_gas: u64,
    pub state_read_latency_us: u64,
    pub repetitions: usize,
    /// Passes over the blocks in each repetition (about `min_rep_seconds` of sequential
    /// work each).
    pub passes_per_repetition: usize,
    pub min_rep_seconds: f64,
    /// Executors run in a random order in each repetition, drawn from this seed.
    pub order_seed: u64,
    /// Whether adaptive parallel rows were run beside Block-STM on every block.
    pub adaptive: bool,
    /// Every block ended with a payment from the coinbase to the proposer.
    pub proposer_payment: bool,
    /// The allocator every executor ran with.
    pub allocator: String,
    /// The scenario as written.
    pub run: BenchRun,
    /// Over hot ratio x threads (`--sweep`).
    pub sweep: Vec<BenchRun>,
    /// Every executor matched the sequential one everywhere.
    pub identical: bool,
}

/// Runs the bench.
pub fn run(scenario: &Scenario, o: &BenchOptions) -> Result<ExecBenchReport, RunError> {
    let latency_us = o.latency_us.unwrap_or(match &scenario.target {
        TargetSpec::Embedded(e) => e.state_read_latency_us,
        _ => 0,
    });
    let run = bench(scenario, o, latency_us, None)?;
    let mut sweep = Vec::new();
    if o.sweep {
        for ratio in SWEEP_RATIOS {
            let mut s = scenario.clone();
            for w in &mut s.workloads {
                w.set_pick(Pick::Hot { ratio, set_size: 1 });
            }
            sweep.push(bench(&s, o, latency_us, Some(ratio))?);
        }
    }
    let identical = run.executors.iter().chain(sweep.iter().flat_map(|r| &r.executors)).all(|e| e.identical);
    Ok(ExecBenchReport {
        tool: tool_info(),
        host: host_info(),
        scenario: scenario.name.clone(),
        seed: scenario.seed,
        block_gas: o.block_gas,
        state_read_latency_us: latency_us,
        repetitions: o.reps,
        passes_per_repetition: run.passes,
        min_rep_seconds: o.min_rep_seconds,
        order_seed: scenario.seed,
        adaptive: o.adaptive,
        proposer_payment: o.proposer_payment,
        allocator: "system (glibc malloc)".into(),
        run,
        sweep,
        identical,
    })
}

fn bench(scenario: &Scenario, o: &BenchOptions, latency_us: u64, hot_ratio: Option<f64>) -> Result<BenchRun, RunError> {
    let blocks = Blocks::build(scenario, o.blocks, o.block_gas, o.proposer_payment)?;
    let latency = Duration::from_micros(latency_us);
    let mut executors: Vec<Box<dyn Executor>> = vec![Box::new(Sequential::new(latency))];
    let mut rows = vec![(false, 1)];
    let modes = if o.adaptive { &[false, true][..] } else { &[false][..] };
    for &t in &o.threads {
        for &adaptive in modes {
            let config = ParallelConfig { adaptive, ..ParallelConfig::new(t, latency) };
            let parallel: Box<dyn Executor> = Box::new(Parallel::new(config));
            executors.push(match o.fault {
                Some(fault) => Box::new(crate::exec::tamper::Tampered { inner: parallel, fault }),
                None => parallel,
            });
            rows.push((adaptive, t));
        }
    }
    let schedule = measure::Schedule { reps: o.reps.max(1), min_rep_seconds: o.min_rep_seconds, seed: scenario.seed };
    let (n0, ns0) = crate::exec::latency::waits();
    let (m, background_cores) = background::measure(|| measure::interleaved(&mut executors, &blocks, schedule));
    let (n1, ns1) = crate::exec::latency::waits();
    let mean_read_wait_us = if n1 > n0 { (ns1 - ns0) as f64 / (n1 - n0) as f64 / 1e3 } else { 0.0 };
    let txs = blocks.txs();
    let timed_txs = (schedule.reps * m.passes * txs).max(1) as f64;
    let seq = m.runs[0].seconds.clone();
    let mut rng = stats::Rng::new(scenario.seed);
    let figures = m
        .runs
        .iter()
        .zip(&rows)
        .enumerate()
        .map(|(i, (r, &(adaptive, threads)))| {
            let med = stats::median(&r.seconds) / m.passes as f64;
            let ratios: Vec<f64> = seq.iter().zip(&r.seconds).map(|(s, p)| s / p).collect();
            let (lo, hi) = stats::bootstrap_median_ci(&ratios, &mut rng);
            let c = r.counters.unwrap_or_default();
            let per_tx = |n: u64| if c.txs == 0 { 0.0 } else { n as f64 / c.txs as f64 };
            let busy_s = match r.counters {
                Some(c) => c.busy_ns as f64 / 1e9,
                None => r.seconds.iter().sum::<f64>(),
            };
            ExecutorFigures {
                executor: if i == 0 { "sequential" } else { "parallel" }.into(),
                adaptive,
                threads,
                tx_per_s: txs as f64 / med,
                mgas_per_s: m.gas as f64 / med / 1e6,
                median_seconds: med,
                spread_pct: stats::spread_pct(&r.seconds),
                speedup: stats::median(&ratios),
                speedup_ci95: [lo, hi],
                re_executions_per_tx: per_tx(c.re_executions),
                aborts_per_tx: per_tx(c.validation_aborts),
                suspended_reads_per_tx: per_tx(c.suspended_reads),
                hint_waits_per_tx: per_tx(c.hint_waits),
                grouped_per_tx: per_tx(c.grouped_txs),
                read_waits_per_tx: r.waits as f64 / timed_txs,
                busy_us_per_tx: (busy_s - r.waited_ns as f64 / 1e9).max(0.0) * 1e6 / timed_txs,
                fallbacks: c.fallbacks,
                modes: c.modes().into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
                block_modes: r.block_modes.iter().map(|m| m.to_string()).collect(),
                identical: r.mismatch.is_none(),
                mismatch: r.mismatch.clone(),
            }
        })
        .collect();
    Ok(BenchRun {
        hot_ratio,
        blocks: blocks.blocks.len(),
        txs,
        gas: m.gas,
        executors: figures,
        background_cores,
        mean_read_wait_us,
        passes: m.passes,
        orders: m.orders,
    })
}
