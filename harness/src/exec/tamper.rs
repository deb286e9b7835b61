//! A deliberately wrong executor, for proving that the executor comparison can fail:
//! it runs another executor and then alters one thing of what it produced (a receipt's
//! gas, a log, a storage value, a code byte, an account's status). Reached from
//! `gasbench exec-bench --inject-fault KIND` (a hidden flag) and from tests; never
//! from a run.

use alloy::primitives::{Address, Bytes};
use revm::{bytecode::Bytecode, context::TxEnv, database::AccountState};

use super::{BlockCtx, ChainState, ExecCounters, Executor, TxOutcome};

/// What to alter after each block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Fault {
    /// The first included receipt's gas used, plus one.
    ReceiptGas,
    /// The first log of the block: its last data byte changed (a byte added if empty).
    Log,
    /// The lowest storage slot of the lowest-addressed account with storage, plus one.
    StorageWrite,
    /// The first byte of the lowest-addressed contract's code, its code hash kept.
    CodeByte,
    /// The lowest-addressed contract's status flipped: marked destroyed (storage
    /// cleared) when it was not, merely touched when it was.
    AccountStatus,
}

/// Runs `inner`, then applies `fault`.
#[derive(Debug)]
pub struct Tampered {
    pub inner: Box<dyn Executor>,
    pub fault: Fault,
}

fn lowest(state: &ChainState, pick: impl Fn(&revm::database::DbAccount) -> bool) -> Option<Address> {
    state.cache.accounts.iter().filter(|(_, a)| pick(a)).map(|(addr, _)| *addr).min()
}

fn has_code(state: &ChainState) -> Option<Address> {
    lowest(state, |a| a.info.code_hash != revm::primitives::KECCAK_EMPTY)
}

fn tamper(fault: Fault, state: &mut ChainState, out: &mut [TxOutcome]) {
    let mut receipts = out.iter_mut().filter_map(|o| if let TxOutcome::Included(r) = o { Some(r) } else { None });
    match fault {
        Fault::ReceiptGas => {
            if let Some(r) = receipts.next() {
                r.gas_used += 1;
            }
        }
        Fault::Log => {
            if let Some(log) = receipts.find_map(|r| r.logs.first_mut()) {
                let mut data = log.data.data.to_vec();
                match data.last_mut() {
                    Some(b) => *b ^= 1,
                    None => data.push(1),
                }
                log.data.data = Bytes::from(data);
            }
        }
        Fault::StorageWrite => {
            if let Some(addr) = lowest(state, |a| a.storage.values().any(|v| !v.is_zero())) {
                let storage = &mut state.cache.accounts.get_mut(&addr).expect("just found").storage;
                let slot = storage.iter().filter(|(_, v)| !v.is_zero()).map(|(k, _)| *k).min().expect("non-zero");
                let v = storage.get_mut(&slot).expect("just found");
                *v = v.wrapping_add(alloy::primitives::U256::from(1));
            }
        }
        Fault::CodeByte => {
            if let Some(addr) = has_code(state) {
                let hash = state.cache.accounts[&addr].info.code_hash;
                let code =
                    state.cache.accounts[&addr].info.code.clone().or_else(|| state.cache.contracts.get(&hash).cloned());
                if let Some(code) = code {
                    let mut bytes = code.original_bytes().to_vec();
                    bytes[0] ^= 0xff;
                    let changed = Bytecode::new_raw(Bytes::from(bytes));
                    state.cache.contracts.insert(hash, changed.clone());
                    state.cache.accounts.get_mut(&addr).expect("just found").info.code = Some(changed);
                }
            }
        }
        Fault::AccountStatus => {
            if let Some(addr) = has_code(state) {
                let status = &mut state.cache.accounts.get_mut(&addr).expect("just found").account_state;
                *status =
                    if status.is_storage_cleared() { AccountState::Touched } else { AccountState::StorageCleared };
            }
        }
    }
}

impl Executor for Tampered {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn execute(&mut self, state: &mut ChainState, block: &BlockCtx, txs: Vec<TxEnv>) -> Vec<TxOutcome> {
        let mut out = self.inner.execute(state, block, txs);
        tamper(self.fault, state, &mut out);
        out
    }

    fn counters(&self) -> Option<ExecCounters> {
        self.inner.counters()
    }
}
