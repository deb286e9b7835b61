//! The batcher's L1 account: a key derived for the batcher (never shown), and its
//! batcher transactions: EIP-1559 transactions carrying frames as calldata to the batch
//! inbox, priced from the L1's current base fee.

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope},
    eips::Encodable2718,
    primitives::{Address, TxKind},
};

use crate::plan::{Keyring, PlannedTx};

/// The seed the batcher's key derives from (apart from any scenario's accounts, which
/// derive from the scenario's seed and count from index 0).
const BATCHER_SEED: u64 = 0xba7c_4e55_0000_0001;

/// The batcher's tip, as op-batcher offers one: 1 gwei.
const TIP_WEI: u128 = 1_000_000_000;

/// Signs batcher transactions.
#[derive(Debug)]
pub struct Poster {
    keys: Keyring,
    pub inbox: Address,
    pub chain_id: u64,
    pub nonce: u64,
    next_id: u32,
}

impl Poster {
    pub fn new(inbox: Address, chain_id: u64) -> Self {
        Self { keys: Keyring::derive(BATCHER_SEED, 1), inbox, chain_id, nonce: 0, next_id: 0 }
    }

    pub fn address(&self) -> Address {
        self.keys.addresses()[0]
    }

    /// A signed batcher transaction carrying `data`, willing to pay twice `base_fee_wei`.
    /// The gas limit covers the calldata floor of EIP-7623 (10 gas per token, a token per
    /// zero byte and four per other byte), above the standard 4/16 cost.
    pub fn transaction(&mut self, data: Vec<u8>, base_fee_wei: u64) -> PlannedTx {
        let zeroes = data.iter().filter(|b| **b == 0).count() as u64;
        let tokens = zeroes + 4 * (data.len() as u64 - zeroes);
        let tx = TxEip1559 {
            chain_id: self.chain_id,
            nonce: self.nonce,
            gas_limit: 21_000 + 10 * tokens,
            max_fee_per_gas: 2 * u128::from(base_fee_wei) + TIP_WEI,
            max_priority_fee_per_gas: TIP_WEI,
            to: TxKind::Call(self.inbox),
            input: data.into(),
            ..TxEip1559::default()
        };
        let sig = self.keys.sign(0, &tx.signature_hash());
        let envelope = TxEnvelope::from(tx.clone().into_signed(sig));
        let id = self.next_id;
        self.next_id += 1;
        PlannedTx {
            id,
            workload: 0,
            sender: 0,
            from: self.address(),
            nonce: self.nonce,
            hash: *envelope.tx_hash(),
            raw: envelope.encoded_2718().into(),
            tx,
            intended_ns: 0,
            recipient: None,
            op: "batch",
        }
    }
}
