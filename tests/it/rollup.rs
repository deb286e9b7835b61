//! The rollup target end to end: an L2 on the embedded chain charging the L1 data fee, a
//! batcher posting to an embedded L1, stage latencies, and the derivation check (which a
//! tampering batcher must fail).

use std::sync::Arc;

use gasbench::{
    report::{Stage, Verdict},
    runner::{RunOptions, run, run_on},
    scenario::TargetSpec,
    targets::{
        Target,
        rollup::{L1_FEE_VAULT, Rollup},
    },
};
use tokio_util::sync::CancellationToken;

use crate::{scenario, small};

/// A fast rollup: 200 ms L2 blocks, 500 ms L1 blocks, channels closed after 1 s.
const FAST: &str = "target: {kind: rollup, l2: {block_time: 200ms}, l1: {embedded: {block_time: 500ms}}, batcher: {max_delay: 1s}, finality_depth: 2, settle_timeout: 10s}\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollup_run_charges_l1_fees_posts_batches_and_re_derives_the_l2() {
    let s = scenario(&small(100, "3s", FAST));
    let TargetSpec::Rollup(spec) = &s.target else { panic!("a rollup target") };
    let target = Arc::new(Rollup::new(spec.clone()));
    let r = run_on(&s, target.clone(), &RunOptions::default(), CancellationToken::new()).await.unwrap();
    let ro = r.rollup.as_ref().expect("a rollup run has a rollup section");
    // What the senders paid is in the L1 fee vault on the L2, to the wei.
    let vault = target.accounts(&[L1_FEE_VAULT]).await.unwrap()[0].balance;
    assert_eq!(vault, alloy::primitives::U256::from(ro.l1_fees.collected_wei.0));
    // The L2 re-derived from the L1, transaction for transaction.
    assert_eq!(ro.derivation.verdict, Verdict::Pass, "{:?}", ro.derivation);
    assert!(ro.derivation.txs_derived >= r.accounting.included, "{:?}", ro.derivation);
    assert!(!r.checks_failed(), "{:?} {:?}", r.effects, r.reconciliation);
    // Every sender paid its L1 fee on top: the effects check balances with it.
    assert_eq!(r.effects.verdict, "pass", "{:?}", r.effects);
    assert_eq!(r.accounting.included, r.accounting.sent);
    assert!(ro.l1_fees.collected_wei.0 > 0 && ro.l1_fees.shortfalls == 0);
    assert!(r.fees.l1_fee_wei.0 > 0, "{:?}", r.fees);
    // A transfer's FastLZ size is under Fjord's floor (170 bytes), so each pays the floor
    // at the L1's base fee, held at 1 gwei at least: 1e8 * (5227 * 1e9 * 16 + 1014213) / 1e12.
    assert!(ro.l1_fees.per_tx_min_wei.0 >= 8_363_200_101, "{:?}", ro.l1_fees);
    // The batcher compressed, framed and posted; the L1 included it all and it settled.
    let b = &ro.batcher;
    assert!(b.channels >= 2 && b.frames >= b.channels, "{b:?}");
    assert!(b.compression_ratio > 1.0, "{b:?}");
    assert_eq!((b.batcher_txs_included, b.batcher_txs_rejected), (b.batcher_txs_posted, 0), "{b:?}");
    assert!(b.l1_gas_used > 21_000 * b.batcher_txs_posted && b.l1_spend_wei.0 > 0, "{b:?}");
    assert_eq!(ro.reached.safe, ro.reached.tracked, "{:?}", ro.reached);
    assert_eq!(ro.reached.finalized, ro.reached.tracked, "{:?}", ro.reached);
    // Safe comes after unsafe (inclusion), finalized after safe.
    let (inc, safe, fin) = (&r.latency[Stage::INCLUSION], &r.latency[Stage::SAFE], &r.latency[Stage::FINALIZED]);
    assert_eq!(safe.count, inc.count);
    assert!(inc.p50_us < safe.p50_us && safe.p50_us < fin.p50_us, "{inc:?} {safe:?} {fin:?}");
    assert_eq!(r.failures.anomalies, 0);
    // The report, with its rollup section, still meets the schema.
    let json = serde_json::to_value(&r).unwrap();
    let v = crate::report_schema::validator();
    let errors: Vec<String> = v.iter_errors(&json).map(|e| format!("{}: {e}", e.instance_path)).collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampering_batcher_fails_the_derivation_check_and_the_run() {
    let s = scenario(&small(50, "2s", FAST));
    let TargetSpec::Rollup(spec) = &s.target else { panic!("a rollup target") };
    let target = Arc::new(Rollup::with_tampering_batcher(spec.clone()));
    let r = run_on(&s, target, &RunOptions::default(), CancellationToken::new()).await.unwrap();
    let d = &r.rollup.as_ref().unwrap().derivation;
    assert_eq!(d.verdict, Verdict::Fail, "{d:?}");
    assert!(d.mismatches[0].contains("transaction 0 on the L1 is"), "{:?}", d.mismatches);
    assert!(r.checks_failed());
    // Nothing else is wrong: the L2 itself balances.
    assert_eq!(r.effects.verdict, "pass", "{:?}", r.effects);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_l1_delays_safe_but_not_unsafe_and_the_run_still_ends_on_time() {
    // The L1 stops producing blocks 3 s in, for longer than the run: what was batched
    // before is safe, what came after is not, and L2 inclusion goes on as before.
    let target = "target: {kind: rollup, l2: {block_time: 200ms}, l1: {embedded: {block_time: 500ms, faults: [{at: 3s, stall: 60s}]}}, batcher: {max_delay: 1s}, finality_depth: 1, settle_timeout: 2s}\n";
    let started = std::time::Instant::now();
    let r = run(&scenario(&small(50, "6s", target)), &RunOptions::default(), CancellationToken::new()).await.unwrap();
    let elapsed = started.elapsed();
    let ro = r.rollup.as_ref().unwrap();
    assert!(0 < ro.reached.safe && ro.reached.safe < ro.reached.tracked / 2, "{:?}", ro.reached);
    assert_eq!(r.latency[Stage::SAFE].count, ro.reached.safe);
    // Unsafe (inclusion) stays flat: every transaction in an L2 block within a second.
    assert_eq!(r.accounting.included, r.accounting.sent);
    assert!(r.latency[Stage::INCLUSION].max_us < 1_000_000, "{:?}", r.latency[Stage::INCLUSION]);
    // The stalled L1 neither hangs the run nor fails the derivation: what it holds re-derives.
    assert!(elapsed < std::time::Duration::from_secs(20), "{elapsed:?}");
    assert_eq!(ro.derivation.verdict, Verdict::Pass, "{:?}", ro.derivation);
    assert!(ro.derivation.blocks_not_posted > 0, "{:?}", ro.derivation);
    assert!(!r.checks_failed());
}

const ROLLUP: &str = "\
name: t
accounts:
  count: 10
workloads:
  - kind: transfer
load:
  open:
    rate: 100
measure:
  duration: 1s
target:
  kind: rollup
  l1:
    embedded:
      block_time: 1s
  batcher:
    max_frame_bytes: 120000
";

fn refused(yaml: &str) -> gasbench::scenario::ScenarioError {
    let errs = gasbench::scenario::load_str("bad.yaml", yaml, &[], &Default::default()).expect_err("refused");
    errs.0.into_iter().next().unwrap()
}

#[test]
fn bad_rollup_settings_are_refused_with_their_location() {
    gasbench::scenario::load_str("good.yaml", ROLLUP, &[], &Default::default()).unwrap();
    // A misspelt field deep in the rollup target.
    let e = refused(&ROLLUP.replace("      block_time: 1s", "      block_tme: 1s"));
    assert_eq!((e.path.as_str(), e.line), ("target.l1.embedded.block_tme", Some(15)), "{e}");
    assert_eq!(e.hint.as_deref(), Some("did you mean `block_time`?"));
    // A frame that cannot fit the L1's gas limit.
    let e = refused(&ROLLUP.replace("max_frame_bytes: 120000", "max_frame_bytes: 1000000"));
    assert_eq!((e.path.as_str(), e.line), ("target.batcher.max_frame_bytes", Some(17)), "{e}");
    assert!(e.message.contains("above the L1's gas limit"), "{e}");
    // The L2's chain settings are checked as any embedded chain's, at their own path.
    let e = refused(&ROLLUP.replace("  kind: rollup\n", "  kind: rollup\n  l2: {block_time: 1ms}\n"));
    assert_eq!(e.path, "target.l2.block_time", "{e}");
}

/// scenarios/rollup-vs-l1.yaml, shortened (fast blocks on both L1s and on the L2): one
/// comparison with the L1 and the rollup, the rollup's fees split into L2 execution and
/// L1 data fee and its extra stages (safe, finalized) beside the L1's inclusion.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollup_vs_l1_puts_fees_and_stages_side_by_side() {
    let overrides: Vec<gasbench::scenario::Override> = [
        "measure.warmup=500ms",
        "measure.duration=3s",
        "load.open.rate=60",
        "accounts.count=100",
        "targets[0].block_time=500ms",
        "targets[1].l2.block_time=200ms",
        "targets[1].l1.embedded.block_time=500ms",
        "targets[1].batcher.max_delay=1s",
        "targets[1].finality_depth=2",
        "targets[1].settle_timeout=10s",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    let path = crate::root().join("scenarios/rollup-vs-l1.yaml");
    let s = gasbench::scenario::load_file(&path, &overrides, &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    let c = gasbench::orchestrate::targets::run(&s, &RunOptions::default(), CancellationToken::new()).await;
    let labels: Vec<&str> = c.entries.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(labels, ["embedded sequential", "rollup sequential"]);
    for e in &c.entries {
        assert!(e.passed(), "{}: {:?}", e.label, e.report().map(|r| (&r.accounting, &r.effects)));
    }
    let (l1, l2) = (c.entries[0].report().unwrap(), c.entries[1].report().unwrap());
    assert_eq!(l1.accounting.planned, l2.accounting.planned, "the same plan on both");
    // The L1 has no L1 data fee and no later stages; the rollup has both.
    assert!(l1.rollup.is_none() && l1.fees.l1_fee_wei.0 == 0);
    assert!(l1.latency.get(&Stage::SAFE).is_none() && l1.latency.get(&Stage::FINALIZED).is_none());
    let ro = l2.rollup.as_ref().unwrap();
    assert!(l2.fees.l1_fee_wei.0 > 0 && l2.fees.base_fee_wei.0 > 0, "{:?}", l2.fees);
    assert_eq!((ro.batcher.compression.as_str(), ro.derivation.verdict), ("brotli", Verdict::Pass));
    assert!(ro.batcher.compression_ratio > 1.0, "{:?}", ro.batcher);
    let inc = &l2.latency[Stage::INCLUSION];
    let (safe, fin) = (&l2.latency[Stage::SAFE], &l2.latency[Stage::FINALIZED]);
    assert_eq!((safe.count, fin.count), (inc.count, inc.count));
    // Safe on the rollup waits for its batch on an L1 like the other target: it comes
    // later than inclusion on that L1.
    assert!(safe.p50_us > l1.latency[Stage::INCLUSION].p50_us, "{safe:?} vs {:?}", l1.latency[Stage::INCLUSION]);
    // The table: the fee parts and the rollup's stages as rows, `-` where the L1 has none.
    let table = gasbench::report::compare::table(&c);
    for row in ["fees.per_tx.base_gwei", "fees.per_tx.l1_gwei", "latency.safe.p50", "latency.finalized.p99"] {
        let line = table.lines().find(|l| l.contains(row)).unwrap_or_else(|| panic!("no {row} row in\n{table}"));
        if row.starts_with("latency") {
            assert!(line.contains(" - "), "{line}");
        }
    }
}
