//! A scenario's world without a target: genesis, the set-up executed directly on an
//! in-memory state with the sequential executor, and the load's transactions, signed.
//! What executor benchmarks and conflict analyses start from.

use std::{collections::BTreeSet, sync::Arc};

use alloy::primitives::{Address, U256};
use revm::{Context, ExecuteCommitEvm, ExecuteEvm, MainBuilder, MainContext, context::BlockEnv, state::AccountInfo};

use super::{RunError, setup::SetupError};
use crate::{
    exec::{BlockCtx, ChainState, Executor, Sequential, TxOutcome, block_env, cfg_env},
    plan::{Keyring, PlannedTx, Planner},
    scenario::Scenario,
    targets::embedded::COINBASE,
};

/// A scenario's world after its set-up.
#[derive(Debug)]
pub struct World {
    /// The state after genesis and the set-up.
    pub state: ChainState,
    /// The load's transactions, signed, in plan order.
    pub txs: Vec<Arc<PlannedTx>>,
    /// Workload labels by index (`PlannedTx::workload`).
    pub names: Vec<&'static str>,
    /// A block context for executing the load (chain id, base fee, coinbase).
    pub block: BlockCtx,
}

/// Builds the world of `scenario` with `txs` load transactions. The chain id, gas limit
/// and initial base fee come from an embedded target section, or the defaults.
pub fn world(scenario: &Scenario, txs: usize) -> Result<World, RunError> {
    let spec = match &scenario.target {
        crate::scenario::TargetSpec::Embedded(e) => e.clone(),
        #[allow(unreachable_patterns)]
        _ => Default::default(),
    };
    let keys =
        Arc::new(Keyring::derive_for_shard(scenario.seed, scenario.shard.index, scenario.accounts.count as usize));
    let deployer = Arc::new(Planner::deployer_keys_for_shard(scenario.seed, scenario.shard.index));
    let balance = U256::from(scenario.accounts.balance_eth) * U256::from(10u64).pow(U256::from(18));
    let mut state = ChainState::default();
    for a in keys.addresses().iter().chain(deployer.addresses()) {
        state.insert_account_info(*a, AccountInfo { balance, ..Default::default() });
    }
    let n = keys.len();
    let mut planner = Planner::new(scenario, keys, deployer, spec.chain_id, vec![0; n], 0)?;
    let names = planner.workload_names();
    let prepared = planner.prepare(Some(&vec![0; txs]));
    let block = BlockCtx {
        number: 1,
        timestamp: 1_700_000_000,
        base_fee_wei: (spec.base_fee.initial_gwei * 1e9).round() as u64,
        gas_limit: u64::MAX / 2,
        coinbase: COINBASE,
        chain_id: spec.chain_id,
    };
    for phase in &prepared.setup {
        let envs = phase.iter().map(|t| t.tx_env()).collect();
        let outcomes = Sequential::default().execute(&mut state, &block, envs);
        for (tx, outcome) in phase.iter().zip(outcomes) {
            let label = prepared.setup_labels.get(&tx.id).cloned().unwrap_or_default();
            match outcome {
                TxOutcome::Included(r) if r.success => {}
                TxOutcome::Included(r) => {
                    let reason =
                        r.revert_data.map_or_else(|| r.halt.unwrap_or_default(), |d| workloads::revert::decode(&d));
                    return Err(SetupError::Reverted { label, reason }.into());
                }
                TxOutcome::Excluded(reason) => return Err(SetupError::Dropped { label, reason }.into()),
            }
        }
    }
    Ok(World { state, txs: prepared.txs, names, block: BlockCtx { number: 2, ..block } })
}

/// The storage slots each transaction of `txs` writes, executing them in order on a
/// copy of `state`: the conflict structure a parallel executor meets.
pub fn write_sets(state: &ChainState, block: &BlockCtx, txs: &[Arc<PlannedTx>]) -> Vec<BTreeSet<(Address, U256)>> {
    let mut state = state.clone();
    let env: BlockEnv = block_env(block);
    let mut evm =
        Context::mainnet().with_db(&mut state).with_block(env).with_cfg(cfg_env(block.chain_id)).build_mainnet();
    txs.iter()
        .map(|tx| {
            let Ok(out) = evm.transact(tx.tx_env()) else { return BTreeSet::new() };
            let writes = out
                .state
                .iter()
                .flat_map(|(addr, account)| account.changed_storage_slots().map(move |(slot, _)| (*addr, *slot)))
                .collect();
            evm.commit(out.state);
            writes
        })
        .collect()
}
