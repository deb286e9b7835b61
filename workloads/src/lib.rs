//! Workload generators: from a seed, the accounts and the contention dials, produce
//! operations (to, calldata, value, gas limit). They sign nothing and know no target.

pub mod catalog;
pub mod distribution;
pub mod mix;
pub mod transfer;

use alloy::primitives::{Address, Bytes, U256};
use rand_chacha::ChaCha8Rng;

pub use catalog::{CATALOG, WorkloadInfo, WorkloadSpec};
pub use distribution::{Pick, Picker};
pub use mix::Mix;

/// The deterministic random source every generator draws from.
pub type Rng = ChaCha8Rng;

/// One operation a sender performs: everything of a transaction but its nonce, fees and
/// signature, which the plan adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    pub to: Address,
    pub value_wei: U256,
    pub input: Bytes,
    pub gas_limit: u64,
}

/// What a generator may know of the world: the generated accounts, by index.
#[derive(Debug, Clone, Copy)]
pub struct GenCtx<'a> {
    pub accounts: &'a [Address],
}

/// A workload generator. `next_op` is called once per transaction with the index of the
/// sender the plan chose; it must be deterministic given the random source.
pub trait Generator: Send + core::fmt::Debug {
    /// The catalog name, used as the workload label in reports and metrics.
    fn name(&self) -> &'static str;

    /// The next operation for `sender` (an index into `ctx.accounts`).
    fn next_op(&mut self, ctx: &GenCtx<'_>, sender: usize, rng: &mut Rng) -> Op;

    /// The native value this operation moves from the sender to another generated
    /// account, if the generator knows it statically (plain transfers). Used by the
    /// effects check; contract workloads return `None` and are checked by their own
    /// invariants.
    fn native_recipient(&self, op: &Op, ctx: &GenCtx<'_>) -> Option<usize> {
        let _ = (op, ctx);
        None
    }
}

/// Errors raised while building generators from their specs.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WorkloadError {
    /// A dial is out of range for the accounts or items it picks from.
    #[error("{field}: {message}")]
    InvalidDial { field: &'static str, message: String },
}
