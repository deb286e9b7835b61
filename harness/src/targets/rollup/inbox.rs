//! The L1's batch inbox as a rollup node reads it, hooked into the embedded L1's block
//! builder: the signed bytes of every included transaction sent by the batcher to the
//! inbox address, in L1 order. The derivation check reads them back from here.

use std::sync::Mutex;

use alloy::primitives::{Address, Bytes};

use crate::{
    exec::{BlockCtx, ChainState},
    lock,
    targets::embedded::{PoolTx, SealHook},
};

/// The batch inbox address: OP's convention, `0xff00..00` followed by the L2 chain id.
pub fn inbox_address(l2_chain_id: u64) -> Address {
    let mut a = [0u8; 20];
    a[0] = 0xff;
    a[12..].copy_from_slice(&l2_chain_id.to_be_bytes());
    Address::from(a)
}

/// Batcher transactions found in the L1's blocks.
#[derive(Debug)]
pub struct Inbox {
    pub address: Address,
    pub batcher: Address,
    /// (L1 block number, the transaction's calldata), in L1 order.
    pub found: Mutex<Vec<(u64, Bytes)>>,
}

impl SealHook for Inbox {
    fn sealed(&self, _state: &mut ChainState, block: &BlockCtx, _timestamp_ms: u64, included: &[&PoolTx]) -> Vec<u128> {
        let mut found = lock(&self.found);
        for tx in included {
            // Authenticated as op-node does: to the inbox, from the batcher.
            if tx.tx.to.to() == Some(&self.address) && tx.from == self.batcher {
                found.push((block.number, tx.tx.input.clone()));
            }
        }
        Vec::new()
    }
}
