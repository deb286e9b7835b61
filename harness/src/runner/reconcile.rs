//! The reconciliation: what the recorder counted (from the target's events) held against
//! what the chain keeps (its blocks and nonces, read back). `sent = included + rejected +
//! dropped` holds by construction; this can fail: a transaction counted as included
//! that is in no block, one in a block that was counted otherwise or never sent, one
//! included twice, a sender whose nonce moved by other than its included transactions.
//!
//! Built to stream: the event side is fed as events arrive (`on_event`, a counter per
//! transaction) and the chain side block by block (`on_chain_block`), so a later version
//! can read blocks while the run goes on; the verdict is taken once at the end.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};

use alloy::primitives::{Address, B256};

use crate::{
    metrics::Recorder,
    plan::{PlannedTx, TxId},
    report::{Mismatch, Reconciliation, Verdict},
    targets::{AccountState, ChainBlock, ChainEvent, Target, TargetError},
};

/// Examples kept per kind of mismatch.
const MAX_EXAMPLES: usize = 10;
/// Blocks read back per `Target::blocks` call.
const BLOCKS_PER_READ: u64 = 500;

/// Kinds of mismatch, as named in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MismatchKind {
    /// The recorder counted it included; no block read back holds it.
    CountedButNotOnChain,
    /// In a block, but the recorder counted it rejected or dropped.
    OnChainButNotCounted,
    /// In a block, but the load never sent it.
    OnChainButNeverSent,
    /// In two blocks, or reported included twice.
    IncludedTwice,
    /// In a block other than the one the target reported.
    InAnotherBlock,
    /// A sender's nonce on chain is not its starting nonce plus its included transactions.
    SenderNonce,
}

impl MismatchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CountedButNotOnChain => "counted_but_not_on_chain",
            Self::OnChainButNotCounted => "on_chain_but_not_counted",
            Self::OnChainButNeverSent => "on_chain_but_never_sent",
            Self::IncludedTwice => "included_twice",
            Self::InAnotherBlock => "in_another_block",
            Self::SenderNonce => "sender_nonce",
        }
    }
}

/// The reconciliation's state while the run goes on.
#[derive(Debug, Default)]
pub struct Reconciler {
    /// Inclusion events per transaction id (saturating).
    reported: Vec<u8>,
    /// Ids reported included more than once, in the order seen.
    reported_twice: Vec<TxId>,
    /// The highest block number the target reported.
    last_reported_block: u64,
    chain: ChainSide,
}

/// One block as the chain keeps it, reduced to what the effects check needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockFacts {
    pub base_fee_wei: u128,
    pub gas_used: u64,
    pub coinbase: Address,
    /// Transactions in it that are not the load's.
    pub foreign_txs: u64,
}

/// What the chain's blocks said.
#[derive(Debug, Default)]
struct ChainSide {
    facts: BTreeMap<u64, BlockFacts>,
    /// Our transactions found in blocks: the block of each (first seen).
    found: HashMap<TxId, u64>,
    found_twice: Vec<B256>,
    foreign: u64,
    blocks: u64,
    range: Option<(u64, u64)>,
}

impl Reconciler {
    /// A target's event: counts the inclusions it reports.
    pub fn on_event(&mut self, event: &ChainEvent) {
        let ChainEvent::Block(b) = event else { return };
        self.last_reported_block = self.last_reported_block.max(b.number);
        for t in &b.txs {
            let i = t.id as usize;
            if self.reported.len() <= i {
                self.reported.resize(i + 1, 0);
            }
            self.reported[i] = self.reported[i].saturating_add(1);
            if self.reported[i] == 2 {
                self.reported_twice.push(t.id);
            }
        }
    }

    /// A block read back from the chain; `ours` maps the load's hashes to their ids.
    pub fn on_chain_block(&mut self, block: &ChainBlock, ours: &HashMap<B256, TxId>) {
        let c = &mut self.chain;
        c.blocks += 1;
        c.range =
            Some(c.range.map_or((block.number, block.number), |(a, b)| (a.min(block.number), b.max(block.number))));
        let mut foreign = 0;
        for h in &block.tx_hashes {
            match ours.get(h) {
                None => foreign += 1,
                Some(id) => {
                    if c.found.insert(*id, block.number).is_some() {
                        c.found_twice.push(*h);
                    }
                }
            }
        }
        c.foreign += foreign;
        let facts = BlockFacts {
            base_fee_wei: block.base_fee_wei,
            gas_used: block.gas_used,
            coinbase: block.coinbase,
            foreign_txs: foreign,
        };
        c.facts.insert(block.number, facts);
    }

    /// The blocks read back so far, by number.
    pub fn blocks(&self) -> &BTreeMap<u64, BlockFacts> {
        &self.chain.facts
    }

    /// Reads the chain's blocks after `head_before` (the head when the load started) up
    /// to its head now, and feeds them in.
    pub async fn read_chain(
        &mut self,
        target: &dyn Target,
        head_before: u64,
        planned: &[Arc<PlannedTx>],
    ) -> Result<(), TargetError> {
        let head = target.head_number().await?;
        let ours: HashMap<B256, TxId> = planned.iter().map(|t| (t.hash, t.id)).collect();
        let mut from = head_before + 1;
        while from <= head {
            let to = head.min(from + BLOCKS_PER_READ - 1);
            for b in target.blocks(from, to).await? {
                self.on_chain_block(&b, &ours);
            }
            from = to + 1;
        }
        Ok(())
    }

    /// The verdict. `start` and `end` are the generated accounts' state when the load
    /// started and now (senders by index).
    pub fn verdict(
        &self,
        planned: &[Arc<PlannedTx>],
        rec: &Recorder,
        start: &[AccountState],
        end: &Result<Vec<AccountState>, TargetError>,
    ) -> Reconciliation {
        let mut found = Mismatches::default();
        let mut counted = 0u64;
        let mut landed_late = 0u64;
        let mut per_sender = vec![0u64; start.len()];
        for tx in planned {
            let included = rec.included(tx.id);
            let on_chain = self.chain.found.get(&tx.id).copied();
            if let Some(inc) = included {
                counted += 1;
                if let Some(n) = per_sender.get_mut(tx.sender as usize) {
                    *n += 1;
                }
                match on_chain {
                    None => found.add(MismatchKind::CountedButNotOnChain, || hash(tx)),
                    Some(n) if n != inc.block => found.add(MismatchKind::InAnotherBlock, || {
                        format!("{} (reported in block {}, on chain in {n})", hash(tx), inc.block)
                    }),
                    Some(_) => {}
                }
            } else if let Some(n) = on_chain {
                if !rec.was_sent(tx.id) {
                    found.add(MismatchKind::OnChainButNeverSent, || hash(tx));
                } else if rec.pending_at_end(tx.id) && n > self.last_reported_block {
                    // Mined after the drain gave up on it, in a block the target never
                    // reported: the accounting already calls it pending at the end.
                    landed_late += 1;
                    if let Some(n) = per_sender.get_mut(tx.sender as usize) {
                        *n += 1;
                    }
                } else {
                    found.add(MismatchKind::OnChainButNotCounted, || format!("{} (in block {n})", hash(tx)));
                }
            }
        }
        for h in &self.chain.found_twice {
            found.add(MismatchKind::IncludedTwice, || format!("{h} (in two blocks)"));
        }
        let hash_of: HashMap<TxId, B256> = if self.reported_twice.is_empty() {
            HashMap::new()
        } else {
            planned.iter().map(|t| (t.id, t.hash)).collect()
        };
        for id in &self.reported_twice {
            found.add(MismatchKind::IncludedTwice, || match hash_of.get(id) {
                Some(h) => format!("{h} (reported included twice)"),
                None => format!("id {id} (reported included twice; not in the plan)"),
            });
        }
        let senders_checked = match end {
            Ok(end) => {
                for (i, (s, e)) in start.iter().zip(end).enumerate() {
                    // Its included transactions, and any mined after the drain.
                    let expected = s.nonce + per_sender[i];
                    if e.nonce != expected {
                        found.add(MismatchKind::SenderNonce, || {
                            let from = planned.iter().find(|t| t.sender as usize == i).map(|t| t.from);
                            format!(
                                "sender #{i} {}: nonce {} on chain, expected {} + {} included",
                                from.map_or_else(|| "?".to_string(), |a| a.to_string()),
                                e.nonce,
                                s.nonce,
                                per_sender[i]
                            )
                        });
                    }
                }
                end.len() as u64
            }
            Err(_) => 0,
        };
        let (first_block, last_block) = self.chain.range.unwrap_or((0, 0));
        let failed = !found.0.is_empty();
        let mut detail = format!(
            "{} of ours in blocks {first_block}..={last_block} ({} blocks, {} foreign), {counted} counted as included",
            self.chain.found.len(),
            self.chain.blocks,
            self.chain.foreign
        );
        if landed_late > 0 {
            detail.push_str(&format!(
                "; {landed_late} counted as pending at the end were mined after the drain (not a mismatch)"
            ));
        }
        if let Err(e) = end {
            detail.push_str(&format!("; sender nonces not checked: {e}"));
        }
        Reconciliation {
            verdict: if failed { Verdict::Fail } else { Verdict::Pass },
            first_block,
            last_block,
            blocks_read: self.chain.blocks,
            found_on_chain: self.chain.found.len() as u64,
            counted_included: counted,
            foreign_txs: self.chain.foreign,
            senders_checked,
            mismatches: found.0.into_iter().map(|(k, m)| (k.as_str().to_string(), m)).collect(),
            detail,
        }
    }
}

/// A reconciliation that could not read the chain.
pub fn skipped(e: &TargetError) -> Reconciliation {
    Reconciliation {
        verdict: Verdict::Skipped,
        detail: format!("cannot read the chain's blocks back: {e}"),
        ..Default::default()
    }
}

fn hash(tx: &PlannedTx) -> String {
    tx.hash.to_string()
}

#[derive(Debug, Default)]
struct Mismatches(BTreeMap<MismatchKind, Mismatch>);

impl Mismatches {
    fn add(&mut self, kind: MismatchKind, example: impl FnOnce() -> String) {
        let m = self.0.entry(kind).or_default();
        m.count += 1;
        if m.examples.len() < MAX_EXAMPLES {
            m.examples.push(example());
        }
    }
}

#[cfg(test)]
mod tests {
    use alloy::{consensus::TxEip1559, primitives::U256};

    use super::*;
    use crate::{
        metrics::RecorderConfig,
        targets::{BlockEvent, IncludedTx},
    };

    fn tx(id: u32) -> Arc<PlannedTx> {
        Arc::new(PlannedTx {
            id,
            workload: 0,
            sender: 0,
            from: Address::repeat_byte(1),
            nonce: u64::from(id),
            hash: B256::repeat_byte(id as u8 + 1),
            raw: Default::default(),
            tx: TxEip1559::default(),
            intended_ns: 0,
            recipient: None,
            op: "transfer",
        })
    }

    fn event(number: u64, ids: &[u32]) -> ChainEvent {
        let txs = ids
            .iter()
            .map(|&id| IncludedTx {
                id,
                success: true,
                gas_used: 21_000,
                effective_gas_price_wei: 1,
                l1_fee_wei: None,
                revert_data: None,
            })
            .collect();
        ChainEvent::Block(BlockEvent {
            number,
            observed_ns: number,
            base_fee_wei: 1,
            gas_used: 0,
            gas_limit: 1,
            txs,
            foreign_txs: 0,
        })
    }

    fn block(number: u64, txs: &[&Arc<PlannedTx>]) -> ChainBlock {
        ChainBlock { number, tx_hashes: txs.iter().map(|t| t.hash).collect(), ..Default::default() }
    }

    /// `plan` planned, `sent` of them sent, `events` reported, `chain` read back; the
    /// sender's nonce went from 0 to `nonce`.
    fn reconcile(sent: usize, events: &[ChainEvent], chain: &[ChainBlock], nonce: u64) -> Reconciliation {
        let plan: Vec<_> = (0..3).map(tx).collect();
        let cfg =
            RecorderConfig { workloads: vec!["transfer"], window_start_ns: 0, window_end_ns: 1, late_threshold_ns: 1 };
        let mut rec = Recorder::new(cfg, plan.len());
        rec.on_sent(&plan[..sent], None, 0);
        let mut r = Reconciler::default();
        for e in events {
            r.on_event(e);
            rec.on_event(e, 0);
        }
        rec.finish(10);
        let ours = plan.iter().map(|t| (t.hash, t.id)).collect();
        for b in chain {
            r.on_chain_block(b, &ours);
        }
        let end = Ok(vec![AccountState { balance: U256::ZERO, nonce }]);
        r.verdict(&plan, &rec, &[AccountState::default()], &end)
    }

    #[test]
    fn what_was_counted_and_what_the_chain_holds_agree() {
        let plan: Vec<_> = (0..3).map(tx).collect();
        let r = reconcile(
            3,
            &[event(1, &[0, 1]), event(2, &[2])],
            &[block(1, &[&plan[0], &plan[1]]), block(2, &[&plan[2]])],
            3,
        );
        assert_eq!(r.verdict, Verdict::Pass, "{r:?}");
        assert_eq!((r.found_on_chain, r.counted_included, r.blocks_read, r.senders_checked), (3, 3, 2, 1));
    }

    #[test]
    fn a_transaction_on_chain_that_was_never_sent_is_named() {
        let plan: Vec<_> = (0..3).map(tx).collect();
        let r = reconcile(2, &[event(1, &[0, 1])], &[block(1, &[&plan[0], &plan[1]]), block(2, &[&plan[2]])], 3);
        assert_eq!(r.verdict, Verdict::Fail);
        assert_eq!(r.mismatches["on_chain_but_never_sent"].examples, [plan[2].hash.to_string()]);
        assert!(r.mismatches["sender_nonce"].examples[0].contains("nonce 3 on chain, expected 0 + 2"), "{r:?}");
    }

    #[test]
    fn a_transaction_in_another_block_than_reported_is_named() {
        let plan: Vec<_> = (0..3).map(tx).collect();
        let r = reconcile(1, &[event(1, &[0])], &[block(1, &[]), block(2, &[&plan[0]])], 1);
        assert_eq!(r.verdict, Verdict::Fail);
        assert!(r.mismatches["in_another_block"].examples[0].contains("reported in block 1, on chain in 2"), "{r:?}");
    }

    #[test]
    fn mined_after_the_drain_is_said_but_counted_in_a_reported_block_is_a_mismatch() {
        let plan: Vec<_> = (0..3).map(tx).collect();
        // Pending at the end, then mined in a block the target never reported.
        let late = reconcile(2, &[event(1, &[0])], &[block(1, &[&plan[0]]), block(2, &[&plan[1]])], 2);
        assert_eq!(late.verdict, Verdict::Pass, "{late:?}");
        assert!(late.detail.contains("1 counted as pending at the end were mined after the drain"), "{late:?}");
        // In a block the target reported without it: the target hid it.
        let hidden = reconcile(2, &[event(1, &[0])], &[block(1, &[&plan[0], &plan[1]])], 2);
        assert_eq!(hidden.mismatches["on_chain_but_not_counted"].count, 1, "{hidden:?}");
    }
}
