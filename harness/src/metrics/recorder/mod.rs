//! The recorder. Fed by the load loop (sends, acks) and by the target's chain events;
//! joins them on `TxId`; never loses a transaction: each sent one ends as rejected,
//! included (succeeded or reverted) or dropped. It keeps a transaction only while it is
//! in flight: once resolved, it lives on in counters, histograms and the series, and is
//! handed out once (`take_resolved`) to whoever checks it against the chain. Failed ones
//! in the window are remembered (intended time, workload) for the latency failures.

use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    sync::Arc,
};

use tokio::sync::Semaphore;

use super::hist::{Hist, new_hist, record, record_n};
use super::live::{FeeParts, LastBlock, LiveFigures, WorkloadLive};
use super::measured::Measured;
use super::stage::Stage;
use crate::{
    plan::{PlannedTx, TxId},
    report::{BlockSeen, KindCount, LatencyFailures, SecondSample, Wei},
    targets::{BlockEvent, ChainEvent, Rejection},
};

/// What the recorder must know before the run.
#[derive(Debug, Clone)]
pub struct RecorderConfig {
    pub workloads: Vec<&'static str>,
    /// The measured window, on the run clock: figures cover transactions whose intended
    /// send time falls in it, and blocks seen in it.
    pub window_start_ns: u64,
    pub window_end_ns: u64,
    pub late_threshold_ns: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Sent,
    Accepted,
}

/// Included transactions whose later stages (safe, finalized) are still measured: a
/// stage reported for an older one counts as an anomaly (about 20 MB at most).
const AFTER_INCLUSION_KEPT: usize = 262_144;

/// A transaction in flight.
#[derive(Debug, Clone)]
struct Slot {
    state: State,
    workload: u16,
    intended_ns: u64,
    tx: Arc<PlannedTx>,
}

/// Window transactions that failed (rejected or dropped), for `finish`: per workload and
/// whether the submission failed (rejected, or never acknowledged before it was dropped),
/// a histogram of how long before the window's end each was meant to be sent. `finish`
/// adds the time from the window's end to its own, so each is counted at its timeout
/// within the histogram's precision, holding nothing per transaction.
type FailedBefore = BTreeMap<(u16, bool), Hist>;

/// How a transaction ended, handed out once by [`Recorder::take_resolved`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Included(Included),
    Rejected,
    /// Dropped; `at_end`: still pending when the drain ended.
    Dropped {
        at_end: bool,
    },
}

/// A transaction that left the in-flight set.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub tx: Arc<PlannedTx>,
    pub outcome: Outcome,
}

/// Live figures, cheap to take while a run goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Snapshot {
    pub sent: u64,
    pub accepted: u64,
    pub included: u64,
    pub failed: u64,
    pub pending: u64,
    pub blocks: u64,
    /// Inclusion p99 so far over the measured window (0 before it).
    pub inclusion_p99_us: u64,
}

/// What the target reported about an included transaction, for the effects check and
/// the reconciliation (which hold it against the chain and the plan).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Included {
    pub success: bool,
    /// `gas_used * effective_gas_price_wei + l1_fee_wei`.
    pub fee_wei: u128,
    pub gas_used: u64,
    pub effective_gas_price_wei: u128,
    pub l1_fee_wei: u128,
    /// The number of the block the target said included it.
    pub block: u64,
    /// Its place among all inclusions the recorder saw (block order within a block).
    pub order: u64,
}

/// See the module docs.
#[derive(Debug)]
pub struct Recorder {
    cfg: RecorderConfig,
    /// Transactions in flight, by id.
    slots: HashMap<TxId, Slot>,
    /// Ids handed to the target so far: none is sent twice (ids are the plan's order).
    sent_ids: SentIds,
    /// Resolved since the last `take_resolved`.
    resolved_out: Vec<Resolved>,
    /// Window transactions that failed, for `finish`.
    failed: FailedBefore,
    /// Ids reported included while not in flight (twice, or after failing).
    reported_unexpected: Vec<TxId>,
    /// Included before their ack arrived: (workload, intended time) until it does.
    awaiting_ack: HashMap<TxId, (u16, u64)>,
    /// The last included transactions' (workload, intended time), for the later stages
    /// a target reports after inclusion (safe, finalized); oldest first in `after_order`.
    after_inclusion: HashMap<TxId, (u16, u64)>,
    after_order: VecDeque<TxId>,
    /// Everything measured so far (the report is assembled from it).
    m: Measured,
    /// Inclusions seen so far (each one's place among them, for the checks' order).
    inclusions: u64,
    last_block_ns: Option<u64>,
    second_hist: Hist,
    second_of_hist: u64,
    completions: Option<Arc<Semaphore>>,
    /// When each permit added to `completions` freed up, oldest first (run clock).
    freed_ns: VecDeque<u64>,
}

fn bump(map: &mut BTreeMap<String, KindCount>, key: &str, example: &str) {
    let e = map.entry(key.to_string()).or_insert_with(|| KindCount { count: 0, example: example.to_string() });
    e.count += 1;
}

impl Recorder {
    pub fn new(cfg: RecorderConfig, capacity: usize) -> Self {
        let m = Measured::new(cfg.workloads.clone(), cfg.late_threshold_ns);
        let _ = capacity;
        Self {
            cfg,
            slots: HashMap::new(),
            sent_ids: SentIds::default(),
            resolved_out: Vec::new(),
            failed: BTreeMap::new(),
            reported_unexpected: Vec::new(),
            awaiting_ack: HashMap::new(),
            after_inclusion: HashMap::new(),
            after_order: VecDeque::new(),
            m,
            inclusions: 0,
            last_block_ns: None,
            second_hist: new_hist(),
            second_of_hist: 0,
            completions: None,
            freed_ns: VecDeque::new(),
        }
    }

    /// Each resolved transaction (included, rejected, dropped) adds a permit and notes
    /// when: the closed model's way to keep N in flight, and to date each send from the
    /// moment its slot freed (see [`Self::take_freed`]).
    pub fn notify_completions(&mut self, sem: Arc<Semaphore>) {
        self.completions = Some(sem);
    }

    /// When the oldest `n` permits added so far freed up (run clock), oldest first;
    /// fewer when fewer are noted.
    pub fn take_freed(&mut self, n: usize) -> Vec<u64> {
        let n = n.min(self.freed_ns.len());
        self.freed_ns.drain(..n).collect()
    }

    fn in_window(&self, ns: u64) -> bool {
        (self.cfg.window_start_ns..self.cfg.window_end_ns).contains(&ns)
    }

    fn second(&mut self, ns: u64) -> &mut SecondSample {
        self.m.series.at(ns)
    }

    fn resolved(&mut self, n: usize, at_ns: u64) {
        self.m.pending = self.m.pending.saturating_sub(n as u64);
        if let Some(sem) = &self.completions {
            self.freed_ns.extend(core::iter::repeat_n(at_ns, n));
            sem.add_permits(n);
        }
    }

    /// Transactions handed to the target at `sent_ns`; `intended_ns`, one per
    /// transaction, overrides their own intended times (the closed model's intended time
    /// is when its slot freed up).
    pub fn on_sent(&mut self, txs: &[Arc<PlannedTx>], intended_ns: Option<&[u64]>, sent_ns: u64) {
        for (i, tx) in txs.iter().enumerate() {
            let intended = intended_ns.and_then(|v| v.get(i).copied()).unwrap_or(tx.intended_ns);
            if !self.sent_ids.insert(tx.id) {
                self.m.anomalies += 1;
                continue;
            }
            self.slots.insert(
                tx.id,
                Slot { state: State::Sent, workload: tx.workload, intended_ns: intended, tx: tx.clone() },
            );
            self.m.per[tx.workload as usize].counts.sent += 1;
            self.m.total.counts.sent += 1;
            self.m.pending += 1;
            let lag = sent_ns.saturating_sub(intended);
            if self.in_window(intended) {
                record(&mut self.m.send_lag, lag / 1_000);
                if lag > self.cfg.late_threshold_ns {
                    self.m.late_sends += 1;
                }
            }
            if self.in_window(sent_ns) {
                self.m.sent_in_window += 1;
            }
            if self.in_window(intended) {
                self.m.per[tx.workload as usize].failures.sent += 1;
                self.m.total.failures.sent += 1;
            }
        }
        self.second(sent_ns).sent += txs.len() as u64;
    }

    /// The target's answers for a batch sent earlier, received at `ack_ns`.
    pub fn on_acks(&mut self, txs: &[Arc<PlannedTx>], results: &[Result<(), Rejection>], ack_ns: u64) {
        let mut resolved = 0;
        for (tx, result) in txs.iter().zip(results) {
            let Some(slot) = self.slots.get_mut(&tx.id) else {
                // Included before its ack arrived (counted then): its submit latency now.
                match (self.awaiting_ack.remove(&tx.id), result) {
                    (Some((w, intended)), Ok(())) if self.in_window(intended) => {
                        let us = ack_ns.saturating_sub(intended) / 1_000;
                        self.m.per[w as usize].latency.record(&Stage::SUBMIT, us);
                        self.m.total.latency.record(&Stage::SUBMIT, us);
                    }
                    (Some(_), Ok(())) => {}
                    _ => self.m.anomalies += 1,
                }
                continue;
            };
            let (w, intended, state) = (slot.workload as usize, slot.intended_ns, slot.state);
            let in_window = (self.cfg.window_start_ns..self.cfg.window_end_ns).contains(&intended);
            match result {
                Ok(()) => {
                    // A block may have included it before the ack arrived: counted then.
                    if state == State::Sent {
                        slot.state = State::Accepted;
                        self.m.per[w].counts.accepted += 1;
                        self.m.total.counts.accepted += 1;
                    }
                    if in_window {
                        let us = ack_ns.saturating_sub(intended) / 1_000;
                        self.m.per[w].latency.record(&Stage::SUBMIT, us);
                        self.m.total.latency.record(&Stage::SUBMIT, us);
                    }
                }
                Err(rej) => {
                    if state != State::Sent {
                        self.m.anomalies += 1;
                        continue;
                    }
                    let slot = self.slots.remove(&tx.id).expect("looked up above");
                    self.fail(&slot, true, Outcome::Rejected);
                    self.m.per[w].counts.rejected += 1;
                    self.m.total.counts.rejected += 1;
                    bump(&mut self.m.rejected, rej.kind.as_str(), &rej.message);
                    self.second(ack_ns).failed += 1;
                    resolved += 1;
                }
            }
        }
        self.resolved(resolved, ack_ns);
    }

    /// A chain event from the target.
    pub fn on_event(&mut self, event: &ChainEvent, now_ns: u64) {
        match event {
            ChainEvent::Block(b) => self.on_block(b),
            ChainEvent::Reached { stage, ids, observed_ns } => self.on_reached(stage, ids, *observed_ns),
            ChainEvent::Dropped { id, reason } => {
                let Some(slot) = self.slots.remove(id) else {
                    self.m.anomalies += 1;
                    return;
                };
                let w = slot.workload as usize;
                self.fail(&slot, slot.state == State::Sent, Outcome::Dropped { at_end: false });
                self.m.per[w].counts.dropped += 1;
                self.m.total.counts.dropped += 1;
                let key = reason.split(':').next().unwrap_or(reason).trim().replace(' ', "_");
                bump(&mut self.m.dropped, &key, reason);
                self.second(now_ns).failed += 1;
                self.resolved(1, now_ns);
            }
        }
    }

    fn on_block(&mut self, b: &BlockEvent) {
        let at = b.observed_ns;
        self.m.blocks_seen += 1;
        let second = at / 1_000_000_000;
        if second != self.second_of_hist {
            self.flush_second_p99();
            self.second_of_hist = second;
        }
        let in_window = self.in_window(at);
        if let Some(prev) = self.last_block_ns.replace(at)
            && in_window
        {
            let d = at.saturating_sub(prev);
            self.m.interval_sum_ns += d;
            self.m.intervals += 1;
            self.m.interval_max_ns = self.m.interval_max_ns.max(d);
        }
        if in_window {
            self.m.window_blocks += 1;
            self.m.window_gas += b.gas_used;
            self.m.window_txs += b.txs.len() as u64 + b.foreign_txs;
            self.m.window_fill_sum += if b.gas_limit == 0 { 0.0 } else { b.gas_used as f64 / b.gas_limit as f64 };
            self.m.base_fee_min = Some(self.m.base_fee_min.map_or(b.base_fee_wei, |m| m.min(b.base_fee_wei)));
            self.m.base_fee_max = self.m.base_fee_max.max(b.base_fee_wei);
        }
        self.m.blocks.push(BlockSeen {
            number: b.number,
            hash: b.hash,
            seen_ms: at / 1_000_000,
            in_window,
            gas_used: b.gas_used,
            gas_limit: b.gas_limit,
            txs: b.txs.len() as u64 + b.foreign_txs,
            base_fee_wei: Wei(b.base_fee_wei),
        });
        self.m.base_fee_last = b.base_fee_wei;
        self.m.gas_seen += u128::from(b.gas_used);
        self.m.last_block_gas = Some((b.gas_used, b.gas_limit));
        let mut resolved = 0;
        let mut included_now = 0;
        for t in &b.txs {
            let Some(slot) = self.slots.remove(&t.id) else {
                // Included twice, or after being counted as rejected or dropped.
                self.m.anomalies += 1;
                self.reported_unexpected.push(t.id);
                continue;
            };
            if slot.state == State::Sent {
                self.awaiting_ack.insert(t.id, (slot.workload, slot.intended_ns));
                // The block arrived before the ack: it was accepted.
                self.m.per[slot.workload as usize].counts.accepted += 1;
                self.m.total.counts.accepted += 1;
            }
            let included = Included {
                success: t.success,
                fee_wei: u128::from(t.gas_used) * t.effective_gas_price_wei + t.l1_fee_wei.unwrap_or(0),
                gas_used: t.gas_used,
                effective_gas_price_wei: t.effective_gas_price_wei,
                l1_fee_wei: t.l1_fee_wei.unwrap_or(0),
                block: b.number,
                order: self.inclusions,
            };
            self.inclusions += 1;
            self.after_inclusion.insert(t.id, (slot.workload, slot.intended_ns));
            self.after_order.push_back(t.id);
            if self.after_order.len() > AFTER_INCLUSION_KEPT {
                let old = self.after_order.pop_front().expect("not empty");
                self.after_inclusion.remove(&old);
            }
            self.resolved_out.push(Resolved { tx: slot.tx.clone(), outcome: Outcome::Included(included) });
            let (w, intended) = (slot.workload as usize, slot.intended_ns);
            let reason = (!t.success).then(|| match &t.revert_data {
                Some(data) => workloads::revert::decode(data),
                None => "no revert data (halted, e.g. out of gas, or the target cannot tell)".to_string(),
            });
            for f in [&mut self.m.per[w], &mut self.m.total] {
                f.counts.included += 1;
                match &reason {
                    None => f.counts.succeeded += 1,
                    Some(r) => {
                        f.counts.reverted += 1;
                        bump(&mut f.reverts, r.split('(').next().unwrap_or(r), r);
                    }
                }
            }
            resolved += 1;
            included_now += 1;
            if in_window {
                self.m.window_included += 1;
            }
            if (self.cfg.window_start_ns..self.cfg.window_end_ns).contains(&intended) {
                let us = at.saturating_sub(intended) / 1_000;
                let gas = u128::from(t.gas_used);
                let fee = gas * t.effective_gas_price_wei;
                let base = gas * b.base_fee_wei.min(t.effective_gas_price_wei);
                let l1 = t.l1_fee_wei.unwrap_or(0);
                for f in [&mut self.m.per[w], &mut self.m.total] {
                    f.latency.record(&Stage::INCLUSION, us);
                    record(&mut f.gas, t.gas_used);
                    f.fees.total += fee + l1;
                    f.fees.base += base;
                    f.fees.priority += fee - base;
                    f.fees.l1 += l1;
                    f.fees.price_sum += t.effective_gas_price_wei;
                    f.fees.count += 1;
                    f.fees.gas += gas;
                }
                record(&mut self.second_hist, us);
            }
        }
        let s = self.second(at);
        s.included += included_now;
        s.gas_used += b.gas_used;
        s.blocks += 1;
        s.base_fee_wei = Wei(b.base_fee_wei);
        self.resolved(resolved, at);
    }

    /// Included transactions reached `stage` at `at` (run clock).
    fn on_reached(&mut self, stage: &Stage, ids: &[TxId], at: u64) {
        for &id in ids {
            let Some(&(w, intended)) = self.after_inclusion.get(&id) else {
                // A later stage before inclusion, for a transaction never included, or
                // one included more than `AFTER_INCLUSION_KEPT` inclusions ago.
                self.m.anomalies += 1;
                continue;
            };
            let w = w as usize;
            if self.in_window(intended) {
                let us = at.saturating_sub(intended) / 1_000;
                self.m.per[w].latency.record(stage, us);
                self.m.total.latency.record(stage, us);
            }
        }
    }

    fn flush_second_p99(&mut self) {
        if !self.second_hist.is_empty() {
            let p99 = self.second_hist.value_at_quantile(0.99);
            self.m.series.note_p99(self.second_of_hist, p99);
            self.second_hist.reset();
        }
    }

    /// What was measured so far (the report's sections are assembled from it).
    pub fn measured(&self) -> &Measured {
        &self.m
    }

    /// Transactions sent and not yet resolved.
    pub fn pending(&self) -> u64 {
        self.m.pending
    }

    /// Live figures.
    pub fn snapshot(&self) -> Snapshot {
        let c = &self.m.total.counts;
        Snapshot {
            sent: c.sent,
            accepted: c.accepted,
            included: c.included,
            failed: c.rejected + c.dropped + c.reverted,
            pending: self.m.pending,
            blocks: self.m.blocks_seen,
            inclusion_p99_us: match self.m.total.latency.get(&Stage::INCLUSION) {
                Some(h) if !h.is_empty() => h.value_at_quantile(0.99),
                _ => 0,
            },
        }
    }

    /// Ends the run at `now_ns` (the end of the drain): whatever is still pending is
    /// counted as dropped ("not included after the drain"), and the latencies over all
    /// sent transactions are completed. A window transaction that was never included
    /// (rejected, dropped, or still pending now) counts in `inclusion_all_sent` at its
    /// timeout: `now_ns` minus its intended send time, the longest it was given to be
    /// included in this run, and a lower bound on what its inclusion latency would be
    /// (as wrk2 and k6 count a failed request at its timeout).
    pub fn finish(&mut self, now_ns: u64) {
        self.flush_second_p99();
        for f in self.m.per.iter_mut().chain([&mut self.m.total]) {
            let included = f.latency.entry(&Stage::INCLUSION).clone();
            *f.latency.entry(&Stage::INCLUSION_ALL_SENT) = included;
            let sent = f.failures.sent;
            f.failures = LatencyFailures { sent, ..LatencyFailures::default() };
        }
        // Still pending now: dropped at the end.
        let mut pending: Vec<Slot> = self.slots.drain().map(|(_, s)| s).collect();
        pending.sort_unstable_by_key(|s| s.tx.id);
        for slot in &pending {
            let w = slot.workload as usize;
            for f in [&mut self.m.per[w], &mut self.m.total] {
                f.counts.dropped += 1;
                f.counts.pending_at_end += 1;
            }
            bump(
                &mut self.m.dropped,
                "not_included_after_drain",
                "accepted, still not in a block when the drain ended",
            );
            if self.in_window(slot.intended_ns) {
                let timeout_us = now_ns.saturating_sub(slot.intended_ns) / 1_000;
                for f in [&mut self.m.per[w], &mut self.m.total] {
                    if slot.state == State::Sent {
                        f.failures.stages.entry(Stage::SUBMIT).or_default().count += 1;
                    }
                    f.failures.stages.entry(Stage::INCLUSION).or_default().count += 1;
                    f.failures.pending_at_end += 1;
                    f.latency.record(&Stage::INCLUSION_ALL_SENT, timeout_us);
                }
            }
            self.resolved_out.push(Resolved { tx: slot.tx.clone(), outcome: Outcome::Dropped { at_end: true } });
        }
        let after_window_us = now_ns.saturating_sub(self.cfg.window_end_ns) / 1_000;
        for ((workload, submit_failed), before) in core::mem::take(&mut self.failed) {
            let n = before.len();
            for f in [&mut self.m.per[workload as usize], &mut self.m.total] {
                if submit_failed {
                    f.failures.stages.entry(Stage::SUBMIT).or_default().count += n;
                }
                f.failures.stages.entry(Stage::INCLUSION).or_default().count += n;
                let h = f.latency.entry(&Stage::INCLUSION_ALL_SENT);
                for v in before.iter_recorded() {
                    let timeout_us = after_window_us + before.median_equivalent(v.value_iterated_to());
                    record_n(h, timeout_us, v.count_at_value());
                }
            }
        }
        for f in self.m.per.iter_mut().chain([&mut self.m.total]) {
            let sent = f.failures.sent;
            for stage in [Stage::SUBMIT, Stage::INCLUSION] {
                let share = f.failures.stages.entry(stage).or_default();
                share.share_of_sent = if sent == 0 { 0.0 } else { share.count as f64 / sent as f64 };
            }
        }
        self.second(now_ns).failed += pending.len() as u64;
        self.m.pending = 0;
        self.awaiting_ack.clear();
    }

    /// A transaction that left the in-flight set failing: remembered for `finish` when
    /// in the window, and handed out.
    fn fail(&mut self, slot: &Slot, submit_failed: bool, outcome: Outcome) {
        if self.in_window(slot.intended_ns) {
            let before_end_us = self.cfg.window_end_ns.saturating_sub(slot.intended_ns) / 1_000;
            record(self.failed.entry((slot.workload, submit_failed)).or_insert_with(new_hist), before_end_us);
        }
        self.resolved_out.push(Resolved { tx: slot.tx.clone(), outcome });
    }

    /// What was resolved since the last call, in the order it happened (inclusions in
    /// block order): each transaction is handed out once.
    pub fn take_resolved(&mut self) -> Vec<Resolved> {
        core::mem::take(&mut self.resolved_out)
    }

    /// Ids the target reported included while they were not in flight (included twice,
    /// or after being counted rejected or dropped).
    pub fn reported_unexpected(&self) -> &[TxId] {
        &self.reported_unexpected
    }
}

/// The ids sent so far, as ranges (ids are sent in plan order, so this stays small).
#[derive(Debug, Default)]
struct SentIds {
    /// Half-open ranges, by start.
    ranges: BTreeMap<TxId, TxId>,
}

impl SentIds {
    /// Adds `id`; false when it was in already.
    fn insert(&mut self, id: TxId) -> bool {
        if self.contains(id) {
            return false;
        }
        let end = id + 1;
        // Join the range ending at `id` and the one starting at `id + 1`.
        let mut start = id;
        if let Some((&s, &e)) = self.ranges.range(..=id).next_back()
            && e == id
        {
            start = s;
        }
        let mut stop = end;
        if let Some(e) = self.ranges.remove(&end) {
            stop = e;
        }
        self.ranges.insert(start, stop);
        true
    }

    fn contains(&self, id: TxId) -> bool {
        self.ranges.range(..=id).next_back().is_some_and(|(_, &e)| id < e)
    }
}

mod read;
#[cfg(test)]
mod tests;
