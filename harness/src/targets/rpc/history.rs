//! Reading the chain back after a run: the head and blocks with their transaction hashes
//! (`eth_getBlockByNumber`, in batches), for the reconciliation.

use alloy::primitives::{Address, B256, U64, U128};
use serde::Deserialize;

use super::{Shared, failed};
use crate::targets::{ChainBlock, TargetError};

/// Blocks per `eth_getBlockByNumber` batch.
const BLOCKS_PER_BATCH: u64 = 100;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RpcBlock {
    number: U64,
    #[serde(default)]
    base_fee_per_gas: Option<U128>,
    gas_used: U64,
    miner: Address,
    transactions: Vec<B256>,
}

/// The latest block's number.
pub(super) async fn head(shared: &Shared) -> Result<u64, TargetError> {
    if let Some(why) = shared.health.hung() {
        return Err(TargetError::Failed(why));
    }
    Ok(shared.tracker.call::<U64>("eth_blockNumber", serde_json::json!([])).await.map_err(|e| failed(&e))?.to())
}

/// Blocks `from..=to`, in order.
pub(super) async fn blocks(shared: &Shared, from: u64, to: u64) -> Result<Vec<ChainBlock>, TargetError> {
    if let Some(why) = shared.health.hung() {
        return Err(TargetError::Failed(why));
    }
    let mut out = Vec::new();
    let mut next = from;
    while next <= to {
        let upto = to.min(next + BLOCKS_PER_BATCH - 1);
        let params = (next..=upto).map(|n| serde_json::json!([format!("0x{n:x}"), false]));
        let answers =
            shared.tracker.batch::<Option<RpcBlock>>("eth_getBlockByNumber", params).await.map_err(|e| failed(&e))?;
        for (n, answer) in (next..=upto).zip(answers) {
            let b = answer
                .map_err(|e| TargetError::Failed(format!("eth_getBlockByNumber {n}: {}", e.message)))?
                .ok_or_else(|| TargetError::Failed(format!("the node has no block {n}")))?;
            out.push(ChainBlock {
                number: b.number.to(),
                base_fee_wei: b.base_fee_per_gas.map_or(0, |f| f.to()),
                gas_used: b.gas_used.to(),
                coinbase: b.miner,
                tx_hashes: b.transactions,
            });
        }
        next = upto + 1;
    }
    Ok(out)
}
