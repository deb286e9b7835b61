//! The sequential executor: one revm instance, transactions in block order.

use core::time::Duration;

use alloy::primitives::Address;
use revm::{
    Context, Database, DatabaseCommit, ExecuteCommitEvm, ExecuteEvm, MainBuilder, MainContext,
    context::{BlockEnv, CfgEnv, ContextTr, TxEnv},
    context_interface::result::{ExecResultAndState, ExecutionResult},
    primitives::{U256, hardfork::SpecId},
    state::EvmState,
};

use super::{BlockCtx, ChainState, Executor, LatentState, Receipt, TxOutcome, effective_gas_price};

/// Executes a block's transactions one after another.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sequential {
    /// Modelled latency of a first read of a location in a block.
    read_latency: Duration,
}

impl Sequential {
    pub fn new(read_latency: Duration) -> Self {
        Self { read_latency }
    }
}

fn run<DB: Database + DatabaseCommit>(db: DB, block: &BlockCtx, txs: Vec<TxEnv>) -> Vec<TxOutcome> {
    run_observed(db, block, txs, |_, _, _| {})
}

/// Runs `txs` in order on `db` as the sequential executor does; `observe` sees each
/// transaction's sender and the changes it made, with the state before them, just
/// before they are committed.
pub fn run_observed<DB: Database + DatabaseCommit>(
    db: DB,
    block: &BlockCtx,
    txs: impl IntoIterator<Item = TxEnv>,
    mut observe: impl FnMut(Address, &EvmState, &DB),
) -> Vec<TxOutcome> {
    let mut evm =
        Context::mainnet().with_db(db).with_block(block_env(block)).with_cfg(cfg_env(block.chain_id)).build_mainnet();
    txs.into_iter()
        .map(|tx| {
            let price = effective_gas_price(&tx, block.base_fee_wei);
            let caller = tx.caller;
            match evm.transact(tx) {
                Ok(ExecResultAndState { result, state }) => {
                    observe(caller, &state, evm.ctx.db_ref());
                    evm.commit(state);
                    TxOutcome::Included(receipt(result, price))
                }
                Err(e) => TxOutcome::Excluded(e.to_string()),
            }
        })
        .collect()
}

/// The revm block environment for `block`.
pub fn block_env(block: &BlockCtx) -> BlockEnv {
    BlockEnv {
        number: U256::from(block.number),
        beneficiary: block.coinbase,
        timestamp: U256::from(block.timestamp),
        gas_limit: block.gas_limit,
        basefee: block.base_fee_wei,
        prevrandao: Some(Default::default()),
        ..Default::default()
    }
}

/// The revm configuration the embedded chain runs with.
pub fn cfg_env(chain_id: u64) -> CfgEnv {
    let mut cfg = CfgEnv::new_with_spec(SpecId::PRAGUE);
    cfg.chain_id = chain_id;
    cfg
}

/// Turns revm's result into a receipt.
pub fn receipt(result: ExecutionResult, effective_gas_price_wei: u128) -> Receipt {
    match result {
        ExecutionResult::Success { gas, logs, .. } => Receipt {
            success: true,
            gas_used: gas.tx_gas_used(),
            effective_gas_price_wei,
            logs,
            revert_data: None,
            halt: None,
        },
        ExecutionResult::Revert { gas, logs, output } => Receipt {
            success: false,
            gas_used: gas.tx_gas_used(),
            effective_gas_price_wei,
            logs,
            revert_data: Some(output),
            halt: None,
        },
        ExecutionResult::Halt { reason, gas, logs } => Receipt {
            success: false,
            gas_used: gas.tx_gas_used(),
            effective_gas_price_wei,
            logs,
            revert_data: None,
            halt: Some(format!("{reason:?}")),
        },
    }
}

impl Executor for Sequential {
    fn name(&self) -> &'static str {
        "sequential"
    }

    fn execute(&mut self, state: &mut ChainState, block: &BlockCtx, txs: Vec<TxEnv>) -> Vec<TxOutcome> {
        if self.read_latency.is_zero() {
            run(state, block, txs)
        } else {
            run(LatentState::new(state, self.read_latency), block, txs)
        }
    }
}
