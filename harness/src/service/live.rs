//! A run the service holds in memory while it is queued or running: its cancel token,
//! and its progress published once a second on a watch channel (what `GET /v1/runs/{id}`
//! shows and what the SSE stream sends), ending with the final state.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Instant, SystemTime},
};

use serde::Serialize;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::store::{Status, Summary};
use crate::{
    lock,
    metrics::LiveFigures,
    runner::{Ending, LiveRun, Phase, RunObserver},
};

/// The figures of the progress line, as JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Progress {
    /// Seconds since the run left the queue.
    pub elapsed_seconds: f64,
    pub sent: u64,
    pub sent_per_second: u64,
    pub included: u64,
    pub included_per_second: u64,
    pub pending: u64,
    /// Rejected, dropped or reverted so far.
    pub failed: u64,
    /// Inclusion latency p99 over the measured window so far (0 before it).
    pub inclusion_p99_ms: f64,
    pub blocks: u64,
}

impl Progress {
    /// Reads the figures now; `prev` gives the per-second rates.
    pub fn read(f: &LiveFigures, prev: &Self, elapsed_seconds: f64) -> Self {
        let (mut sent, mut included, mut failed) = (0, 0, f.rejected.values().sum::<u64>());
        let mut inclusion = crate::metrics::Hist::new(3).expect("3 significant figures is valid");
        for w in &f.workloads {
            sent += w.counts.sent;
            included += w.counts.included;
            failed += w.counts.reverted;
            if let Some(h) = w.latency.get(&crate::metrics::Stage::INCLUSION) {
                let _ = inclusion.add(h);
            }
        }
        failed += f.dropped.values().sum::<u64>();
        Self {
            elapsed_seconds,
            sent,
            sent_per_second: sent.saturating_sub(prev.sent),
            included,
            included_per_second: included.saturating_sub(prev.included),
            pending: f.pending,
            failed,
            inclusion_p99_ms: if inclusion.is_empty() { 0.0 } else { inclusion.value_at_quantile(0.99) as f64 / 1e3 },
            blocks: f.blocks,
        }
    }
}

/// How a run ended (the SSE `end` event).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct End {
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Where the report is (absent when the run made none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_url: Option<String>,
}

/// What a watcher sees of a live run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct View {
    pub status: Status,
    /// The runner's phase (`preparing`, `load`, `draining`...), once running.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<&'static str>,
    /// 1 = next to start; only while queued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_position: Option<usize>,
    pub progress: Progress,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<End>,
}

/// A queued or running run.
#[derive(Debug)]
pub struct LiveEntry {
    pub id: String,
    pub cancel: CancellationToken,
    /// Cancelled through the API (not by a shutdown): the run ends `cancelled`.
    by_user: AtomicBool,
    view: watch::Sender<View>,
    live: Mutex<Option<LiveRun>>,
    started: Mutex<Option<Instant>>,
    ending: Mutex<Option<Ending>>,
}

impl LiveEntry {
    pub fn new(id: String, position: usize) -> Arc<Self> {
        let (view, _) = watch::channel(View {
            status: Status::Queued,
            phase: None,
            queue_position: Some(position),
            progress: Progress::default(),
            end: None,
        });
        Arc::new(Self {
            id,
            cancel: CancellationToken::new(),
            by_user: AtomicBool::new(false),
            view,
            live: Mutex::new(None),
            started: Mutex::new(None),
            ending: Mutex::new(None),
        })
    }

    pub fn view(&self) -> View {
        self.view.borrow().clone()
    }

    pub fn subscribe(&self) -> watch::Receiver<View> {
        self.view.subscribe()
    }

    pub fn set_position(&self, position: usize) {
        self.view.send_if_modified(|v| {
            let changed = v.queue_position != Some(position);
            v.queue_position = Some(position);
            changed
        });
    }

    pub fn set_running(&self) {
        *lock(&self.started) = Some(Instant::now());
        self.view.send_modify(|v| {
            v.status = Status::Running;
            v.queue_position = None;
        });
    }

    /// Cancels the run on a client's request.
    pub fn cancel_by_user(&self) {
        self.by_user.store(true, Ordering::SeqCst);
        self.cancel.cancel();
    }

    pub fn cancelled_by_user(&self) -> bool {
        self.by_user.load(Ordering::SeqCst)
    }

    /// How the runner said the run ended (from its last phase).
    pub fn ending(&self) -> Option<Ending> {
        *lock(&self.ending)
    }

    /// Reads the figures now and publishes them (once a second).
    pub fn sample(&self) {
        let Some(live) = lock(&self.live).clone() else { return };
        let elapsed = lock(&self.started).map_or(0.0, |s| s.elapsed().as_secs_f64());
        let figures = live.figures();
        self.view.send_modify(|v| v.progress = Progress::read(&figures, &v.progress, elapsed));
    }

    /// The run ended: publish the final state (watchers then stop).
    pub fn end(&self, end: End) {
        self.view.send_modify(|v| {
            v.status = end.status;
            v.queue_position = None;
            v.end = Some(end);
        });
    }
}

/// The service's observer of one run: keeps the entry's phase and live figures, and
/// forwards phase changes to the store (through a channel: hooks must stay cheap).
#[derive(Debug)]
pub struct Observer {
    pub entry: Arc<LiveEntry>,
    pub phases: mpsc::UnboundedSender<(&'static str, SystemTime)>,
}

impl RunObserver for Observer {
    fn phase(&self, phase: Phase, at: SystemTime) {
        if let Phase::Finished(e) = phase {
            *lock(&self.entry.ending) = Some(e);
        }
        self.entry.view.send_modify(|v| v.phase = Some(phase.name()));
        let _ = self.phases.send((phase.name(), at));
    }

    fn live(&self, live: &LiveRun) {
        *lock(&self.entry.live) = Some(live.clone());
    }
}
