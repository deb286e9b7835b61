//! What the parallel executor did, summed over blocks: how much work speculation cost
//! and how often it gave up. Shared between the executor (builder thread) and the
//! target that reports it.

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

use serde::{Deserialize, Serialize};

/// Counters of a parallel executor, as the report carries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ExecCounters {
    /// Blocks executed (in parallel or by fallback).
    pub blocks: u64,
    /// Transactions in those blocks.
    pub txs: u64,
    /// Completed executions (incarnations), counting the first of each transaction.
    pub executions: u64,
    /// Executions beyond the first of each transaction.
    pub re_executions: u64,
    /// Validations that found a stale read and aborted the transaction's incarnation.
    pub validation_aborts: u64,
    /// Reads that met an estimate of an earlier transaction and suspended the reader.
    pub suspended_reads: u64,
    /// Blocks run sequentially instead: too few transactions, something the parallel
    /// path does not support (the block producer's account read, self-destruct), or
    /// recent blocks ran cheaper sequentially (the adaptive choice).
    pub fallbacks: u64,
}

impl ExecCounters {
    pub fn add(&mut self, o: &Self) {
        self.blocks += o.blocks;
        self.txs += o.txs;
        self.executions += o.executions;
        self.re_executions += o.re_executions;
        self.validation_aborts += o.validation_aborts;
        self.suspended_reads += o.suspended_reads;
        self.fallbacks += o.fallbacks;
    }
}

/// [`ExecCounters`] that threads add to.
#[derive(Debug, Default)]
pub struct SharedCounters {
    blocks: AtomicU64,
    txs: AtomicU64,
    executions: AtomicU64,
    re_executions: AtomicU64,
    validation_aborts: AtomicU64,
    suspended_reads: AtomicU64,
    fallbacks: AtomicU64,
}

impl SharedCounters {
    pub fn add(&self, c: &ExecCounters) {
        self.blocks.fetch_add(c.blocks, Relaxed);
        self.txs.fetch_add(c.txs, Relaxed);
        self.executions.fetch_add(c.executions, Relaxed);
        self.re_executions.fetch_add(c.re_executions, Relaxed);
        self.validation_aborts.fetch_add(c.validation_aborts, Relaxed);
        self.suspended_reads.fetch_add(c.suspended_reads, Relaxed);
        self.fallbacks.fetch_add(c.fallbacks, Relaxed);
    }

    pub fn get(&self) -> ExecCounters {
        ExecCounters {
            blocks: self.blocks.load(Relaxed),
            txs: self.txs.load(Relaxed),
            executions: self.executions.load(Relaxed),
            re_executions: self.re_executions.load(Relaxed),
            validation_aborts: self.validation_aborts.load(Relaxed),
            suspended_reads: self.suspended_reads.load(Relaxed),
            fallbacks: self.fallbacks.load(Relaxed),
        }
    }
}
