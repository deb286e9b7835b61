//! The rollup target: an OP-stack style L2 (the embedded chain as sequencer) charging
//! every transaction its L1 data fee, a batcher posting its blocks to an L1 as
//! compressed channels, and the derivation check that reads them back.

pub mod batch;
pub mod channel;
pub mod derive;
pub mod fees;
pub mod frame;

/// What reading the L2 chain back from the L1 met.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeriveError {
    #[error("bad frame: {0}")]
    Frame(String),
    #[error("bad channel: {0}")]
    Channel(String),
    #[error("bad batch: {0}")]
    Batch(String),
}
