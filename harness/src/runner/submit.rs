//! Hands batches to the target without blocking the schedule: each batch is its own
//! task, at most `max_batches` in flight; acks go to the recorder when they arrive.

use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::{clock::Clock, metrics::Recorder, plan::PlannedTx, targets::Target};

/// Most transactions in one `submit` call.
pub const MAX_BATCH: usize = 512;

/// Concurrent submissions towards the target.
#[derive(Debug, Clone)]
pub struct Submitter {
    target: Arc<dyn Target>,
    recorder: Arc<Mutex<Recorder>>,
    clock: Clock,
    slots: Arc<Semaphore>,
    max_batches: u32,
}

impl Submitter {
    pub fn new(target: Arc<dyn Target>, recorder: Arc<Mutex<Recorder>>, clock: Clock, max_batches: u32) -> Self {
        Self { target, recorder, clock, slots: Arc::new(Semaphore::new(max_batches as usize)), max_batches }
    }

    /// Waits for room for one more batch. When every slot is busy the target is slower
    /// than the schedule: the wait shows up as latency, from the intended times.
    pub async fn reserve(&self) -> OwnedSemaphorePermit {
        self.slots.clone().acquire_owned().await.expect("the semaphore is never closed")
    }

    /// Records the batch as sent now (with `intended_ns`, one per transaction, for the
    /// closed model) and submits it in the background.
    pub fn send(&self, permit: OwnedSemaphorePermit, batch: Vec<Arc<PlannedTx>>, intended_ns: Option<&[u64]>) {
        crate::lock(&self.recorder).on_sent(&batch, intended_ns, self.clock.now_ns());
        let (target, recorder, clock) = (self.target.clone(), self.recorder.clone(), self.clock);
        tokio::spawn(async move {
            let results = target.submit(&batch).await;
            crate::lock(&recorder).on_acks(&batch, &results, clock.now_ns());
            drop(permit);
        });
    }

    /// Waits until every batch sent has been answered.
    pub async fn flush(&self) {
        let _all = self.slots.acquire_many(self.max_batches).await.expect("the semaphore is never closed");
    }
}
