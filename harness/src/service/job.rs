//! One run, from leaving the queue to its stored report. The run itself goes on its own
//! thread with its own runtime, exactly as `gasbench run` drives it, so that the API's
//! workers never wait behind the load and a run cannot starve the API of its runtime.

use std::{sync::Arc, time::Duration};

use tokio::sync::{mpsc, oneshot};

use super::{
    Service,
    live::{End, LiveEntry, Observer},
    now_ms,
    store::{Status, Summary},
};
use crate::{
    metrics::prom::{RunLabels, RunMetrics},
    report::{Outcome, Report},
    runner::{self, Ending, RunObserver, RunOptions},
    scenario::Scenario,
};

/// How the run's thread came back.
type ThreadResult = Result<Report, String>;

impl Service {
    /// Runs `scenario` for `entry` and stores everything about it. Never fails: whatever
    /// goes wrong is stored with the run.
    pub(super) async fn execute(self: &Arc<Self>, entry: Arc<LiveEntry>, scenario: Scenario) {
        let id = entry.id.clone();
        if let Err(e) = self.store.set_running(&id, now_ms()).await {
            tracing::error!(run_id = %id, error = %e, "cannot store that the run started");
        }
        tracing::info!(run_id = %id, scenario = %scenario.name, "run started");
        let (phases, mut phase_rx) = mpsc::unbounded_channel();
        let metrics = Arc::new(RunMetrics::new(RunLabels::of(&scenario, id.clone())));
        self.registry.add(metrics.clone());
        let observers: Vec<Arc<dyn RunObserver>> = vec![Arc::new(Observer { entry: entry.clone(), phases }), metrics];
        let opts = RunOptions {
            max_batches_in_flight: self.config.max_batches_in_flight.max(1),
            cancelled_drain: self.config.cancelled_drain,
            observers,
            ..RunOptions::default()
        };
        let (done_tx, mut done) = oneshot::channel::<ThreadResult>();
        let cancel = entry.cancel.clone();
        let spawned = std::thread::Builder::new().name(format!("run-{id}")).spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
            let outcome = match rt {
                Ok(rt) => rt.block_on(runner::run(&scenario, &opts, cancel)).map_err(|e| e.to_string()),
                Err(e) => Err(format!("cannot start the run's runtime: {e}")),
            };
            let _ = done_tx.send(outcome);
        });
        let outcome = match spawned {
            Err(e) => Err(format!("cannot start the run's thread: {e}")),
            Ok(_) => {
                let mut tick = tokio::time::interval(Duration::from_secs(1));
                loop {
                    tokio::select! {
                        r = &mut done => break r.unwrap_or_else(|_| Err("the run's thread panicked".into())),
                        _ = tick.tick() => entry.sample(),
                        Some((phase, at)) = phase_rx.recv() => self.store_phase(&id, phase, at).await,
                    }
                }
            }
        };
        while let Ok((phase, at)) = phase_rx.try_recv() {
            self.store_phase(&id, phase, at).await;
        }
        entry.sample();
        let (status, report, error) = match outcome {
            Ok(report) => (status_of(&report, entry.ending(), entry.cancelled_by_user()), Some(report), None),
            Err(e) => (Status::Error, None, Some(e)),
        };
        tracing::info!(run_id = %id, status = status.as_str(), "run ended");
        if let Err(e) = self.store.finish(&id, now_ms(), status, report.as_ref(), error.as_deref()).await {
            tracing::error!(run_id = %id, error = %e, "cannot store the run's end");
        }
        entry.end(End {
            status,
            summary: report.as_ref().map(Summary::of),
            error,
            report_url: report.is_some().then(|| format!("/v1/runs/{id}/report")),
        });
    }

    async fn store_phase(&self, id: &str, phase: &str, at: std::time::SystemTime) {
        let at_ms = at.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        if let Err(e) = self.store.phase(id, at_ms, phase).await {
            tracing::warn!(run_id = %id, error = %e, "cannot store a phase change");
        }
    }
}

/// The stored status of a run that made a report.
fn status_of(report: &Report, ending: Option<Ending>, by_user: bool) -> Status {
    if report.run.outcome == Outcome::Interrupted {
        return if by_user { Status::Cancelled } else { Status::Interrupted };
    }
    match ending {
        Some(Ending::Passed) => Status::Passed,
        _ if report.run.fault.is_some() || report.checks_failed() => Status::Failed,
        Some(Ending::Interrupted) => Status::Interrupted,
        _ => Status::Passed,
    }
}
