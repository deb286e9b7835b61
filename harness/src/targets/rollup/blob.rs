//! The OP blob encoding (derivation spec, "Blob Encoding"): batcher transaction data
//! packed into an EIP-4844 blob of 4,096 32-byte field elements, in 1,024 rounds of four
//! field elements. Each round carries 127 bytes: 31 in the low bytes of each element and
//! 3 more split into 6-bit pieces in their first bytes (whose top two bits stay zero, so
//! every element is below the BLS modulus). Round 0 begins with the encoding version (0)
//! and the data's length (3 bytes, big-endian), so a blob holds at most 130,044 bytes.

use alloy::eips::eip4844::{BYTES_PER_BLOB, Blob, BlobTransactionSidecar, env_settings::EnvKzgSettings};

use super::DeriveError;

/// The encoding version this model writes and reads.
pub const BLOB_ENCODING_VERSION: u8 = 0;
/// Rounds of four field elements in a blob.
const ROUNDS: usize = 1024;
/// Bytes one round carries.
const ROUND_BYTES: usize = 4 * 31 + 3;
/// The version byte and the 3-byte length ahead of the data.
const HEADER_BYTES: usize = 4;
/// The most data one blob carries: 130,044 bytes.
pub const MAX_BLOB_DATA: usize = ROUND_BYTES * ROUNDS - HEADER_BYTES;

/// `data` as one blob. Longer data than [`MAX_BLOB_DATA`] is refused.
pub fn encode(data: &[u8]) -> Result<Blob, DeriveError> {
    if data.len() > MAX_BLOB_DATA {
        return Err(DeriveError::Frame(format!("{} bytes do not fit a blob (at most {MAX_BLOB_DATA})", data.len())));
    }
    let len = data.len() as u32;
    let mut stream = Vec::with_capacity(HEADER_BYTES + data.len());
    stream.push(BLOB_ENCODING_VERSION);
    stream.extend(&len.to_be_bytes()[1..]);
    stream.extend(data);
    let mut blob = Blob::ZERO;
    for (round, chunk) in stream.chunks(ROUND_BYTES).enumerate() {
        let mut c = [0u8; ROUND_BYTES];
        c[..chunk.len()].copy_from_slice(chunk);
        // The three bytes between the four 31-byte runs go into the elements' first bytes.
        let (x, y, z) = (c[31], c[63], c[95]);
        let firsts = [x & 0x3f, (y & 0x0f) | ((x & 0xc0) >> 2), z & 0x3f, ((z & 0xc0) >> 2) | ((y & 0xf0) >> 4)];
        for (k, first) in firsts.into_iter().enumerate() {
            let at = (round * 4 + k) * 32;
            blob[at] = first;
            blob[at + 1..at + 32].copy_from_slice(&c[32 * k..32 * k + 31]);
        }
    }
    Ok(blob)
}

/// The data in `blob`; anything the encoding cannot have written (another version, a
/// length past the cap, an element's top bits set, bytes after the data) is an error.
pub fn decode(blob: &[u8]) -> Result<Vec<u8>, DeriveError> {
    let bad = |m: String| DeriveError::Frame(format!("blob: {m}"));
    if blob.len() != BYTES_PER_BLOB {
        return Err(bad(format!("{} bytes, not {BYTES_PER_BLOB}", blob.len())));
    }
    let mut stream = Vec::with_capacity(ROUND_BYTES * ROUNDS);
    for round in 0..ROUNDS {
        let mut c = [0u8; ROUND_BYTES];
        let mut firsts = [0u8; 4];
        for (k, first) in firsts.iter_mut().enumerate() {
            let at = (round * 4 + k) * 32;
            *first = blob[at];
            if *first & 0xc0 != 0 {
                return Err(bad(format!("field element {}: top bits set", round * 4 + k)));
            }
            c[32 * k..32 * k + 31].copy_from_slice(&blob[at + 1..at + 32]);
        }
        c[31] = (firsts[0] & 0x3f) | ((firsts[1] & 0x30) << 2);
        c[63] = (firsts[1] & 0x0f) | ((firsts[3] & 0x0f) << 4);
        c[95] = (firsts[2] & 0x3f) | ((firsts[3] & 0x30) << 2);
        stream.extend(c);
    }
    if stream[0] != BLOB_ENCODING_VERSION {
        return Err(bad(format!("encoding version {} (only {BLOB_ENCODING_VERSION} is read)", stream[0])));
    }
    let len = u32::from_be_bytes([0, stream[1], stream[2], stream[3]]) as usize;
    if len > MAX_BLOB_DATA {
        return Err(bad(format!("says {len} bytes of data, above the {MAX_BLOB_DATA}-byte cap")));
    }
    let end = HEADER_BYTES + len;
    if stream[end..].iter().any(|b| *b != 0) {
        return Err(bad(format!("bytes after the {len} bytes of data")));
    }
    Ok(stream[HEADER_BYTES..end].to_vec())
}

/// The stack of the thread that computes KZG commitments and proofs: c-kzg keeps whole
/// polynomials (128 KiB each) on the C stack, more than a runtime worker holds.
const KZG_STACK_BYTES: usize = 16 << 20;

/// The sidecar of blobs carrying `datas` (one blob each): blobs, KZG commitments and
/// proofs, computed on a thread of its own (the first call also loads the trusted setup,
/// seconds in a debug build) so the runtime's workers go on meanwhile.
pub async fn sidecar(datas: Vec<Vec<u8>>) -> Result<BlobTransactionSidecar, String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("gasbench-kzg".into())
        .stack_size(KZG_STACK_BYTES)
        .spawn(move || {
            let blobs = datas.iter().map(|d| encode(d).map_err(|e| e.to_string())).collect::<Result<Vec<_>, _>>();
            let sidecar = blobs.and_then(|b| {
                BlobTransactionSidecar::try_from_blobs_with_settings(b, EnvKzgSettings::Default.get())
                    .map_err(|e| format!("KZG commitment: {e}"))
            });
            let _ = tx.send(sidecar);
        })
        .map_err(|e| format!("cannot start the KZG thread: {e}"))?;
    rx.await.map_err(|_| "the KZG thread panicked".to_string())?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_round_trips_through_a_blob_at_every_length_that_matters() {
        for len in [0, 1, 27, 28, 123, 124, 127, 128, 1000, MAX_BLOB_DATA] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + 255) as u8).collect();
            let blob = encode(&data).unwrap();
            assert!(blob.chunks(32).all(|fe| fe[0] & 0xc0 == 0), "every element below the modulus");
            assert_eq!(decode(blob.as_slice()).unwrap(), data, "length {len}");
        }
        assert!(encode(&vec![0; MAX_BLOB_DATA + 1]).is_err());
    }

    #[test]
    fn the_layout_is_the_specs_and_foreign_blobs_are_refused() {
        let data: Vec<u8> = (1..=200u8).collect();
        let blob = encode(&data).unwrap();
        // Round 0, element 0: its first byte holds x's low 6 bits, then version, length, 27 bytes.
        assert_eq!(&blob[1..5], &[0, 0, 0, 200]);
        assert_eq!(&blob[5..32], &data[..27]);
        // x is the 28th byte of data (28): its low six bits lead the first element.
        assert_eq!(blob[0], 28 & 0x3f);
        assert_eq!(&blob[33..64], &data[28..59]);
        let mut top = blob;
        top[32 * 5] |= 0x80;
        assert!(decode(top.as_slice()).unwrap_err().to_string().contains("top bits"));
        let mut version = blob;
        version[1] = 1;
        assert!(decode(version.as_slice()).unwrap_err().to_string().contains("version 1"));
        let mut trailing = blob;
        trailing[32 * 100 + 3] = 1;
        assert!(decode(trailing.as_slice()).unwrap_err().to_string().contains("after"));
    }

    #[tokio::test]
    async fn the_sidecar_carries_the_data_and_its_kzg_proofs_verify() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let sidecar = sidecar(vec![data.clone()]).await.unwrap();
        let hashes: Vec<_> = sidecar.versioned_hashes().collect();
        assert_eq!(hashes.len(), 1);
        sidecar.validate(&hashes, EnvKzgSettings::Default.get()).expect("commitment and proof verify");
        assert_eq!(decode(sidecar.blobs[0].as_slice()).unwrap(), data);
        // Another blob under the same commitment and proof does not verify.
        let mut forged = sidecar;
        forged.blobs[0] = encode(&data[1..]).unwrap();
        assert!(forged.validate(&hashes, EnvKzgSettings::Default.get()).is_err());
    }
}
