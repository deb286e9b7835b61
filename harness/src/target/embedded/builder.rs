//! The block builder thread: waits for the next slot (or a full pool), selects from the
//! mempool, executes with the configured executor, and reports the block.

use std::sync::{Arc, atomic::Ordering};

use alloy::primitives::B256;
use revm::{DatabaseRef, context::TxEnv};

use super::{COINBASE, Shared, next_base_fee};
use crate::{
    exec::{BlockCtx, Executor, TxOutcome},
    lock,
    plan::PlannedTx,
    scenario::EmbeddedSpec,
    target::{BlockEvent, ChainEvent, EventSink, IncludedTx},
};

/// A sealed block, as kept in the chain's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockSummary {
    pub number: u64,
    pub timestamp: u64,
    pub base_fee_wei: u64,
    pub gas_used: u64,
    pub gas_limit: u64,
    pub tx_hashes: Vec<B256>,
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
    let mut next_seal = sink.now_ns() + block_ns;
    loop {
        let mut pooled = lock(&shared.pooled);
        loop {
            if shared.stop.load(Ordering::SeqCst) {
                return;
            }
            let now = sink.now_ns();
            let stall = stall_end(spec, now);
            if stall.is_none() && (now >= next_seal || pooled.pool.queued_gas >= spec.gas_limit) {
                break;
            }
            let until = stall.unwrap_or(next_seal);
            pooled = shared
                .wake
                .wait_timeout(pooled, core::time::Duration::from_nanos(until.saturating_sub(now).max(1)))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        let sealing_at = sink.now_ns();
        let (base_fee, number) = (pooled.base_fee, pooled.number + 1);
        let txs = pooled.pool.select(base_fee, spec.gas_limit);
        drop(pooled);

        let block = BlockCtx {
            number,
            timestamp: (sink.clock().wall_start() + core::time::Duration::from_nanos(sealing_at))
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            base_fee_wei: base_fee,
            gas_limit: spec.gas_limit,
            coinbase: COINBASE,
            chain_id: spec.chain_id,
        };
        let (event, dropped, summary, refresh) = seal(shared, executor.as_mut(), &block, &txs, sink);

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
        );
        drop(pooled);

        lock(&shared.history).push(summary);
        for (id, reason) in dropped {
            sink.emit(ChainEvent::Dropped { id, reason });
        }
        sink.emit(ChainEvent::Block(event));
        // Keep the cadence; a block sealed early because the pool was full, or a builder
        // that fell behind, starts a fresh slot.
        next_seal = if sealing_at + block_ns / 2 < next_seal || sink.now_ns() > next_seal + block_ns {
            sink.now_ns() + block_ns
        } else {
            next_seal + block_ns
        };
    }
}

type Sealed =
    (BlockEvent, Vec<(u32, String)>, BlockSummary, Vec<(alloy::primitives::Address, u64, alloy::primitives::U256)>);

fn seal(
    shared: &Shared,
    executor: &mut dyn Executor,
    block: &BlockCtx,
    txs: &[Arc<PlannedTx>],
    sink: &EventSink,
) -> Sealed {
    let envs: Vec<TxEnv> = txs.iter().map(|t| t.tx_env()).collect();
    let mut state = lock(&shared.state);
    let outcomes = executor.execute(&mut state, block, envs);
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
                    l1_fee_wei: None,
                    revert_data: r.revert_data.clone(),
                });
            }
            TxOutcome::Excluded(reason) => dropped.push((tx.id, format!("excluded by the block builder: {reason}"))),
        }
    }
    let event = BlockEvent {
        number: block.number,
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
        base_fee_wei: block.base_fee_wei,
        gas_used,
        gas_limit: block.gas_limit,
        tx_hashes: hashes,
    };
    (event, dropped, summary, refresh)
}
