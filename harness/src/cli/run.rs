//! `gasbench run SCENARIO`: run it, show progress and a summary, write the JSON report.
//! Ctrl-C or SIGTERM stops the load, drains briefly and still writes the report. With
//! `--gates FILE` the report is then judged as `gasbench gate` would.

use std::{path::PathBuf, process::ExitCode, time::Duration};

use clap::Args;
use tokio_util::sync::CancellationToken;

use super::{
    EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_TARGET_FAULT, ScenarioArgs,
    gate::{self, GateOptions},
};
use crate::{
    report::{self, Outcome, Report, gate::baseline::Identity},
    runner::{self, RunError, RunOptions},
};

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Write the versioned JSON report here.
    #[arg(long, short, env = "GASBENCH_OUT", value_name = "FILE.json")]
    pub out: Option<PathBuf>,
    /// No progress line; only the summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// Concurrent submissions towards the target.
    #[arg(long, env = "GASBENCH_MAX_BATCHES", default_value_t = 64)]
    pub max_batches_in_flight: u32,
    /// A send later than this many milliseconds after its intended time counts as late.
    #[arg(long, default_value_t = 10)]
    pub late_threshold_ms: u64,
    /// Judge the report against this gates file (see docs/gates.md); a failed gate exits 1.
    #[arg(long, value_name = "FILE.yaml")]
    pub gates: Option<PathBuf>,
    #[command(flatten)]
    pub gate: GateOptions,
}

pub fn run(args: &RunArgs) -> ExitCode {
    let scenario = match args.scenario.load() {
        Ok(s) => s,
        Err(code) => return code,
    };
    // A bad gates file or baseline is found before the run, not after it.
    let gates = match args.gates.as_deref().map(|g| gate::prepare(g, &args.gate)).transpose() {
        Ok(g) => g,
        Err(code) => return code,
    };
    // So is a baseline of another experiment (the mismatch is said again after the run).
    if let Some(g) = &gates
        && let Err(code) = gate::check_baseline(g, &Identity::of_scenario(&scenario), "this scenario", &args.gate)
    {
        return code;
    }
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let opts = RunOptions {
        progress: !args.quiet,
        max_batches_in_flight: args.max_batches_in_flight.max(1),
        late_threshold: Duration::from_millis(args.late_threshold_ms),
        ..RunOptions::default()
    };
    let result = rt.block_on(async {
        let cancel = CancellationToken::new();
        tokio::spawn(stop_on_signal(cancel.clone()));
        runner::run(&scenario, &opts, cancel).await
    });
    match result {
        Ok(report) => {
            let code = finish(&report, args.out.as_deref());
            let Some(gates) = gates else { return code };
            let name = args.out.as_ref().map_or_else(|| "(this run)".to_string(), |p| p.display().to_string());
            let verdict = gate::judge(&gates, &report, &name, &args.gate);
            // A fault, an interruption or a failed check outranks the gates' verdict.
            if code == ExitCode::from(EXIT_OK) { verdict } else { code }
        }
        Err(e) => {
            eprintln!("error: {e}");
            let hint = match e {
                RunError::Target(_) => "check the target settings in the scenario",
                RunError::Workload(_) => "check the workloads' dials against accounts.count",
                RunError::Setup(runner::setup::SetupError::Interrupted) => {
                    return ExitCode::from(EXIT_INTERRUPTED);
                }
                RunError::Setup(_) => {
                    "the set-up (deployments, provisioning) did not complete, so nothing was measured; \
                     see measure.setup_timeout and the target's capacity"
                }
            };
            eprintln!("  hint: {hint}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

/// Cancels `token` on Ctrl-C or SIGTERM.
async fn stop_on_signal(token: CancellationToken) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = ctrl_c.await;
                token.cancel();
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    eprintln!("stopping: draining in-flight transactions, then writing the report");
    token.cancel();
}

fn finish(report: &Report, out: Option<&std::path::Path>) -> ExitCode {
    println!("{}", report::summary_table(report));
    if let Some(path) = out {
        match report::write_json(report, path) {
            Ok(()) => eprintln!("report written to {}", path.display()),
            Err(e) => {
                eprintln!("error: cannot write the report to {}: {e}", path.display());
                return ExitCode::from(EXIT_CHECK_FAILED);
            }
        }
    }
    if report.run.outcome == Outcome::Interrupted {
        return ExitCode::from(EXIT_INTERRUPTED);
    }
    if let Some(fault) = &report.run.fault {
        eprintln!("error: target fault: {fault}");
        eprintln!("  the report is partial; errors by kind: {:?}", report.target.errors);
        return ExitCode::from(EXIT_TARGET_FAULT);
    }
    if !report.accounting.balanced || report.effects.verdict == "fail" || report.failures.anomalies > 0 {
        eprintln!("error: a check failed (accounting or effects): see the summary above");
        return ExitCode::from(EXIT_CHECK_FAILED);
    }
    ExitCode::from(EXIT_OK)
}
