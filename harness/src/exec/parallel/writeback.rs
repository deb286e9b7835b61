//! After a parallel block: each unit's final write set (a transaction's, or a task
//! group's) committed to the chain state in block order (what the sequential executor's commits change), then the
//! block producer credited with the fees kept out of the conflict set. The write sets
//! hold a few locations each, so this costs far less than re-applying every
//! transaction's touched state.

use alloy::primitives::{Address, B256, U256};
use revm::{
    Database,
    bytecode::Bytecode,
    database::AccountState,
    primitives::{HashMap, KECCAK_EMPTY},
};

use super::{
    Done,
    mvmemory::{Value, WriteSet},
};
use crate::exec::{BlockCtx, ChainState, Loc, TxOutcome};

/// Commits a block, given each transaction's outcome (made by the worker that
/// executed it last) and fee, each unit's write set (a transaction left out of the
/// block wrote nothing but its zero fee), the recipient of each lazy credit, and the
/// code deployed in the block by hash; returns the outcomes.
pub fn apply<'w>(
    state: &mut ChainState,
    block: &BlockCtx,
    done: Vec<Done>,
    writes: impl Iterator<Item = &'w WriteSet>,
    recipient: impl Fn(u32) -> Address,
    codes: &HashMap<B256, Bytecode>,
) -> Vec<TxOutcome> {
    // Lazy credits are added after every write: a recipient's location holds its
    // balance without them.
    let mut credits: Vec<(Address, U256)> = Vec::new();
    for writes in writes {
        commit(state, writes, codes);
        for (loc, value) in writes {
            if let (Loc::Credit(i), Value::Slot(v)) = (loc, value) {
                credits.push((recipient(*i), *v));
            }
        }
    }
    for (to, credit) in credits {
        credit_account(state, to, credit);
    }
    let mut fees = U256::ZERO;
    let outcomes = done
        .into_iter()
        .map(|d| {
            if let TxOutcome::Included(_) = d.outcome {
                fees += d.fee;
            }
            d.outcome
        })
        .collect();
    if !fees.is_zero() {
        credit_account(state, block.coinbase, fees);
    }
    outcomes
}

/// Adds `wei` to an account whose committed balance left it out. Wrapping: that
/// balance may have wrapped below zero when the account spent what it was owed (lazy
/// coinbase, lazy credits).
fn credit_account(state: &mut ChainState, to: Address, wei: U256) {
    let mut info = state.basic(to).unwrap_or_else(|e| match e {}).unwrap_or_default();
    info.balance = info.balance.wrapping_add(wei);
    state.insert_account_info(to, info);
}

/// Applies one transaction's writes as revm's `CacheDB::commit` would its state: a
/// created account starts with empty storage, new code is stored by hash.
fn commit(state: &mut ChainState, writes: &WriteSet, codes: &HashMap<B256, Bytecode>) {
    let cache = &mut state.cache;
    // The account last written: its slots follow it in the write set (one look-up).
    let mut last: Option<(Address, &mut revm::database::DbAccount)> = None;
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
                last = Some((*address, account));
            }
            (Loc::Slot(address, slot), Value::Slot(word)) => {
                let account = match last.take() {
                    Some((a, account)) if a == *address => account,
                    _ => cache.accounts.entry(*address).or_default(),
                };
                account.storage.insert(*slot, *word);
                last = Some((*address, account));
            }
            // Fees and lazy credits are credited after the block's writes.
            (Loc::Fee(_) | Loc::Credit(_), _) => {}
            _ => unreachable!("a basic location holds account info, a slot a word"),
        }
    }
}
