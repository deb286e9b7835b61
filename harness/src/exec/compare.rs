//! Equality of two executions of one block: outcomes (status, gas, logs, revert data)
//! and the world state afterwards. Empty accounts count as absent (EIP-161), and an
//! account's cached-but-unchanged slots do not matter, only values.

use std::collections::BTreeMap;

use alloy::primitives::{Address, B256, U256};

use super::{ChainState, TxOutcome};

type Account = (U256, u64, B256, BTreeMap<U256, U256>);

fn accounts(state: &ChainState) -> BTreeMap<Address, Account> {
    state
        .cache
        .accounts
        .iter()
        .filter_map(|(a, acc)| {
            let storage: BTreeMap<U256, U256> =
                acc.storage.iter().filter(|(_, v)| !v.is_zero()).map(|(k, v)| (*k, *v)).collect();
            let info = &acc.info;
            let empty = info.balance.is_zero() && info.nonce == 0 && info.code_hash == revm::primitives::KECCAK_EMPTY;
            (!empty || !storage.is_empty()).then_some((*a, (info.balance, info.nonce, info.code_hash, storage)))
        })
        .collect()
}

/// The first difference between two states, described; `None` when they are equal.
pub fn state_diff(a: &ChainState, b: &ChainState) -> Option<String> {
    let (a, b) = (accounts(a), accounts(b));
    for addr in a.keys().chain(b.keys()) {
        let (x, y) = (a.get(addr), b.get(addr));
        if x != y {
            return Some(format!("account {addr}: {x:?} vs {y:?}"));
        }
    }
    None
}

/// The first differing outcome, described; `None` when all are equal.
pub fn outcome_diff(a: &[TxOutcome], b: &[TxOutcome]) -> Option<String> {
    if a.len() != b.len() {
        return Some(format!("{} outcomes vs {}", a.len(), b.len()));
    }
    a.iter().zip(b).position(|(x, y)| x != y).map(|i| format!("transaction {i}: {:?} vs {:?}", a[i], b[i]))
}
