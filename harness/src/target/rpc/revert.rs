//! Revert data of reverted transactions. Receipts do not carry it, so each reverted
//! transaction is replayed with `eth_call` on the state its block started from: two
//! batched calls per round, for reverted transactions only (a few per run when the
//! workloads behave), capped per round so a revert storm cannot stall the tracker.

use std::collections::HashMap;

use alloy::primitives::{Address, B256, Bytes, U64, U256};
use serde::Deserialize;

use super::client::Client;

/// Most reverted transactions replayed per tracker round; the rest keep no revert data.
const MAX_REPLAYS: usize = 64;

#[derive(Debug, Deserialize)]
struct RpcTx {
    from: Address,
    #[serde(default)]
    to: Option<Address>,
    input: Bytes,
    value: U256,
    gas: U64,
}

/// Revert data of `reverted` (hash, block number), for those the replay reproduces.
pub async fn revert_data(client: &Client, reverted: &[(B256, u64)]) -> HashMap<B256, Bytes> {
    let reverted = &reverted[..reverted.len().min(MAX_REPLAYS)];
    let mut out = HashMap::new();
    let params = reverted.iter().map(|(h, _)| serde_json::json!([h]));
    let Ok(txs) = client.batch::<Option<RpcTx>>("eth_getTransactionByHash", params).await else { return out };
    let replays: Vec<(B256, serde_json::Value)> = reverted
        .iter()
        .zip(txs)
        .filter_map(|((h, block), tx)| {
            let tx = tx.ok().flatten()?;
            let call =
                serde_json::json!({"from": tx.from, "to": tx.to, "input": tx.input, "value": tx.value, "gas": tx.gas});
            Some((*h, serde_json::json!([call, format!("0x{:x}", block.saturating_sub(1))])))
        })
        .collect();
    let Ok(answers) = client.batch::<Bytes>("eth_call", replays.iter().map(|(_, p)| p.clone())).await else {
        return out;
    };
    for ((h, _), answer) in replays.iter().zip(answers) {
        // A replay that succeeds means an earlier transaction of the block made the
        // difference: no data rather than a wrong reason.
        if let Err(e) = answer
            && let Some(data) = e.data.as_ref().and_then(|d| d.as_str()).and_then(|d| d.parse::<Bytes>().ok())
        {
            out.insert(*h, data);
        }
    }
    out
}
