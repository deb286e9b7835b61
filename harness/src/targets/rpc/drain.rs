//! Draining back: after a run with `drain_back: true`, every generated account (and the
//! deployer) sends what it holds, less the transfer's fee, back to the funder. The keys
//! are the plan's; nothing is logged but counts and amounts.

use alloy::{
    consensus::{SignableTransaction, TxEnvelope},
    eips::Encodable2718,
    primitives::{Address, U256},
};

use super::{
    Shared,
    funding::{TRANSFER_GAS, Transfer, send_all, transfer, transfer_max_fee, wait_included},
};
use crate::{
    plan::{Keyring, eth},
    targets::TargetError,
};

/// Sends the accounts of `rings` back to `to`; returns a line for the report.
pub async fn drain_back(shared: &Shared, to: Address, rings: &[&Keyring]) -> Result<String, TargetError> {
    let fail = |e: super::RpcError| TargetError::Failed(format!("drain back: {e}"));
    let max_fee = transfer_max_fee(shared).await.map_err(fail)?;
    let fee = U256::from(TRANSFER_GAS) * U256::from(max_fee);
    let mut transfers = Vec::new();
    let mut total = U256::ZERO;
    for ring in rings {
        let addresses = ring.addresses();
        let balances = shared.read_each("eth_getBalance", addresses).await?;
        let nonces = shared.node_nonces(addresses, "latest").await;
        for (i, (from, balance)) in addresses.iter().zip(balances).enumerate() {
            let Some(&nonce) = nonces.get(from) else { continue };
            if balance <= fee {
                continue;
            }
            let tx = transfer(shared.chain_id(), nonce, max_fee, to, balance - fee);
            let sig = ring.sign(i, &tx.signature_hash());
            let raw = TxEnvelope::from(tx.into_signed(sig)).encoded_2718().into();
            total += balance - fee;
            transfers.push(Transfer { from: *from, nonce, raw });
        }
    }
    let refused = send_all(shared, &transfers).await?;
    let sent: Vec<Transfer> =
        transfers.iter().filter(|t| refused.iter().all(|(r, _)| r.from != t.from)).cloned().collect();
    wait_included(shared, &sent).await.map_err(|e| TargetError::Failed(format!("drain back: {e}")))?;
    let mut note = format!("drain back: {} ETH returned to the funder {to} from {} accounts", eth(total), sent.len());
    if let Some((_, why)) = refused.first() {
        note.push_str(&format!(
            "; {} accounts not drained (e.g. the node refused: {why}; a sender with a transaction stuck in the pool \
             cannot send another at its nonce)",
            refused.len()
        ));
    }
    Ok(note)
}
