//! Modelled state-read latency: a node whose state lives on disk pays for each location
//! it reads from it the first time in a block (later reads hit its cache). Both
//! executors pay the same: once per distinct location per block.

use core::time::Duration;
use std::time::Instant;

use alloy::primitives::{Address, B256, U256};
use revm::{
    Database, DatabaseCommit, DatabaseRef,
    bytecode::Bytecode,
    primitives::AddressMap,
    state::{Account, AccountInfo},
};

use super::{ChainState, Loc, LocSet};

/// Waits `d` of wall-clock time. Short delays spin (a sleep on Linux overshoots by
/// ~50 us of timer slack); long ones sleep most of the way.
pub fn wait(d: Duration) {
    let end = Instant::now() + d;
    if d > Duration::from_micros(200) {
        std::thread::sleep(d - Duration::from_micros(100));
    }
    while Instant::now() < end {
        core::hint::spin_loop();
    }
}

/// The chain state as the sequential executor sees it when reads cost `latency`:
/// the first read of a location in the block waits, writes go straight through.
#[derive(Debug)]
pub struct LatentState<'a> {
    pub db: &'a mut ChainState,
    latency: Duration,
    seen: LocSet,
}

impl<'a> LatentState<'a> {
    pub fn new(db: &'a mut ChainState, latency: Duration) -> Self {
        Self { db, latency, seen: LocSet::default() }
    }

    fn charge(&mut self, loc: Loc) {
        if self.seen.insert(loc) {
            wait(self.latency);
        }
    }
}

impl Database for LatentState<'_> {
    type Error = core::convert::Infallible;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        self.charge(Loc::Basic(address));
        self.db.basic(address)
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        // Code is read together with its account (same disk page, immutable).
        self.db.code_by_hash(code_hash)
    }

    fn storage(&mut self, address: Address, index: U256) -> Result<U256, Self::Error> {
        self.charge(Loc::Slot(address, index));
        self.db.storage(address, index)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error> {
        self.db.block_hash_ref(number)
    }
}

impl DatabaseCommit for LatentState<'_> {
    fn commit(&mut self, changes: AddressMap<Account>) {
        self.db.commit(changes);
    }
}
