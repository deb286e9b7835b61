//! The embedded target: an in-process chain on revm, running in real time. A mempool,
//! a block builder thread that seals one block per `block_time` slot, EIP-1559 base fee,
//! senders recovered from the signed bytes, receipts and block history.
//!
//! What the chain keeps: the state (accounts, code, storage: grows with accounts and
//! contracts, not with the run), the pool (bounded by `mempool_limit`), and its blocks'
//! history (number, times, base fee, gas, transaction hashes) for a window of recent
//! blocks only: the blocks sealed in the last [`HISTORY_WINDOW`] of slot time, and at
//! least the last [`HISTORY_MIN_BLOCKS`]. Older blocks are dropped whole, so a run of any
//! length holds about `rate x 60 s` hashes; reading an older block is an error that says
//! so (the reconciliation reads blocks every second, well inside the window). A chain
//! built with a seal hook (the rollup, whose derivation check replays every L2 block)
//! keeps its whole history.

mod admit;
mod basefee;
mod builder;
mod mempool;

use std::{
    collections::VecDeque,
    sync::{Arc, Condvar, Mutex, atomic::AtomicBool},
    thread::JoinHandle,
};

use alloy::primitives::{Address, Bytes, TxKind, U256};
use revm::{
    Context, DatabaseRef, ExecuteEvm, MainBuilder, MainContext,
    context::{BlockEnv, TxEnv},
    context_interface::result::ExecutionResult,
    state::AccountInfo,
};

pub use admit::{PoolTx, admit_all};
pub use basefee::next_base_fee;
pub use builder::{BlockSlots, BlockSummary, SealHook};
use mempool::Mempool;

use super::{AccountState, ChainBlock, EventSink, Rejection, Target, TargetError, TargetInfo};
use crate::{
    exec::{ChainState, ExecCounters, Executor, Parallel, ParallelConfig, Sequential, SharedCounters},
    lock,
    plan::PlannedTx,
    scenario::{EmbeddedSpec, ExecutorKind, Sealing, SenderRecovery},
};

/// The block producer's address (not a precompile, not a generated account).
pub const COINBASE: Address = Address::new([0xc0, 0xff, 0xee, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xcb, 0x01]);

/// The machine's cores: the parallel executor's default thread count.
fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// How long (in slot time) a sealed block stays in the history: its transactions' hashes
/// can be read back for this long. Sixty times the reconciliation's read interval.
pub const HISTORY_WINDOW: core::time::Duration = core::time::Duration::from_secs(60);
/// Blocks kept at least, however old (a slow chain's last minutes).
pub const HISTORY_MIN_BLOCKS: usize = 16;

/// Gas a read-only `call` may use.
const CALL_GAS: u64 = 50_000_000;

/// The pool and the head, guarded together: the builder reads both when it seals.
#[derive(Debug)]
struct Pooled {
    pool: Mempool,
    base_fee: u64,
    number: u64,
}

#[derive(Debug)]
struct Shared {
    spec: EmbeddedSpec,
    pooled: Mutex<Pooled>,
    wake: Condvar,
    state: Mutex<ChainState>,
    history: Mutex<History>,
    slots: Mutex<BlockSlots>,
    stop: AtomicBool,
    /// Called as each block is sealed (the rollup's L1 fee and batcher), if set.
    hook: Option<Arc<dyn SealHook>>,
}

/// The embedded chain target.
#[derive(Debug)]
pub struct Embedded {
    shared: Arc<Shared>,
    builder: Mutex<Option<JoinHandle<()>>>,
    sink: Mutex<Option<EventSink>>,
    counters: Arc<SharedCounters>,
    /// An executor given by the caller, used instead of the spec's (tests that break one).
    given: Mutex<Option<Box<dyn Executor>>>,
}

impl Embedded {
    pub fn new(spec: EmbeddedSpec) -> Self {
        Self::build(spec, None)
    }

    /// As [`Self::new`], calling `hook` as each block is sealed.
    pub fn with_hook(spec: EmbeddedSpec, hook: Arc<dyn SealHook>) -> Self {
        Self::build(spec, Some(hook))
    }

    fn build(spec: EmbeddedSpec, hook: Option<Arc<dyn SealHook>>) -> Self {
        let base_fee = (spec.base_fee.initial_gwei * 1e9).round() as u64;
        let pool = Mempool::new(spec.mempool_limit, spec.chain_id, spec.gas_limit);
        Self {
            shared: Arc::new(Shared {
                pooled: Mutex::new(Pooled { pool, base_fee, number: 0 }),
                wake: Condvar::new(),
                state: Mutex::new(ChainState::default()),
                history: Mutex::new(History::new(hook.is_none().then_some(HISTORY_WINDOW))),
                slots: Mutex::default(),
                stop: AtomicBool::new(false),
                hook,
                spec,
            }),
            builder: Mutex::new(None),
            sink: Mutex::new(None),
            counters: Arc::default(),
            given: Mutex::new(None),
        }
    }

    /// As [`Self::new`], executing blocks with `executor` instead of the spec's: how a test
    /// proves the effects check catches an executor that writes the wrong state.
    pub fn with_executor(spec: EmbeddedSpec, executor: Box<dyn Executor>) -> Self {
        let chain = Self::new(spec);
        *lock(&chain.given) = Some(executor);
        chain
    }

    /// As [`Self::new`], keeping blocks for `window` of slot time (and at least
    /// [`HISTORY_MIN_BLOCKS`]) instead of [`HISTORY_WINDOW`]: how a test makes a short
    /// run recycle the history many times.
    pub fn with_history_window(spec: EmbeddedSpec, window: core::time::Duration) -> Self {
        let chain = Self::new(spec);
        *lock(&chain.shared.history) = History::new(Some(window));
        chain
    }

    /// The base fee of the latest sealed block (the initial one before any) and its number.
    pub fn head_base_fee(&self) -> (u64, u64) {
        let history = lock(&self.shared.history);
        match history.blocks.back() {
            Some(b) => (b.number, b.base_fee_wei),
            None => (0, (self.shared.spec.base_fee.initial_gwei * 1e9).round() as u64),
        }
    }

    /// The sealed blocks still kept (all of them for a chain with a seal hook; the recent
    /// window otherwise), oldest first.
    pub fn history(&self) -> Vec<BlockSummary> {
        lock(&self.shared.history).blocks.iter().cloned().collect()
    }

    fn executor(&self) -> Box<dyn Executor> {
        let spec = &self.shared.spec;
        let latency = core::time::Duration::from_micros(spec.state_read_latency_us);
        match spec.executor {
            ExecutorKind::Sequential => Box::new(Sequential::new(latency)),
            ExecutorKind::Parallel => {
                let threads = spec.threads.unwrap_or_else(default_threads);
                Box::new(Parallel::new(ParallelConfig::new(threads, latency)).with_counters(self.counters.clone()))
            }
        }
    }

    /// When the injected stall covering `now_ns` ends, if one does.
    fn stalled_until(&self, now_ns: u64) -> Option<u64> {
        builder::stall_end(&self.shared.spec, now_ns)
    }
}

#[async_trait::async_trait]
impl Target for Embedded {
    fn info(&self) -> TargetInfo {
        let spec = &self.shared.spec;
        let mut notes = vec![match spec.sealing {
            Sealing::Interval => format!("block_time={} (wall clock): one block per slot", spec.block_time),
            Sealing::WhenFull => format!(
                "block_time={} (wall clock), sealing=when_full: a block is also sealed as soon as the pool holds a full block payable at the base fee, so blocks may come faster than block_time",
                spec.block_time
            ),
        }];
        let mut warnings = Vec::new();
        notes.push(match spec.sender_recovery {
            SenderRecovery::Trusted => {
                let trusted = "SENDERS TRUSTED (sender_recovery=trusted): the signed bytes are neither decoded nor verified; senders and fields are taken from the plan, so the figures leave out decoding and ECDSA recovery";
                warnings.push(trusted.to_string());
                trusted.into()
            }
            SenderRecovery::Verify => {
                "sender_recovery=verify: every transaction decoded from its signed bytes, its sender recovered with libsecp256k1 at submission (high-s and differences from the plan refused); the decoded transaction is executed".into()
            }
        });
        if spec.executor == ExecutorKind::Parallel {
            notes.push(format!(
                "executor=parallel: Block-STM on {} threads; blocks under 4 transactions per thread, or while sequential blocks have been cheaper, run sequentially (target.exec.fallbacks)",
                spec.threads.unwrap_or_else(default_threads)
            ));
        }
        if spec.state_read_latency_us > 0 {
            notes.push(format!(
                "state_read_latency_us={}: each location's first read in a block waits that long",
                spec.state_read_latency_us
            ));
        }
        if !spec.faults.is_empty() {
            notes.push(format!("{} injected stall(s)", spec.faults.len()));
        }
        TargetInfo {
            kind: crate::scenario::TargetKind::Embedded,
            chain_id: spec.chain_id,
            block_gas_limit: spec.gas_limit,
            executor: Some(self.executor().name()),
            notes,
            warnings,
        }
    }

    async fn prepare(&self, accounts: &[Address], balance: U256) -> Result<Vec<u64>, TargetError> {
        {
            let mut state = lock(&self.shared.state);
            for a in accounts {
                state.insert_account_info(*a, AccountInfo { balance, ..Default::default() });
            }
        }
        let mut pooled = lock(&self.shared.pooled);
        for a in accounts {
            pooled.pool.set_account(*a, 0, balance);
        }
        Ok(vec![0; accounts.len()])
    }

    async fn start(&self, sink: EventSink) -> Result<(), TargetError> {
        let shared = self.shared.clone();
        let executor = lock(&self.given).take().unwrap_or_else(|| self.executor());
        *lock(&self.sink) = Some(sink.clone());
        let handle = std::thread::Builder::new()
            .name("gasbench-builder".into())
            .spawn(move || builder::run(&shared, executor, &sink))
            .map_err(|e| TargetError::Failed(format!("cannot start the block builder: {e}")))?;
        *lock(&self.builder) = Some(handle);
        Ok(())
    }

    async fn submit(&self, batch: &[Arc<PlannedTx>]) -> Vec<Result<(), Rejection>> {
        let now = lock(&self.sink).as_ref().map(EventSink::clock);
        if let Some(end) = now.and_then(|c| self.stalled_until(c.now_ns()).map(|e| (c, e))) {
            let (clock, end) = end;
            tokio::time::sleep_until(clock.instant_at(end).into()).await;
        }
        let spec = &self.shared.spec;
        let verify = spec.sender_recovery == SenderRecovery::Verify;
        // Recovering senders is CPU work (~30 us each): off the async workers, so that the
        // send loop's timers stay on time while batches are verified.
        let owned: Vec<Arc<PlannedTx>> = batch.to_vec();
        let admitted = if verify {
            tokio::task::spawn_blocking(move || admit::admit_all(&owned, true, default_threads()))
                .await
                .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
        } else {
            admit::admit_all(&owned, false, 1)
        };
        let mut pooled = lock(&self.shared.pooled);
        let results = admitted
            .into_iter()
            .map(|tx| {
                let tx = tx?;
                if !pooled.pool.knows(&tx.from) {
                    let info = lock(&self.shared.state).basic_ref(tx.from).ok().flatten().unwrap_or_default();
                    pooled.pool.set_account(tx.from, info.nonce, info.balance);
                }
                pooled.pool.add(Arc::new(tx))
            })
            .collect();
        if spec.sealing == Sealing::WhenFull && pooled.pool.queued_gas >= spec.gas_limit {
            self.shared.wake.notify_one();
        }
        results
    }

    async fn accounts(&self, addresses: &[Address]) -> Result<Vec<AccountState>, TargetError> {
        let state = lock(&self.shared.state);
        addresses
            .iter()
            .map(|a| {
                let info = state.basic_ref(*a).map_err(|e| TargetError::Failed(e.to_string()))?.unwrap_or_default();
                Ok(AccountState { balance: info.balance, nonce: info.nonce })
            })
            .collect()
    }

    async fn call(&self, to: Address, input: Bytes) -> Result<Bytes, TargetError> {
        let number = lock(&self.shared.pooled).number;
        let mut state = lock(&self.shared.state);
        // A zero-priced call from the zero address: no balance, nonce or base fee needed.
        let block = BlockEnv { number: U256::from(number), gas_limit: u64::MAX, basefee: 0, ..Default::default() };
        let mut cfg = crate::exec::cfg_env(self.shared.spec.chain_id);
        cfg.disable_nonce_check = true;
        let mut evm = Context::mainnet().with_db(&mut *state).with_block(block).with_cfg(cfg).build_mainnet();
        let tx = TxEnv::builder()
            .caller(Address::ZERO)
            .kind(TxKind::Call(to))
            .data(input)
            .gas_limit(CALL_GAS)
            .gas_price(0)
            .chain_id(Some(self.shared.spec.chain_id))
            .build()
            .map_err(|e| TargetError::Failed(format!("cannot build the call: {e:?}")))?;
        match evm.transact(tx).map_err(|e| TargetError::Failed(format!("call to {to}: {e}")))?.result {
            ExecutionResult::Success { output, .. } => Ok(output.into_data()),
            ExecutionResult::Revert { output, .. } => {
                Err(TargetError::Failed(format!("call to {to} reverted: 0x{}", alloy::hex::encode(&output))))
            }
            ExecutionResult::Halt { reason, .. } => {
                Err(TargetError::Failed(format!("call to {to} halted: {reason:?}")))
            }
        }
    }

    async fn head_number(&self) -> Result<u64, TargetError> {
        Ok(lock(&self.shared.history).blocks.back().map_or(0, |b| b.number))
    }

    async fn blocks(&self, from: u64, to: u64) -> Result<Vec<ChainBlock>, TargetError> {
        let history = lock(&self.shared.history);
        let genesis_base_fee = (self.shared.spec.base_fee.initial_gwei * 1e9).round() as u128;
        (from..=to)
            .map(|n| {
                if n == 0 {
                    let base_fee_wei = genesis_base_fee;
                    return Ok(ChainBlock { number: 0, base_fee_wei, coinbase: COINBASE, ..Default::default() });
                }
                let b = history.get(n)?;
                Ok(ChainBlock {
                    number: b.number,
                    base_fee_wei: u128::from(b.base_fee_wei),
                    gas_used: b.gas_used,
                    coinbase: COINBASE,
                    tx_hashes: b.tx_hashes.clone(),
                })
            })
            .collect()
    }

    fn block_slots(&self) -> Option<BlockSlots> {
        Some(*lock(&self.shared.slots))
    }

    fn exec_counters(&self) -> Option<ExecCounters> {
        (self.shared.spec.executor == ExecutorKind::Parallel).then(|| self.counters.get())
    }

    async fn stop(&self) {
        self.shared.stop.store(true, core::sync::atomic::Ordering::SeqCst);
        self.shared.wake.notify_all();
        let handle = lock(&self.builder).take();
        if let Some(handle) = handle {
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
    }
}

/// The sealed blocks kept: numbered from 1 without gaps, the oldest dropped once they are
/// older than the window (by slot time) and more than [`HISTORY_MIN_BLOCKS`] are kept.
#[derive(Debug)]
struct History {
    blocks: VecDeque<BlockSummary>,
    /// `None`: every block is kept.
    window_ms: Option<u64>,
}

impl History {
    fn new(window: Option<core::time::Duration>) -> Self {
        Self { blocks: VecDeque::new(), window_ms: window.map(|w| w.as_millis() as u64) }
    }

    /// A block just sealed; drops the blocks that fell out of the window.
    fn push(&mut self, block: BlockSummary) {
        let newest_ms = block.timestamp_ms;
        self.blocks.push_back(block);
        let Some(window_ms) = self.window_ms else { return };
        while self.blocks.len() > HISTORY_MIN_BLOCKS
            && self.blocks.front().is_some_and(|b| b.timestamp_ms.saturating_add(window_ms) < newest_ms)
        {
            self.blocks.pop_front();
        }
    }

    /// Block `n` (from 1), or why it cannot be read.
    fn get(&self, n: u64) -> Result<&BlockSummary, TargetError> {
        let first = self.blocks.front().map_or(1, |b| b.number);
        let last = self.blocks.back().map_or(0, |b| b.number);
        if n > last {
            return Err(TargetError::Failed(format!("block {n} is not sealed yet (the head is block {last})")));
        }
        let b = n.checked_sub(first).and_then(|i| self.blocks.get(i as usize)).filter(|b| b.number == n);
        b.ok_or_else(|| {
            TargetError::Failed(format!(
                "block {n} is no longer kept: the embedded chain keeps blocks {first}..={last} (the last {} s of \
                 blocks, at least {HISTORY_MIN_BLOCKS}); read blocks while the run goes on",
                self.window_ms.unwrap_or(0) / 1000
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(number: u64, timestamp_ms: u64) -> BlockSummary {
        BlockSummary {
            number,
            timestamp: timestamp_ms / 1000,
            timestamp_ms,
            base_fee_wei: 1,
            gas_used: 0,
            gas_limit: 1,
            tx_hashes: vec![alloy::primitives::B256::with_last_byte(number as u8)],
        }
    }

    #[test]
    fn the_history_keeps_the_window_and_at_least_the_last_blocks() {
        // One block a second, a 30 s window: blocks older than 30 s go once more than
        // HISTORY_MIN_BLOCKS are kept.
        let mut h = History::new(Some(core::time::Duration::from_secs(30)));
        for n in 1..=200 {
            h.push(block(n, n * 1000));
        }
        assert_eq!((h.blocks.front().unwrap().number, h.blocks.len()), (170, 31));
        assert_eq!(h.get(170).unwrap().number, 170);
        assert_eq!(h.get(200).unwrap().tx_hashes, block(200, 0).tx_hashes);
        let e = h.get(169).unwrap_err().to_string();
        assert!(e.contains("block 169 is no longer kept") && e.contains("170..=200"), "{e}");
        assert!(h.get(201).unwrap_err().to_string().contains("not sealed yet"));
        // A slow chain (a block a minute): the last HISTORY_MIN_BLOCKS stay.
        let mut slow = History::new(Some(core::time::Duration::from_secs(30)));
        (1..=100).for_each(|n| slow.push(block(n, n * 60_000)));
        assert_eq!(slow.blocks.len(), HISTORY_MIN_BLOCKS);
        // Without a window (the rollup's chains), everything.
        let mut all = History::new(None);
        (1..=100).for_each(|n| all.push(block(n, n * 60_000)));
        assert_eq!((all.blocks.len(), all.get(1).unwrap().number), (100, 1));
    }
}
