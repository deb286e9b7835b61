//! The parallel executor: Block-STM (Gelashvili et al., PPoPP'23) on revm. Workers
//! execute transactions optimistically against a multi-version memory, validate what
//! they read, and re-execute on conflict; the result equals sequential execution.
//! Fees to the block producer stay out of the conflict set. Known chains of adjacent
//! transactions run as task groups (see `groups`); a block that is one group end to end
//! runs straight on the state (see `straight`). Blocks too small to pay for the
//! threads, or doing what this path does not support, run sequentially.

mod credits;
mod groups;
mod handler;
mod hints;
mod mvmemory;
mod padded;
mod policy;

use policy::Mode;
mod prestate;
mod scheduler;
mod straight;
mod stress;
mod view;
mod worker;
mod writeback;
mod written;

use core::{sync::atomic::AtomicBool, time::Duration};
use std::sync::{Arc, Mutex, PoisonError};

use alloy::primitives::{Address, B256, U256};
use revm::{
    bytecode::Bytecode,
    context::{BlockEnv, CfgEnv, TxEnv},
    primitives::HashMap,
};

use self::{
    mvmemory::MvMemory,
    padded::Slots,
    prestate::{PreState, Seen},
    scheduler::Scheduler,
};
use super::{
    BlockCtx, ChainState, ExecCounters, Executor, Fallback, Sequential, SharedCounters, TxOutcome, block_env, cfg_env,
};
use crate::lock;

/// How the parallel executor runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParallelConfig {
    /// Worker threads (the calling thread is one of them).
    pub threads: usize,
    /// Modelled latency of a first read of a location from the pre-state.
    pub read_latency: Duration,
    /// Blocks with fewer transactions run sequentially.
    pub min_txs: usize,
    /// Random yields inside state reads (tests).
    pub stress: bool,
    /// Run each block in whichever mode recent blocks found cheaper (see `policy`);
    /// tests turn it off to exercise the parallel path on every block.
    pub adaptive: bool,
    /// Delay a transaction's first execution until the one it is predicted to depend on
    /// has run (see `hints`).
    pub hints: bool,
    /// Run runs of adjacent transactions that the hints chain as task groups (see
    /// `groups`); only with `hints`.
    pub groups: bool,
    /// Run a block that is one task group end to end in order straight on the state
    /// (see `straight`); only with `groups`. Tests turn it off to run such blocks
    /// through the multi-version memory.
    pub straight: bool,
}

impl ParallelConfig {
    /// `threads` workers; blocks under 4 transactions per thread run sequentially.
    pub fn new(threads: usize, read_latency: Duration) -> Self {
        Self {
            threads: threads.max(1),
            read_latency,
            min_txs: 4 * threads.max(1),
            stress: false,
            adaptive: true,
            hints: true,
            groups: true,
            straight: true,
        }
    }
}

/// The Block-STM executor.
#[derive(Debug)]
pub struct Parallel {
    config: ParallelConfig,
    counters: Arc<SharedCounters>,
    policy: policy::Policy,
    /// Kept from block to block with their allocations (reset before each block).
    mv: MvMemory,
    results: Results,
    seen: Seen,
    hints: hints::Hints,
    /// Each transaction's predicted predecessor in the block being run.
    preds: Vec<Option<u32>>,
    /// The block being run cut into units (task groups and single transactions).
    units: groups::Units,
    /// The block's lazy credits.
    credits: credits::Credits,
    straight: straight::Straight,
    /// The workers besides the calling thread, persistent across blocks (rayon: a
    /// maintained pool whose scopes may borrow the block's data, which a pool of our own
    /// could not without unsafe code).
    pool: rayon::ThreadPool,
}

impl Parallel {
    pub fn new(config: ParallelConfig) -> Self {
        Self {
            config,
            counters: Arc::default(),
            policy: Default::default(),
            mv: MvMemory::default(),
            results: Results::new(),
            seen: Seen::default(),
            hints: hints::Hints::default(),
            preds: Vec::new(),
            units: groups::Units::default(),
            credits: credits::Credits::default(),
            straight: straight::Straight::default(),
            pool: rayon::ThreadPoolBuilder::new()
                .num_threads(config.threads.saturating_sub(1).max(1))
                .thread_name(|i| format!("block-stm-{}", i + 1))
                .build()
                .expect("the parallel executor's worker threads start"),
        }
    }

    /// Adds this executor's counters to `counters` (shared with whoever reports them).
    pub fn with_counters(mut self, counters: Arc<SharedCounters>) -> Self {
        self.counters = counters;
        self
    }

    pub fn counters(&self) -> ExecCounters {
        self.counters.get()
    }

    /// Runs the block in parallel (or, when it is one task group, straight: see
    /// [`Ran`]) and commits it; otherwise (nothing committed) why it must run
    /// sequentially, and whether that was found only by speculating.
    fn run(
        &mut self,
        state: &mut ChainState,
        block: &BlockCtx,
        txs: &[TxEnv],
        c: &mut ExecCounters,
    ) -> Result<(Vec<TxOutcome>, Ran), (Fallback, bool)> {
        let coinbase = block.coinbase;
        if txs.len() < self.config.min_txs {
            return Err((Fallback::SmallBlock, false));
        }
        // A block that names the producer (a builder paying the proposer, a payment to
        // the producer) keeps each transaction's fee as a location, so reading the
        // producer's account resolves lazily instead of sending the block to sequential.
        let lazy_fees = txs.iter().any(|t| t.caller == coinbase || t.kind.to() == Some(&coinbase));
        self.seen.reset();
        if self.config.hints {
            self.hints.predict(txs, &mut self.preds);
        } else {
            self.preds.clear();
            self.preds.resize(txs.len(), None);
        }
        self.units.form(&self.preds, self.config.hints && self.config.groups);
        let units = self.units.len();
        if self.config.straight && units == 1 && txs.len() > 1 {
            let outcomes = self.straight.run(state, block, txs, self.config.read_latency);
            c.executions += txs.len() as u64;
            c.grouped_txs += txs.len() as u64;
            let nothing = mvmemory::WriteSet::new();
            self.hints.learn(txs, &self.units, core::iter::once(&nothing), |j| self.straight.collided(j));
            return Ok((outcomes, Ran::Straight));
        }
        self.mv.reset(units);
        // The pre-pass reads the candidate recipients' accounts as the workers would
        // (a first read in the block waits the modelled latency).
        let pre = PreState::new(state, self.config.read_latency, &self.seen);
        self.credits.plan(txs, coinbase, |a| pre.basic(a));
        padded::reset(&mut self.results, txs.len(), |r| *r = None);
        let codes = self.speculate(state, block, txs, lazy_fees, c).map_err(|reason| (reason, true))?;
        c.grouped_txs += self.units.grouped_txs();
        c.lazy_credits += self.credits.planned();
        let done: Vec<Done> = self.results[..txs.len()]
            .iter_mut()
            .map(|r| r.0.get_mut().unwrap_or_else(PoisonError::into_inner).take().expect("every transaction executed"))
            .collect();
        let collided: Vec<bool> = done.iter().map(|d| d.collided).collect();
        let sets: Vec<&mvmemory::WriteSet> = self.mv.write_sets(units).collect();
        let (hints, all, credits, sets, collided) = (&mut self.hints, &self.units, &self.credits, &sets, &collided);
        let mut learn = move || hints.learn(txs, all, sets.iter().copied(), |j| collided[j]);
        let recipient = |i: u32| credits.recipient(i).expect("only a lazy credit writes a credit");
        let commit = || writeback::apply(state, block, done, sets.iter().copied(), recipient, &codes);
        // Learning from the block's write sets and committing them only read those: with
        // a second thread, a worker of the pool learns while this one commits (the pool
        // would idle otherwise).
        let outcomes = match (self.config.hints, self.config.threads) {
            (false, _) => commit(),
            (true, 1) => {
                learn();
                commit()
            }
            (true, _) => self.pool.in_place_scope(|s| {
                s.spawn(move |_| learn());
                commit()
            }),
        };
        Ok((outcomes, Ran::BlockStm))
    }

    /// Block-STM over the block on the worker threads; returns the code the block
    /// deployed, by hash, or why a worker gave up.
    fn speculate(
        &self,
        state: &ChainState,
        block: &BlockCtx,
        txs: &[TxEnv],
        lazy_fees: bool,
        c: &mut ExecCounters,
    ) -> Result<HashMap<B256, Bytecode>, Fallback> {
        let shared = Shared {
            pre: PreState::new(state, self.config.read_latency, &self.seen),
            mv: &self.mv,
            sched: Scheduler::new(self.units.len()),
            codes: Mutex::default(),
            deployed: AtomicBool::new(false),
            coinbase: block.coinbase,
            lazy_fees,
            units: &self.units,
            credits: &self.credits,
            stress: self.config.stress,
            txs,
            results: &self.results,
            unsupported: Mutex::default(),
            block_env: block_env(block),
            cfg_env: cfg_env(block.chain_id),
        };
        // The calling thread is one worker; the others are the pool's, kept from block
        // to block (no thread started per block). No more workers than units: a block
        // that is one task group runs on the calling thread alone, with no helper
        // spinning beside it.
        let helpers: Mutex<Vec<ExecCounters>> = Mutex::default();
        let mut mine = ExecCounters::default();
        self.pool.in_place_scope(|s| {
            for _ in 1..self.config.threads.min(self.units.len()) {
                s.spawn(|_| {
                    let mut c = ExecCounters::default();
                    worker::run(&shared, &mut c);
                    lock(&helpers).push(c);
                });
            }
            worker::run(&shared, &mut mine);
        });
        let per_thread: Vec<ExecCounters> =
            helpers.into_inner().unwrap_or_else(PoisonError::into_inner).into_iter().chain([mine]).collect();
        for w in &per_thread {
            c.add(w);
        }
        if let Some(reason) = *lock(&shared.unsupported) {
            return Err(reason);
        }
        debug_assert!(!shared.mv.has_estimates(), "an estimate is left after the block");
        Ok(shared.codes.into_inner().unwrap_or_else(PoisonError::into_inner))
    }
}

/// How a block the parallel path took ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ran {
    BlockStm,
    /// One task group end to end, run in order straight on the state.
    Straight,
}

/// What a transaction's latest execution came to.
#[derive(Debug)]
struct Done {
    outcome: TxOutcome,
    /// The fee it owes the block producer.
    fee: U256,
    /// In a task group: it wrote a location an earlier member wrote (its own account
    /// and fee aside), for the hints to learn from.
    collided: bool,
}

/// Each transaction's latest outcome.
type Results = Slots<Option<Done>>;

/// What the workers share for one block.
#[derive(Debug)]
struct Shared<'a> {
    pre: PreState<'a>,
    mv: &'a MvMemory,
    sched: Scheduler,
    /// Code deployed in the block, by hash.
    codes: Mutex<HashMap<B256, Bytecode>>,
    /// Set once `codes` holds any: until then a code read skips its lock (every call
    /// reads code, and the lock's cache line would bounce between the workers).
    deployed: AtomicBool,
    coinbase: Address,
    /// Each transaction's fee is kept as a location ([`crate::exec::Loc::Fee`]) and the
    /// producer's account read lazily; otherwise reading that account gives up.
    lazy_fees: bool,
    /// The block's units (task groups and single transactions), each with its
    /// predicted predecessor (dependency hints).
    units: &'a groups::Units,
    credits: &'a credits::Credits,
    stress: bool,
    txs: &'a [TxEnv],
    results: &'a Results,
    /// Set when the block must run sequentially; stops the workers.
    unsupported: Mutex<Option<Fallback>>,
    block_env: BlockEnv,
    cfg_env: CfgEnv,
}

impl Shared<'_> {
    fn give_up(&self, reason: Fallback) {
        lock(&self.unsupported).get_or_insert(reason);
        self.sched.halt();
    }
}

impl Executor for Parallel {
    fn name(&self) -> &'static str {
        "parallel"
    }

    fn execute(&mut self, state: &mut ChainState, block: &BlockCtx, txs: Vec<TxEnv>) -> Vec<TxOutcome> {
        let mut c = ExecCounters { blocks: 1, txs: txs.len() as u64, ..Default::default() };
        let mode = match (self.config.adaptive, self.config.threads) {
            (false, _) => Mode::Parallel,
            // One thread has nothing to overlap: a parallel attempt can only cost more.
            (true, 1) => Mode::Sequential,
            (true, _) => self.policy.next(),
        };
        let start = std::time::Instant::now();
        let ran = match mode {
            Mode::Parallel => self.run(state, block, &txs, &mut c),
            Mode::Sequential => Err((Fallback::Policy, false)),
        };
        // What a mode cost tells the policy something only when that mode ran: a block
        // that gave up mid-speculation cost the parallel mode its attempt and the
        // sequential run after it; one sent to sequential before speculating (too
        // small, a coinbase payment) says nothing about either.
        let (outcomes, observed) = match ran {
            Ok((outcomes, ran)) => {
                match ran {
                    Ran::BlockStm => c.parallel_blocks += 1,
                    // One thread ran it whole: all of it was work.
                    Ran::Straight => {
                        c.one_group_blocks += 1;
                        c.busy_ns += start.elapsed().as_nanos() as u64;
                    }
                }
                (outcomes, Some(Mode::Parallel))
            }
            Err((reason, speculated)) => {
                c.fell_back(reason);
                c.executions += txs.len() as u64;
                let seq_start = std::time::Instant::now();
                let outcomes = Sequential::new(self.config.read_latency).execute(state, block, txs);
                c.busy_ns += seq_start.elapsed().as_nanos() as u64;
                let observed = match reason {
                    Fallback::Policy => Some(Mode::Sequential),
                    _ if speculated => Some(Mode::Parallel),
                    _ => None,
                };
                (outcomes, observed)
            }
        };
        if let Some(mode) = observed {
            let gas = outcomes.iter().map(|o| if let TxOutcome::Included(r) = o { r.gas_used } else { 0 }).sum();
            self.policy.observe(mode, gas, start.elapsed().as_nanos() as u64);
        }
        c.re_executions = c.executions.saturating_sub(c.txs);
        self.counters.add(&c);
        outcomes
    }

    fn counters(&self) -> Option<ExecCounters> {
        Some(self.counters.get())
    }
}

#[cfg(test)]
mod tests;
