//! A state location, the unit of conflict between transactions: an account's basic
//! information (balance, nonce, code hash) or one storage slot.

use alloy::primitives::{Address, U256};

/// One location of the world state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Loc {
    Basic(Address),
    Slot(Address, U256),
}
