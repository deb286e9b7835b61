//! Funding a run on a real node: top up every sender to what the plan may cost it, from
//! the funder, after checking the funder can afford all of it. Transfers go out in
//! batches; the funder's nonce on the node says when they are in (and which to send
//! again: anvil in automine mode loses accepted transactions under bursts).

use std::{
    collections::BTreeSet,
    time::{Duration, Instant},
};

use alloy::{
    consensus::TxEip1559,
    primitives::{Address, Bytes, TxKind, U64, U256},
};

use super::{Shared, client::RpcError, funder::Funder, reject::classify};
use crate::{
    plan::{RunCost, eth},
    targets::{RejectKind, TargetError},
};

pub(super) const TRANSFER_GAS: u64 = 21_000;
const TIP_WEI: u128 = 1_000_000_000;
/// Longest wait for the funding transfers to be included.
const FUNDING_TIMEOUT: Duration = Duration::from_secs(120);
/// Without progress for this long, the transfers not in yet are sent again.
const RESEND_AFTER: Duration = Duration::from_secs(3);

/// A plain EIP-1559 transfer.
pub(super) fn transfer(chain_id: u64, nonce: u64, max_fee: u128, to: Address, value: U256) -> TxEip1559 {
    TxEip1559 {
        chain_id,
        nonce,
        gas_limit: TRANSFER_GAS,
        max_fee_per_gas: max_fee,
        max_priority_fee_per_gas: TIP_WEI.min(max_fee),
        to: TxKind::Call(to),
        value,
        ..Default::default()
    }
}

/// The max fee of funding and drain transfers: twice the latest base fee plus the tip.
pub(super) async fn transfer_max_fee(shared: &Shared) -> Result<u128, RpcError> {
    let latest: serde_json::Value =
        shared.client.call("eth_getBlockByNumber", serde_json::json!(["latest", false])).await?;
    let base_fee =
        latest["baseFeePerGas"].as_str().and_then(|s| u128::from_str_radix(s.trim_start_matches("0x"), 16).ok());
    Ok(base_fee.unwrap_or(1_000_000_000) * 2 + TIP_WEI)
}

fn funding(e: &TargetError) -> TargetError {
    TargetError::Setup(format!("funding: {e}"))
}

/// Tops up the plan's senders; returns a line for the report.
pub async fn fund(shared: &Shared, funder: &Funder, cost: &RunCost) -> Result<String, TargetError> {
    let c = &shared.client;
    let fail = |e: RpcError| TargetError::Setup(format!("funding: {e}"));
    let accounts: Vec<(Address, U256)> = cost.per_account.iter().map(|(a, w)| (*a, *w)).collect();
    let mut topups = Vec::new();
    for chunk in accounts.chunks(500) {
        let params = chunk.iter().map(|(a, _)| serde_json::json!([a, "latest"]));
        let balances = c.batch::<U256>("eth_getBalance", params).await.map_err(fail)?;
        for ((a, need), bal) in chunk.iter().zip(balances) {
            let bal = bal.map_err(|e| TargetError::Setup(format!("funding: eth_getBalance({a}): {}", e.message)))?;
            if bal < *need {
                topups.push((*a, *need - bal));
            }
        }
    }
    let max_fee = transfer_max_fee(shared).await.map_err(fail)?;
    let transfers_wei = U256::from(topups.len() as u64 * TRANSFER_GAS) * U256::from(max_fee);
    let values_wei = topups.iter().fold(U256::ZERO, |s, (_, w)| s + w);
    let needed = values_wei + transfers_wei;
    let who = funder.address();
    let holds: U256 = c.call("eth_getBalance", serde_json::json!([who, "latest"])).await.map_err(fail)?;
    if holds < needed {
        return Err(TargetError::Setup(format!(
            "the funder {who} ({}) holds {} ETH, but this run may cost up to {} ETH more than its accounts hold: \
             load gas (gas limit x max fee x transactions) {} ETH, load values {} ETH, set-up {} ETH, \
             allowance for unplanned load {} ETH, funding transfers {} ETH; fund the funder, or lower the rate, \
             the duration or fees.max_fee_gwei",
            funder.source(),
            eth(holds),
            eth(needed),
            eth(cost.gas_wei),
            eth(cost.value_wei),
            eth(cost.setup_wei),
            eth(cost.allowance_wei),
            eth(transfers_wei)
        )));
    }
    if topups.is_empty() {
        return Ok(format!("funding: every account already held what the plan may cost (funder {who})"));
    }
    let first: U64 = c.call("eth_getTransactionCount", serde_json::json!([who, "pending"])).await.map_err(fail)?;
    let first = first.to::<u64>();
    let transfers = topups
        .iter()
        .enumerate()
        .map(|(i, (to, value))| {
            let nonce = first + i as u64;
            let raw = funder.sign(transfer(shared.chain_id(), nonce, max_fee, *to, *value))?;
            Ok(Transfer { from: who, nonce, raw })
        })
        .collect::<Result<Vec<Transfer>, TargetError>>()?;
    if let Some((_, why)) = send_all(shared, &transfers).await.map_err(|e| funding(&e))?.first() {
        return Err(TargetError::Setup(format!("funding: the node refused a transfer: {why}")));
    }
    wait_included(shared, &transfers).await.map_err(|e| funding(&e))?;
    Ok(format!(
        "funding: {} accounts topped up with {} ETH from {who} ({})",
        topups.len(),
        eth(values_wei),
        funder.source()
    ))
}

/// A signed transfer of the funding or the drain.
#[derive(Debug, Clone)]
pub(super) struct Transfer {
    pub from: Address,
    pub nonce: u64,
    pub raw: Bytes,
}

/// Sends `transfers` in batches; returns those the node refused, with its words.
pub(super) async fn send_all(shared: &Shared, transfers: &[Transfer]) -> Result<Vec<(Transfer, String)>, TargetError> {
    let mut refused = Vec::new();
    // An automining node may take a batch's calls out of order, and Hardhat refuses a
    // later nonce then ("transactions can't be queued when automining"): one at a time.
    let per_request = if shared.automines() { 1 } else { shared.spec.batch_size };
    for chunk in transfers.chunks(per_request) {
        let raws: Vec<Bytes> = chunk.iter().map(|t| t.raw.clone()).collect();
        let slot = shared.client.slot().await;
        let answers = shared.client.send_raw(&raws, slot).await.map_err(|e| TargetError::Setup(e.to_string()))?;
        for (t, a) in chunk.iter().zip(answers) {
            if let Err(e) = a
                && classify(&e.message) != RejectKind::AlreadyKnown
            {
                refused.push((t.clone(), e.message));
            }
        }
    }
    Ok(refused)
}

/// Waits until every sender's nonce on the node passes its transfers, sending again what
/// is missing when nothing moves for a while.
pub(super) async fn wait_included(shared: &Shared, transfers: &[Transfer]) -> Result<(), TargetError> {
    let senders: Vec<Address> = transfers.iter().map(|t| t.from).collect::<BTreeSet<_>>().into_iter().collect();
    let started = Instant::now();
    let (mut seen, mut moved) = (usize::MAX, Instant::now());
    loop {
        let nonces = shared.node_nonces(&senders, "latest").await;
        let missing: Vec<Transfer> =
            transfers.iter().filter(|t| nonces.get(&t.from).is_none_or(|&n| n <= t.nonce)).cloned().collect();
        if missing.is_empty() {
            return Ok(());
        }
        if missing.len() < seen {
            (seen, moved) = (missing.len(), Instant::now());
        } else if moved.elapsed() > RESEND_AFTER {
            send_all(shared, &missing).await?;
            moved = Instant::now();
        }
        if started.elapsed() > FUNDING_TIMEOUT {
            return Err(TargetError::Setup(format!(
                "{} of {} transfers not included after {FUNDING_TIMEOUT:?}; is the node mining?",
                missing.len(),
                transfers.len()
            )));
        }
        // As often as the head is polled: a new nonce needs a new block.
        tokio::time::sleep(super::tracker::head_poll(shared)).await;
    }
}
