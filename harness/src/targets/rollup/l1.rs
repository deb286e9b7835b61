//! The L1 the rollup posts to, as the sequencer and the batcher see it: the embedded chain
//! (its blob base fee a modelled constant) or a real node over JSON-RPC.

use std::sync::Arc;

use super::{fees::L1Origin, l1_rpc::RpcL1};
use crate::targets::embedded::Embedded;

/// The L1.
#[derive(Debug, Clone)]
pub enum L1 {
    Embedded { chain: Arc<Embedded>, blob_base_fee_wei: u128 },
    Rpc(Arc<RpcL1>),
}

impl L1 {
    /// The L1 origin new L2 blocks price their data from: the L1's head.
    pub fn origin(&self) -> L1Origin {
        match self {
            Self::Embedded { chain, blob_base_fee_wei } => {
                let (number, base_fee) = chain.head_base_fee();
                L1Origin { number, base_fee_wei: u128::from(base_fee), blob_base_fee_wei: *blob_base_fee_wei }
            }
            Self::Rpc(node) => node.origin(),
        }
    }
}
