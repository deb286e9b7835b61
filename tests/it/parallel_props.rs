//! Property: the parallel executor's receipts and final state (balances, nonces,
//! storage, code bytes, account status) equal the sequential executor's on random
//! blocks. Each block is drawn from a world's pool of planned transactions: random
//! picks (repeats allowed) in a random order, random senders, random amounts, and
//! injected failures (a broken nonce chain, a sender that cannot pay, calldata that
//! makes the call revert, a gas limit too small, a transaction sent from or paying the
//! block producer's account), cut into two blocks, executed on 1 to
//! 8 threads with random yields in state reads. The worlds: every workload generator
//! alone x hot ratio {0, 0.1, 0.5, 1} x shared items {1, many}, and all generators in
//! one world. Each world (set-up included) is built once per process.

use core::time::Duration;
use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex, OnceLock},
};

use alloy::primitives::{Address, Bytes, U256};
use gasbench::{
    exec::{BlockCtx, ChainState, Executor, Parallel, ParallelConfig, Sequential, TxOutcome, outcome_diff, state_diff},
    runner::offline,
};
use proptest::{
    prelude::*,
    sample::select,
    test_runner::{Config, TestRunner},
};
use revm::context::TxEnv;
use workloads::Pick;

/// Planned load transactions per world: the pool blocks are drawn from.
const POOL: usize = 48;
/// Most transactions in one random list (cut into two blocks).
const MAX_TXS: usize = 40;
/// Cases per generator (2 blocks each): 12 generators x 40, plus the mixed world's
/// 60, make 540 cases, 1,080 random blocks per run. `PROPTEST_CASES=N` runs N per
/// property instead.
const CASES: u32 = 40;
const MIXED_CASES: u32 = 60;
const RATIOS: [f64; 4] = [0.0, 0.1, 0.5, 1.0];
const ITEMS: [u32; 2] = [1, 8];

/// A world: the state after its set-up, its pool of transactions, the block context,
/// and the senders the pool uses.
struct World {
    state: ChainState,
    pool: Vec<TxEnv>,
    ctx: BlockCtx,
    senders: Vec<Address>,
}

type Worlds = Mutex<HashMap<(String, u32, usize), Arc<World>>>;

/// The world of the workloads `kinds` with `items` shared items and every pick
/// `hot(ratio)`.
fn world(kinds: &[&str], items: u32, ratio: usize) -> Arc<World> {
    static WORLDS: OnceLock<Worlds> = OnceLock::new();
    let cache = WORLDS.get_or_init(Default::default);
    let key = (kinds.join(","), items, ratio);
    if let Some(w) = cache.lock().unwrap().get(&key) {
        return w.clone();
    }
    let list: Vec<String> = kinds.iter().map(|k| format!("{{kind: {k}}}")).collect();
    let mut s = crate::scenario(&format!(
        "name: prop\nseed: 17\naccounts: {{count: 24}}\nworkloads: [{}]\nload: {{open: {{rate: 100}}}}\nmeasure: {{duration: 1s}}\ntarget: {{kind: embedded}}\n",
        list.join(", ")
    ));
    for w in &mut s.workloads {
        w.set_items(items);
        w.set_pick(Pick::Hot { ratio: RATIOS[ratio], set_size: 1 });
    }
    let w = offline::world(&s, POOL).unwrap_or_else(|e| panic!("{kinds:?}: {e}"));
    let mut senders: Vec<Address> = w.txs.iter().map(|t| t.from).collect();
    senders.sort();
    senders.dedup();
    let world =
        Arc::new(World { state: w.state, pool: w.txs.iter().map(|t| t.tx_env()).collect(), ctx: w.block, senders });
    cache.lock().unwrap().insert(key, world.clone());
    world
}

/// What to do to one drawn transaction.
#[derive(Debug, Clone, Copy)]
enum Change {
    AsPlanned,
    /// Sent by another of the world's senders.
    Sender(usize),
    /// Sent by an account that holds nothing: cannot pay, left out.
    Penniless,
    /// A value added: a transfer moves more (beyond the balance when large), a call to a
    /// contract that takes no value reverts.
    Amount(u128),
    /// One calldata byte changed: an unknown selector or bad arguments, mostly a revert.
    Calldata(usize),
    /// A nonce one ahead: this and the sender's later transactions are left out.
    NonceGap,
    /// Just enough gas to start: the call runs out of gas.
    TightGas,
    /// Sent by the block producer (a builder paying from the coinbase), which holds
    /// only what the block's fees bring it.
    FromProducer,
    /// Paid to the block producer instead of its recipient.
    ToProducer,
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        6 => Just(Change::AsPlanned),
        2 => (0..64usize).prop_map(Change::Sender),
        1 => Just(Change::Penniless),
        1 => prop_oneof![Just(1u128), Just(10u128.pow(18)), Just(10u128.pow(30))].prop_map(Change::Amount),
        1 => any::<usize>().prop_map(Change::Calldata),
        1 => Just(Change::NonceGap),
        1 => Just(Change::TightGas),
        1 => Just(Change::FromProducer),
        1 => Just(Change::ToProducer),
    ]
}

/// A random list of transactions from `w`'s pool: picks and changes in order; nonces
/// follow each sender's chain from its nonce in the world state, except where a change
/// breaks it.
fn random_list(w: &World, picks: &[(usize, Change)]) -> Vec<TxEnv> {
    let producer = w.ctx.coinbase;
    let mut next: BTreeMap<Address, u64> = BTreeMap::new();
    picks
        .iter()
        .map(|&(i, change)| {
            let mut tx = w.pool[i % w.pool.len()].clone();
            match change {
                Change::AsPlanned | Change::NonceGap | Change::TightGas => {}
                Change::Sender(s) => tx.caller = w.senders[s % w.senders.len()],
                Change::Penniless => tx.caller = Address::repeat_byte(0xee),
                Change::FromProducer => tx.caller = producer,
                Change::ToProducer => tx.kind = revm::primitives::TxKind::Call(producer),
                Change::Amount(v) => tx.value += U256::from(v),
                Change::Calldata(at) => {
                    let mut data = tx.data.to_vec();
                    if !data.is_empty() {
                        let at = at % data.len();
                        data[at] = data[at].wrapping_add(1);
                    }
                    tx.data = Bytes::from(data);
                }
            }
            let base = w.state.cache.accounts.get(&tx.caller).map_or(0, |a| a.info.nonce);
            let nonce = next.entry(tx.caller).or_insert(base);
            tx.nonce = *nonce;
            match change {
                Change::NonceGap => tx.nonce += 1,
                Change::TightGas => tx.gas_limit = 21_000 + 64 * tx.data.len() as u64 + 100,
                _ => *nonce += 1,
            }
            tx
        })
        .collect()
}

/// Runs `blocks` with `exec` from `state`; all outcomes and the final state.
fn execute(
    exec: &mut dyn Executor,
    state: &ChainState,
    blocks: &[(BlockCtx, Vec<TxEnv>)],
) -> (Vec<TxOutcome>, ChainState) {
    let mut state = state.clone();
    let out = blocks.iter().flat_map(|(ctx, txs)| exec.execute(&mut state, ctx, txs.clone())).collect();
    (out, state)
}

/// Checks one random case: the list cut at `cut` into two blocks, on `threads`.
fn check(w: &World, list: &[TxEnv], cut: usize, threads: usize, stress: bool) -> Result<(), TestCaseError> {
    let cut = cut.min(list.len());
    let ctx = w.ctx;
    let blocks = vec![
        (ctx, list[..cut].to_vec()),
        (BlockCtx { number: ctx.number + 1, timestamp: ctx.timestamp + 1, ..ctx }, list[cut..].to_vec()),
    ];
    let (seq, seq_state) = execute(&mut Sequential::default(), &w.state, &blocks);
    let mut par = Parallel::new(ParallelConfig {
        min_txs: 1,
        stress,
        adaptive: false,
        ..ParallelConfig::new(threads, Duration::ZERO)
    });
    let (out, par_state) = execute(&mut par, &w.state, &blocks);
    prop_assert_eq!(outcome_diff(&seq, &out), None, "threads={}", threads);
    prop_assert_eq!(state_diff(&seq_state, &par_state), None, "threads={}", threads);
    let c = par.counters();
    prop_assert_eq!((c.blocks, c.txs), (2, list.len() as u64), "{:?}", c);
    prop_assert_eq!(c.executions, c.txs + c.re_executions, "every transaction ran at least once: {:?}", c);
    Ok(())
}

/// Tallies what the random blocks held, so a test can show its draws reach the cases
/// it claims (reverts, left-out transactions, successes).
#[derive(Debug, Default)]
struct Reached {
    blocks: u64,
    ok: u64,
    reverted: u64,
    excluded: u64,
}

impl Reached {
    fn add(&mut self, w: &World, list: &[TxEnv]) {
        self.blocks += 2;
        let mut state = w.state.clone();
        for o in Sequential::default().execute(&mut state, &w.ctx, list.to_vec()) {
            match o {
                TxOutcome::Included(r) if r.success => self.ok += 1,
                TxOutcome::Included(_) => self.reverted += 1,
                TxOutcome::Excluded(_) => self.excluded += 1,
            }
        }
    }
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn lists() -> impl Strategy<Value = Vec<(usize, Change)>> {
    prop::collection::vec((0..POOL, change()), 0..=MAX_TXS).prop_shuffle()
}

fn property(kind: &str) -> Reached {
    let mut runner = TestRunner::new(Config { cases: cases(CASES), failure_persistence: None, ..Config::default() });
    let strategy = (0..2usize, 0..4usize, select(vec![1usize, 2, 4, 8]), lists(), 0..=MAX_TXS, any::<bool>());
    let reached = Mutex::new(Reached::default());
    runner
        .run(&strategy, |(items, ratio, threads, picks, cut, stress)| {
            let w = world(&[kind], ITEMS[items], ratio);
            let list = random_list(&w, &picks);
            reached.lock().unwrap().add(&w, &list);
            check(&w, &list, cut, threads, stress)
                .map_err(|e| TestCaseError::fail(format!("{kind} items={} ratio={}: {e}", ITEMS[items], RATIOS[ratio])))
        })
        .unwrap_or_else(|e| panic!("{kind}: {e}"));
    reached.into_inner().unwrap()
}

#[test]
fn all_generators_in_one_world() {
    let kinds: Vec<&str> = workloads::CATALOG.iter().map(|w| w.name).collect();
    let mut runner =
        TestRunner::new(Config { cases: cases(MIXED_CASES), failure_persistence: None, ..Config::default() });
    let strategy = (0..2usize, select(vec![1usize, 2, 4, 8]), lists(), 0..=MAX_TXS, any::<bool>());
    let reached = Mutex::new(Reached::default());
    runner
        .run(&strategy, |(hot, threads, picks, cut, stress)| {
            let w = world(&kinds, ITEMS[hot], hot * 3);
            let list = random_list(&w, &picks);
            reached.lock().unwrap().add(&w, &list);
            check(&w, &list, cut, threads, stress)
        })
        .unwrap_or_else(|e| panic!("mixed: {e}"));
    let r = reached.into_inner().unwrap();
    eprintln!("mixed world: {r:?}");
    // The draws reach what they claim: successes, reverts and left-out transactions.
    assert!(r.ok > 0 && r.reverted > 0 && r.excluded > 0, "{r:?}");
}

macro_rules! generators {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let r = property(stringify!($name));
                eprintln!("{}: {r:?}", stringify!($name));
                assert!(r.ok > 0 && r.excluded > 0, "{r:?}");
            }
        )*

        #[test]
        fn every_generator_of_the_catalog_is_covered() {
            let covered = [$(stringify!($name)),*];
            for w in workloads::CATALOG {
                assert!(covered.contains(&w.name), "{} has no parallel-equals-sequential property", w.name);
            }
        }
    };
}

generators!(
    transfer,
    erc20_transfer,
    amm_swap,
    amm_liquidity,
    lending,
    staking,
    nft_mint,
    nft_trade,
    game_move,
    game_quest,
    game_craft,
    game_breed
);
