//! The streamed signer: the load is generated and signed a bounded distance ahead of
//! its schedule on threads of its own (never the async workers that keep the send
//! timers), so a run of hours holds seconds of signed transactions, not hours. The send
//! loop takes from it in order; when a transaction it needs is not signed yet it waits,
//! and that wait is counted (`SigningStats::streamed`), never hidden.

use std::{
    collections::{BTreeMap, VecDeque},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    thread::JoinHandle,
    time::{Duration, Instant},
};

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::{PlannedTx, Planner, planner::sign};
use crate::clock::Clock;

/// Transactions generated and signed as one piece of work.
const CHUNK: usize = 256;
/// The buffer holds about this long of the schedule at its peak rate...
const AHEAD_SECONDS: f64 = 1.0;
/// ...but never fewer nor more transactions than these.
const MIN_AHEAD_TXS: usize = 4 * CHUNK;
const MAX_AHEAD_TXS: usize = 64 * 1024;

/// How far ahead the streamed signer ran, for the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamStats {
    /// Signed transactions the buffer holds at most (besides the ones being signed).
    pub buffer_txs: u64,
    /// The least time between a transaction being signed and its intended send time,
    /// over the load (ms; negative when the signer was behind).
    pub min_lead_ms: f64,
    /// The most time between a transaction being signed and its intended send time (ms):
    /// about `AHEAD_SECONDS` when the buffer bounds the signer.
    #[serde(default)]
    pub max_lead_ms: f64,
    /// Transactions whose signature was ready only after their intended send time: sends
    /// made late by the signer, not by the target or the loop.
    pub late_for_signer: u64,
    /// The most a transaction's signature came after its intended send time (ms).
    pub max_behind_ms: f64,
    /// Times the send loop found the buffer empty and waited for the signer.
    pub waits: u64,
}

/// A chunk of signed transactions, numbered in plan order, with when it was done.
struct Chunk {
    seq: u64,
    txs: Vec<Arc<PlannedTx>>,
    signed_at: Instant,
    signing: Duration,
}

/// What the signer threads share: the planner (generation is sequential, signing is not).
struct Producer {
    planner: Planner,
    times: Box<dyn Iterator<Item = u64> + Send>,
    seq: u64,
}

/// How the stream is set up.
#[derive(Debug, Clone, Copy)]
pub struct StreamConfig {
    pub threads: usize,
    /// Peak rate of the schedule (tx/s), to size the buffer; `None` for a closed load.
    pub peak_tps: Option<f64>,
    /// Test-only: extra time spent on each signature, to make the signer fall behind.
    pub delay_per_tx: Duration,
}

/// See the module docs. Dropping it stops the signer threads.
pub struct SignedStream {
    rx: mpsc::Receiver<Chunk>,
    reorder: BTreeMap<u64, Chunk>,
    next_seq: u64,
    current: VecDeque<Arc<PlannedTx>>,
    current_signed_at: Option<Instant>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    signed: u64,
    signing: Duration,
    stats: StreamStats,
    min_lead_ns: Option<i128>,
    max_lead_ns: i128,
    max_behind_ns: i128,
    clock: Option<Clock>,
    thread_count: usize,
}

impl core::fmt::Debug for SignedStream {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SignedStream").field("signed", &self.signed).field("buffered", &self.current.len()).finish()
    }
}

impl SignedStream {
    /// Starts signing what `planner` generates for each of `times` (intended send times;
    /// zeros in a closed load), in order.
    pub fn start(planner: Planner, times: Box<dyn Iterator<Item = u64> + Send>, cfg: StreamConfig) -> Self {
        let ahead =
            cfg.peak_tps.map_or(MIN_AHEAD_TXS, |r| (r * AHEAD_SECONDS) as usize).clamp(MIN_AHEAD_TXS, MAX_AHEAD_TXS);
        let threads = cfg.threads.max(1);
        let (tx, rx) = mpsc::channel(ahead.div_ceil(CHUNK));
        let keys = planner.keys().clone();
        let producer = Arc::new(Mutex::new(Producer { planner, times, seq: 0 }));
        let stop = Arc::new(AtomicBool::new(false));
        let handles = (0..threads)
            .map(|i| {
                let (producer, tx, stop, keys) = (producer.clone(), tx.clone(), stop.clone(), keys.clone());
                std::thread::Builder::new()
                    .name(format!("gasbench-signer-{i}"))
                    .spawn(move || {
                        while !stop.load(Ordering::Relaxed) {
                            let (seq, mut txs) = {
                                let mut p = crate::lock(&producer);
                                let Producer { planner, times, seq } = &mut *p;
                                let txs: Vec<PlannedTx> =
                                    times.by_ref().take(CHUNK).map(|t| planner.next_unsigned(t)).collect();
                                *seq += 1;
                                (*seq - 1, txs)
                            };
                            if txs.is_empty() {
                                return;
                            }
                            let started = Instant::now();
                            for t in &mut txs {
                                if stop.load(Ordering::Relaxed) {
                                    return;
                                }
                                sign(&keys, t);
                                if !cfg.delay_per_tx.is_zero() {
                                    std::thread::sleep(cfg.delay_per_tx);
                                }
                            }
                            let chunk = Chunk {
                                seq,
                                txs: txs.into_iter().map(Arc::new).collect(),
                                signed_at: Instant::now(),
                                signing: started.elapsed(),
                            };
                            if tx.blocking_send(chunk).is_err() {
                                return;
                            }
                        }
                    })
                    .expect("a signer thread starts")
            })
            .collect();
        Self {
            rx,
            reorder: BTreeMap::new(),
            next_seq: 0,
            current: VecDeque::new(),
            current_signed_at: None,
            stop,
            threads: handles,
            signed: 0,
            signing: Duration::ZERO,
            stats: StreamStats { buffer_txs: ahead as u64, ..Default::default() },
            min_lead_ns: None,
            max_lead_ns: 0,
            max_behind_ns: 0,
            clock: None,
            thread_count: threads,
        }
    }

    /// Waits until the buffer is full (or the plan is all signed), so that the load
    /// starts with a full lead; gives up after `limit`.
    pub async fn prefill(&mut self, limit: Duration) {
        let until = tokio::time::Instant::now() + limit;
        while self.rx.len() < self.rx.max_capacity() && !self.rx.is_closed() {
            if self.threads.iter().all(JoinHandle::is_finished) || tokio::time::Instant::now() >= until {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// The load's clock: leads are measured against intended times on it.
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = Some(clock);
    }

    /// The next transaction's intended time, waiting for the signer when none is ready;
    /// `None` when the plan is exhausted.
    pub async fn head(&mut self) -> Option<u64> {
        if self.current.is_empty() {
            self.refill().await;
        }
        self.current.front().map(|t| t.intended_ns)
    }

    /// Takes the next transaction (call `head` first) and those after it that are ready
    /// now and due by `due_by_ns`, at most `max`.
    pub fn take(&mut self, max: usize, due_by_ns: u64) -> Vec<Arc<PlannedTx>> {
        let mut out = Vec::new();
        while out.len() < max {
            if self.current.is_empty() && !self.ready_chunk() {
                break;
            }
            match self.current.front() {
                Some(t) if out.is_empty() || t.intended_ns <= due_by_ns => {
                    out.extend(self.current.pop_front());
                }
                _ => break,
            }
        }
        out
    }

    /// The next `n` transactions, waiting for the signer as needed (fewer at the end of
    /// the plan): the closed model's way to take them.
    pub async fn take_exact(&mut self, n: usize) -> Vec<Arc<PlannedTx>> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            if self.head().await.is_none() {
                break;
            }
            out.extend(self.take(n - out.len(), u64::MAX));
        }
        out
    }

    /// Moves the next chunk in order to `current` if it has arrived, without waiting.
    fn ready_chunk(&mut self) -> bool {
        // Only until the next chunk in order is here: a chunk taken off the channel before
        // it is needed gives its room back to the signers, and draining the channel on
        // every take let them sign the whole run ahead (the buffer bounded nothing).
        while !self.reorder.contains_key(&self.next_seq) {
            match self.rx.try_recv() {
                Ok(c) => {
                    self.reorder.insert(c.seq, c);
                }
                Err(_) => break,
            }
        }
        self.promote()
    }

    fn promote(&mut self) -> bool {
        let Some(chunk) = self.reorder.remove(&self.next_seq) else { return false };
        self.next_seq += 1;
        self.signed += chunk.txs.len() as u64;
        self.signing += chunk.signing;
        self.note_leads(&chunk);
        self.current_signed_at = Some(chunk.signed_at);
        self.current.extend(chunk.txs);
        true
    }

    async fn refill(&mut self) {
        if self.ready_chunk() {
            return;
        }
        while let Some(c) = self.rx.recv().await {
            self.reorder.insert(c.seq, c);
            if self.promote() {
                self.stats.waits += 1;
                return;
            }
        }
    }

    /// Leads of a chunk's transactions against their intended times on the load's clock.
    fn note_leads(&mut self, chunk: &Chunk) {
        let Some(clock) = self.clock else { return };
        let origin = clock.instant_at(0);
        let signed_ns = if chunk.signed_at >= origin {
            (chunk.signed_at - origin).as_nanos() as i128
        } else {
            -((origin - chunk.signed_at).as_nanos() as i128)
        };
        for t in &chunk.txs {
            let lead = i128::from(t.intended_ns) - signed_ns;
            self.min_lead_ns = Some(self.min_lead_ns.map_or(lead, |m| m.min(lead)));
            self.max_lead_ns = self.max_lead_ns.max(lead);
            if lead < 0 {
                self.stats.late_for_signer += 1;
                self.max_behind_ns = self.max_behind_ns.max(-lead);
            }
        }
    }

    /// Transactions signed and handed out so far, the signing time summed over threads,
    /// and the threads.
    pub fn signed(&self) -> (u64, Duration, usize) {
        (self.signed, self.signing, self.thread_count)
    }

    /// How far ahead the signer ran.
    pub fn stats(&self) -> StreamStats {
        StreamStats {
            min_lead_ms: self.min_lead_ns.unwrap_or(0) as f64 / 1e6,
            max_lead_ms: self.max_lead_ns as f64 / 1e6,
            max_behind_ms: self.max_behind_ns as f64 / 1e6,
            ..self.stats.clone()
        }
    }

    /// Signed transactions not handed out (still buffered): their hashes were made but
    /// they were never sent.
    pub fn buffered(&mut self) -> Vec<Arc<PlannedTx>> {
        while let Ok(c) = self.rx.try_recv() {
            self.reorder.insert(c.seq, c);
        }
        let mut out: Vec<_> = self.current.drain(..).collect();
        out.extend(core::mem::take(&mut self.reorder).into_values().flat_map(|c| c.txs));
        out
    }
}

impl Drop for SignedStream {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.rx.close();
        // Unblock senders waiting for room, then wait for each thread's chunk to end.
        while self.rx.try_recv().is_ok() {}
        for h in self.threads.drain(..) {
            let _ = h.join();
        }
    }
}
