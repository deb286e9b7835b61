//! Workload generators: from a seed, the accounts and the contention dials, produce
//! operations (to, calldata, value, gas limit). They sign nothing and know no target.
//!
//! A generator's life in a run: `deploy` its contracts (addresses predicted from the
//! deployer's nonces), produce the load with `next_op`, then `provision` exactly what the
//! planned load consumes (tokens, items, approvals, listings), and state `checks` that
//! must hold on chain afterwards. Every operation a generator emits depends only on its
//! sender's own earlier operations, so no ordering of senders in blocks makes it revert.

pub mod catalog;
pub mod check;
mod contention;
pub mod contracts;
mod dials;
pub mod distribution;
pub mod mix;
pub mod revert;
pub mod setup;

mod amm;
pub mod amm_liquidity;
pub mod amm_swap;
mod common;
pub mod erc20_transfer;
mod game;
pub mod game_combine;
pub mod game_move;
pub mod game_quest;
pub mod lending;
pub mod nft_mint;
pub mod nft_trade;
pub mod staking;
pub mod transfer;

use alloy::primitives::{Address, Bytes, U256};
use rand_chacha::ChaCha8Rng;

pub use catalog::{CATALOG, SpecVisitor, WorkloadInfo, WorkloadSpec, visit_spec};
pub use check::{Check, CheckCtx, Fold, OpDone, Read, replaying};
pub use distribution::{Pick, Picker};
pub use game::GameSpec;
pub use mix::Mix;
pub use setup::{Actor, Setup, SetupTx};

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
    /// What the operation does within its workload (`swap`, `borrow`, `list`, ...): the
    /// checks count successful operations by it.
    pub kind: &'static str,
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

    /// Deploys the generator's contracts (before any operation is planned).
    fn deploy(&mut self, setup: &mut Setup, ctx: &GenCtx<'_>) {
        let _ = (setup, ctx);
    }

    /// The next operation for `sender` (an index into `ctx.accounts`).
    fn next_op(&mut self, ctx: &GenCtx<'_>, sender: usize, rng: &mut Rng) -> Op;

    /// After planning: provisions what the planned operations consume (balances, items,
    /// approvals, listings). Operations planned later (a run without a count) draw on
    /// the margin this leaves.
    fn provision(&mut self, setup: &mut Setup, ctx: &GenCtx<'_>) {
        let _ = (setup, ctx);
    }

    /// What must hold on chain after the run, read before and after the load.
    fn checks(&self, ctx: &GenCtx<'_>) -> Vec<Check> {
        let _ = ctx;
        Vec::new()
    }

    /// After planning: what a user should know before trusting the figures (a plan that
    /// will exhaust a game's energy, ...).
    fn warnings(&self) -> Vec<String> {
        Vec::new()
    }

    /// The generated account that receives this operation's native value, if the
    /// generator knows it statically (plain transfers). Used by the effects check.
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
