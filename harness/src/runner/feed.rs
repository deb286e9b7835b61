//! What feeds the send loops: signed transactions in plan order, from the pre-signed
//! plan or from the streamed signer. Every transaction taken is kept only while the
//! caller needs it.

use std::sync::Arc;

use crate::plan::{PlannedTx, SignedStream};

/// A source of signed transactions, in plan order.
#[derive(Debug)]
pub enum Feed<'a> {
    /// Signed before the load.
    Presigned { txs: &'a [Arc<PlannedTx>], next: usize },
    /// Signed ahead of the schedule on threads of its own.
    Streamed(&'a mut SignedStream),
}

impl<'a> Feed<'a> {
    pub fn presigned(txs: &'a [Arc<PlannedTx>]) -> Self {
        Self::Presigned { txs, next: 0 }
    }

    /// The next transaction's intended time (waiting for the signer if it is behind);
    /// `None` when the plan is exhausted.
    pub async fn head(&mut self) -> Option<u64> {
        match self {
            Self::Presigned { txs, next } => txs.get(*next).map(|t| t.intended_ns),
            Self::Streamed(s) => s.head().await,
        }
    }

    /// The next transaction and those after it due by `due_by_ns` and ready, at most `max`.
    pub fn take(&mut self, max: usize, due_by_ns: u64) -> Vec<Arc<PlannedTx>> {
        match self {
            Self::Presigned { txs, next } => {
                let i = *next;
                let mut j = (i + 1).min(txs.len());
                while j < txs.len() && j - i < max && txs[j].intended_ns <= due_by_ns {
                    j += 1;
                }
                *next = j;
                txs[i..j].to_vec()
            }
            Self::Streamed(s) => s.take(max, due_by_ns),
        }
    }

    /// The next `n` transactions (fewer at the end of the plan).
    pub async fn take_exact(&mut self, n: usize) -> Vec<Arc<PlannedTx>> {
        match self {
            Self::Presigned { txs, next } => {
                let j = (*next + n).min(txs.len());
                let out = txs[*next..j].to_vec();
                *next = j;
                out
            }
            Self::Streamed(s) => s.take_exact(n).await,
        }
    }
}
