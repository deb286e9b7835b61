//! A run started and not yet awaited: read what it measured so far (`snapshot`), follow
//! what it tells (`events`), stop it (`cancel`), and get its report (`join`). Built on the
//! observer seam: the handle is one more observer of its run.

use std::sync::{Arc, Mutex};

use tokio::{sync::broadcast, task::JoinHandle};
use tokio_util::sync::CancellationToken;

use super::{
    RunError, RunOptions,
    events::RunEvent,
    observer::{LiveRun, Phase, RunObserver},
};
use crate::{lock, metrics::Measured, report::Report, scenario::Scenario, targets::Target};

/// Events a slow reader of [`RunHandle::events`] may fall behind by before it misses
/// some (`RecvError::Lagged`): about four minutes of progress events.
const EVENTS_KEPT: usize = 256;

/// See the module docs. Dropping the handle without joining it aborts the run (as
/// dropping the future of [`super::run_on`] would).
#[derive(Debug)]
pub struct RunHandle {
    cancel: CancellationToken,
    watcher: Arc<Watcher>,
    task: JoinHandle<Result<Report, RunError>>,
}

/// What a run has measured so far, and where it is.
#[derive(Debug, Clone)]
pub struct RunSnapshot {
    pub phase: Phase,
    /// Every figure the report will hold, as raw sums (`None` before the load starts);
    /// the report's sections read from it as they do at the end (`accounting`,
    /// `workloads`, `latencies`, `fees`).
    pub measured: Option<Measured>,
    /// Planned transactions whose intended send time has come (open model).
    pub offered_so_far: Option<u64>,
}

/// The handle's observer.
#[derive(Debug)]
struct Watcher {
    events: broadcast::Sender<RunEvent>,
    /// Subscribed before the run started, so that the first reader sees every event.
    first: Mutex<Option<broadcast::Receiver<RunEvent>>>,
    live: Mutex<Option<LiveRun>>,
    phase: Mutex<Phase>,
}

impl RunObserver for Watcher {
    fn phase(&self, phase: Phase, _at: std::time::SystemTime) {
        *lock(&self.phase) = phase;
    }

    fn live(&self, live: &LiveRun) {
        *lock(&self.live) = Some(live.clone());
    }

    fn event(&self, event: &RunEvent) {
        // No receiver is not an error: nobody follows this run's events.
        let _ = self.events.send(event.clone());
    }
}

impl RunHandle {
    /// Starts `scenario` on `target` (the run goes on a task of the current runtime);
    /// `cancel` stops it as [`Self::cancel`] does.
    pub(super) fn spawn(
        scenario: Scenario,
        target: Arc<dyn Target>,
        mut opts: RunOptions,
        cancel: CancellationToken,
    ) -> Self {
        let (events, first) = broadcast::channel(EVENTS_KEPT);
        let watcher = Arc::new(Watcher {
            events,
            first: Mutex::new(Some(first)),
            live: Mutex::new(None),
            phase: Mutex::new(Phase::Preparing),
        });
        opts.observers.push(watcher.clone());
        let token = cancel.clone();
        let task = tokio::spawn(async move { super::execute(&scenario, target, &opts, token).await });
        Self { cancel, watcher, task }
    }

    /// Every figure measured so far (the recorder's lock is taken once).
    pub fn snapshot(&self) -> RunSnapshot {
        let live = lock(&self.watcher.live).clone();
        RunSnapshot {
            phase: *lock(&self.watcher.phase),
            measured: live.as_ref().map(LiveRun::measured),
            offered_so_far: live.as_ref().and_then(LiveRun::offered_so_far),
        }
    }

    /// The run's events: phases in order, the load's figures once a second, and last
    /// `RunEvent::Phase { phase: Phase::Finished(ending), .. }`. The first call gets every
    /// event since the start; later calls get those from then on.
    pub fn events(&self) -> broadcast::Receiver<RunEvent> {
        lock(&self.watcher.first).take().unwrap_or_else(|| self.watcher.events.subscribe())
    }

    /// Stops the load; the run drains briefly and its report is marked interrupted.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// Waits for the run's end: its report, or why there is none.
    pub async fn join(mut self) -> Result<Report, RunError> {
        match (&mut self.task).await {
            Ok(result) => result,
            Err(e) => match e.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(e) => unreachable!("the run's task is aborted only with its handle: {e}"),
            },
        }
    }
}

impl Drop for RunHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}
