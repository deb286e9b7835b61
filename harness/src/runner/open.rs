//! The open model: every transaction goes out at its intended time, whatever the target
//! does. A target that cannot keep up makes sends late (measured, reported), never
//! makes the run longer than planned plus a grace period.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::{
    feed::Feed,
    model::{Drive, Model, OnBatch},
    submit::{MAX_BATCH, Submitter},
};
use crate::{
    clock::Clock,
    plan::{PlannedTx, Planner, Schedule},
    report,
};

/// How far past the planned end sending may go before the rest is left unsent.
pub const GRACE_NS: u64 = 1_000_000_000;

/// Sends what `feed` gives (in intended-time order) until done, cancelled, or past
/// `end_ns + GRACE_NS`. Each batch sent is handed to `on_batch` (the caller keeps what it
/// needs of it). Returns how many were sent.
pub async fn run(
    feed: &mut Feed<'_>,
    submitter: &Submitter,
    clock: Clock,
    end_ns: u64,
    cancel: &CancellationToken,
    mut on_batch: impl FnMut(&[Arc<PlannedTx>]),
) -> u64 {
    let mut sent = 0u64;
    while !cancel.is_cancelled() {
        let now = clock.now_ns();
        if now > end_ns + GRACE_NS {
            break;
        }
        let next = tokio::select! {
            n = feed.head() => n,
            () = cancel.cancelled() => break,
        };
        let Some(next) = next else { break };
        if next > now {
            tokio::select! {
                () = tokio::time::sleep_until(clock.instant_at(next).into()) => {}
                () = cancel.cancelled() => break,
            }
            continue;
        }
        let permit = tokio::select! {
            p = submitter.reserve() => p,
            () = cancel.cancelled() => break,
        };
        // Everything due by now (a late loop catches up in batches).
        let batch = feed.take(MAX_BATCH, clock.now_ns());
        sent += batch.len() as u64;
        on_batch(&batch);
        submitter.send(permit, batch, None);
    }
    submitter.flush().await;
    sent
}

/// The open model (a constant rate or stages of rates): see the module docs.
#[derive(Debug, Clone)]
pub struct Open {
    pub schedule: Schedule,
    /// The constant rate, when the scenario gives one (not stages).
    pub offered_tps: Option<f64>,
    pub peak_tps: Option<f64>,
}

#[async_trait::async_trait]
impl Model for Open {
    fn kind(&self) -> report::LoadModel {
        report::LoadModel::Open
    }

    fn schedule(&self) -> Option<&Schedule> {
        Some(&self.schedule)
    }

    fn offered_tps(&self) -> Option<f64> {
        self.offered_tps
    }

    fn peak_tps(&self) -> Option<f64> {
        self.peak_tps
    }

    async fn drive(
        &self,
        mut feed: Feed<'_>,
        _: &mut Planner,
        d: &Drive<'_>,
        on_batch: &mut OnBatch<'_>,
    ) -> (u64, f64) {
        (run(&mut feed, d.submitter, d.clock, d.end_ns, d.cancel, on_batch).await, 0.0)
    }
}
