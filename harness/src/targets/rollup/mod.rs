//! The rollup target: an OP-stack style L2 (the embedded chain as sequencer) charging
//! every transaction its L1 data fee, a batcher posting its blocks to an L1 (a second
//! embedded chain) as compressed channels, stage latencies (unsafe, safe, finalized), and
//! the derivation check that reads the L2 back from the L1.

pub mod batch;
mod batcher;
pub mod channel;
mod counters;
pub mod derive;
pub mod fees;
pub mod frame;
mod inbox;
mod poster;
mod report;
mod sequencer;
pub mod stages;

use std::sync::{Arc, Mutex};

use alloy::primitives::{Address, Bytes, U256};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use counters::RollupCounters;
pub use report::RollupReport;
pub use sequencer::L1_FEE_VAULT;

use super::{
    AccountState, ChainBlock, EventSink, Rejection, Target, TargetError, TargetHealth, TargetInfo,
    embedded::{BlockSlots, Embedded},
};
use crate::{exec::ExecCounters, lock, plan::PlannedTx, scenario::RollupSpec};

/// What reading the L2 chain back from the L1 met.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeriveError {
    #[error("bad frame: {0}")]
    Frame(String),
    #[error("bad channel: {0}")]
    Channel(String),
    #[error("bad batch: {0}")]
    Batch(String),
}

/// Ether the batcher holds on the embedded L1.
const BATCHER_BALANCE_ETH: u64 = 1_000_000;

/// The rollup target.
#[derive(Debug)]
pub struct Rollup {
    spec: RollupSpec,
    l2: Arc<Embedded>,
    l1: Arc<Embedded>,
    sequencer: Arc<sequencer::Sequencer>,
    inbox: Arc<inbox::Inbox>,
    load: Arc<Mutex<stages::LoadTxs>>,
    stats: Arc<Mutex<batcher::BatcherStats>>,
    /// The batcher, until started.
    pending: Mutex<Option<batcher::Batcher>>,
    task: Mutex<Option<JoinHandle<()>>>,
    stop: CancellationToken,
}

impl Rollup {
    pub fn new(spec: RollupSpec) -> Self {
        Self::build(spec, false)
    }

    /// As [`Self::new`], with a batcher that alters the first transaction it batches: how
    /// a test proves the derivation check catches a batch that differs from the L2.
    pub fn with_tampering_batcher(spec: RollupSpec) -> Self {
        Self::build(spec, true)
    }

    fn build(spec: RollupSpec, tamper: bool) -> Self {
        let l1_spec = &spec.l1.embedded;
        let poster = poster::Poster::new(inbox::inbox_address(spec.l2.chain_id), l1_spec.chain_id);
        let inbox =
            Arc::new(inbox::Inbox { address: poster.inbox, batcher: poster.address(), found: Mutex::default() });
        let l1 = Arc::new(Embedded::with_hook(l1_spec.embedded(), inbox.clone()));
        let (blocks_tx, blocks_rx) = tokio::sync::mpsc::unbounded_channel();
        let load = Arc::new(Mutex::new(stages::LoadTxs::default()));
        let sequencer = Arc::new(sequencer::Sequencer {
            fees: spec.fees.clone(),
            blob_base_fee_wei: u128::from(l1_spec.blob_base_fee_wei),
            l1: l1.clone(),
            blocks: blocks_tx,
            stats: Mutex::default(),
        });
        let l2 = Arc::new(Embedded::with_hook(spec.l2.embedded(), sequencer.clone()));
        let stats = Arc::new(Mutex::new(batcher::BatcherStats::default()));
        let stop = CancellationToken::new();
        // Events and clock are placeholders until `start` gives the run's clock.
        let (_, l1_events) = tokio::sync::mpsc::unbounded_channel();
        let batcher = batcher::Batcher {
            spec: spec.batcher.clone(),
            finality_depth: spec.finality_depth,
            settle_timeout: spec.settle_timeout.get(),
            l1: l1.clone(),
            poster,
            blocks: blocks_rx,
            l1_events,
            clock: crate::clock::Clock::start(),
            stats: stats.clone(),
            load: load.clone(),
            l2_sink: None,
            stop: stop.clone(),
            tamper,
            stopping: false,
            settle_until: std::sync::OnceLock::new(),
        };
        Self {
            spec,
            l2,
            l1,
            sequencer,
            inbox,
            load,
            stats,
            pending: Mutex::new(Some(batcher)),
            task: Mutex::new(None),
            stop,
        }
    }

    /// The L1 chain (tests read its blocks).
    pub fn l1(&self) -> &Arc<Embedded> {
        &self.l1
    }

    /// The derivation check, over the L2 blocks sealed so far.
    pub fn derivation(&self) -> derive::Derivation {
        let posted: Vec<Bytes> = lock(&self.inbox.found).iter().map(|(_, d)| d.clone()).collect();
        let l2: Vec<derive::L2BlockRef> = self
            .l2
            .history()
            .into_iter()
            .map(|b| derive::L2BlockRef { number: b.number, timestamp: b.timestamp, tx_hashes: b.tx_hashes })
            .collect();
        derive::check(&posted, &l2)
    }
}

#[async_trait::async_trait]
impl Target for Rollup {
    fn info(&self) -> TargetInfo {
        let mut info = self.l2.info();
        let l1 = &self.spec.l1.embedded;
        info.kind = crate::scenario::TargetKind::Rollup;
        info.notes.insert(
            0,
            format!(
                "rollup: L2 = embedded chain (block_time={}), L1 = embedded chain (block_time={}, chain {}); L1 data fee {:?} (base_fee_scalar={}, blob_base_fee_scalar={}, blob base fee modelled at {} wei); batcher: {:?} channels up to {} bytes or {}, calldata; finality after {} L1 blocks",
                self.spec.l2.block_time,
                l1.block_time,
                l1.chain_id,
                self.spec.fees.model,
                self.spec.fees.base_fee_scalar,
                self.spec.fees.blob_base_fee_scalar,
                l1.blob_base_fee_wei,
                self.spec.batcher.compression,
                self.spec.batcher.max_channel_bytes,
                self.spec.batcher.max_delay,
                self.spec.finality_depth,
            ),
        );
        info
    }

    async fn prepare(&self, accounts: &[Address], balance: U256) -> Result<Vec<u64>, TargetError> {
        let batcher = lock(&self.pending).as_ref().map(|b| b.poster.address());
        if let Some(batcher) = batcher {
            let eth = U256::from(BATCHER_BALANCE_ETH) * U256::from(10u64).pow(U256::from(18));
            self.l1.prepare(&[batcher], eth).await?;
        }
        self.l2.prepare(accounts, balance).await
    }

    fn health(&self) -> TargetHealth {
        self.l2.health()
    }

    async fn start(&self, sink: EventSink) -> Result<(), TargetError> {
        let clock = sink.clock();
        let (l1_sink, l1_events) = EventSink::new(clock);
        self.l1.start(l1_sink).await?;
        let mut batcher =
            lock(&self.pending).take().ok_or_else(|| TargetError::Failed("the rollup was started twice".into()))?;
        batcher.l1_events = l1_events;
        batcher.clock = clock;
        batcher.l2_sink = Some(sink.clone());
        *lock(&self.task) = Some(tokio::spawn(batcher.run()));
        self.l2.start(sink).await
    }

    async fn load_started(&self, _origin_ns: u64) {
        lock(&self.load).load_started();
    }

    async fn submit(&self, batch: &[Arc<PlannedTx>]) -> Vec<Result<(), Rejection>> {
        {
            let mut load = lock(&self.load);
            for t in batch {
                load.submitted(t.id);
            }
        }
        self.l2.submit(batch).await
    }

    async fn accounts(&self, addresses: &[Address]) -> Result<Vec<AccountState>, TargetError> {
        self.l2.accounts(addresses).await
    }

    async fn call(&self, to: Address, input: Bytes) -> Result<Bytes, TargetError> {
        self.l2.call(to, input).await
    }

    async fn head_number(&self) -> Result<u64, TargetError> {
        self.l2.head_number().await
    }

    async fn blocks(&self, from: u64, to: u64) -> Result<Vec<ChainBlock>, TargetError> {
        self.l2.blocks(from, to).await
    }

    fn block_slots(&self) -> Option<BlockSlots> {
        self.l2.block_slots()
    }

    fn exec_counters(&self) -> Option<ExecCounters> {
        self.l2.exec_counters()
    }

    fn rollup_counters(&self) -> Option<RollupCounters> {
        let fees = lock(&self.sequencer.stats);
        let b = lock(&self.stats);
        Some(RollupCounters {
            uncompressed_bytes: b.uncompressed_bytes,
            compressed_bytes: b.compressed_bytes,
            channels: b.channels,
            frames: b.frames,
            batcher_txs_included: b.batcher_txs_included,
            batcher_l1_spend_wei: b.l1_spend_wei,
            l1_fees_collected_wei: fees.collected_wei,
            l1_fee_txs: fees.txs,
            l1_base_fee_wei: b.l1_base_fee_last_wei,
        })
    }

    async fn rollup(&self) -> Option<RollupReport> {
        let l1 = &self.spec.l1.embedded;
        let load = lock(&self.load);
        let reached = report::Reached { tracked: load.tracked(), safe: load.safe, finalized: load.finalized };
        Some(report::assemble(
            &self.spec,
            u128::from(l1.blob_base_fee_wei),
            &lock(&self.sequencer.stats),
            &lock(&self.stats),
            reached,
            self.derivation(),
        ))
    }

    async fn stop(&self) {
        // The L2 first (no more blocks), then the batcher posts the rest and waits for
        // the L1 (at most settle_timeout), then the L1.
        self.l2.stop().await;
        self.stop.cancel();
        let task = lock(&self.task).take();
        if let Some(task) = task {
            let _ = task.await;
        }
        self.l1.stop().await;
    }
}
