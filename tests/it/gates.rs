//! CI performance gates on real runs of the embedded chain: a passing and a failing gates
//! file (every verdict turned), unknown names, a real slowdown caught by relative gates,
//! baselines of another experiment refused, and the JUnit XML parsed back.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use clap::Parser;
use gasbench::{
    cli::{Cli, EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK},
    report::{
        self, Report,
        gate::{self, baseline::Identity, figures},
    },
    runner::{RunOptions, run},
};
use tokio_util::sync::CancellationToken;

use crate::{root, scenario};

/// 200 transfers a second for 1 s on the embedded chain; `target` is appended.
fn yaml(target: &str) -> String {
    format!(
        "name: gated\nseed: 5\naccounts: {{count: 50}}\nworkloads: [{{kind: transfer}}]\nload: {{open: {{rate: 200}}}}\nmeasure: {{warmup: 0s, duration: 1s, drain_timeout: 2s}}\ntarget: {{kind: embedded, block_time: 100ms{target}}}\n"
    )
}

/// Runs `yaml` through the library and writes its report to `dir/name`.
async fn report_of(yaml: &str, dir: &Path, name: &str) -> (PathBuf, Report) {
    let r = run(&scenario(yaml), &RunOptions::default(), CancellationToken::new()).await.unwrap();
    let path = dir.join(name);
    report::write_json(&r, &path).unwrap();
    (path, r)
}

fn cli(args: &[&str]) -> ExitCode {
    gasbench::cli::run(Cli::try_parse_from(args).unwrap_or_else(|e| panic!("{e}")))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn verdict_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The same figures, on each side of what a healthy 200 tx/s run measures.
const PASSING: &str = "gates:\n  - throughput.included_tps >= 100\n  - latency.inclusion.p99 <= 10s\n  - workloads.transfer.gas_per_op.p50 <= 21000\n  - revert_rate <= 0.01\n  - achieved_over_offered >= 0.5\n  - dropped == 0\n  - fees.per_tx.total_gwei <= 1e9\n  - latency.inclusion.p50 > 1us\n";
const FAILING: &str = "gates:\n  - throughput.included_tps >= 100000\n  - latency.inclusion.p99 <= 1us\n  - workloads.transfer.gas_per_op.p50 <= 20999\n  - revert_rate >= 50%\n  - achieved_over_offered >= 1.5\n  - dropped == 1\n  - fees.per_tx.total_gwei <= 0.000001\n  - latency.inclusion.p50 < 1us\n  - workloads.swap.gas_per_op.p50 <= 110000\n";

#[test]
fn a_run_passes_its_gates_and_every_verdict_turns_on_the_other_side() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let scenario_file = write(d, "s.yaml", &yaml(""));
    let (pass, fail) = (write(d, "pass.yaml", PASSING), write(d, "fail.yaml", FAILING));
    let (out, junit, md, json) = (d.join("r.json"), d.join("pass.xml"), d.join("pass.md"), d.join("pass.json"));
    // In one step: run, write the report, judge it.
    let args = [
        "gasbench",
        "run",
        s(&scenario_file),
        "--quiet",
        "--out",
        s(&out),
        "--gates",
        s(&pass),
        "--junit",
        s(&junit),
        "--markdown",
        s(&md),
        "--json",
        s(&json),
    ];
    let code = cli(&args);
    assert_eq!(code, ExitCode::from(EXIT_OK), "{}", std::fs::read_to_string(&md).unwrap_or_default());
    let v = verdict_json(&json);
    assert_eq!((v["verdict"].as_str(), v["passed"].as_u64(), v["failed"].as_u64()), (Some("pass"), Some(8), Some(0)));
    let doc_text = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&doc_text).unwrap();
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("testcase")).count(), 8);
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("failure")).count(), 0);

    // The same report against the mirrored gates: each one fails, and is named.
    let (junit, md, json) = (d.join("fail.xml"), d.join("fail.md"), d.join("fail.json"));
    let code = cli(&[
        "gasbench",
        "gate",
        s(&out),
        "--gates",
        s(&fail),
        "--junit",
        s(&junit),
        "--markdown",
        s(&md),
        "--json",
        s(&json),
    ]);
    assert_eq!(code, ExitCode::from(EXIT_CHECK_FAILED));
    let v = verdict_json(&json);
    assert_eq!((v["verdict"].as_str(), v["passed"].as_u64(), v["failed"].as_u64()), (Some("fail"), Some(0), Some(9)));
    let results = v["results"].as_array().unwrap();
    for r in &results[..8] {
        assert_eq!(r["verdict"], "fail", "{r}");
    }
    assert_eq!(results[8]["verdict"], "missing", "no swap workload in a transfer run: {}", results[8]);
    assert!(results[8]["measured"].as_str().unwrap().contains("no workload `swap`; it has: transfer"));
    let markdown = std::fs::read_to_string(&md).unwrap();
    assert!(
        markdown.contains("FAIL (9 of 9 failed") && markdown.contains("| `latency.inclusion.p99 <= 1us` |"),
        "{markdown}"
    );

    // The JUnit XML, parsed back: one testcase per gate, named as written (escapes
    // undone), each failure with its expected and measured values.
    let doc_text = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&doc_text).unwrap();
    let suite = doc.descendants().find(|n| n.has_tag_name("testsuite")).unwrap();
    assert_eq!((suite.attribute("tests"), suite.attribute("failures")), (Some("9"), Some("9")));
    let cases: Vec<_> = suite.children().filter(|n| n.has_tag_name("testcase")).collect();
    let names: Vec<&str> = cases.iter().map(|c| c.attribute("name").unwrap()).collect();
    assert_eq!(names[7], "latency.inclusion.p50 < 1us");
    assert_eq!(names.len(), 9);
    for case in &cases {
        let failure = case.children().find(|n| n.has_tag_name("failure")).expect("every case failed");
        let message = failure.attribute("message").unwrap();
        assert!(message.contains("expected ") && message.contains("measured "), "{message}");
        assert!(failure.text().unwrap().contains("expected: "), "{:?}", failure.text());
    }
    let tps = cases[0].children().find(|n| n.has_tag_name("failure")).unwrap();
    assert!(tps.attribute("message").unwrap().starts_with("FAIL: expected >= 100000.0 tx/s, measured "));
}

#[test]
fn an_unknown_name_is_refused_with_the_nearest_valid_names() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let bad = write(d, "bad.yaml", "gates:\n  - dropped == 0\n  - throughput.included_tsp >= 1000\n");
    let err = gate::load_file(&bad).unwrap_err().to_string();
    assert!(err.contains("bad.yaml:3:5: gates[1]: unknown figure `throughput.included_tsp`"), "{err}");
    assert!(err.contains("nearest valid names: throughput.included_tps"), "{err}");
    // Through the command line: exit 2 before the report is even read, or the run started.
    assert_eq!(cli(&["gasbench", "gate", "missing.json", "--gates", s(&bad)]), ExitCode::from(EXIT_BAD_INPUT));
    let (scenario_file, out) = (write(d, "s.yaml", &yaml("")), d.join("never.json"));
    assert_eq!(
        cli(&["gasbench", "run", s(&scenario_file), "-q", "--out", s(&out), "--gates", s(&bad)]),
        ExitCode::from(EXIT_BAD_INPUT)
    );
    assert!(!out.exists(), "nothing ran");
    let good = write(d, "good.yaml", "gates:\n  - dropped == 0\n");
    assert_eq!(
        cli(&["gasbench", "gate", s(&d.join("missing.json")), "--gates", s(&good)]),
        ExitCode::from(EXIT_BAD_INPUT)
    );
    // A relative gate with no baseline to compare with is a usage error.
    let rel = write(d, "rel.yaml", "relative:\n  included_tps: -5%\n");
    assert_eq!(cli(&["gasbench", "gate", "r.json", "--gates", s(&rel)]), ExitCode::from(EXIT_BAD_INPUT));
    // A JSON file that is not a report is named with the field that is wrong.
    let not_report = write(d, "x.json", "{\"report_version\": 1, \"tool\": 5}");
    let err = gate::read_report(&not_report).unwrap_err().to_string();
    assert!(err.contains("x.json:1:") && err.contains(": tool: not a gasbench report"), "{err}");
    assert_eq!(cli(&["gasbench", "gate", s(&not_report), "--gates", s(&good)]), ExitCode::from(EXIT_BAD_INPUT));
}

const RELATIVE: &str = "relative:\n  included_tps: -5%\n  latency.inclusion.p99: +10%\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_slowdown_is_caught_against_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let gates = write(d, "rel.yaml", RELATIVE);
    // The same scenario and seed; the slow target waits 20 ms on each location's first
    // read in a block (a node whose state is on a slow disk): a few dozen transfers a
    // second, against 200 offered.
    let (fast, fast_r) = report_of(&yaml(""), d, "fast.json").await;
    let (slow, slow_r) = report_of(&yaml(", state_read_latency_us: 20000"), d, "slow.json").await;
    let (fast_tps, slow_tps) = (fast_r.throughput.included_tps, slow_r.throughput.included_tps);
    assert!(slow_tps < fast_tps / 2.0, "the throttle holds it well under the fast run: {slow_tps} vs {fast_tps}");

    let json = d.join("v.json");
    let code = cli(&["gasbench", "gate", s(&slow), "--gates", s(&gates), "--baseline", s(&fast), "--json", s(&json)]);
    assert_eq!(code, ExitCode::from(EXIT_CHECK_FAILED));
    let v = verdict_json(&json);
    for r in v["results"].as_array().unwrap() {
        assert_eq!(r["verdict"], "fail", "{v}");
        assert!(r["baseline_value"].as_f64().is_some(), "{r}");
    }
    // The verdicts turn: the fast run against itself, and the fast run against the slow
    // one (an improvement is no regression).
    for baseline in [&fast, &slow] {
        let code =
            cli(&["gasbench", "gate", s(&fast), "--gates", s(&gates), "--baseline", s(baseline), "--json", s(&json)]);
        assert_eq!(code, ExitCode::from(EXIT_OK), "{}", std::fs::read_to_string(&json).unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_baseline_of_another_experiment_is_refused_unless_allowed_loudly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let gates = write(d, "rel.yaml", RELATIVE);
    let (path, r) = report_of(&yaml(""), d, "r.json").await;
    // The same figures under another seed and target kind.
    let mut other = r.clone();
    other.run.seed = 99;
    other.target.kind = gasbench::report::TargetKind::Rpc;
    let other_path = d.join("other.json");
    report::write_json(&other, &other_path).unwrap();
    let id = Identity::of_report;
    let found = gate::baseline::mismatches(&id(&r), &id(&other));
    let named: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(
        named,
        [
            "seed: `5` in the report, `99` in the baseline",
            "target kind: `embedded` in the report, `rpc` in the baseline"
        ]
    );
    assert!(gate::baseline::mismatches(&id(&r), &id(&r)).is_empty());

    let code = cli(&["gasbench", "gate", s(&path), "--gates", s(&gates), "--baseline", s(&other_path)]);
    assert_eq!(code, ExitCode::from(EXIT_BAD_INPUT));
    // `run --gates` refuses it before running: no report is written.
    let (scenario_file, out) = (write(d, "s.yaml", &yaml("")), d.join("never.json"));
    let args = [
        "gasbench",
        "run",
        s(&scenario_file),
        "-q",
        "--out",
        s(&out),
        "--gates",
        s(&gates),
        "--baseline",
        s(&other_path),
    ];
    assert_eq!(cli(&args), ExitCode::from(EXIT_BAD_INPUT));
    assert!(!out.exists());
    let (json, md, junit) = (d.join("v.json"), d.join("v.md"), d.join("v.xml"));
    let code = cli(&[
        "gasbench",
        "gate",
        s(&path),
        "--gates",
        s(&gates),
        "--baseline",
        s(&other_path),
        "--allow-mismatch",
        "--json",
        s(&json),
        "--markdown",
        s(&md),
        "--junit",
        s(&junit),
    ]);
    assert_eq!(code, ExitCode::from(EXIT_OK));
    let v = verdict_json(&json);
    assert_eq!(v["baseline"]["accepted_mismatches"].as_array().unwrap().len(), 2, "{v}");
    assert!(std::fs::read_to_string(&md).unwrap().contains("**WARNING: baseline"));
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let out = doc.descendants().find(|n| n.has_tag_name("system-out")).unwrap();
    assert!(out.text().unwrap().contains("seed: `5` in the report, `99` in the baseline"));
}

#[test]
fn docs_list_every_figure_name() {
    let docs = std::fs::read_to_string(root().join("docs/gates.md")).unwrap();
    let table = figures::reference_table();
    assert!(docs.contains(&table), "docs/gates.md is out of date; its figure table should read:\n{table}");
}
