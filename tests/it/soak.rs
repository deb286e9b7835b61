//! Soak runs: the streamed signer and the bounded recorder over a run long enough to
//! recycle the signer's buffer many times, and a signer slowed on purpose that falls
//! behind and says so.

use std::time::Duration;

use gasbench::{
    report::{Report, Verdict},
    runner::{RunOptions, run},
    scenario::SigningMode,
};
use tokio_util::sync::CancellationToken;

use crate::scenario;

async fn run_with(yaml: &str, opts: &RunOptions) -> Report {
    run(&scenario(yaml), opts, CancellationToken::new()).await.unwrap()
}

fn mix(rate: u32, duration: &str) -> String {
    format!(
        "name: soak\nseed: 11\naccounts: {{count: 200}}\nworkloads: [{{kind: transfer, weight: 3}}, {{kind: erc20_transfer}}]\n\
         load: {{open: {{rate: {rate}}}}}\nmeasure: {{warmup: 1s, duration: {duration}, drain_timeout: 10s}}\n\
         target: {{kind: embedded, block_time: 250ms}}\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_run_recycles_its_buffer_and_keeps_every_transaction_accounted() {
    let r = run_with(&mix(1000, "19s"), &RunOptions::default()).await;
    let (a, s) = (&r.accounting, &r.signing);
    assert_eq!(s.mode, SigningMode::Streamed);
    let st = s.streamed.as_ref().expect("streamed figures");
    assert_eq!(a.planned, 20_000);
    assert!(st.buffer_txs * 10 < a.planned, "the buffer turned over at least 10 times: {st:?}");
    // The buffer bounds how far ahead the signer runs: about a second (1,024 transactions
    // at this rate) plus the chunks in hand, never the run (19 s here) as when the channel
    // was drained on every take.
    assert!(st.max_lead_ms > 0.0 && st.max_lead_ms < 3_000.0, "the signer ran at most ~1 s ahead: {st:?}");
    assert!(s.signed_during_run >= a.sent, "{s:?}");
    assert!(a.balanced && a.sent == a.planned && a.included == a.sent, "{a:?} {s:?}");
    assert_eq!(r.reconciliation.verdict, Verdict::Pass, "{:?}", r.reconciliation);
    assert_eq!(r.reconciliation.found_on_chain, a.included);
    assert_eq!(r.failures.anomalies, 0);
    assert_eq!(r.effects.verdict, "pass", "{:?}", r.effects);
    assert!(r.effects.checks.iter().any(|c| c.workload == "erc20_transfer"), "{:?}", r.effects.checks);
    assert_eq!(r.workloads["transfer"].accounting.planned + r.workloads["erc20_transfer"].accounting.planned, 20_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slowed_signer_falls_behind_and_the_report_says_so() {
    let yaml = crate::small(1000, "2s", "target: {kind: embedded, block_time: 200ms}\n");
    // At ease: a thousand a second is nothing to sign; every send had its signature ready.
    let r = run_with(&yaml, &RunOptions::default()).await;
    let st = r.signing.streamed.clone().expect("streamed figures");
    assert_eq!(st.late_for_signer, 0, "{st:?}");
    assert!(st.min_lead_ms > 0.0, "{st:?}");
    assert!(!r.warnings.iter().any(|w| w.contains("signer fell behind")), "{:?}", r.warnings);
    assert_eq!(r.effects.verdict, "pass");

    // Slowed so that all its threads together sign about 500 a second.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get() / 2).max(1) as u64;
    let opts = RunOptions { signer_delay_per_tx: Duration::from_millis(2 * threads), ..Default::default() };
    let r = run_with(&yaml, &opts).await;
    let st = r.signing.streamed.clone().expect("streamed figures");
    assert!(st.late_for_signer > 0 && st.min_lead_ms < 0.0 && st.max_behind_ms > 0.0, "{st:?}");
    assert!(st.waits > 0, "{st:?}");
    assert!(r.load.late_sends > 0, "{:?}", r.load);
    assert!(r.warnings.iter().any(|w| w.contains("signer fell behind")), "{:?}", r.warnings);
    // What was sent is still accounted for and on chain.
    assert!(r.accounting.balanced, "{:?}", r.accounting);
    assert_eq!(r.reconciliation.verdict, Verdict::Pass, "{:?}", r.reconciliation);
    assert_eq!(r.effects.verdict, "pass", "{:?}", r.effects);
}
