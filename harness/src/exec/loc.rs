//! A state location, the unit of conflict between transactions: an account's basic
//! information (balance, nonce, code hash) or one storage slot; and, inside the parallel
//! executor only, the fee one transaction of the block owes the block producer and the
//! value one credits a hot recipient.

use alloy::primitives::{Address, U256};

/// One location of the world state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loc {
    Basic(Address),
    Slot(Address, U256),
    /// The fee transaction N of the block owes the block producer: not state, but read
    /// like it by a transaction that reads the producer's account (lazy coinbase).
    Fee(u32),
    /// What transaction N of the block credited its recipient, a plain transfer to a
    /// hot recipient (lazy credits): read by whoever else reads that account.
    Credit(u32),
}

impl Loc {
    /// The location folded into one word: cheap to hash (a derived `Hash` feeds 53
    /// bytes to the hasher on every access of the executors' maps) and, for slots of
    /// mappings (keccak outputs), already well spread.
    pub fn fold(&self) -> u64 {
        let word = |b: &[u8], at: usize| u64::from_be_bytes(b[at..at + 8].try_into().expect("8 bytes"));
        let tail = |a: &Address| u64::from(u32::from_be_bytes(a[16..].try_into().expect("4 bytes")));
        let addr =
            |a: &Address| word(a.as_slice(), 0) ^ word(a.as_slice(), 8).rotate_left(21) ^ tail(a).rotate_left(42);
        match self {
            Self::Basic(a) => addr(a),
            Self::Slot(a, s) => {
                let l = s.as_limbs();
                addr(a).rotate_left(7) ^ l[0] ^ l[1].rotate_left(13) ^ l[2].rotate_left(29) ^ l[3].rotate_left(47) ^ 1
            }
            Self::Fee(n) => u64::from(*n).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 2,
            Self::Credit(n) => u64::from(*n).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 3,
        }
    }
}

impl core::hash::Hash for Loc {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.fold());
    }
}

/// A fast, fixed hasher for maps keyed by locations (not exposed to untrusted keys).
pub type LocHasher = foldhash::fast::FixedState;

/// A set of locations.
pub type LocSet = std::collections::HashSet<Loc, LocHasher>;

/// A map keyed by location.
pub type LocMap<V> = std::collections::HashMap<Loc, V, LocHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_locations_fold_apart() {
        let a = Address::with_last_byte(1);
        let b = Address::with_last_byte(2);
        let locs = [
            Loc::Basic(a),
            Loc::Basic(b),
            Loc::Slot(a, U256::ZERO),
            Loc::Slot(a, U256::from(1)),
            Loc::Slot(b, U256::ZERO),
            Loc::Fee(0),
            Loc::Fee(1),
            Loc::Credit(0),
            Loc::Credit(1),
        ];
        let folds: LocSet = locs.iter().copied().collect();
        assert_eq!(folds.len(), locs.len());
        let words: std::collections::BTreeSet<u64> = locs.iter().map(Loc::fold).collect();
        assert_eq!(words.len(), locs.len(), "no collisions among neighbours");
    }
}
