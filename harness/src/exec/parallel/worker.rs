//! A worker thread: takes tasks from the scheduler until the block is done. An
//! execution runs a unit (a transaction, or a task group's members in order) on the
//! worker's own EVM through its [`View`] and records the unit's reads and writes; a
//! validation re-checks the reads and aborts on a change.

use revm::{
    Context, MainBuilder, MainContext, context::ContextTr, context_interface::result::EVMError, state::EvmState,
};

use super::{
    Done, Shared,
    handler::{WorkerEvm, transact},
    mvmemory::{Value, WriteSet},
    scheduler::{Task, Version},
    view::{View, ViewError, basic_key},
};
use crate::{
    exec::{ExecCounters, Fallback, Loc, LocMap, TxOutcome, effective_gas_price, receipt},
    lock,
};

/// A worker's buffers, kept from task to task.
#[derive(Debug, Default)]
struct Scratch {
    /// One execution's writes.
    writes: WriteSet,
    /// A group's writes so far, and where each location is in them.
    group: WriteSet,
    at: LocMap<usize>,
}

/// Runs tasks until the block is done; adds what it did to `c`.
pub fn run(shared: &Shared<'_>, c: &mut ExecCounters) {
    let mut evm = Context::mainnet()
        .with_db(View::new(shared))
        .with_block(shared.block_env.clone())
        .with_cfg(shared.cfg_env.clone())
        .build_mainnet();
    let mut scratch = Scratch { writes: WriteSet::with_capacity(8), ..Default::default() };
    let mut task = None;
    while !shared.sched.done() {
        task = match task {
            Some(Task::Execute(v)) => busy(c, |c| execute(shared, &mut evm, &mut scratch, v, c)),
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

/// Executes a unit: its members in order (a task group when there are several).
fn execute(
    shared: &Shared<'_>,
    evm: &mut WorkerEvm<View<'_, '_>>,
    s: &mut Scratch,
    (unit, inc): Version,
    c: &mut ExecCounters,
) -> Option<Task> {
    // A first execution waits for its predicted predecessor instead of speculating
    // past it (a re-execution already knows what it read).
    if inc == 0
        && let Some(pred) = shared.units.pred(unit)
        && shared.sched.add_dependency(unit, pred)
    {
        c.hint_waits += 1;
        return None;
    }
    let members = shared.units.members(unit);
    let group = members.len() > 1;
    'unit: loop {
        evm.ctx.db_mut().start_unit(unit, group);
        s.group.clear();
        s.at.clear();
        for txn in members.clone() {
            evm.ctx.db_mut().start_tx(txn);
            let tx = &shared.txs[txn as usize];
            let (result, state, fee) = transact(evm, tx.clone());
            match result {
                Err(EVMError::Database(ViewError::Blocked(blocking))) => {
                    c.suspended_reads += 1;
                    if shared.sched.add_dependency(unit, blocking) {
                        return None;
                    }
                    continue 'unit;
                }
                Err(EVMError::Database(ViewError::Coinbase)) => {
                    shared.give_up(Fallback::Coinbase);
                    return None;
                }
                result => {
                    c.executions += 1;
                    let view = evm.ctx.db_mut();
                    s.writes.clear();
                    if result.is_ok()
                        && let Err(reason) = collect_writes(shared, view, &state, &mut s.writes)
                    {
                        shared.give_up(reason);
                        return None;
                    }
                    if shared.lazy_fees {
                        let owed = if result.is_ok() { fee } else { alloy::primitives::U256::ZERO };
                        s.writes.push((Loc::Fee(txn), Value::Slot(owed)));
                    }
                    // Dropped here, while its memory is warm: the block is committed from
                    // the write sets. The receipt is made here too, in parallel.
                    drop(state);
                    let outcome = match result {
                        Ok(r) => TxOutcome::Included(receipt(r, effective_gas_price(tx, shared.block_env.basefee))),
                        Err(e) => TxOutcome::Excluded(e.to_string()),
                    };
                    let collided = group && merge(s, view, tx);
                    *lock(&shared.results[txn as usize]) = Some(Done { outcome, fee, collided });
                }
            }
        }
        let view = evm.ctx.db_mut();
        let writes = if group { &mut s.group } else { &mut s.writes };
        let wrote_new = shared.mv.record(unit, inc, &mut view.reads, writes);
        return shared.sched.finish_execution((unit, inc), wrote_new);
    }
}

/// Adds a group member's writes to the group's write set and overlay; true when it
/// wrote a location an earlier member wrote (its own account and its fee aside: what
/// the hints learn a collision from).
fn merge(s: &mut Scratch, view: &mut View<'_, '_>, tx: &revm::context::TxEnv) -> bool {
    let mut collided = false;
    for &(loc, value) in &s.writes {
        view.overlay.insert(loc, Some(value));
        let own = matches!(loc, Loc::Fee(_) | Loc::Credit(_)) || loc == Loc::Basic(tx.caller);
        match s.at.get(&loc) {
            // A creation after earlier writes to the account is kept in order (it
            // clears the storage those writes set).
            Some(&i) if !matches!(value, Value::Created(_)) => {
                collided |= !own;
                let entry = &mut s.group[i].1;
                *entry = match (*entry, value) {
                    (Value::Created(_), Value::Basic(key)) => Value::Created(key),
                    _ => value,
                };
            }
            _ => {
                s.at.insert(loc, s.group.len());
                s.group.push((loc, value));
            }
        }
    }
    collided
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
        if let Some((recipient, shown)) = view.lazy_credit
            && *addr == recipient
        {
            // A lazy credit: what the transfer added to the balance it was shown; the
            // account's nonce and code are the ones it read (a plain transfer to an
            // account without code changes neither).
            out.push((Loc::Credit(view.txn), Value::Slot(now.0.wrapping_sub(shown))));
            continue;
        }
        let before = view.basic_read(addr).flatten().unwrap_or((Default::default(), 0, revm::primitives::KECCAK_EMPTY));
        if created || now != before {
            // The producer's location holds its balance without the block's fees: take
            // back out the fees this execution read (wrapping: the difference may be
            // "negative" until the fees are added back).
            let now = match view.coinbase_fees.filter(|_| *addr == shared.coinbase) {
                Some(fees) => (now.0.wrapping_sub(fees), now.1, now.2),
                None => now,
            };
            // Likewise for a lazy recipient: its location holds its balance without the
            // credits this execution read.
            let now = match view.credits_read.iter().find(|(a, _)| a == addr) {
                Some((_, credits)) => (now.0.wrapping_sub(*credits), now.1, now.2),
                None => now,
            };
            if now.2 != before.2
                && let Some(code) = &account.info.code
            {
                lock(&shared.codes).insert(now.2, code.clone());
                // After the insert, before the write that names the hash is recorded:
                // a reader that finds the hash finds the flag set.
                shared.deployed.store(true, core::sync::atomic::Ordering::SeqCst);
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
