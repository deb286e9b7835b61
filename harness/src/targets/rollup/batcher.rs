//! The batcher: groups sealed L2 blocks into channels (closed at `max_channel_bytes`
//! compressed or `max_delay` after their first block), cuts them into frames and posts
//! each frame as a batcher transaction to the L1; follows the L1's blocks to learn when
//! each channel is safe (all its frames included) and finalized (`finality_depth` L1
//! blocks later). On stop it posts what is left and waits, at most `settle_timeout`.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use alloy::primitives::{B256, keccak256};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_util::sync::CancellationToken;

use super::{
    batch::{SingularBatch, block_id},
    channel::ChannelOut,
    frame::tx_data,
    poster::Poster,
    sequencer::L2Block,
    stages::LoadTxs,
};
use crate::{
    clock::Clock,
    lock,
    metrics::Stage,
    plan::TxId,
    scenario::BatcherSpec,
    targets::{ChainEvent, EventSink, Target, embedded::Embedded},
};

/// What the batcher did, for the report.
#[derive(Debug, Clone, Default)]
pub struct BatcherStats {
    pub l2_blocks_batched: u64,
    pub channels: u64,
    pub channels_safe: u64,
    pub channels_finalized: u64,
    pub frames: u64,
    pub batcher_txs_posted: u64,
    pub batcher_txs_included: u64,
    pub batcher_txs_rejected: u64,
    pub last_rejection: Option<String>,
    pub uncompressed_bytes: u64,
    pub compressed_bytes: u64,
    pub calldata_bytes: u64,
    pub largest_batcher_tx_bytes: u64,
    pub l1_gas_used: u64,
    pub l1_spend_wei: u128,
    pub l1_blocks: u64,
    pub l1_base_fee_first_wei: Option<u128>,
    pub l1_base_fee_last_wei: u128,
    pub l1_base_fee_max_wei: u128,
    /// L2 blocks left unposted when the batcher stopped.
    pub l2_blocks_unposted: u64,
}

#[derive(Debug)]
struct Channel {
    frames: usize,
    included: usize,
    tx_ids: Vec<TxId>,
    safe_block: Option<u64>,
    finalized: bool,
}

/// The batcher task's inputs.
#[derive(Debug)]
pub struct Batcher {
    pub spec: BatcherSpec,
    pub finality_depth: u64,
    pub settle_timeout: Duration,
    pub l1: Arc<Embedded>,
    pub poster: Poster,
    pub blocks: UnboundedReceiver<L2Block>,
    pub l1_events: UnboundedReceiver<ChainEvent>,
    pub clock: Clock,
    pub stats: Arc<Mutex<BatcherStats>>,
    pub load: Arc<Mutex<LoadTxs>>,
    /// The L2's event sink: where `safe` and `finalized` are reported.
    pub l2_sink: Option<EventSink>,
    pub stop: CancellationToken,
    /// Tests: flip a byte of the first transaction batched (the derivation check must see it).
    pub tamper: bool,
    /// The stop was seen.
    pub stopping: bool,
    /// The end of the wait after the stop (target clock).
    pub settle_until: std::sync::OnceLock<u64>,
}

/// The open channel.
#[derive(Debug)]
struct Open {
    out: ChannelOut,
    opened_ns: u64,
    tx_ids: Vec<TxId>,
}

impl Batcher {
    pub async fn run(mut self) {
        let mut channels: Vec<Channel> = Vec::new();
        let mut posted: HashMap<u32, usize> = HashMap::new();
        let mut open: Option<Open> = None;
        let mut parent = block_id(0, 0, &[]);
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        let max_delay_ns = self.spec.max_delay.get().as_nanos() as u64;
        loop {
            tokio::select! {
                Some(b) = self.blocks.recv() => {
                    self.add(&mut open, &mut parent, b);
                    if open.as_ref().is_some_and(|o| o.out.compressed_so_far() >= self.spec.max_channel_bytes) {
                        self.post(open.take(), &mut channels, &mut posted).await;
                    }
                }
                Some(ev) = self.l1_events.recv() => self.on_l1(ev, &mut channels, &posted),
                _ = tick.tick() => {
                    let now = self.clock.now_ns();
                    if open.as_ref().is_some_and(|o| now.saturating_sub(o.opened_ns) >= max_delay_ns) {
                        self.post(open.take(), &mut channels, &mut posted).await;
                    }
                }
                () = self.stop.cancelled(), if !self.stopping => {
                    self.stopping = true;
                    self.settle_until();
                    // The L2 has stopped: batch what it sealed and post the last channel.
                    while let Ok(b) = self.blocks.try_recv() {
                        self.add(&mut open, &mut parent, b);
                    }
                    self.post(open.take(), &mut channels, &mut posted).await;
                }
            }
            if let Some(&until) = self.settle_until.get() {
                let settled = channels.iter().all(|c| c.finalized);
                if settled || self.clock.now_ns() >= until {
                    break;
                }
            }
        }
        let mut stats = lock(&self.stats);
        stats.l2_blocks_unposted = open.map_or(0, |o| o.out.batches as u64);
    }

    /// When the wait after the stop ends (fixed the first time it is asked for).
    fn settle_until(&self) -> u64 {
        *self.settle_until.get_or_init(|| self.clock.now_ns() + self.settle_timeout.as_nanos() as u64)
    }

    /// Resolves once the run has stopped and the settle deadline passed.
    async fn settled(&self) {
        self.stop.cancelled().await;
        let until = self.settle_until();
        tokio::time::sleep_until(self.clock.instant_at(until).into()).await;
    }

    fn add(&mut self, open: &mut Option<Open>, parent: &mut B256, b: L2Block) {
        let mut txs = b.txs;
        if self.tamper
            && let Some(first) = txs.first_mut()
        {
            let mut bytes = first.to_vec();
            let last = bytes.len() - 1;
            bytes[last] ^= 1;
            *first = bytes.into();
            self.tamper = false;
        }
        let batch = SingularBatch {
            parent_hash: *parent,
            epoch_number: b.epoch,
            epoch_hash: keccak256(b.epoch.to_be_bytes()),
            timestamp: b.timestamp,
            transactions: txs,
        };
        *parent = block_id(b.number, b.timestamp, &b.hashes);
        let o = open.get_or_insert_with(|| {
            let n = lock(&self.stats).channels;
            let mut id = [0u8; 16];
            id.copy_from_slice(&keccak256([b"gasbench/channel".as_slice(), &n.to_be_bytes()].concat())[..16]);
            Open { out: ChannelOut::new(id, self.spec.compression), opened_ns: self.clock.now_ns(), tx_ids: Vec::new() }
        });
        o.out.add(&batch);
        o.tx_ids.extend(b.ids);
        lock(&self.stats).l2_blocks_batched += 1;
    }

    async fn post(&mut self, open: Option<Open>, channels: &mut Vec<Channel>, posted: &mut HashMap<u32, usize>) {
        let Some(open) = open else { return };
        let rlp_bytes = open.out.rlp_bytes as u64;
        let (compressed, frames) = open.out.close(self.spec.max_frame_bytes);
        let index = channels.len();
        channels.push(Channel {
            frames: frames.len(),
            included: 0,
            tx_ids: open.tx_ids,
            safe_block: None,
            finalized: false,
        });
        {
            let mut s = lock(&self.stats);
            s.channels += 1;
            s.frames += frames.len() as u64;
            s.uncompressed_bytes += rlp_bytes;
            s.compressed_bytes += compressed.len() as u64;
        }
        for frame in frames {
            let data = tx_data(std::slice::from_ref(&frame));
            let len = data.len() as u64;
            let (_, base_fee) = self.l1.head_base_fee();
            let tx = Arc::new(self.poster.transaction(data, base_fee));
            let id = tx.id;
            // An L1 that stalls holds the submission; past the settle deadline it is given up.
            let batch = [tx];
            let result = tokio::select! {
                r = self.l1.submit(&batch) => r.into_iter().next().expect("one result per transaction"),
                () = self.settled() => Err(crate::targets::Rejection {
                    kind: crate::targets::RejectKind::Transport,
                    message: "the L1 did not accept the batcher transaction before the settle timeout".into(),
                }),
            };
            let mut s = lock(&self.stats);
            match result {
                Ok(()) => {
                    self.poster.nonce += 1;
                    posted.insert(id, index);
                    s.batcher_txs_posted += 1;
                    s.calldata_bytes += len;
                    s.largest_batcher_tx_bytes = s.largest_batcher_tx_bytes.max(len);
                }
                Err(r) => {
                    s.batcher_txs_rejected += 1;
                    s.last_rejection = Some(r.message);
                }
            }
        }
    }

    fn on_l1(&self, ev: ChainEvent, channels: &mut [Channel], posted: &HashMap<u32, usize>) {
        let ChainEvent::Block(b) = ev else { return };
        let mut s = lock(&self.stats);
        s.l1_blocks += 1;
        s.l1_base_fee_first_wei.get_or_insert(b.base_fee_wei);
        s.l1_base_fee_last_wei = b.base_fee_wei;
        s.l1_base_fee_max_wei = s.l1_base_fee_max_wei.max(b.base_fee_wei);
        let mut load = lock(&self.load);
        let reached = |stage: Stage, ids: &[TxId], load: &mut LoadTxs| {
            let ids = load.of_load(ids);
            match stage.as_str() {
                "safe" => load.safe += ids.len() as u64,
                _ => load.finalized += ids.len() as u64,
            }
            if let Some(sink) = &self.l2_sink {
                sink.emit(ChainEvent::Reached { stage, ids, observed_ns: b.observed_ns });
            }
        };
        for tx in &b.txs {
            let Some(&c) = posted.get(&tx.id) else { continue };
            s.batcher_txs_included += 1;
            s.l1_gas_used += tx.gas_used;
            s.l1_spend_wei += u128::from(tx.gas_used) * tx.effective_gas_price_wei;
            let ch = &mut channels[c];
            ch.included += 1;
            if ch.included == ch.frames {
                ch.safe_block = Some(b.number);
                s.channels_safe += 1;
                reached(Stage::SAFE, &ch.tx_ids, &mut load);
            }
        }
        for ch in channels.iter_mut() {
            if !ch.finalized && ch.safe_block.is_some_and(|n| n + self.finality_depth <= b.number) {
                ch.finalized = true;
                s.channels_finalized += 1;
                reached(Stage::FINALIZED, &ch.tx_ids, &mut load);
            }
        }
    }
}
