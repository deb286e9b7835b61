//! Which transactions are the load's (sent after the set-up), so that the batcher reports
//! the later latency stages, `safe` (its batch's channel wholly included on the L1) and
//! `finalized` (that L1 block `finality_depth` blocks deep), for them only, as
//! `ChainEvent::Reached`; and how many reached each.

use std::collections::HashSet;

use crate::plan::TxId;

/// The load's transactions and how far they got.
#[derive(Debug, Default)]
pub struct LoadTxs {
    started: bool,
    ids: HashSet<TxId>,
    pub safe: u64,
    pub finalized: u64,
}

impl LoadTxs {
    pub fn load_started(&mut self) {
        self.started = true;
    }

    /// Notes a submitted transaction, once the load runs (the set-up's are left out:
    /// their ids are not the recorder's).
    pub fn submitted(&mut self, id: TxId) {
        if self.started {
            self.ids.insert(id);
        }
    }

    /// Of `ids`, the load's.
    pub fn of_load(&self, ids: &[TxId]) -> Vec<TxId> {
        ids.iter().copied().filter(|id| self.ids.contains(id)).collect()
    }

    /// Load transactions noted so far.
    pub fn tracked(&self) -> u64 {
        self.ids.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_transactions_sent_after_the_set_up_are_the_loads() {
        let mut l = LoadTxs::default();
        l.submitted(1);
        l.load_started();
        l.submitted(2);
        l.submitted(3);
        assert_eq!(l.of_load(&[1, 2, 3, 4]), vec![2, 3]);
        assert_eq!(l.tracked(), 2);
    }
}
