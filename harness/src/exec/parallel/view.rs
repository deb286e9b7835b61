//! One worker's window on the block: a revm `Database` that reads through the
//! multi-version memory for the transaction being executed, records every read with
//! its origin, and stops the execution when it meets an estimate.

use alloy::primitives::{Address, B256, U256};
use revm::{Database, bytecode::Bytecode, database_interface::DBErrorMarker, state::AccountInfo};

use super::{
    Shared,
    mvmemory::{Found, Origin, Value},
};
use crate::exec::Loc;

/// Why a read could not be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ViewError {
    /// The value is an estimate of this transaction's write: wait for it.
    #[error("read an estimate of transaction {0}")]
    Blocked(u32),
    /// The block producer's account was read in a block not prepared for it (no
    /// transaction of the block names the producer, so fees are not kept as locations):
    /// the block runs sequentially.
    #[error("read the block producer's account")]
    Coinbase,
}

impl DBErrorMarker for ViewError {}

/// Balance, nonce and code hash: what a basic write is compared on.
pub type BasicKey = (U256, u64, B256);

pub fn basic_key(info: &AccountInfo) -> BasicKey {
    (info.balance, info.nonce, info.code_hash)
}

/// The account a basic write describes; its code is read by hash.
fn account(&(balance, nonce, code_hash): &BasicKey) -> AccountInfo {
    AccountInfo { balance, nonce, code_hash, account_id: None, code: None }
}

#[derive(Debug)]
pub struct View<'s, 'a> {
    shared: &'s Shared<'a>,
    pub txn: u32,
    pub reads: Vec<(Loc, Origin)>,
    /// Accounts read, with what was read (to tell a real write from a mere touch).
    pub basics: Vec<(Address, Option<BasicKey>)>,
    /// When this execution read the block producer's account: the fees of the earlier
    /// transactions it added to the balance (see [`View::coinbase`]).
    pub coinbase_fees: Option<U256>,
}

impl<'s, 'a> View<'s, 'a> {
    pub fn new(shared: &'s Shared<'a>) -> Self {
        Self { shared, txn: 0, reads: Vec::with_capacity(16), basics: Vec::with_capacity(8), coinbase_fees: None }
    }

    /// Starts a new execution of `txn`.
    pub fn reset(&mut self, txn: u32) {
        self.txn = txn;
        self.reads.clear();
        self.basics.clear();
        self.coinbase_fees = None;
    }

    /// What this execution read of `address` (`None` inside: the account did not exist).
    pub fn basic_read(&self, address: &Address) -> Option<Option<BasicKey>> {
        self.basics.iter().find(|(a, _)| a == address).map(|(_, k)| *k)
    }

    fn read(&mut self, loc: Loc) -> Result<Option<Value>, ViewError> {
        if self.shared.stress {
            super::stress::perturb();
        }
        match self.shared.mv.read(&loc, self.txn) {
            Found::Pre => {
                self.reads.push((loc, Origin::Pre));
                Ok(None)
            }
            Found::Data(origin, value) => {
                self.reads.push((loc, origin));
                Ok(Some(value))
            }
            Found::Estimate(w) => Err(ViewError::Blocked(w)),
        }
    }
}

impl View<'_, '_> {
    /// The fees the block producer is owed by the transactions before this one, read as
    /// locations so that a change to any of them re-validates this transaction (lazy
    /// coinbase, as pevm does). The producer's account location itself holds its
    /// balance without the block's fees (writers subtract what they read), so a block
    /// whose builder pays the proposer from the coinbase stays parallel.
    fn coinbase(&mut self) -> Result<U256, ViewError> {
        if !self.shared.lazy_fees {
            return Err(ViewError::Coinbase);
        }
        let mut fees = U256::ZERO;
        for i in 0..self.txn {
            if let Some(Value::Slot(fee)) = self.read(Loc::Fee(i))? {
                fees = fees.wrapping_add(fee);
            }
        }
        self.coinbase_fees = Some(fees);
        Ok(fees)
    }
}

impl Database for View<'_, '_> {
    type Error = ViewError;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, ViewError> {
        let fees = if address == self.shared.coinbase { Some(self.coinbase()?) } else { None };
        let mut info = match self.read(Loc::Basic(address))? {
            Some(Value::Basic(key) | Value::Created(key)) => Some(account(&key)),
            Some(Value::Slot(_)) => unreachable!("a basic location holds account info"),
            None => self.shared.pre.basic(address),
        };
        if let Some(fees) = fees.filter(|f| !f.is_zero()) {
            let i = info.get_or_insert_with(AccountInfo::default);
            i.balance = i.balance.wrapping_add(fees);
        }
        self.basics.push((address, info.as_ref().map(basic_key)));
        Ok(info)
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, ViewError> {
        if let Some(code) = crate::lock(&self.shared.codes).get(&code_hash) {
            return Ok(code.clone());
        }
        Ok(self.shared.pre.code(code_hash))
    }

    fn storage(&mut self, address: Address, index: U256) -> Result<U256, ViewError> {
        Ok(match self.read(Loc::Slot(address, index))? {
            Some(Value::Slot(v)) => v,
            Some(Value::Basic(_) | Value::Created(_)) => unreachable!("a slot location holds a word"),
            None => self.shared.pre.storage(address, index),
        })
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, ViewError> {
        Ok(self.shared.pre.block_hash(number))
    }
}
