//! One run, phase by phase: prepare (plan, sign, fund), set up (deploy and provision, not
//! measured), load (send under the load model while the chain's events are recorded),
//! drain (wait, bounded, for what is in flight; then stop the target), assess (read the
//! chain back, check the effects, hand the facts to `report::assemble`). [`Run`] carries
//! what every phase reads; each phase hands the next what it made.

use std::{
    pin::Pin,
    sync::{Arc, Mutex},
    time::Duration,
};

use alloy::primitives::{Address, Bytes, U256};
use tokio::{sync::mpsc::UnboundedReceiver, time::Interval};
use tokio_util::sync::CancellationToken;

use super::{
    RunError, RunOptions,
    checks::{self, OpsLog},
    effects,
    events::Emitter,
    feed::Feed,
    model::{Drive, Model},
    observer::{LiveRun, Phase},
    reconcile::{self, Reconciler},
    setup,
    submit::Submitter,
};
use crate::{
    clock::Clock,
    lock,
    metrics::{Recorder, RecorderConfig},
    plan::{Keyring, PlannedTx, Planner, Prepared, SignedStream, SigningStats, StreamConfig},
    report::{self, Report, RunFacts, SetupReport},
    scenario::{Scenario, SigningMode},
    targets::{AccountState, ChainBlock, ChainEvent, EventSink, Target, TargetError, TargetHealth, TargetInfo},
};

/// How often the chain's blocks are read back while the run goes on.
const CHAIN_READ_EVERY: Duration = Duration::from_secs(1);

/// What every phase reads.
pub(super) struct Run<'a> {
    pub scenario: &'a Scenario,
    pub target: Arc<dyn Target>,
    pub opts: &'a RunOptions,
    pub cancel: CancellationToken,
    pub model: Box<dyn Model>,
    pub emit: &'a Emitter,
}

/// What `prepare` made: the plan, signed (or being signed), and funded.
struct Planned {
    keys: Arc<Keyring>,
    deployer: Arc<Keyring>,
    info: TargetInfo,
    planner: Planner,
    names: Vec<&'static str>,
    prepared: Prepared,
    /// The streamed signer (streamed signing), already signing.
    stream: Option<SignedStream>,
    signing: SigningStats,
    mode: SigningMode,
}

/// What `set_up` made: the target started and provisioned, and where the chain stood.
struct SetUp {
    events: UnboundedReceiver<ChainEvent>,
    target_clock: Clock,
    report: SetupReport,
    baseline: Vec<AccountState>,
    checks_before: Vec<Result<Vec<Bytes>, String>>,
    head_before: Result<u64, TargetError>,
    coinbase_before: Option<(Address, U256)>,
}

/// The measuring side of the load: the recorder and the load's clock.
struct Meter {
    recorder: Arc<Mutex<Recorder>>,
    /// The load's clock: intended times, the window and the series count from its start.
    clock: Clock,
    /// Where the load's clock starts on the target's clock.
    origin_ns: u64,
    cpu_at_start: Option<f64>,
    /// Ends the once-a-second progress events, and the task sending them.
    progress_stop: CancellationToken,
    progress: Option<tokio::task::JoinHandle<()>>,
}

/// What `load` sent.
struct Sent {
    count: u64,
    /// Seconds spent signing during the load (lazy signing).
    signing_s: f64,
    /// By mix index (a lazy load's plan is what it sent).
    per_workload: Vec<u64>,
    /// When the last was sent (run clock).
    done_ns: u64,
}

/// What the run knew when the target stopped.
struct Stopped {
    /// When the drain ended (run clock).
    end_ns: u64,
    cpu_seconds: Option<f64>,
    rollup: Option<crate::targets::rollup::RollupReport>,
    health: TargetHealth,
    succeeded: Vec<std::collections::BTreeMap<&'static str, u64>>,
    chain_read: Result<(), TargetError>,
}

impl Run<'_> {
    /// Every phase in turn.
    pub(super) async fn go(self) -> Result<Report, RunError> {
        let mut plan = self.prepare().await?;
        let set_up = self.set_up(&mut plan).await?;
        // Fed as transactions are sent and resolved, and with the chain's blocks as the run
        // goes on: nothing of a transaction is kept once its block is read and checked.
        let reconciler = Mutex::new(Reconciler::new(*set_up.head_before.as_ref().unwrap_or(&0), &set_up.baseline));
        let mut meter = self.meter(&mut plan, &set_up).await;
        let mut set_up = set_up;
        let ops = OpsLog::new(plan.names.len(), &plan.prepared.checks, &set_up.checks_before);
        let chain_read = set_up.head_before.as_ref().map(|_| ()).map_err(|e| TargetError::Failed(e.to_string()));
        let mut watch = Watch::new(&mut set_up.events, &meter, &reconciler, ops, self.target.clone(), chain_read);
        let sent = self
            .load(&mut plan.planner, plan.stream.as_mut(), &plan.prepared.txs, &meter, &reconciler, &mut watch)
            .await;
        let end_ns = self.drain(&meter, &mut watch).await;
        self.emit.phase(Phase::Assessing);
        let stopped = self.stop(&mut meter, watch, end_ns).await;
        self.assess(
            plan,
            set_up,
            meter,
            reconciler.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner),
            sent,
            stopped,
        )
        .await
    }

    /// Plans the run, signs what is signed before the load (or starts the streamed
    /// signer), and funds the accounts.
    async fn prepare(&self) -> Result<Planned, RunError> {
        let (scenario, target) = (self.scenario, &self.target);
        let keys =
            Arc::new(Keyring::derive_for_shard(scenario.seed, scenario.shard.index, scenario.accounts.count as usize));
        let deployer = Arc::new(Planner::deployer_keys_for_shard(scenario.seed, scenario.shard.index));
        let balance = U256::from(scenario.accounts.balance_eth) * U256::from(10u64).pow(U256::from(18));
        let mut funded = keys.addresses().to_vec();
        funded.push(deployer.addresses()[0]);
        let mut nonces = target.prepare(&funded, balance).await?;
        let deployer_nonce = nonces.pop().unwrap_or(0);
        let info = target.info();
        let mut planner =
            Planner::new(scenario, keys.clone(), deployer.clone(), info.chain_id, nonces, deployer_nonce)?;
        let names = planner.workload_names();
        let mode = self.model.signing(scenario.load.signing);
        let times = self.model.times(self.model.count().unwrap_or(0));
        let (prepared, replay) = match mode {
            SigningMode::Lazy => (planner.prepare(None), None),
            SigningMode::Presigned => (planner.prepare(Some(&times.collect::<Vec<_>>())), None),
            SigningMode::Streamed => {
                let mut times = times;
                let (p, replay) = planner.prepare_streamed(&mut times);
                (p, Some(replay))
            }
        };
        let mut cost = prepared.cost.clone();
        if mode == SigningMode::Lazy {
            // Planned while it runs: each account gets the scenario's balance on top.
            cost.allow_each(keys.addresses(), balance);
        }
        target.fund(&cost).await?;
        let mut signing = prepared.signing.clone();
        signing.mode = mode;
        // Streamed: the signer threads start now, so the buffer is full when the load starts.
        let stream = replay.map(|planner| {
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get() / 2).max(1);
            let cfg =
                StreamConfig { threads, peak_tps: self.model.peak_tps(), delay_per_tx: self.opts.signer_delay_per_tx };
            SignedStream::start(planner, self.model.times(prepared.load_count), cfg)
        });
        if signing.txs > 0 {
            self.emit.signed(&signing, prepared.setup.iter().map(Vec::len).sum());
        }
        for w in prepared.warnings.iter().chain(&info.warnings) {
            self.emit.warning(w);
        }
        Ok(Planned { keys, deployer, info, planner, names, prepared, stream, signing, mode })
    }

    /// Starts the target, runs the set-up transactions, and reads where the chain and the
    /// accounts stand before the load.
    async fn set_up(&self, plan: &mut Planned) -> Result<SetUp, RunError> {
        let target = &self.target;
        let target_clock = Clock::start();
        let (sink, mut events) = EventSink::new(target_clock);
        target.start(sink).await?;
        let timeout = self.scenario.measure.setup_timeout.get();
        self.emit.phase(Phase::SettingUp);
        let report =
            match setup::run(target, &plan.prepared, &mut events, target_clock, timeout, self.emit, &self.cancel).await
            {
                Ok(r) => r,
                Err(e) => {
                    target.stop().await;
                    return Err(e.into());
                }
            };
        self.emit.setup_done(&report);
        let baseline = target.accounts(plan.keys.addresses()).await?;
        let checks_before = checks::read_all(target.as_ref(), &plan.prepared.checks).await;
        if let Some(s) = plan.stream.as_mut() {
            s.prefill(Duration::from_secs(10)).await;
        }
        // Where the chain stood: the reconciliation reads the blocks after this one.
        let head_before = target.head_number().await;
        let coinbase_before = match &head_before {
            Ok(h) => coinbase_balance(target.as_ref(), *h).await,
            Err(_) => None,
        };
        Ok(SetUp { events, target_clock, report, baseline, checks_before, head_before, coinbase_before })
    }

    /// Starts the load's clock and the recorder, and hands the observers the live run.
    async fn meter(&self, plan: &mut Planned, set_up: &SetUp) -> Meter {
        // The load's clock starts now: intended times, the window and the series count from
        // here; the target's events are re-based onto it.
        let origin_ns = set_up.target_clock.now_ns();
        self.target.load_started(origin_ns).await;
        let cpu_at_start = crate::metrics::process_cpu_seconds();
        let clock = set_up.target_clock.shifted(origin_ns);
        let cfg = RecorderConfig {
            workloads: plan.names.clone(),
            window_start_ns: self.warmup_ns(),
            window_end_ns: self.run_ns(),
            late_threshold_ns: self.opts.late_threshold.as_nanos() as u64,
        };
        let recorder = Arc::new(Mutex::new(Recorder::new(cfg, plan.prepared.txs.len())));
        if let Some(s) = plan.stream.as_mut() {
            s.set_clock(clock);
        }
        let offered_tps = self.model.offered_tps();
        let progress_stop = CancellationToken::new();
        let progress = self.emit.tick_progress(recorder.clone(), clock, offered_tps, progress_stop.clone());
        let live = LiveRun::new(
            recorder.clone(),
            self.target.clone(),
            clock,
            self.model.schedule().cloned(),
            plan.prepared.planned_per_workload.clone().into(),
            offered_tps,
        );
        self.emit.live(&live);
        Meter { recorder, clock, origin_ns, cpu_at_start, progress_stop, progress }
    }

    /// Sends the load under the load model, recording the chain's events meanwhile.
    async fn load(
        &self,
        planner: &mut Planner,
        stream: Option<&mut SignedStream>,
        presigned: &[Arc<PlannedTx>],
        meter: &Meter,
        reconciler: &Mutex<Reconciler>,
        watch: &mut Watch<'_>,
    ) -> Sent {
        self.emit.phase(Phase::Load);
        let submitter =
            Submitter::new(self.target.clone(), meter.recorder.clone(), meter.clock, self.opts.max_batches_in_flight);
        let mut per_workload = vec![0u64; watch.workloads()];
        let mut keep = |b: &[Arc<PlannedTx>]| {
            lock(reconciler).on_sent(b);
            b.iter().for_each(|t| per_workload[t.workload as usize] += 1);
        };
        let feed = match stream {
            Some(s) => Feed::Streamed(s),
            None => Feed::presigned(presigned),
        };
        let drive = Drive {
            submitter: &submitter,
            recorder: &meter.recorder,
            clock: meter.clock,
            end_ns: self.run_ns(),
            cancel: &self.cancel,
        };
        let mut load = self.model.drive(feed, planner, &drive, &mut keep);
        let (count, signing_s) = loop {
            tokio::select! {
                r = &mut load => break r,
                () = watch.step() => {}
            }
        };
        // Ends the load's borrows (the feed, what was sent).
        drop(load);
        Sent { count, signing_s, per_workload, done_ns: meter.clock.now_ns() }
    }

    /// Waits for what is in flight: until nothing is pending or the drain timeout (shorter
    /// once cancelled). Returns when it ended (run clock).
    async fn drain(&self, meter: &Meter, watch: &mut Watch<'_>) -> u64 {
        self.emit.phase(Phase::Draining);
        let clock = meter.clock;
        let mut until = clock.now_ns() + self.scenario.measure.drain_timeout.get().as_nanos() as u64;
        loop {
            if self.cancel.is_cancelled() {
                until = until.min(clock.now_ns() + self.opts.cancelled_drain.as_nanos() as u64);
            }
            if lock(&meter.recorder).pending() == 0 || clock.now_ns() >= until {
                break;
            }
            watch.step().await;
        }
        clock.now_ns()
    }

    /// Stops the target and records its last events; what was still pending is dropped.
    async fn stop(&self, meter: &mut Meter, watch: Watch<'_>, end_ns: u64) -> Stopped {
        let cpu_seconds = meter.cpu_at_start.zip(crate::metrics::process_cpu_seconds()).map(|(a, b)| b - a);
        self.target.stop().await;
        let rollup = self.target.rollup().await;
        let health = self.target.health();
        let (succeeded, chain_read) = watch.close(end_ns);
        meter.progress_stop.cancel();
        if let Some(task) = meter.progress.take() {
            // No progress event after the run's end.
            let _ = task.await;
        }
        Stopped { end_ns, cpu_seconds, rollup, health, succeeded, chain_read }
    }

    /// Reads the chain back, checks the effects and the workloads' invariants, drains the
    /// funds back, and assembles the report.
    async fn assess(
        &self,
        plan: Planned,
        set_up: SetUp,
        meter: Meter,
        mut reconciler: Reconciler,
        sent: Sent,
        stopped: Stopped,
    ) -> Result<Report, RunError> {
        let target = &self.target;
        let Planned { keys, deployer, info, mut stream, mut signing, mode, prepared, names, .. } = plan;
        let Stopped { end_ns, cpu_seconds, rollup, health, succeeded, mut chain_read } = stopped;
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
        if let Some(rest) = prepared.txs.get(sent.count as usize..) {
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
        let coinbase = match set_up.coinbase_before {
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
                "the streamed signer fell behind: {} transactions were signed only after their intended send time (up \
                 to {:.1} ms), so their sends were late because of signing, not the target; use load.signing: \
                 presigned for this rate on this machine",
                st.late_for_signer, st.max_behind_ms
            ));
        }
        warnings.extend(info.warnings.iter().cloned());
        warnings.extend(target.block_slots().and_then(|s| s.warning()));
        if let Err(e) = target.reclaim(&[&keys, &deployer]).await {
            warnings.push(format!("the funds could not all be drained back: {e}"));
        }
        let rec = lock(&meter.recorder);
        let lazy = mode == SigningMode::Lazy;
        if lazy {
            signing.signed_during_run = sent.count;
            signing.txs += sent.count;
            signing.wall_seconds += sent.signing_s;
            signing.per_tx_us = if signing.txs == 0 { 0.0 } else { signing.wall_seconds * 1e6 / signing.txs as f64 };
        }
        let (reconciliation, expected) =
            reconciler.verdict(rec.reported_unexpected(), &set_up.baseline, &actual_accounts);
        let reconciliation = match &chain_read {
            Ok(()) => reconciliation,
            Err(e) => reconcile::skipped(e),
        };
        let chain = effects::ChainView { coinbase };
        let mut effects = expected.check(&actual_accounts, keys.addresses(), &set_up.baseline, &chain);
        effects.checks.extend(checks::verdicts(
            &prepared.checks,
            &set_up.checks_before,
            &checks_after,
            &names,
            &succeeded,
        ));
        if effects.checks.iter().any(|c| c.verdict == report::Verdict::Fail) {
            effects.verdict = report::Verdict::Fail;
        }
        let window = (self.warmup_ns(), self.run_ns());
        let facts = RunFacts {
            scenario: self.scenario,
            wall_start: meter.clock.wall_start(),
            interrupted: self.cancel.is_cancelled(),
            warmup_ns: window.0,
            run_ns: window.1,
            load_done_ns: sent.done_ns,
            load_end_ns: end_ns,
            fault: health.fault.clone(),
            // Asked again: the target learns facts while it runs (e.g. what funding did).
            target: report::TargetReport {
                exec: target.exec_counters(),
                slots: target.block_slots(),
                container: target.container(),
                ..report::TargetReport::new(target.info(), health)
            },
            signing,
            setup: set_up.report,
            warnings,
            model: self.model.kind(),
            offered_in_window: self.model.schedule().map_or(0, |s| s.count_between(window.0, window.1)),
            in_flight: self.model.in_flight(),
            cpu_seconds,
            planned: if lazy { sent.count } else { prepared.load_count },
            planned_per_workload: if lazy { sent.per_workload } else { prepared.planned_per_workload.clone() },
            ops: succeeded,
            effects,
            reconciliation,
            rollup,
        };
        Ok(report::assemble(rec.measured(), facts))
    }

    fn warmup_ns(&self) -> u64 {
        self.scenario.measure.warmup.get().as_nanos() as u64
    }

    /// The planned end of the load (warmup + duration), on the run clock.
    fn run_ns(&self) -> u64 {
        self.scenario.run_length().as_nanos() as u64
    }
}

/// The coinbase of block `number` and its balance now.
async fn coinbase_balance(target: &dyn Target, number: u64) -> Option<(Address, U256)> {
    let block = target.blocks(number, number).await.ok()?.pop()?;
    let balance = target.accounts(&[block.coinbase]).await.ok()?.pop()?.balance;
    Some((block.coinbase, balance))
}

/// A read of the chain's blocks under way (beside the load, never blocking it).
type Reading = Pin<Box<dyn Future<Output = (u64, Result<Vec<ChainBlock>, TargetError>)> + Send>>;

/// Feeds the target's chain events to the recorder and the reconciliation during the load
/// and the drain, hands what the recorder resolved to the reconciliation and the workload
/// checks, and reads the chain's blocks back as the run goes on.
struct Watch<'a> {
    events: &'a mut UnboundedReceiver<ChainEvent>,
    origin_ns: u64,
    clock: Clock,
    recorder: Arc<Mutex<Recorder>>,
    reconciler: &'a Mutex<Reconciler>,
    ops: OpsLog<'a>,
    target: Arc<dyn Target>,
    tick: Interval,
    chain_tick: Interval,
    chain_read: Result<(), TargetError>,
    reading: Option<Reading>,
}

impl<'a> Watch<'a> {
    fn new(
        events: &'a mut UnboundedReceiver<ChainEvent>,
        meter: &Meter,
        reconciler: &'a Mutex<Reconciler>,
        ops: OpsLog<'a>,
        target: Arc<dyn Target>,
        chain_read: Result<(), TargetError>,
    ) -> Self {
        Self {
            events,
            origin_ns: meter.origin_ns,
            clock: meter.clock,
            recorder: meter.recorder.clone(),
            reconciler,
            ops,
            target,
            tick: tokio::time::interval(Duration::from_millis(20)),
            chain_tick: tokio::time::interval(CHAIN_READ_EVERY),
            chain_read,
            reading: None,
        }
    }

    fn workloads(&self) -> usize {
        self.ops.succeeded().len()
    }

    /// Handles the next event, tick or chain read (cancel-safe: what is under way is kept).
    async fn step(&mut self) {
        let (may_read, reading_now) = (self.chain_read.is_ok() && self.reading.is_none(), self.reading.is_some());
        let reading = &mut self.reading;
        tokio::select! {
            Some(ev) = self.events.recv() => self.on_event(ev),
            _ = self.tick.tick() => self.absorb(),
            _ = self.chain_tick.tick(), if may_read => {
                // The blocks the target reported so far, read back and checked.
                let unread = lock(self.reconciler).unread();
                if let Some((from, to)) = unread {
                    let target = self.target.clone();
                    self.reading = Some(Box::pin(async move { (to, reconcile::fetch(target.as_ref(), from, to).await) }));
                }
            }
            (to, blocks) = async { reading.as_mut().expect("guarded").await }, if reading_now => {
                self.reading = None;
                self.absorb();
                match blocks {
                    Ok(blocks) => lock(self.reconciler).on_chain_blocks(&blocks, to),
                    Err(e) => self.chain_read = Err(e),
                }
            }
        }
    }

    /// A chain event, re-based onto the load's clock.
    fn on_event(&mut self, mut ev: ChainEvent) {
        match &mut ev {
            ChainEvent::Block(b) => b.observed_ns = b.observed_ns.saturating_sub(self.origin_ns),
            ChainEvent::Reached { observed_ns, .. } => *observed_ns = observed_ns.saturating_sub(self.origin_ns),
            ChainEvent::Dropped { .. } => {}
        }
        lock(self.reconciler).on_event(&ev);
        lock(&self.recorder).on_event(&ev, self.clock.now_ns());
    }

    /// Hands what the recorder resolved to the reconciliation and the workload checks.
    fn absorb(&mut self) {
        let resolved = lock(&self.recorder).take_resolved();
        let mut r = lock(self.reconciler);
        for x in &resolved {
            self.ops.on_resolved(x);
            r.on_resolved(x);
        }
    }

    /// The target has stopped: records its last events and ends the recorder's run at
    /// `end_ns`. Returns each workload's successful operations and whether the chain
    /// could be read (a read under way is done again by the assessment).
    fn close(mut self, end_ns: u64) -> (Vec<std::collections::BTreeMap<&'static str, u64>>, Result<(), TargetError>) {
        self.reading = None;
        while let Ok(ev) = self.events.try_recv() {
            self.on_event(ev);
        }
        lock(&self.recorder).finish(end_ns);
        self.absorb();
        (self.ops.succeeded().to_vec(), self.chain_read)
    }
}
