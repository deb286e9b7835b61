//! The open model: every transaction goes out at its intended time, whatever the target
//! does. A target that cannot keep up makes sends late (measured, reported), never
//! makes the run longer than planned plus a grace period.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::submit::{MAX_BATCH, Submitter};
use crate::{clock::Clock, plan::PlannedTx};

/// How far past the planned end sending may go before the rest is left unsent.
pub const GRACE_NS: u64 = 1_000_000_000;

/// Sends `txs` (sorted by intended time) until done, cancelled, or past `end_ns + GRACE_NS`.
/// Returns how many were sent.
pub async fn run(
    txs: &[Arc<PlannedTx>],
    submitter: &Submitter,
    clock: Clock,
    end_ns: u64,
    cancel: &CancellationToken,
) -> usize {
    let mut i = 0;
    while i < txs.len() && !cancel.is_cancelled() {
        let now = clock.now_ns();
        if now > end_ns + GRACE_NS {
            break;
        }
        let next = txs[i].intended_ns;
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
        let now = clock.now_ns();
        let mut j = i + 1;
        while j < txs.len() && j - i < MAX_BATCH && txs[j].intended_ns <= now {
            j += 1;
        }
        submitter.send(permit, txs[i..j].to_vec(), None);
        i = j;
    }
    submitter.flush().await;
    i
}
