//! The blocks an executor bench runs: a scenario's world (genesis + set-up) and its
//! planned load cut into blocks of at most `block_gas` (by gas limit, as a block
//! builder packs them), in plan order so every nonce is valid. Optionally each block
//! ends as most mainnet blocks do under proposer-builder separation: the builder (the
//! block's coinbase) pays the proposer.

use alloy::primitives::{Address, TxKind, U256, address};
use revm::{context::TxEnv, database::DatabaseRef, state::AccountInfo};

use crate::{
    exec::{BlockCtx, ChainState},
    runner::{RunError, offline},
    scenario::Scenario,
};

/// Seconds between the bench's blocks (their timestamps only).
const BLOCK_SECONDS: u64 = 12;
/// Who the builder pays at the end of each block, and how much (0.01 ETH).
const PROPOSER: Address = address!("00000000000000000000000000000000005e1ec7");
const PROPOSER_PAYMENT_WEI: u128 = 10_000_000_000_000_000;
/// The builder's own balance before the first block, to pay from (1,000 ETH).
const BUILDER_BALANCE_WEI: u128 = 1_000_000_000_000_000_000_000;
/// A plain transfer's gas.
const TRANSFER_GAS: u64 = 21_000;

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

    /// Builds `count` blocks of `scenario`'s load, each up to `block_gas` of gas limit,
    /// each ending with the builder's payment to the proposer when `proposer_payment`.
    pub fn build(scenario: &Scenario, count: usize, block_gas: u64, proposer_payment: bool) -> Result<Self, RunError> {
        // Enough transactions even if each were a 21,000-gas transfer.
        let planned = count * (block_gas / TRANSFER_GAS).max(1) as usize;
        let mut world = offline::world(scenario, planned)?;
        // Room kept in each block for the payment.
        let fill = if proposer_payment { block_gas.saturating_sub(TRANSFER_GAS) } else { block_gas };
        let mut blocks: Vec<(BlockCtx, Vec<TxEnv>)> = Vec::with_capacity(count);
        let mut gas = 0;
        for tx in &world.txs {
            let full = blocks.last().is_none_or(|(_, txs)| !txs.is_empty() && gas + tx.tx.gas_limit > fill);
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
        if proposer_payment {
            let coinbase = world.block.coinbase;
            let mut info = world.state.basic_ref(coinbase).ok().flatten().unwrap_or_else(AccountInfo::default);
            info.balance += U256::from(BUILDER_BALANCE_WEI);
            let nonce = info.nonce;
            world.state.insert_account_info(coinbase, info);
            for (k, (ctx, txs)) in blocks.iter_mut().enumerate() {
                txs.push(TxEnv {
                    tx_type: 2,
                    caller: coinbase,
                    gas_limit: TRANSFER_GAS,
                    gas_price: u128::from(ctx.base_fee_wei) * 2,
                    gas_priority_fee: Some(0),
                    kind: TxKind::Call(PROPOSER),
                    value: U256::from(PROPOSER_PAYMENT_WEI),
                    nonce: nonce + k as u64,
                    chain_id: Some(ctx.chain_id),
                    ..TxEnv::default()
                });
            }
        }
        Ok(Self { state: world.state, blocks })
    }
}
