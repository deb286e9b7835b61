//! Channels (OP derivation spec, "Channel Format"): batches, each written as an RLP
//! string, concatenated and compressed, with zlib (RFC 1950, no dictionary) or, since
//! Fjord, brotli behind the version byte `0x01`; then cut into frames; and the reverse,
//! with decompression bounded as the spec bounds it.

use std::io::{Read, Write};

use alloy::rlp::{Encodable, Header};
use flate2::{read::ZlibDecoder, write::ZlibEncoder};

use super::{
    DeriveError,
    batch::SingularBatch,
    frame::{ChannelId, Frame},
};
use crate::scenario::Compression;

/// Most decompressed bytes read from one channel (Fjord's `MAX_RLP_BYTES_PER_CHANNEL`).
pub const MAX_RLP_BYTES_PER_CHANNEL: u64 = 100_000_000;

/// The first byte of a brotli channel (Fjord's `ChannelVersionBrotli`); a zlib channel
/// starts with its zlib header instead (low nibble 8 or 15).
pub const CHANNEL_VERSION_BROTLI: u8 = 0x01;

/// op-batcher's brotli settings: quality 10 (its `brotli-10`, the level it names for
/// brotli) and a 2^22-byte window (the Go library's default).
const BROTLI_QUALITY: u32 = 10;
const BROTLI_LGWIN: u32 = 22;

/// The compressor of an open channel.
enum Encoder {
    Zlib(ZlibEncoder<Vec<u8>>),
    Brotli(Box<brotli::CompressorWriter<Vec<u8>>>),
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Zlib(_) => "Zlib",
            Self::Brotli(_) => "Brotli",
        })
    }
}

impl Encoder {
    fn new(compression: Compression) -> Self {
        match compression {
            Compression::Zlib => Self::Zlib(ZlibEncoder::new(Vec::new(), flate2::Compression::default())),
            Compression::Brotli => Self::Brotli(Box::new(brotli::CompressorWriter::new(
                vec![CHANNEL_VERSION_BROTLI],
                4096,
                BROTLI_QUALITY,
                BROTLI_LGWIN,
            ))),
        }
    }

    fn write(&mut self, buf: &[u8]) {
        match self {
            Self::Zlib(e) => e.write_all(buf),
            Self::Brotli(e) => e.write_all(buf),
        }
        .expect("writing to a Vec cannot fail");
    }

    fn len(&self) -> usize {
        match self {
            Self::Zlib(e) => e.get_ref().len(),
            Self::Brotli(e) => e.get_ref().len(),
        }
    }

    fn finish(self) -> Vec<u8> {
        match self {
            Self::Zlib(e) => e.finish().expect("writing to a Vec cannot fail"),
            Self::Brotli(e) => e.into_inner(),
        }
    }
}

/// A channel being filled by the batcher.
#[derive(Debug)]
pub struct ChannelOut {
    pub id: ChannelId,
    encoder: Encoder,
    /// Uncompressed bytes written.
    pub rlp_bytes: usize,
    pub batches: usize,
}

impl ChannelOut {
    pub fn new(id: ChannelId, compression: Compression) -> Self {
        Self { id, encoder: Encoder::new(compression), rlp_bytes: 0, batches: 0 }
    }

    /// Adds one batch (as an RLP string of its encoding, as op-node writes it).
    pub fn add(&mut self, batch: &SingularBatch) {
        let encoded = batch.encode();
        let mut buf = Vec::with_capacity(encoded.len() + 5);
        encoded.as_slice().encode(&mut buf);
        self.encoder.write(&buf);
        self.rlp_bytes += buf.len();
        self.batches += 1;
    }

    /// Compressed bytes produced so far (the compressor holds back up to its window).
    pub fn compressed_so_far(&self) -> usize {
        self.encoder.len()
    }

    /// Closes the channel: its compressed bytes, cut into frames of at most
    /// `max_frame_bytes` of data, the last one marked.
    pub fn close(self, max_frame_bytes: usize) -> (Vec<u8>, Vec<Frame>) {
        let compressed = self.encoder.finish();
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

/// The batches of a reassembled channel: decompressed as its first byte says (zlib or
/// brotli, as op-node's channel reader decides), at most [`MAX_RLP_BYTES_PER_CHANNEL`],
/// then read as RLP strings until the data ends.
pub fn decode(compressed: &[u8]) -> Result<Vec<SingularBatch>, DeriveError> {
    let mut rlp = Vec::new();
    match compressed.first() {
        Some(b) if b & 0x0f == 8 || b & 0x0f == 15 => ZlibDecoder::new(compressed)
            .take(MAX_RLP_BYTES_PER_CHANNEL)
            .read_to_end(&mut rlp)
            .map_err(|e| DeriveError::Channel(format!("zlib: {e}")))?,
        Some(&CHANNEL_VERSION_BROTLI) => brotli::Decompressor::new(&compressed[1..], 4096)
            .take(MAX_RLP_BYTES_PER_CHANNEL)
            .read_to_end(&mut rlp)
            .map_err(|e| DeriveError::Channel(format!("brotli: {e}")))?,
        other => return Err(DeriveError::Channel(format!("unknown channel encoding (first byte {other:?})"))),
    };
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

    /// Compresses 50 batches into a channel, cuts it into 100-byte frames, reads it
    /// back from the frames in reverse order; the compressed size.
    fn round_trip(compression: Compression) -> (usize, usize) {
        let mut out = ChannelOut::new([3; 16], compression);
        let batches: Vec<_> = (0..50).map(|i| batch(i, 20)).collect();
        for b in &batches {
            out.add(b);
        }
        let rlp = out.rlp_bytes;
        let (compressed, mut frames) = out.close(100);
        assert!(compressed.len() < rlp, "{compression:?}: {} compressed of {rlp}", compressed.len());
        assert!(frames.len() > 2);
        assert!(frames.last().unwrap().is_last && frames.iter().filter(|f| f.is_last).count() == 1);
        frames.reverse();
        let reassembled = reassemble(frames).unwrap();
        assert_eq!(reassembled, compressed);
        assert_eq!(decode(&reassembled).unwrap(), batches, "{compression:?}");
        (rlp, compressed.len())
    }

    #[test]
    fn a_zlib_channel_round_trips_through_frames_in_any_order() {
        round_trip(Compression::Zlib);
    }

    #[test]
    fn a_brotli_channel_round_trips_and_carries_the_fjord_version_byte() {
        let (rlp, brotli) = round_trip(Compression::Brotli);
        let (_, zlib) = round_trip(Compression::Zlib);
        println!(
            "{rlp} RLP bytes: zlib {zlib} bytes ({:.2}x), brotli {brotli} bytes ({:.2}x)",
            rlp as f64 / zlib as f64,
            rlp as f64 / brotli as f64
        );
        let mut out = ChannelOut::new([1; 16], Compression::Brotli);
        out.add(&batch(1, 3));
        let (compressed, _) = out.close(1000);
        assert_eq!(compressed[0], CHANNEL_VERSION_BROTLI);
        // Without the version byte the same stream is not a channel op-node reads.
        assert!(decode(&compressed[1..]).is_err());
    }

    #[test]
    fn missing_frames_and_corrupt_data_are_errors() {
        let mut out = ChannelOut::new([4; 16], Compression::Zlib);
        out.add(&batch(1, 300));
        let (_, mut frames) = out.close(64);
        frames.remove(1);
        assert!(reassemble(frames).unwrap_err().to_string().contains("not 0..="));
        for compression in [Compression::Zlib, Compression::Brotli] {
            let mut out = ChannelOut::new([5; 16], compression);
            out.add(&batch(1, 3));
            let (mut compressed, _) = out.close(1000);
            let mid = compressed.len() / 2;
            compressed[mid] ^= 0xff;
            assert!(decode(&compressed).is_err(), "{compression:?}");
        }
    }
}
