//! The set-up phase: sends each phase of set-up transactions through the target (the same
//! path as the load, so it works on any target), waits until every one is included, and
//! fails with the transaction's purpose and decoded revert reason when one is not. It
//! tells its progress once a second (an event, like the load's), and ends with an error naming
//! what it waited for when the target faults or nothing is included for [`STALL`].

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Arc,
    time::Duration,
};

use tokio::sync::mpsc::UnboundedReceiver;
use tokio_util::sync::CancellationToken;

use super::events::{Emitter, SetupProgress};
use crate::{
    clock::Clock,
    plan::{PlannedTx, Prepared, TxId},
    report::SetupReport,
    targets::{ChainEvent, RejectKind, Target},
};

/// Transactions per `submit` call of the set-up.
const BATCH: usize = 256;
/// Attempts for a transaction the target refused with a retryable reason.
const ATTEMPTS: u32 = 5;
/// Times a set-up transaction the target dropped is sent again before the set-up fails.
const RESENDS: u32 = 3;
/// Longest wait without any set-up transaction included (nor a lost one sent again); half
/// of `measure.setup_timeout` when that is shorter.
pub const STALL: Duration = Duration::from_secs(60);

/// Why the set-up could not finish.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("set-up transaction `{label}` was refused by the target: {reason}")]
    Rejected { label: String, reason: String },
    #[error("set-up transaction `{label}` reverted: {reason}")]
    Reverted { label: String, reason: String },
    #[error("set-up transaction `{label}` was dropped: {reason}")]
    Dropped { label: String, reason: String },
    #[error(
        "set-up phase {phase}: {missing} of {total} transactions not included after {timeout:?} (first: `{first}`); \
         the target may be too slow for this set-up: raise measure.setup_timeout"
    )]
    Timeout { phase: usize, missing: usize, total: usize, timeout: Duration, first: String },
    #[error(
        "set-up phase {phase}: nothing included for {stall:?} while waiting for {waiting}; the target's errors so \
         far: {errors}; check that the node mines (interval mining, --block-time) and answers, or raise \
         measure.setup_timeout"
    )]
    Stalled { phase: usize, stall: Duration, waiting: String, errors: String },
    #[error("set-up phase {phase}: the target failed while waiting for {waiting}: {fault}")]
    TargetFault { phase: usize, waiting: String, fault: String },
    #[error("the run was stopped during the set-up")]
    Interrupted,
}

/// What a set-up phase is waiting for, in words.
fn waiting_for(pending: &BTreeMap<TxId, &Arc<PlannedTx>>, label: &impl Fn(TxId) -> String) -> String {
    match pending.keys().next() {
        Some(&id) if pending.len() > 1 => {
            format!("the inclusion of `{}` and {} more set-up transactions", label(id), pending.len() - 1)
        }
        Some(&id) => format!("the inclusion of `{}`", label(id)),
        None => "nothing".into(),
    }
}

/// Runs every phase of `prepared.setup`; `events` is the target's event stream.
pub async fn run(
    target: &Arc<dyn Target>,
    prepared: &Prepared,
    events: &mut UnboundedReceiver<ChainEvent>,
    clock: Clock,
    timeout: Duration,
    emit: &Emitter,
    cancel: &CancellationToken,
) -> Result<SetupReport, SetupError> {
    let started = clock.now_ns();
    let label = |id: TxId| prepared.setup_labels.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
    let mut report = SetupReport::default();
    let mut blocks = BTreeSet::new();
    for (phase, txs) in prepared.setup.iter().enumerate() {
        let mut pending: BTreeMap<TxId, &Arc<PlannedTx>> = txs.iter().map(|t| (t.id, t)).collect();
        submit_all(target, txs, &label, cancel).await?;
        let deadline = tokio::time::Instant::now() + timeout;
        let stall = STALL.min(timeout / 2);
        let mut moved = tokio::time::Instant::now();
        let mut tick = tokio::time::interval_at(moved + Duration::from_secs(1), Duration::from_secs(1));
        let mut resends: BTreeMap<TxId, u32> = BTreeMap::new();
        while !pending.is_empty() {
            let event = tokio::select! {
                e = events.recv() => e,
                () = tokio::time::sleep_until(deadline) => None,
                () = cancel.cancelled() => return Err(SetupError::Interrupted),
                _ = tick.tick() => {
                    let waiting = waiting_for(&pending, &label);
                    emit.setup_progress(SetupProgress {
                        elapsed_s: (clock.now_ns() - started) as f64 / 1e9,
                        phase,
                        phases: prepared.setup.len(),
                        included: txs.len() - pending.len(),
                        total: txs.len(),
                        blocks: blocks.len(),
                        waiting: waiting.clone(),
                        stall,
                    });
                    let health = target.health();
                    if let Some(fault) = health.fault {
                        return Err(SetupError::TargetFault { phase, waiting, fault });
                    }
                    if moved.elapsed() >= stall {
                        let errors = if health.errors.is_empty() {
                            "none".to_string()
                        } else {
                            health.errors.iter().map(|(k, n)| format!("{k} x{n}")).collect::<Vec<_>>().join(", ")
                        };
                        return Err(SetupError::Stalled { phase, stall, waiting, errors });
                    }
                    continue;
                }
            };
            let Some(event) = event else {
                let first = pending.keys().next().map(|&id| label(id)).unwrap_or_default();
                return Err(SetupError::Timeout { phase, missing: pending.len(), total: txs.len(), timeout, first });
            };
            // Handle this event and every one already queued behind it, so that a drop and
            // the drops of the same sender's later nonces are resent together.
            let mut lost: Vec<(TxId, String)> = Vec::new();
            let mut next = Some(event);
            while let Some(event) = next {
                match event {
                    ChainEvent::Block(b) => {
                        for t in &b.txs {
                            if pending.remove(&t.id).is_none() {
                                continue;
                            }
                            moved = tokio::time::Instant::now();
                            blocks.insert(b.number);
                            if !t.success {
                                let reason = t.revert_data.as_ref().map_or_else(
                                    || "no revert data (halted?)".into(),
                                    |d| workloads::revert::decode(d),
                                );
                                return Err(SetupError::Reverted { label: label(t.id), reason });
                            }
                            report.txs += 1;
                            report.gas_used += t.gas_used;
                            report.fee_wei.0 +=
                                u128::from(t.gas_used) * t.effective_gas_price_wei + t.l1_fee_wei.unwrap_or(0);
                        }
                    }
                    ChainEvent::Dropped { id, reason } if pending.contains_key(&id) => lost.push((id, reason)),
                    ChainEvent::Dropped { .. } => {}
                    ChainEvent::Reached { .. } => {}
                }
                next = events.try_recv().ok();
            }
            lost.retain(|(id, _)| pending.contains_key(id));
            if !lost.is_empty() {
                report.resent += resend_lost(target, &pending, &lost, &mut resends, &label, cancel).await?;
                moved = tokio::time::Instant::now();
            }
        }
        report.phases += 1;
    }
    report.blocks = blocks.len() as u64;
    report.seconds = (clock.now_ns() - started) as f64 / 1e9;
    Ok(report)
}

/// Sends the lost transactions again, with every pending later nonce of their senders
/// (in nonce order), unless one was already sent [`RESENDS`] times. Returns how many were
/// lost.
async fn resend_lost(
    target: &Arc<dyn Target>,
    pending: &BTreeMap<TxId, &Arc<PlannedTx>>,
    lost: &[(TxId, String)],
    resends: &mut BTreeMap<TxId, u32>,
    label: &impl Fn(TxId) -> String,
    cancel: &CancellationToken,
) -> Result<u64, SetupError> {
    let mut from: BTreeMap<alloy::primitives::Address, u64> = BTreeMap::new();
    for (id, reason) in lost {
        let n = resends.entry(*id).or_default();
        *n += 1;
        if *n > RESENDS {
            let reason = format!("{reason} (sent {} times)", RESENDS + 1);
            return Err(SetupError::Dropped { label: label(*id), reason });
        }
        let tx = pending[id];
        let lowest = from.entry(tx.from).or_insert(tx.nonce);
        *lowest = (*lowest).min(tx.nonce);
    }
    let mut again: Vec<Arc<PlannedTx>> =
        pending.values().filter(|t| from.get(&t.from).is_some_and(|&n| t.nonce >= n)).map(|&t| t.clone()).collect();
    again.sort_by_key(|t| (t.from, t.nonce));
    if cancel.is_cancelled() {
        return Err(SetupError::Interrupted);
    }
    for (tx, r) in again.iter().zip(target.resend(&again).await) {
        match r {
            // Known already, or its nonce was mined meanwhile: its block says which.
            Ok(()) => {}
            Err(rej) if matches!(rej.kind, RejectKind::AlreadyKnown | RejectKind::NonceTooLow) => {}
            Err(rej) => {
                return Err(SetupError::Rejected {
                    label: label(tx.id),
                    reason: format!("{} (sending again after a drop): {}", rej.kind.as_str(), rej.message),
                });
            }
        }
    }
    Ok(lost.len() as u64)
}

async fn submit_all(
    target: &Arc<dyn Target>,
    txs: &[Arc<PlannedTx>],
    label: &impl Fn(TxId) -> String,
    cancel: &CancellationToken,
) -> Result<(), SetupError> {
    for batch in txs.chunks(BATCH) {
        let mut todo: Vec<Arc<PlannedTx>> = batch.to_vec();
        for attempt in 1..=ATTEMPTS {
            if cancel.is_cancelled() {
                return Err(SetupError::Interrupted);
            }
            let results = target.submit(&todo).await;
            let mut retry = Vec::new();
            for (tx, r) in todo.iter().zip(results) {
                match r {
                    Ok(()) => {}
                    // Sent before (a retried batch): it is in the pool already.
                    Err(rej) if rej.kind == RejectKind::AlreadyKnown => {}
                    Err(rej) if rej.kind.is_retryable() && attempt < ATTEMPTS => retry.push(tx.clone()),
                    Err(rej) => {
                        return Err(SetupError::Rejected {
                            label: label(tx.id),
                            reason: format!("{}: {}", rej.kind.as_str(), rej.message),
                        });
                    }
                }
            }
            if retry.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
            todo = retry;
        }
    }
    Ok(())
}
