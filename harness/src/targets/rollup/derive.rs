//! The derivation check: the L2 chain re-derived from what the batcher put on the L1
//! (batcher transactions read back from L1 blocks, frames parsed, channels reassembled,
//! decompressed, batches decoded) must equal the L2 chain, block for block and
//! transaction for transaction. Blocks not yet posted when the run ended are counted,
//! not failed.

use std::collections::BTreeMap;

use alloy::primitives::{B256, Bytes, keccak256};
use serde::{Deserialize, Serialize};

use super::{
    batch::{SingularBatch, block_id},
    channel,
    frame::{ChannelId, Frame, parse_tx_data},
};
use crate::report::Verdict;

/// An L2 block as the L2 chain keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L2BlockRef {
    pub number: u64,
    pub timestamp: u64,
    pub tx_hashes: Vec<B256>,
}

/// The check's verdict and what it read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Derivation {
    pub verdict: Verdict,
    pub batcher_txs_read: u64,
    pub frames_read: u64,
    pub channels_read: u64,
    pub blocks_derived: u64,
    pub txs_derived: u64,
    /// L2 blocks the batcher had not posted (or the L1 had not included) at the end.
    pub blocks_not_posted: u64,
    /// The first differences (at most 10), and how many there were.
    pub mismatches: Vec<String>,
    pub mismatch_count: u64,
    pub detail: String,
}

const SHOWN: usize = 10;

impl Derivation {
    fn mismatch(&mut self, m: String) {
        self.mismatch_count += 1;
        if self.mismatches.len() < SHOWN {
            self.mismatches.push(m);
        }
    }
}

/// Derives the L2 chain from `batcher_txs` (the data of the batcher's L1 transactions,
/// in L1 order) and holds it against `l2` (blocks 1, 2, ... in order).
pub fn check(batcher_txs: &[Bytes], l2: &[L2BlockRef]) -> Derivation {
    let mut d = Derivation { batcher_txs_read: batcher_txs.len() as u64, ..Derivation::default() };
    let mut pending: BTreeMap<ChannelId, Vec<Frame>> = BTreeMap::new();
    let mut batches: Vec<SingularBatch> = Vec::new();
    for (i, data) in batcher_txs.iter().enumerate() {
        let frames = match parse_tx_data(data) {
            Ok(f) => f,
            Err(e) => {
                d.mismatch(format!("batcher transaction {i}: {e}"));
                continue;
            }
        };
        for f in frames {
            d.frames_read += 1;
            let id = f.channel;
            let frames = pending.entry(id).or_default();
            frames.push(f);
            let complete = frames.iter().find(|f| f.is_last).map(|f| usize::from(f.number) + 1);
            if complete != Some(frames.len()) {
                continue;
            }
            let frames = pending.remove(&id).expect("just seen");
            d.channels_read += 1;
            match channel::reassemble(frames).and_then(|c| channel::decode(&c)) {
                Ok(b) => batches.extend(b),
                Err(e) => d.mismatch(format!("channel {}: {e}", alloy::hex::encode(id))),
            }
        }
    }
    for id in pending.keys() {
        d.mismatch(format!("channel {}: incomplete on the L1 (frames missing)", alloy::hex::encode(id)));
    }
    let mut parent = block_id(0, 0, &[]);
    for (i, batch) in batches.iter().enumerate() {
        let Some(block) = l2.get(i) else {
            d.mismatch(format!("batch {i} derives an L2 block the chain does not have"));
            continue;
        };
        let n = block.number;
        if batch.parent_hash != parent {
            d.mismatch(format!("L2 block {n}: the batch's parent hash is not block {}'s", n.saturating_sub(1)));
        }
        if batch.timestamp != block.timestamp {
            d.mismatch(format!("L2 block {n}: timestamp {} on the L1, {} on the L2", batch.timestamp, block.timestamp));
        }
        let derived: Vec<B256> = batch.transactions.iter().map(keccak256).collect();
        if derived != block.tx_hashes {
            let first = derived.iter().zip(&block.tx_hashes).position(|(a, b)| a != b);
            d.mismatch(match first {
                Some(k) => format!(
                    "L2 block {n}: transaction {k} on the L1 is {}, on the L2 {}",
                    derived[k], block.tx_hashes[k]
                ),
                None => format!(
                    "L2 block {n}: {} transactions on the L1, {} on the L2",
                    derived.len(),
                    block.tx_hashes.len()
                ),
            });
        }
        d.blocks_derived += 1;
        d.txs_derived += derived.len() as u64;
        parent = block_id(block.number, block.timestamp, &block.tx_hashes);
    }
    d.blocks_not_posted = (l2.len() as u64).saturating_sub(d.blocks_derived);
    d.verdict = if d.mismatch_count == 0 { Verdict::Pass } else { Verdict::Fail };
    d.detail = format!(
        "{} L2 blocks ({} transactions) re-derived from {} batcher transactions ({} channels, {} frames); {} L2 blocks not posted by the end; {} mismatches",
        d.blocks_derived,
        d.txs_derived,
        d.batcher_txs_read,
        d.channels_read,
        d.frames_read,
        d.blocks_not_posted,
        d.mismatch_count
    );
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        scenario::Compression,
        targets::rollup::{channel::ChannelOut, frame::tx_data},
    };

    /// Three L2 blocks, batched into one channel, posted as one frame per transaction.
    fn chain() -> (Vec<L2BlockRef>, Vec<SingularBatch>) {
        let mut blocks = Vec::new();
        let mut batches = Vec::new();
        let mut parent = block_id(0, 0, &[]);
        for n in 1..=3u64 {
            let txs: Vec<Bytes> = (0..n).map(|t| Bytes::from(vec![2, n as u8, t as u8, 0xee])).collect();
            let block =
                L2BlockRef { number: n, timestamp: 100 + 2 * n, tx_hashes: txs.iter().map(keccak256).collect() };
            batches.push(SingularBatch {
                parent_hash: parent,
                epoch_number: 0,
                epoch_hash: B256::ZERO,
                timestamp: block.timestamp,
                transactions: txs,
            });
            parent = block_id(n, block.timestamp, &block.tx_hashes);
            blocks.push(block);
        }
        (blocks, batches)
    }

    fn post(batches: &[SingularBatch]) -> Vec<Bytes> {
        post_with(batches, Compression::Zlib)
    }

    fn post_with(batches: &[SingularBatch], compression: Compression) -> Vec<Bytes> {
        let mut out = ChannelOut::new([1; 16], compression);
        for b in batches {
            out.add(b);
        }
        let (_, frames) = out.close(16);
        frames.iter().map(|f| Bytes::from(tx_data(std::slice::from_ref(f)))).collect()
    }

    #[test]
    fn the_posted_chain_re_derives_and_unposted_blocks_are_counted() {
        let (blocks, batches) = chain();
        for compression in [Compression::Zlib, Compression::Brotli] {
            let d = check(&post_with(&batches[..2], compression), &blocks);
            assert_eq!(d.verdict, Verdict::Pass, "{compression:?}: {:?}", d.mismatches);
            assert_eq!((d.blocks_derived, d.txs_derived, d.blocks_not_posted, d.channels_read), (2, 3, 1, 1));
            assert!(d.frames_read > 1);
        }
    }

    #[test]
    fn a_tampered_batch_fails_the_check() {
        let (blocks, mut batches) = chain();
        let mut tx = batches[2].transactions[1].to_vec();
        tx[3] ^= 1;
        batches[2].transactions[1] = tx.into();
        for compression in [Compression::Zlib, Compression::Brotli] {
            let d = check(&post_with(&batches, compression), &blocks);
            assert_eq!(d.verdict, Verdict::Fail, "{compression:?}");
            assert!(d.mismatches[0].contains("L2 block 3: transaction 1"), "{:?}", d.mismatches);
        }
    }

    #[test]
    fn a_lost_frame_or_a_dropped_block_fails_the_check() {
        let (blocks, batches) = chain();
        let mut posted = post(&batches);
        posted.remove(0);
        let d = check(&posted, &blocks);
        assert_eq!(d.verdict, Verdict::Fail);
        assert!(d.mismatches.iter().any(|m| m.contains("incomplete")), "{:?}", d.mismatches);
        let skipped = [batches[0].clone(), batches[2].clone()];
        let d = check(&post(&skipped), &blocks);
        assert_eq!(d.verdict, Verdict::Fail);
        assert!(d.mismatches.iter().any(|m| m.contains("parent hash")), "{:?}", d.mismatches);
    }
}
