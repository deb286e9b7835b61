//! The inclusion tracker: polls the head (or wakes on an announced one), fetches new
//! blocks with their transaction hashes (in batches), fetches the receipts of ours (see
//! `receipts`), replays reverted ones for their revert data, and emits a block event
//! stamped when gasbench saw the block. Transactions not included within the drop
//! timeout of their acceptance are counted as dropped, and their senders resynced.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use alloy::primitives::{Address, B256, Bytes, U64, U128};
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use super::{
    Shared,
    client::RpcError,
    health::Retries,
    inflight::Entry,
    receipts::{self, RpcReceipt},
    revert,
};
use crate::{
    lock,
    scenario::Dur,
    targets::{BlockEvent, ChainEvent, IncludedTx},
};

/// Blocks per `eth_getBlockByNumber` batch.
const BLOCKS_PER_BATCH: u64 = 100;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RpcBlock {
    number: U64,
    hash: B256,
    #[serde(default)]
    base_fee_per_gas: Option<U128>,
    gas_used: U64,
    gas_limit: U64,
    timestamp: U64,
    transactions: Vec<B256>,
}

/// How often the tracker polls while newHeads over WebSocket is up.
pub const WS_FALLBACK_POLL: Dur = Dur::from_millis(1000);
/// The head is polled this many times per block time (measured), no faster than
/// `poll_interval` and at least every [`MAX_POLL`].
pub const POLLS_PER_BLOCK: u32 = 20;
const MAX_POLL: Duration = Duration::from_secs(1);

/// How often to ask for the head: a twentieth of the node's block time, measured, but not
/// faster than the scenario's `poll_interval` (that alone while the block time is unknown).
pub fn head_poll(shared: &Shared) -> Duration {
    let floor = shared.spec.poll_interval.get();
    match shared.block_time_ns.load(Ordering::Relaxed) {
        0 => floor,
        bt => (Duration::from_nanos(bt) / POLLS_PER_BLOCK).clamp(floor, MAX_POLL.max(floor)),
    }
}

/// The node's block time: the mean of the blocks' timestamps (1 s resolution) since the
/// first block the run saw, so exact over many blocks and free of the polling's jitter.
#[derive(Debug, Default)]
pub struct BlockClock {
    first: Option<(u64, u64)>,
}

impl BlockClock {
    /// Starts from block `number` with `timestamp_s` (the head when the target started).
    pub fn from(number: u64, timestamp_s: u64) -> Self {
        Self { first: Some((number, timestamp_s)) }
    }

    /// Block `number` has `timestamp_s`: the mean block time so far.
    fn saw(&mut self, shared: &Shared, number: u64, timestamp_s: u64) {
        match self.first {
            None => self.first = Some((number, timestamp_s)),
            Some((n0, t0)) if number > n0 && timestamp_s >= t0 => {
                let bt_ns = (timestamp_s - t0) * 1_000_000_000 / (number - n0);
                shared.block_time_ns.store(bt_ns.max(1), Ordering::Relaxed);
            }
            Some(_) => {}
        }
    }
}

/// Follows the chain from block `next` until `cancel`. A failing round is tried again
/// after a growing pause; the same request failing `health::RETRY_LIMIT` times in a row while
/// the node answers is a fault, and the tracker gives up (a node out of reach is retried
/// with the backoff until the run ends: it may come back).
pub async fn run(shared: Arc<Shared>, mut next: u64, mut clock: BlockClock, cancel: CancellationToken) {
    let mut retries = Retries::default();
    let mut pause = Duration::ZERO;
    loop {
        let live = shared.ws_live.load(Ordering::Relaxed);
        let poll = if live { WS_FALLBACK_POLL.get() } else { head_poll(&shared) };
        let down = Duration::from_nanos(shared.health.down_until_ns().saturating_sub(shared.now_ns()));
        let wait = down.max(poll).max(pause);
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
            () = shared.wake.notified(), if pause.is_zero() => {}
        }
        // A slow node (anvil takes seconds for a big block's receipts) must not hold stop().
        let round = async {
            match step(&shared, &mut next, &mut clock).await {
                Ok(()) => {
                    shared.health.ok(shared.now_ns());
                    retries.ok();
                    pause = Duration::ZERO;
                    // Only when caught up with the head: a lagging tracker is no evidence.
                    drop_expired(&shared).await;
                    true
                }
                Err(e) => {
                    let now = shared.now_ns();
                    shared.health.error("track", &e, now);
                    if e.is_transport() || matches!(e, RpcError::Timeout { .. }) {
                        return true;
                    }
                    match retries.failed(e.method(), &e, now, poll) {
                        Ok(p) => {
                            pause = p;
                            true
                        }
                        Err(fault) => {
                            shared.health.fault(fault);
                            false
                        }
                    }
                }
            }
        };
        tokio::select! {
            () = cancel.cancelled() => return,
            go_on = round => if !go_on { return },
        }
    }
}

/// Processes every block from `next` up to the head.
async fn step(shared: &Arc<Shared>, next: &mut u64, clock: &mut BlockClock) -> Result<(), RpcError> {
    let head = shared.tracker.call::<U64>("eth_blockNumber", serde_json::json!([])).await?.to::<u64>();
    while *next <= head {
        let upto = head.min(*next + BLOCKS_PER_BATCH - 1);
        let params = (*next..=upto).map(|n| serde_json::json!([format!("0x{n:x}"), false]));
        let answers = shared.tracker.batch::<Option<RpcBlock>>("eth_getBlockByNumber", params).await?;
        let observed_ns = shared.now_ns();
        // Stop at the first block the node cannot serve yet; the next poll resumes there.
        let blocks: Vec<RpcBlock> = answers.into_iter().map_while(|b| b.ok().flatten()).collect();
        if blocks.is_empty() {
            return Ok(());
        }
        let receipts = block_receipts(shared, &blocks).await?;
        let reverted: Vec<(B256, u64)> = blocks
            .iter()
            .flat_map(|b| b.transactions.iter().map(move |h| (*h, b.number.to::<u64>())))
            .filter(|(h, _)| receipts.get(h).is_some_and(|r| r.status.is_some_and(|s| s.to::<u64>() != 1)))
            .collect();
        let revert_data = revert::revert_data(&shared.tracker, &reverted, &shared.no_trace).await;
        for b in &blocks {
            emit_block(shared, b, &receipts, &revert_data, observed_ns);
            clock.saw(shared, b.number.to(), b.timestamp.to());
        }
        *next = blocks.last().map_or(*next, |b| b.number.to::<u64>() + 1);
    }
    Ok(())
}

/// Receipts of our transactions in `blocks`: fetched, or derived for plain transfers
/// (checked against one fetched per block).
async fn block_receipts(shared: &Arc<Shared>, blocks: &[RpcBlock]) -> Result<HashMap<B256, RpcReceipt>, RpcError> {
    let derive = !shared.no_derive.load(Ordering::Relaxed);
    let mut wanted = Vec::with_capacity(blocks.len());
    let mut derivable = Vec::new();
    let mut probes = Vec::new();
    {
        let inflight = lock(&shared.inflight);
        for b in blocks {
            let base_fee = b.base_fee_per_gas.map_or(0, |f| f.to::<u128>());
            let (mut ours, mut probed) = (Vec::new(), false);
            for h in &b.transactions {
                match inflight.get(h).map(|e| e.plain) {
                    None => {}
                    Some(Some(fees)) if derive => {
                        let d = receipts::derived(*h, base_fee, fees);
                        if !probed {
                            // One fetched per block, to check the derivation.
                            probed = true;
                            probes.push(d.clone());
                            ours.push(*h);
                        }
                        derivable.push(d);
                    }
                    Some(_) => ours.push(*h),
                }
            }
            wanted.push(receipts::Wanted { number: b.number.to(), block_txs: b.transactions.len(), ours });
        }
    }
    let mut got = receipts::fetch(shared, wanted).await?;
    if let Some(p) = probes.iter().find(|p| got.get(&p.transaction_hash).is_none_or(|r| !receipts::matches(r, p))) {
        shared.no_derive.store(true, Ordering::Relaxed);
        return Err(RpcError::Decode {
            method: "eth_getTransactionReceipt".into(),
            message: format!(
                "the receipt of plain transfer {} differs from the derived one ({:?}); fetching every receipt from now on",
                p.transaction_hash,
                got.get(&p.transaction_hash)
            ),
        });
    }
    for d in derivable {
        got.entry(d.transaction_hash).or_insert(d);
    }
    Ok(got)
}

fn emit_block(
    shared: &Shared,
    b: &RpcBlock,
    receipts: &HashMap<B256, RpcReceipt>,
    revert_data: &HashMap<B256, Bytes>,
    fetched_ns: u64,
) {
    // Seen when its head was announced (WebSocket), else when its block arrived.
    let announced = lock(&shared.heads).remove(&b.number.to::<u64>());
    let observed_ns = announced.map_or(fetched_ns, |t| t.min(fetched_ns));
    let mut txs = Vec::new();
    let mut foreign_txs = 0;
    {
        let mut inflight = lock(&shared.inflight);
        for h in &b.transactions {
            // `receipts` holds one for each of ours (checked when fetched); a transaction
            // without one was not ours then and stays as it is.
            let ours = receipts.get(h).and_then(|r| Some((r, inflight.resolve(h)?)));
            match ours {
                Some((r, e)) => txs.push(IncludedTx {
                    id: e.id,
                    success: r.status.is_none_or(|s| s.to::<u64>() == 1),
                    gas_used: r.gas_used.to(),
                    effective_gas_price_wei: r.effective_gas_price.map_or(0, |p| p.to()),
                    l1_fee_wei: r.l1_fee.map(|f| f.to()),
                    revert_data: revert_data.get(h).cloned(),
                }),
                None => foreign_txs += 1,
            }
        }
    }
    if let Some(sink) = shared.sink.get() {
        sink.emit(ChainEvent::Block(BlockEvent {
            number: b.number.to(),
            hash: b.hash,
            observed_ns,
            base_fee_wei: b.base_fee_per_gas.map_or(0, |f| f.to()),
            gas_used: b.gas_used.to(),
            gas_limit: b.gas_limit.to(),
            txs,
            foreign_txs,
        }));
    }
}

/// What stayed in flight past the drop timeout after the node accepted it, while the
/// node's nonce for its sender is still at or below its nonce, is counted as dropped (a
/// node may keep a lost transaction in its pool forever: anvil in automine does), and the
/// sender has a gap: its later transactions go too.
async fn drop_expired(shared: &Arc<Shared>) {
    let timeout = shared.spec.drop_timeout;
    let cutoff = shared.now_ns().saturating_sub(timeout.get().as_nanos() as u64);
    // A node that stopped answering within the timeout may still mine what it holds: no
    // evidence of a drop until it has answered for a whole timeout.
    if shared.health.unreachable_since(cutoff) {
        return;
    }
    let expired = lock(&shared.inflight).expired(cutoff);
    if expired.is_empty() {
        return;
    }
    let senders: Vec<Address> = expired.iter().map(|(_, e)| e.from).collect::<HashSet<_>>().into_iter().collect();
    let latest = shared.node_nonces(&senders, "latest").await;
    let mut lost = Vec::new();
    {
        let mut f = lock(&shared.inflight);
        for (h, e) in expired {
            match latest.get(&e.from) {
                // Mined (or its nonce taken) after all: wait for the tracker to see it.
                Some(&n) if n > e.nonce => f.requeue(h, e, shared.now_ns()),
                // The node cannot tell now: ask again next round.
                None => f.requeue(h, e, shared.now_ns()),
                Some(_) => lost.push(e),
            }
        }
    }
    if lost.is_empty() {
        return;
    }
    shared.health.count("dropped_not_included", lost.len() as u64);
    let mut lowest: HashMap<Address, u64> = HashMap::new();
    for e in &lost {
        let n = lowest.entry(e.from).or_insert(e.nonce);
        *n = (*n).min(e.nonce);
    }
    // The gaps are marked before anyone hears of the drops: a listener that sends them
    // again at once (the set-up) must not find its sends refused by a gap marked later.
    let behind: Vec<Entry> = {
        let mut f = lock(&shared.inflight);
        lowest.into_iter().flat_map(|(from, nonce)| f.mark_gap(from, nonce, "dropped")).collect()
    };
    if let Some(sink) = shared.sink.get() {
        for e in &lost {
            let node = latest.get(&e.from).map_or_else(|| "unknown".to_string(), u64::to_string);
            sink.emit(ChainEvent::Dropped {
                id: e.id,
                reason: format!(
                    "not included within {timeout}: accepted with nonce {}, the node's nonce for its sender is \
                     {node}",
                    e.nonce
                ),
            });
        }
    }
    shared.dropped_behind(&behind, "dropped");
}
