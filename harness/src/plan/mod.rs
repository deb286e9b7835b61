//! The plan: every transaction of a run, generated from the workload mix, given a
//! sender and nonce, signed (all before the load, or streamed a bounded distance ahead
//! of it), and (in the open model) given its intended send time.

mod cost;
mod keys;
mod planner;
mod schedule;
mod stream;

use alloy::{
    consensus::TxEip1559,
    primitives::{Address, B256, Bytes},
};
use revm::context::TxEnv;

pub use cost::{RunCost, eth};
pub use keys::{Keyring, recover_sender};
pub use planner::{Planner, Prepared, SETUP_WORKLOAD, SigningStats};
pub use schedule::{Schedule, intended_times};
pub use stream::{SignedStream, StreamConfig, StreamStats};

/// Index of a transaction in the plan; every report figure joins on it.
pub type TxId = u32;

/// One signed transaction of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedTx {
    pub id: TxId,
    /// Index of its workload in the mix (see `Planner::workload_names`).
    pub workload: u16,
    /// Index of its sender among the generated accounts.
    pub sender: u32,
    pub from: Address,
    pub nonce: u64,
    pub hash: B256,
    /// EIP-2718 encoding, as sent to a node.
    pub raw: Bytes,
    /// The decoded transaction, for in-process targets.
    pub tx: TxEip1559,
    /// Intended send time (ns since the run's start) in the open model; 0 in closed.
    pub intended_ns: u64,
    /// The generated account that receives its value, for the effects check.
    pub recipient: Option<u32>,
    /// What the operation does within its workload (`swap`, `borrow`, ...; `setup`).
    pub op: &'static str,
}

impl PlannedTx {
    /// The revm transaction of an in-process executor (the sender is trusted: the plan
    /// signed it).
    pub fn tx_env(&self) -> TxEnv {
        tx_env(self.from, &self.tx)
    }
}

/// The revm transaction that executes `t` sent by `from`.
pub fn tx_env(from: Address, t: &TxEip1559) -> TxEnv {
    TxEnv {
        tx_type: 2,
        caller: from,
        gas_limit: t.gas_limit,
        gas_price: t.max_fee_per_gas,
        kind: t.to,
        value: t.value,
        data: t.input.clone(),
        nonce: t.nonce,
        chain_id: Some(t.chain_id),
        access_list: t.access_list.clone(),
        gas_priority_fee: Some(t.max_priority_fee_per_gas),
        ..TxEnv::default()
    }
}
