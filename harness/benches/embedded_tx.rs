//! Where a transfer's CPU goes on the embedded chain: decoding the signed bytes,
//! recovering the sender (libsecp256k1), executing (sequential revm), and the chain's own
//! bookkeeping (admission, pool, selection, receipts, events). Each part is run alone on
//! one thread over the same signed transfers and measured in process CPU time (so that
//! other programs on a shared machine inflate it less than wall time); then the whole
//! chain's CPU per transaction is measured with senders verified and trusted, side by
//! side, and what execution does not explain of the trusted chain is the bookkeeping.
//!
//!   cargo bench -p gasbench --bench embedded_tx

use std::{hint::black_box, sync::Arc, time::Instant};

use alloy::{
    consensus::{SignableTransaction, TxEnvelope},
    eips::Decodable2718,
    primitives::U256,
};
use gasbench::{
    clock::Clock,
    exec::{BlockCtx, ChainState, Executor, Sequential},
    metrics::process_cpu_seconds,
    plan::{Keyring, PlannedTx, Planner, recover_sender},
    scenario::{Scenario, TargetSpec},
    targets::{
        ChainEvent, EventSink, Target,
        embedded::{COINBASE, Embedded, PoolTx, admit_all},
    },
};
use revm::state::AccountInfo;

const ACCOUNTS: usize = 5_000;
const TXS: usize = 100_000;
/// Transfers per executed block: 50,000 tx/s in 250 ms blocks.
const BLOCK_TXS: usize = 12_500;
/// The runner's largest submission batch.
const BATCH: usize = 512;

fn scenario(recovery: &str) -> Scenario {
    let yaml = format!(
        "name: b\nseed: 7\naccounts: {{count: {ACCOUNTS}}}\nworkloads: [{{kind: transfer, recipients: uniform}}]\n\
         load: {{open: {{rate: 100}}}}\nmeasure: {{warmup: 0s, duration: 1s}}\n\
         target: {{kind: embedded, block_time: 50ms, gas_limit: 1000000000, sender_recovery: {recovery}}}\n"
    );
    gasbench::scenario::load_str("bench.yaml", &yaml, &[], &Default::default()).expect("a valid scenario")
}

fn cpu() -> f64 {
    process_cpu_seconds().expect("/proc/self/stat")
}

/// Process CPU microseconds per transaction of `f` over `n` transactions.
fn cpu_us<T>(n: usize, f: impl FnOnce() -> T) -> (f64, T) {
    let start = cpu();
    let out = f();
    ((cpu() - start) * 1e6 / n as f64, out)
}

fn balance() -> U256 {
    U256::from(10u64).pow(U256::from(21))
}

/// The whole chain's CPU per transaction: every transfer submitted in runner-sized
/// batches, then sealed into blocks until all are included.
fn chain_cpu_us(s: &Scenario, keys: &Keyring, txs: &[Arc<PlannedTx>]) -> f64 {
    let TargetSpec::Embedded(spec) = s.target.clone() else { unreachable!("an embedded scenario") };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime");
    rt.block_on(async {
        let chain = Embedded::new(spec);
        chain.prepare(keys.addresses(), balance()).await.expect("in-process");
        let (sink, mut events) = EventSink::new(Clock::start());
        let start = cpu();
        chain.start(sink).await.expect("the builder starts");
        for batch in txs.chunks(BATCH) {
            assert!(chain.submit(batch).await.iter().all(Result::is_ok));
        }
        let mut included = 0;
        while included < txs.len() {
            if let Some(ChainEvent::Block(b)) = events.recv().await {
                included += b.txs.len();
            }
        }
        let used = cpu() - start;
        chain.stop().await;
        used * 1e6 / txs.len() as f64
    })
}

fn main() {
    let s = scenario("verify");
    let keys = Arc::new(Keyring::derive(s.seed, ACCOUNTS));
    let mut planner =
        Planner::new(&s, keys.clone(), Arc::new(Planner::deployer_keys(s.seed)), 1337, vec![0; ACCOUNTS], 0)
            .expect("a valid mix");
    let txs = planner.prepare(Some(&vec![0; TXS])).txs;

    // Decoding is fast: ten rounds, for the CPU clock's 10 ms ticks.
    let (decode_us, decoded) = cpu_us(TXS * 10, || {
        (0..10)
            .map(|_| txs.iter().map(|t| TxEnvelope::decode_2718(&mut t.raw.as_ref()).expect("decodes")).collect())
            .next_back()
            .unwrap_or_else(Vec::new)
    });
    let decoded: Vec<TxEnvelope> = decoded;
    let (recover_us, ()) = cpu_us(TXS, || {
        for e in &decoded {
            let signed = e.as_eip1559().expect("type 2");
            black_box(recover_sender(&signed.tx().signature_hash(), signed.signature()));
        }
    });
    let (verify_us, admitted) =
        cpu_us(TXS, || txs.iter().map(|t| PoolTx::verified(t).expect("valid")).collect::<Vec<_>>());

    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let started = Instant::now();
    let (verify_par_cpu_us, ()) = cpu_us(TXS, || {
        for batch in txs.chunks(BATCH) {
            black_box(admit_all(batch, true, threads));
        }
    });
    let verify_par_wall_us = started.elapsed().as_secs_f64() * 1e6 / TXS as f64;

    let mut state = ChainState::default();
    for a in keys.addresses() {
        state.insert_account_info(*a, AccountInfo { balance: balance(), ..Default::default() });
    }
    let mut executor = Sequential::new(Default::default());
    let (execute_us, ()) = cpu_us(TXS, || {
        for (i, block) in admitted.chunks(BLOCK_TXS).enumerate() {
            let ctx = BlockCtx {
                number: i as u64 + 1,
                timestamp: 1,
                base_fee_wei: 1_000_000_000,
                gas_limit: 1_000_000_000,
                coinbase: COINBASE,
                chain_id: 1337,
            };
            let out = executor.execute(&mut state, &ctx, block.iter().map(PoolTx::tx_env).collect());
            assert_eq!(out.len(), block.len());
        }
    });

    let chain_verify_us = chain_cpu_us(&s, &keys, &txs);
    let chain_trusted_us = chain_cpu_us(&scenario("trusted"), &keys, &txs);

    println!("{TXS} signed transfers, {ACCOUNTS} senders; CPU us per tx, one thread unless said");
    println!("  decode (EIP-2718 envelope)            {decode_us:7.2}");
    println!("  recover (signing hash + libsecp256k1) {recover_us:7.2}");
    println!("  verify = decode + recover + checks    {verify_us:7.2}");
    println!(
        "  verify, batches of {BATCH} on {threads} threads: {verify_par_cpu_us:.2} CPU, {verify_par_wall_us:.2} wall ({:.2}x the one-thread rate)",
        verify_us / verify_par_wall_us
    );
    println!("  execute (sequential, {BLOCK_TXS}-tx blocks) {execute_us:7.2}");
    println!("chain, submit to inclusion, CPU us per tx (all threads):");
    println!("  sender_recovery=verify                {chain_verify_us:7.2}");
    println!("  sender_recovery=trusted               {chain_trusted_us:7.2}");
    println!(
        "  bookkeeping (trusted chain - execute) {:7.2}; verification in the chain {:.2}",
        chain_trusted_us - execute_us,
        chain_verify_us - chain_trusted_us
    );
    println!(
        "  => at most {:.0} tx/s on {threads} cores with verify, if nothing else ran",
        threads as f64 * 1e6 / chain_verify_us
    );
}
