//! A singular batch (OP derivation spec, "Batch Format"): the transactions of one L2
//! block with its parent, L1 origin (epoch) and timestamp, encoded as
//! `0x00 ++ rlp([parent_hash, epoch_number, epoch_hash, timestamp, transaction_list])`.

use alloy::primitives::{B256, Bytes, keccak256};
use alloy_rlp::{Decodable, Encodable, RlpDecodable, RlpEncodable};

use super::DeriveError;

/// The only batch version written: singular batches (span batches are not modelled).
pub const SINGULAR_BATCH: u8 = 0;

/// One L2 block as the batcher posts it.
#[derive(Debug, Clone, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct SingularBatch {
    pub parent_hash: B256,
    pub epoch_number: u64,
    pub epoch_hash: B256,
    /// Unix seconds of the L2 block.
    pub timestamp: u64,
    /// EIP-2718 encoded signed transactions, in block order.
    pub transactions: Vec<Bytes>,
}

impl SingularBatch {
    /// `batch_version ++ rlp(content)`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.length() + 1);
        out.push(SINGULAR_BATCH);
        Encodable::encode(self, &mut out);
        out
    }

    /// The inverse of [`Self::encode`]; other versions and trailing bytes are errors.
    pub fn decode(data: &[u8]) -> Result<Self, DeriveError> {
        let (&version, mut rest) = data.split_first().ok_or(DeriveError::Batch("an empty batch".into()))?;
        if version != SINGULAR_BATCH {
            return Err(DeriveError::Batch(format!("batch version {version}: only singular batches (0) are read")));
        }
        let batch = <Self as Decodable>::decode(&mut rest).map_err(|e| DeriveError::Batch(e.to_string()))?;
        if !rest.is_empty() {
            return Err(DeriveError::Batch(format!("{} bytes after the batch", rest.len())));
        }
        Ok(batch)
    }
}

/// The identity the model gives an L2 block (the embedded chain keeps no headers): the
/// hash of its number, timestamp and transaction hashes. Batches link by it.
pub fn block_id(number: u64, timestamp: u64, tx_hashes: &[B256]) -> B256 {
    let mut buf = Vec::with_capacity(16 + 32 * tx_hashes.len());
    buf.extend(number.to_be_bytes());
    buf.extend(timestamp.to_be_bytes());
    for h in tx_hashes {
        buf.extend(h.as_slice());
    }
    keccak256(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_as_version_byte_and_rlp_list_and_decodes_back() {
        let b = SingularBatch {
            parent_hash: B256::repeat_byte(1),
            epoch_number: 7,
            epoch_hash: B256::repeat_byte(2),
            timestamp: 1_700_000_000,
            transactions: vec![Bytes::from_static(&[2, 0xaa, 0xbb]), Bytes::from_static(&[2])],
        };
        let enc = b.encode();
        assert_eq!(enc[0], 0);
        // An RLP list header follows (0xf8 + 1 length byte: content over 55 bytes).
        assert_eq!(enc[1], 0xf8);
        assert_eq!(SingularBatch::decode(&enc).unwrap(), b);
        let mut wrong = enc.clone();
        wrong[0] = 1;
        assert!(SingularBatch::decode(&wrong).unwrap_err().to_string().contains("version 1"));
        let mut long = enc;
        long.push(0);
        assert!(SingularBatch::decode(&long).is_err());
    }
}
