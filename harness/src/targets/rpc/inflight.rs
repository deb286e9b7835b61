//! What gasbench has sent and the node has not included yet, by hash, in send order.
//! It also guards nonces: never two of our transactions with the same sender and nonce
//! in flight, and nothing sent past a sender's known nonce gap (a refused or dropped
//! nonce: the later ones could never be included).

use std::collections::{HashMap, HashSet, VecDeque};

use alloy::primitives::{Address, B256};

use crate::{
    plan::{PlannedTx, TxId},
    targets::{RejectKind, Rejection},
};

/// One transaction in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub id: TxId,
    pub from: Address,
    pub nonce: u64,
    /// When the node accepted it (`None`: not answered yet).
    pub accepted_ns: Option<u64>,
    /// A plain transfer to a generated account (no code, no calldata): its max fee and
    /// tip, from which its receipt follows (see `receipts::derived`).
    pub plain: Option<(u128, u128)>,
}

/// The in-flight set (behind one mutex in the target).
#[derive(Debug, Default)]
pub struct Inflight {
    by_hash: HashMap<B256, Entry>,
    nonces: HashSet<(Address, u64)>,
    order: VecDeque<B256>,
    /// Per sender, the lowest nonce known to be missing on the node, and why
    /// (`refused`, `dropped`).
    gaps: HashMap<Address, (u64, &'static str)>,
}

impl Inflight {
    /// Registers `tx` as sent now; refused when it could not be included or would put a
    /// second transaction with its nonce in flight.
    pub fn register(&mut self, tx: &PlannedTx) -> Result<(), Rejection> {
        self.check_gap(tx)?;
        if self.by_hash.contains_key(&tx.hash) {
            return Ok(());
        }
        if !self.nonces.insert((tx.from, tx.nonce)) {
            return Err(Rejection {
                kind: RejectKind::Other,
                message: format!("not sent: another transaction with nonce {} is in flight", tx.nonce),
            });
        }
        let t = &tx.tx;
        let plain = (t.input.is_empty() && t.access_list.is_empty() && tx.recipient.is_some())
            .then_some((t.max_fee_per_gas, t.max_priority_fee_per_gas));
        self.by_hash.insert(tx.hash, Entry { id: tx.id, from: tx.from, nonce: tx.nonce, accepted_ns: None, plain });
        Ok(())
    }

    /// Refuses `tx` when an earlier nonce of its sender is known to be missing.
    pub fn check_gap(&self, tx: &PlannedTx) -> Result<(), Rejection> {
        match self.gap_before(tx) {
            Some((gap, why)) => Err(Rejection {
                kind: RejectKind::NonceGap,
                message: format!("not sent: nonce {gap} of this sender was {why}"),
            }),
            None => Ok(()),
        }
    }

    /// The missing nonce of `tx`'s sender below its own, and why it is missing
    /// (`refused`, `dropped`), if there is one.
    pub fn gap_before(&self, tx: &PlannedTx) -> Option<(u64, &'static str)> {
        self.gaps.get(&tx.from).copied().filter(|&(gap, _)| tx.nonce > gap)
    }

    /// The node accepted `hash` at `now_ns`: its drop timeout runs from here (a slow
    /// answer is not a lost transaction).
    pub fn accepted(&mut self, hash: &B256, now_ns: u64) {
        if let Some(e) = self.by_hash.get_mut(hash)
            && e.accepted_ns.is_none()
        {
            e.accepted_ns = Some(now_ns);
            self.order.push_back(*hash);
        }
    }

    /// Removes `hash` (included, refused or dropped); its entry if it was in flight.
    pub fn resolve(&mut self, hash: &B256) -> Option<Entry> {
        let e = self.by_hash.remove(hash)?;
        self.nonces.remove(&(e.from, e.nonce));
        Some(e)
    }

    /// Whether `hash` is ours and in flight.
    pub fn get(&self, hash: &B256) -> Option<Entry> {
        self.by_hash.get(hash).copied()
    }

    /// Removes and returns what was accepted before `cutoff_ns` and is still in flight.
    pub fn expired(&mut self, cutoff_ns: u64) -> Vec<(B256, Entry)> {
        let mut out = Vec::new();
        while let Some(hash) = self.order.front().copied() {
            match self.by_hash.get(&hash) {
                None => {
                    self.order.pop_front();
                }
                Some(e) if e.accepted_ns.is_some_and(|t| t < cutoff_ns) => {
                    self.order.pop_front();
                    out.extend(self.resolve(&hash).map(|e| (hash, e)));
                }
                Some(_) => break,
            }
        }
        out
    }

    /// Puts an expired entry back in flight, its clock restarted (the node's nonce says
    /// it was mined; the tracker has not seen its block yet).
    pub fn requeue(&mut self, hash: B256, mut entry: Entry, now_ns: u64) {
        if self.nonces.insert((entry.from, entry.nonce)) {
            entry.accepted_ns = Some(now_ns);
            self.by_hash.insert(hash, entry);
            self.order.push_back(hash);
        }
    }

    /// `from`'s transactions from `nonce` on are being sent again by a caller that knows
    /// every lower nonce is settled (the set-up): the sender's gap, at that nonce or at a
    /// lower one the node has mined since, is forgotten. Should the caller be wrong, the
    /// node leaves them unmined and the drop timeout finds them again.
    pub fn refill(&mut self, from: Address) {
        self.gaps.remove(&from);
    }

    /// Records that `from`'s nonce `nonce` is missing on the node; removes and returns
    /// the sender's later transactions the node accepted (they cannot be included). Those
    /// not answered yet are refused as `nonce_gap` by the send path before they go out, or
    /// dropped when their acceptance comes back.
    pub fn mark_gap(&mut self, from: Address, nonce: u64, why: &'static str) -> Vec<Entry> {
        let gap = self.gaps.entry(from).or_insert((nonce, why));
        if nonce < gap.0 {
            *gap = (nonce, why);
        }
        let gap = gap.0;
        let behind: Vec<B256> = self
            .by_hash
            .iter()
            .filter(|(_, e)| e.from == from && e.nonce > gap && e.accepted_ns.is_some())
            .map(|(h, _)| *h)
            .collect();
        behind.iter().filter_map(|h| self.resolve(h)).collect()
    }
}

#[cfg(test)]
mod tests {
    use alloy::primitives::Bytes;

    use super::*;

    fn tx(id: TxId, nonce: u64, hash: u8) -> PlannedTx {
        PlannedTx {
            id,
            workload: 0,
            sender: 0,
            from: Address::repeat_byte(1),
            nonce,
            hash: B256::repeat_byte(hash),
            raw: Bytes::new(),
            tx: Default::default(),
            intended_ns: 0,
            recipient: None,
            op: "transfer",
        }
    }

    #[test]
    fn nonces_are_guarded_and_gaps_stop_later_sends() {
        let mut f = Inflight::default();
        for (i, t) in [tx(0, 0, 1), tx(1, 1, 2), tx(2, 2, 3)].iter().enumerate() {
            f.register(t).unwrap();
            f.accepted(&t.hash, 10 * (i as u64 + 1));
        }
        assert_eq!(f.register(&tx(9, 1, 9)).unwrap_err().kind, RejectKind::Other, "same nonce twice");
        f.register(&tx(5, 5, 5)).unwrap();
        assert_eq!(f.expired(15).len(), 1);
        let behind = f.mark_gap(Address::repeat_byte(1), 0, "dropped");
        assert_eq!(behind.iter().map(|e| e.id).collect::<Vec<_>>(), {
            let mut ids = vec![1, 2];
            ids.sort_by_key(|id| behind.iter().position(|e| e.id == *id));
            ids
        });
        // Not answered yet: stays until the send path settles it.
        assert_eq!(f.by_hash.len(), 1);
        assert_eq!(f.check_gap(&tx(5, 5, 5)).unwrap_err().kind, RejectKind::NonceGap);
        assert_eq!(f.register(&tx(3, 3, 4)).unwrap_err().kind, RejectKind::NonceGap);
    }
}
