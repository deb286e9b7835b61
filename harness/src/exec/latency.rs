//! Modelled state-read latency: a node whose state lives on disk pays for each location
//! it reads from it the first time in a block (later reads hit its cache). Both
//! executors pay the same: once per distinct location per block, sleeping.

use core::{
    sync::atomic::{AtomicU64, Ordering::Relaxed},
    time::Duration,
};
use std::time::Instant;

use alloy::primitives::{Address, B256, U256};
use revm::{
    Database, DatabaseCommit, DatabaseRef,
    bytecode::Bytecode,
    primitives::AddressMap,
    state::{Account, AccountInfo},
};

use super::{ChainState, Loc, LocSet};

/// Waits `d` of wall-clock time the way a read from disk does: the thread sleeps and
/// its core is free for other threads meanwhile. The thread's timer slack is set to
/// 1 ns first (Linux; the default 50 us would triple a 20 us wait), and the last
/// microseconds are spun so that the wait ends on time.
pub fn wait(d: Duration) {
    const SPIN: Duration = Duration::from_micros(8);
    let start = Instant::now();
    let end = start + d;
    if d > SPIN {
        tight_timer_slack();
        std::thread::sleep(d - SPIN);
    }
    while Instant::now() < end {
        core::hint::spin_loop();
    }
    WAITS.fetch_add(1, Relaxed);
    WAITED_NS.fetch_add(start.elapsed().as_nanos() as u64, Relaxed);
}

static WAITS: AtomicU64 = AtomicU64::new(0);
static WAITED_NS: AtomicU64 = AtomicU64::new(0);

/// Modelled reads so far in this process, and the nanoseconds they actually waited (a
/// sleep ends a few microseconds late; both executors pay the same).
pub fn waits() -> (u64, u64) {
    (WAITS.load(Relaxed), WAITED_NS.load(Relaxed))
}

#[cfg(target_os = "linux")]
fn tight_timer_slack() {
    std::thread_local!(static SET: core::cell::Cell<bool> = const { core::cell::Cell::new(false) });
    SET.with(|set| {
        if !set.replace(true) {
            // Best effort: without it waits are only longer, for both executors alike.
            let _ = rustix::thread::set_current_timer_slack(core::num::NonZeroU64::new(1));
        }
    });
}

#[cfg(not(target_os = "linux"))]
fn tight_timer_slack() {}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_lasts_at_least_its_duration() {
        for us in [0, 5, 20, 300] {
            let d = Duration::from_micros(us);
            let start = Instant::now();
            wait(d);
            assert!(start.elapsed() >= d, "{us} us");
        }
    }
}
