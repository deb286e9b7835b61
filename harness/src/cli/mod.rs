//! The command line: one file per subcommand. Exit codes: 0 success, 1 the run finished
//! but a check failed (effects, accounting, reconciliation with the chain, a gate), 2 bad
//! input or unreachable target, 3 the
//! target had a fault mid-run (report written, partial), 130
//! interrupted (the report is still written).

mod compare;
mod comparison;
mod exec_bench;
mod gate;
mod report;
mod run;
mod target;
mod validate;
mod workloads;

use std::{path::PathBuf, process::ExitCode};

use clap::{Args, Parser, Subcommand};

pub use self::run::finish as finish_run;
use crate::scenario::{Limits, Override};

/// Exit code: the run finished and every check passed.
pub const EXIT_OK: u8 = 0;
/// Exit code: the run finished but a check failed.
pub const EXIT_CHECK_FAILED: u8 = 1;
/// Exit code: bad input (scenario, flags) or an unusable target; nothing ran.
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code: the target had a fault mid-run (e.g. the node went away); the report was
/// written, marked partial, with the fault named.
pub const EXIT_TARGET_FAULT: u8 = 3;
/// Exit code: stopped by a signal; the report was written, marked interrupted.
pub const EXIT_INTERRUPTED: u8 = 130;

/// Gas and throughput benchmarking for EVM execution layers.
#[derive(Debug, Parser)]
#[command(name = "gasbench", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario and print (and optionally write) its report.
    Run(run::RunArgs),
    /// Check a scenario file without running it.
    Validate(validate::ValidateArgs),
    /// List the workload generators with their contention dials.
    Workloads,
    /// Compare the sequential and parallel block executors on the same blocks.
    ExecBench(exec_bench::ExecBenchArgs),
    /// Inspect a target node (`target probe URL`).
    Target(target::TargetArgs),
    /// Judge a stored report against a gates file (CI performance gates).
    Gate(gate::GateArgs),
    /// Write a stored report as a self-contained HTML page with charts.
    Report(report::ReportArgs),
    /// Stored reports side by side: figures, ratios to the first, a verdict each.
    Compare(compare::CompareArgs),
}

/// Flags shared by every command that reads a scenario.
#[derive(Debug, Clone, Args)]
pub struct ScenarioArgs {
    /// The scenario file (YAML); ready ones are in scenarios/.
    pub scenario: PathBuf,
    /// Override a field, e.g. `--set load.open.rate=5000` or `--set workloads[0].recipients=zipf(1.2)`.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub overrides: Vec<Override>,
    /// Most transactions a run may pre-sign (about 600 bytes of memory each).
    #[arg(long, env = "GASBENCH_MAX_TXS", default_value_t = Limits::default().max_txs)]
    pub max_txs: u64,
}

impl ScenarioArgs {
    /// Reads and validates the scenario; errors are printed, located, and mapped to exit 2.
    pub fn load(&self) -> Result<crate::scenario::Scenario, ExitCode> {
        crate::scenario::load_file(&self.scenario, &self.overrides, &Limits { max_txs: self.max_txs }).map_err(|e| {
            eprintln!("{e}");
            ExitCode::from(EXIT_BAD_INPUT)
        })
    }
}

/// Runs a parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Validate(args) => validate::run(&args),
        Command::Workloads => workloads::run(),
        Command::ExecBench(args) => exec_bench::run(&args),
        Command::Target(args) => target::run(&args),
        Command::Gate(args) => gate::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Compare(args) => compare::run(&args),
    }
}
