//! What the parallel executor did, summed over blocks: how much work speculation cost,
//! how busy its threads were, and which blocks ran sequentially and why. Shared between
//! the executor (builder thread) and the target that reports it.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::lock;

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
    /// First executions delayed until a predicted predecessor ran (dependency hints).
    #[serde(default)]
    pub hint_waits: u64,
    /// Transactions of blocks run in parallel that ran in a task group of several
    /// (adjacent transactions predicted to form a chain, run in order on one worker).
    #[serde(default)]
    pub grouped_txs: u64,
    /// Transactions of blocks run in parallel planned as lazy credits (plain transfers
    /// to a hot recipient, kept out of its account until something reads it).
    #[serde(default)]
    pub lazy_credits: u64,
    /// Blocks run sequentially instead, for any reason (the sum of the `fallback_*`).
    pub fallbacks: u64,
    /// Blocks run by Block-STM to the end.
    #[serde(default)]
    pub parallel_blocks: u64,
    /// Blocks the dependency hints cut into one task group end to end (a fully
    /// dependent block), run in order straight on the state by one worker.
    #[serde(default)]
    pub one_group_blocks: u64,
    /// Fallbacks because the block had too few transactions to pay for the threads.
    #[serde(default)]
    pub fallback_small_block: u64,
    /// Fallbacks chosen by the adaptive policy (recent sequential blocks were cheaper).
    #[serde(default)]
    pub fallback_policy: u64,
    /// Fallbacks because a transaction sent from, paid or read the block producer's
    /// account in a way the parallel path does not resolve.
    #[serde(default)]
    pub fallback_coinbase: u64,
    /// Fallbacks because a transaction self-destructed an account.
    #[serde(default)]
    pub fallback_self_destruct: u64,
    /// Thread time spent on work, nanoseconds: executing and validating transactions
    /// (every worker, measured per task), plus sequential fallbacks. Waiting for a task
    /// is not counted.
    #[serde(default)]
    pub busy_ns: u64,
}

/// Why a block ran sequentially on the parallel executor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    SmallBlock,
    Policy,
    Coinbase,
    SelfDestruct,
}

impl Fallback {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SmallBlock => "small_block",
            Self::Policy => "policy",
            Self::Coinbase => "coinbase",
            Self::SelfDestruct => "self_destruct",
        }
    }
}

impl ExecCounters {
    pub fn add(&mut self, o: &Self) {
        self.blocks += o.blocks;
        self.txs += o.txs;
        self.executions += o.executions;
        self.re_executions += o.re_executions;
        self.validation_aborts += o.validation_aborts;
        self.suspended_reads += o.suspended_reads;
        self.hint_waits += o.hint_waits;
        self.grouped_txs += o.grouped_txs;
        self.lazy_credits += o.lazy_credits;
        self.fallbacks += o.fallbacks;
        self.parallel_blocks += o.parallel_blocks;
        self.one_group_blocks += o.one_group_blocks;
        self.fallback_small_block += o.fallback_small_block;
        self.fallback_policy += o.fallback_policy;
        self.fallback_coinbase += o.fallback_coinbase;
        self.fallback_self_destruct += o.fallback_self_destruct;
        self.busy_ns += o.busy_ns;
    }

    /// What was added since `earlier` (a snapshot of the same counters).
    pub fn since(&self, earlier: &Self) -> Self {
        Self {
            blocks: self.blocks - earlier.blocks,
            txs: self.txs - earlier.txs,
            executions: self.executions - earlier.executions,
            re_executions: self.re_executions - earlier.re_executions,
            validation_aborts: self.validation_aborts - earlier.validation_aborts,
            suspended_reads: self.suspended_reads - earlier.suspended_reads,
            hint_waits: self.hint_waits - earlier.hint_waits,
            grouped_txs: self.grouped_txs - earlier.grouped_txs,
            lazy_credits: self.lazy_credits - earlier.lazy_credits,
            fallbacks: self.fallbacks - earlier.fallbacks,
            parallel_blocks: self.parallel_blocks - earlier.parallel_blocks,
            one_group_blocks: self.one_group_blocks - earlier.one_group_blocks,
            fallback_small_block: self.fallback_small_block - earlier.fallback_small_block,
            fallback_policy: self.fallback_policy - earlier.fallback_policy,
            fallback_coinbase: self.fallback_coinbase - earlier.fallback_coinbase,
            fallback_self_destruct: self.fallback_self_destruct - earlier.fallback_self_destruct,
            busy_ns: self.busy_ns - earlier.busy_ns,
        }
    }

    /// Counts one block run sequentially for `reason`.
    pub fn fell_back(&mut self, reason: Fallback) {
        self.fallbacks += 1;
        *match reason {
            Fallback::SmallBlock => &mut self.fallback_small_block,
            Fallback::Policy => &mut self.fallback_policy,
            Fallback::Coinbase => &mut self.fallback_coinbase,
            Fallback::SelfDestruct => &mut self.fallback_self_destruct,
        } += 1;
    }

    /// How the blocks counted here ran: `parallel`, `one_group` and each fallback
    /// reason, with counts (zero counts left out).
    pub fn modes(&self) -> std::collections::BTreeMap<&'static str, u64> {
        [
            ("parallel", self.parallel_blocks),
            ("one_group", self.one_group_blocks),
            (Fallback::SmallBlock.as_str(), self.fallback_small_block),
            (Fallback::Policy.as_str(), self.fallback_policy),
            (Fallback::Coinbase.as_str(), self.fallback_coinbase),
            (Fallback::SelfDestruct.as_str(), self.fallback_self_destruct),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect()
    }
}

/// [`ExecCounters`] that threads add to, once per block.
#[derive(Debug, Default)]
pub struct SharedCounters(Mutex<ExecCounters>);

impl SharedCounters {
    pub fn add(&self, c: &ExecCounters) {
        lock(&self.0).add(c);
    }

    pub fn get(&self) -> ExecCounters {
        *lock(&self.0)
    }
}
