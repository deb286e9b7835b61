//! Comparisons on real runs: a scenario's `targets:` (the embedded chain sequential and
//! parallel, a real anvil, and a node that is down) into one comparison with a verdict
//! line per target; the page drawn in a real Chromium.

use std::{path::Path, process::ExitCode};

use clap::Parser;
use gasbench::{
    cli::{Cli, EXIT_BAD_INPUT, EXIT_CHECK_FAILED},
    report::compare::{Comparison, ComparisonKind, EntryResult},
};
use serde_json::Value;

use crate::{anvil::Anvil, browser};

fn cli(args: &[&str]) -> ExitCode {
    gasbench::cli::run(Cli::try_parse_from(args).unwrap_or_else(|e| panic!("{e}")))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn read(path: &Path) -> Comparison {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// 100 transfers and ERC-20 transfers a second for 2 s, on the chain id anvil uses, so
/// every target is sent byte-identical signed transactions.
fn scenario(targets: &str) -> String {
    format!(
        "name: side-by-side\nseed: 21\naccounts: {{count: 40}}\nworkloads: [{{kind: transfer, weight: 3}}, {{kind: erc20_transfer, weight: 1}}]\nload: {{open: {{rate: 100}}}}\nmeasure: {{warmup: 0s, duration: 2s, drain_timeout: 5s}}\ntargets:\n{targets}"
    )
}

#[test]
fn every_target_runs_in_turn_and_a_target_that_is_down_is_recorded_not_skipped() {
    let node = Anvil::start(&["--block-time", "1"]);
    let down = format!("http://127.0.0.1:{}", crate::anvil::free_port());
    let targets = format!(
        "  - {{kind: embedded, block_time: 200ms, chain_id: 31337}}\n  - {{kind: embedded, block_time: 200ms, chain_id: 31337, executor: parallel, threads: 2}}\n  - {}\n  - {{kind: rpc, http: \"{down}\"}}\n",
        node.target("")
    );
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = d.join("s.yaml");
    std::fs::write(&file, scenario(&targets)).unwrap();
    let (out, html) = (d.join("c.json"), d.join("c.html"));
    let code = cli(&["gasbench", "run", s(&file), "--quiet", "--out", s(&out), "--html", s(&html)]);
    assert_eq!(code, ExitCode::from(EXIT_CHECK_FAILED), "a target that did not run fails the comparison");

    let c = read(&out);
    assert_eq!(c.kind, ComparisonKind::Targets);
    let labels: Vec<&str> = c.entries.iter().map(|e| e.label.as_str()).collect();
    let node_label = format!("rpc {}", node.url());
    let down_label = format!("rpc {down}");
    assert_eq!(labels, ["embedded sequential", "embedded parallel x2", node_label.as_str(), down_label.as_str()]);
    let ran: Vec<_> = c.entries[..3].iter().map(|e| e.report().unwrap_or_else(|| panic!("{e:?}"))).collect();
    for (e, r) in c.entries[..3].iter().zip(&ran) {
        assert!(e.passed(), "{}: {:?} {:?}", e.label, r.accounting, r.reconciliation.verdict);
        // The same plan everywhere: same count, same gas per operation.
        assert_eq!(r.accounting.planned, ran[0].accounting.planned, "{}", e.label);
        assert_eq!(r.accounting.included, r.accounting.sent, "{}: {:?}", e.label, r.accounting);
        for (w, f) in &ran[0].workloads {
            assert_eq!(r.workloads[w].gas_per_op.p50, f.gas_per_op.p50, "{} {w}", e.label);
        }
        assert_eq!(r.run.seed, 21);
        let tps = e.vs_first["throughput.included_tps"];
        let expected = r.throughput.included_tps / ran[0].throughput.included_tps;
        assert!((tps - expected).abs() < 1e-9, "{}: {tps} vs {expected}", e.label);
    }
    assert_eq!(ran[0].target.executor.as_deref(), Some("sequential"));
    assert_eq!(ran[1].target.executor.as_deref(), Some("parallel"));
    assert_eq!(ran[2].target.kind, "rpc");
    match &c.entries[3].result {
        EntryResult::Failed { kind, error } => {
            assert_eq!(kind, "target");
            assert!(error.contains("unreachable"), "{error}");
        }
        other => panic!("the node that is down must be recorded as failed: {other:?}"),
    }
    let lines = gasbench::report::compare::table(&c);
    assert!(lines.contains(&format!("FAIL {down_label}: did not run (target)")), "{lines}");
    assert!(lines.contains("PASS embedded parallel x2: "), "{lines}");

    // The page: a verdict per target, and a line per run that produced a report.
    let loaded = tokio::runtime::Runtime::new().unwrap().block_on(browser::open(
        &html,
        "JSON.stringify({ verdicts: document.querySelectorAll('.verdicts div').length, \
          fails: document.querySelectorAll('.verdicts .badge.fail').length, \
          rate: document.querySelectorAll('#tx-rate svg path').length, \
          pct: document.querySelectorAll('#latency-percentiles svg path').length, \
          cols: document.querySelectorAll('main section:nth-of-type(2) tr:first-child th').length })",
    ));
    assert!(loaded.errors.is_empty() && loaded.requests.is_empty(), "{loaded:?}");
    let v: Value = serde_json::from_str(loaded.value.as_str().unwrap()).unwrap();
    assert_eq!(v["verdicts"], 4, "{v}");
    assert_eq!(v["fails"], 1, "{v}");
    assert_eq!(v["rate"], 6, "sent and included per run that ran: {v}");
    assert_eq!(v["pct"], 3, "{v}");
    assert_eq!(v["cols"], 1 + 3 + 2, "figure, a column per run, a ratio per later run: {v}");
}

#[test]
fn targets_and_target_together_are_refused_with_the_field_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.yaml");
    let text = scenario("  - {kind: embedded}\n") + "target: {kind: embedded, block_time: 2s}\n";
    std::fs::write(&file, text).unwrap();
    assert_eq!(cli(&["gasbench", "validate", s(&file)]), ExitCode::from(EXIT_BAD_INPUT));
    let err = gasbench::scenario::load_file(&file, &[], &Default::default()).unwrap_err().to_string();
    assert!(err.contains("target: both `target:` and `targets:` are given"), "{err}");
    let bad = scenario("  - {kind: embedded}\n  - {kind: embedded, block_time: 0s}\n");
    let err = gasbench::scenario::load_str("s.yaml", &bad, &[], &Default::default()).unwrap_err().to_string();
    assert!(err.contains("targets[1].block_time"), "{err}");
}

/// Two stored reports of the same scenario, one on a chain whose block time is four times
/// longer: `gasbench compare` shows them side by side with the ratios, writes the JSON and
/// the page; an unreadable report is refused.
#[tokio::test(flavor = "multi_thread")]
async fn stored_reports_are_compared_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let yaml = |block: &str| crate::small(200, "2s", &format!("target: {{kind: embedded, block_time: {block}}}\n"));
    let mut paths = Vec::new();
    for (name, block) in [("fast", "100ms"), ("slow", "400ms")] {
        let r = gasbench::runner::run(&crate::scenario(&yaml(block)), &Default::default(), Default::default())
            .await
            .unwrap();
        let p = d.join(format!("{name}.json"));
        gasbench::report::write_json(&r, &p).unwrap();
        paths.push(p);
    }
    let (out, html) = (d.join("c.json"), d.join("c.html"));
    let args: Vec<String> = ["gasbench", "compare", s(&paths[0]), s(&paths[1]), "--out", s(&out), "--html", s(&html)]
        .map(String::from)
        .to_vec();
    let code =
        tokio::task::spawn_blocking(move || cli(&args.iter().map(String::as_str).collect::<Vec<_>>())).await.unwrap();
    assert_eq!(code, ExitCode::from(gasbench::cli::EXIT_OK));
    let c = read(&out);
    assert_eq!(c.kind, ComparisonKind::Files);
    assert_eq!(c.entries.iter().map(|e| e.label.as_str()).collect::<Vec<_>>(), ["fast", "slow"]);
    let p50 = c.entries[1].vs_first["latency.inclusion.p50"];
    assert!(p50 > 1.5, "blocks four times apart wait longer for inclusion: x{p50}");
    let table = gasbench::report::compare::table(&c);
    assert!(table.contains(&format!("x{p50:.3}")), "{table}");
    let loaded = browser::open(&html, "document.querySelectorAll('figure.chart').length").await;
    assert!(loaded.errors.is_empty(), "{loaded:?}");
    assert_eq!(loaded.value, 9);

    let bad = d.join("bad.json");
    std::fs::write(&bad, "not json").unwrap();
    let args: Vec<String> = ["gasbench", "compare", s(&paths[0]), s(&bad)].map(String::from).to_vec();
    let code =
        tokio::task::spawn_blocking(move || cli(&args.iter().map(String::as_str).collect::<Vec<_>>())).await.unwrap();
    assert_eq!(code, ExitCode::from(EXIT_BAD_INPUT));
}
