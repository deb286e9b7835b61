//! The RPC target: any node behind JSON-RPC over HTTP (anvil first). It funds the plan's
//! accounts from a funder, sends pre-signed transactions in `eth_sendRawTransaction`
//! batches over a bounded connection pool, follows inclusion by polling blocks and
//! receipts, counts drops, guards nonces, and reports the node going away as a fault.
//! Optional methods (block receipts, tracing, subscriptions, batches) are probed before
//! the run; whatever the node answers instead selects a fallback, said in the report.

mod caps;
mod client;
mod drain;
pub(crate) mod funder;
mod funding;
mod health;
mod history;
mod inflight;
mod probe;
mod receipts;
mod reject;
mod revert;
mod sender;
mod tracker;
mod ws;

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

use alloy::primitives::{Address, Bytes, U64, U256};
use tokio::{
    sync::{Notify, mpsc, oneshot},
    task::JoinHandle,
};
use tokio_util::sync::CancellationToken;

pub use caps::{Absence, Capabilities, Support, classify, classify_answer};
pub use client::{Client, RawTx, RpcError, encode_send_batch, parse_send_answers};
pub use probe::{Probe, probe};
pub use ws::probe_subscribe;

use self::{funder::Funder, health::Health, inflight::Inflight, sender::Job};
use super::{
    AccountState, ChainBlock, EventSink, RejectKind, Rejection, Target, TargetError, TargetHealth, TargetInfo,
};
use crate::{
    lock,
    plan::{Keyring, PlannedTx, RunCost},
    scenario::{Dur, RpcSpec},
};

/// Connections of the tracker (blocks, receipts), apart from the send path's pool.
const TRACKER_CONNECTIONS: usize = 4;
/// Longest wait for a send batch's answer: a node that hangs must not hold the run past
/// its end for long (a batch without an answer stays in flight, settled by inclusion or
/// the drop timeout).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest wait for the tracker's requests: anvil takes 15 s for the receipts of a block
/// of 6,000 transactions, and an answer that comes is worth waiting for.
pub const TRACK_TIMEOUT: Duration = Duration::from_secs(120);
/// Accounts per read batch (balances, nonces, calls).
const READ_BATCH: usize = 500;

/// What the node told us when we connected.
#[derive(Debug, Clone)]
struct NodeFacts {
    chain_id: u64,
    gas_limit: u64,
    client_version: String,
    /// anvil (or hardhat) mining each transaction as it arrives.
    automine: Option<bool>,
    /// What the optional methods answered before the run.
    capabilities: Capabilities,
    /// The block time the probe measured from timestamps, milliseconds.
    block_time_ms: Option<u64>,
}

/// The warning for a node in automine mode.
const AUTOMINE: &str = "the node mines each transaction as it arrives (anvil's automine, no --block-time): under \
                        load it loses accepted transactions (counted dropped) and strands later nonces of their \
                        senders until something else is sent, and its inclusion latency is no block time's; \
                        start anvil with --block-time 1 to benchmark it";

/// State shared by the target, its send path and its tracker.
#[derive(Debug)]
pub(crate) struct Shared {
    spec: RpcSpec,
    client: Client,
    tracker: Client,
    inflight: Mutex<Inflight>,
    health: Health,
    sink: OnceLock<EventSink>,
    facts: OnceLock<NodeFacts>,
    funder: OnceLock<Funder>,
    notes: Mutex<Vec<String>>,
    /// Rings when a new head is announced over WebSocket.
    wake: Notify,
    /// Whether the newHeads subscription is up (polling slows to a fallback then).
    ws_live: AtomicBool,
    /// Heads announced over WebSocket so far.
    ws_heads: AtomicU64,
    /// When each announced head arrived, until its block is processed.
    heads: Mutex<HashMap<u64, u64>>,
    /// The node does not know `eth_getBlockReceipts`.
    no_block_receipts: AtomicBool,
    /// A fetched receipt of a plain transfer differed from the derived one: fetch all.
    no_derive: AtomicBool,
    /// The node does not trace transactions: reverts are replayed on the parent block.
    no_trace: AtomicBool,
    /// The node's block time as the tracker measured it, nanoseconds (0: unknown).
    block_time_ns: AtomicU64,
}

impl Shared {
    /// Now on the run's clock (0 before the target started).
    fn now_ns(&self) -> u64 {
        self.sink.get().map_or(0, EventSink::now_ns)
    }

    fn chain_id(&self) -> u64 {
        self.facts.get().map_or(0, |f| f.chain_id)
    }

    /// Whether the node mines each transaction as it arrives (anvil's automine).
    fn automines(&self) -> bool {
        self.facts.get().is_some_and(|f| f.automine == Some(true))
    }

    /// Reads `method(address, "latest")` for each address, in batches.
    async fn read_each(&self, method: &str, addresses: &[Address]) -> Result<Vec<U256>, TargetError> {
        // A hung node is not asked: each read would wait for the tracker's long timeout.
        if let Some(why) = self.health.hung() {
            return Err(TargetError::Failed(why));
        }
        let mut out = Vec::with_capacity(addresses.len());
        for chunk in addresses.chunks(READ_BATCH) {
            let params = chunk.iter().map(|a| serde_json::json!([a, "latest"]));
            let got = self.tracker.batch::<U256>(method, params).await.map_err(|e| failed(&e))?;
            for r in got {
                out.push(r.map_err(|e| TargetError::Failed(format!("{method}: {}", e.message)))?);
            }
        }
        Ok(out)
    }
}

/// The RPC target.
#[derive(Debug)]
pub struct Rpc {
    shared: Arc<Shared>,
    queue: Mutex<Option<mpsc::UnboundedSender<Job>>>,
    cancel: CancellationToken,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Rpc {
    pub fn new(spec: RpcSpec) -> Self {
        let client = Client::new(&spec.http, spec.connections, SEND_TIMEOUT);
        let tracker = Client::new(&spec.http, TRACKER_CONNECTIONS, TRACK_TIMEOUT).sharing(&client);
        Self {
            shared: Arc::new(Shared {
                spec,
                client,
                tracker,
                inflight: Mutex::new(Inflight::default()),
                health: Health::default(),
                sink: OnceLock::new(),
                facts: OnceLock::new(),
                funder: OnceLock::new(),
                notes: Mutex::new(Vec::new()),
                wake: Notify::new(),
                ws_live: AtomicBool::new(false),
                ws_heads: AtomicU64::new(0),
                heads: Mutex::new(HashMap::new()),
                no_block_receipts: AtomicBool::new(false),
                no_trace: AtomicBool::new(false),
                no_derive: AtomicBool::new(false),
                block_time_ns: AtomicU64::new(0),
            }),
            queue: Mutex::new(None),
            cancel: CancellationToken::new(),
            tasks: Mutex::new(Vec::new()),
        }
    }

    /// Reaches the node, checks its chain id, and picks the funder.
    async fn connect(&self) -> Result<(), TargetError> {
        let s = &self.shared;
        let subscribe = match &s.spec.ws {
            Some(ws) => Some(probe_subscribe(ws).await),
            None => None,
        };
        let p = probe::probe(&s.client, subscribe).await.map_err(|e| unreachable(&s.spec.http, &e))?;
        if let Some(want) = s.spec.chain_id
            && want != p.chain_id
        {
            return Err(TargetError::Setup(format!(
                "target.chain_id: the node at {} reports chain {}, the scenario expects {want}; point target.http \
                 at the right node or fix target.chain_id",
                s.spec.http, p.chain_id
            )));
        }
        let funder = Funder::resolve(s.spec.funder.as_ref(), p.chain_id, &s.spec.http)?;
        let _ = s.funder.set(funder);
        let caps = &p.capabilities;
        s.no_block_receipts.store(!caps.block_receipts.is_yes(), Ordering::Relaxed);
        s.no_trace.store(!caps.call_tracer.is_yes(), Ordering::Relaxed);
        if !caps.batches.is_yes() {
            s.client.without_batches();
        }
        if let Some(ms) = p.block_time_ms {
            s.block_time_ns.store(ms * 1_000_000, Ordering::Relaxed);
        }
        let facts = NodeFacts {
            chain_id: p.chain_id,
            gas_limit: p.gas_limit,
            client_version: p.client_version,
            automine: p.automine,
            capabilities: p.capabilities,
            block_time_ms: p.block_time_ms,
        };
        let _ = s.facts.set(facts);
        Ok(())
    }
}

fn unreachable(url: &str, e: &RpcError) -> TargetError {
    if e.is_transport() || matches!(e, RpcError::Timeout { .. }) {
        TargetError::Unreachable(format!("{e}; {} (target.http: {url})", e.hint()))
    } else {
        TargetError::Unreachable(format!("the node at {url} does not answer JSON-RPC as expected: {e}"))
    }
}

fn failed(e: &RpcError) -> TargetError {
    TargetError::Failed(e.to_string())
}

#[async_trait::async_trait]
impl Target for Rpc {
    fn info(&self) -> TargetInfo {
        let s = &self.shared;
        let facts = s.facts.get();
        let mut notes = vec![
            format!("node: {} at {}", facts.map_or("?", |f| f.client_version.as_str()), s.spec.http),
            format!(
                "sending: eth_sendRawTransaction batches of up to {} over {} connections; inclusion: {}; blocks and \
                 receipts (eth_getBlockReceipts when most of a block is ours, else batched eth_getTransactionReceipt) fetched when a head is seen, except for plain transfers to generated accounts: derived from the block (21,000 gas, min(max fee, base fee + tip)) and checked against one fetched receipt per block; drop timeout {}",
                s.spec.batch_size,
                s.spec.connections,
                match &s.spec.ws {
                    Some(ws) if facts.is_some_and(|f| f.capabilities.subscribe.is_yes()) =>
                        format!("newHeads over {ws}, polling every {} as the fallback", tracker::WS_FALLBACK_POLL),
                    _ => format!(
                        "polling every {}, a {}th of the block time measured ({}), at least poll_interval ({})",
                        Dur::from(tracker::head_poll(s)),
                        tracker::POLLS_PER_BLOCK,
                        match s.block_time_ns.load(Ordering::Relaxed) {
                            0 => "unknown".to_string(),
                            ns => format!("{:.2}s", ns as f64 / 1e9),
                        },
                        s.spec.poll_interval
                    ),
                },
                s.spec.drop_timeout
            ),
        ];
        if let Some(f) = facts {
            notes.push(f.capabilities.note());
            if let Some(ms) = f.block_time_ms {
                notes.push(format!(
                    "block time before the run: {:.1}s (mean of the last blocks' timestamps)",
                    ms as f64 / 1e3
                ));
            }
        }
        notes.extend(lock(&s.notes).iter().cloned());
        TargetInfo {
            kind: crate::scenario::TargetKind::Rpc,
            chain_id: facts.map_or(0, |f| f.chain_id),
            block_gas_limit: facts.map_or(0, |f| f.gas_limit),
            executor: None,
            notes,
            warnings: if s.automines() { vec![AUTOMINE.to_string()] } else { Vec::new() },
        }
    }

    async fn prepare(&self, accounts: &[Address], _balance: U256) -> Result<Vec<u64>, TargetError> {
        self.connect().await?;
        let mut out = Vec::with_capacity(accounts.len());
        for chunk in accounts.chunks(READ_BATCH) {
            let params = chunk.iter().map(|a| serde_json::json!([a, "pending"]));
            let got =
                self.shared.client.batch::<U64>("eth_getTransactionCount", params).await.map_err(|e| failed(&e))?;
            for n in got {
                out.push(n.map_err(|e| TargetError::Failed(format!("eth_getTransactionCount: {}", e.message)))?.to());
            }
        }
        Ok(out)
    }

    async fn fund(&self, cost: &RunCost) -> Result<(), TargetError> {
        let funder = self.shared.funder.get().ok_or_else(|| TargetError::Setup("fund before prepare".into()))?;
        let note = funding::fund(&self.shared, funder, cost).await?;
        lock(&self.shared.notes).push(note);
        Ok(())
    }

    async fn start(&self, sink: EventSink) -> Result<(), TargetError> {
        let s = &self.shared;
        let head: serde_json::Value = s
            .tracker
            .call("eth_getBlockByNumber", serde_json::json!(["latest", false]))
            .await
            .map_err(|e| unreachable(&s.spec.http, &e))?;
        let quantity = |k: &str| {
            head[k].as_str().and_then(|q| u64::from_str_radix(q.trim_start_matches("0x"), 16).ok()).unwrap_or(0)
        };
        let (number, clock) =
            (quantity("number"), tracker::BlockClock::from(quantity("number"), quantity("timestamp")));
        let _ = s.sink.set(sink);
        let (tx, rx) = mpsc::unbounded_channel();
        *lock(&self.queue) = Some(tx);
        let mut tasks = lock(&self.tasks);
        tasks.push(tokio::spawn(sender::run(s.clone(), rx)));
        tasks.push(tokio::spawn(tracker::run(s.clone(), number + 1, clock, self.cancel.clone())));
        // Only where the probe saw newHeads work: polling alone otherwise.
        let subscribes = s.facts.get().is_some_and(|f| f.capabilities.subscribe.is_yes());
        if let Some(url) = s.spec.ws.as_ref().filter(|_| subscribes) {
            tasks.push(tokio::spawn(ws::follow(s.clone(), url.clone(), self.cancel.clone())));
        }
        Ok(())
    }

    async fn resend(&self, batch: &[Arc<PlannedTx>]) -> Vec<Result<(), Rejection>> {
        {
            let mut inflight = lock(&self.shared.inflight);
            for tx in batch {
                inflight.refill(tx.from);
            }
        }
        let results = self.submit(batch).await;
        // An automining node strands a transaction that arrived before its nonce was
        // ready: it sits in the pool (sent again, it is "already known") until something
        // else arrives. A block mined now takes it.
        if self.shared.automines()
            && let Err(e) = self.shared.client.call::<serde_json::Value>("evm_mine", serde_json::json!([])).await
        {
            self.shared.health.error("mine", &e, self.shared.now_ns());
        }
        results
    }

    async fn submit(&self, batch: &[Arc<PlannedTx>]) -> Vec<Result<(), Rejection>> {
        let s = &self.shared;
        let mut results: Vec<Result<(), Rejection>> = Vec::with_capacity(batch.len());
        let mut ready = Vec::with_capacity(batch.len());
        {
            let mut inflight = lock(&s.inflight);
            for (i, tx) in batch.iter().enumerate() {
                let r = inflight.register(tx);
                if r.is_ok() {
                    ready.push(i);
                }
                results.push(r);
            }
        }
        let queue = lock(&self.queue).clone();
        let mut waits = Vec::new();
        for chunk in ready.chunks(s.spec.batch_size) {
            let (reply, answer) = oneshot::channel();
            let job = Job { txs: chunk.iter().map(|&i| batch[i].clone()).collect(), reply };
            let queued = queue.as_ref().is_some_and(|q| q.send(job).is_ok());
            waits.push((chunk, queued.then_some(answer)));
        }
        for (chunk, answer) in waits {
            let got = match answer {
                Some(a) => a.await.ok(),
                None => None,
            };
            let got = got.unwrap_or_else(|| {
                let stopped = Rejection { kind: RejectKind::Other, message: "not sent: the target is stopped".into() };
                chunk.iter().map(|&i| lock(&s.inflight).resolve(&batch[i].hash)).for_each(drop);
                vec![Err(stopped); chunk.len()]
            });
            for (&i, r) in chunk.iter().zip(got) {
                results[i] = r;
            }
        }
        results
    }

    async fn accounts(&self, addresses: &[Address]) -> Result<Vec<AccountState>, TargetError> {
        let balances = self.shared.read_each("eth_getBalance", addresses).await?;
        let nonces = self.shared.read_each("eth_getTransactionCount", addresses).await?;
        Ok(balances.into_iter().zip(nonces).map(|(balance, n)| AccountState { balance, nonce: n.to() }).collect())
    }

    async fn call(&self, to: Address, input: Bytes) -> Result<Bytes, TargetError> {
        let mut out = self.call_many(&[(to, input)]).await;
        out.pop().unwrap_or_else(|| Err(TargetError::Failed("eth_call: no answer".into())))
    }

    async fn call_many(&self, calls: &[(Address, Bytes)]) -> Vec<Result<Bytes, TargetError>> {
        if let Some(why) = self.shared.health.hung() {
            return calls.iter().map(|_| Err(TargetError::Failed(why.clone()))).collect();
        }
        let mut out = Vec::with_capacity(calls.len());
        for chunk in calls.chunks(READ_BATCH) {
            let params = chunk.iter().map(|(to, input)| serde_json::json!([{"to": to, "data": input}, "latest"]));
            match self.shared.tracker.batch::<Bytes>("eth_call", params).await {
                Ok(got) => out.extend(chunk.iter().zip(got).map(|((to, _), r)| {
                    r.map_err(|e| TargetError::Failed(format!("call to {to} failed: {}", e.message)))
                })),
                Err(e) => out.extend(chunk.iter().map(|_| Err(failed(&e)))),
            }
        }
        out
    }

    async fn head_number(&self) -> Result<u64, TargetError> {
        history::head(&self.shared).await
    }

    async fn blocks(&self, from: u64, to: u64) -> Result<Vec<ChainBlock>, TargetError> {
        history::blocks(&self.shared, from, to).await
    }

    async fn reclaim(&self, rings: &[&Keyring]) -> Result<(), TargetError> {
        let Some(funder) = self.shared.funder.get().filter(|_| self.shared.spec.drain_back) else { return Ok(()) };
        let note = drain::drain_back(&self.shared, funder.address(), rings).await?;
        lock(&self.shared.notes).push(note);
        Ok(())
    }

    fn health(&self) -> TargetHealth {
        let s = &self.shared;
        TargetHealth { requests: s.client.counts(), requests_window_ns: s.now_ns(), ..s.health.snapshot() }
    }

    async fn stop(&self) {
        self.cancel.cancel();
        lock(&self.queue).take();
        let tasks: Vec<JoinHandle<()>> = lock(&self.tasks).drain(..).collect();
        for t in tasks {
            let _ = t.await;
        }
    }
}
