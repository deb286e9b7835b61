//! The rollup's running totals for Prometheus: cheap to read at every scrape (two locks,
//! a copy), as the parallel executor's counters are.

/// What the batcher and the sequencer have counted so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RollupCounters {
    /// Channel bytes before compression (RLP of the batches), of closed channels.
    pub uncompressed_bytes: u64,
    /// The same channels' bytes after compression.
    pub compressed_bytes: u64,
    pub channels: u64,
    pub frames: u64,
    pub batcher_txs_included: u64,
    /// What the batcher paid the L1 for its included transactions.
    pub batcher_l1_spend_wei: u128,
    /// L1 data fees the L2 charged its senders (set-up included).
    pub l1_fees_collected_wei: u128,
    /// L2 transactions charged an L1 data fee.
    pub l1_fee_txs: u64,
    /// The L1's base fee at its last block seen by the batcher.
    pub l1_base_fee_wei: u128,
}
