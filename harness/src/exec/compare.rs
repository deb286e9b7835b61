//! Equality of two executions of one block: outcomes (status, gas, logs, revert data)
//! and the world state afterwards (status, balance, nonce, code hash and code bytes,
//! storage). Empty accounts count as absent (EIP-161), and an account's
//! cached-but-unchanged slots do not matter, only values. A difference is described
//! by the field that differs.

use std::collections::BTreeMap;

use alloy::primitives::{Address, B256, Bytes, U256};
use revm::{database::AccountState, primitives::KECCAK_EMPTY};

use super::{ChainState, TxOutcome};

/// What an account is, beyond its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    /// Has a balance, a nonce, code or storage.
    Live,
    /// Destroyed and possibly re-created in the block: its storage starts from zero.
    StorageCleared,
}

/// One account, as compared.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Account {
    status: Status,
    balance: U256,
    nonce: u64,
    code_hash: B256,
    /// The code itself, not only its hash: an executor may write bytes that do not
    /// match the hash it writes.
    code: Bytes,
    storage: BTreeMap<U256, U256>,
}

fn accounts(state: &ChainState) -> BTreeMap<Address, Account> {
    state
        .cache
        .accounts
        .iter()
        .filter_map(|(a, acc)| {
            let storage: BTreeMap<U256, U256> =
                acc.storage.iter().filter(|(_, v)| !v.is_zero()).map(|(k, v)| (*k, *v)).collect();
            let info = &acc.info;
            let code = info
                .code
                .as_ref()
                .or_else(|| state.cache.contracts.get(&info.code_hash))
                .map(|c| c.original_bytes())
                .unwrap_or_default();
            let empty = info.balance.is_zero() && info.nonce == 0 && info.code_hash == KECCAK_EMPTY && code.is_empty();
            let status = match acc.account_state {
                AccountState::StorageCleared => Status::StorageCleared,
                _ => Status::Live,
            };
            (!empty || !storage.is_empty()).then(|| {
                (
                    *a,
                    Account {
                        status,
                        balance: info.balance,
                        nonce: info.nonce,
                        code_hash: info.code_hash,
                        code,
                        storage,
                    },
                )
            })
        })
        .collect()
}

/// The first field of two accounts that differs, described.
fn account_diff(x: &Account, y: &Account) -> String {
    if x.status != y.status {
        return format!("status {:?} vs {:?}", x.status, y.status);
    }
    if x.balance != y.balance {
        return format!("balance {} vs {}", x.balance, y.balance);
    }
    if x.nonce != y.nonce {
        return format!("nonce {} vs {}", x.nonce, y.nonce);
    }
    if x.code_hash != y.code_hash {
        return format!("code hash {} vs {}", x.code_hash, y.code_hash);
    }
    if x.code != y.code {
        let at = x.code.iter().zip(y.code.iter()).position(|(a, b)| a != b).unwrap_or(x.code.len().min(y.code.len()));
        return format!("code bytes differ at offset {at} ({} vs {} bytes)", x.code.len(), y.code.len());
    }
    for slot in x.storage.keys().chain(y.storage.keys()) {
        let (a, b) = (x.storage.get(slot), y.storage.get(slot));
        if a != b {
            let v = |v: Option<&U256>| v.copied().unwrap_or_default();
            return format!("storage slot {slot:#x}: {} vs {}", v(a), v(b));
        }
    }
    "equal".into()
}

/// The first difference between two states, described; `None` when they are equal.
pub fn state_diff(a: &ChainState, b: &ChainState) -> Option<String> {
    let (a, b) = (accounts(a), accounts(b));
    for addr in a.keys().chain(b.keys()) {
        match (a.get(addr), b.get(addr)) {
            (Some(x), Some(y)) if x != y => return Some(format!("account {addr}: {}", account_diff(x, y))),
            (Some(_), None) => return Some(format!("account {addr}: exists vs absent (empty or never created)")),
            (None, Some(_)) => return Some(format!("account {addr}: absent (empty or never created) vs exists")),
            _ => {}
        }
    }
    None
}

/// The first field of two outcomes that differs, described.
fn tx_diff(x: &TxOutcome, y: &TxOutcome) -> String {
    let (TxOutcome::Included(a), TxOutcome::Included(b)) = (x, y) else {
        return format!("{x:?} vs {y:?}");
    };
    if a.success != b.success {
        return format!("success {} vs {}", a.success, b.success);
    }
    if a.gas_used != b.gas_used {
        return format!("receipt gas_used {} vs {}", a.gas_used, b.gas_used);
    }
    if a.effective_gas_price_wei != b.effective_gas_price_wei {
        return format!("effective gas price {} vs {}", a.effective_gas_price_wei, b.effective_gas_price_wei);
    }
    if a.logs != b.logs {
        let i = a.logs.iter().zip(&b.logs).position(|(l, m)| l != m).unwrap_or(a.logs.len().min(b.logs.len()));
        return format!("log {i} of {} vs {}: {:?} vs {:?}", a.logs.len(), b.logs.len(), a.logs.get(i), b.logs.get(i));
    }
    if a.revert_data != b.revert_data {
        return format!("revert data {:?} vs {:?}", a.revert_data, b.revert_data);
    }
    format!("halt {:?} vs {:?}", a.halt, b.halt)
}

/// The first differing outcome, described; `None` when all are equal.
pub fn outcome_diff(a: &[TxOutcome], b: &[TxOutcome]) -> Option<String> {
    if a.len() != b.len() {
        return Some(format!("{} outcomes vs {}", a.len(), b.len()));
    }
    a.iter().zip(b).position(|(x, y)| x != y).map(|i| format!("transaction {i}: {}", tx_diff(&a[i], &b[i])))
}
