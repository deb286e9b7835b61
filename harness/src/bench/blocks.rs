//! The blocks an executor bench runs: a scenario's world (genesis + set-up) and its
//! planned load cut into blocks of at most `block_gas` (by gas limit, as a block
//! builder packs them), in plan order so every nonce is valid.

use revm::context::TxEnv;

use crate::{
    exec::{BlockCtx, ChainState},
    runner::{RunError, offline},
    scenario::Scenario,
};

/// Seconds between the bench's blocks (their timestamps only).
const BLOCK_SECONDS: u64 = 12;

/// The state before the first block, and the blocks.
#[derive(Debug)]
pub struct Blocks {
    pub state: ChainState,
    pub blocks: Vec<(BlockCtx, Vec<TxEnv>)>,
}

impl Blocks {
    pub fn txs(&self) -> usize {
        self.blocks.iter().map(|(_, t)| t.len()).sum()
    }

    /// Builds `count` blocks of `scenario`'s load, each up to `block_gas` of gas limit.
    pub fn build(scenario: &Scenario, count: usize, block_gas: u64) -> Result<Self, RunError> {
        // Enough transactions even if each were a 21,000-gas transfer.
        let planned = count * (block_gas / 21_000).max(1) as usize;
        let world = offline::world(scenario, planned)?;
        let mut blocks: Vec<(BlockCtx, Vec<TxEnv>)> = Vec::with_capacity(count);
        let mut gas = 0;
        for tx in &world.txs {
            let full = blocks.last().is_none_or(|(_, txs)| !txs.is_empty() && gas + tx.tx.gas_limit > block_gas);
            if full {
                if blocks.len() == count {
                    break;
                }
                let k = blocks.len() as u64;
                let ctx = BlockCtx {
                    number: world.block.number + k,
                    timestamp: world.block.timestamp + BLOCK_SECONDS * k,
                    gas_limit: block_gas,
                    ..world.block
                };
                blocks.push((ctx, Vec::new()));
                gas = 0;
            }
            gas += tx.tx.gas_limit;
            blocks.last_mut().expect("a block was just opened").1.push(tx.tx_env());
        }
        Ok(Self { state: world.state, blocks })
    }
}
