//! A worker thread: takes tasks from the scheduler until the block is done. An
//! execution runs the transaction on the worker's own EVM through its [`View`] and
//! records reads and writes; a validation re-checks the reads and aborts on a change.

use revm::{
    Context, MainBuilder, MainContext, context::ContextTr, context_interface::result::EVMError, state::EvmState,
};

use super::{
    Shared,
    handler::{WorkerEvm, transact},
    mvmemory::{Value, WriteSet},
    scheduler::{Task, Version},
    view::{View, ViewError, basic_key},
};
use crate::{
    exec::{ExecCounters, Fallback, Loc, TxOutcome, effective_gas_price, receipt},
    lock,
};

/// Runs tasks until the block is done; adds what it did to `c`.
pub fn run(shared: &Shared<'_>, c: &mut ExecCounters) {
    let mut evm = Context::mainnet()
        .with_db(View::new(shared))
        .with_block(shared.block_env.clone())
        .with_cfg(shared.cfg_env.clone())
        .build_mainnet();
    let mut writes = WriteSet::with_capacity(8);
    let mut task = None;
    while !shared.sched.done() {
        task = match task {
            Some(Task::Execute(v)) => busy(c, |c| execute(shared, &mut evm, &mut writes, v, c)),
            Some(Task::Validate(v)) => busy(c, |c| validate(shared, v, c)),
            None => {
                let next = shared.sched.next_task();
                if next.is_none() && shared.sched.all_handed_out() {
                    // Only other threads' tasks are left: let them run (oversubscribed
                    // threads would starve them). A miss while tasks remain (the one
                    // claimed was being executed elsewhere) is retried at once: a
                    // yield costs several microseconds.
                    std::thread::yield_now();
                }
                next
            }
        };
    }
}

/// Runs one task, adding the thread time it took to the worker's busy time.
fn busy(c: &mut ExecCounters, task: impl FnOnce(&mut ExecCounters) -> Option<Task>) -> Option<Task> {
    let start = std::time::Instant::now();
    let next = task(c);
    c.busy_ns += start.elapsed().as_nanos() as u64;
    next
}

fn execute(
    shared: &Shared<'_>,
    evm: &mut WorkerEvm<View<'_, '_>>,
    writes: &mut WriteSet,
    (txn, inc): Version,
    c: &mut ExecCounters,
) -> Option<Task> {
    loop {
        evm.ctx.db_mut().reset(txn);
        let tx = &shared.txs[txn as usize];
        let (result, state, fee) = transact(evm, tx.clone());
        match result {
            Err(EVMError::Database(ViewError::Blocked(blocking))) => {
                c.suspended_reads += 1;
                if shared.sched.add_dependency(txn, blocking) {
                    return None;
                }
            }
            Err(EVMError::Database(ViewError::Coinbase)) => {
                shared.give_up(Fallback::Coinbase);
                return None;
            }
            result => {
                c.executions += 1;
                let view = evm.ctx.db_mut();
                writes.clear();
                if result.is_ok()
                    && let Err(reason) = collect_writes(shared, view, &state, writes)
                {
                    shared.give_up(reason);
                    return None;
                }
                if shared.lazy_fees {
                    let owed = if result.is_ok() { fee } else { alloy::primitives::U256::ZERO };
                    writes.push((Loc::Fee(txn), Value::Slot(owed)));
                }
                // Dropped here, while its memory is warm: the block is committed from
                // the write sets. The receipt is made here too, in parallel.
                drop(state);
                let outcome = match result {
                    Ok(r) => TxOutcome::Included(receipt(r, effective_gas_price(tx, shared.block_env.basefee))),
                    Err(e) => TxOutcome::Excluded(e.to_string()),
                };
                *lock(&shared.results[txn as usize]) = Some((outcome, fee));
                let wrote_new = shared.mv.record(txn, inc, &mut view.reads, writes);
                return shared.sched.finish_execution((txn, inc), wrote_new);
            }
        }
    }
}

/// The locations an execution changed, into `out`: accounts whose balance, nonce or
/// code changed (a call merely touches its target) and storage slots whose value
/// changed. New code is kept by hash for later readers and the commit.
fn collect_writes(
    shared: &Shared<'_>,
    view: &View<'_, '_>,
    state: &EvmState,
    out: &mut WriteSet,
) -> Result<(), Fallback> {
    for (addr, account) in state {
        if !account.is_touched() {
            continue;
        }
        if account.is_selfdestructed() {
            return Err(Fallback::SelfDestruct);
        }
        let created = account.is_created();
        let now = basic_key(&account.info);
        let before = view.basic_read(addr).flatten().unwrap_or((Default::default(), 0, revm::primitives::KECCAK_EMPTY));
        if created || now != before {
            // The producer's location holds its balance without the block's fees: take
            // back out the fees this execution read (wrapping: the difference may be
            // "negative" until the fees are added back).
            let now = match view.coinbase_fees.filter(|_| *addr == shared.coinbase) {
                Some(fees) => (now.0.wrapping_sub(fees), now.1, now.2),
                None => now,
            };
            if now.2 != before.2
                && let Some(code) = &account.info.code
            {
                lock(&shared.codes).insert(now.2, code.clone());
            }
            out.push((Loc::Basic(*addr), if created { Value::Created(now) } else { Value::Basic(now) }));
        }
        for (slot, value) in account.changed_storage_slots() {
            out.push((Loc::Slot(*addr, *slot), Value::Slot(value.present_value())));
        }
    }
    Ok(())
}

fn validate(shared: &Shared<'_>, v: Version, c: &mut ExecCounters) -> Option<Task> {
    let aborted = !shared.mv.validate(v.0) && shared.sched.try_validation_abort(v);
    if aborted {
        c.validation_aborts += 1;
        shared.mv.mark_estimates(v.0);
    }
    shared.sched.finish_validation(v.0, aborted)
}
