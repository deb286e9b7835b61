//! The rollup target: an OP-stack style L2 (the embedded chain as sequencer) charging
//! every transaction its L1 data fee, a batcher posting its blocks to an L1 as
//! compressed channels, and the derivation check that reads them back.

pub mod fees;
