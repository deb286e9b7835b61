//! The executor bench (`gasbench exec-bench`): a scenario's load cut into blocks, run by
//! the sequential executor and the parallel one at several thread counts on the same
//! blocks, interleaved, with figures per executor and a verdict on whether every run
//! produced identical outcomes and state. `--sweep` repeats it over hot ratios.

mod background;
mod blocks;
mod measure;
mod view;

use core::time::Duration;

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
    /// `None`: the scenario's `target.state_read_latency_us`.
    pub latency_us: Option<u64>,
    pub sweep: bool,
    /// Let the parallel executor pick the cheaper mode per block (as it does on a chain);
    /// false runs every block through Block-STM.
    pub adaptive: bool,
    /// Alter every parallel run's outcome or state this way (proving the identical
    /// verdict can fail); `None` on every real bench.
    pub fault: Option<crate::exec::tamper::Fault>,
}

/// One executor's figures over the repetitions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutorFigures {
    /// `sequential` or `parallel`.
    pub executor: String,
    pub threads: usize,
    pub tx_per_s: f64,
    pub mgas_per_s: f64,
    /// Median seconds for all blocks.
    pub median_seconds: f64,
    /// (max - min) / median of the repetitions, percent.
    pub spread_pct: f64,
    /// Median over repetitions of sequential seconds / these seconds (same repetition).
    pub speedup: f64,
    pub re_executions_per_tx: f64,
    pub aborts_per_tx: f64,
    pub suspended_reads_per_tx: f64,
    /// Modelled state reads that waited, per transaction (0 in memory).
    pub read_waits_per_tx: f64,
    /// Thread time per transaction not spent waiting for modelled reads, microseconds
    /// (wall time x threads - waits, mean over the repetitions): execution, bookkeeping
    /// and idle threads. Sequential: the work alone.
    pub busy_us_per_tx: f64,
    /// Blocks run sequentially by fallback (over every repetition, warm-up included).
    pub fallbacks: u64,
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
    /// Whether the parallel executor chose its mode per block (see `BenchOptions`).
    pub adaptive: bool,
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
        adaptive: o.adaptive,
        run,
        sweep,
        identical,
    })
}

fn bench(scenario: &Scenario, o: &BenchOptions, latency_us: u64, hot_ratio: Option<f64>) -> Result<BenchRun, RunError> {
    let blocks = Blocks::build(scenario, o.blocks, o.block_gas)?;
    let latency = Duration::from_micros(latency_us);
    let mut executors: Vec<Box<dyn Executor>> = vec![Box::new(Sequential::new(latency))];
    for &t in &o.threads {
        let config = ParallelConfig { adaptive: o.adaptive, ..ParallelConfig::new(t, latency) };
        let parallel: Box<dyn Executor> = Box::new(Parallel::new(config));
        executors.push(match o.fault {
            Some(fault) => Box::new(crate::exec::tamper::Tampered { inner: parallel, fault }),
            None => parallel,
        });
    }
    let (n0, ns0) = crate::exec::latency::waits();
    let ((runs, gas), background_cores) =
        background::measure(|| measure::interleaved(&mut executors, &blocks, o.reps.max(1)));
    let (n1, ns1) = crate::exec::latency::waits();
    let mean_read_wait_us = if n1 > n0 { (ns1 - ns0) as f64 / (n1 - n0) as f64 / 1e3 } else { 0.0 };
    let txs = blocks.txs();
    let reps = o.reps.max(1);
    let seq = runs[0].seconds.clone();
    let figures = runs
        .iter()
        .zip(core::iter::once(1).chain(o.threads.iter().copied()))
        .enumerate()
        .map(|(i, (r, threads))| {
            let med = measure::median(&r.seconds);
            let ratios: Vec<f64> = seq.iter().zip(&r.seconds).map(|(s, p)| s / p).collect();
            let c = r.counters.unwrap_or_default();
            let per_tx = |n: u64| if c.txs == 0 { 0.0 } else { n as f64 / c.txs as f64 };
            ExecutorFigures {
                executor: if i == 0 { "sequential" } else { "parallel" }.into(),
                threads,
                tx_per_s: txs as f64 / med,
                mgas_per_s: gas as f64 / med / 1e6,
                median_seconds: med,
                spread_pct: measure::spread_pct(&r.seconds),
                speedup: measure::median(&ratios),
                re_executions_per_tx: per_tx(c.re_executions),
                aborts_per_tx: per_tx(c.validation_aborts),
                suspended_reads_per_tx: per_tx(c.suspended_reads),
                read_waits_per_tx: r.waits as f64 / reps as f64 / txs.max(1) as f64,
                busy_us_per_tx: (r.seconds.iter().sum::<f64>() * threads as f64 - r.waited_ns as f64 / 1e9).max(0.0)
                    * 1e6
                    / reps as f64
                    / txs.max(1) as f64,
                fallbacks: c.fallbacks,
                identical: r.mismatch.is_none(),
                mismatch: r.mismatch.clone(),
            }
        })
        .collect();
    Ok(BenchRun {
        hot_ratio,
        blocks: blocks.blocks.len(),
        txs,
        gas,
        executors: figures,
        background_cores,
        mean_read_wait_us,
    })
}
