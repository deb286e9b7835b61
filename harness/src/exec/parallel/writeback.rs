//! After a parallel block: each transaction's final write set committed to the chain
//! state in block order (what the sequential executor's commits change), then the
//! block producer credited with the fees kept out of the conflict set. The write sets
//! hold a few locations each, so this costs far less than re-applying every
//! transaction's touched state.

use alloy::primitives::{B256, U256};
use revm::{
    Database,
    bytecode::Bytecode,
    database::AccountState,
    primitives::{HashMap, KECCAK_EMPTY},
};

use super::mvmemory::{Value, WriteSet};
use crate::exec::{BlockCtx, ChainState, Loc, TxOutcome};

/// Commits a block's transactions, given each one's outcome (made by the worker that
/// executed it last) and fee, its write set, and the code deployed in the block by
/// hash; returns the outcomes.
pub fn apply<'w>(
    state: &mut ChainState,
    block: &BlockCtx,
    results: impl Iterator<Item = (TxOutcome, U256)>,
    writes: impl Iterator<Item = &'w WriteSet>,
    codes: &HashMap<B256, Bytecode>,
) -> Vec<TxOutcome> {
    let mut fees = U256::ZERO;
    let outcomes = results
        .zip(writes)
        .map(|((outcome, fee), writes)| {
            if let TxOutcome::Included(_) = outcome {
                commit(state, writes, codes);
                fees += fee;
            }
            outcome
        })
        .collect();
    if !fees.is_zero() {
        let mut info = state.basic(block.coinbase).unwrap_or_else(|e| match e {}).unwrap_or_default();
        // Wrapping: the producer's committed balance excludes the block's fees and may
        // have wrapped below zero when it spent fees it was owed (lazy coinbase).
        info.balance = info.balance.wrapping_add(fees);
        state.insert_account_info(block.coinbase, info);
    }
    outcomes
}

/// Applies one transaction's writes as revm's `CacheDB::commit` would its state: a
/// created account starts with empty storage, new code is stored by hash.
fn commit(state: &mut ChainState, writes: &WriteSet, codes: &HashMap<B256, Bytecode>) {
    let cache = &mut state.cache;
    for (loc, value) in writes {
        match (loc, value) {
            (Loc::Basic(address), Value::Basic(key) | Value::Created(key)) => {
                let account = cache.accounts.entry(*address).or_default();
                account.account_state = if matches!(value, Value::Created(_)) {
                    account.storage.clear();
                    AccountState::StorageCleared
                } else if account.account_state.is_storage_cleared() {
                    AccountState::StorageCleared
                } else {
                    AccountState::Touched
                };
                let (balance, nonce, code_hash) = *key;
                if account.info.code_hash != code_hash {
                    let code = codes.get(&code_hash).cloned();
                    if let Some(code) = &code
                        && code_hash != KECCAK_EMPTY
                    {
                        cache.contracts.entry(code_hash).or_insert_with(|| code.clone());
                    }
                    account.info.code = code;
                }
                account.info.balance = balance;
                account.info.nonce = nonce;
                account.info.code_hash = code_hash;
            }
            (Loc::Slot(address, slot), Value::Slot(word)) => {
                cache.accounts.entry(*address).or_default().storage.insert(*slot, *word);
            }
            // Fees are credited once, after the block.
            (Loc::Fee(_), _) => {}
            _ => unreachable!("a basic location holds account info, a slot a word"),
        }
    }
}
