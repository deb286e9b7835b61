//! The closed model: keep `in_flight` transactions sent and not yet resolved (included,
//! rejected or dropped); each resolution frees a slot. Bounded by count and time.

use std::{
    sync::{Arc, Mutex},
    time::Instant,
};

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::submit::{MAX_BATCH, Submitter};
use crate::{
    clock::Clock,
    metrics::Recorder,
    plan::{PlannedTx, Planner},
};

/// Where the closed loop takes its transactions from.
#[derive(Debug)]
pub enum Source<'a> {
    /// Pre-signed (the scenario gave a count).
    Presigned(&'a [Arc<PlannedTx>]),
    /// Signed as needed (no count: only time bounds the run).
    Lazy(&'a mut Planner),
}

/// Runs the closed loop; returns every transaction sent, in order, and the seconds
/// spent signing during the run.
pub async fn run(
    mut source: Source<'_>,
    in_flight: u32,
    submitter: &Submitter,
    recorder: &Arc<Mutex<Recorder>>,
    clock: Clock,
    end_ns: u64,
    cancel: &CancellationToken,
) -> (Vec<Arc<PlannedTx>>, f64) {
    let slots = Arc::new(Semaphore::new(in_flight as usize));
    crate::lock(recorder).notify_completions(slots.clone());
    let mut sent: Vec<Arc<PlannedTx>> = Vec::new();
    let mut signing = 0.0;
    let deadline = clock.instant_at(end_ns);
    loop {
        let remaining = match &source {
            Source::Presigned(txs) => txs.len() - sent.len(),
            Source::Lazy(_) => usize::MAX,
        };
        if remaining == 0 || cancel.is_cancelled() {
            break;
        }
        let first = tokio::select! {
            p = slots.acquire() => p.expect("never closed"),
            () = tokio::time::sleep_until(deadline.into()) => break,
            () = cancel.cancelled() => break,
        };
        first.forget();
        let extra = slots.available_permits().min(remaining - 1).min(MAX_BATCH - 1);
        if extra > 0 {
            slots.try_acquire_many(extra as u32).expect("permits are available").forget();
        }
        let n = 1 + extra;
        let batch: Vec<Arc<PlannedTx>> = match &mut source {
            Source::Presigned(txs) => txs[sent.len()..sent.len() + n].to_vec(),
            Source::Lazy(planner) => {
                let t = Instant::now();
                let b = (0..n).map(|_| Arc::new(planner.next_signed())).collect();
                signing += t.elapsed().as_secs_f64();
                b
            }
        };
        sent.extend(batch.iter().cloned());
        let permit = tokio::select! {
            p = submitter.reserve() => p,
            () = cancel.cancelled() => break,
        };
        submitter.send(permit, batch, Some(clock.now_ns()));
    }
    submitter.flush().await;
    (sent, signing)
}
