//! What a node is and what it supports: client version, chain id, head, gas limit, base
//! fee, block time, whether it automines (anvil, Hardhat), and its optional methods (see
//! `caps`). Used when a run connects and by `gasbench target probe`.

use alloy::primitives::U64;
use serde::Serialize;

use super::{
    caps::{Capabilities, Support, probe_caps},
    client::{Client, RpcError},
};

/// Blocks back from the head over which the block time is measured.
const BLOCK_TIME_SPAN: u64 = 10;

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
    /// Mean time between the last blocks' timestamps (1 s resolution), milliseconds;
    /// `None` with fewer than two blocks or all in one second.
    pub block_time_ms: Option<u64>,
    /// Whether the node mines each transaction as it arrives (`anvil_getAutomine` or
    /// `hardhat_getAutomine`); `None` for other nodes.
    pub automine: Option<bool>,
    /// The optional methods and what each answered.
    pub capabilities: Capabilities,
}

/// Asks the node behind `client`; fails only when the basics (chain id, head) fail.
/// `subscribe` is what a WebSocket endpoint answered, when one was tried.
pub async fn probe(client: &Client, subscribe: Option<Support>) -> Result<Probe, RpcError> {
    let chain_id: U64 = client.call("eth_chainId", serde_json::json!([])).await?;
    let client_version = client
        .call::<String>("web3_clientVersion", serde_json::json!([]))
        .await
        .unwrap_or_else(|e| format!("unknown ({e})"));
    let block: serde_json::Value = client.call("eth_getBlockByNumber", serde_json::json!(["latest", false])).await?;
    let latest = quantity(&block, "number").unwrap_or(0) as u64;
    let (automine, dev_mining) = match client.call::<bool>("anvil_getAutomine", serde_json::json!([])).await {
        Ok(a) => (Some(a), Support::Yes),
        Err(_) => match client.call::<bool>("hardhat_getAutomine", serde_json::json!([])).await {
            Ok(a) => (Some(a), Support::Yes),
            Err(e) => (None, Support::no(&e)),
        },
    };
    let capabilities = probe_caps(client, subscribe, dev_mining).await;
    Ok(Probe {
        url: client.url().to_string(),
        client_version,
        chain_id: chain_id.to(),
        latest_block: latest,
        gas_limit: quantity(&block, "gasLimit").unwrap_or(0) as u64,
        base_fee_wei: quantity(&block, "baseFeePerGas"),
        block_time_ms: block_time_ms(client, &block, latest).await,
        automine,
        capabilities,
    })
}

fn quantity(block: &serde_json::Value, key: &str) -> Option<u128> {
    block[key].as_str().and_then(|s| u128::from_str_radix(s.trim_start_matches("0x"), 16).ok())
}

/// The mean block time over the last [`BLOCK_TIME_SPAN`] blocks, from their timestamps.
async fn block_time_ms(client: &Client, latest: &serde_json::Value, number: u64) -> Option<u64> {
    let back = number.min(BLOCK_TIME_SPAN);
    if back == 0 {
        return None;
    }
    let earlier: serde_json::Value =
        client.call("eth_getBlockByNumber", serde_json::json!([format!("0x{:x}", number - back), false])).await.ok()?;
    let span_s = quantity(latest, "timestamp")?.checked_sub(quantity(&earlier, "timestamp")?)?;
    (span_s > 0).then(|| (span_s * 1000 / u128::from(back)) as u64)
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
        match self.block_time_ms {
            Some(ms) => writeln!(f, "block time      {:.1} s (mean of the last blocks' timestamps)", ms as f64 / 1e3)?,
            None => writeln!(f, "block time      unknown (too few blocks)")?,
        }
        match self.automine {
            Some(true) => writeln!(f, "mining          on each transaction's arrival (automine)")?,
            Some(false) => writeln!(f, "mining          on an interval")?,
            None => {}
        }
        write!(f, "optional methods (any error selects the fallback):")?;
        for (name, support, path) in self.capabilities.paths() {
            write!(f, "\n  {name:<21} {support}\n  {:<21} -> {path}", "")?;
        }
        Ok(())
    }
}
