//! Receipts of our transactions, the cheapest way the node allows. Measured on anvil
//! 1.7.1 (scripts/bench-receipts.sh, docs/performance.md): a block's receipts cost it
//! time that grows with the square of the block's size whichever way they are asked
//! (1,941 transactions: `eth_getBlockReceipts` 1.24 s, batched `eth_getTransactionReceipt`
//! 1.30 s; 5,557: 11.0 s and 10.5 s), against 7-11 ms for the block's hashes. So plain
//! transfers to generated accounts are not asked for at all (see [`derived`]); a block
//! mostly ours is fetched whole with `eth_getBlockReceipts` (one request), one with few
//! of ours with batched `eth_getTransactionReceipt`. Blocks are fetched in parallel,
//! within the tracker's connections; a node without `eth_getBlockReceipts` (probed before
//! the run, or failing it during the run with any answer) gets the batched calls only.

use std::{
    collections::HashMap,
    sync::{Arc, atomic::Ordering},
};

use alloy::primitives::{B256, U64, U128};
use serde::Deserialize;
use tokio::task::JoinSet;

use crate::lock;

use super::{
    Shared,
    client::{Client, RpcError},
};

/// Receipts per `eth_getTransactionReceipt` batch.
const RECEIPTS_PER_BATCH: usize = 250;
/// A block is fetched whole when at least 1/this of its transactions are ours.
const WHOLE_BLOCK_SHARE: usize = 4;

/// The receipt fields gasbench reads; OP-stack chains add `l1Fee`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RpcReceipt {
    pub transaction_hash: B256,
    #[serde(default)]
    pub status: Option<U64>,
    pub gas_used: U64,
    #[serde(default)]
    pub effective_gas_price: Option<U128>,
    #[serde(default)]
    pub l1_fee: Option<U128>,
}

/// The receipt of a plain transfer to a generated account (no code, no calldata, no
/// access list): 21,000 gas, success, and the EIP-1559 price min(max fee, base fee +
/// tip): what every EVM chain charges, known without asking the node. The tracker checks
/// it against one fetched receipt per block and stops deriving at the first difference
/// (an OP-stack `l1Fee` included).
pub fn derived(hash: B256, base_fee: u128, (max_fee, tip): (u128, u128)) -> RpcReceipt {
    RpcReceipt {
        transaction_hash: hash,
        status: Some(U64::from(1)),
        gas_used: U64::from(21_000),
        effective_gas_price: Some(U128::from(max_fee.min(base_fee + tip))),
        l1_fee: None,
    }
}

/// Whether a fetched receipt is what [`derived`] says.
pub fn matches(fetched: &RpcReceipt, derived: &RpcReceipt) -> bool {
    fetched.status == derived.status
        && fetched.gas_used == derived.gas_used
        && fetched.effective_gas_price == derived.effective_gas_price
        && fetched.l1_fee.is_none()
}

/// What one block needs: its number, its size, and our transactions in it.
#[derive(Debug)]
pub struct Wanted {
    pub number: u64,
    pub block_txs: usize,
    pub ours: Vec<B256>,
}

/// The receipts of every transaction of ours in `blocks`; all must be there.
pub async fn fetch(shared: &Arc<Shared>, blocks: Vec<Wanted>) -> Result<HashMap<B256, RpcReceipt>, RpcError> {
    let mut set = JoinSet::new();
    let all_ours: Vec<B256> = blocks.iter().flat_map(|b| b.ours.iter().copied()).collect();
    for b in blocks.into_iter().filter(|b| !b.ours.is_empty()) {
        let whole =
            b.ours.len() * WHOLE_BLOCK_SHARE >= b.block_txs && !shared.no_block_receipts.load(Ordering::Relaxed);
        if whole {
            let s = shared.clone();
            set.spawn(async move {
                match s
                    .tracker
                    .call::<Vec<RpcReceipt>>("eth_getBlockReceipts", serde_json::json!([format!("0x{:x}", b.number)]))
                    .await
                {
                    Ok(all) => Ok(all),
                    // Whatever the node answered (-32601, Hardhat's -32004, a -32000, an
                    // HTTP status, a null): it cannot, so the fallback from now on.
                    Err(e) if !e.is_transport() && !matches!(e, RpcError::Timeout { .. }) => {
                        if !s.no_block_receipts.swap(true, Ordering::Relaxed) {
                            lock(&s.notes).push(format!(
                                "eth_getBlockReceipts failed during the run ({e}): receipts by batched \
                                 eth_getTransactionReceipt from then on"
                            ));
                        }
                        one_by_one(&s.tracker, &b.ours).await
                    }
                    Err(e) => Err(e),
                }
            });
        } else {
            for chunk in b.ours.chunks(RECEIPTS_PER_BATCH) {
                let (client, chunk) = (shared.tracker.clone(), chunk.to_vec());
                set.spawn(async move { one_by_one(&client, &chunk).await });
            }
        }
    }
    let mut out = HashMap::new();
    while let Some(joined) = set.join_next().await {
        let part = joined.map_err(|e| RpcError::Decode { method: "receipts".into(), message: e.to_string() })??;
        out.extend(part.into_iter().map(|r| (r.transaction_hash, r)));
    }
    match all_ours.iter().find(|h| !out.contains_key(*h)) {
        Some(h) => Err(RpcError::Decode {
            method: "eth_getBlockReceipts".into(),
            message: format!("no receipt for {h}, which a block holds"),
        }),
        None => Ok(out),
    }
}

/// Receipts of `hashes` in one batch of `eth_getTransactionReceipt`.
async fn one_by_one(client: &Client, hashes: &[B256]) -> Result<Vec<RpcReceipt>, RpcError> {
    let params = hashes.iter().map(|h| serde_json::json!([h]));
    let got = client.batch::<Option<RpcReceipt>>("eth_getTransactionReceipt", params).await?;
    hashes
        .iter()
        .zip(got)
        .map(|(h, r)| match r {
            Ok(Some(r)) => Ok(r),
            other => Err(RpcError::Decode {
                method: "eth_getTransactionReceipt".into(),
                message: format!("no receipt for {h}, which a block holds: {other:?}"),
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_stack_receipts_carry_the_l1_fee_and_stop_the_derivation() {
        // A receipt with the L1 fields of OP-stack nodes (op-geth, op-reth), written by hand.
        let json = r#"{"transactionHash":"0x7b9c225e86a67f2b9d2aee5aff1c9a9985c9cd9e7924dbe08627538790dc20d0",
            "status":"0x1","gasUsed":"0x5208","effectiveGasPrice":"0x3b9aca01","l1Fee":"0x2386f26fc10000",
            "l1GasUsed":"0x640","l1GasPrice":"0x3b9aca00","l1BaseFeeScalar":"0x558","l1BlobBaseFee":"0x1",
            "l1BlobBaseFeeScalar":"0xc5fc5","logs":[],"type":"0x2"}"#;
        let r: RpcReceipt = serde_json::from_str(json).unwrap();
        assert_eq!(r.l1_fee, Some(U128::from(10_000_000_000_000_000u128)));
        let d = derived(r.transaction_hash, 1_000_000_000, (2_000_000_000, 1));
        assert_eq!((d.gas_used, d.effective_gas_price), (r.gas_used, r.effective_gas_price));
        assert!(!matches(&r, &d), "an L1 fee means the receipt cannot be derived");
        let plain = RpcReceipt { l1_fee: None, ..r };
        assert!(matches(&plain, &d));
        let capped = derived(plain.transaction_hash, 5_000_000_000, (2_000_000_000, 1));
        assert_eq!(capped.effective_gas_price, Some(U128::from(2_000_000_000u64)), "the max fee caps the price");
    }
}
