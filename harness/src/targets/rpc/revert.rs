//! Revert data of reverted transactions. Receipts do not carry it. Where the node traces
//! (`debug_traceTransaction` with the call tracer: geth, reth, anvil, op-geth), each
//! reverted transaction is re-run where it stood in its block, so a revert caused by an
//! earlier transaction of the same block keeps its reason. Elsewhere each is replayed
//! with `eth_call` on the state its block started from. Batched, for reverted
//! transactions only (a few per run when the workloads behave), capped per round so a
//! revert storm cannot stall the tracker.

use std::{
    collections::HashMap,
    sync::atomic::{AtomicBool, Ordering},
};

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

/// The top call of a `callTracer` trace: its output is the revert data when it failed.
#[derive(Debug, Deserialize)]
struct TopCall {
    #[serde(default)]
    output: Option<Bytes>,
    #[serde(default)]
    error: Option<String>,
}

/// Revert data of `reverted` (hash, block number): traced in place unless `no_trace`
/// says the node cannot (set here when it answers that it does not know the method),
/// replayed on the parent block otherwise. `no_trace` starts as the probe found it.
pub async fn revert_data(client: &Client, reverted: &[(B256, u64)], no_trace: &AtomicBool) -> HashMap<B256, Bytes> {
    let reverted = &reverted[..reverted.len().min(MAX_REPLAYS)];
    if reverted.is_empty() {
        return HashMap::new();
    }
    if !no_trace.load(Ordering::Relaxed) {
        match traced(client, reverted).await {
            Some(out) => return out,
            None => no_trace.store(true, Ordering::Relaxed),
        }
    }
    replayed(client, reverted).await
}

/// Revert data from the node's call tracer; `None` when the node does not trace.
async fn traced(client: &Client, reverted: &[(B256, u64)]) -> Option<HashMap<B256, Bytes>> {
    let config = serde_json::json!({"tracer": "callTracer", "tracerConfig": {"onlyTopCall": true}});
    let params = reverted.iter().map(|(h, _)| serde_json::json!([h, config]));
    let Ok(traces) = client.batch::<TopCall>("debug_traceTransaction", params).await else {
        return Some(HashMap::new());
    };
    // Any error answer (-32601, Hardhat's -32602 for a tracer, a disabled namespace) means
    // the node does not trace as needed: replay from now on.
    if traces.iter().any(Result::is_err) {
        return None;
    }
    let failed = |t: TopCall| t.error.is_some().then_some(t.output).flatten();
    Some(reverted.iter().zip(traces).filter_map(|((h, _), t)| Some((*h, failed(t.ok()?)?))).collect())
}

/// Revert data from replaying each transaction with `eth_call` on its parent block.
async fn replayed(client: &Client, reverted: &[(B256, u64)]) -> HashMap<B256, Bytes> {
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
