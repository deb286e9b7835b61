//! Turning a node's error message into a rejection kind. Nodes word these differently
//! (geth, reth, anvil, erigon), so the match is on the phrases they share.

use crate::targets::RejectKind;

/// The kind of a node's refusal, from its message.
pub fn classify(message: &str) -> RejectKind {
    let m = message.to_ascii_lowercase();
    let has = |s: &str| m.contains(s);
    if has("nonce too low") || has("nonce is too low") || has("nonce too small") {
        RejectKind::NonceTooLow
    } else if has("nonce too high") || has("nonce gap") {
        RejectKind::NonceTooHigh
    } else if has("already known") || has("already imported") || has("already exists") || has("known transaction") {
        RejectKind::AlreadyKnown
    } else if has("underpriced") || has("fee cap less than") || has("max fee per gas less than") {
        RejectKind::Underpriced
    } else if has("insufficient funds") || has("insufficient balance") {
        RejectKind::InsufficientFunds
    } else if has("pool is full") || has("txpool is full") || has("too many") || has("exceeds the limit") {
        RejectKind::PoolFull
    } else if has("chain id") || has("chainid") {
        RejectKind::WrongChainId
    } else if has("gas limit") || has("intrinsic gas") || has("out of gas") {
        RejectKind::GasLimit
    } else if has("signature") || has("invalid sender") {
        RejectKind::InvalidSignature
    } else {
        RejectKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_messages_map_to_kinds() {
        for (msg, kind) in [
            ("nonce too low: next nonce 5, tx nonce 3", RejectKind::NonceTooLow),
            ("Nonce too high", RejectKind::NonceTooHigh),
            ("already known", RejectKind::AlreadyKnown),
            ("transaction already imported", RejectKind::AlreadyKnown),
            ("replacement transaction underpriced", RejectKind::Underpriced),
            ("Insufficient funds for gas * price + value", RejectKind::InsufficientFunds),
            ("txpool is full", RejectKind::PoolFull),
            ("invalid chain id for signer", RejectKind::WrongChainId),
            ("intrinsic gas too low", RejectKind::GasLimit),
            ("something else entirely", RejectKind::Other),
        ] {
            assert_eq!(classify(msg), kind, "{msg}");
        }
    }
}
