//! The mempool: per-sender nonce queues, admission checks, and block selection by tip
//! (best effective tip first, arrival order among equals).

use std::{
    cmp::Reverse,
    collections::{BTreeMap, BinaryHeap},
    sync::Arc,
};

use alloy::primitives::{
    Address, U256,
    map::{AddressHashMap, B256HashSet},
};

use super::admit::PoolTx;
use crate::targets::{RejectKind, Rejection};

#[derive(Debug)]
struct Queued {
    tx: Arc<PoolTx>,
    seq: u64,
}

#[derive(Debug, Default)]
struct SenderQueue {
    /// Next nonce the chain expects (including transactions handed to the builder).
    nonce: u64,
    /// Balance at the head, for the admission check.
    balance: U256,
    txs: BTreeMap<u64, Queued>,
}

/// Transactions waiting for a block.
#[derive(Debug)]
pub struct Mempool {
    senders: AddressHashMap<SenderQueue>,
    known: B256HashSet,
    len: usize,
    limit: usize,
    /// Sum of the gas limits of everything queued: while it is below a block's, no block
    /// can be full (`sealing: when_full` looks further only past it).
    pub queued_gas: u64,
    seq: u64,
    chain_id: u64,
    block_gas_limit: u64,
}

/// The least gas a transaction uses: a block with less room left is full.
const TRANSFER_GAS: u64 = 21_000;

fn reject(kind: RejectKind, message: impl Into<String>) -> Rejection {
    Rejection { kind, message: message.into() }
}

impl Mempool {
    pub fn new(limit: usize, chain_id: u64, block_gas_limit: u64) -> Self {
        Self {
            senders: AddressHashMap::default(),
            known: B256HashSet::default(),
            len: 0,
            limit,
            queued_gas: 0,
            seq: 0,
            chain_id,
            block_gas_limit,
        }
    }

    /// Whether the pool knows `sender`'s nonce and balance.
    pub fn knows(&self, sender: &Address) -> bool {
        self.senders.contains_key(sender)
    }

    /// Records `sender`'s state at the head.
    pub fn set_account(&mut self, sender: Address, nonce: u64, balance: U256) {
        let q = self.senders.entry(sender).or_default();
        q.nonce = q.nonce.max(nonce);
        q.balance = balance;
    }

    /// Admits a transaction, or says why not (as a node would).
    pub fn add(&mut self, tx: Arc<PoolTx>) -> Result<(), Rejection> {
        let t = &tx.tx;
        if t.chain_id != self.chain_id {
            return Err(reject(RejectKind::WrongChainId, format!("chain id {} != {}", t.chain_id, self.chain_id)));
        }
        if t.gas_limit > self.block_gas_limit {
            return Err(reject(RejectKind::GasLimit, "exceeds block gas limit"));
        }
        if t.gas_limit < 21_000 {
            return Err(reject(RejectKind::GasLimit, "intrinsic gas too low"));
        }
        if t.max_priority_fee_per_gas > t.max_fee_per_gas {
            return Err(reject(RejectKind::Underpriced, "max priority fee per gas higher than max fee per gas"));
        }
        if self.known.contains(&tx.hash) {
            return Err(reject(RejectKind::AlreadyKnown, "already known"));
        }
        if self.len >= self.limit {
            return Err(reject(RejectKind::PoolFull, "txpool is full"));
        }
        let q = self.senders.entry(tx.from).or_default();
        if t.nonce < q.nonce {
            return Err(reject(
                RejectKind::NonceTooLow,
                format!("nonce too low: next nonce {}, tx nonce {}", q.nonce, t.nonce),
            ));
        }
        if q.txs.contains_key(&t.nonce) {
            return Err(reject(RejectKind::Underpriced, "replacement transaction underpriced"));
        }
        let cost = U256::from(t.gas_limit) * U256::from(t.max_fee_per_gas) + t.value;
        if q.balance < cost {
            return Err(reject(
                RejectKind::InsufficientFunds,
                format!("insufficient funds for gas * price + value: have {} want {cost}", q.balance),
            ));
        }
        self.seq += 1;
        self.queued_gas += t.gas_limit;
        self.len += 1;
        self.known.insert(tx.hash);
        let nonce = t.nonce;
        q.txs.insert(nonce, Queued { tx, seq: self.seq });
        Ok(())
    }

    /// Whether the transactions executable now at `base_fee` (each sender's from its next
    /// nonce, while they pay the base fee) fill a block of `gas_limit`: no transfer more
    /// would fit. Stops counting as soon as they do.
    pub fn holds_full_block(&self, base_fee: u64, gas_limit: u64) -> bool {
        if self.queued_gas.saturating_add(TRANSFER_GAS) <= gas_limit {
            return false;
        }
        let base = u128::from(base_fee);
        let mut gas = 0u64;
        for q in self.senders.values() {
            for (next, (nonce, entry)) in (q.nonce..).zip(q.txs.range(q.nonce..)) {
                let t = &entry.tx.tx;
                if *nonce != next || t.max_fee_per_gas < base {
                    break;
                }
                gas = gas.saturating_add(t.gas_limit);
                if gas.saturating_add(TRANSFER_GAS) > gas_limit {
                    return true;
                }
            }
        }
        false
    }

    /// Takes the best executable transactions whose gas limits fit in `gas_limit`:
    /// each sender's in nonce order, senders by effective tip then arrival.
    pub fn select(&mut self, base_fee: u64, gas_limit: u64) -> Vec<Arc<PoolTx>> {
        let base = u128::from(base_fee);
        let ready = |q: &SenderQueue| -> Option<(u128, u64)> {
            let head = q.txs.first_key_value().filter(|(n, _)| **n == q.nonce)?.1;
            let t = &head.tx.tx;
            (t.max_fee_per_gas >= base).then(|| ((t.max_fee_per_gas - base).min(t.max_priority_fee_per_gas), head.seq))
        };
        let mut heap: BinaryHeap<(u128, Reverse<u64>, Address)> =
            self.senders.iter().filter_map(|(a, q)| ready(q).map(|(tip, seq)| (tip, Reverse(seq), *a))).collect();
        let mut out = Vec::new();
        let mut gas = 0u64;
        while let Some((_, _, sender)) = heap.pop() {
            let q = self.senders.get_mut(&sender).expect("heap holds pooled senders");
            let Some(entry) = q.txs.first_entry() else { continue };
            let limit = entry.get().tx.tx.gas_limit;
            if gas + limit > gas_limit {
                continue;
            }
            let Queued { tx, .. } = entry.remove();
            gas += limit;
            q.nonce += 1;
            self.len -= 1;
            self.queued_gas -= limit;
            self.known.remove(&tx.hash);
            out.push(tx);
            if let Some((tip, seq)) = ready(q) {
                heap.push((tip, Reverse(seq), sender));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use alloy::{consensus::TxEip1559, primitives::B256};

    use super::*;

    fn tx(id: u32, from: u8, nonce: u64, tip: u128) -> Arc<PoolTx> {
        Arc::new(PoolTx {
            id,
            from: Address::repeat_byte(from),
            hash: B256::with_last_byte(id as u8),
            raw: Default::default(),
            tx: TxEip1559 {
                chain_id: 1,
                nonce,
                gas_limit: 21_000,
                max_fee_per_gas: 100,
                max_priority_fee_per_gas: tip,
                ..Default::default()
            },
        })
    }

    fn pool() -> Mempool {
        let mut p = Mempool::new(10, 1, 63_000);
        for a in [1, 2] {
            p.set_account(Address::repeat_byte(a), 0, U256::from(10u64.pow(12)));
        }
        p
    }

    #[test]
    fn selects_by_tip_in_nonce_order_within_the_gas_limit() {
        let mut p = pool();
        p.add(tx(1, 1, 1, 5)).unwrap(); // gapped until nonce 0 arrives
        p.add(tx(2, 2, 0, 3)).unwrap();
        p.add(tx(3, 1, 0, 5)).unwrap();
        p.add(tx(4, 2, 1, 3)).unwrap();
        let ids: Vec<u32> = p.select(10, 63_000).iter().map(|t| t.id).collect();
        assert_eq!(ids, vec![3, 1, 2], "sender 1 pays more; three transfers fit");
        assert_eq!(p.select(10, 63_000).iter().map(|t| t.id).collect::<Vec<_>>(), vec![4]);
        assert_eq!(p.queued_gas, 0);
    }

    #[test]
    fn admission_rejects_like_a_node() {
        let mut p = pool();
        p.add(tx(1, 1, 0, 1)).unwrap();
        assert_eq!(p.add(tx(1, 1, 0, 1)).unwrap_err().kind, RejectKind::AlreadyKnown);
        assert_eq!(p.add(tx(9, 1, 0, 1)).unwrap_err().kind, RejectKind::Underpriced);
        p.select(10, 63_000);
        assert_eq!(p.add(tx(8, 1, 0, 1)).unwrap_err().kind, RejectKind::NonceTooLow);
        p.set_account(Address::repeat_byte(2), 0, U256::from(1));
        assert_eq!(p.add(tx(7, 2, 0, 1)).unwrap_err().kind, RejectKind::InsufficientFunds);
    }

    #[test]
    fn underpriced_transactions_wait_for_the_base_fee() {
        let mut p = pool();
        p.add(tx(1, 1, 0, 1)).unwrap();
        assert!(p.select(101, 63_000).is_empty(), "max fee 100 < base fee 101");
        assert_eq!(p.select(100, 63_000).len(), 1);
    }

    #[test]
    fn a_full_block_counts_only_what_pays_the_base_fee_in_nonce_order() {
        let mut p = pool();
        p.add(tx(1, 1, 0, 1)).unwrap();
        p.add(tx(2, 1, 1, 1)).unwrap();
        p.add(tx(3, 2, 1, 1)).unwrap(); // waits for sender 2's nonce 0
        assert!(!p.holds_full_block(100, 63_000), "two executable transfers leave room for a third");
        assert!(p.holds_full_block(100, 42_000), "two transfers fill 42,000 gas");
        assert!(!p.holds_full_block(101, 42_000), "none pays a base fee of 101");
        p.add(tx(4, 2, 0, 1)).unwrap();
        assert!(p.holds_full_block(100, 63_000), "sender 2's gap is closed: four executable");
    }
}
