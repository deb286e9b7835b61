//! Observers of a run: the seam through which the CLI's progress line, the Prometheus
//! exporter, the service and a `RunHandle` watch a run while it goes, without the runner
//! knowing them. Every hook has a no-op default, so an observer implements only what it
//! needs.

use std::{
    sync::{Arc, Mutex},
    time::SystemTime,
};

use super::events::RunEvent;
use crate::{
    clock::Clock,
    exec::ExecCounters,
    lock,
    metrics::{LiveFigures, Measured, Recorder},
    plan::Schedule,
    report::Report,
    targets::Target,
};

/// Where a run is. `Finished` carries how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Building the target, planning and signing, funding.
    Preparing,
    /// Deploying and provisioning the workloads (not measured).
    SettingUp,
    /// Sending the load.
    Load,
    /// The load has been sent; waiting for what is in flight.
    Draining,
    /// Reading the chain back and checking the effects.
    Assessing,
    /// Ended with a report.
    Finished(Ending),
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Ran to the end and every check passed.
    Passed,
    /// Ran to the end but a check failed, or the target had a fault.
    Failed,
    /// Stopped by a signal or a cancelled token (the report is partial).
    Interrupted,
    /// No report: bad input, an unusable target, or a set-up that did not complete.
    Error,
}

impl Phase {
    /// Every phase, in order, with its name (the Prometheus `phase` label).
    pub const NAMES: [&'static str; 9] =
        ["preparing", "setting_up", "load", "draining", "assessing", "passed", "failed", "interrupted", "error"];

    pub fn name(self) -> &'static str {
        match self {
            Self::Preparing => "preparing",
            Self::SettingUp => "setting_up",
            Self::Load => "load",
            Self::Draining => "draining",
            Self::Assessing => "assessing",
            Self::Finished(Ending::Passed) => "passed",
            Self::Finished(Ending::Failed) => "failed",
            Self::Finished(Ending::Interrupted) => "interrupted",
            Self::Finished(Ending::Error) => "error",
        }
    }
}

/// Watches a run. Hooks are called from the runner's task: keep them cheap.
pub trait RunObserver: Send + Sync + core::fmt::Debug {
    /// The run entered `phase` at `at`.
    fn phase(&self, _phase: Phase, _at: SystemTime) {}
    /// The set-up ended after `seconds`.
    fn setup_done(&self, _seconds: f64) {}
    /// The load is about to start: `live` reads the run's figures while it goes.
    fn live(&self, _live: &LiveRun) {}
    /// The final report (also after an interrupted run).
    fn report(&self, _report: &Report) {}
    /// Anything the run tells, as data (phases too, after [`Self::phase`]); see
    /// [`RunEvent`].
    fn event(&self, _event: &RunEvent) {}
}

/// A running load, readable from any thread.
#[derive(Debug, Clone)]
pub struct LiveRun {
    recorder: Arc<Mutex<Recorder>>,
    target: Arc<dyn Target>,
    clock: Clock,
    /// Intended send times of the open model's load; `None` in the closed model.
    schedule: Option<Schedule>,
    /// Planned transactions per workload (mix index), when planned ahead.
    pub planned_per_workload: Arc<[u64]>,
    /// The scenario's offered rate (open model), transactions per second.
    pub offered_tps: Option<f64>,
}

impl LiveRun {
    pub(crate) fn new(
        recorder: Arc<Mutex<Recorder>>,
        target: Arc<dyn Target>,
        clock: Clock,
        schedule: Option<Schedule>,
        planned_per_workload: Arc<[u64]>,
        offered_tps: Option<f64>,
    ) -> Self {
        Self { recorder, target, clock, schedule, planned_per_workload, offered_tps }
    }

    /// Every live figure the recorder holds now.
    pub fn figures(&self) -> LiveFigures {
        lock(&self.recorder).live()
    }

    /// Every figure measured so far, as raw sums (a copy; the lock is taken once).
    pub fn measured(&self) -> Measured {
        lock(&self.recorder).measured().clone()
    }

    /// Planned transactions whose intended send time has come (open model); `None`
    /// when the load is planned as it runs.
    pub fn offered_so_far(&self) -> Option<u64> {
        Some(self.schedule.as_ref()?.count_until(self.clock.now_ns()))
    }

    /// The parallel executor's counters so far, if the target has one.
    pub fn exec_counters(&self) -> Option<ExecCounters> {
        self.target.exec_counters()
    }

    /// The rollup's running totals, if the target is a rollup.
    pub fn rollup_counters(&self) -> Option<crate::targets::rollup::RollupCounters> {
        self.target.rollup_counters()
    }
}

/// How a run that produced `report` ended, as the CLI's exit code tells it.
pub(crate) fn ending(report: &Report) -> Ending {
    match super::RunErrorKind::of_report(report) {
        None => Ending::Passed,
        Some(super::RunErrorKind::Interrupted) => Ending::Interrupted,
        Some(_) => Ending::Failed,
    }
}
