//! What the embedded chain executes of a submitted transaction: by default what it decodes
//! from the signed bytes, with the sender recovered from the signature (libsecp256k1,
//! spread over the cores); with `sender_recovery: trusted`, the plan's fields unread.

use std::sync::Arc;

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope},
    eips::Decodable2718,
    primitives::{Address, B256, Bytes, U256, uint},
};
use revm::context::TxEnv;

use crate::{
    plan::{self, PlannedTx, TxId, recover_sender},
    targets::{RejectKind, Rejection},
};

/// Half the order of secp256k1: an `s` above it is the malleable twin of a valid
/// signature, refused since EIP-2 (Homestead).
const HALF_ORDER: U256 = uint!(0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0_U256);

/// Batches below this many transactions per thread are verified on the caller's thread:
/// starting a thread costs about as much as recovering a few senders.
const MIN_PER_THREAD: usize = 32;

/// A transaction as the pool holds it and the builder executes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolTx {
    pub id: TxId,
    pub hash: B256,
    pub from: Address,
    pub tx: TxEip1559,
    /// The EIP-2718 encoded signed bytes (what a rollup posts and prices).
    pub raw: Bytes,
}

impl PoolTx {
    /// The plan's word for it: sender, fields and hash as planned, the bytes unread.
    pub fn trusted(p: &PlannedTx) -> Self {
        Self { id: p.id, hash: p.hash, from: p.from, tx: p.tx.clone(), raw: p.raw.clone() }
    }

    /// What the signed bytes say: decoded, the signer recovered, and refused unless the
    /// signature has a low `s` and the decoded transaction, signer and hash are the plan's.
    pub fn verified(p: &PlannedTx) -> Result<Self, Rejection> {
        let bad = |m: String| Rejection { kind: RejectKind::InvalidSignature, message: m };
        let mut bytes = p.raw.as_ref();
        let envelope = TxEnvelope::decode_2718(&mut bytes).map_err(|e| bad(format!("undecodable transaction: {e}")))?;
        if !bytes.is_empty() {
            return Err(bad(format!("{} bytes after the transaction", bytes.len())));
        }
        let TxEnvelope::Eip1559(signed) = envelope else {
            return Err(bad(format!("type {} transaction: only EIP-1559 (type 2) is accepted", envelope.tx_type())));
        };
        let sig = signed.signature();
        if sig.s() > HALF_ORDER {
            return Err(bad("signature s is in the upper half of the curve order (EIP-2: high-s is malleable)".into()));
        }
        let from = recover_sender(&signed.tx().signature_hash(), sig)
            .ok_or_else(|| bad("no public key recovers from the signature".into()))?;
        if from != p.from {
            return Err(bad(format!("the signature recovers {from}, not the sender {}", p.from)));
        }
        let mismatch = |m: String| Rejection { kind: RejectKind::Other, message: m };
        let differs = differing_fields(signed.tx(), &p.tx);
        if !differs.is_empty() {
            return Err(mismatch(format!("the signed bytes differ from the plan in {}", differs.join(", "))));
        }
        if *signed.hash() != p.hash {
            return Err(mismatch(format!("the signed bytes hash to {}, the plan says {}", signed.hash(), p.hash)));
        }
        Ok(Self { id: p.id, hash: *signed.hash(), from, tx: signed.tx().clone(), raw: p.raw.clone() })
    }

    /// The revm transaction that executes it.
    pub fn tx_env(&self) -> TxEnv {
        plan::tx_env(self.from, &self.tx)
    }
}

/// The names of the fields in which `a` and `b` differ.
fn differing_fields(a: &TxEip1559, b: &TxEip1559) -> Vec<&'static str> {
    let checks = [
        ("chain_id", a.chain_id == b.chain_id),
        ("nonce", a.nonce == b.nonce),
        ("gas_limit", a.gas_limit == b.gas_limit),
        ("max_fee_per_gas", a.max_fee_per_gas == b.max_fee_per_gas),
        ("max_priority_fee_per_gas", a.max_priority_fee_per_gas == b.max_priority_fee_per_gas),
        ("to", a.to == b.to),
        ("value", a.value == b.value),
        ("access_list", a.access_list == b.access_list),
        ("input", a.input == b.input),
    ];
    checks.into_iter().filter(|(_, same)| !same).map(|(name, _)| name).collect()
}

/// Admits `batch`: verified on up to `threads` threads (trusted: taken from the plan).
pub fn admit_all(batch: &[Arc<PlannedTx>], verify: bool, threads: usize) -> Vec<Result<PoolTx, Rejection>> {
    if !verify {
        return batch.iter().map(|p| Ok(PoolTx::trusted(p))).collect();
    }
    let threads = threads.min(batch.len() / MIN_PER_THREAD).max(1);
    if threads == 1 {
        return batch.iter().map(|p| PoolTx::verified(p)).collect();
    }
    let chunk = batch.len().div_ceil(threads);
    std::thread::scope(|s| {
        let parts: Vec<_> = batch
            .chunks(chunk)
            .skip(1)
            .map(|part| s.spawn(move || part.iter().map(|p| PoolTx::verified(p)).collect::<Vec<_>>()))
            .collect();
        let mut out: Vec<_> = batch[..chunk].iter().map(|p| PoolTx::verified(p)).collect();
        for part in parts {
            out.extend(part.join().expect("verification does not panic"));
        }
        out
    })
}
