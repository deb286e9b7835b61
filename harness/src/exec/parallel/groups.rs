//! Task groups (the idea of grevm 2): a run of adjacent transactions that the hints
//! predict to form a chain (each depends on one before it in the run: a sender's nonce
//! chain, every swap through one pool) is scheduled as one unit. One worker executes
//! its members in order, each reading the earlier members' writes from a group-local
//! overlay; only the group's writes, as one write set, enter the multi-version memory,
//! and only its reads from outside the group are validated. Because the members are
//! adjacent, no other transaction sits between them, so the group behaves as one
//! transaction at its place in the block: a fully dependent block runs as one group at
//! about sequential speed while independent transactions spread over the threads.
//! The scheduler and the multi-version memory count in units; a unit of one member is
//! a plain Block-STM transaction.

use core::ops::Range;

/// The block cut into units, each with its predicted predecessor unit.
#[derive(Debug, Default)]
pub struct Units {
    /// Start of each unit, then the block's length: unit `u` is `starts[u]..starts[u + 1]`.
    starts: Vec<u32>,
    /// The unit each unit is predicted to depend on (its first member's hint).
    preds: Vec<Option<u32>>,
    /// Scratch: the unit of each transaction.
    unit_of: Vec<u32>,
}

impl Units {
    /// Cuts a block whose transactions have predicted predecessors `preds` into units:
    /// with `group`, a transaction joins the unit before it when its predecessor is in
    /// that unit; otherwise (or without `group`) every transaction is a unit.
    pub fn form(&mut self, preds: &[Option<u32>], group: bool) {
        self.starts.clear();
        self.preds.clear();
        self.unit_of.clear();
        for (j, pred) in preds.iter().enumerate() {
            let joins = group && self.starts.last().is_some_and(|&start| pred.is_some_and(|p| p >= start));
            if !joins {
                self.starts.push(j as u32);
                self.preds.push(pred.map(|p| self.unit_of[p as usize]));
            }
            self.unit_of.push(self.starts.len() as u32 - 1);
        }
        self.starts.push(preds.len() as u32);
    }

    /// Units in the block.
    pub fn len(&self) -> usize {
        self.preds.len()
    }

    /// The transactions of unit `u`.
    pub fn members(&self, u: u32) -> Range<u32> {
        self.starts[u as usize]..self.starts[u as usize + 1]
    }

    /// The unit `u` is predicted to depend on.
    pub fn pred(&self, u: u32) -> Option<u32> {
        self.preds[u as usize]
    }

    /// Each unit's members.
    pub fn iter(&self) -> impl Iterator<Item = Range<u32>> + '_ {
        self.starts.windows(2).map(|w| w[0]..w[1])
    }

    /// Transactions that run in a unit of more than one.
    pub fn grouped_txs(&self) -> u64 {
        self.iter().filter(|r| r.len() > 1).map(|r| r.len() as u64).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjacent_chains_group_and_a_predecessor_further_back_is_a_hint() {
        // 0; 1 <- 0 (adjacent: grouped); 2 alone; 3 <- 2 and 4 <- 2 (both in 2's
        // group); 5 <- 1 (its predecessor's group has ended: a hint, not a member).
        let preds = [None, Some(0), None, Some(2), Some(2), Some(1)];
        let mut u = Units::default();
        u.form(&preds, true);
        assert_eq!(u.iter().collect::<Vec<_>>(), [0..2, 2..5, 5..6]);
        assert_eq!((u.pred(0), u.pred(1), u.pred(2)), (None, None, Some(0)));
        assert_eq!(u.grouped_txs(), 5);
        u.form(&preds, false);
        assert_eq!(u.len(), 6, "without groups every transaction is a unit");
        assert_eq!((0..6).map(|i| u.pred(i)).collect::<Vec<_>>(), preds);
        u.form(&[], true);
        assert_eq!((u.len(), u.grouped_txs()), (0, 0));
    }
}
