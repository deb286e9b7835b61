//! The RPC target against a second real node, Hardhat's (EDR, from npm, interval mining
//! every second): it lacks `eth_getBlockReceipts` (answers -32004), `txpool_*`,
//! `anvil_*` and the call tracer, so the probe must pick every fallback up front. The
//! ready scenarios complete with every transaction accounted for, and the same
//! transactions use the same gas as on anvil.

use std::process::ExitCode;

use clap::Parser;
use gasbench::{
    cli::{Cli, EXIT_OK},
    runner::{RunOptions, run},
    targets::rpc::{self, Absence, Support},
};
use tokio_util::sync::CancellationToken;

use crate::{
    anvil::Anvil,
    hardhat_node::Hardhat,
    rpc::{assert_exact, gas_by_tx, ready},
    scenario,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_scenarios_run_on_hardhat_with_every_fallback_picked_up_front() {
    let node = Hardhat::start(1000);
    let ws = format!("ws: \"{}\"", node.ws_url());
    for (name, extra) in [("transfers", ""), ("defi", ""), ("gaming", ws.as_str())] {
        let s = ready(name, &node.target(extra), 100);
        let r =
            run(&s, &RunOptions::default(), CancellationToken::new()).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_exact(&r);
        assert_eq!(r.accounting.included, r.accounting.sent, "{name}: {:?}", r.accounting);
        assert_eq!(r.accounting.sent, 200, "{name}");
        assert!(r.effects.checks.iter().all(|c| c.verdict == "pass"), "{name}: {:?}", r.effects.checks);
        assert!(r.target.errors.is_empty(), "{name}: {:?}", r.target.errors);
        assert_eq!(r.run.fault, None);
        if name != "transfers" {
            assert!(r.setup.txs > 0, "{name} deploys its contracts through the node");
        }
        let notes = r.target.notes.join("\n");
        assert!(notes.contains("HardhatNetwork/2.29.1"), "{notes}");
        assert!(
            notes.contains("eth_getBlockReceipts: no (not supported: ")
                && notes.contains("-> receipts by batched eth_getTransactionReceipt")
                && notes.contains("callTracer: no (parameters refused: ")
                && notes.contains("txpool: no (not supported: "),
            "{name}: {notes}"
        );
        // The method it lacks was asked once, by the probe; never again during the run.
        let req = &r.target.requests;
        assert_eq!(req["eth_getBlockReceipts"].calls, 1, "{name}: {req:?}");
        assert!(req["eth_getTransactionReceipt"].calls > 0, "{name}: {req:?}");
        assert!(req["eth_sendRawTransaction"].calls >= 200, "{name}: {req:?}");
        // With 1 s blocks the head is polled about 20 times a second, not hundreds.
        let polls = req["eth_blockNumber"].calls_per_second;
        assert!(polls < 40.0, "{name}: {polls} eth_blockNumber/s");
        if extra.is_empty() {
            assert!(!notes.contains("block time measured (unknown)"), "{name}: {notes}");
        } else {
            assert!(notes.contains("newHeads over ws://"), "{name}: {notes}");
        }
    }

    // The probe names each fallback and why, in the node's words.
    let client = rpc::Client::new(&node.url(), 1, rpc::SEND_TIMEOUT);
    let p = rpc::probe(&client, Some(rpc::probe_subscribe(&node.ws_url()).await)).await.unwrap();
    let c = &p.capabilities;
    let absence = |s: &Support| match s {
        Support::No { absence, .. } => Some(*absence),
        _ => None,
    };
    assert_eq!(absence(&c.block_receipts), Some(Absence::NotSupported), "{c:?}");
    assert_eq!(absence(&c.call_tracer), Some(Absence::RefusedParams), "{c:?}");
    assert_eq!(absence(&c.txpool), Some(Absence::NotSupported), "{c:?}");
    assert!(c.batches.is_yes() && c.subscribe.is_yes() && c.dev_mining.is_yes(), "{c:?}");
    assert_eq!((p.chain_id, p.automine), (31337, Some(false)));
    let text = p.to_string();
    assert!(text.contains("Method eth_getBlockReceipts is not supported"), "{text}");
    let (url, ws) = (node.url(), node.ws_url());
    let code = tokio::task::spawn_blocking(move || {
        gasbench::cli::run(Cli::try_parse_from(["gasbench", "target", "probe", &url, "--ws", &ws]).unwrap())
    });
    assert_eq!(code.await.unwrap(), ExitCode::from(EXIT_OK));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_transactions_use_identical_gas_on_hardhat_and_on_anvil() {
    // Each transaction is sent alone after the previous one's inclusion: short blocks
    // (Hardhat's automine refuses a batch's later nonces: "can't be queued when automining").
    let (hardhat, anvil) = (Hardhat::start(100), Anvil::start(&[]));
    // Without game moves: a move's gas depends on block.timestamp (energy regenerates with
    // time), which two nodes running at different moments do not share (11 gas apart).
    let kinds = |target: &str| {
        scenario(&format!(
            "name: diff\nseed: 77\naccounts: {{count: 12}}\nworkloads: [{{kind: transfer}}, {{kind: erc20_transfer}}, \
             {{kind: amm_swap, pools: 2}}, {{kind: game_quest}}]\nload: {{open: {{rate: 30}}}}\n\
             measure: {{warmup: 0s, duration: 2s}}\ntarget: {target}\n"
        ))
    };
    let on_hardhat = kinds(&hardhat.target(""));
    let on_anvil = kinds(&anvil.target(""));
    let hardhat_gas = gas_by_tx(&on_hardhat, gasbench::targets::build(&on_hardhat.target).unwrap()).await;
    let anvil_gas = gas_by_tx(&on_anvil, gasbench::targets::build(&on_anvil.target).unwrap()).await;
    assert!(hardhat_gas.len() > 60, "set-up and load: {}", hardhat_gas.len());
    assert_eq!(hardhat_gas, anvil_gas, "gas and status per transaction, hardhat vs anvil");
}
