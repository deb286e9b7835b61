//! Channel frames and batcher transaction data (OP derivation spec, "Frame Format",
//! "Batcher Transaction Format"): `0x00 ++ frame ...` where
//! `frame = channel_id(16) ++ frame_number(u16 BE) ++ len(u32 BE) ++ data ++ is_last(u8)`.

use super::DeriveError;

/// A channel's identifier.
pub type ChannelId = [u8; 16];

/// The fixed bytes of a frame around its data.
pub const FRAME_OVERHEAD: usize = 16 + 2 + 4 + 1;
/// The spec's cap on one frame's data.
pub const MAX_FRAME_DATA: usize = 1_000_000;
/// The batcher transaction version this model writes and reads (frames in calldata).
pub const DERIVATION_VERSION_0: u8 = 0;

/// A chunk of a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub channel: ChannelId,
    pub number: u16,
    pub data: Vec<u8>,
    pub is_last: bool,
}

impl Frame {
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend(self.channel);
        out.extend(self.number.to_be_bytes());
        out.extend((self.data.len() as u32).to_be_bytes());
        out.extend(&self.data);
        out.push(u8::from(self.is_last));
    }
}

/// The data of a batcher transaction carrying `frames`.
pub fn tx_data(frames: &[Frame]) -> Vec<u8> {
    let mut out = vec![DERIVATION_VERSION_0];
    for f in frames {
        f.encode_into(&mut out);
    }
    out
}

/// The frames in a batcher transaction's data; any malformed frame rejects them all.
pub fn parse_tx_data(data: &[u8]) -> Result<Vec<Frame>, DeriveError> {
    let bad = |m: String| DeriveError::Frame(m);
    let (&version, mut rest) = data.split_first().ok_or_else(|| bad("empty batcher transaction".into()))?;
    if version != DERIVATION_VERSION_0 {
        return Err(bad(format!("batcher transaction version {version}: only 0 (frames) is read")));
    }
    let mut frames = Vec::new();
    while !rest.is_empty() {
        if rest.len() < FRAME_OVERHEAD {
            return Err(bad(format!("{} bytes left: shorter than a frame header", rest.len())));
        }
        let channel: ChannelId = rest[..16].try_into().expect("16 bytes");
        let number = u16::from_be_bytes([rest[16], rest[17]]);
        let len = u32::from_be_bytes(rest[18..22].try_into().expect("4 bytes")) as usize;
        if len > MAX_FRAME_DATA {
            return Err(bad(format!("frame data of {len} bytes: above the {MAX_FRAME_DATA}-byte cap")));
        }
        let end = 22 + len;
        if rest.len() < end + 1 {
            return Err(bad(format!("frame {number} says {len} bytes of data; the transaction ends first")));
        }
        let is_last = match rest[end] {
            0 => false,
            1 => true,
            b => return Err(bad(format!("frame {number}: is_last byte {b} (must be 0 or 1)"))),
        };
        frames.push(Frame { channel, number, data: rest[22..end].to_vec(), is_last });
        rest = &rest[end + 1..];
    }
    Ok(frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_encode_to_the_spec_layout_and_parse_back() {
        let a = Frame { channel: [7; 16], number: 0, data: vec![1, 2, 3], is_last: false };
        let b = Frame { channel: [7; 16], number: 1, data: vec![], is_last: true };
        let data = tx_data(&[a.clone(), b.clone()]);
        assert_eq!(data.len(), 1 + 2 * FRAME_OVERHEAD + 3);
        assert_eq!(&data[17..23], &[0, 0, 0, 0, 0, 3]);
        assert_eq!(parse_tx_data(&data).unwrap(), vec![a, b]);
        let mut bad_last = data.clone();
        *bad_last.last_mut().unwrap() = 2;
        assert!(parse_tx_data(&bad_last).unwrap_err().to_string().contains("is_last byte 2"));
        assert!(parse_tx_data(&data[..data.len() - 1]).is_err());
        let mut v1 = data;
        v1[0] = 1;
        assert!(parse_tx_data(&v1).is_err());
    }
}
