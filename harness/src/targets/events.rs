//! Chain events: what a target tells the recorder about inclusion, joined on `TxId`.

use alloy::primitives::{B256, Bytes};
use tokio::sync::mpsc;

use crate::{clock::Clock, metrics::Stage, plan::TxId};

/// A transaction included in a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncludedTx {
    pub id: TxId,
    pub success: bool,
    pub gas_used: u64,
    pub effective_gas_price_wei: u128,
    /// L1 data fee, on rollups.
    pub l1_fee_wei: Option<u128>,
    /// The revert data of a reverted call (empty for a halt or a bare `revert()`), for
    /// decoding the revert reason. `None` when it succeeded or the target cannot tell.
    pub revert_data: Option<Bytes>,
}

/// A block, as observed by gasbench.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockEvent {
    pub number: u64,
    /// The block's hash (the embedded chain, which hashes no headers, hashes its number
    /// and its transactions' hashes): with the chain id and number, a block's identity, so
    /// that merged reports of two shards count a block both saw once.
    pub hash: B256,
    /// When gasbench saw the block (run clock), never the header's timestamp.
    pub observed_ns: u64,
    pub base_fee_wei: u128,
    pub gas_used: u64,
    pub gas_limit: u64,
    /// Our transactions in it, in block order.
    pub txs: Vec<IncludedTx>,
    /// Transactions in the block that are not ours.
    pub foreign_txs: u64,
}

/// Everything a target reports while a run goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainEvent {
    Block(BlockEvent),
    /// The target knows this accepted transaction will never be included.
    Dropped {
        id: TxId,
        reason: String,
    },
    /// Included transactions reached a later latency stage (a rollup's `safe` once their
    /// L2 block is derivable from L1, `finalized`): recorded as that stage's latency from
    /// each one's intended send time, keyed by the stage's name.
    Reached {
        stage: Stage,
        ids: Vec<TxId>,
        /// When gasbench saw it (run clock).
        observed_ns: u64,
    },
}

/// Where a target sends its events, stamped with the run's clock.
#[derive(Debug, Clone)]
pub struct EventSink {
    tx: mpsc::UnboundedSender<ChainEvent>,
    clock: Clock,
}

impl EventSink {
    pub fn new(clock: Clock) -> (Self, mpsc::UnboundedReceiver<ChainEvent>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Self { tx, clock }, rx)
    }

    /// Now, on the run's clock.
    pub fn now_ns(&self) -> u64 {
        self.clock.now_ns()
    }

    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Sends an event; after the run ended nobody listens, which is fine.
    pub fn emit(&self, event: ChainEvent) {
        let _ = self.tx.send(event);
    }
}
