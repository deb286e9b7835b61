//! Whole runs on the embedded chain: the quickstart through the CLI, both load models,
//! staged load, sender verification, rejections, and an interrupted run.

use gasbench::report::Stage;
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
    // `sent = included + rejected + dropped` holds by construction; the chain read back
    // can disagree with what was counted.
    let (a, rc) = (&r.accounting, &r.reconciliation);
    assert_eq!(rc.verdict, gasbench::report::Verdict::Pass, "{rc:?}");
    assert_eq!((rc.found_on_chain, rc.counted_included), (a.included, a.included), "{rc:?}");
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
    assert!(r.latency[Stage::INCLUSION].count > 0 && r.latency[Stage::INCLUSION].p50_us > 0);
    // Fees recomputed from the plan's fee caps and the chain's base fees, the burn from
    // the chain's gas figures, the coinbase's credit from its balance.
    for name in ["effective gas price", "base fee burned", "coinbase credited"] {
        let c = r.effects.checks.iter().find(|c| c.name.starts_with(name)).unwrap_or_else(|| panic!("{name}"));
        assert_eq!(c.verdict, "pass", "{c:?}");
    }
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
    let gasbench::scenario::TargetSpec::Embedded(spec) = &s.target else { panic!("an embedded scenario") };
    let chain = std::sync::Arc::new(gasbench::targets::embedded::Embedded::new(spec.clone()));
    let cancel = CancellationToken::new();
    let (stopper, watched) = (cancel.clone(), chain.clone());
    // Stopped once the load is on chain (two blocks with transactions), however long that takes.
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        while watched.history().iter().filter(|b| !b.tx_hashes.is_empty()).count() < 2 {
            tick.tick().await;
        }
        stopper.cancel();
    });
    let r = gasbench::runner::run_on(&s, chain, &RunOptions::default(), cancel).await.unwrap();
    assert_eq!(r.run.outcome, Outcome::Interrupted);
    assert!(r.run.partial);
    assert_all_accounted(&r);
    assert!(r.accounting.not_sent > 0 && r.accounting.sent > 0, "{:?}", r.accounting);
    assert!(r.run.elapsed_seconds < 10.0, "stopped long before the planned 20 s: {}", r.run.elapsed_seconds);
    assert!(r.run.window_seconds < 5.0, "the window covers what ran, not what was planned");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overload_shows_in_the_all_sent_latency_and_the_failures_beside_it() {
    // A chain that stalls from 300 ms to 1.3 s, with a mempool of 40, offered 1,000 tx/s
    // for 1 s: the sends held during the stall arrive at once and most are refused
    // ("txpool is full"); a few may still be pending when the short drain ends.
    let target = "target: {kind: embedded, block_time: 100ms, gas_limit: 210000, mempool_limit: 40, faults: [{at: 300ms, stall: 1s}]}\n";
    let yaml = small(1000, "1s", target).replace("drain_timeout: 5s", "drain_timeout: 300ms");
    let r = run_yaml(&yaml).await;
    let (a, l) = (&r.accounting, &r.latency);
    assert!(a.balanced, "{a:?}");
    assert!(a.rejected > 0 && a.included > 0, "{a:?}");
    // Every transaction was intended inside the window (no warmup): the failures beside
    // the percentiles are the accounting's, from the slots' end states.
    let f = &l.failures;
    assert_eq!(f.sent, a.sent);
    assert_eq!(f[Stage::SUBMIT].count, a.rejected);
    assert_eq!(f[Stage::INCLUSION].count, a.rejected + a.dropped);
    assert_eq!(f.pending_at_end, a.pending_at_end);
    assert_eq!(f[Stage::INCLUSION].share_of_sent, (a.rejected + a.dropped) as f64 / a.sent as f64);
    assert_eq!(l[Stage::INCLUSION].count, a.included);
    assert_eq!(l[Stage::INCLUSION_ALL_SENT].count, a.sent);
    assert!(l[Stage::INCLUSION_ALL_SENT].p99_us > l[Stage::INCLUSION].p99_us, "{l:?}");
    assert!(l[Stage::INCLUSION_ALL_SENT].p50_us >= l[Stage::INCLUSION].p50_us, "{l:?}");
    let w = &r.workloads["transfer"].latency;
    assert_eq!(
        (w.failures[Stage::INCLUSION].count, w[Stage::INCLUSION_ALL_SENT].count),
        (f[Stage::INCLUSION].count, a.sent)
    );
    crate::report_schema::assert_valid(&serde_json::to_value(&r).unwrap());
    let table = gasbench::report::summary_table(&r);
    assert!(table.contains("inclusion_all_sent") && table.contains("EXCLUDED"), "{table}");
    eprintln!("{table}");
}
