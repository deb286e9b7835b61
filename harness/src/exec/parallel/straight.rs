//! A block the hints cut into one unit (a chain end to end: every swap through one
//! pool, one sender's nonce chain) is one task group with nothing beside it to run and
//! nothing outside it to validate against. Its one worker runs it in order straight on
//! the state, as the sequential executor does, with no multi-version memory, overlay
//! or write-back (grevm 2 also runs a fully dependent block this way). What the hints
//! learn from a block is still observed: each transaction's changes are checked against
//! the block's earlier writes before they are committed, so a recipient whose calls stop
//! colliding cools down and its blocks spread over the threads again.

use core::time::Duration;

use alloy::primitives::Address;
use revm::{DatabaseRef, context::TxEnv, primitives::KECCAK_EMPTY, state::EvmState};

use super::view::basic_key;
use crate::exec::{BlockCtx, ChainState, LatentState, Loc, LocSet, TxOutcome, sequential::run_observed};

/// What a straight run keeps from block to block (emptied before each).
#[derive(Debug, Default)]
pub struct Straight {
    written: LocSet,
    collided: Vec<bool>,
}

impl Straight {
    /// Runs `txs` in order on `state` and commits them, first reads waiting `latency`
    /// (as the sequential executor's).
    pub fn run(
        &mut self,
        state: &mut ChainState,
        block: &BlockCtx,
        txs: &[TxEnv],
        latency: Duration,
    ) -> Vec<TxOutcome> {
        self.written.clear();
        self.collided.clear();
        let Self { written, collided } = self;
        let coinbase = block.coinbase;
        let txs = txs.iter().cloned();
        // One flag per included transaction, in order (only those are observed).
        let outcomes = if latency.is_zero() {
            run_observed(state, block, txs, |caller, changes, db| {
                collided.push(note(written, coinbase, caller, changes, |a| db.basic_ref(a)));
            })
        } else {
            run_observed(LatentState::new(state, latency), block, txs, |caller, changes, db| {
                collided.push(note(written, coinbase, caller, changes, |a| db.db.basic_ref(a)));
            })
        };
        // Spread them over the block: a transaction left out wrote nothing.
        let mut flags = core::mem::take(collided).into_iter();
        *collided =
            outcomes.iter().map(|o| matches!(o, TxOutcome::Included(_)) && flags.next().unwrap_or(false)).collect();
        outcomes
    }

    /// Whether transaction `j` of the last run wrote a location an earlier one wrote (its
    /// own account and the block producer's aside), as a task group's worker tells the
    /// hints. A transaction left out of the block wrote nothing.
    pub fn collided(&self, j: usize) -> bool {
        self.collided[j]
    }
}

/// Adds the locations one transaction changed to `written`; true when one was there.
fn note<E>(
    written: &mut LocSet,
    coinbase: Address,
    caller: Address,
    changes: &EvmState,
    before: impl Fn(Address) -> Result<Option<revm::state::AccountInfo>, E>,
) -> bool {
    let mut collided = false;
    for (address, account) in changes {
        if !account.is_touched() {
            continue;
        }
        for (slot, _) in account.changed_storage_slots() {
            collided |= !written.insert(Loc::Slot(*address, *slot));
        }
        // The sender's own account chains by nonce (the hints know senders); the block
        // producer is paid by every transaction here, but not in the parallel path.
        if *address == caller || *address == coinbase {
            continue;
        }
        let was = before(*address).ok().flatten().map_or((Default::default(), 0, KECCAK_EMPTY), |i| basic_key(&i));
        if account.is_created() || basic_key(&account.info) != was {
            collided |= !written.insert(Loc::Basic(*address));
        }
    }
    collided
}
