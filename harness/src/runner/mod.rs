//! The runner: plans and signs the run, starts the target, drives the load (open or
//! closed) under one cancellation token, drains, checks effects, and assembles the
//! report. Stopping (Ctrl-C, SIGTERM, a cancelled token) still drains for a bounded
//! time and returns a report marked interrupted.

mod checks;
mod closed;
mod effects;
mod observer;
pub mod offline;
pub use observer::{Ending, LiveRun, Phase, RunObserver};
mod open;
mod progress;
mod reconcile;
pub mod setup;
mod submit;

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use alloy::primitives::U256;
use tokio_util::sync::CancellationToken;

use crate::{
    clock::Clock,
    lock,
    metrics::{Recorder, RecorderConfig},
    plan::{Keyring, PlannedTx, Planner, Prepared, RunCost, intended_times},
    report::{self, Outcome, Report, RunInfo},
    scenario::Scenario,
    targets::{self, ChainEvent, EventSink, Target, TargetError},
};

/// How a run is carried out (what to run is the scenario).
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Print a progress line every second to stderr.
    pub progress: bool,
    /// Concurrent `submit` calls towards the target.
    pub max_batches_in_flight: u32,
    /// A send later than this after its intended time counts as late.
    pub late_threshold: Duration,
    /// After a cancellation, the drain waits at most this long.
    pub cancelled_drain: Duration,
    /// Watch the run while it goes (the Prometheus exporter, the service).
    pub observers: Vec<Arc<dyn RunObserver>>,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            progress: false,
            max_batches_in_flight: 64,
            late_threshold: Duration::from_millis(10),
            cancelled_drain: Duration::from_secs(3),
            observers: Vec::new(),
        }
    }
}

/// Why a run could not produce a report.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error("cannot build the workloads: {0}")]
    Workload(#[from] workloads::WorkloadError),
    #[error(transparent)]
    Setup(#[from] setup::SetupError),
}

/// Runs `scenario` to the end (or until `cancel`), and returns its report.
pub async fn run(scenario: &Scenario, opts: &RunOptions, cancel: CancellationToken) -> Result<Report, RunError> {
    let target = targets::build(&scenario.target)?;
    run_on(scenario, target, opts, cancel).await
}

/// As [`run`], on a target built by the caller (tests, several targets side by side).
pub async fn run_on(
    scenario: &Scenario,
    target: Arc<dyn Target>,
    opts: &RunOptions,
    cancel: CancellationToken,
) -> Result<Report, RunError> {
    let observers = &opts.observers;
    observer::notify(observers, |o| o.phase(Phase::Preparing, std::time::SystemTime::now()));
    let result = run_phases(scenario, target, opts, cancel).await;
    let ending = match &result {
        Ok(report) => {
            observer::notify(observers, |o| o.report(report));
            observer::ending(report)
        }
        Err(_) => Ending::Error,
    };
    observer::notify(observers, |o| o.phase(Phase::Finished(ending), std::time::SystemTime::now()));
    result
}

/// Tells the observers that the run entered `phase`.
fn enter(opts: &RunOptions, phase: Phase) {
    observer::notify(&opts.observers, |o| o.phase(phase, std::time::SystemTime::now()));
}

async fn run_phases(
    scenario: &Scenario,
    target: Arc<dyn Target>,
    opts: &RunOptions,
    cancel: CancellationToken,
) -> Result<Report, RunError> {
    let keys = Arc::new(Keyring::derive(scenario.seed, scenario.accounts.count as usize));
    let deployer = Arc::new(Planner::deployer_keys(scenario.seed));
    let balance = U256::from(scenario.accounts.balance_eth) * U256::from(10u64).pow(U256::from(18));
    let mut funded = keys.addresses().to_vec();
    funded.push(deployer.addresses()[0]);
    let mut nonces = target.prepare(&funded, balance).await?;
    let deployer_nonce = nonces.pop().unwrap_or(0);
    let info = target.info();
    let mut planner = Planner::new(scenario, keys.clone(), deployer.clone(), info.chain_id, nonces, deployer_nonce)?;
    let names = planner.workload_names();

    let warmup_ns = scenario.measure.warmup.get().as_nanos() as u64;
    let run_ns = scenario.run_length().as_nanos() as u64;
    let prepared = plan(scenario, &mut planner);
    let mut cost = RunCost::of(&prepared);
    if prepared.txs.is_empty() && scenario.load.closed.is_some() {
        // Planned while it runs: each account gets the scenario's balance on top.
        cost.allow_each(keys.addresses(), balance);
    }
    target.fund(&cost).await?;
    let mut signing = prepared.signing.clone();
    if opts.progress && signing.txs > 0 {
        eprintln!(
            "signed {} transactions ({} for the set-up) in {:.2}s on {} threads ({:.1} us/tx)",
            signing.txs,
            prepared.setup.iter().map(Vec::len).sum::<usize>(),
            signing.wall_seconds,
            signing.threads,
            signing.per_tx_us
        );
    }
    for w in prepared.warnings.iter().chain(&info.warnings) {
        eprintln!("warning: {w}");
    }

    let target_clock = Clock::start();
    let (sink, mut events) = EventSink::new(target_clock);
    target.start(sink).await?;
    let setup_timeout = scenario.measure.setup_timeout.get();
    enter(opts, Phase::SettingUp);
    let setup_report =
        match setup::run(&target, &prepared, &mut events, target_clock, setup_timeout, opts.progress, &cancel).await {
            Ok(r) => r,
            Err(e) => {
                target.stop().await;
                return Err(e.into());
            }
        };
    if opts.progress && setup_report.txs > 0 {
        eprintln!(
            "set-up: {} transactions in {} blocks, {:.1} Mgas, {:.2}s; starting the load",
            setup_report.txs,
            setup_report.blocks,
            setup_report.gas_used as f64 / 1e6,
            setup_report.seconds
        );
    }
    observer::notify(&opts.observers, |o| o.setup_done(setup_report.seconds));
    let baseline = target.accounts(keys.addresses()).await?;
    let checks_before = checks::read_all(target.as_ref(), &prepared.checks).await;
    // Where the chain stood: the reconciliation reads the blocks after this one.
    let head_before = target.head_number().await;
    let coinbase_before = match &head_before {
        Ok(h) => coinbase_balance(target.as_ref(), *h).await,
        Err(_) => None,
    };
    let mut reconciler = reconcile::Reconciler::default();

    // The load's clock starts now: intended times, the window and the series count from
    // here; the target's events are re-based onto it.
    let origin_ns = target_clock.now_ns();
    let cpu_at_start = crate::metrics::process_cpu_seconds();
    let clock = target_clock.shifted(origin_ns);
    let presigned = &prepared.txs;
    let cfg = RecorderConfig {
        workloads: names.clone(),
        window_start_ns: warmup_ns,
        window_end_ns: run_ns,
        late_threshold_ns: opts.late_threshold.as_nanos() as u64,
    };
    let recorder = Arc::new(Mutex::new(Recorder::new(cfg, presigned.len())));

    let progress_stop = CancellationToken::new();
    let offered_tps = scenario.load.open.as_ref().and_then(|o| o.rate);
    if opts.progress {
        tokio::spawn(progress::run(recorder.clone(), clock, offered_tps, progress_stop.clone()));
    }

    let live = LiveRun::new(
        recorder.clone(),
        target.clone(),
        clock,
        presigned.iter().map(|t| t.intended_ns).collect(),
        planned_counts(presigned, names.len()).into(),
        offered_tps,
    );
    observer::notify(&opts.observers, |o| o.live(&live));
    enter(opts, Phase::Load);
    let submitter = submit::Submitter::new(target.clone(), recorder.clone(), clock, opts.max_batches_in_flight);
    let load = async {
        match &scenario.load.closed {
            Some(c) => {
                let source = if c.count.is_some() {
                    closed::Source::Presigned(presigned)
                } else {
                    closed::Source::Lazy(&mut planner)
                };
                let (sent, signing_s) =
                    closed::run(source, c.in_flight, &submitter, &recorder, clock, run_ns, &cancel).await;
                (sent, signing_s)
            }
            None => {
                let n = open::run(presigned, &submitter, clock, run_ns, &cancel).await;
                (presigned[..n].to_vec(), 0.0)
            }
        }
    };
    tokio::pin!(load);

    // Feed chain events to the recorder while the load runs, then drain.
    let rebase = |mut ev: ChainEvent| {
        match &mut ev {
            ChainEvent::Block(b) => b.observed_ns = b.observed_ns.saturating_sub(origin_ns),
            ChainEvent::Reached { observed_ns, .. } => *observed_ns = observed_ns.saturating_sub(origin_ns),
            ChainEvent::Dropped { .. } => {}
        }
        ev
    };
    let mut load_result = None;
    let mut drain_until = None;
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    loop {
        tokio::select! {
            Some(ev) = events.recv() => {
                let ev = rebase(ev);
                reconciler.on_event(&ev);
                lock(&recorder).on_event(&ev, clock.now_ns());
            }
            res = &mut load, if load_result.is_none() => {
                load_result = Some((res, clock.now_ns()));
                enter(opts, Phase::Draining);
                drain_until = Some(clock.now_ns() + scenario.measure.drain_timeout.get().as_nanos() as u64);
            }
            _ = tick.tick() => {}
        }
        if let Some(until) = drain_until.as_mut() {
            if cancel.is_cancelled() {
                *until = (*until).min(clock.now_ns() + opts.cancelled_drain.as_nanos() as u64);
            }
            if lock(&recorder).pending() == 0 || clock.now_ns() >= *until {
                break;
            }
        }
    }
    let load_end_ns = clock.now_ns();
    enter(opts, Phase::Assessing);
    let cpu_seconds = cpu_at_start.zip(crate::metrics::process_cpu_seconds()).map(|(a, b)| b - a);
    target.stop().await;
    let health = target.health();
    while let Ok(ev) = events.try_recv() {
        let ev = rebase(ev);
        reconciler.on_event(&ev);
        lock(&recorder).on_event(&ev, clock.now_ns());
    }
    progress_stop.cancel();
    let ((sent_txs, signing_during), load_done_ns) = load_result.expect("the loop ends after the load");
    let actual_accounts = target.accounts(keys.addresses()).await;
    let checks_after = checks::read_all(target.as_ref(), &prepared.checks).await;
    // What was planned: the presigned plan, or what the lazy planner produced.
    let planned_txs: &[Arc<PlannedTx>] = if presigned.is_empty() { &sent_txs } else { presigned };
    let chain_read = match &head_before {
        Ok(h) => reconciler.read_chain(target.as_ref(), *h, planned_txs).await,
        Err(e) => Err(TargetError::Failed(e.to_string())),
    };
    let coinbase = match coinbase_before {
        Some((address, before)) => target
            .accounts(&[address])
            .await
            .ok()
            .and_then(|a| a.first().map(|a| a.balance))
            .map(|after| effects::CoinbaseDelta { address, before, after }),
        None => None,
    };
    let mut warnings = prepared.warnings.clone();
    warnings.extend(info.warnings.iter().cloned());
    warnings.extend(target.block_slots().and_then(|s| s.warning()));
    if let Err(e) = target.reclaim(&[&keys, &deployer]).await {
        warnings.push(format!("the funds could not all be drained back: {e}"));
    }
    let mut rec = lock(&recorder);
    rec.finish(load_end_ns);

    let planned_per_workload = planned_counts(planned_txs, names.len());
    let mut succeeded: Vec<BTreeMap<&'static str, u64>> = vec![BTreeMap::new(); names.len()];
    for t in planned_txs {
        if rec.included(t.id).is_some_and(|i| i.success) {
            *succeeded[t.workload as usize].entry(t.op).or_default() += 1;
        }
    }
    if presigned.is_empty() {
        signing.signed_during_run = sent_txs.len() as u64;
        signing.txs += sent_txs.len() as u64;
        signing.wall_seconds += signing_during;
        signing.per_tx_us = if signing.txs == 0 { 0.0 } else { signing.wall_seconds * 1e6 / signing.txs as f64 };
    }

    let reconciliation = match &chain_read {
        Ok(()) => reconciler.verdict(planned_txs, &rec, &baseline, &actual_accounts),
        Err(e) => reconcile::skipped(e),
    };
    let chain = effects::ChainView { blocks: reconciler.blocks(), coinbase };
    let mut effects = effects::check(&actual_accounts, keys.addresses(), &baseline, planned_txs, &rec, &chain);
    let ops = checks::ops_done(planned_txs, &rec, names.len());
    effects.checks.extend(checks::verdicts(&prepared.checks, &checks_before, &checks_after, &names, &succeeded, &ops));
    if effects.checks.iter().any(|c| c.verdict == "fail") {
        effects.verdict = "fail".into();
    }
    let interrupted = cancel.is_cancelled();
    let window_end = run_ns.min(load_end_ns).max(warmup_ns);
    let window_s = (window_end - warmup_ns) as f64 / 1e9;
    let offered_in_window = planned_txs.iter().filter(|t| (warmup_ns..run_ns).contains(&t.intended_ns)).count() as u64;
    let model = if scenario.load.closed.is_some() { "closed" } else { "open" };
    let accounting = rec.accounting(planned_txs.len() as u64);
    let workloads = rec.workloads(&planned_per_workload, &succeeded);
    let mut load = rec.load(model, offered_in_window, window_s, scenario.load.closed.as_ref().map(|c| c.in_flight));
    load.harness_cpu_seconds = cpu_seconds;
    load.harness_cpu_us_per_tx = cpu_seconds.filter(|_| accounting.sent > 0).map(|s| s * 1e6 / accounting.sent as f64);

    Ok(Report {
        report_version: report::REPORT_VERSION,
        tool: report::tool_info(),
        host: report::host_info(),
        run: RunInfo {
            scenario_name: scenario.name.clone(),
            seed: scenario.seed,
            started_at: humantime::format_rfc3339_millis(clock.wall_start()).to_string(),
            outcome: if interrupted { Outcome::Interrupted } else { Outcome::Completed },
            partial: interrupted || accounting.not_sent > 0 || health.fault.is_some(),
            warmup_seconds: warmup_ns as f64 / 1e9,
            window_seconds: window_s,
            elapsed_seconds: load_end_ns as f64 / 1e9,
            drain_seconds: load_end_ns.saturating_sub(load_done_ns) as f64 / 1e9,
            fault: health.fault.clone(),
        },
        scenario: serde_json::to_value(scenario).expect("a scenario always serializes"),
        // Asked again: the target learns facts while it runs (e.g. what funding did).
        target: report::TargetReport {
            exec: target.exec_counters(),
            slots: target.block_slots(),
            ..report::TargetReport::new(target.info(), health)
        },
        signing,
        setup: setup_report,
        warnings,
        load,
        throughput: rec.throughput(window_s),
        latency: rec.latencies(),
        fees: rec.fees(),
        workloads,
        accounting,
        failures: rec.failures(),
        effects,
        reconciliation,
        series: rec.series(),
        repetitions: Vec::new(),
    })
}

/// The coinbase of block `number` and its balance now.
async fn coinbase_balance(target: &dyn Target, number: u64) -> Option<(alloy::primitives::Address, U256)> {
    let block = target.blocks(number, number).await.ok()?.pop()?;
    let balance = target.accounts(&[block.coinbase]).await.ok()?.pop()?.balance;
    Some((block.coinbase, balance))
}

/// Plans and signs the run (the load is planned as it runs for a closed run without a
/// count).
fn plan(scenario: &Scenario, planner: &mut Planner) -> Prepared {
    match &scenario.load.closed {
        Some(c) => match c.count {
            Some(n) => planner.prepare(Some(&vec![0; n as usize])),
            None => planner.prepare(None),
        },
        None => planner.prepare(Some(&intended_times(&scenario.load.profile(scenario.run_length())))),
    }
}

/// Planned transactions per workload (mix index).
fn planned_counts(txs: &[Arc<PlannedTx>], workloads: usize) -> Vec<u64> {
    let mut n = vec![0u64; workloads];
    for t in txs {
        n[t.workload as usize] += 1;
    }
    n
}
