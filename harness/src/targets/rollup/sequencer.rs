//! The L2 sequencer's part of the rollup, hooked into the embedded chain's block
//! builder: charges every included transaction its L1 data fee (from the L1 origin's
//! base fee and blob base fee) out of the sender's balance into the L1 fee vault, as an
//! OP-stack chain does, and hands each sealed block to the batcher.

use std::sync::Mutex;

use alloy::primitives::{Address, B256, Bytes, U256, address};
use revm::DatabaseRef;
use tokio::sync::mpsc::UnboundedSender;

use super::{
    fees::{L1Origin, l1_fee},
    l1::L1,
};
use crate::{
    exec::{BlockCtx, ChainState},
    lock,
    plan::TxId,
    scenario::L1FeeSpec,
    targets::embedded::{PoolTx, SealHook},
};

/// OP-stack's L1 fee vault predeploy: where the L1 data fees go.
pub const L1_FEE_VAULT: Address = address!("0x420000000000000000000000000000000000001a");

/// A sealed L2 block, for the batcher.
#[derive(Debug, Clone)]
pub struct L2Block {
    pub number: u64,
    /// Unix seconds, as the EVM saw it.
    pub timestamp: u64,
    pub epoch: u64,
    pub txs: Vec<Bytes>,
    pub ids: Vec<TxId>,
    pub hashes: Vec<B256>,
}

/// The L1 data fees charged so far.
#[derive(Debug, Clone, Copy, Default)]
pub struct FeeStats {
    pub txs: u64,
    pub collected_wei: u128,
    pub signed_bytes: u64,
    /// FastLZ sizes (Fjord) or signed sizes (Ecotone), summed.
    pub size_bytes: u64,
    pub min_wei: Option<u128>,
    pub max_wei: u128,
    /// Transactions whose sender could not pay the whole fee after execution (charged
    /// what was left).
    pub shortfalls: u64,
    pub blocks: u64,
}

/// The hook.
#[derive(Debug)]
pub struct Sequencer {
    pub fees: L1FeeSpec,
    pub l1: L1,
    pub blocks: UnboundedSender<L2Block>,
    pub stats: Mutex<FeeStats>,
}

impl Sequencer {
    fn origin(&self) -> L1Origin {
        self.l1.origin()
    }
}

impl SealHook for Sequencer {
    fn sealed(&self, state: &mut ChainState, block: &BlockCtx, _timestamp_ms: u64, included: &[&PoolTx]) -> Vec<u128> {
        let origin = self.origin();
        let mut stats = lock(&self.stats);
        let mut vault = state.basic_ref(L1_FEE_VAULT).ok().flatten().unwrap_or_default();
        let charged: Vec<u128> = included
            .iter()
            .map(|tx| {
                let fee = l1_fee(&self.fees, &origin, &tx.raw);
                let mut info = state.basic_ref(tx.from).ok().flatten().unwrap_or_default();
                let taken = info.balance.min(U256::from(fee.fee_wei));
                stats.shortfalls += u64::from(taken < U256::from(fee.fee_wei));
                info.balance -= taken;
                state.insert_account_info(tx.from, info);
                vault.balance += taken;
                let taken: u128 = taken.to();
                stats.txs += 1;
                stats.collected_wei += taken;
                stats.signed_bytes += tx.raw.len() as u64;
                stats.size_bytes += u64::from(fee.size_bytes);
                stats.min_wei = Some(stats.min_wei.map_or(taken, |m| m.min(taken)));
                stats.max_wei = stats.max_wei.max(taken);
                taken
            })
            .collect();
        state.insert_account_info(L1_FEE_VAULT, vault);
        stats.blocks += 1;
        drop(stats);
        let ids: Vec<TxId> = included.iter().map(|t| t.id).collect();
        let _ = self.blocks.send(L2Block {
            number: block.number,
            timestamp: block.timestamp,
            epoch: origin.number,
            txs: included.iter().map(|t| t.raw.clone()).collect(),
            ids,
            hashes: included.iter().map(|t| t.hash).collect(),
        });
        charged
    }
}
