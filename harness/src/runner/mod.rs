//! The runner: plans and signs the run, starts the target, drives the load (open or
//! closed) under one cancellation token, drains, checks effects, and assembles the
//! report. Stopping (Ctrl-C, SIGTERM, a cancelled token) still drains for a bounded
//! time and returns a report marked interrupted.

mod checks;
mod closed;
mod effects;
mod error;
pub use error::{EXIT_OK, RunError, RunErrorKind};
mod feed;
mod observer;
pub mod offline;
pub use observer::{Ending, LiveRun, Phase, RunObserver};
mod open;
mod progress;
mod reconcile;
pub mod setup;
mod submit;

use std::{
    pin::Pin,
    sync::{Arc, Mutex},
    time::Duration,
};

use alloy::primitives::U256;
use tokio_util::sync::CancellationToken;

use crate::{
    clock::Clock,
    lock,
    metrics::{Recorder, RecorderConfig},
    plan::{Keyring, PlannedTx, Planner, Prepared, Schedule, SignedStream, StreamConfig},
    report::{self, Outcome, Report, RunInfo},
    scenario::{Scenario, SigningMode},
    targets::{self, ChainBlock, ChainEvent, EventSink, Target, TargetError},
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
    /// Test-only: time added to every streamed signature, to make the signer fall behind.
    #[doc(hidden)]
    pub signer_delay_per_tx: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            progress: false,
            max_batches_in_flight: 64,
            late_threshold: Duration::from_millis(10),
            cancelled_drain: Duration::from_secs(3),
            observers: Vec::new(),
            signer_delay_per_tx: Duration::ZERO,
        }
    }
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
    let keys =
        Arc::new(Keyring::derive_for_shard(scenario.seed, scenario.shard.index, scenario.accounts.count as usize));
    let deployer = Arc::new(Planner::deployer_keys_for_shard(scenario.seed, scenario.shard.index));
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
    let schedule = scenario.load.open.as_ref().map(|_| Schedule::new(&scenario.load.profile(scenario.run_length())));
    let (prepared, replay) = plan(scenario, &mut planner, schedule.as_ref());
    let mode = signing_mode(scenario);
    let mut cost = prepared.cost.clone();
    if mode == SigningMode::Lazy {
        // Planned while it runs: each account gets the scenario's balance on top.
        cost.allow_each(keys.addresses(), balance);
    }
    target.fund(&cost).await?;
    let mut signing = prepared.signing.clone();
    signing.mode = mode;
    // Streamed: the signer threads start now, so the buffer is full when the load starts.
    let mut stream = replay.map(|planner| {
        let times: Box<dyn Iterator<Item = u64> + Send> = match &schedule {
            Some(s) => Box::new(s.clone().into_iter_owned()),
            None => Box::new(core::iter::repeat_n(0, prepared.load_count as usize)),
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get() / 2).max(1);
        let peak_tps = scenario.load.profile(scenario.run_length()).iter().map(|p| p.2).reduce(f64::max);
        SignedStream::start(planner, times, StreamConfig { threads, peak_tps, delay_per_tx: opts.signer_delay_per_tx })
    });
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
    if let Some(s) = stream.as_mut() {
        s.prefill(Duration::from_secs(10)).await;
    }
    let head_before = target.head_number().await;
    let coinbase_before = match &head_before {
        Ok(h) => coinbase_balance(target.as_ref(), *h).await,
        Err(_) => None,
    };
    // Fed as transactions are sent and resolved, and with the chain's blocks as the run
    // goes on: nothing of a transaction is kept once its block is read and checked.
    let reconciler = Mutex::new(reconcile::Reconciler::new(*head_before.as_ref().unwrap_or(&0), &baseline));
    let mut ops_log = checks::OpsLog::new(names.len(), &prepared.checks, &checks_before);

    // The load's clock starts now: intended times, the window and the series count from
    // here; the target's events are re-based onto it.
    let origin_ns = target_clock.now_ns();
    target.load_started(origin_ns).await;
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
    if let Some(s) = stream.as_mut() {
        s.set_clock(clock);
    }

    let progress_stop = CancellationToken::new();
    let offered_tps = scenario.load.open.as_ref().and_then(|o| o.rate);
    if opts.progress {
        tokio::spawn(progress::run(recorder.clone(), clock, offered_tps, progress_stop.clone()));
    }

    let live = LiveRun::new(
        recorder.clone(),
        target.clone(),
        clock,
        schedule.clone(),
        prepared.planned_per_workload.clone().into(),
        offered_tps,
    );
    observer::notify(&opts.observers, |o| o.live(&live));
    enter(opts, Phase::Load);
    let submitter = submit::Submitter::new(target.clone(), recorder.clone(), clock, opts.max_batches_in_flight);
    // What was sent, per workload (a lazy load's plan is what it sent).
    let mut sent_per_workload = vec![0u64; names.len()];
    let keep = |b: &[Arc<PlannedTx>]| {
        lock(&reconciler).on_sent(b);
        b.iter().for_each(|t| sent_per_workload[t.workload as usize] += 1);
    };
    let mut load = Box::pin(async {
        let mut feed = match stream.as_mut() {
            Some(s) => feed::Feed::Streamed(s),
            None => feed::Feed::presigned(presigned),
        };
        match &scenario.load.closed {
            Some(c) => {
                let source =
                    if c.count.is_some() { closed::Source::Planned(feed) } else { closed::Source::Lazy(&mut planner) };
                closed::run(source, c.in_flight, &submitter, &recorder, clock, run_ns, &cancel, keep).await
            }
            None => (open::run(&mut feed, &submitter, clock, run_ns, &cancel, keep).await, 0.0),
        }
    });

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
    let mut chain_tick = tokio::time::interval(CHAIN_READ_EVERY);
    let mut chain_read: Result<(), TargetError> =
        head_before.as_ref().map(|_| ()).map_err(|e| TargetError::Failed(e.to_string()));
    // A read of the chain's blocks under way (beside the load, never blocking it).
    type Reading<'a> = Pin<Box<dyn Future<Output = (u64, Result<Vec<ChainBlock>, TargetError>)> + Send + 'a>>;
    let mut reading: Option<Reading<'_>> = None;
    loop {
        tokio::select! {
            Some(ev) = events.recv() => {
                let ev = rebase(ev);
                lock(&reconciler).on_event(&ev);
                lock(&recorder).on_event(&ev, clock.now_ns());
            }
            res = &mut load, if load_result.is_none() => {
                load_result = Some((res, clock.now_ns()));
                enter(opts, Phase::Draining);
                drain_until = Some(clock.now_ns() + scenario.measure.drain_timeout.get().as_nanos() as u64);
            }
            _ = tick.tick() => absorb(&recorder, &reconciler, &mut ops_log),
            _ = chain_tick.tick(), if chain_read.is_ok() && reading.is_none() => {
                // The blocks the target reported so far, read back and checked.
                let unread = lock(&reconciler).unread();
                if let Some((from, to)) = unread {
                    let target = target.clone();
                    reading = Some(Box::pin(async move { (to, reconcile::fetch(target.as_ref(), from, to).await) }));
                }
            }
            (to, blocks) = async { reading.as_mut().expect("guarded").await }, if reading.is_some() => {
                reading = None;
                absorb(&recorder, &reconciler, &mut ops_log);
                match blocks {
                    Ok(blocks) => lock(&reconciler).on_chain_blocks(&blocks, to),
                    Err(e) => chain_read = Err(e),
                }
            }
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
    // Ends the load's borrows (the feed, what was sent); a read under way is done again.
    drop(load);
    drop(reading);
    let load_end_ns = clock.now_ns();
    enter(opts, Phase::Assessing);
    let cpu_seconds = cpu_at_start.zip(crate::metrics::process_cpu_seconds()).map(|(a, b)| b - a);
    target.stop().await;
    let rollup = target.rollup().await;
    let health = target.health();
    while let Ok(ev) = events.try_recv() {
        let ev = rebase(ev);
        lock(&reconciler).on_event(&ev);
        lock(&recorder).on_event(&ev, clock.now_ns());
    }
    lock(&recorder).finish(load_end_ns);
    absorb(&recorder, &reconciler, &mut ops_log);
    let mut reconciler = reconciler.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    progress_stop.cancel();
    let ((sent_count, signing_during), load_done_ns) = load_result.expect("the loop ends after the load");
    if let Some(s) = stream.as_mut() {
        // Signed, never sent: the reconciliation must know their hashes.
        let unsent = s.buffered();
        let (n, wall, threads) = s.signed();
        signing.txs += n + unsent.len() as u64;
        signing.signed_during_run = n + unsent.len() as u64;
        signing.wall_seconds += wall.as_secs_f64();
        signing.threads = threads;
        signing.per_tx_us = if signing.txs == 0 { 0.0 } else { signing.wall_seconds * 1e6 / signing.txs as f64 };
        signing.streamed = Some(s.stats());
        reconciler.never_sent(&unsent);
    }
    drop(stream);
    if let Some(rest) = presigned.get(sent_count as usize..) {
        reconciler.never_sent(rest);
    }
    let actual_accounts = target.accounts(keys.addresses()).await;
    let checks_after = checks::read_all(target.as_ref(), &prepared.checks).await;
    if chain_read.is_ok() {
        chain_read = match target.head_number().await {
            Ok(head) => reconciler.read_chain(target.as_ref(), head).await,
            Err(e) => Err(e),
        };
    }
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
    if let Some(st) = signing.streamed.as_ref().filter(|st| st.late_for_signer > 0) {
        warnings.push(format!(
            "the streamed signer fell behind: {} transactions were signed only after their intended send time (up to \
             {:.1} ms), so their sends were late because of signing, not the target; use load.signing: presigned for \
             this rate on this machine",
            st.late_for_signer, st.max_behind_ms
        ));
    }
    warnings.extend(info.warnings.iter().cloned());
    warnings.extend(target.block_slots().and_then(|s| s.warning()));
    if let Err(e) = target.reclaim(&[&keys, &deployer]).await {
        warnings.push(format!("the funds could not all be drained back: {e}"));
    }
    let rec = lock(&recorder);

    let planned_per_workload =
        if mode == SigningMode::Lazy { sent_per_workload } else { prepared.planned_per_workload.clone() };
    let succeeded = ops_log.succeeded();
    if mode == SigningMode::Lazy {
        signing.signed_during_run = sent_count;
        signing.txs += sent_count;
        signing.wall_seconds += signing_during;
        signing.per_tx_us = if signing.txs == 0 { 0.0 } else { signing.wall_seconds * 1e6 / signing.txs as f64 };
    }

    let (reconciliation, expected) = reconciler.verdict(rec.reported_unexpected(), &baseline, &actual_accounts);
    let reconciliation = match &chain_read {
        Ok(()) => reconciliation,
        Err(e) => reconcile::skipped(e),
    };
    let chain = effects::ChainView { coinbase };
    let mut effects = expected.check(&actual_accounts, keys.addresses(), &baseline, &chain);
    effects.checks.extend(checks::verdicts(&prepared.checks, &checks_before, &checks_after, &names, succeeded));
    if effects.checks.iter().any(|c| c.verdict == report::Verdict::Fail) {
        effects.verdict = report::Verdict::Fail;
    }
    let interrupted = cancel.is_cancelled();
    let window_end = run_ns.min(load_end_ns).max(warmup_ns);
    let window_s = (window_end - warmup_ns) as f64 / 1e9;
    let offered_in_window = schedule.as_ref().map_or(0, |s| s.count_between(warmup_ns, run_ns));
    let model = if scenario.load.closed.is_some() { report::LoadModel::Closed } else { report::LoadModel::Open };
    let planned_count = if mode == SigningMode::Lazy { sent_count } else { prepared.load_count };
    let accounting = rec.accounting(planned_count);
    let workloads = rec.workloads(&planned_per_workload, succeeded);
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
            started_at_unix_ms: clock
                .wall_start()
                .duration_since(std::time::SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
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
            container: target.container(),
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
        blocks: rec.blocks(),
        rollup,
        repetitions: Vec::new(),
    })
}

/// The coinbase of block `number` and its balance now.
async fn coinbase_balance(target: &dyn Target, number: u64) -> Option<(alloy::primitives::Address, U256)> {
    let block = target.blocks(number, number).await.ok()?.pop()?;
    let balance = target.accounts(&[block.coinbase]).await.ok()?.pop()?.balance;
    Some((block.coinbase, balance))
}

/// How the load is signed: as the scenario says, or lazily for a closed run without a
/// count.
fn signing_mode(scenario: &Scenario) -> SigningMode {
    match &scenario.load.closed {
        Some(c) if c.count.is_none() => SigningMode::Lazy,
        _ => scenario.load.signing,
    }
}

/// Plans the run and signs what is signed before the load; for a streamed load, also
/// returns the planner that generates it again for the signer threads.
fn plan(scenario: &Scenario, planner: &mut Planner, schedule: Option<&Schedule>) -> (Prepared, Option<Planner>) {
    let count = scenario.load.closed.as_ref().and_then(|c| c.count);
    match (signing_mode(scenario), schedule) {
        (SigningMode::Lazy, _) => (planner.prepare(None), None),
        (SigningMode::Presigned, Some(s)) => (planner.prepare(Some(&s.iter().collect::<Vec<_>>())), None),
        (SigningMode::Presigned, None) => (planner.prepare(Some(&vec![0; count.unwrap_or(0) as usize])), None),
        (SigningMode::Streamed, Some(s)) => {
            let (p, replay) = planner.prepare_streamed(&mut s.iter());
            (p, Some(replay))
        }
        (SigningMode::Streamed, None) => {
            let (p, replay) = planner.prepare_streamed(&mut core::iter::repeat_n(0, count.unwrap_or(0) as usize));
            (p, Some(replay))
        }
    }
}

/// How often the chain's blocks are read back while the run goes on.
const CHAIN_READ_EVERY: Duration = Duration::from_secs(1);

/// Hands what the recorder resolved to the reconciliation and the workload checks.
fn absorb(recorder: &Mutex<Recorder>, reconciler: &Mutex<reconcile::Reconciler>, ops: &mut checks::OpsLog<'_>) {
    let resolved = lock(recorder).take_resolved();
    let mut r = lock(reconciler);
    for x in &resolved {
        ops.on_resolved(x);
        r.on_resolved(x);
    }
}
