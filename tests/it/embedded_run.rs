//! Whole runs on the embedded chain: the quickstart through the CLI, both load models,
//! staged load, sender verification, rejections, and an interrupted run.

use std::{process::ExitCode, time::Duration};

use clap::Parser;
use gasbench::{
    cli::{Cli, EXIT_OK},
    report::{Outcome, Report},
    runner::{RunOptions, run},
};
use tokio_util::sync::CancellationToken;

use crate::{root, scenario, small};

async fn run_yaml(yaml: &str) -> Report {
    run(&scenario(yaml), &RunOptions::default(), CancellationToken::new()).await.unwrap()
}

fn assert_all_accounted(r: &Report) {
    let a = &r.accounting;
    assert!(a.balanced, "{a:?}");
    assert_eq!(a.sent, a.included + a.rejected + a.dropped, "{a:?}");
    assert_eq!(r.failures.anomalies, 0);
    assert_eq!(r.effects.verdict, "pass", "{:?}", r.effects);
}

#[test]
fn quickstart_runs_from_the_cli_and_accounts_for_every_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let scenario = root().join("scenarios/quickstart.yaml");
    let cli =
        Cli::try_parse_from(["gasbench", "run", scenario.to_str().unwrap(), "--quiet", "--out", out.to_str().unwrap()])
            .unwrap();
    assert_eq!(gasbench::cli::run(cli), ExitCode::from(EXIT_OK));
    let r: Report = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_all_accounted(&r);
    assert_eq!(r.run.outcome, Outcome::Completed);
    assert_eq!(r.accounting.planned, 24_000, "2,000 tx/s over 2 s warmup + 10 s");
    assert_eq!(r.accounting.included, r.accounting.sent);
    assert_eq!(r.effects.accounts_checked, 500);
    assert!((r.load.offered_tps - 2000.0).abs() < 1.0);
    assert!(r.throughput.blocks >= 15, "a block every 500 ms over 10 s: {}", r.throughput.blocks);
    assert_eq!(r.workloads["transfer"].gas_per_op.p50, 21_000);
    assert!(r.latency.inclusion.count > 0 && r.latency.inclusion.p50_us > 0);
    let fees = &r.fees;
    assert_eq!(fees.total_wei.0, fees.base_fee_wei.0 + fees.priority_fee_wei.0);
    assert!(!r.series.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_model_with_a_count_sends_exactly_that_many() {
    let yaml = small(0, "30s", "target: {kind: embedded, block_time: 100ms}\n")
        .replace("load: {open: {rate: 0}}", "load: {closed: {in_flight: 16, count: 300}}");
    let r = run_yaml(&yaml).await;
    assert_all_accounted(&r);
    assert_eq!((r.accounting.planned, r.accounting.sent, r.accounting.included), (300, 300, 300));
    assert_eq!(r.load.model, "closed");
    assert_eq!(r.load.in_flight, Some(16));
    assert!(r.run.elapsed_seconds < 30.0, "the count ends the run before its duration");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_model_without_a_count_is_bounded_by_time_and_signs_as_it_goes() {
    let yaml = small(0, "1500ms", "target: {kind: embedded, block_time: 100ms}\n")
        .replace("load: {open: {rate: 0}}", "load: {closed: {in_flight: 8}}");
    let r = run_yaml(&yaml).await;
    assert_all_accounted(&r);
    assert!(r.accounting.sent > 8, "several rounds of 8 in 1.5 s: {}", r.accounting.sent);
    assert_eq!(r.signing.signed_during_run, r.accounting.sent);
    assert!(r.run.elapsed_seconds < 10.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staged_load_follows_its_stages() {
    let yaml = "name: staged\naccounts: {count: 20}\nworkloads: [{kind: transfer, recipients: 'hot(0.9, 2)'}]\nload: {open: {stages: [{rate: 100, duration: 1s}, {rate: 0, duration: 1s}, {rate: 200, duration: 1s}]}}\nmeasure: {warmup: 0s}\ntarget: {kind: embedded, block_time: 100ms}\n";
    let r = run_yaml(yaml).await;
    assert_all_accounted(&r);
    assert_eq!(r.accounting.planned, 300);
    assert_eq!(r.series[1].sent, 0, "the second stage is a pause: {:?}", r.series);
    assert!((r.load.offered_tps - 100.0).abs() < 1.0, "300 tx over 3 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn senders_are_verified_by_default_and_trusted_ones_are_warned_about() {
    let r = run_yaml(&small(200, "1s", "target: {kind: embedded, block_time: 100ms}\n")).await;
    assert_all_accounted(&r);
    assert_eq!(r.accounting.included, 200);
    assert!(r.target.notes.iter().any(|n| n.contains("sender_recovery=verify")));
    assert!(!r.warnings.iter().any(|w| w.contains("SENDERS TRUSTED")), "{:?}", r.warnings);
    let slots = r.target.slots.expect("the embedded chain reports its slots");
    assert!(slots.sealed >= r.throughput.blocks && slots.early == 0, "{slots:?}");
    let r =
        run_yaml(&small(200, "1s", "target: {kind: embedded, block_time: 100ms, sender_recovery: trusted}\n")).await;
    assert_eq!(r.accounting.included, 200);
    assert!(r.warnings.iter().any(|w| w.contains("SENDERS TRUSTED")), "{:?}", r.warnings);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unaffordable_transactions_are_rejected_and_counted() {
    let yaml = small(100, "1s", "target: {kind: embedded, block_time: 100ms}\n")
        .replace("accounts: {count: 50}", "accounts: {count: 50, balance_eth: 0}");
    let r = run_yaml(&yaml).await;
    assert_all_accounted(&r);
    assert_eq!(r.accounting.rejected, 100);
    assert_eq!(r.failures.rejected["insufficient_funds"].count, 100);
    assert!(r.failures.rejected["insufficient_funds"].example.contains("insufficient funds"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_run_drains_and_still_reports() {
    let s = scenario(&small(200, "20s", "target: {kind: embedded, block_time: 200ms}\n"));
    let cancel = CancellationToken::new();
    let stopper = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(2500)).await;
        stopper.cancel();
    });
    let r = run(&s, &RunOptions::default(), cancel).await.unwrap();
    assert_eq!(r.run.outcome, Outcome::Interrupted);
    assert!(r.run.partial);
    assert_all_accounted(&r);
    assert!(r.accounting.not_sent > 0 && r.accounting.sent > 0, "{:?}", r.accounting);
    assert!(r.run.elapsed_seconds < 10.0, "stopped long before the planned 20 s: {}", r.run.elapsed_seconds);
    assert!(r.run.window_seconds < 5.0, "the window covers what ran, not what was planned");
}
