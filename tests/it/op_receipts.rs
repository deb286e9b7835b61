//! OP-stack receipts through the `rpc` target. No pinnable anvil returns `l1Fee` (1.4.4,
//! 1.5.1, 1.7.0 and 1.7.1 were tried with `--optimism` and `--network optimism`; see
//! docs/rollup.md), so a real HTTP proxy in front of a real anvil adds the L1 fields an
//! OP-stack node (op-geth, op-reth) writes into every receipt it forwards, in op-geth's
//! format, with the same fee for each. This proves the parsing and the plumbing (receipt
//! to report), not the fee formula: that is held against the spec's vectors in
//! `targets/rollup/fees.rs`.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use axum::{Router, body::Bytes, extract::State, routing::post};
use gasbench::{
    report::Verdict,
    runner::{RunOptions, run},
};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::{anvil::Anvil, scenario, small};

/// The L1 data fee every forwarded receipt carries: 7,000 gwei.
const L1_FEE_WEI: u128 = 7_000_000_000_000;

#[derive(Clone)]
struct Proxy {
    upstream: String,
    client: reqwest::Client,
    /// Receipts given the L1 fields.
    receipts: Arc<AtomicU64>,
}

/// Adds op-geth's L1 fields to every receipt in `v` (one, a list, or a batch of answers).
fn add_l1_fields(v: &mut Value, n: &AtomicU64) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(|i| add_l1_fields(i, n)),
        Value::Object(m) if m.contains_key("cumulativeGasUsed") && m.contains_key("transactionHash") => {
            // op-geth's L1 fields: OP Mainnet's scalars, an illustrative L1 gas price and
            // gas, and the fee fixed so that the test knows the total. Written here, not
            // recorded from a node.
            for (k, val) in [
                ("l1Fee", format!("{L1_FEE_WEI:#x}")),
                ("l1GasUsed", "0x640".to_string()),
                ("l1GasPrice", "0x3b9aca00".to_string()),
                ("l1BaseFeeScalar", "0x146b".to_string()),
                ("l1BlobBaseFee", "0x1".to_string()),
                ("l1BlobBaseFeeScalar", "0xf79c5".to_string()),
            ] {
                m.insert(k.into(), Value::String(val));
            }
            n.fetch_add(1, Ordering::Relaxed);
        }
        Value::Object(m) => {
            if let Some(r) = m.get_mut("result") {
                add_l1_fields(r, n);
            }
        }
        _ => {}
    }
}

async fn forward(State(p): State<Proxy>, body: Bytes) -> ([(&'static str, &'static str); 1], String) {
    let answer = p
        .client
        .post(&p.upstream)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("anvil answers")
        .text()
        .await
        .expect("anvil's body");
    let mut v: Value = serde_json::from_str(&answer).expect("anvil answers JSON");
    add_l1_fields(&mut v, &p.receipts);
    ([("content-type", "application/json")], v.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn op_receipts_l1_fee_lands_in_the_report_fields_the_rollup_fills() {
    let node = Anvil::start(&["--block-time", "1"]);
    let receipts = Arc::new(AtomicU64::new(0));
    let proxy = Proxy { upstream: node.url(), client: reqwest::Client::new(), receipts: receipts.clone() };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().route("/", post(forward)).with_state(proxy);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    // Plain transfers: without an `l1Fee` their receipts would be derived, not fetched.
    let yaml = small(20, "2s", &format!("target: {}\n", crate::anvil::target_yaml(&url, "")));
    let r = run(&scenario(&yaml), &RunOptions::default(), CancellationToken::new()).await.unwrap();
    server.abort();
    assert!(r.accounting.included > 0 && r.accounting.included == r.accounting.sent, "{:?}", r.accounting);
    assert!(receipts.load(Ordering::Relaxed) >= r.accounting.included, "receipts were fetched, not derived");
    // Every included transaction's L1 fee, to the wei, in the fields the rollup fills.
    assert_eq!(r.fees.l1_fee_wei.0, L1_FEE_WEI * u128::from(r.accounting.included), "{:?}", r.fees);
    let per_tx = gasbench::report::gate::figures::resolve("fees.per_tx.l1_gwei").unwrap().read(&r).unwrap();
    assert!((per_tx - 7_000.0).abs() < 1e-6, "{per_tx}");
    // anvil did not take the fee from the senders: the effects check, which counts it as
    // spent, finds their balances off.
    assert_eq!(r.effects.verdict, Verdict::Fail, "{:?}", r.effects);
    assert!(r.effects.details.iter().any(|d| d.contains("balance")), "{:?}", r.effects.details);
}
