//! The run queue: at most `max_running` runs at once (they compete for the same cores),
//! the rest wait in order with their position visible, and beyond `max_queued` waiting a
//! submission is refused (429). A shutdown closes it and cancels everything in it.

use std::{
    collections::{HashMap, VecDeque},
    sync::Arc,
    time::Duration,
};

use tokio::sync::Notify;

use super::{
    ApiError, Service,
    live::{End, LiveEntry},
    now_ms,
    store::Status,
};
use crate::{lock, scenario::Scenario};

/// See the module docs.
#[derive(Debug, Default)]
pub struct Queue {
    state: std::sync::Mutex<State>,
    /// Signalled whenever a run ends.
    ended: Notify,
}

#[derive(Debug, Default)]
struct State {
    waiting: VecDeque<(Arc<LiveEntry>, Scenario)>,
    running: HashMap<String, Arc<LiveEntry>>,
    closed: bool,
}

/// What a cancel request found.
#[derive(Debug)]
pub enum Cancelled {
    /// It was waiting: removed from the queue, never ran.
    Queued,
    /// It was running: told to stop (its partial report follows).
    Running,
    /// Not in the queue (finished, or unknown).
    NotLive,
}

impl Service {
    /// Queues a run (already stored as queued); returns its position (1 = next).
    pub(super) fn enqueue(self: &Arc<Self>, entry: Arc<LiveEntry>, scenario: Scenario) -> usize {
        let position = {
            let mut s = lock(&self.queue.state);
            entry.set_position(s.waiting.len() + 1);
            s.waiting.push_back((entry, scenario));
            s.waiting.len()
        };
        self.pump();
        position
    }

    /// Refuses a submission when the queue is closed or full (checked before storing).
    pub(super) fn admit(&self) -> Result<(), ApiError> {
        let s = lock(&self.queue.state);
        if s.closed {
            return Err(ApiError::ShuttingDown);
        }
        if s.waiting.len() >= self.config.max_queued {
            return Err(ApiError::QueueFull { queued: s.waiting.len(), limit: self.config.max_queued });
        }
        Ok(())
    }

    /// The live entry of a queued or running run.
    pub(super) fn live(&self, id: &str) -> Option<Arc<LiveEntry>> {
        let s = lock(&self.queue.state);
        s.running.get(id).cloned().or_else(|| s.waiting.iter().find(|(e, _)| e.id == id).map(|(e, _)| e.clone()))
    }

    /// Starts waiting runs while there is room.
    fn pump(self: &Arc<Self>) {
        let mut s = lock(&self.queue.state);
        while !s.closed && s.running.len() < self.config.max_running.max(1) {
            let Some((entry, scenario)) = s.waiting.pop_front() else { break };
            s.running.insert(entry.id.clone(), entry.clone());
            entry.set_running();
            let svc = self.clone();
            tokio::spawn(async move {
                svc.execute(entry.clone(), scenario).await;
                lock(&svc.queue.state).running.remove(&entry.id);
                svc.queue.ended.notify_waiters();
                svc.pump();
            });
        }
        for (i, (e, _)) in s.waiting.iter().enumerate() {
            e.set_position(i + 1);
        }
    }

    /// Cancels a queued or running run on a client's request.
    pub(super) async fn cancel(self: &Arc<Self>, id: &str) -> Result<Cancelled, ApiError> {
        let (queued, running) = {
            let mut s = lock(&self.queue.state);
            let queued = s.waiting.iter().position(|(e, _)| e.id == id).and_then(|i| s.waiting.remove(i));
            (queued.map(|(e, _)| e), s.running.get(id).cloned())
        };
        if let Some(entry) = queued {
            self.pump();
            self.end_unrun(&entry, Status::Cancelled, "cancelled while queued").await?;
            return Ok(Cancelled::Queued);
        }
        match running {
            Some(entry) => {
                entry.cancel_by_user();
                Ok(Cancelled::Running)
            }
            None => Ok(Cancelled::NotLive),
        }
    }

    /// Stores and publishes the end of a run that never started.
    async fn end_unrun(&self, entry: &LiveEntry, status: Status, why: &str) -> Result<(), ApiError> {
        let result = self.store.finish(&entry.id, now_ms(), status, None, Some(why)).await;
        entry.end(End { status, summary: None, error: Some(why.into()), report_url: None });
        result.map_err(ApiError::from)
    }

    /// Closes the queue: waiting runs end interrupted, running ones are cancelled, and
    /// this waits (at most `grace`) until they have stored their partial reports.
    pub(super) async fn shutdown_queue(self: &Arc<Self>, grace: Duration) {
        let (waiting, running) = {
            let mut s = lock(&self.queue.state);
            s.closed = true;
            (s.waiting.drain(..).map(|(e, _)| e).collect::<Vec<_>>(), s.running.values().cloned().collect::<Vec<_>>())
        };
        for r in &running {
            r.cancel.cancel();
        }
        for w in waiting {
            if let Err(e) = self.end_unrun(&w, Status::Interrupted, "the service shut down before it started").await {
                tracing::error!(run_id = %w.id, error = %e, "cannot store a queued run as interrupted");
            }
        }
        let deadline = tokio::time::Instant::now() + grace;
        loop {
            let ended = self.queue.ended.notified();
            let left = lock(&self.queue.state).running.len();
            if left == 0 {
                return;
            }
            tracing::info!(runs = left, "waiting for cancelled runs to store their partial reports");
            if tokio::time::timeout_at(deadline, ended).await.is_err() {
                tracing::error!(runs = left, "runs did not stop within the shutdown grace period");
                return;
            }
        }
    }
}
