//! One worker's window on the block: a revm `Database` that reads through the
//! multi-version memory for the unit being executed, records every read with its
//! origin, and stops the execution when it meets an estimate. In a task group (see
//! `groups`) the members' reads go first to the group's overlay: the earlier members'
//! writes and what the group already read from outside, recorded once.

use alloy::primitives::{Address, B256, U256};
use revm::{
    Database, bytecode::Bytecode, database_interface::DBErrorMarker, primitives::KECCAK_EMPTY, state::AccountInfo,
};

use super::{
    Shared,
    mvmemory::{Found, Origin, Value},
};
use crate::exec::{Loc, LocMap};

/// Why a read could not be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ViewError {
    /// The value is an estimate of this unit's write: wait for it.
    #[error("read an estimate of unit {0}")]
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
    /// The unit being executed (what the multi-version memory knows), and the
    /// transaction of it being executed.
    pub unit: u32,
    pub txn: u32,
    /// The unit's reads from outside it.
    pub reads: Vec<(Loc, Origin)>,
    /// In a group of several transactions: every location the group wrote or read so
    /// far, with its value (`None`: the pre-state's).
    group: bool,
    pub overlay: LocMap<Option<Value>>,
    /// Accounts read, with what was read (to tell a real write from a mere touch).
    pub basics: Vec<(Address, Option<BasicKey>)>,
    /// When this execution read the block producer's account: the fees of the earlier
    /// transactions it added to the balance (see [`View::coinbase`]).
    pub coinbase_fees: Option<U256>,
    /// When this execution is a lazy credit (see `credits`): the recipient, and the
    /// balance it was shown.
    pub lazy_credit: Option<(Address, U256)>,
    /// Lazy recipients this execution read in full: the credits it added to each.
    pub credits_read: Vec<(Address, U256)>,
}

impl<'s, 'a> View<'s, 'a> {
    pub fn new(shared: &'s Shared<'a>) -> Self {
        Self {
            shared,
            unit: 0,
            txn: 0,
            reads: Vec::with_capacity(16),
            group: false,
            overlay: LocMap::default(),
            basics: Vec::with_capacity(8),
            coinbase_fees: None,
            lazy_credit: None,
            credits_read: Vec::new(),
        }
    }

    /// Starts a new execution of `unit`, a group when `group`.
    pub fn start_unit(&mut self, unit: u32, group: bool) {
        self.unit = unit;
        self.group = group;
        self.reads.clear();
        self.overlay.clear();
    }

    /// Starts the execution of `txn`, the unit's next member.
    pub fn start_tx(&mut self, txn: u32) {
        self.txn = txn;
        self.basics.clear();
        self.coinbase_fees = None;
        self.lazy_credit = None;
        self.credits_read.clear();
    }

    /// What this execution read of `address` (`None` inside: the account did not exist).
    pub fn basic_read(&self, address: &Address) -> Option<Option<BasicKey>> {
        self.basics.iter().find(|(a, _)| a == address).map(|(_, k)| *k)
    }

    fn read(&mut self, loc: Loc) -> Result<Option<Value>, ViewError> {
        if self.group
            && let Some(value) = self.overlay.get(&loc)
        {
            return Ok(*value);
        }
        if self.shared.stress {
            super::stress::perturb();
        }
        let (origin, value) = match self.shared.mv.read(&loc, self.unit) {
            Found::Pre => (Origin::Pre, None),
            Found::Data(origin, value) => (origin, Some(value)),
            Found::Estimate(w) => return Err(ViewError::Blocked(w)),
        };
        self.reads.push((loc, origin));
        if self.group {
            self.overlay.insert(loc, value);
        }
        Ok(value)
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

    /// The credits the transactions before this one made to a lazy recipient that
    /// `payers` pay, read as locations (a change to any re-validates this one).
    fn credits(&mut self, payers: &[u32]) -> Result<U256, ViewError> {
        let mut sum = U256::ZERO;
        let txn = self.txn;
        for &i in payers.iter().take_while(|i| **i < txn) {
            if let Some(Value::Slot(credit)) = self.read(Loc::Credit(i))? {
                sum = sum.wrapping_add(credit);
            }
        }
        Ok(sum)
    }

    /// Shows a lazy recipient's account: to the lazy credit itself with a small fixed
    /// balance (its execution depends on the nonce and code only; never empty, never
    /// near overflow), to anyone else with the credits before it added.
    fn lazy_recipient(
        &mut self,
        address: Address,
        payers: &[u32],
        info: &mut Option<AccountInfo>,
    ) -> Result<(), ViewError> {
        let shared = self.shared;
        if shared.credits.recipient(self.txn) == Some(address)
            && let Some(i) = info.as_mut().filter(|i| i.code_hash == KECCAK_EMPTY)
        {
            i.balance = U256::from(1);
            self.lazy_credit = Some((address, i.balance));
            return Ok(());
        }
        let credits = self.credits(payers)?;
        if !credits.is_zero() {
            let i = info.get_or_insert_with(AccountInfo::default);
            i.balance = i.balance.wrapping_add(credits);
        }
        self.credits_read.push((address, credits));
        Ok(())
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
        let shared = self.shared;
        if let Some(payers) = shared.credits.payers(&address) {
            self.lazy_recipient(address, payers, &mut info)?;
        }
        if let Some(fees) = fees.filter(|f| !f.is_zero()) {
            let i = info.get_or_insert_with(AccountInfo::default);
            i.balance = i.balance.wrapping_add(fees);
        }
        self.basics.push((address, info.as_ref().map(basic_key)));
        Ok(info)
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, ViewError> {
        if self.shared.deployed.load(core::sync::atomic::Ordering::SeqCst)
            && let Some(code) = crate::lock(&self.shared.codes).get(&code_hash)
        {
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
