//! Multi-version memory: for each location, the values written by each transaction of
//! the block (or an estimate of a write by an aborted one), and each transaction's last
//! read and write sets. A read sees the highest writer below the reader. The memory is
//! kept from block to block, so nothing here allocates in the steady state: a location
//! with one writer keeps it inline, and read and write sets are swapped with the
//! worker's buffers, whose capacity comes back to it.

use std::sync::Mutex;

use alloy::primitives::U256;
use smallvec::SmallVec;

use super::{
    padded::{Padded, Slots, reset},
    view::BasicKey,
    written::Written,
};
use crate::{
    exec::{Loc, LocMap},
    lock,
};

/// A written value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// Balance, nonce and code hash (code itself is read by hash).
    Basic(BasicKey),
    /// The same, of an account the transaction created (its storage starts empty).
    Created(BasicKey),
    Slot(U256),
}

/// Where a read got its value: the pre-state, or a write of (transaction, incarnation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Pre,
    Tx(u32, u32),
}

/// What a read found.
#[derive(Debug)]
pub enum Found {
    Pre,
    Data(Origin, Value),
    /// An estimate left by this aborted transaction: the reader must wait for it.
    Estimate(u32),
}

#[derive(Debug)]
enum Entry {
    Estimate,
    Data(u32, Value),
}

/// Writers of one location, sorted by transaction; most locations have one (kept
/// inline) or two, so a vector beats a tree.
#[derive(Debug, Default)]
struct Versions(SmallVec<[(u32, Entry); 1]>);

impl Versions {
    /// The highest writer below `txn`.
    fn below(&self, txn: u32) -> Option<&(u32, Entry)> {
        let i = self.0.partition_point(|(w, _)| *w < txn);
        i.checked_sub(1).map(|i| &self.0[i])
    }

    fn get_mut(&mut self, txn: u32) -> Option<&mut Entry> {
        self.0.binary_search_by_key(&txn, |(w, _)| *w).ok().map(|i| &mut self.0[i].1)
    }

    fn insert(&mut self, txn: u32, e: Entry) {
        match self.0.binary_search_by_key(&txn, |(w, _)| *w) {
            Ok(i) => self.0[i].1 = e,
            Err(i) => self.0.insert(i, (txn, e)),
        }
    }

    fn remove(&mut self, txn: u32) {
        if let Ok(i) = self.0.binary_search_by_key(&txn, |(w, _)| *w) {
            self.0.remove(i);
        }
    }
}

/// A transaction's reads: each location with where its value came from.
pub type ReadSet = Vec<(Loc, Origin)>;

/// A transaction's writes, in the order it made them (an account before its slots).
pub type WriteSet = Vec<(Loc, Value)>;

/// Shards keep threads off one another's locks.
const SHARDS: usize = 64;

#[derive(Debug)]
pub struct MvMemory {
    shards: Box<[Padded<Mutex<LocMap<Versions>>>]>,
    written: Written,
    last_writes: Slots<WriteSet>,
    last_reads: Slots<ReadSet>,
}

impl Default for MvMemory {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Padded::default()).collect(),
            written: Written::default(),
            last_writes: Slots::new(),
            last_reads: Slots::new(),
        }
    }
}

impl MvMemory {
    /// Empties the memory for a block of `txs` transactions.
    pub fn reset(&mut self, txs: usize) {
        for shard in &mut self.shards {
            let map = shard.0.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner);
            map.clear();
            map.reserve(txs * 4 / SHARDS + 8);
        }
        self.written.reset();
        reset(&mut self.last_writes, txs, Vec::clear);
        reset(&mut self.last_reads, txs, Vec::clear);
    }

    fn shard(&self, loc: &Loc) -> &Mutex<LocMap<Versions>> {
        // The folded word's low bits pick the shard; the map hashes it again in full.
        &self.shards[(loc.fold() ^ (loc.fold() >> 32)) as usize % SHARDS]
    }

    /// The value `txn` reads at `loc`.
    pub fn read(&self, loc: &Loc, txn: u32) -> Found {
        if !self.written.below(loc, txn) {
            return Found::Pre;
        }
        let shard = lock(self.shard(loc));
        match shard.get(loc).and_then(|v| v.below(txn)) {
            None => Found::Pre,
            Some((w, Entry::Estimate)) => Found::Estimate(*w),
            Some((w, Entry::Data(inc, value))) => Found::Data(Origin::Tx(*w, *inc), *value),
        }
    }

    /// Where a read by `txn` at `loc` would come from now (`None`: an estimate).
    fn origin(&self, loc: &Loc, txn: u32) -> Option<Origin> {
        if !self.written.below(loc, txn) {
            return Some(Origin::Pre);
        }
        let shard = lock(self.shard(loc));
        match shard.get(loc).and_then(|v| v.below(txn)) {
            None => Some(Origin::Pre),
            Some((_, Entry::Estimate)) => None,
            Some((w, Entry::Data(inc, _))) => Some(Origin::Tx(*w, *inc)),
        }
    }

    /// Records an execution's reads and writes; true when it wrote a location its
    /// previous incarnation did not (earlier validations may have missed it). The sets
    /// are swapped in: `reads` and `writes` come back holding the previous ones, to be
    /// emptied and refilled without allocating.
    pub fn record(&self, txn: u32, inc: u32, reads: &mut ReadSet, writes: &mut WriteSet) -> bool {
        for (loc, value) in writes.iter() {
            self.written.mark(loc, txn);
            lock(self.shard(loc)).entry(*loc).or_default().insert(txn, Entry::Data(inc, *value));
        }
        let written = |l: &Loc| writes.iter().any(|(w, _)| w == l);
        let mut prev = lock(&self.last_writes[txn as usize]);
        for (old, _) in prev.iter().filter(|(l, _)| !written(l)) {
            if let Some(v) = lock(self.shard(old)).get_mut(old) {
                v.remove(txn);
            }
        }
        let wrote_new = writes.iter().any(|(l, _)| !prev.iter().any(|(p, _)| p == l));
        core::mem::swap(&mut *prev, writes);
        drop(prev);
        core::mem::swap(&mut *lock(&self.last_reads[txn as usize]), reads);
        wrote_new
    }

    /// Whether every read of `txn`'s last execution would still see the same write.
    pub fn validate(&self, txn: u32) -> bool {
        lock(&self.last_reads[txn as usize]).iter().all(|(loc, origin)| self.origin(loc, txn) == Some(*origin))
    }

    /// Marks `txn`'s writes as estimates: readers wait for its next incarnation.
    pub fn mark_estimates(&self, txn: u32) {
        for (loc, _) in lock(&self.last_writes[txn as usize]).iter() {
            if let Some(e) = lock(self.shard(loc)).get_mut(loc).and_then(|v| v.get_mut(txn)) {
                *e = Entry::Estimate;
            }
        }
    }

    /// The writes of the last execution of each of the block's `txs` transactions, in
    /// block order.
    pub fn write_sets(&mut self, txs: usize) -> impl Iterator<Item = &WriteSet> {
        self.last_writes[..txs].iter_mut().map(|w| &*w.0.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// Whether any estimate is left (there must be none once the block is done).
    pub fn has_estimates(&self) -> bool {
        self.shards.iter().any(|s| lock(s).values().any(|v| v.0.iter().any(|(_, e)| matches!(e, Entry::Estimate))))
    }
}
