//! A state location, the unit of conflict between transactions: an account's basic
//! information (balance, nonce, code hash) or one storage slot.

use alloy::primitives::{Address, U256};

/// One location of the world state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Loc {
    Basic(Address),
    Slot(Address, U256),
}

/// A fast, fixed hasher for maps keyed by locations (not exposed to untrusted keys).
pub type LocHasher = foldhash::fast::FixedState;

/// A set of locations.
pub type LocSet = std::collections::HashSet<Loc, LocHasher>;

/// A map keyed by location.
pub type LocMap<V> = std::collections::HashMap<Loc, V, LocHasher>;
