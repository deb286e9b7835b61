//! The state before the block, shared read-only by the workers, with the modelled
//! `state_read_latency_us`: the first read of a location in the block waits (as the
//! sequential executor's [`LatentState`](crate::exec::LatentState) does), later reads
//! of it are free. The record of what was read is kept from block to block (emptied
//! before each), so it does not grow its sets anew every block.

use core::time::Duration;
use std::sync::Mutex;

use alloy::primitives::{Address, B256, U256};
use revm::{DatabaseRef, bytecode::Bytecode, state::AccountInfo};

use crate::{
    exec::{ChainState, Loc, LocSet, latency::wait},
    lock,
};

const SHARDS: usize = 32;

/// The locations read from the pre-state so far in the block, sharded.
#[derive(Debug)]
pub struct Seen(Box<[Mutex<LocSet>]>);

impl Default for Seen {
    fn default() -> Self {
        Self((0..SHARDS).map(|_| Mutex::default()).collect())
    }
}

impl Seen {
    /// Forgets every location (a new block), keeping the sets' capacity.
    pub fn reset(&mut self) {
        for set in &mut self.0 {
            set.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
        }
    }
}

#[derive(Debug)]
pub struct PreState<'a> {
    db: &'a ChainState,
    latency: Duration,
    seen: &'a Seen,
}

impl<'a> PreState<'a> {
    /// `seen` must be empty at the start of the block.
    pub fn new(db: &'a ChainState, latency: Duration, seen: &'a Seen) -> Self {
        Self { db, latency, seen }
    }

    fn charge(&self, loc: Loc) {
        if self.latency.is_zero() {
            return;
        }
        let first = lock(&self.seen.0[loc.fold() as usize % SHARDS]).insert(loc);
        if first {
            wait(self.latency);
        }
    }

    pub fn basic(&self, address: Address) -> Option<AccountInfo> {
        self.charge(Loc::Basic(address));
        self.db.basic_ref(address).unwrap_or_else(|e| match e {})
    }

    pub fn storage(&self, address: Address, slot: U256) -> U256 {
        self.charge(Loc::Slot(address, slot));
        self.db.storage_ref(address, slot).unwrap_or_else(|e| match e {})
    }

    pub fn code(&self, hash: B256) -> Bytecode {
        self.db.code_by_hash_ref(hash).unwrap_or_else(|e| match e {})
    }

    pub fn block_hash(&self, number: u64) -> B256 {
        self.db.block_hash_ref(number).unwrap_or_else(|e| match e {})
    }
}
