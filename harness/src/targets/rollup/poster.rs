//! The batcher's L1 account: a key derived for the batcher (never shown), and its
//! batcher transactions: EIP-1559 transactions carrying frames as calldata to the batch
//! inbox, priced from the L1's current base fee, or EIP-4844 transactions carrying them
//! in blobs (with their KZG commitments and proofs), priced from the blob base fee too.

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEip4844, TxEip4844Variant, TxEip4844WithSidecar, TxEnvelope},
    eips::{Encodable2718, eip4844::BlobTransactionSidecar, eip7594::BlobTransactionSidecarVariant},
    primitives::{Address, B256, Bytes, TxKind},
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

    /// A signed blob transaction carrying `sidecar`'s blobs (see [`super::blob::sidecar`]),
    /// in its network encoding (with the sidecar). Returns the encoding and the hash.
    pub fn blob_transaction(
        &mut self,
        sidecar: BlobTransactionSidecar,
        base_fee_wei: u128,
        blob_base_fee_wei: u128,
    ) -> (Bytes, B256) {
        let tx = TxEip4844 {
            chain_id: self.chain_id,
            nonce: self.nonce,
            gas_limit: 21_000,
            max_fee_per_gas: 2 * base_fee_wei + TIP_WEI,
            max_priority_fee_per_gas: TIP_WEI,
            to: self.inbox,
            blob_versioned_hashes: sidecar.versioned_hashes().collect(),
            // Room for the blob base fee to double, as op-batcher leaves it.
            max_fee_per_blob_gas: 2 * blob_base_fee_wei.max(1),
            ..TxEip4844::default()
        };
        let with = TxEip4844WithSidecar::from_tx_and_sidecar(tx, BlobTransactionSidecarVariant::Eip4844(sidecar));
        let variant = TxEip4844Variant::TxEip4844WithSidecar(with);
        let sig = self.keys.sign(0, &variant.signature_hash());
        let envelope = TxEnvelope::from(variant.into_signed(sig));
        (envelope.encoded_2718().into(), *envelope.tx_hash())
    }

    /// The batcher's key signs `tx` (for the L1 over RPC, where the batcher posts itself).
    pub fn sign_calldata(&mut self, data: Vec<u8>, base_fee_wei: u128) -> (Bytes, B256) {
        let base_fee = u64::try_from(base_fee_wei).unwrap_or(u64::MAX / 4);
        let planned = self.transaction(data, base_fee);
        (planned.raw, planned.hash)
    }
}
