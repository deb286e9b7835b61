//! What a node is and what it supports: client version, chain id, head, gas limit, base
//! fee, JSON-RPC batches, `eth_subscribe`, and (anvil, hardhat) whether it automines.
//! Used when a run connects and by `gasbench target probe`.

use alloy::primitives::U64;
use serde::Serialize;

use super::client::{Client, RpcError};

/// A node's answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Probe {
    pub url: String,
    pub client_version: String,
    pub chain_id: u64,
    pub latest_block: u64,
    pub gas_limit: u64,
    /// `None` before London (no EIP-1559).
    pub base_fee_wei: Option<u128>,
    /// Whether a JSON-RPC batch got one answer per call.
    pub batches: bool,
    /// What `eth_subscribe` (newHeads) answered over this endpoint.
    pub subscribe: String,
    /// Whether the node mines each transaction as it arrives (`anvil_getAutomine`, which
    /// anvil and hardhat answer); `None` for other nodes.
    pub automine: Option<bool>,
}

/// Asks the node behind `client`; fails only when the basics (chain id, head) fail.
pub async fn probe(client: &Client) -> Result<Probe, RpcError> {
    let chain_id: U64 = client.call("eth_chainId", serde_json::json!([])).await?;
    let client_version = client
        .call::<String>("web3_clientVersion", serde_json::json!([]))
        .await
        .unwrap_or_else(|e| format!("unknown ({e})"));
    let block: serde_json::Value = client.call("eth_getBlockByNumber", serde_json::json!(["latest", false])).await?;
    let quantity = |k: &str| block[k].as_str().and_then(|s| u128::from_str_radix(s.trim_start_matches("0x"), 16).ok());
    let batch = client.batch::<U64>("eth_chainId", [serde_json::json!([]), serde_json::json!([])]).await;
    let subscribe = match client.call::<String>("eth_subscribe", serde_json::json!(["newHeads"])).await {
        Ok(id) => format!("yes (subscription {id})"),
        Err(RpcError::Node { message, .. }) => format!("no over HTTP ({message})"),
        Err(e) => format!("no over HTTP ({e})"),
    };
    let automine = client.call::<bool>("anvil_getAutomine", serde_json::json!([])).await.ok();
    Ok(Probe {
        url: client.url().to_string(),
        client_version,
        chain_id: chain_id.to(),
        latest_block: quantity("number").unwrap_or(0) as u64,
        gas_limit: quantity("gasLimit").unwrap_or(0) as u64,
        base_fee_wei: quantity("baseFeePerGas"),
        batches: batch.is_ok_and(|b| b.len() == 2 && b.iter().all(Result::is_ok)),
        subscribe,
        automine,
    })
}

impl core::fmt::Display for Probe {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let gwei = |w: u128| format!("{:.3} gwei", w as f64 / 1e9);
        writeln!(f, "node            {}", self.url)?;
        writeln!(f, "client version  {}", self.client_version)?;
        writeln!(f, "chain id        {}", self.chain_id)?;
        writeln!(f, "latest block    {}", self.latest_block)?;
        writeln!(f, "gas limit       {}", self.gas_limit)?;
        writeln!(f, "base fee        {}", self.base_fee_wei.map_or_else(|| "none (pre-London)".into(), gwei))?;
        writeln!(f, "json-rpc batch  {}", if self.batches { "yes" } else { "no" })?;
        write!(f, "eth_subscribe   {}", self.subscribe)?;
        match self.automine {
            Some(true) => write!(f, "\nmining          on each transaction's arrival (automine)"),
            Some(false) => write!(f, "\nmining          on an interval"),
            None => Ok(()),
        }
    }
}
