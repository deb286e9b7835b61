//! The RPC target against a real anvil: the ready scenarios (transfers, ERC-20, swaps,
//! gaming), identical gas on anvil and on the embedded chain for the same transactions,
//! automine drops caught and counted exactly, transactions never mined, a node killed
//! mid-run, decoded reverts, drain back, clear errors for a wrong chain id, a missing or
//! poor funder and an unreachable node, and the probe.

use std::{collections::BTreeMap, process::ExitCode, sync::Arc, time::Duration};

use alloy::primitives::U256;
use clap::Parser;
use gasbench::{
    cli::{Cli, EXIT_BAD_INPUT, EXIT_OK, EXIT_TARGET_FAULT},
    clock::Clock,
    plan::{Keyring, Planner, RunCost},
    report::Report,
    runner::{RunOptions, run},
    scenario::{Override, Scenario},
    targets::{ChainEvent, EventSink, Target, rpc},
};
use tokio_util::sync::CancellationToken;

use crate::{anvil::Anvil, root, scenario};

pub(crate) fn ready(name: &str, target: &str, rate: u32) -> Scenario {
    let sets = [
        format!("target={target}"),
        format!("load.open.rate={rate}"),
        "measure.warmup=0s".into(),
        "measure.duration=2s".into(),
        "measure.drain_timeout=10s".into(),
        "accounts.count=100".into(),
    ];
    let overrides: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
    gasbench::scenario::load_file(&root().join(format!("scenarios/{name}.yaml")), &overrides, &Default::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

pub(crate) fn assert_exact(r: &Report) {
    let a = &r.accounting;
    assert_eq!(r.failures.anomalies, 0, "{a:?} {:?} {:?} {:?}", r.failures, r.run, r.target.errors);
    assert_eq!(r.effects.verdict, "pass", "{:?} {a:?} {:?}", r.effects, r.failures);
    assert_eq!(r.target.kind, gasbench::report::TargetKind::Rpc);
    // Read back from the node: every transaction counted as included is in its blocks.
    let rc = &r.reconciliation;
    assert_eq!(rc.verdict, gasbench::report::Verdict::Pass, "{rc:?}");
    assert_eq!((rc.found_on_chain, rc.counted_included), (a.included, a.included), "{rc:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_scenarios_run_on_anvil_with_every_transaction_accounted() {
    let node = Anvil::start(&["--block-time", "1", "--gas-limit", "300000000"]);
    let ws = format!("ws: \"{}\"", node.ws_url());
    for (name, extra) in [("transfers", ""), ("mixed", ws.as_str()), ("defi", ""), ("gaming", ws.as_str())] {
        let s = ready(name, &node.target(extra), 100);
        let r =
            run(&s, &RunOptions::default(), CancellationToken::new()).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_exact(&r);
        assert_eq!(r.accounting.included, r.accounting.sent, "{name}: {:?}", r.accounting);
        assert_eq!(r.accounting.sent, 200, "{name}");
        assert!(r.effects.checks.iter().all(|c| c.verdict == "pass"), "{name}: {:?}", r.effects.checks);
        let notes = r.target.notes.join("\n");
        assert!(notes.contains("anvil/v1.7.1") && notes.contains("funding: "), "{notes}");
        let inclusion = if extra.is_empty() { "polling every " } else { "newHeads over ws://" };
        assert!(notes.contains(inclusion), "{name}: {notes}");
        assert!(r.target.errors.is_empty(), "{name}: {:?}", r.target.errors);
        assert_eq!(r.run.fault, None);
        if name != "transfers" {
            assert!(r.setup.txs > 0, "{name} deploys its contracts through the node");
        }
    }
}

/// Sends `txs` one at a time, each after the previous one's inclusion; gas and status by id.
async fn one_by_one(
    target: &Arc<dyn Target>,
    txs: &[Arc<gasbench::plan::PlannedTx>],
    events: &mut tokio::sync::mpsc::UnboundedReceiver<ChainEvent>,
    out: &mut BTreeMap<u32, (bool, u64)>,
) {
    for tx in txs {
        let r = target.submit(std::slice::from_ref(tx)).await;
        assert!(r[0].is_ok(), "{:?}", r[0]);
        while !out.contains_key(&tx.id) {
            let ev = tokio::time::timeout(Duration::from_secs(10), events.recv()).await.unwrap().unwrap();
            if let ChainEvent::Block(b) = &ev {
                out.extend(b.txs.iter().map(|t| (t.id, (t.success, t.gas_used))));
            }
            assert!(!matches!(ev, ChainEvent::Dropped { .. }), "{ev:?}");
        }
    }
}

/// Plans `s` for `target` and runs set-up and load in plan order; gas by transaction.
pub(crate) async fn gas_by_tx(s: &Scenario, target: Arc<dyn Target>) -> BTreeMap<u32, (bool, u64)> {
    let keys = Arc::new(Keyring::derive(s.seed, s.accounts.count as usize));
    let deployer = Arc::new(Planner::deployer_keys(s.seed));
    let mut funded = keys.addresses().to_vec();
    funded.push(deployer.addresses()[0]);
    let mut nonces = target.prepare(&funded, U256::from(10u128.pow(21))).await.unwrap();
    let d = nonces.pop().unwrap();
    let chain = target.info().chain_id;
    let mut planner = Planner::new(s, keys, deployer, chain, nonces, d).unwrap();
    let prepared = planner.prepare(Some(&[0; 60]));
    target.fund(&RunCost::of(&prepared)).await.unwrap();
    let (sink, mut events) = EventSink::new(Clock::start());
    target.start(sink).await.unwrap();
    let mut out = BTreeMap::new();
    for phase in &prepared.setup {
        one_by_one(&target, phase, &mut events, &mut out).await;
    }
    one_by_one(&target, &prepared.txs, &mut events, &mut out).await;
    target.stop().await;
    out
}

/// A scenario of every kind of transaction, small, for comparing gas per transaction.
fn every_kind(target: &str) -> Scenario {
    scenario(&format!(
        "name: diff\nseed: 77\naccounts: {{count: 12}}\nworkloads: [{{kind: transfer}}, {{kind: erc20_transfer}}, \
         {{kind: amm_swap, pools: 2}}, {{kind: game_move}}, {{kind: game_quest}}]\nload: {{open: {{rate: 30}}}}\n\
         measure: {{warmup: 0s, duration: 2s}}\ntarget: {target}\n"
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_transactions_use_identical_gas_on_anvil_and_on_the_embedded_chain() {
    let node = Anvil::start(&[]);
    let on_anvil = every_kind(&node.target(""));
    let on_embedded = every_kind("{kind: embedded, block_time: 10ms}");
    let anvil_gas = gas_by_tx(&on_anvil, gasbench::targets::build(&on_anvil.target).unwrap()).await;
    let embedded_gas = gas_by_tx(&on_embedded, gasbench::targets::build(&on_embedded.target).unwrap()).await;
    assert!(anvil_gas.len() > 60, "set-up and load: {}", anvil_gas.len());
    assert_eq!(anvil_gas, embedded_gas, "gas and status per transaction, anvil vs embedded");
}

/// A transfer burst at `rate` for 2 s on `node`, with a drop timeout of `drop`.
fn burst(node: &Anvil, rate: u32, drop: &str) -> Scenario {
    scenario(&format!(
        "name: burst\nseed: 5\naccounts: {{count: 50}}\nworkloads: [{{kind: transfer}}]\nload: {{open: {{rate: {rate}}}}}\n\
         measure: {{warmup: 0s, duration: 2s, drain_timeout: 20s}}\ntarget: {}\n",
        node.target(&format!("drop_timeout: {drop}"))
    ))
}

#[test]
fn automine_bursts_lose_accepted_transactions_and_every_one_is_counted() {
    let node = Anvil::start(&[]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    // One connection: with several, anvil in automine sometimes stops answering for
    // seconds and mines what it held after the run (the effects check then fails).
    let r = rt
        .block_on(run(&burst(&node, 3000, "8s, connections: 1"), &RunOptions::default(), CancellationToken::new()))
        .unwrap();
    // How many anvil loses varies from run to run (often thousands, sometimes none); the
    // effects check compares every sender's nonce and balance on the node with what the
    // report says was included, so the counts are exact whatever it lost.
    assert_exact(&r);
    assert!(
        r.warnings.iter().any(|w| w.contains("anvil's automine") && w.contains("--block-time 1")),
        "{:?}",
        r.warnings
    );
    let a = &r.accounting;
    // A slow anvil may hold the send path back past the planned end: what was not sent
    // by then is counted apart.
    assert_eq!((a.sent + a.not_sent, a.sent), (6000, a.included + a.rejected + a.dropped), "{a:?}");
    assert_eq!(a.dropped, r.failures.dropped.values().map(|k| k.count).sum::<u64>());
}

#[test]
fn accepted_transactions_that_are_never_mined_are_counted_dropped() {
    // Funded up front, then mining stops: every hash the node returns stays unmined.
    let node = Anvil::start(&[]);
    let s = burst(&node, 500, "1s");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = rpc::Client::new(&node.url(), 1, rpc::SEND_TIMEOUT);
    rt.block_on(async {
        for a in Keyring::derive(s.seed, 50).addresses() {
            let _: serde_json::Value =
                client.call("anvil_setBalance", serde_json::json!([a, "0x56bc75e2d63100000000"])).await.unwrap();
        }
        let _: serde_json::Value = client.call("evm_setAutomine", serde_json::json!([false])).await.unwrap();
    });
    let r = rt.block_on(run(&s, &RunOptions::default(), CancellationToken::new())).unwrap();
    assert_exact(&r);
    let a = &r.accounting;
    assert_eq!((a.sent, a.included), (1000, 0), "{a:?}");
    // Each sender's first transaction times out; what it sent after is dropped with it,
    // and what it had not sent yet is not sent (a nonce gap).
    let d = &r.failures.dropped;
    assert_eq!(d["not_included_within_1s"].count, 50, "{d:?}");
    assert!(d["not_included_within_1s"].example.contains("the node's nonce for its sender is 0"), "{d:?}");
    assert_eq!(a.dropped, 50 + d.get("behind_a_dropped_nonce").map_or(0, |k| k.count), "{d:?}");
    assert_eq!(a.rejected, r.failures.rejected.get("nonce_gap").map_or(0, |k| k.count), "{:?}", r.failures);
}

/// Runs 5 s of transfers at anvil, hits it with `fault` once load transactions are mined
/// (however long funding took), and returns the partial report of a run that exited 3.
fn run_with_a_fault_mid_run(node: &mut Anvil, fault: impl FnOnce(&mut Anvil)) -> Report {
    let dir = tempfile::tempdir().unwrap();
    let (path, out) = (dir.path().join("s.yaml"), dir.path().join("r.json"));
    std::fs::write(
        &path,
        format!(
            "name: fault\nseed: 8\naccounts: {{count: 20}}\nworkloads: [{{kind: transfer}}]\nload: {{open: {{rate: 200}}}}\n\
             measure: {{warmup: 0s, duration: 5s, drain_timeout: 2s}}\ntarget: {}\n",
            node.target("drop_timeout: 1s")
        ),
    )
    .unwrap();
    let args = ["gasbench", "run", path.to_str().unwrap(), "--quiet", "--out", out.to_str().unwrap()];
    let cli = Cli::try_parse_from(args).unwrap();
    let run = std::thread::spawn(move || gasbench::cli::run(cli));
    // The fault comes two blocks after the first load transaction was mined: the
    // tracker (polling every 50 ms) has seen load included by then, even on a busy machine.
    let sender = Keyring::derive(8, 20).addresses()[0];
    let client = rpc::Client::new(&node.url(), 1, rpc::SEND_TIMEOUT);
    let ask = async |method: &str, params: serde_json::Value| -> u64 {
        client.call::<U256>(method, params).await.unwrap_or_default().to()
    };
    let load_on_chain = async {
        let mut tick = tokio::time::interval(Duration::from_millis(50));
        let mut first_block = None;
        loop {
            tick.tick().await;
            let head = ask("eth_blockNumber", serde_json::json!([])).await;
            if first_block.is_none() && ask("eth_getTransactionCount", serde_json::json!([sender, "latest"])).await > 0
            {
                first_block = Some(head);
            }
            if first_block.is_some_and(|b| head >= b + 2) {
                return;
            }
        }
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let ready = rt.block_on(async { tokio::time::timeout(Duration::from_secs(30), load_on_chain).await.is_ok() });
    assert!(ready, "the load did not reach the chain within 30 s");
    fault(node);
    assert_eq!(run.join().unwrap(), ExitCode::from(EXIT_TARGET_FAULT));
    let r: Report = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert!(r.run.partial);
    // A node that went away cannot be read back: no pass is claimed for what was not checked.
    assert_eq!(r.reconciliation.verdict, gasbench::report::Verdict::Skipped, "{:?}", r.reconciliation);
    assert!(r.accounting.rejected > 0 && r.accounting.included > 0, "{:?}", r.accounting);
    r
}

#[test]
fn a_node_killed_mid_run_gives_a_partial_report_and_exit_code_3() {
    let mut node = Anvil::start(&["--block-time", "1"]);
    let r = run_with_a_fault_mid_run(&mut node, Anvil::kill);
    let fault = r.run.fault.clone().unwrap();
    assert!(fault.contains("node unreachable") && fault.contains("cannot reach the node"), "{fault}");
    // Whichever of the send path and the tracker met the dead node first started the
    // backoff; sends during it are refused without trying.
    assert!(r.target.errors.keys().any(|k| k.ends_with("_unreachable")), "{:?}", r.target.errors);
    assert!(r.failures.rejected.contains_key("transport"), "{:?}", r.failures.rejected);
    assert!(r.run.elapsed_seconds < 5.0 + 2.0 + 3.0, "ends on schedule: {}", r.run.elapsed_seconds);
}

#[test]
fn a_node_that_hangs_mid_run_is_a_fault_too() {
    // Frozen, anvil keeps its connections open and answers nothing: sends time out (5 s)
    // and no other request is answered meanwhile, which an overloaded node would do.
    let mut node = Anvil::start(&["--block-time", "1"]);
    let r = run_with_a_fault_mid_run(&mut node, |n| n.pause());
    let fault = r.run.fault.clone().unwrap();
    assert!(fault.contains("node unresponsive") && fault.contains("nothing answered for"), "{fault}");
    assert!(r.target.errors.get("send_timeout").is_some_and(|&n| n > 0), "{:?}", r.target.errors);
    // Later sends are refused at once instead of queueing behind requests that cannot
    // return, and the checks after the run do not wait on the node.
    let refused = &r.failures.rejected["transport"];
    assert!(refused.example.contains("the node has answered nothing since"), "{refused:?}");
    assert!(r.effects.details.iter().any(|d| d.contains("answered nothing")), "{:?}", r.effects);
    // The end may slip by the send timeout (5 s) of the requests out when the node froze,
    // and a busy machine adds to it; without the fault it took minutes (120 s reads).
    assert!(r.run.elapsed_seconds < 5.0 + 2.0 + 2.0 * 5.0 + 3.0, "ends on schedule: {}", r.run.elapsed_seconds);
}

#[test]
fn wrong_chain_id_missing_funder_poor_funder_and_unreachable_node_are_clear_errors() {
    let node = Anvil::start(&[]);
    let other = Anvil::start(&["--chain-id", "10"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let err = |target: String| {
        let s = scenario(&crate::small(10, "1s", &format!("target: {target}\n")));
        rt.block_on(run(&s, &RunOptions::default(), CancellationToken::new())).unwrap_err().to_string()
    };
    let e = err(node.target("chain_id: 1, funder: {env: GASBENCH_TEST_UNUSED}"));
    assert!(e.contains("target.chain_id") && e.contains("reports chain 31337") && e.contains("expects 1"), "{e}");
    let e = err(other.target(""));
    assert!(e.contains("target.funder") && e.contains("chain 10") && e.contains("env"), "{e}");
    let poor = Anvil::start(&["--balance", "1"]);
    let e = err(poor.target("") + "\nfees: {max_fee_gwei: 10000}");
    assert!(
        e.contains("the funder 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 (anvil dev account 0) holds 1.000000 ETH")
            && e.contains("load gas (gas limit x max fee x transactions) 2.100000 ETH")
            && e.contains("fees.max_fee_gwei"),
        "{e}"
    );
    let down = format!("{{kind: rpc, http: \"http://127.0.0.1:{}\"}}", crate::anvil::free_port());
    let e = err(down.clone());
    assert!(e.contains("cannot reach the node") && e.contains("Connection refused"), "{e}");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("down.yaml");
    std::fs::write(&path, crate::small(10, "1s", &format!("target: {down}\n"))).unwrap();
    let cli = Cli::try_parse_from(["gasbench", "run", path.to_str().unwrap(), "--quiet"]).unwrap();
    assert_eq!(gasbench::cli::run(cli), ExitCode::from(EXIT_BAD_INPUT));
}

#[tokio::test]
async fn probe_reports_what_the_node_is_and_supports() {
    let node = Anvil::start(&["--gas-limit", "50000000"]);
    let p = rpc::probe(&rpc::Client::new(&node.url(), 1, rpc::SEND_TIMEOUT), None).await.unwrap();
    assert_eq!((p.chain_id, p.gas_limit, p.latest_block), (31337, 50_000_000, 0));
    assert_eq!(p.client_version, "anvil/v1.7.1");
    assert_eq!(p.base_fee_wei, Some(1_000_000_000));
    let c = &p.capabilities;
    assert!(c.batches.is_yes() && c.block_receipts.is_yes() && c.call_tracer.is_yes(), "{c:?}");
    assert!(c.txpool.is_yes() && c.dev_mining.is_yes(), "{c:?}");
    // Over HTTP anvil answers eth_subscribe, but only a WebSocket carries the heads.
    assert!(!c.subscribe.is_yes(), "{c:?}");
    let text = p.to_string();
    assert!(text.contains("chain id        31337") && text.contains("receipts of blocks mostly ours"), "{text}");
    assert_eq!(p.automine, Some(true));
    assert!(text.contains("mining          on each transaction's arrival (automine)"), "{text}");
    assert!(rpc::probe_subscribe(&node.ws_url()).await.is_yes());
    let (url, ws) = (node.url(), node.ws_url());
    let code = tokio::task::spawn_blocking(move || {
        gasbench::cli::run(Cli::try_parse_from(["gasbench", "target", "probe", &url, "--ws", &ws, "--json"]).unwrap())
    });
    assert_eq!(code.await.unwrap(), ExitCode::from(EXIT_OK));
    let down = format!("http://127.0.0.1:{}", crate::anvil::free_port());
    let code = tokio::task::spawn_blocking(move || {
        gasbench::cli::run(Cli::try_parse_from(["gasbench", "target", "probe", &down]).unwrap())
    });
    assert_eq!(code.await.unwrap(), ExitCode::from(EXIT_BAD_INPUT));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reverts_on_anvil_are_decoded_where_they_stood_in_their_block() {
    // Two players, 300 moves: each has energy for 100. Blocks every second hold about 15
    // moves of each player, so the moves that run out of energy mid-block revert because
    // of earlier moves in their own block: a replay on the parent block would succeed and
    // say nothing (this test fails with tracing switched off).
    let node = Anvil::start(&["--block-time", "1"]);
    let yaml = format!(
        "name: tired\nseed: 2\naccounts: {{count: 2}}\nworkloads: [{{kind: game_move}}]\nload: {{closed: {{in_flight: 30, \
         count: 300}}}}\nmeasure: {{warmup: 0s, duration: 60s, drain_timeout: 5s}}\ntarget: {}\n",
        node.target(&format!("ws: \"{}\"", node.ws_url()))
    );
    let r = run(&scenario(&yaml), &RunOptions::default(), CancellationToken::new()).await.unwrap();
    assert_exact(&r);
    let w = &r.workloads["game_move"];
    assert!(w.accounting.reverted >= 90, "{:?}", w.accounting);
    let reason = &w.revert_reasons["OutOfEnergy"];
    assert_eq!(reason.count, w.accounting.reverted, "{:?}", w.revert_reasons);
    assert!(reason.example.starts_with("OutOfEnergy("), "{}", reason.example);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_back_returns_what_the_accounts_hold_to_the_funder() {
    let node = Anvil::start(&["--block-time", "1"]);
    let s = scenario(&crate::small(50, "1s", &format!("target: {}\n", node.target("drain_back: true"))));
    let r = run(&s, &RunOptions::default(), CancellationToken::new()).await.unwrap();
    assert_exact(&r);
    let notes = r.target.notes.join("\n");
    assert!(notes.contains("drain back: ") && notes.contains("from 50 accounts"), "{notes} {:?}", r.warnings);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    // What is left is dust: less than one transfer's fee at the drain's max fee.
    let client = rpc::Client::new(&node.url(), 1, rpc::SEND_TIMEOUT);
    for a in Keyring::derive(s.seed, 50).addresses() {
        let left: U256 = client.call("eth_getBalance", serde_json::json!([a, "latest"])).await.unwrap();
        assert!(left < U256::from(21_000u64 * 10_000_000_000), "{a}: {left}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_funder_key_from_the_environment_never_shows_in_reports_or_output() {
    // Any chain but 31337 needs an explicit funder; .cargo/config.toml sets the variable
    // to anvil's dev account 1, as a user would export their own key.
    let var = "GASBENCH_TEST_FUNDER_KEY";
    let key = std::env::var(var).expect("set by .cargo/config.toml");
    let secret = key.trim_start_matches("0x").to_lowercase();
    let node = Anvil::start(&["--block-time", "1", "--chain-id", "10"]);
    let s = scenario(&crate::small(
        50,
        "1s",
        &format!("target: {}\n", node.target(&format!("chain_id: 10, funder: {{env: {var}}}"))),
    ));
    let r = run(&s, &RunOptions::default(), CancellationToken::new()).await.unwrap();
    assert_exact(&r);
    let notes = r.target.notes.join("\n");
    assert!(notes.contains("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"), "funded by dev account 1: {notes}");
    let shown =
        [serde_json::to_string(&r).unwrap(), gasbench::report::summary_table(&r), format!("{s:?}"), format!("{r:?}")];
    for text in shown {
        assert!(!text.to_lowercase().contains(&secret), "the funder key leaked into: {text}");
    }
}

/// A node that loses accepted set-up transactions (anvil in automine mode does under
/// bursts; here the pool is emptied with `anvil_dropAllTransactions` as soon as the
/// deployer's first transactions sit in it): the set-up sends them again and completes,
/// and the load then runs with every count exact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_up_transactions_the_node_loses_are_sent_again() {
    let node = Anvil::start(&["--block-time", "2", "--gas-limit", "300000000"]);
    let s = ready("defi", &node.target("drop_timeout: 2s"), 20);
    let deployer = gasbench::plan::Planner::deployer_keys(s.seed).addresses()[0];
    let client = rpc::Client::new(&node.url(), 1, rpc::SEND_TIMEOUT);
    let saboteur = tokio::spawn(async move {
        for _ in 0..2_000 {
            let pending: U256 =
                client.call("eth_getTransactionCount", serde_json::json!([deployer, "pending"])).await.unwrap();
            if pending > U256::ZERO {
                let _: serde_json::Value =
                    client.call("anvil_dropAllTransactions", serde_json::json!([])).await.unwrap();
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        false
    });
    let r = run(&s, &RunOptions::default(), CancellationToken::new()).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(saboteur.await.unwrap(), "the deployer's transactions never reached the pool");
    assert_exact(&r);
    assert!(r.setup.resent > 0, "{:?}", r.setup);
    assert!(r.effects.checks.iter().all(|c| c.verdict == "pass"), "{:?}", r.effects.checks);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_set_up_that_makes_no_progress_ends_with_an_error_naming_what_it_waited_for() {
    // A node that accepts transactions and never mines them. The accounts hold their
    // funds already (anvil_setBalance), so no funding transfer needs mining.
    let node = Anvil::start(&["--no-mining"]);
    let mut s = ready("defi", &node.target(""), 100);
    s.measure.setup_timeout = "6s".parse().unwrap();
    let client = rpc::Client::new(&node.url(), 1, rpc::SEND_TIMEOUT);
    let keys = Keyring::derive(s.seed, s.accounts.count as usize);
    let deployer = Planner::deployer_keys(s.seed);
    for a in keys.addresses().iter().chain(deployer.addresses()) {
        let _: serde_json::Value =
            client.call("anvil_setBalance", serde_json::json!([a, "0xd3c21bcecceda1000000"])).await.unwrap();
    }
    let e = run(&s, &RunOptions::default(), CancellationToken::new()).await.unwrap_err().to_string();
    assert!(
        e.starts_with("set-up phase 0: nothing included for 3s while waiting for the inclusion of `")
            && e.contains("check that the node mines"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_the_node_keeps_failing_is_a_named_fault_in_the_set_up_and_in_the_load() {
    let node = Anvil::start(&["--block-time", "1"]);
    // Receipts refused with -32000 "not available" after the probe's one call.
    let refusing =
        || crate::faulty_node::start(node.port(), &["eth_getBlockReceipts", "eth_getTransactionReceipt"], 1, true);
    let target = |port: u16| crate::anvil::target_yaml(&format!("http://127.0.0.1:{port}"), "");

    // In the set-up (the contracts' deployment): an error naming what it waited for (exit 2).
    let s = ready("defi", &target(refusing().await), 50);
    let e = run(&s, &RunOptions::default(), CancellationToken::new()).await.unwrap_err().to_string();
    assert!(e.starts_with("set-up phase 0: the target failed while waiting for the inclusion of `"), "{e}");
    assert!(e.contains("the node failed `eth_getTransactionReceipt` 8 times in a row"), "{e}");
    assert!(e.contains("method eth_getTransactionReceipt not available"), "the node's answer: {e}");

    // During the load: a fault in a partial report (exit 3), the requests bounded.
    let mut s = scenario(&crate::small(50, "2s", &format!("target: {}\n", target(refusing().await))));
    s.measure.drain_timeout = "15s".parse().unwrap();
    let r = run(&s, &RunOptions::default(), CancellationToken::new()).await.unwrap();
    let fault = r.run.fault.as_deref().unwrap_or_default();
    assert!(fault.starts_with("the node failed `eth_getTransactionReceipt` 8 times in a row"), "{fault}");
    assert!(r.accounting.balanced, "{:?}", r.accounting);
    // Unbounded, polling every 50 ms for the 17 s of load and drain, it would be ~340.
    let receipts = r.target.requests["eth_getTransactionReceipt"].http_requests;
    assert!(receipts < 40, "asked {receipts} times: the retries are bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_without_batches_gets_one_call_per_request_and_the_run_completes() {
    let node = Anvil::start(&["--block-time", "1"]);
    let port = crate::faulty_node::start(node.port(), &[], 0, false).await;
    let target = crate::anvil::target_yaml(&format!("http://127.0.0.1:{port}"), "");
    let s = scenario(&crate::small(50, "2s", &format!("target: {target}\n")));
    let r = run(&s, &RunOptions::default(), CancellationToken::new()).await.unwrap();
    assert_exact(&r);
    assert_eq!(r.accounting.included, 100, "{:?}", r.accounting);
    let notes = r.target.notes.join("\n");
    assert!(
        notes.contains("batches: no (not supported: batch of eth_chainId: the node answered error -32600"),
        "{notes}"
    );
    // Every method one call per request, but the probe's batch of two eth_chainId.
    for (method, c) in r.target.requests.iter().filter(|(m, _)| *m != "eth_chainId") {
        assert_eq!(c.calls, c.http_requests, "{method}: one call per request");
    }
    assert!(r.target.requests["eth_sendRawTransaction"].calls >= 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_head_poll_follows_the_node_block_time() {
    // 3 s blocks: a twentieth is 150 ms, ~7 polls a second (50 ms, the floor, would be 20).
    let node = Anvil::start(&["--block-time", "3"]);
    let mut s = scenario(&crate::small(20, "4s", &format!("target: {}\n", node.target(""))));
    s.measure.drain_timeout = "10s".parse().unwrap();
    let r = run(&s, &RunOptions::default(), CancellationToken::new()).await.unwrap();
    assert_exact(&r);
    let notes = r.target.notes.join("\n");
    assert!(notes.contains("polling every 150ms, a 20th of the block time measured (3.00s)"), "{notes}");
    // Until the first block after the start, it polls at the floor (20/s).
    let polls = r.target.requests["eth_blockNumber"].calls_per_second;
    assert!(polls < 14.0, "{polls} eth_blockNumber/s with 3 s blocks");
}
