//! Which locations the block may have written: one bit per hash of a location, set
//! before a write enters the multi-version memory. A read of a location whose bit is
//! clear has no writer to look for, so it skips the memory's locks (most reads of
//! independent transactions). A clear bit seen while a write is being recorded only
//! orders the read before that write; the writer lowers the validation index after
//! recording, so the read is validated again against the recorded write.

use core::sync::atomic::{AtomicU64, Ordering::SeqCst};

use crate::exec::Loc;

/// 2^16 bits (8 KiB): a block's few thousand written locations fill a few percent.
const BITS: u32 = 16;

#[derive(Debug)]
pub struct Written(Box<[AtomicU64]>);

impl Default for Written {
    fn default() -> Self {
        Self((0..1 << (BITS - 6)).map(|_| AtomicU64::new(0)).collect())
    }
}

/// The word and bit of `loc` (a multiplicative hash of its folded word).
fn slot(loc: &Loc) -> (usize, u64) {
    let h = (loc.fold().wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - BITS)) as usize;
    (h >> 6, 1 << (h & 63))
}

impl Written {
    /// Clears every bit (a new block).
    pub fn reset(&mut self) {
        for w in &mut self.0 {
            *w.get_mut() = 0;
        }
    }

    /// Notes that `loc` is about to be written.
    pub fn mark(&self, loc: &Loc) {
        let (word, bit) = slot(loc);
        if self.0[word].load(SeqCst) & bit == 0 {
            self.0[word].fetch_or(bit, SeqCst);
        }
    }

    /// False when nothing in the block has written `loc` yet.
    pub fn maybe(&self, loc: &Loc) -> bool {
        let (word, bit) = slot(loc);
        self.0[word].load(SeqCst) & bit != 0
    }
}

#[cfg(test)]
mod tests {
    use alloy::primitives::{Address, U256};

    use super::*;

    #[test]
    fn a_marked_location_is_seen_and_a_reset_forgets_it() {
        let mut w = Written::default();
        let locs: Vec<Loc> = (0..200u64).map(|i| Loc::Slot(Address::with_last_byte(7), U256::from(i))).collect();
        assert!(locs.iter().all(|l| !w.maybe(l)));
        for l in &locs[..100] {
            w.mark(l);
        }
        assert!(locs[..100].iter().all(|l| w.maybe(l)), "a marked location must never read as unwritten");
        let false_positives = locs[100..].iter().filter(|l| w.maybe(l)).count();
        assert!(false_positives < 5, "{false_positives} of 100 unwritten locations look written");
        w.reset();
        assert!(locs.iter().all(|l| !w.maybe(l)));
    }
}
