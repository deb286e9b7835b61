//! Channels (OP derivation spec, "Channel Format"): batches, each written as an RLP
//! string, concatenated and compressed with zlib (RFC 1950, no dictionary), then cut into
//! frames; and the reverse, with decompression bounded as the spec bounds it.

use std::io::{Read, Write};

use alloy::rlp::{Encodable, Header};
use flate2::{Compression, read::ZlibDecoder, write::ZlibEncoder};

use super::{
    DeriveError,
    batch::SingularBatch,
    frame::{ChannelId, Frame},
};

/// Most decompressed bytes read from one channel (Fjord's `MAX_RLP_BYTES_PER_CHANNEL`).
pub const MAX_RLP_BYTES_PER_CHANNEL: u64 = 100_000_000;

/// A channel being filled by the batcher.
#[derive(Debug)]
pub struct ChannelOut {
    pub id: ChannelId,
    encoder: ZlibEncoder<Vec<u8>>,
    /// Uncompressed bytes written.
    pub rlp_bytes: usize,
    pub batches: usize,
}

impl ChannelOut {
    pub fn new(id: ChannelId) -> Self {
        Self { id, encoder: ZlibEncoder::new(Vec::new(), Compression::default()), rlp_bytes: 0, batches: 0 }
    }

    /// Adds one batch (as an RLP string of its encoding, as op-node writes it).
    pub fn add(&mut self, batch: &SingularBatch) {
        let encoded = batch.encode();
        let mut buf = Vec::with_capacity(encoded.len() + 5);
        encoded.as_slice().encode(&mut buf);
        self.encoder.write_all(&buf).expect("writing to a Vec cannot fail");
        self.rlp_bytes += buf.len();
        self.batches += 1;
    }

    /// Compressed bytes produced so far (the compressor holds back up to its window).
    pub fn compressed_so_far(&self) -> usize {
        self.encoder.get_ref().len()
    }

    /// Closes the channel: its compressed bytes, cut into frames of at most
    /// `max_frame_bytes` of data, the last one marked.
    pub fn close(self, max_frame_bytes: usize) -> (Vec<u8>, Vec<Frame>) {
        let compressed = self.encoder.finish().expect("writing to a Vec cannot fail");
        let chunks: Vec<&[u8]> = compressed.chunks(max_frame_bytes.max(1)).collect();
        let n = chunks.len();
        let frames = chunks
            .into_iter()
            .enumerate()
            .map(|(i, c)| Frame { channel: self.id, number: i as u16, data: c.to_vec(), is_last: i + 1 == n })
            .collect();
        (compressed, frames)
    }
}

/// Reassembles a channel from its frames (any order): all numbers from 0 to the last
/// one, each once.
pub fn reassemble(mut frames: Vec<Frame>) -> Result<Vec<u8>, DeriveError> {
    frames.sort_by_key(|f| f.number);
    let id = frames.first().map(|f| alloy::hex::encode(f.channel)).unwrap_or_default();
    let last =
        frames.iter().position(|f| f.is_last).ok_or_else(|| DeriveError::Channel(format!("{id}: no last frame")))?;
    if frames.len() != last + 1 || frames.iter().enumerate().any(|(i, f)| usize::from(f.number) != i) {
        let numbers: Vec<u16> = frames.iter().map(|f| f.number).collect();
        return Err(DeriveError::Channel(format!("{id}: frames {numbers:?} are not 0..={last} each once")));
    }
    Ok(frames.into_iter().flat_map(|f| f.data).collect())
}

/// The batches of a reassembled channel: decompressed (at most
/// [`MAX_RLP_BYTES_PER_CHANNEL`]), then read as RLP strings until the data ends.
pub fn decode(compressed: &[u8]) -> Result<Vec<SingularBatch>, DeriveError> {
    match compressed.first() {
        Some(b) if b & 0x0f == 8 || b & 0x0f == 15 => {}
        Some(1) => return Err(DeriveError::Channel("a brotli channel: this model reads zlib channels".into())),
        other => return Err(DeriveError::Channel(format!("unknown channel encoding (first byte {other:?})"))),
    }
    let mut rlp = Vec::new();
    ZlibDecoder::new(compressed)
        .take(MAX_RLP_BYTES_PER_CHANNEL)
        .read_to_end(&mut rlp)
        .map_err(|e| DeriveError::Channel(format!("zlib: {e}")))?;
    let mut rest = rlp.as_slice();
    let mut batches = Vec::new();
    while !rest.is_empty() {
        let header = Header::decode(&mut rest).map_err(|e| DeriveError::Batch(e.to_string()))?;
        if header.list || rest.len() < header.payload_length {
            return Err(DeriveError::Batch("a batch is not a complete RLP string".into()));
        }
        let (body, tail) = rest.split_at(header.payload_length);
        batches.push(SingularBatch::decode(body)?);
        rest = tail;
    }
    Ok(batches)
}

#[cfg(test)]
mod tests {
    use alloy::primitives::{B256, Bytes};

    use super::*;

    fn batch(i: u64, txs: usize) -> SingularBatch {
        SingularBatch {
            parent_hash: B256::with_last_byte(i as u8),
            epoch_number: i / 6,
            epoch_hash: B256::repeat_byte(9),
            timestamp: 1_700_000_000 + 2 * i,
            transactions: (0..txs).map(|t| Bytes::from(vec![2u8, t as u8, i as u8, 0, 0, 0, 1])).collect(),
        }
    }

    #[test]
    fn a_channel_round_trips_through_frames_in_any_order() {
        let mut out = ChannelOut::new([3; 16]);
        let batches: Vec<_> = (0..50).map(|i| batch(i, 20)).collect();
        for b in &batches {
            out.add(b);
        }
        let rlp = out.rlp_bytes;
        let (compressed, mut frames) = out.close(100);
        assert!(compressed.len() < rlp, "{} compressed of {rlp}", compressed.len());
        assert!(frames.len() > 2);
        assert!(frames.last().unwrap().is_last && frames.iter().filter(|f| f.is_last).count() == 1);
        frames.reverse();
        assert_eq!(decode(&reassemble(frames).unwrap()).unwrap(), batches);
    }

    #[test]
    fn missing_frames_and_corrupt_data_are_errors() {
        let mut out = ChannelOut::new([4; 16]);
        out.add(&batch(1, 300));
        let (_, mut frames) = out.close(64);
        frames.remove(1);
        assert!(reassemble(frames).unwrap_err().to_string().contains("not 0..="));
        let mut out = ChannelOut::new([5; 16]);
        out.add(&batch(1, 3));
        let (mut compressed, _) = out.close(1000);
        let mid = compressed.len() / 2;
        compressed[mid] ^= 0xff;
        assert!(decode(&compressed).is_err());
    }
}
