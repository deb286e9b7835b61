//! The embedded chain itself, driven through its target interface: an overloaded chain
//! keeps its block time and follows EIP-1559 (computed here, independently of the crate);
//! verification refuses tampered, high-s and mismatching transactions that `trusted`
//! lets through.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use alloy::{
    consensus::{SignableTransaction, TxEnvelope},
    eips::Encodable2718,
    primitives::{B256, Signature, U256, uint},
};
use gasbench::{
    clock::Clock,
    plan::{Keyring, PlannedTx, Planner},
    scenario::{Scenario, TargetSpec},
    targets::{
        ChainEvent, EventSink, RejectKind, Rejection, Target,
        embedded::{BlockSummary, Embedded},
    },
};

use crate::scenario;

const ACCOUNTS: usize = 100;

/// A transfer scenario on an embedded chain with `target` settings and `fees`.
fn transfers(target: &str, fees: &str) -> Scenario {
    scenario(&format!(
        "name: chain\nseed: 11\naccounts: {{count: {ACCOUNTS}}}\nworkloads: [{{kind: transfer}}]\nload: {{open: {{rate: 400}}}}\n\
         measure: {{warmup: 0s, duration: 1s}}\nfees: {fees}\ntarget: {target}\n"
    ))
}

/// A started chain for `s`, its accounts funded, and the plan's transactions at
/// `intended` times.
async fn chain_with_plan(
    s: &Scenario,
    intended: &[u64],
) -> (Arc<Embedded>, Vec<Arc<PlannedTx>>, tokio::sync::mpsc::UnboundedReceiver<ChainEvent>, Clock) {
    let TargetSpec::Embedded(spec) = s.target.clone() else { panic!("an embedded scenario") };
    let chain = Arc::new(Embedded::new(spec.clone()));
    let keys = Arc::new(Keyring::derive(s.seed, ACCOUNTS));
    let nonces = chain.prepare(keys.addresses(), U256::from(10u64).pow(U256::from(21))).await.unwrap();
    let mut planner =
        Planner::new(s, keys, Arc::new(Planner::deployer_keys(s.seed)), spec.chain_id, nonces, 0).unwrap();
    let txs = planner.prepare(Some(intended)).txs;
    let clock = Clock::start();
    let (sink, events) = EventSink::new(clock);
    chain.start(sink).await.unwrap();
    (chain, txs, events, clock)
}

/// EIP-1559, written here from the EIP rather than taken from the crate.
fn eip1559_next(parent_wei: u64, gas_used: u64, gas_limit: u64) -> u64 {
    let target = gas_limit / 2;
    let (parent, used, target) = (parent_wei as u128, gas_used as u128, target as u128);
    let next = if used > target {
        parent + (parent * (used - target) / target / 8).max(1)
    } else {
        parent - parent * (target - used) / target / 8
    };
    next as u64
}

/// Submits `txs` at their intended times (every 10 ms, what is due), in a task.
fn offer(chain: &Arc<Embedded>, txs: Vec<Arc<PlannedTx>>, clock: Clock) -> tokio::task::JoinHandle<()> {
    let chain = chain.clone();
    tokio::spawn(async move {
        let mut next = 0;
        let mut tick = tokio::time::interval(Duration::from_millis(10));
        while next < txs.len() {
            tick.tick().await;
            let now = clock.now_ns();
            let due = txs[next..].iter().take_while(|t| t.intended_ns <= now).count();
            let results = chain.submit(&txs[next..next + due]).await;
            assert!(results.iter().all(Result::is_ok), "{:?}", results.iter().find(|r| r.is_err()));
            next += due;
        }
    })
}

/// When each of the next `n` blocks was seen (bounded by events, 30 s at most each).
async fn blocks_seen(events: &mut tokio::sync::mpsc::UnboundedReceiver<ChainEvent>, n: usize) -> Vec<Instant> {
    let mut seen = Vec::new();
    while seen.len() < n {
        let ev = tokio::time::timeout(Duration::from_secs(30), events.recv()).await.expect("a block within 30 s");
        if let Some(ChainEvent::Block(_)) = ev {
            seen.push(Instant::now());
        }
    }
    seen
}

const BLOCK_MS: u64 = 250;
const GAS_LIMIT: u64 = 420_000; // 20 transfers
const MAX_FEE_WEI: u64 = 3_000_000_000;

/// 400 transfers/s (100 per slot, 5x what fits) for up to 12 s, paying at most 3 gwei:
/// the base fee crosses that after ~10 full blocks, so the run holds affordable and
/// unaffordable stretches.
async fn overloaded(
    sealing: &str,
) -> (Arc<Embedded>, Vec<Arc<PlannedTx>>, tokio::sync::mpsc::UnboundedReceiver<ChainEvent>, Clock) {
    let s = transfers(
        &format!("{{kind: embedded, block_time: {BLOCK_MS}ms, gas_limit: {GAS_LIMIT}, sealing: {sealing}}}"),
        "{max_fee_gwei: 3, priority_fee_gwei: 1}",
    );
    let intended: Vec<u64> = (0..400 * 12).map(|i| i * 2_500_000).collect();
    chain_with_plan(&s, &intended).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overloaded_chain_keeps_its_block_time_and_its_base_fee_follows_eip_1559() {
    const BLOCKS: usize = 24;
    let (chain, txs, mut events, clock) = overloaded("interval").await;
    let load = offer(&chain, txs, clock);
    let seen = blocks_seen(&mut events, BLOCKS).await;
    load.abort();
    chain.stop().await;
    let history: Vec<BlockSummary> = chain.history();
    let slots = chain.block_slots().expect("the embedded chain counts its slots");

    // (a) The cadence. Slot timestamps are one block time apart (more across missed
    // slots), and the wall clock agrees: the blocks and missed slots between the first
    // and the last block seen span the time that passed, within a block time early and
    // a second late (a busy machine delays what the test sees, never what came early).
    let blocks = &history[..BLOCKS];
    let mut missed_between = 0;
    for w in blocks.windows(2) {
        let gap_ms = w[1].timestamp_ms - w[0].timestamp_ms;
        assert!(
            gap_ms >= BLOCK_MS && gap_ms % BLOCK_MS == 0,
            "blocks {} and {}: {gap_ms} ms apart",
            w[0].number,
            w[1].number
        );
        missed_between += gap_ms / BLOCK_MS - 1;
        assert_eq!(w[1].timestamp, w[1].timestamp_ms / 1000, "the EVM sees whole seconds");
    }
    assert!(missed_between <= slots.missed, "{slots:?}");
    let elapsed = seen[BLOCKS - 1] - seen[0];
    let slots_spanned = (BLOCKS as u64 - 1 + missed_between) as u32;
    let block_time = Duration::from_millis(BLOCK_MS);
    assert!(
        block_time * slots_spanned <= elapsed + block_time,
        "{BLOCKS} blocks in {elapsed:?}: sealed faster than one per {BLOCK_MS} ms"
    );
    assert!(elapsed <= block_time * (slots_spanned + 1) + Duration::from_secs(1), "{BLOCKS} blocks took {elapsed:?}");
    assert!(missed_between <= BLOCKS as u64 / 4, "the builder kept most slots: {missed_between} missed");

    // (b) The base fee, block after block, is EIP-1559's from its parent.
    assert_eq!(blocks[0].base_fee_wei, 1_000_000_000, "the initial base fee");
    for w in blocks.windows(2) {
        assert_eq!(
            w[1].base_fee_wei,
            eip1559_next(w[0].base_fee_wei, w[0].gas_used, GAS_LIMIT),
            "block {} after {} gas at {} wei",
            w[1].number,
            w[0].gas_used,
            w[0].base_fee_wei
        );
    }

    // (c) Every block the waiting transfers could pay for is full; a block is empty only
    // when the base fee is above what they pay. Both happen in this run.
    for b in blocks.iter().skip(1) {
        if b.base_fee_wei <= MAX_FEE_WEI {
            assert_eq!(b.gas_used, GAS_LIMIT, "block {} at {} wei left payers waiting", b.number, b.base_fee_wei);
        } else {
            assert_eq!(b.gas_used, 0, "block {} included transfers it could not charge", b.number);
        }
    }
    assert!(blocks.iter().any(|b| b.base_fee_wei > MAX_FEE_WEI), "the base fee crossed the max fee");
}

/// The plan's transfers 0.. with `alter` applied to a copy of the first one.
fn altered(txs: &[Arc<PlannedTx>], alter: impl FnOnce(&mut PlannedTx)) -> Arc<PlannedTx> {
    let mut t = (*txs[0]).clone();
    alter(&mut t);
    Arc::new(t)
}

/// Signs `t`'s fields again with `sig` and makes the plan claim those bytes.
fn with_signature(t: &mut PlannedTx, sig: Signature) {
    let env = TxEnvelope::from(t.tx.clone().into_signed(sig));
    t.hash = *env.tx_hash();
    t.raw = env.encoded_2718().into();
}

/// The order of secp256k1.
const N: U256 = uint!(0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141_U256);

/// Each bad transaction: a name, how it is made, and what verification must say.
fn bad_transactions(txs: &[Arc<PlannedTx>]) -> Vec<(&'static str, Arc<PlannedTx>, RejectKind, &'static str)> {
    vec![
        (
            "tampered bytes",
            altered(txs, |t| {
                // One byte of the recipient, changed after signing.
                let to = t.tx.to.to().copied().expect("a transfer has a recipient");
                let raw = t.raw.to_vec();
                let at = raw.windows(20).position(|w| w == to.as_slice()).expect("the recipient is in the bytes");
                let mut raw = raw;
                raw[at] ^= 0x01;
                t.raw = raw.into();
            }),
            RejectKind::InvalidSignature,
            "the signature recovers",
        ),
        (
            "high-s signature",
            altered(txs, |t| {
                let sig = alloy::eips::Decodable2718::decode_2718(&mut t.raw.as_ref())
                    .map(|e: TxEnvelope| *e.signature())
                    .unwrap();
                // The malleable twin: (r, n - s, !v) recovers the same signer.
                with_signature(t, Signature::new(sig.r(), N - sig.s(), !sig.v()));
            }),
            RejectKind::InvalidSignature,
            "EIP-2",
        ),
        (
            "plan differs from the signed bytes",
            altered(txs, |t| t.tx.value += U256::from(1)),
            RejectKind::Other,
            "differ from the plan in value",
        ),
        ("plan's hash differs", altered(txs, |t| t.hash = B256::repeat_byte(7)), RejectKind::Other, "hash to"),
    ]
}

async fn submit_one(recovery: &str, tx: Arc<PlannedTx>) -> Result<(), Rejection> {
    let s = transfers(&format!("{{kind: embedded, block_time: 50ms, sender_recovery: {recovery}}}"), "{}");
    let (chain, _, mut events, _) = chain_with_plan(&s, &[0]).await;
    let result = chain.submit(std::slice::from_ref(&tx)).await.pop().unwrap();
    if result.is_ok() {
        // Accepted: it is executed in the next block.
        loop {
            let ev = tokio::time::timeout(Duration::from_secs(10), events.recv()).await.expect("a block");
            if let Some(ChainEvent::Block(b)) = ev
                && !b.txs.is_empty()
            {
                assert_eq!(b.txs[0].id, tx.id);
                break;
            }
        }
    }
    chain.stop().await;
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_refuses_what_trusted_senders_let_through() {
    let s = transfers("{kind: embedded}", "{}");
    let (chain, txs, _, _) = chain_with_plan(&s, &[0]).await;
    chain.stop().await;
    assert_eq!(s.target, transfers("{kind: embedded, sender_recovery: verify}", "{}").target, "verify is the default");

    submit_one("verify", txs[0].clone()).await.expect("an untouched transaction is accepted and included");
    for (name, tx, kind, says) in bad_transactions(&txs) {
        let refused = submit_one("verify", tx.clone()).await.expect_err(name);
        assert_eq!(refused.kind, kind, "{name}: {}", refused.message);
        assert!(refused.message.contains(says), "{name}: {}", refused.message);
        submit_one("trusted", tx).await.unwrap_or_else(|e| panic!("{name} with trusted senders: {}", e.message));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trusted_senders_are_named_loudly() {
    let s = transfers("{kind: embedded, sender_recovery: trusted}", "{}");
    let TargetSpec::Embedded(spec) = s.target else { unreachable!() };
    let info = Embedded::new(spec).info();
    assert!(info.warnings.iter().any(|w| w.contains("SENDERS TRUSTED")), "{:?}", info.warnings);
    let TargetSpec::Embedded(spec) = transfers("{kind: embedded}", "{}").target else { unreachable!() };
    let info = Embedded::new(spec).info();
    assert!(info.warnings.is_empty(), "{:?}", info.warnings);
    assert!(info.notes.iter().any(|n| n.contains("sender_recovery=verify")), "{:?}", info.notes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sealing_when_full_seals_early_only_full_blocks_that_pay_the_base_fee() {
    const BLOCKS: usize = 40;
    let (chain, txs, mut events, clock) = overloaded("when_full").await;
    let load = offer(&chain, txs, clock);
    blocks_seen(&mut events, BLOCKS).await;
    load.abort();
    chain.stop().await;
    let history = chain.history();
    let slots = chain.block_slots().unwrap();
    assert!(slots.early > 0, "a full block of payers is sealed before its slot: {slots:?}");
    let mut early = 0;
    for w in history[..BLOCKS].windows(2) {
        let (gap_ms, b) = (w[1].timestamp_ms - w[0].timestamp_ms, &w[1]);
        if gap_ms < BLOCK_MS {
            early += 1;
            assert_eq!(b.gas_used, GAS_LIMIT, "block {} sealed early ({gap_ms} ms) but not full", b.number);
            assert!(b.base_fee_wei <= MAX_FEE_WEI, "block {} sealed early while no one could pay", b.number);
        }
        if b.base_fee_wei > MAX_FEE_WEI {
            assert!(b.gas_used == 0 && gap_ms >= BLOCK_MS, "block {}: priced out, on its slot ({gap_ms} ms)", b.number);
        }
    }
    assert!(early > 0 && history[..BLOCKS].iter().any(|b| b.base_fee_wei > MAX_FEE_WEI), "both stretches were seen");
}
