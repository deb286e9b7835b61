//! The rollup with its L1 as a real anvil over JSON-RPC: the batcher funded from anvil's
//! dev account, its frames posted as calldata or in EIP-4844 blobs, safe and finalized
//! from the real L1 head, and the derivation check reading the batcher transactions back
//! from anvil's blocks (and its blobs); a corrupted frame on the real L1 fails it.

use std::sync::Arc;

use alloy::primitives::{Address, U64};
use gasbench::{
    report::{Report, Stage, Verdict},
    runner::{RunOptions, run_on},
    scenario::TargetSpec,
    targets::{rollup::Rollup, rpc::Client},
};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::{anvil::Anvil, scenario, small};

/// The batch inbox of the default L2 (chain 901): `0xff00..00` ++ the chain id.
const INBOX: &str = "0xff00000000000000000000000000000000000385";

/// An anvil L1 with 1 s blocks and blobs (Prague: EIP-4844 sidecars).
fn l1() -> Anvil {
    Anvil::start(&["--block-time", "1", "--hardfork", "prague"])
}

/// A fast rollup on `anvil`, with `da`.
fn target(anvil: &Anvil, da: &str) -> String {
    format!(
        "target: {{kind: rollup, l2: {{block_time: 200ms}}, l1: {{rpc: {{http: \"{}\"}}}}, batcher: {{max_delay: 1s, da: {da}}}, finality_depth: 2, settle_timeout: 30s}}\n",
        anvil.url()
    )
}

async fn run_rollup(yaml: &str, corrupt: bool) -> Report {
    let s = scenario(yaml);
    let TargetSpec::Rollup(spec) = &s.target else { panic!("a rollup target") };
    let rollup = if corrupt { Rollup::with_corrupting_batcher(spec.clone()) } else { Rollup::new(spec.clone()) };
    run_on(&s, Arc::new(rollup), &RunOptions::default(), CancellationToken::new()).await.unwrap()
}

/// The transactions to the inbox on the L1, read with our own calls: (type, sender).
async fn inbox_txs(anvil: &Anvil) -> Vec<(u64, Address)> {
    let c = Client::new(&anvil.url(), 1, std::time::Duration::from_secs(10));
    let head: U64 = c.call("eth_blockNumber", json!([])).await.unwrap();
    let mut out = Vec::new();
    for n in 0..=head.to::<u64>() {
        let b: Value = c.call("eth_getBlockByNumber", json!([U64::from(n), true])).await.unwrap();
        for tx in b["transactions"].as_array().unwrap() {
            if tx["to"].as_str() == Some(INBOX) {
                let ty = u64::from_str_radix(tx["type"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
                out.push((ty, tx["from"].as_str().unwrap().parse().unwrap()));
            }
        }
    }
    out
}

/// What holds for a clean run whatever the DA: everything posted was included, read back
/// and re-derived, every load transaction became safe and then finalized.
fn assert_settled_and_derived(r: &Report) {
    let ro = r.rollup.as_ref().expect("a rollup section");
    let (b, d) = (&ro.batcher, &ro.derivation);
    assert_eq!(d.verdict, Verdict::Pass, "{d:?} {b:?}");
    assert!(d.txs_derived >= r.accounting.included && d.blocks_not_posted == 0, "{d:?} {b:?}");
    assert_eq!(d.batcher_txs_read, b.batcher_txs_posted, "{d:?} {b:?}");
    assert!(b.channels >= 2, "{b:?}");
    assert_eq!((b.batcher_txs_included, b.batcher_txs_rejected), (b.batcher_txs_posted, 0), "{b:?}");
    assert_eq!((ro.reached.safe, ro.reached.finalized), (ro.reached.tracked, ro.reached.tracked), "{:?}", ro.reached);
    let (inc, safe, fin) = (&r.latency[Stage::INCLUSION], &r.latency[Stage::SAFE], &r.latency[Stage::FINALIZED]);
    assert!(inc.p50_us < safe.p50_us && safe.p50_us < fin.p50_us, "{inc:?} {safe:?} {fin:?}");
    // The L1's base fee came from anvil's blocks (1 gwei at genesis, then falling while
    // its blocks are nearly empty), not the embedded model's floor.
    assert!(ro.l1.blocks >= 3 && ro.l1.base_fee_first_wei.0 > 0, "{:?}", ro.l1);
    assert!(ro.l1.node.starts_with("http://127.0.0.1:"), "{:?}", ro.l1);
    assert!(ro.l1.blob_base_fee_source.contains("eth_blobBaseFee"), "{:?}", ro.l1);
    assert!(ro.l1_fees.collected_wei.0 > 0 && ro.l1_fees.shortfalls == 0, "{:?}", ro.l1_fees);
    assert_eq!(r.effects.verdict, "pass", "{:?}", r.effects);
    assert!(!r.checks_failed(), "{:?}", r.reconciliation);
    let json = serde_json::to_value(r).unwrap();
    let v = crate::report_schema::validator();
    let errors: Vec<String> = v.iter_errors(&json).map(|e| format!("{}: {e}", e.instance_path)).collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollup_posting_calldata_to_a_real_anvil_re_derives_from_its_blocks() {
    let anvil = l1();
    let r = run_rollup(&small(50, "3s", &target(&anvil, "calldata")), false).await;
    assert_settled_and_derived(&r);
    let ro = r.rollup.as_ref().unwrap();
    let b = &ro.batcher;
    assert!(b.calldata_bytes > 0 && b.l1_gas_used > 21_000 * b.batcher_txs_included, "{b:?}");
    assert!(ro.l1.blobs.is_none(), "{:?}", ro.l1);
    // On anvil, as read by this test: one EIP-1559 transaction per frame, all from one
    // sender (the batcher), which is none of anvil's dev accounts.
    let on_l1 = inbox_txs(&anvil).await;
    assert_eq!(on_l1.len() as u64, b.batcher_txs_included, "{on_l1:?}");
    assert!(on_l1.iter().all(|(ty, from)| *ty == 2 && *from == on_l1[0].1), "{on_l1:?}");
    let dev0: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".parse().unwrap();
    assert_ne!(on_l1[0].1, dev0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollup_posting_blobs_to_a_real_anvil_pays_blob_gas_and_re_derives_from_the_blobs() {
    let anvil = l1();
    let r = run_rollup(&small(50, "3s", &target(&anvil, "blob")), false).await;
    assert_settled_and_derived(&r);
    let ro = r.rollup.as_ref().unwrap();
    let b = &ro.batcher;
    // The frames went in blobs: no calldata, 131,072 blob gas per blob (one each), paid
    // at the blob base fee the receipts report.
    assert_eq!(b.calldata_bytes, 0, "{b:?}");
    assert_eq!(b.l1_gas_used, 21_000 * b.batcher_txs_included, "{b:?}");
    let blobs = ro.l1.blobs.as_ref().expect("blob figures");
    assert_eq!(blobs.blob_txs_included, b.batcher_txs_included, "{blobs:?}");
    assert_eq!(blobs.blob_gas_used, 131_072 * b.batcher_txs_included, "{blobs:?}");
    assert!(blobs.blob_spend_wei.0 >= u128::from(blobs.blob_gas_used), "{blobs:?}");
    let on_l1 = inbox_txs(&anvil).await;
    assert_eq!(on_l1.len() as u64, b.batcher_txs_included, "{on_l1:?}");
    assert!(on_l1.iter().all(|(ty, _)| *ty == 3), "type-3 transactions: {on_l1:?}");
    let table = gasbench::report::summary_table(&r);
    assert!(table.contains("blob txs included"), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupted_frame_on_a_real_anvil_fails_the_derivation_check() {
    let anvil = l1();
    let r = run_rollup(&small(50, "3s", &target(&anvil, "calldata")), true).await;
    let d = &r.rollup.as_ref().unwrap().derivation;
    assert_eq!(d.verdict, Verdict::Fail, "{d:?}");
    assert!(d.mismatches.iter().any(|m| m.starts_with("channel ")), "{:?}", d.mismatches);
    assert!(r.checks_failed());
    // Only the L1 copy is wrong: the L2 itself balances.
    assert_eq!(r.effects.verdict, "pass", "{:?}", r.effects);
}

#[test]
fn blob_da_on_the_embedded_l1_and_two_l1s_are_refused() {
    let base = small(10, "1s", "target: {kind: rollup, batcher: {da: blob}}\n");
    let e = gasbench::scenario::load_str("t.yaml", &base, &[], &Default::default()).unwrap_err().0.remove(0);
    assert_eq!(e.path, "target.batcher.da", "{e}");
    assert!(e.message.contains("embedded L1 has no blob"), "{e}");
    let two = small(
        10,
        "1s",
        "target: {kind: rollup, l1: {embedded: {block_time: 1s}, rpc: {http: \"http://127.0.0.1:1\"}}}\n",
    );
    let e = gasbench::scenario::load_str("t.yaml", &two, &[], &Default::default()).unwrap_err().0.remove(0);
    assert_eq!(e.path, "target.l1", "{e}");
}
