//! Dependency hints: a cheap pre-pass over a block predicts which transactions will
//! conflict with an earlier one, so that Block-STM runs each after the one it depends on
//! instead of speculating, failing validation and running again. Two sources: the
//! sender (a nonce chain is always a dependency) and recipients whose calls collided in
//! recent blocks (several of a block's transactions wrote the same location: one AMM
//! pool taken by every swap, one hot token holder), learned after each parallel block.
//! A hint only delays a transaction's first execution; validation still decides, so a
//! wrong hint costs parallelism, never correctness.

use alloy::primitives::Address;
use revm::{context::TxEnv, primitives::HashMap};

use super::{groups::Units, mvmemory::WriteSet};
use crate::exec::{Loc, LocMap};

/// A recipient is hot when at least this share of its calls collided, smoothed.
const HOT: f64 = 0.5;
/// Weight of the newest block in a recipient's collision share.
const ALPHA: f64 = 0.5;
/// Recipients whose share fell below this are forgotten (the map stays small).
const FORGET: f64 = 0.05;

#[derive(Debug, Default)]
pub struct Hints {
    /// Collision share of calls to each recipient, smoothed over recent blocks.
    collided: HashMap<Address, f64>,
    /// Scratch, kept between blocks with its allocation.
    first_writer: LocMap<u32>,
    last_sender: HashMap<Address, u32>,
    last_recipient: HashMap<Address, u32>,
    calls: HashMap<Address, (u32, u32)>,
}

impl Hints {
    fn is_hot(&self, to: &Address) -> bool {
        self.collided.get(to).is_some_and(|s| *s >= HOT)
    }

    /// Each transaction's predicted predecessor, into `out`: the nearest earlier
    /// transaction of the same sender, or calling the same hot recipient.
    pub fn predict(&mut self, txs: &[TxEnv], out: &mut Vec<Option<u32>>) {
        out.clear();
        self.last_sender.clear();
        self.last_recipient.clear();
        for (j, tx) in txs.iter().enumerate() {
            let j = j as u32;
            let mut pred = self.last_sender.insert(tx.caller, j);
            if let Some(to) = tx.kind.to()
                && self.is_hot(to)
            {
                pred = pred.max(self.last_recipient.insert(*to, j));
            }
            out.push(pred);
        }
    }

    /// Learns from a block's final write sets, one per unit of `units`, which
    /// recipients' calls collided: a transaction collided when it wrote a location an
    /// earlier one of the block wrote (its own account, the sender's nonce chain, and
    /// fees aside). Inside a task group the worker saw that (`inside(j)`); a group's
    /// collisions with earlier units count for its first member.
    pub fn learn<'w>(
        &mut self,
        txs: &[TxEnv],
        units: &Units,
        writes: impl Iterator<Item = &'w WriteSet>,
        inside: impl Fn(usize) -> bool,
    ) {
        self.first_writer.clear();
        self.calls.clear();
        for (u, (members, ws)) in units.iter().zip(writes).enumerate() {
            let first = &txs[members.start as usize];
            let mut across = false;
            for (loc, _) in ws {
                if matches!(loc, Loc::Fee(_) | Loc::Credit(_)) || *loc == Loc::Basic(first.caller) {
                    continue;
                }
                across |= self.first_writer.insert(*loc, u as u32).is_some();
            }
            for j in members.clone() {
                let Some(to) = txs[j as usize].kind.to() else { continue };
                let collided = inside(j as usize) || (across && j == members.start);
                let c = self.calls.entry(*to).or_default();
                c.0 += 1;
                c.1 += u32::from(collided);
            }
        }
        for (to, (calls, collided)) in &self.calls {
            let share = f64::from(*collided) / f64::from(*calls);
            let s = self.collided.entry(*to).or_insert(share);
            *s = ALPHA * share + (1.0 - ALPHA) * *s;
        }
        // Recipients not called this block decay too, and are forgotten when cold.
        for (to, s) in &mut self.collided {
            if !self.calls.contains_key(to) {
                *s *= 1.0 - ALPHA;
            }
        }
        self.collided.retain(|_, s| *s >= FORGET);
    }
}

#[cfg(test)]
mod tests {
    use alloy::primitives::{TxKind, U256};

    use super::{super::mvmemory::Value, *};

    fn call(from: u8, to: Address) -> TxEnv {
        TxEnv { caller: Address::with_last_byte(from), kind: TxKind::Call(to), ..TxEnv::default() }
    }

    #[test]
    fn senders_chain_always_and_recipients_once_their_calls_collide() {
        let pool = Address::with_last_byte(0xaa);
        let token = Address::with_last_byte(0xbb);
        let txs = vec![call(1, pool), call(2, token), call(3, pool), call(1, token), call(4, pool)];
        let mut h = Hints::default();
        let mut preds = Vec::new();
        h.predict(&txs, &mut preds);
        assert_eq!(preds, [None, None, None, Some(0), None], "only the sender's chain before learning");
        // Every call to the pool wrote its reserves; the token calls wrote distinct slots.
        let reserves = (Loc::Slot(pool, U256::ZERO), Value::Slot(U256::from(1)));
        let slot = |i: u64| (Loc::Slot(token, U256::from(i)), Value::Slot(U256::from(1)));
        let writes = [vec![reserves], vec![slot(1)], vec![reserves], vec![slot(2)], vec![reserves]];
        let mut units = Units::default();
        units.form(&[None; 5], false);
        h.learn(&txs, &units, writes.iter(), |_| false);
        h.predict(&txs, &mut preds);
        assert_eq!(preds, [None, None, Some(0), Some(0), Some(2)], "the pool's calls now chain");
        // Blocks without collisions at the pool cool it down again.
        for _ in 0..3 {
            h.learn(&txs, &units, [vec![], vec![], vec![], vec![], vec![]].iter(), |_| false);
        }
        h.predict(&txs, &mut preds);
        assert_eq!(preds, [None, None, None, Some(0), None]);
    }
}
