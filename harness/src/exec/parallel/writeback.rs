//! After a parallel block: each transaction's final execution committed to the chain
//! state in block order (exactly what the sequential executor commits), then the
//! block producer credited with the fees kept out of the conflict set.

use alloy::primitives::U256;
use revm::{Database, DatabaseCommit, context::TxEnv};

use super::{handler::Executed, view::ViewError};
use crate::exec::{BlockCtx, ChainState, TxOutcome, effective_gas_price, receipt};

/// Commits `results` (one per transaction of `txs`) and returns the outcomes.
pub fn apply(
    state: &mut ChainState,
    block: &BlockCtx,
    txs: &[TxEnv],
    results: Vec<Executed<ViewError>>,
) -> Vec<TxOutcome> {
    let mut fees = U256::ZERO;
    let outcomes = results
        .into_iter()
        .zip(txs)
        .map(|((result, changes, fee), tx)| match result {
            Ok(result) => {
                state.commit(changes);
                fees += fee;
                TxOutcome::Included(receipt(result, effective_gas_price(tx, block.base_fee_wei)))
            }
            Err(e) => TxOutcome::Excluded(e.to_string()),
        })
        .collect();
    if !fees.is_zero() {
        let mut info = state.basic(block.coinbase).unwrap_or_else(|e| match e {}).unwrap_or_default();
        info.balance += fees;
        state.insert_account_info(block.coinbase, info);
    }
    outcomes
}
