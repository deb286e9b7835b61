//! `gasbench exec-bench SCENARIO`: the sequential and parallel executors on the same
//! blocks of the scenario's load, interleaved; figures per executor, speedups, and
//! whether every run produced identical receipts and state (exit 1 if not).

use std::{path::PathBuf, process::ExitCode};

use clap::Args;

use super::{EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK, ScenarioArgs};
use crate::{
    bench::{self, BenchOptions},
    scenario::{EmbeddedSpec, TargetSpec},
};

#[derive(Debug, Args)]
pub struct ExecBenchArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Thread counts of the parallel executor, each run against the sequential one.
    #[arg(long, value_delimiter = ',', default_value = "1,2,4")]
    pub threads: Vec<usize>,
    /// Blocks to build from the scenario's load.
    #[arg(long, default_value_t = 10)]
    pub blocks: usize,
    /// Gas per block (by the transactions' gas limits); default: the scenario's
    /// `target.gas_limit`.
    #[arg(long)]
    pub block_gas: Option<u64>,
    /// Timed repetitions per executor (after one warm-up round), each running the
    /// executors in a random order.
    #[arg(long, default_value_t = 5)]
    pub reps: usize,
    /// Each repetition runs the blocks as many times as it takes the sequential executor
    /// this many seconds (so a repetition is long enough to time); 0 = one pass.
    #[arg(long, default_value_t = 1.0)]
    pub min_rep_seconds: f64,
    /// End every block with a payment from the block producer (coinbase) to the
    /// proposer, as builders do on mainnet.
    #[arg(long)]
    pub proposer_payment: bool,
    /// Modelled state-read latency in microseconds; default: the scenario's
    /// `target.state_read_latency_us`.
    #[arg(long)]
    pub latency_us: Option<u64>,
    /// Also run over hot ratios 0, 0.1, 0.5, 1 (every workload's pick dial) x threads.
    #[arg(long)]
    pub sweep: bool,
    /// Only Block-STM on every block (its raw cost), without the adaptive rows (the
    /// parallel executor choosing the cheaper mode per block, as on a chain) that run
    /// beside it by default.
    #[arg(long)]
    pub always_parallel: bool,
    /// Test only: alter every parallel run's result this way, to see the identical
    /// verdict turn (exit 1).
    #[arg(long, hide = true, value_enum)]
    pub inject_fault: Option<crate::exec::tamper::Fault>,
    /// Print the report as JSON instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Also write the JSON report here.
    #[arg(long, short, value_name = "FILE.json")]
    pub out: Option<PathBuf>,
}

fn bad(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(EXIT_BAD_INPUT)
}

pub fn run(args: &ExecBenchArgs) -> ExitCode {
    let scenario = match args.scenario.load() {
        Ok(s) => s,
        Err(code) => return code,
    };
    // The blocks are built from the scenario's workloads; a scenario written for another
    // target gets the embedded chain's defaults.
    let target = match &scenario.target {
        TargetSpec::Embedded(e) => e.clone(),
        _ => EmbeddedSpec::default(),
    };
    let block_gas = args.block_gas.unwrap_or(target.gas_limit);
    if args.threads.is_empty() || args.threads.iter().any(|t| !(1..=256).contains(t)) {
        return bad("--threads: give thread counts between 1 and 256, e.g. `--threads 1,2,4`");
    }
    if args.blocks == 0 || args.reps == 0 {
        return bad("--blocks and --reps must be at least 1");
    }
    if block_gas < 21_000 {
        return bad("--block-gas: below 21,000 not even a transfer fits");
    }
    if !(0.0..=600.0).contains(&args.min_rep_seconds) {
        return bad("--min-rep-seconds: between 0 and 600");
    }
    if args.latency_us.is_some_and(|u| u > 100_000) {
        return bad("--latency-us: at most 100,000 (100 ms)");
    }
    let opts = BenchOptions {
        threads: args.threads.clone(),
        blocks: args.blocks,
        block_gas,
        reps: args.reps,
        min_rep_seconds: args.min_rep_seconds,
        proposer_payment: args.proposer_payment,
        latency_us: args.latency_us,
        sweep: args.sweep,
        adaptive: !args.always_parallel,
        fault: args.inject_fault,
    };
    let report = match bench::run(&scenario, &opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let json = serde_json::to_string_pretty(&report).expect("the bench report serializes");
    if let Some(path) = &args.out
        && let Err(e) = std::fs::write(path, format!("{json}\n"))
    {
        eprintln!("error: cannot write {}: {e}", path.display());
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    if args.json {
        println!("{json}");
    } else {
        print!("{}", bench::table(&report));
    }
    ExitCode::from(if report.identical { EXIT_OK } else { EXIT_CHECK_FAILED })
}
