//! Workloads on the embedded chain: every generator runs with no unexpected revert and a
//! plausible gas per operation, its checks hold, revert reasons are decoded, the set-up
//! reports its failures, and the contention dials change the conflict structure.

use std::collections::{BTreeMap, BTreeSet};

use alloy::primitives::{Address, U256};
use gasbench::runner::{RunOptions, offline, run};
use tokio_util::sync::CancellationToken;

fn mix_of(workloads: &[&str]) -> String {
    workloads.iter().map(|w| format!("  - kind: {w}\n")).collect()
}

/// Gas per operation (p50) each workload must show: measured on anvil for the ERC-20
/// transfer (34,251) and swap (~83k); the others from the contracts' storage writes.
fn plausible_gas(workload: &str) -> core::ops::RangeInclusive<u64> {
    match workload {
        "transfer" => 21_000..=21_000,
        "erc20_transfer" => 34_000..=51_500,
        "amm_swap" => 70_000..=110_000,
        "amm_liquidity" => 60_000..=200_000,
        "lending" | "staking" => 40_000..=130_000,
        "nft_mint" => 45_000..=80_000,
        "nft_trade" => 35_000..=130_000,
        "game_move" => 25_000..=45_000,
        "game_quest" => 40_000..=100_000,
        "game_craft" | "game_breed" => 80_000..=180_000,
        other => panic!("no gas range for {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_workload_runs_without_reverts_with_plausible_gas_and_its_checks_hold() {
    let names: Vec<&str> = workloads::CATALOG.iter().map(|w| w.name).collect();
    let yaml = format!(
        "name: all\nseed: 8\naccounts: {{count: 40}}\nworkloads:\n{}load: {{open: {{rate: 240}}}}\nmeasure: {{warmup: 0s, duration: 2s, drain_timeout: 5s}}\ntarget: {{kind: embedded, block_time: 200ms}}\n",
        mix_of(&names)
    );
    let r = run(&crate::scenario(&yaml), &RunOptions::default(), CancellationToken::new()).await.unwrap();
    assert_eq!(r.reconciliation.verdict, gasbench::report::Verdict::Pass, "{:?}", r.reconciliation);
    assert_eq!(r.effects.verdict, "pass", "{:#?}", r.effects);
    assert!(r.setup.txs > 0 && r.setup.gas_used > 0 && r.setup.phases == 2, "{:?}", r.setup);
    assert_eq!(r.workloads.len(), names.len());
    for (name, w) in &r.workloads {
        assert!(w.accounting.included > 0, "{name}: nothing included");
        assert_eq!(w.accounting.reverted, 0, "{name}: {:?}", w.revert_reasons);
        let gas = plausible_gas(name);
        assert!(gas.contains(&w.gas_per_op.p50), "{name}: gas p50 {} outside {gas:?}", w.gas_per_op.p50);
        assert_eq!(w.ops.values().sum::<u64>(), w.accounting.succeeded, "{name}: ops by kind add up");
    }
    // Every workload states at least one check, and all of them pass.
    let checked: BTreeSet<&str> = r.effects.checks.iter().map(|c| c.workload.as_str()).collect();
    for name in names.iter().filter(|n| **n != "transfer") {
        assert!(checked.contains(name), "{name} has no check");
    }
    assert!(r.effects.checks.iter().all(|c| c.verdict == "pass"), "{:#?}", r.effects.checks);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn energy_running_out_is_warned_about_and_its_reverts_are_decoded() {
    // Two players, 300 moves: each has energy for 100.
    let yaml = "name: tired\nseed: 2\naccounts: {count: 2}\nworkloads: [{kind: game_move}]\nload: {closed: {in_flight: 20, count: 300}}\nmeasure: {warmup: 0s, duration: 10s, drain_timeout: 5s}\ntarget: {kind: embedded, block_time: 100ms}\n";
    let r = run(&crate::scenario(yaml), &RunOptions::default(), CancellationToken::new()).await.unwrap();
    assert!(r.warnings.iter().any(|w| w.contains("OutOfEnergy")), "{:?}", r.warnings);
    let w = &r.workloads["game_move"];
    assert!(w.accounting.reverted >= 90, "{:?}", w.accounting);
    let reason = &w.revert_reasons["OutOfEnergy"];
    assert_eq!(reason.count, w.accounting.reverted);
    assert!(reason.example.starts_with("OutOfEnergy("), "{}", reason.example);
    // Reverted transactions are on chain too, and the chain's state matches every outcome.
    assert_eq!(r.reconciliation.found_on_chain, r.accounting.included, "{:?}", r.reconciliation);
    assert_eq!(r.effects.verdict, "pass", "{:#?}", r.effects);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_ended_closed_run_provisions_every_account() {
    let yaml = "name: lazy\nseed: 4\naccounts: {count: 30}\nworkloads: [{kind: erc20_transfer}, {kind: amm_swap}, {kind: staking}]\nload: {closed: {in_flight: 16}}\nmeasure: {warmup: 0s, duration: 1500ms, drain_timeout: 5s}\ntarget: {kind: embedded, block_time: 100ms}\n";
    let r = run(&crate::scenario(yaml), &RunOptions::default(), CancellationToken::new()).await.unwrap();
    assert!(r.accounting.included > 50, "{:?}", r.accounting);
    assert_eq!(r.accounting.reverted, 0, "{:#?}", r.workloads);
    assert_eq!(r.effects.verdict, "pass", "{:#?}", r.effects);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_set_up_that_cannot_complete_fails_naming_the_transaction() {
    // Accounts and deployer without ETH: the first deployment is refused.
    let yaml = "name: broke\nseed: 4\naccounts: {count: 3, balance_eth: 0}\nworkloads: [{kind: erc20_transfer}]\nload: {open: {rate: 10}}\nmeasure: {warmup: 0s, duration: 1s}\ntarget: {kind: embedded}\n";
    let err = run(&crate::scenario(yaml), &RunOptions::default(), CancellationToken::new()).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("deploy Token") && text.contains("insufficient_funds"), "{text}");
}

#[test]
fn inventory_workloads_need_a_count_in_the_closed_model() {
    let yaml = "name: t\naccounts: {count: 3}\nworkloads: [{kind: transfer}, {kind: game_craft}]\nload: {closed: {in_flight: 4}}\nmeasure: {duration: 1s}\ntarget: {kind: embedded}\n";
    let err = gasbench::scenario::load_str("t.yaml", yaml, &[], &Default::default()).unwrap_err().to_string();
    assert!(err.contains("load.closed.count") && err.contains("workloads[1] (game_craft)"), "{err}");
}

/// Storage slots written by each transaction of the first `n` load transactions of
/// `yaml`, executed as one block.
fn writes(yaml: &str, n: usize) -> Vec<BTreeSet<(Address, U256)>> {
    let world = offline::world(&crate::scenario(yaml), n).unwrap();
    offline::write_sets(&world.state, &world.block, &world.txs)
}

/// How many transactions write the hottest slot, and how many distinct slots are written.
fn conflict_structure(sets: &[BTreeSet<(Address, U256)>]) -> (usize, usize) {
    let mut writers: BTreeMap<(Address, U256), usize> = BTreeMap::new();
    for set in sets {
        for slot in set {
            *writers.entry(*slot).or_default() += 1;
        }
    }
    (writers.values().copied().max().unwrap_or(0), writers.len())
}

#[test]
fn the_contention_dial_changes_the_conflict_structure() {
    let swap = |pick: &str| {
        format!(
            "name: dial\nseed: 9\naccounts: {{count: 200}}\nworkloads: [{{kind: amm_swap, pools: 32, pool_pick: \"{pick}\"}}]\nload: {{open: {{rate: 10}}}}\nmeasure: {{duration: 1s}}\ntarget: {{kind: embedded}}\n"
        )
    };
    let mut rows = Vec::new();
    for pick in ["uniform", "zipf(1.2)", "hot(0.5)", "hot(0.9)", "hot(1.0)"] {
        let (hottest, distinct) = conflict_structure(&writes(&swap(pick), 200));
        println!(
            "amm_swap pool_pick={pick:<10} hottest slot written by {hottest:>3} of 200 txs; {distinct} distinct slots"
        );
        rows.push((hottest, distinct));
    }
    // Uniform over 32 pools: the busiest reserve slot sees a handful of the 200 swaps.
    assert!(rows[0].0 < 25, "{rows:?}");
    // The hotter the dial, the more swaps share one slot and the fewer slots there are.
    assert!(rows.windows(2).all(|w| w[1].0 >= w[0].0), "{rows:?}");
    assert!(rows[0].1 > rows[4].1, "{rows:?}");
    // hot(1.0): every swap writes the one pool's reserves.
    assert_eq!(rows[4].0, 200, "{rows:?}");

    // NFT mints: one collection's counter is written by every mint; 16 spread it.
    let mint = |n: u32| {
        format!(
            "name: m\nseed: 9\naccounts: {{count: 200}}\nworkloads: [{{kind: nft_mint, collections: {n}}}]\nload: {{open: {{rate: 10}}}}\nmeasure: {{duration: 1s}}\ntarget: {{kind: embedded}}\n"
        )
    };
    let (one, _) = conflict_structure(&writes(&mint(1), 200));
    let (many, _) = conflict_structure(&writes(&mint(16), 200));
    println!("nft_mint: hottest slot written by {one} of 200 with 1 collection, {many} with 16");
    assert_eq!(one, 200);
    assert!(many < 40, "{many}");
}
