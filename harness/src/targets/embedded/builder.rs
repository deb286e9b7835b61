//! The block builder thread: seals one block per `block_time` slot on the wall clock
//! (with `sealing: when_full`, also as soon as the pool holds a full block payable at the
//! base fee), selects from the mempool, executes with the configured executor, and
//! reports the block. Slots the builder could not keep are counted, never stretched.

use std::sync::{Arc, atomic::Ordering};

use alloy::primitives::{Address, B256, U256};
use revm::{DatabaseRef, context::TxEnv};
use serde::{Deserialize, Serialize};

use super::{COINBASE, Shared, admit::PoolTx, next_base_fee};
use crate::{
    exec::{BlockCtx, Executor, TxOutcome},
    lock,
    scenario::{EmbeddedSpec, Sealing},
    targets::{BlockEvent, ChainEvent, EventSink, IncludedTx},
};

/// A sealed block, as kept in the chain's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockSummary {
    pub number: u64,
    /// Unix seconds, what the EVM's `TIMESTAMP` sees: `timestamp_ms / 1000`, so blocks
    /// closer than a second apart may share it (never decreasing).
    pub timestamp: u64,
    /// Unix milliseconds of the block's slot: strictly increasing, one `block_time`
    /// apart (more where slots were missed).
    pub timestamp_ms: u64,
    pub base_fee_wei: u64,
    pub gas_used: u64,
    pub gas_limit: u64,
    pub tx_hashes: Vec<B256>,
}

/// Called by the builder as it seals a block, with the state still held: returns the
/// extra fee each included transaction paid (the rollup's L1 data fee), having taken it
/// from the state, in the order of `included`.
pub trait SealHook: Send + Sync + core::fmt::Debug {
    fn sealed(
        &self,
        state: &mut crate::exec::ChainState,
        block: &BlockCtx,
        timestamp_ms: u64,
        included: &[&PoolTx],
    ) -> Vec<u128>;
}

/// How the builder kept its slots over the run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockSlots {
    /// Blocks sealed.
    pub sealed: u64,
    /// Of those, sealed before their slot because the pool held a full block
    /// (`sealing: when_full` only).
    pub early: u64,
    /// Blocks whose execution ended after the next slot had begun.
    pub late: u64,
    /// Slots that passed with no block: the builder was busy (late blocks) or stalled.
    pub missed: u64,
}

impl BlockSlots {
    /// What a reader must know when the builder did not keep its block time.
    pub fn warning(&self) -> Option<String> {
        (self.late + self.missed > 0).then(|| {
            format!(
                "the block builder fell behind its block time: {} of {} blocks ended after the next slot began, {} slots passed with no block (target.slots)",
                self.late, self.sealed, self.missed
            )
        })
    }
}

/// The end of the injected stall covering `now_ns`, if any.
pub(super) fn stall_end(spec: &EmbeddedSpec, now_ns: u64) -> Option<u64> {
    spec.faults.iter().find_map(|f| {
        let start = f.at.get().as_nanos() as u64;
        let end = start + f.stall.get().as_nanos() as u64;
        (start..end).contains(&now_ns).then_some(end)
    })
}

/// The builder loop; returns when the chain is stopped.
pub(super) fn run(shared: &Arc<Shared>, mut executor: Box<dyn Executor>, sink: &EventSink) {
    let spec = &shared.spec;
    let block_ns = spec.block_time.get().as_nanos() as u64;
    let when_full = spec.sealing == Sealing::WhenFull;
    let wall_start_ms =
        sink.clock().wall_start().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    let mut due = sink.now_ns() + block_ns;
    let mut last_ms = 0u64;
    loop {
        let mut pooled = lock(&shared.pooled);
        let early = loop {
            if shared.stop.load(Ordering::SeqCst) {
                return;
            }
            let now = sink.now_ns();
            let stall = stall_end(spec, now);
            if stall.is_none() {
                if now >= due {
                    break false;
                }
                if when_full && pooled.pool.holds_full_block(pooled.base_fee, spec.gas_limit) {
                    break true;
                }
            }
            let until = stall.unwrap_or(due);
            pooled = shared
                .wake
                .wait_timeout(pooled, core::time::Duration::from_nanos(until.saturating_sub(now).max(1)))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        };
        let now = sink.now_ns();
        // The slot this block is for: a builder that fell behind skips the slots that
        // passed meanwhile (counted as missed) instead of stretching the block time.
        let missed = if early { 0 } else { (now - due) / block_ns };
        let mut slot_ns = if early { now } else { due + missed * block_ns };
        let (base_fee, number) = (pooled.base_fee, pooled.number + 1);
        let txs = pooled.pool.select(base_fee, spec.gas_limit);
        drop(pooled);

        let mut timestamp_ms = wall_start_ms + slot_ns / 1_000_000;
        if timestamp_ms <= last_ms {
            // Two early blocks within a millisecond: the later one a millisecond on, and
            // its next slot counted from there.
            timestamp_ms = last_ms + 1;
            slot_ns = (timestamp_ms - wall_start_ms) * 1_000_000;
        }
        last_ms = timestamp_ms;
        let block = BlockCtx {
            number,
            timestamp: timestamp_ms / 1000,
            base_fee_wei: base_fee,
            gas_limit: spec.gas_limit,
            coinbase: COINBASE,
            chain_id: spec.chain_id,
        };
        let (event, dropped, summary, refresh) = seal(shared, executor.as_mut(), &block, timestamp_ms, &txs, sink);

        let mut pooled = lock(&shared.pooled);
        for (addr, nonce, balance) in refresh {
            pooled.pool.set_account(addr, nonce, balance);
        }
        pooled.number = number;
        pooled.base_fee = next_base_fee(
            base_fee,
            summary.gas_used,
            spec.gas_limit,
            spec.base_fee.elasticity,
            spec.base_fee.denominator,
        )
        .max((spec.base_fee.min_gwei * 1e9).round() as u64);
        drop(pooled);

        due = slot_ns + block_ns;
        {
            let mut slots = lock(&shared.slots);
            slots.sealed += 1;
            slots.early += u64::from(early);
            slots.missed += missed;
            slots.late += u64::from(sink.now_ns() > due);
        }
        lock(&shared.history).push(summary);
        for (id, reason) in dropped {
            sink.emit(ChainEvent::Dropped { id, reason });
        }
        sink.emit(ChainEvent::Block(event));
    }
}

type Sealed = (BlockEvent, Vec<(u32, String)>, BlockSummary, Vec<(Address, u64, U256)>);

fn seal(
    shared: &Shared,
    executor: &mut dyn Executor,
    block: &BlockCtx,
    timestamp_ms: u64,
    txs: &[Arc<PoolTx>],
    sink: &EventSink,
) -> Sealed {
    let envs: Vec<TxEnv> = txs.iter().map(|t| t.tx_env()).collect();
    let mut state = lock(&shared.state);
    let outcomes = executor.execute(&mut state, block, envs);
    let extra_fees = match &shared.hook {
        Some(hook) => {
            let included: Vec<&PoolTx> = txs
                .iter()
                .zip(&outcomes)
                .filter(|(_, o)| matches!(o, TxOutcome::Included(_)))
                .map(|(t, _)| t.as_ref())
                .collect();
            hook.sealed(&mut state, block, timestamp_ms, &included)
        }
        None => Vec::new(),
    };
    let mut extra_fees = extra_fees.into_iter();
    // Senders' head state for the pool's admission checks.
    let mut touched: Vec<_> = txs.iter().map(|t| t.from).collect();
    touched.extend(txs.iter().filter_map(|t| t.tx.to.to().copied()));
    touched.sort_unstable();
    touched.dedup();
    let refresh = touched
        .into_iter()
        .map(|a| {
            let info = state.basic_ref(a).ok().flatten().unwrap_or_default();
            (a, info.nonce, info.balance)
        })
        .collect();
    drop(state);

    let mut included = Vec::with_capacity(txs.len());
    let mut dropped = Vec::new();
    let mut hashes = Vec::with_capacity(txs.len());
    let mut gas_used = 0;
    for (tx, outcome) in txs.iter().zip(outcomes) {
        match outcome {
            TxOutcome::Included(r) => {
                gas_used += r.gas_used;
                hashes.push(tx.hash);
                included.push(IncludedTx {
                    id: tx.id,
                    success: r.success,
                    gas_used: r.gas_used,
                    effective_gas_price_wei: r.effective_gas_price_wei,
                    l1_fee_wei: extra_fees.next(),
                    revert_data: r.revert_data.clone(),
                });
            }
            TxOutcome::Excluded(reason) => dropped.push((tx.id, format!("excluded by the block builder: {reason}"))),
        }
    }
    let event = BlockEvent {
        number: block.number,
        hash: block_identity(block.number, &hashes),
        observed_ns: sink.now_ns(),
        base_fee_wei: u128::from(block.base_fee_wei),
        gas_used,
        gas_limit: block.gas_limit,
        txs: included,
        foreign_txs: 0,
    };
    let summary = BlockSummary {
        number: block.number,
        timestamp: block.timestamp,
        timestamp_ms,
        base_fee_wei: block.base_fee_wei,
        gas_used,
        gas_limit: block.gas_limit,
        tx_hashes: hashes,
    };
    (event, dropped, summary, refresh)
}

/// The embedded chain's stand-in for a block hash (it keeps no headers): keccak256 of the
/// block's number and its transactions' hashes, in block order.
fn block_identity(number: u64, tx_hashes: &[B256]) -> B256 {
    let mut bytes = Vec::with_capacity(8 + 32 * tx_hashes.len());
    bytes.extend_from_slice(&number.to_be_bytes());
    tx_hashes.iter().for_each(|h| bytes.extend_from_slice(h.as_slice()));
    alloy::primitives::keccak256(bytes)
}
