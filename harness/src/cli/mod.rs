//! The command line: one file per subcommand. Exit codes: 0 success, 1 the run finished
//! but a check failed (effects, accounting, reconciliation with the chain, a gate), 2 bad
//! input or unreachable target, 3 the
//! target had a fault mid-run (report written, partial), 130
//! interrupted (the report is still written).

mod compare;
mod comparison;
mod exec_bench;
mod gate;
mod history;
mod log;
mod progress;
mod report;
mod run;
mod serve;
mod target;
mod validate;
mod workloads;

use std::{path::PathBuf, process::ExitCode};

use clap::{Args, Parser, Subcommand};

pub use self::run::finish as finish_run;
use crate::scenario::{Limits, Override};

/// Exit code: the run finished and every check passed.
pub use crate::runner::EXIT_OK;
use crate::runner::RunErrorKind;
/// Exit code: the run finished but a check failed.
pub const EXIT_CHECK_FAILED: u8 = RunErrorKind::CheckFailed.exit_code();
/// Exit code: bad input (scenario, flags) or an unusable target; nothing ran.
pub const EXIT_BAD_INPUT: u8 = RunErrorKind::BadInput.exit_code();
/// Exit code: the target had a fault mid-run (e.g. the node went away); the report was
/// written, marked partial, with the fault named.
pub const EXIT_TARGET_FAULT: u8 = RunErrorKind::FaultMidRun.exit_code();
/// Exit code: stopped by a signal; the report was written, marked interrupted.
pub const EXIT_INTERRUPTED: u8 = RunErrorKind::Interrupted.exit_code();

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
    /// Serve the HTTP API: post, follow, cancel and find runs (see docs/service.md).
    Serve(serve::ServeArgs),
    /// List or show the runs stored by `gasbench serve`.
    History(history::HistoryArgs),
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
    /// Memory a run may plan to use, MiB: a scenario whose estimate is larger is refused.
    /// Default: what the machine has available when the scenario is read.
    #[arg(long, env = "GASBENCH_MEMORY_AVAILABLE_MIB")]
    pub memory_available_mib: Option<u64>,
    /// Most cells a `sweep:` may have (each is a whole run); more is refused.
    #[arg(long, env = "GASBENCH_MAX_CELLS", default_value_t = crate::scenario::sweep::DEFAULT_MAX_CELLS)]
    pub max_cells: usize,
}

impl ScenarioArgs {
    /// The bounds the flags set.
    pub fn limits(&self) -> Limits {
        Limits {
            memory_available_bytes: self.memory_available_mib.map(|m| m << 20),
            max_sweep_cells: Some(self.max_cells),
        }
    }

    /// Reads and validates the scenario; errors are printed, located, and mapped to exit 2.
    pub fn load(&self) -> Result<crate::scenario::Scenario, ExitCode> {
        crate::scenario::load_file(&self.scenario, &self.overrides, &self.limits()).map_err(|e| {
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
        Command::Serve(args) => serve::run(&args),
        Command::History(args) => history::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Compare(args) => compare::run(&args),
    }
}
