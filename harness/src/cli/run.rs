//! `gasbench run SCENARIO`: run it, show progress and a summary, write the JSON report.
//! Ctrl-C or SIGTERM stops the load, drains briefly and still writes the report. With
//! `--gates FILE` the report is then judged as `gasbench gate` would.

use std::{path::PathBuf, process::ExitCode, sync::Arc, time::Duration};

use clap::Args;
use tokio_util::sync::CancellationToken;

use super::{
    EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK, ScenarioArgs,
    gate::{self, GateOptions},
};
use crate::{
    metrics::prom::{MetricsError, MetricsServer, Registry, RunLabels, RunMetrics},
    report::{self, Report, gate::baseline::Identity},
    runner::{RunErrorKind, RunObserver, RunOptions},
    scenario::Scenario,
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
    /// Serve Prometheus metrics at http://ADDR/metrics for the whole run, e.g. 127.0.0.1:9464.
    #[arg(long, env = "GASBENCH_METRICS_LISTEN", value_name = "HOST:PORT")]
    pub metrics_listen: Option<String>,
    /// After the run, keep serving metrics this long so that the last scrape sees the
    /// final figures (e.g. 15s, 0s).
    #[arg(long, env = "GASBENCH_METRICS_LINGER", default_value = "15s", value_parser = humantime::parse_duration)]
    pub metrics_linger: Duration,
    /// The run's id in metrics (the `run_id` label); default: the scenario name and the
    /// start time.
    #[arg(long, env = "GASBENCH_RUN_ID")]
    pub run_id: Option<String>,
    /// Judge the report against this gates file (see docs/gates.md); a failed gate exits 1.
    #[arg(long, value_name = "FILE.yaml")]
    pub gates: Option<PathBuf>,
    #[command(flatten)]
    pub gate: GateOptions,
    /// Run the scenario this many times; the report keeps every repetition's figures and
    /// relative gates then compare distributions (docs/gates.md).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub repeat: u32,
    /// Also write the report as one self-contained HTML page with charts (docs/report.md).
    #[arg(long, env = "GASBENCH_HTML", value_name = "FILE.html")]
    pub html: Option<PathBuf>,
}

pub fn run(args: &RunArgs) -> ExitCode {
    super::log::init(args.quiet);
    let scenario = match args.scenario.load() {
        Ok(s) => s,
        Err(code) => return code,
    };
    if !scenario.sweep.is_empty() {
        return run_sweep(args, &scenario);
    }
    if !scenario.targets.is_empty() {
        return run_targets(args, &scenario);
    }
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
    let Some(rt) = runtime() else { return ExitCode::from(EXIT_BAD_INPUT) };
    let mut opts = options(args);
    let result = rt.block_on(async {
        let cancel = CancellationToken::new();
        tokio::spawn(stop_on_signal(cancel.clone()));
        let exporter = match &args.metrics_listen {
            Some(addr) => {
                let run_id = args.run_id.clone().unwrap_or_else(|| default_run_id(&scenario.name));
                match Exporter::start(addr, &scenario, run_id).await {
                    Ok(x) => {
                        if !args.quiet {
                            eprintln!("metrics at http://{}/metrics (run_id {})", x.server.addr(), x.run.run_id());
                        }
                        opts.observers.push(x.run.clone());
                        Some(x)
                    }
                    Err(e) => return Err(e),
                }
            }
            None => None,
        };
        let result = crate::orchestrate::repeat::run(&scenario, &opts, cancel.clone(), args.repeat).await;
        if let Some(x) = exporter {
            x.linger(args.metrics_linger, &cancel, args.quiet).await;
        }
        Ok(result)
    });
    let result = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    match result {
        Ok(report) => {
            let code = finish(&report, args.out.as_deref());
            let (gated, verdict) = match &gates {
                Some(gates) => {
                    let name = args.out.as_ref().map_or_else(|| "(this run)".to_string(), |p| p.display().to_string());
                    let (c, v) = gate::judge(gates, &report, &name, &args.gate);
                    (Some(c), v)
                }
                None => (None, None),
            };
            if let Some(path) = &args.html
                && let Err(c) = write_html(path, &report::html::render_run(&report, verdict.as_ref()))
            {
                return c;
            }
            // A fault, an interruption or a failed check outranks the gates' verdict.
            match gated {
                Some(verdict) if code == ExitCode::from(EXIT_OK) => verdict,
                _ => code,
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(hint) = e.hint() {
                eprintln!("  hint: {hint}");
            }
            ExitCode::from(e.kind().exit_code())
        }
    }
}

/// A scenario with `targets:`: each target in turn, one comparison.
fn run_targets(args: &RunArgs, scenario: &Scenario) -> ExitCode {
    let labels = crate::orchestrate::targets::labels(&scenario.targets);
    let what = format!("this scenario lists {} targets", scenario.targets.len());
    run_comparison(args, &labels, &what, |opts, cancel| {
        Box::pin(async move { crate::orchestrate::targets::run(scenario, &opts, cancel).await })
    })
}

/// A scenario with `sweep:`: each cell in turn, one comparison.
fn run_sweep(args: &RunArgs, scenario: &Scenario) -> ExitCode {
    let cells = match crate::scenario::sweep::cells(scenario, &args.scenario.limits()) {
        Ok(c) => c,
        Err(p) => {
            eprintln!("error: {}: {}", p.path, p.message);
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let labels: Vec<String> = cells.iter().map(|c| c.label.clone()).collect();
    let what = format!("this scenario sweeps {} cells", cells.len());
    run_comparison(args, &labels, &what, move |opts, cancel| {
        Box::pin(async move { crate::orchestrate::sweep::run(scenario, cells, &opts, cancel).await })
    })
}

type Comparing<'a> = std::pin::Pin<Box<dyn Future<Output = crate::report::compare::Comparison> + 'a>>;

/// Runs a comparison (of `labels`), prints and writes it, and judges its gates: those
/// across entries (`speedup(a, b)`) and the absolute ones on every entry.
fn run_comparison<'a>(
    args: &'a RunArgs,
    labels: &[String],
    what: &str,
    go: impl FnOnce(RunOptions, CancellationToken) -> Comparing<'a>,
) -> ExitCode {
    if args.metrics_listen.is_some() || args.repeat > 1 {
        eprintln!(
            "error: --metrics-listen and --repeat are for one run, and {what}\n  hint: run one of them on its own (`--set` its fields) to export or repeat it"
        );
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    let gates = match args.gates.as_deref().map(|g| gate::prepare_comparison(g, &args.gate, labels)).transpose() {
        Ok(g) => g,
        Err(code) => return code,
    };
    let Some(rt) = runtime() else { return ExitCode::from(EXIT_BAD_INPUT) };
    let opts = options(args);
    let comparison = rt.block_on(async {
        let cancel = CancellationToken::new();
        tokio::spawn(stop_on_signal(cancel.clone()));
        go(opts, cancel).await
    });
    let code = super::comparison::finish(&comparison, args.out.as_deref(), args.html.as_deref());
    match &gates {
        Some(g) if code == ExitCode::from(EXIT_OK) => {
            let name = args.out.as_ref().map_or_else(|| "(this run)".to_string(), |p| p.display().to_string());
            gate::judge_comparison(g, &comparison, &name, &args.gate)
        }
        _ => code,
    }
}

fn runtime() -> Option<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| eprintln!("error: cannot start the async runtime: {e}"))
        .ok()
}

/// How the run goes, from the flags.
fn options(args: &RunArgs) -> RunOptions {
    let progress: Arc<dyn RunObserver> = Arc::new(super::progress::ProgressLine { quiet: args.quiet });
    RunOptions {
        observers: vec![progress],
        max_batches_in_flight: args.max_batches_in_flight.max(1),
        late_threshold: Duration::from_millis(args.late_threshold_ms),
        ..RunOptions::default()
    }
}

/// The `/metrics` server of one CLI run.
struct Exporter {
    server: MetricsServer,
    run: Arc<RunMetrics>,
}

impl Exporter {
    async fn start(addr: &str, scenario: &Scenario, run_id: String) -> Result<Self, MetricsError> {
        let registry = Arc::new(Registry::new());
        let run = Arc::new(RunMetrics::new(RunLabels::of(scenario, run_id)));
        registry.add(run.clone());
        let server = MetricsServer::start(addr, registry).await?;
        Ok(Self { server, run })
    }

    /// Serves the final figures for `linger` more (a signal cuts it short), then stops.
    async fn linger(self, linger: Duration, cancel: &CancellationToken, quiet: bool) {
        if !linger.is_zero() && !cancel.is_cancelled() {
            if !quiet {
                eprintln!(
                    "serving the final metrics for {} more (--metrics-linger; Ctrl-C ends it)",
                    humantime::format_duration(linger)
                );
            }
            tokio::select! {
                () = tokio::time::sleep(linger) => {}
                () = cancel.cancelled() => {}
            }
        }
        self.server.stop().await;
    }
}

/// A run id that sorts by time: the scenario's name and the start time in milliseconds.
fn default_run_id(scenario: &str) -> String {
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
    format!("{scenario}-{ms}")
}

/// Cancels `token` on Ctrl-C or SIGTERM.
async fn stop_on_signal(token: CancellationToken) {
    signalled().await;
    eprintln!("stopping: draining in-flight transactions, then writing the report");
    token.cancel();
}

/// Returns on Ctrl-C or SIGTERM.
pub(super) async fn signalled() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = ctrl_c.await;
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
}

/// Writes an HTML page; a failure is said and gives exit 1 (the run itself is done).
pub fn write_html(path: &std::path::Path, html: &str) -> Result<(), ExitCode> {
    match report::html::write(html, path) {
        Ok(()) => {
            eprintln!("HTML report written to {}", path.display());
            Ok(())
        }
        Err(e) => {
            eprintln!(
                "error: cannot write the HTML report to {}: {e}\n  hint: check the directory exists and is writable",
                path.display()
            );
            Err(ExitCode::from(EXIT_CHECK_FAILED))
        }
    }
}

/// Prints the summary, writes the report to `out`, and says how the run ended: the exit
/// code of `gasbench run` for this report.
pub fn finish(report: &Report, out: Option<&std::path::Path>) -> ExitCode {
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
    let kind = RunErrorKind::of_report(report);
    match kind {
        Some(RunErrorKind::FaultMidRun) => {
            eprintln!("error: target fault: {}", report.run.fault.as_deref().unwrap_or_default());
            eprintln!("  the report is partial; errors by kind: {:?}", report.target.errors);
        }
        Some(RunErrorKind::CheckFailed) => {
            eprintln!("error: a check failed (accounting, reconciliation or effects): see the summary above");
        }
        _ => {}
    }
    ExitCode::from(kind.map_or(EXIT_OK, RunErrorKind::exit_code))
}
