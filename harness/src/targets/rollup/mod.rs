//! The rollup target: an OP-stack style L2 (the embedded chain as sequencer) charging
//! every transaction its L1 data fee, a batcher posting its blocks to an L1 (a second
//! embedded chain, or a real node over JSON-RPC) as compressed channels, in calldata or
//! EIP-4844 blobs, stage latencies (unsafe, safe, finalized), and the derivation check that
//! reads the L2 back from the L1.

pub mod batch;
mod batcher;
pub mod blob;
pub mod channel;
mod counters;
pub mod derive;
pub mod fees;
pub mod frame;
mod inbox;
mod l1;
mod l1_rpc;
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
    /// The L1 as a real node, when `l1: {rpc: ...}` (then `l1` is not started).
    l1_rpc: Option<Arc<l1_rpc::RpcL1>>,
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
        Self::build(spec, false, false)
    }

    /// As [`Self::new`], with a batcher that alters the first transaction it batches: how
    /// a test proves the derivation check catches a batch that differs from the L2.
    pub fn with_tampering_batcher(spec: RollupSpec) -> Self {
        Self::build(spec, true, false)
    }

    /// As [`Self::new`], with a batcher that flips a byte of the first frame it posts: a
    /// corrupted frame on the L1, which the derivation check must catch.
    pub fn with_corrupting_batcher(spec: RollupSpec) -> Self {
        Self::build(spec, false, true)
    }

    fn build(spec: RollupSpec, tamper: bool, corrupt_frame: bool) -> Self {
        let l1_spec = &spec.l1.embedded;
        let poster = poster::Poster::new(inbox::inbox_address(spec.l2.chain_id), l1_spec.chain_id);
        let inbox =
            Arc::new(inbox::Inbox { address: poster.inbox, batcher: poster.address(), found: Mutex::default() });
        let l1 = Arc::new(Embedded::with_hook(l1_spec.embedded(), inbox.clone()));
        let l1_rpc = spec.l1.rpc.clone().map(|r| Arc::new(l1_rpc::RpcL1::new(r, poster.inbox, poster.address())));
        let l1_view = match &l1_rpc {
            Some(node) => l1::L1::Rpc(node.clone()),
            None => l1::L1::Embedded { chain: l1.clone(), blob_base_fee_wei: u128::from(l1_spec.blob_base_fee_wei) },
        };
        let (blocks_tx, blocks_rx) = tokio::sync::mpsc::unbounded_channel();
        let load = Arc::new(Mutex::new(stages::LoadTxs::default()));
        let sequencer = Arc::new(sequencer::Sequencer {
            fees: spec.fees.clone(),
            l1: l1_view.clone(),
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
            l1: l1_view,
            da: spec.batcher.da,
            poster,
            blocks: blocks_rx,
            l1_events,
            clock: crate::clock::Clock::start(),
            stats: stats.clone(),
            load: load.clone(),
            l2_sink: None,
            stop: stop.clone(),
            tamper,
            corrupt_frame,
            stopping: false,
            settle_until: std::sync::OnceLock::new(),
        };
        Self {
            spec,
            l2,
            l1,
            l1_rpc,
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

    /// The derivation check, over the L2 blocks sealed so far: the batcher transactions
    /// read back from the embedded L1's blocks, or from the real L1 node.
    pub async fn derivation(&self) -> derive::Derivation {
        let posted: Vec<Bytes> = match &self.l1_rpc {
            None => lock(&self.inbox.found).iter().map(|(_, d)| d.clone()).collect(),
            Some(node) => match node.batcher_data().await {
                Ok(p) => p,
                Err(e) => {
                    return derive::Derivation {
                        verdict: crate::report::Verdict::Fail,
                        detail: format!("could not read the batcher transactions back from the L1 node: {e}"),
                        ..derive::Derivation::default()
                    };
                }
            },
        };
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
        if let Some(rpc) = &self.spec.l1.rpc {
            info.notes.insert(
                0,
                format!(
                    "rollup: L2 = embedded chain (block_time={}), L1 = the node at {} over JSON-RPC (base fee and blob base fee read from it); L1 data fee {:?} (base_fee_scalar={}, blob_base_fee_scalar={}); batcher: {:?} channels up to {} bytes or {}, {:?}; finality after {} L1 blocks",
                    self.spec.l2.block_time,
                    rpc.http,
                    self.spec.fees.model,
                    self.spec.fees.base_fee_scalar,
                    self.spec.fees.blob_base_fee_scalar,
                    self.spec.batcher.compression,
                    self.spec.batcher.max_channel_bytes,
                    self.spec.batcher.max_delay,
                    self.spec.batcher.da,
                    self.spec.finality_depth,
                ),
            );
            return info;
        }
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
        if let Some(node) = &self.l1_rpc {
            let chain_id = node.prepare().await?;
            if self.spec.batcher.da == crate::scenario::DataAvailability::Blob {
                // Loads KZG's trusted setup now rather than in the first post of the run.
                blob::sidecar(vec![Vec::new()]).await.map_err(TargetError::Setup)?;
            }
            if let Some(b) = lock(&self.pending).as_mut() {
                b.poster.chain_id = chain_id;
            }
            return self.l2.prepare(accounts, balance).await;
        }
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
        match &self.l1_rpc {
            Some(node) => {
                tokio::spawn(node.clone().follow(l1_sink));
            }
            None => self.l1.start(l1_sink).await?,
        }
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
        let derivation = self.derivation().await;
        let reached = {
            let load = lock(&self.load);
            report::Reached { tracked: load.tracked(), safe: load.safe, finalized: load.finalized }
        };
        let mut batcher = lock(&self.stats).clone();
        let blobs = self.l1_rpc.as_ref().map(|n| *lock(&n.blob_stats));
        // The batcher's real L1 spend includes its blob gas.
        batcher.l1_spend_wei += blobs.map_or(0, |b| b.blob_spend_wei);
        let blob_base_fee = match &self.l1_rpc {
            Some(node) => node.origin().blob_base_fee_wei,
            None => u128::from(self.spec.l1.embedded.blob_base_fee_wei),
        };
        let mut r =
            report::assemble(&self.spec, blob_base_fee, &lock(&self.sequencer.stats), &batcher, reached, derivation);
        match &self.l1_rpc {
            Some(node) => {
                r.l1.node = node.spec.http.clone();
                r.l1.blob_base_fee_source = "read from the L1 node (eth_blobBaseFee at each L1 head)".into();
                r.l1.blobs = blobs.filter(|b| b.blob_txs_included > 0).map(Into::into);
            }
            None => {
                r.l1.node = "embedded".into();
                r.l1.blob_base_fee_source =
                    "modelled: a constant (the embedded L1 has no blob market); blob DA is not available on it".into();
            }
        }
        Some(r)
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
        match &self.l1_rpc {
            Some(node) => node.stop(),
            None => self.l1.stop().await,
        }
    }
}
