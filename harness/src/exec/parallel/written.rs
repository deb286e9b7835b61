//! Which locations the block may have written, and from which transaction on: per hash
//! of a location, the lowest transaction (unit) that has written a location of that
//! hash, lowered before a write enters the multi-version memory. A read by `txn` of a
//! location whose lowest writer is not below `txn` has no writer to look for, so it
//! skips the memory's locks: most reads of independent transactions, and reads of the
//! locations a transaction writes itself (its sender, its own balances), which a
//! validation re-checks. A write that is removed again leaves the mark low: the answer
//! stays "maybe", never a wrong "no". A mark not yet lowered while a write is being
//! recorded only orders the read before that write; the writer lowers the validation
//! index after recording a new location, so the read is validated again against it.

use core::sync::atomic::{AtomicU32, Ordering::SeqCst};

use crate::exec::Loc;

/// 2^14 marks (64 KiB, within a core's L2): a block's few thousand written locations
/// share a mark with another now and then, which costs only a locked look-up.
const BITS: u32 = 14;

#[derive(Debug)]
pub struct Written(Box<[AtomicU32]>);

impl Default for Written {
    fn default() -> Self {
        Self((0..1 << BITS).map(|_| AtomicU32::new(u32::MAX)).collect())
    }
}

/// The mark of `loc` (a multiplicative hash of its folded word).
fn slot(loc: &Loc) -> usize {
    (loc.fold().wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - BITS)) as usize
}

impl Written {
    /// Forgets every write (a new block).
    pub fn reset(&mut self) {
        for w in &mut self.0 {
            *w.get_mut() = u32::MAX;
        }
    }

    /// Notes that `txn` is about to write `loc`.
    pub fn mark(&self, loc: &Loc, txn: u32) {
        let w = &self.0[slot(loc)];
        if w.load(SeqCst) > txn {
            w.fetch_min(txn, SeqCst);
        }
    }

    /// False when no transaction below `txn` has written `loc` yet.
    pub fn below(&self, loc: &Loc, txn: u32) -> bool {
        self.0[slot(loc)].load(SeqCst) < txn
    }
}

#[cfg(test)]
mod tests {
    use alloy::primitives::{Address, U256};

    use super::*;

    #[test]
    fn a_marked_location_is_seen_by_later_transactions_and_a_reset_forgets_it() {
        let mut w = Written::default();
        let locs: Vec<Loc> = (0..200u64).map(|i| Loc::Slot(Address::with_last_byte(7), U256::from(i))).collect();
        assert!(locs.iter().all(|l| !w.below(l, u32::MAX)));
        for l in &locs[..100] {
            w.mark(l, 10);
        }
        assert!(locs[..100].iter().all(|l| w.below(l, 11)), "a marked location must never read as unwritten");
        assert!(locs[..100].iter().all(|l| !w.below(l, 10)), "a writer's own or a later write is not below it");
        w.mark(&locs[0], 3);
        assert!(w.below(&locs[0], 4), "the lowest writer counts");
        let false_positives = locs[100..].iter().filter(|l| w.below(l, u32::MAX)).count();
        assert!(false_positives < 5, "{false_positives} of 100 unwritten locations look written");
        w.reset();
        assert!(locs.iter().all(|l| !w.below(l, u32::MAX)));
    }
}
