//! Block executors: execute an ordered block of transactions over a state and return a
//! receipt (or a reason for leaving it out) per transaction. Sequential and parallel
//! implement one trait and know nothing of targets or load.

mod compare;
mod counters;
pub mod latency;
mod loc;
mod parallel;
mod sequential;
pub mod tamper;

use alloy::primitives::{Address, Bytes, Log};
use revm::{context::TxEnv, database::InMemoryDB};

pub use compare::{outcome_diff, state_diff};
pub use counters::{ExecCounters, Fallback, SharedCounters};
pub use latency::LatentState;
pub use loc::{Loc, LocMap, LocSet};
pub use parallel::{Parallel, ParallelConfig};
pub use sequential::{Sequential, block_env, cfg_env, receipt};

/// The world state the embedded chain keeps in memory.
pub type ChainState = InMemoryDB;

/// Block-level environment of one block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockCtx {
    pub number: u64,
    /// Unix seconds.
    pub timestamp: u64,
    pub base_fee_wei: u64,
    pub gas_limit: u64,
    pub coinbase: Address,
    pub chain_id: u64,
}

/// What happened to one transaction of a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxOutcome {
    /// Executed and included (successfully or not: see `Receipt::success`).
    Included(Receipt),
    /// Invalid against the state at its position (nonce, funds, ...): left out of the
    /// block with no effect, as a block builder does.
    Excluded(String),
}

/// The receipt of an included transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub success: bool,
    pub gas_used: u64,
    pub effective_gas_price_wei: u128,
    pub logs: Vec<Log>,
    /// Revert data (for decoding the reason) when the call reverted.
    pub revert_data: Option<Bytes>,
    /// Set when the transaction halted (out of gas, invalid opcode, ...).
    pub halt: Option<String>,
}

/// Executes blocks. `execute` must leave `state` as sequential execution of the
/// included transactions, in order, would.
pub trait Executor: Send + core::fmt::Debug {
    fn name(&self) -> &'static str;

    fn execute(&mut self, state: &mut ChainState, block: &BlockCtx, txs: Vec<TxEnv>) -> Vec<TxOutcome>;

    /// Work counters, for executors that keep them (the parallel one).
    fn counters(&self) -> Option<ExecCounters> {
        None
    }
}

/// `min(max_fee, base_fee + tip)`: the price an EIP-1559 transaction pays per gas.
pub fn effective_gas_price(tx: &TxEnv, base_fee: u64) -> u128 {
    match tx.gas_priority_fee {
        Some(tip) => tx.gas_price.min(u128::from(base_fee) + tip),
        None => tx.gas_price,
    }
}
