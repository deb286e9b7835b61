//! The send path. Submissions queue here; one task packs them into JSON-RPC batches of
//! up to `batch_size` transactions. It takes a connection slot before it packs, so
//! batches grow by themselves while the node is busy; when it is not, a batch waits at
//! most `LINGER` to fill.
//! Refusals resync the sender's nonce from the node: a real gap stops its later sends.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
    time::Duration,
};

use alloy::primitives::{Address, U64};
use tokio::sync::{OwnedSemaphorePermit, mpsc, oneshot};

use super::{Shared, client::RpcError, inflight::Entry, reject::classify};
use crate::{
    lock,
    plan::PlannedTx,
    targets::{ChainEvent, RejectKind, Rejection},
};

type Results = Vec<Result<(), Rejection>>;

/// How long a batch that is not full waits for more: at low rates one request per
/// transaction would cost ~100 us of CPU each; 2 ms of submit latency is cheaper.
const LINGER: Duration = Duration::from_millis(2);

/// One `submit` call waiting for its results.
#[derive(Debug)]
pub struct Job {
    pub txs: Vec<Arc<PlannedTx>>,
    pub reply: oneshot::Sender<Results>,
}

/// Packs queued jobs into batches until the queue closes.
pub async fn run(shared: Arc<Shared>, mut queue: mpsc::UnboundedReceiver<Job>) {
    loop {
        let permit = shared.client.slot().await;
        let Some(first) = queue.recv().await else { return };
        let mut n = first.txs.len();
        let mut jobs = vec![first];
        let linger = tokio::time::sleep(LINGER);
        tokio::pin!(linger);
        while n < shared.spec.batch_size {
            let job = tokio::select! {
                j = queue.recv() => j,
                () = &mut linger => None,
            };
            let Some(j) = job else { break };
            n += j.txs.len();
            jobs.push(j);
        }
        tokio::spawn(send(shared.clone(), jobs, permit));
    }
}

async fn send(shared: Arc<Shared>, jobs: Vec<Job>, permit: OwnedSemaphorePermit) {
    let txs: Vec<Arc<PlannedTx>> = jobs.iter().flat_map(|j| j.txs.iter().cloned()).collect();
    // A gap found since they were queued: they could never be included.
    let gaps: Results = {
        let mut inflight = lock(&shared.inflight);
        txs.iter()
            .map(|t| {
                let r = inflight.check_gap(t);
                if r.is_err() {
                    inflight.resolve(&t.hash);
                }
                r
            })
            .collect()
    };
    let go: Vec<Arc<PlannedTx>> = txs.iter().zip(&gaps).filter(|(_, g)| g.is_ok()).map(|(t, _)| t.clone()).collect();
    let mut sent =
        if go.is_empty() { Vec::new().into_iter() } else { send_now(&shared, &go, permit).await.into_iter() };
    let mut results = gaps.into_iter().map(|g| g.and_then(|()| sent.next().expect("one result per transaction sent")));
    for job in jobs {
        let mine: Results = results.by_ref().take(job.txs.len()).collect();
        let _ = job.reply.send(mine);
    }
}

/// Sends `txs` (already registered in flight) and settles refusals.
async fn send_now(shared: &Arc<Shared>, txs: &[Arc<PlannedTx>], permit: OwnedSemaphorePermit) -> Results {
    let now = shared.now_ns();
    let down = |m: String| Rejection { kind: RejectKind::Transport, message: m };
    let results: Results = if shared.health.down_until_ns() > now {
        drop(permit);
        let why = shared.health.hung().unwrap_or_else(|| "the node is unreachable".into());
        vec![Err(down(format!("not sent: {why} (backing off before trying again)"))); txs.len()]
    } else {
        match shared.client.send_raw(txs, permit).await {
            Ok(answers) => {
                shared.health.ok(shared.now_ns());
                answers
                    .into_iter()
                    .map(|a| match a {
                        Ok(()) => Ok(()),
                        Err(e) => match classify(&e.message) {
                            // Sent before (a retried batch): the node holds it.
                            RejectKind::AlreadyKnown => Ok(()),
                            kind => Err(Rejection { kind, message: e.message }),
                        },
                    })
                    .collect()
            }
            // The batch may have reached the node: its transactions stay in flight, so that
            // inclusion or the drop timeout settles each one exactly.
            Err(e) if e.maybe_delivered() => {
                shared.health.error("send", &e, shared.now_ns());
                if matches!(e, RpcError::Timeout { .. }) {
                    shared.health.timed_out(now, shared.now_ns());
                }
                vec![Ok(()); txs.len()]
            }
            Err(e) => {
                shared.health.error("send", &e, shared.now_ns());
                let kind = if e.is_transport() { RejectKind::Transport } else { RejectKind::Other };
                vec![Err(Rejection { kind, message: e.to_string() }); txs.len()]
            }
        }
    };
    settle(shared, txs, &results).await;
    results
}

/// Takes refused transactions out of flight and resyncs their senders: when the node
/// lacks the refused nonce, the sender's later transactions can never be included.
async fn settle(shared: &Arc<Shared>, txs: &[Arc<PlannedTx>], results: &Results) {
    let mut lowest: BTreeMap<Address, (u64, RejectKind)> = BTreeMap::new();
    let mut behind = Vec::new();
    {
        let now = shared.now_ns();
        let mut inflight = lock(&shared.inflight);
        for (tx, r) in txs.iter().zip(results) {
            if r.is_ok() {
                inflight.accepted(&tx.hash, now);
                // Sent before its sender's gap was found: it cannot be included.
                if let Some((_, why)) = inflight.gap_before(tx) {
                    behind.extend(inflight.resolve(&tx.hash).map(|e| (e, why)));
                }
            } else if let Err(rej) = r {
                inflight.resolve(&tx.hash);
                let e = lowest.entry(tx.from).or_insert((tx.nonce, rej.kind));
                if tx.nonce < e.0 {
                    *e = (tx.nonce, rej.kind);
                }
            }
        }
    }
    for why in ["refused", "dropped"] {
        let these: Vec<Entry> = behind.iter().filter(|(_, w)| *w == why).map(|(e, _)| *e).collect();
        shared.dropped_behind(&these, why);
    }
    if lowest.is_empty() {
        return;
    }
    // Unreachable node: its nonces cannot be read; the refused nonce is a gap.
    let senders: Vec<Address> =
        lowest.iter().filter(|(_, (_, k))| *k != RejectKind::Transport).map(|(a, _)| *a).collect();
    let pending = shared.node_nonces(&senders, "pending").await;
    for (from, (nonce, _)) in lowest {
        if pending.get(&from).is_some_and(|&p| p > nonce) {
            continue; // the nonce is taken on the node: later ones are still good
        }
        shared.gap(from, nonce, "refused");
    }
}

impl Shared {
    /// The node's nonces of `senders` at `tag` (`latest`, `pending`); those it cannot
    /// tell are missing (the error is counted).
    pub(super) async fn node_nonces(&self, senders: &[Address], tag: &str) -> HashMap<Address, u64> {
        let params = senders.iter().map(|a| serde_json::json!([a, tag]));
        match self.tracker.batch::<U64>("eth_getTransactionCount", params).await {
            Ok(list) => senders.iter().zip(list).filter_map(|(a, n)| Some((*a, n.ok()?.to::<u64>()))).collect(),
            Err(e) => {
                self.health.error("resync", &e, self.now_ns());
                HashMap::new()
            }
        }
    }

    /// Marks `from`'s `nonce` missing and drops its later transactions in flight.
    pub(super) fn gap(&self, from: Address, nonce: u64, why: &'static str) {
        let behind = lock(&self.inflight).mark_gap(from, nonce, why);
        self.dropped_behind(&behind, why);
    }

    /// Counts `behind` as dropped: an earlier nonce of their sender never reached the chain.
    pub(super) fn dropped_behind(&self, behind: &[Entry], why: &str) {
        if behind.is_empty() {
            return;
        }
        self.health.count("dropped_behind_gap", behind.len() as u64);
        if let Some(sink) = self.sink.get() {
            for e in behind {
                sink.emit(ChainEvent::Dropped {
                    id: e.id,
                    reason: format!("behind a {why} nonce: an earlier nonce of its sender never reached the chain"),
                });
            }
        }
    }
}
