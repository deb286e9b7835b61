//! What a run tells while it goes, as data: phase changes, the signing and set-up lines,
//! warnings, the load's figures once a second, and the end. Delivered to the run's
//! observers ([`RunObserver::event`]) and through them to a [`RunHandle`]'s stream; the
//! library prints none of it (the CLI's progress line is one observer).
//!
//! [`RunHandle`]: super::RunHandle

use std::{sync::Arc, time::SystemTime};

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::observer::{LiveRun, Phase, RunObserver};
use crate::{
    clock::Clock,
    metrics::{Recorder, Snapshot},
    plan::SigningStats,
    report::{Report, SetupReport},
};

/// See the module docs.
#[derive(Debug, Clone, PartialEq)]
pub enum RunEvent {
    /// The run entered `phase` at `at`; the last event of every run is
    /// `Phase(Phase::Finished(ending))`, with how it ended.
    Phase { phase: Phase, at: SystemTime },
    /// Transactions were signed before the load (`setup_txs` of them for the set-up).
    Signed { stats: SigningStats, setup_txs: usize },
    /// Once a second while the set-up waits for its transactions.
    SetupProgress(SetupProgress),
    /// The set-up ended; the load starts next.
    SetupDone(SetupReport),
    /// Something the plan or the target warned about (also in the report's warnings).
    Warning(String),
    /// Once a second during the load and the drain.
    Progress(Progress),
}

/// The load's figures at one tick (whole run so far, the rates over the last second).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Seconds since the load started.
    pub elapsed_s: f64,
    pub now: Snapshot,
    /// Sent and included during the last second.
    pub sent_last_s: u64,
    pub included_last_s: u64,
    /// The scenario's constant rate (open model), transactions per second.
    pub offered_tps: Option<f64>,
}

/// One tick of the set-up's wait.
#[derive(Debug, Clone, PartialEq)]
pub struct SetupProgress {
    /// Seconds since the set-up started.
    pub elapsed_s: f64,
    /// This set-up phase (0-based) of `phases`.
    pub phase: usize,
    pub phases: usize,
    pub included: usize,
    pub total: usize,
    pub blocks: usize,
    /// What it waits for, in words.
    pub waiting: String,
    /// It gives up after this long without progress.
    pub stall: std::time::Duration,
}

/// Hands what the runner tells to every observer.
#[derive(Debug, Clone)]
pub struct Emitter {
    observers: Arc<[Arc<dyn RunObserver>]>,
}

impl Emitter {
    pub fn new(observers: Vec<Arc<dyn RunObserver>>) -> Self {
        Self { observers: observers.into() }
    }

    fn notify(&self, f: impl Fn(&dyn RunObserver)) {
        for o in self.observers.iter() {
            f(o.as_ref());
        }
    }

    fn send(&self, event: &RunEvent) {
        self.notify(|o| o.event(event));
    }

    pub fn phase(&self, phase: Phase) {
        let at = SystemTime::now();
        self.notify(|o| o.phase(phase, at));
        self.send(&RunEvent::Phase { phase, at });
    }

    pub fn signed(&self, stats: &SigningStats, setup_txs: usize) {
        self.send(&RunEvent::Signed { stats: stats.clone(), setup_txs });
    }

    pub fn warning(&self, warning: &str) {
        self.send(&RunEvent::Warning(warning.to_string()));
    }

    pub fn setup_progress(&self, p: SetupProgress) {
        self.send(&RunEvent::SetupProgress(p));
    }

    pub fn setup_done(&self, report: &SetupReport) {
        self.notify(|o| o.setup_done(report.seconds));
        self.send(&RunEvent::SetupDone(report.clone()));
    }

    pub fn live(&self, live: &LiveRun) {
        self.notify(|o| o.live(live));
    }

    pub fn report(&self, report: &Report) {
        self.notify(|o| o.report(report));
    }

    /// Sends the load's figures once a second until `stop` is cancelled; await the task
    /// returned to know that no more will come.
    pub fn tick_progress(
        &self,
        recorder: Arc<std::sync::Mutex<Recorder>>,
        clock: Clock,
        offered_tps: Option<f64>,
        stop: CancellationToken,
    ) -> Option<JoinHandle<()>> {
        if self.observers.is_empty() {
            return None;
        }
        let emit = self.clone();
        Some(tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
            tick.tick().await;
            let mut prev = Snapshot::default();
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    () = stop.cancelled() => return,
                }
                let now = crate::lock(&recorder).snapshot();
                emit.send(&RunEvent::Progress(Progress {
                    elapsed_s: clock.now_ns() as f64 / 1e9,
                    now,
                    sent_last_s: now.sent - prev.sent,
                    included_last_s: now.included - prev.included,
                    offered_tps,
                }));
                prev = now;
            }
        }))
    }
}
