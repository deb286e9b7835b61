//! Property: for blocks drawn from every workload generator x hot ratio {0, 0.1, 0.5,
//! 1} x shared items {1, many} x threads {1, 2, 4, 8}, with random cuts into two
//! blocks, random dropped transactions (nonce gaps) and random yields in state reads,
//! the parallel executor's receipts and final state equal the sequential executor's.
//! Each world (set-up included) is built once per process and sampled many times.

use core::time::Duration;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock},
};

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

/// Planned load transactions per world (a debug build executes ~500 of them a second).
const TXS: usize = 48;
/// Cases per generator: 12 generators, so ~1,000 cases in all (~2 minutes of CI in a
/// debug build). `PROPTEST_CASES=N` runs N per generator instead.
const CASES: u32 = 90;
const RATIOS: [f64; 4] = [0.0, 0.1, 0.5, 1.0];
const ITEMS: [u32; 2] = [1, 8];

type World = Arc<(ChainState, Vec<TxEnv>, BlockCtx)>;
/// Worlds by (generator, items, hot ratio index).
type Worlds = Mutex<HashMap<(String, u32, usize), World>>;

/// The world of `kind` with `items` shared items and every pick `hot(ratio)`.
fn world(kind: &str, items: u32, ratio: usize) -> World {
    static WORLDS: OnceLock<Worlds> = OnceLock::new();
    let cache = WORLDS.get_or_init(Default::default);
    let key = (kind.to_string(), items, ratio);
    if let Some(w) = cache.lock().unwrap().get(&key) {
        return w.clone();
    }
    let mut s = crate::scenario(&format!(
        "name: prop\nseed: 17\naccounts: {{count: 24}}\nworkloads: [{{kind: {kind}}}]\nload: {{open: {{rate: 100}}}}\nmeasure: {{duration: 1s}}\ntarget: {{kind: embedded}}\n"
    ));
    s.workloads[0].set_items(items);
    s.workloads[0].set_pick(Pick::Hot { ratio: RATIOS[ratio], set_size: 1 });
    let w = offline::world(&s, TXS).unwrap_or_else(|e| panic!("{kind}: {e}"));
    let world: World = Arc::new((w.state, w.txs.iter().map(|t| t.tx_env()).collect(), w.block));
    cache.lock().unwrap().insert(key, world.clone());
    world
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

fn property(kind: &str) {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(CASES);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let cases = (0..2usize, 0..4usize, select(vec![1usize, 2, 4, 8]), 0..=TXS, 0..=TXS, any::<u64>(), any::<bool>());
    runner
        .run(&cases, |(items, ratio, threads, cut_a, cut_b, drops, stress)| {
            let w = world(kind, ITEMS[items], ratio);
            let (state, txs, ctx) = (&w.0, &w.1, w.2);
            // Drop up to ~1 in 16 transactions (bits of `drops`): later ones of the same
            // sender then fail their nonce check, in both executors alike.
            let kept: Vec<TxEnv> = txs
                .iter()
                .enumerate()
                .filter(|(i, _)| drops & (0xf << (i % 16 * 4)) != 0)
                .map(|(_, t)| t.clone())
                .collect();
            let (a, b) = (cut_a.min(cut_b).min(kept.len()), cut_a.max(cut_b).min(kept.len()));
            let blocks = vec![
                (ctx, kept[..a].to_vec()),
                (BlockCtx { number: ctx.number + 1, timestamp: ctx.timestamp + 1, ..ctx }, kept[a..b].to_vec()),
            ];
            let (seq, seq_state) = execute(&mut Sequential::default(), state, &blocks);
            let mut par = Parallel::new(ParallelConfig {
                min_txs: 1,
                stress,
                adaptive: false,
                ..ParallelConfig::new(threads, Duration::ZERO)
            });
            let (out, par_state) = execute(&mut par, state, &blocks);
            prop_assert_eq!(
                outcome_diff(&seq, &out),
                None,
                "{} items={} ratio={} threads={}",
                kind,
                ITEMS[items],
                RATIOS[ratio],
                threads
            );
            prop_assert_eq!(state_diff(&seq_state, &par_state), None);
            let c = par.counters();
            prop_assert!(c.executions >= c.txs, "{:?}", c);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{kind}: {e}"));
}

macro_rules! generators {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                property(stringify!($name));
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
