//! The reconciliation: what the recorder counted (from the target's events) held against
//! what the chain keeps (its blocks and nonces, read back). `sent = included + rejected +
//! dropped` holds by construction; this can fail: a transaction counted as included
//! that is in no block, one in a block that was counted otherwise or never sent, one
//! included twice, a sender whose nonce moved by other than its included transactions.
//!
//! Streamed: transactions are registered when sent, resolved as the recorder resolves
//! them, and the chain's blocks are read back while the run goes on (up to the last
//! block the target reported) and once more at the end. A transaction is forgotten once
//! its block is read and checked, so memory follows what is in flight, not the run's
//! length. The effects check's expectation is built up at the same time (`Expected`),
//! and a block read back is handed to it (its burn and coinbase checks) and forgotten
//! as soon as none of the load's transactions in it is still unresolved.
//! Not kept: a transaction already settled that shows up in a second block later is
//! counted as foreign there (it is caught while both blocks are unsettled). Failed
//! transactions (rejected, dropped during the run) are kept as their hash, id and
//! sender, the first [`MAX_FAILED_KEPT`] of them not found in a block at a time: one
//! forgotten past that which a block holds later is counted as foreign, and its sender's
//! nonce check still fails.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};

use alloy::primitives::{Address, B256};

use super::effects::Expected;
use crate::{
    metrics::{Included, Outcome, Resolved},
    plan::{PlannedTx, TxId},
    report::{Mismatch, Reconciliation, Verdict},
    targets::{AccountState, ChainBlock, ChainEvent, Target, TargetError},
};

/// Examples kept per kind of mismatch.
const MAX_EXAMPLES: usize = 10;
/// Blocks read back per `Target::blocks` call.
const BLOCKS_PER_READ: u64 = 500;
/// Failed transactions (rejected, or dropped during the run) remembered at most, to
/// name one a block holds later: ~150 bytes each.
pub const MAX_FAILED_KEPT: usize = 16_384;

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

/// The reconciliation's state while the run goes on: only transactions not settled yet
/// (in flight, included and not yet found in a block read back, or failed).
#[derive(Debug)]
pub struct Reconciler {
    /// Sent and not settled, by hash; and their hashes by id.
    open: HashMap<B256, Entry>,
    ids: HashMap<TxId, B256>,
    /// Ids already named as reported included twice.
    named_twice: Vec<TxId>,
    /// Failed ones (rejected, dropped) not found in a block, by hash; their hashes by id
    /// (a later inclusion report is not "twice"); the ones failed during the run in the
    /// order they failed, to forget the oldest past [`MAX_FAILED_KEPT`].
    failed: HashMap<B256, FailedTx>,
    failed_ids: HashMap<TxId, B256>,
    failed_order: std::collections::VecDeque<B256>,
    failed_forgotten: u64,
    /// Signed and never sent (the rest of a pre-signed plan, the streamed signer's
    /// buffer), noted at the end: none of them may be on chain.
    never_sent: HashMap<B256, ()>,
    /// The highest block number the target reported.
    last_reported_block: u64,
    /// The last block read back.
    read_to: u64,
    found: Mismatches,
    counted: u64,
    found_on_chain: u64,
    landed_late: u64,
    per_sender: Vec<u64>,
    /// Blocks read back with some of the load's transactions still unresolved.
    facts: BTreeMap<u64, OpenBlock>,
    foreign: u64,
    blocks: u64,
    range: Option<(u64, u64)>,
    expected: Expected,
}

#[derive(Debug)]
struct Entry {
    tx: Arc<PlannedTx>,
    state: EntryState,
    /// The block read back that holds it, when found before it was resolved.
    on_chain: Option<u64>,
    /// Times the target reported it included.
    reported: u8,
}

#[derive(Debug, Clone, Copy)]
enum EntryState {
    Sent,
    Included(Included),
    Failed { at_end: bool },
}

/// A failed transaction, reduced to what naming it on chain needs.
#[derive(Debug, Clone, Copy)]
struct FailedTx {
    id: TxId,
    sender: u32,
    at_end: bool,
}

/// A block read back, until none of the load's transactions in it is unresolved.
#[derive(Debug, Clone, Copy)]
struct OpenBlock {
    facts: BlockFacts,
    unresolved: u32,
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

impl Reconciler {
    /// Reading the chain after block `head_before` (the head when the load started), with
    /// the generated accounts' state then.
    pub fn new(head_before: u64, baseline: &[AccountState]) -> Self {
        Self {
            open: HashMap::new(),
            ids: HashMap::new(),
            named_twice: Vec::new(),
            failed: HashMap::new(),
            failed_ids: HashMap::new(),
            failed_order: std::collections::VecDeque::new(),
            failed_forgotten: 0,
            never_sent: HashMap::new(),
            last_reported_block: 0,
            read_to: head_before,
            found: Mismatches::default(),
            counted: 0,
            found_on_chain: 0,
            landed_late: 0,
            per_sender: vec![0; baseline.len()],
            facts: BTreeMap::new(),
            foreign: 0,
            blocks: 0,
            range: None,
            expected: Expected::new(baseline),
        }
    }

    /// Transactions handed to the target.
    pub fn on_sent(&mut self, txs: &[Arc<PlannedTx>]) {
        for t in txs {
            self.open.insert(t.hash, Entry { tx: t.clone(), state: EntryState::Sent, on_chain: None, reported: 0 });
            self.ids.insert(t.id, t.hash);
        }
    }

    /// Signed, never sent.
    pub fn never_sent(&mut self, txs: &[Arc<PlannedTx>]) {
        self.never_sent.extend(txs.iter().map(|t| (t.hash, ())));
    }

    /// A target's event: the highest block it reported, and inclusions reported twice.
    pub fn on_event(&mut self, event: &ChainEvent) {
        let ChainEvent::Block(b) = event else { return };
        self.last_reported_block = self.last_reported_block.max(b.number);
        for t in &b.txs {
            let Some(e) = self.ids.get(&t.id).and_then(|h| self.open.get_mut(h)) else { continue };
            e.reported = e.reported.saturating_add(1);
            if e.reported == 2 {
                let hash = e.tx.hash;
                self.named_twice.push(t.id);
                self.found.add(MismatchKind::IncludedTwice, || format!("{hash} (reported included twice)"));
            }
        }
    }

    /// How a transaction ended, as the recorder counted it.
    pub fn on_resolved(&mut self, r: &Resolved) {
        let Some(e) = self.open.get_mut(&r.tx.hash) else { return };
        let on_chain = e.on_chain;
        e.state = match r.outcome {
            Outcome::Included(inc) => {
                self.counted += 1;
                if let Some(n) = self.per_sender.get_mut(r.tx.sender as usize) {
                    *n += 1;
                }
                EntryState::Included(inc)
            }
            Outcome::Rejected => EntryState::Failed { at_end: false },
            Outcome::Dropped { at_end } => EntryState::Failed { at_end },
        };
        match (on_chain, e.state) {
            (Some(n), _) => {
                self.settle(r.tx.hash, n);
                self.resolved_in(n);
            }
            (None, EntryState::Failed { at_end }) => {
                let Some(e) = self.open.remove(&r.tx.hash) else { return };
                self.ids.remove(&e.tx.id);
                self.remember_failed(&e.tx, at_end);
            }
            (None, _) => {}
        }
    }

    /// Remembers a failed transaction (not yet in any block read back); forgets the
    /// oldest failed during the run past [`MAX_FAILED_KEPT`] (the ones pending at the
    /// end are all kept: a later block may still hold them, and their senders' nonces
    /// count them).
    fn remember_failed(&mut self, tx: &PlannedTx, at_end: bool) {
        self.failed.insert(tx.hash, FailedTx { id: tx.id, sender: tx.sender, at_end });
        self.failed_ids.insert(tx.id, tx.hash);
        if at_end {
            return;
        }
        self.failed_order.push_back(tx.hash);
        while self.failed_order.len() > MAX_FAILED_KEPT {
            let Some(h) = self.failed_order.pop_front() else { break };
            if let Some(f) = self.failed.remove(&h) {
                self.failed_ids.remove(&f.id);
                self.failed_forgotten += 1;
            }
        }
    }

    /// One of the load's transactions in block `n` was resolved: the block is done once
    /// none is left.
    fn resolved_in(&mut self, n: u64) {
        let Some(b) = self.facts.get_mut(&n) else { return };
        b.unresolved = b.unresolved.saturating_sub(1);
        if b.unresolved == 0 {
            self.block_done(n);
        }
    }

    /// Block `n`'s transactions are all resolved and checked: its facts go to the
    /// effects check, and it is forgotten.
    fn block_done(&mut self, n: u64) {
        if let Some(b) = self.facts.remove(&n) {
            self.expected.on_block(n, &b.facts);
        }
    }

    /// The blocks the target reported that are not read back yet.
    pub fn unread(&self) -> Option<(u64, u64)> {
        (self.last_reported_block > self.read_to).then_some((self.read_to + 1, self.last_reported_block))
    }

    /// Reads the chain's blocks after the last one read up to `to` (the head, at the end)
    /// and feeds them in.
    pub async fn read_chain(&mut self, target: &dyn Target, to: u64) -> Result<(), TargetError> {
        if to > self.read_to {
            let blocks = fetch(target, self.read_to + 1, to).await?;
            self.on_chain_blocks(&blocks, to);
        }
        Ok(())
    }

    /// Blocks read back up to `to` (the ones after the last read, in order).
    pub fn on_chain_blocks(&mut self, blocks: &[ChainBlock], to: u64) {
        let read_to = self.read_to;
        blocks.iter().filter(|b| b.number > read_to).for_each(|b| self.on_chain_block(b));
        self.read_to = self.read_to.max(to);
    }

    /// A block read back from the chain.
    pub fn on_chain_block(&mut self, block: &ChainBlock) {
        self.blocks += 1;
        self.range =
            Some(self.range.map_or((block.number, block.number), |(a, b)| (a.min(block.number), b.max(block.number))));
        let facts = BlockFacts {
            base_fee_wei: block.base_fee_wei,
            gas_used: block.gas_used,
            coinbase: block.coinbase,
            foreign_txs: 0,
        };
        self.facts.insert(block.number, OpenBlock { facts, unresolved: 0 });
        let (mut foreign, mut unresolved) = (0, 0);
        for h in &block.tx_hashes {
            match self.open.get_mut(h) {
                Some(e) if e.on_chain.is_some() => {
                    self.found.add(MismatchKind::IncludedTwice, || format!("{h} (in two blocks)"));
                }
                Some(e) => {
                    e.on_chain = Some(block.number);
                    if matches!(e.state, EntryState::Sent) {
                        unresolved += 1;
                    } else {
                        self.settle(*h, block.number);
                    }
                }
                None if self.failed.contains_key(h) => self.settle_failed(*h, block.number),
                None if self.never_sent.contains_key(h) => {
                    self.found.add(MismatchKind::OnChainButNeverSent, || h.to_string());
                }
                None => foreign += 1,
            }
        }
        self.foreign += foreign;
        if let Some(b) = self.facts.get_mut(&block.number) {
            b.facts.foreign_txs = foreign;
            b.unresolved = unresolved;
        }
        if unresolved == 0 {
            self.block_done(block.number);
        }
    }

    /// A resolved transaction found in block `n`: checked, and forgotten.
    fn settle(&mut self, hash: B256, n: u64) {
        let Some(e) = self.open.remove(&hash) else { return };
        self.ids.remove(&e.tx.id);
        let tx = &e.tx;
        match e.state {
            EntryState::Sent => {}
            EntryState::Included(inc) => {
                self.found_on_chain += 1;
                if n != inc.block {
                    self.found.add(MismatchKind::InAnotherBlock, || {
                        format!("{} (reported in block {}, on chain in {n})", tx.hash, inc.block)
                    });
                }
                let facts = self.facts.get(&n).map(|b| b.facts);
                self.expected.on_included(tx, &inc, facts.as_ref().map(|f| (n, f)));
            }
            EntryState::Failed { at_end } => {
                self.failed_on_chain(FailedTx { id: tx.id, sender: tx.sender, at_end }, hash, n);
            }
        }
    }

    /// A failed transaction remembered, found in block `n`.
    fn settle_failed(&mut self, hash: B256, n: u64) {
        if let Some(f) = self.failed.remove(&hash) {
            self.failed_on_chain(f, hash, n);
        }
    }

    fn failed_on_chain(&mut self, f: FailedTx, hash: B256, n: u64) {
        self.failed_ids.remove(&f.id);
        if f.at_end && n > self.last_reported_block {
            // Mined after the drain gave up on it, in a block the target never
            // reported: the accounting already calls it pending at the end.
            self.landed_late += 1;
            if let Some(c) = self.per_sender.get_mut(f.sender as usize) {
                *c += 1;
            }
        } else {
            self.found.add(MismatchKind::OnChainButNotCounted, || format!("{hash} (in block {n})"));
        }
    }

    /// Blocks read back and not yet handed to the effects check (some of the load's
    /// transactions in them unresolved), and failed transactions remembered: what the
    /// reconciliation holds beside the transactions in flight.
    #[cfg(test)]
    fn held(&self) -> (usize, usize) {
        (self.facts.len(), self.failed.len())
    }

    /// The verdict, once every block up to the head is read, and the expectation for the
    /// effects check. `reported_unexpected`: ids the recorder saw included while not in
    /// flight; `start` and `end` are the generated accounts' state when the load started
    /// and now (senders by index).
    pub fn verdict(
        mut self,
        reported_unexpected: &[TxId],
        start: &[AccountState],
        end: &Result<Vec<AccountState>, TargetError>,
    ) -> (Reconciliation, Expected) {
        // Counted as included, in no block read back.
        let left: Vec<B256> = self.open.keys().copied().collect();
        let mut left_txs: Vec<Entry> = left.iter().filter_map(|h| self.open.remove(h)).collect();
        left_txs.sort_by_key(|e| e.tx.id);
        for e in &left_txs {
            if let EntryState::Included(inc) = e.state {
                self.found.add(MismatchKind::CountedButNotOnChain, || e.tx.hash.to_string());
                self.expected.on_included(&e.tx, &inc, None);
            }
        }
        // Blocks with a transaction never resolved (none after the recorder's finish).
        let open: Vec<u64> = self.facts.keys().copied().collect();
        open.into_iter().for_each(|n| self.block_done(n));
        for id in reported_unexpected {
            if self.failed_ids.contains_key(id) || self.named_twice.contains(id) {
                // Included after being counted failed: on chain, that is a mismatch above.
                continue;
            }
            self.found.add(MismatchKind::IncludedTwice, || format!("id {id} (reported included twice)"));
        }
        let mut found = self.found;
        let senders_checked = match end {
            Ok(end) => {
                for (i, (s, e)) in start.iter().zip(end).enumerate() {
                    // Its included transactions, and any mined after the drain.
                    let expected = s.nonce + self.per_sender[i];
                    if e.nonce != expected {
                        found.add(MismatchKind::SenderNonce, || {
                            format!(
                                "sender #{i}: nonce {} on chain, expected {} + {} included",
                                e.nonce, s.nonce, self.per_sender[i]
                            )
                        });
                    }
                }
                end.len() as u64
            }
            Err(_) => 0,
        };
        let (first_block, last_block) = self.range.unwrap_or((0, 0));
        let failed = !found.0.is_empty();
        let mut detail = format!(
            "{} of ours in blocks {first_block}..={last_block} ({} blocks, {} foreign), {} counted as included",
            self.found_on_chain, self.blocks, self.foreign, self.counted
        );
        if self.landed_late > 0 {
            detail.push_str(&format!(
                "; {} counted as pending at the end were mined after the drain (not a mismatch)",
                self.landed_late
            ));
        }
        if self.failed_forgotten > 0 {
            detail.push_str(&format!(
                "; {} failed transactions forgotten past the last {MAX_FAILED_KEPT} (one on chain later counts as foreign, \
                 and its sender's nonce check fails)",
                self.failed_forgotten
            ));
        }
        if let Err(e) = end {
            detail.push_str(&format!("; sender nonces not checked: {e}"));
        }
        let r = Reconciliation {
            verdict: if failed { Verdict::Fail } else { Verdict::Pass },
            first_block,
            last_block,
            blocks_read: self.blocks,
            found_on_chain: self.found_on_chain,
            counted_included: self.counted,
            foreign_txs: self.foreign,
            senders_checked,
            mismatches: found.0.into_iter().map(|(k, m)| (k.as_str().to_string(), m)).collect(),
            detail,
        };
        (r, self.expected)
    }
}

/// The chain's blocks `from..=to`, read in pieces.
pub async fn fetch(target: &dyn Target, from: u64, to: u64) -> Result<Vec<ChainBlock>, TargetError> {
    let mut out = Vec::new();
    let mut at = from;
    while at <= to {
        let upto = to.min(at + BLOCKS_PER_READ - 1);
        out.extend(target.blocks(at, upto).await?);
        at = upto + 1;
    }
    Ok(out)
}

/// A reconciliation that could not read the chain.
pub fn skipped(e: &TargetError) -> Reconciliation {
    Reconciliation {
        verdict: Verdict::Skipped,
        detail: format!("cannot read the chain's blocks back: {e}"),
        ..Default::default()
    }
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
        metrics::{Recorder, RecorderConfig},
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
            hash: alloy::primitives::B256::with_last_byte(number as u8),
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
        let start = [AccountState::default()];
        let mut r = Reconciler::new(0, &start);
        r.on_sent(&plan[..sent]);
        for e in events {
            r.on_event(e);
            rec.on_event(e, 0);
        }
        rec.finish(10);
        for res in rec.take_resolved() {
            r.on_resolved(&res);
        }
        r.never_sent(&plan[sent..]);
        for b in chain {
            r.on_chain_block(b);
        }
        let end = Ok(vec![AccountState { balance: U256::ZERO, nonce }]);
        r.verdict(rec.reported_unexpected(), &start, &end).0
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

    fn numbered(id: u32) -> Arc<PlannedTx> {
        let mut t = (*tx(0)).clone();
        (t.id, t.nonce, t.hash) = (id, u64::from(id), B256::from(U256::from(id) + U256::from(1)));
        Arc::new(t)
    }

    fn included(t: &Arc<PlannedTx>, block: u64) -> Resolved {
        let inc = Included {
            success: true,
            fee_wei: 21_000,
            gas_used: 21_000,
            effective_gas_price_wei: 1,
            l1_fee_wei: 0,
            block,
            order: 0,
        };
        Resolved { tx: t.clone(), outcome: Outcome::Included(inc) }
    }

    #[test]
    fn a_block_is_held_until_its_transactions_are_resolved_then_forgotten() {
        let (a, b) = (numbered(0), numbered(1));
        let start = [AccountState::default()];
        let mut r = Reconciler::new(0, &start);
        r.on_sent(&[a.clone(), b.clone()]);
        r.on_resolved(&included(&a, 1));
        // Block 1 holds a (resolved) and b (not yet): held; block 2 holds none of ours.
        r.on_chain_block(&block(1, &[&a, &b]));
        r.on_chain_block(&block(2, &[]));
        assert_eq!(r.held(), (1, 0));
        r.on_resolved(&included(&b, 1));
        assert_eq!(r.held(), (0, 0));
        let end = Ok(vec![AccountState { balance: U256::ZERO, nonce: 2 }]);
        let (v, _) = r.verdict(&[], &start, &end);
        assert_eq!(v.verdict, Verdict::Pass, "{v:?}");
        assert_eq!((v.found_on_chain, v.blocks_read), (2, 2));
    }

    #[test]
    fn failed_transactions_are_remembered_up_to_a_bound_and_one_forgotten_is_still_caught() {
        let txs: Vec<_> = (0..=MAX_FAILED_KEPT as u32).map(numbered).collect();
        let start = [AccountState::default()];
        let mut r = Reconciler::new(0, &start);
        r.on_sent(&txs);
        for t in &txs {
            r.on_resolved(&Resolved { tx: t.clone(), outcome: Outcome::Rejected });
        }
        assert_eq!(r.held(), (0, MAX_FAILED_KEPT));
        // The last one remembered, found on chain: named. The first, forgotten: foreign,
        // and its sender's nonce moved by two while none was counted included.
        r.on_chain_block(&block(1, &[&txs[MAX_FAILED_KEPT], &txs[0]]));
        let end = Ok(vec![AccountState { balance: U256::ZERO, nonce: 2 }]);
        let (v, _) = r.verdict(&[], &start, &end);
        assert_eq!(v.mismatches["on_chain_but_not_counted"].count, 1, "{v:?}");
        assert!(v.mismatches["on_chain_but_not_counted"].examples[0].contains(&txs[MAX_FAILED_KEPT].hash.to_string()));
        assert_eq!((v.foreign_txs, v.mismatches["sender_nonce"].count), (1, 1), "{v:?}");
        assert!(v.detail.contains("1 failed transactions forgotten"), "{}", v.detail);
    }
}
