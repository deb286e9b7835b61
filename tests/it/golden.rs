//! The no-behaviour-change test: every scenario in scenarios/ that runs on the embedded
//! chain, shortened and with its own fixed seed, against its report checked in under
//! tests/golden/, with the figures that depend on the wall clock masked (a short list,
//! `MASK`). `GASBENCH_BLESS=1` rewrites the golden files (see tests/golden/README.md).

use gasbench::{
    runner::{RunOptions, run},
    scenario::{Limits, Override, TargetKind, load_file},
};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

/// What a masked figure reads as in a golden file.
const MASKED: &str = "<masked>";

/// The report's figures that follow the wall clock (or the machine), by path; `*` is any
/// key or array index, `a|b` either key. Everything else (the plan, counts, accounting, per-operation gas,
/// operations, verdicts, check names) must match the golden file exactly.
const MASK: &[&str] = &[
    // Provenance and the machine.
    "tool.git_sha",
    "tool.version",
    "host",
    "run.started_at",
    "run.started_at_unix_ms",
    // Durations and rates over the wall clock.
    "run.elapsed_seconds",
    "run.drain_seconds",
    "signing.wall_seconds|threads|per_tx_us|signed_during_run|streamed",
    "setup.seconds",
    "load.achieved_send_tps",
    "load.send_ratio",
    "load.late_sends",
    "load.send_lag",
    "load.harness_cpu_seconds",
    "load.harness_cpu_us_per_tx",
    "throughput",
    "target.slots",
    "target.exec",
    // Latencies from intended send times (their counts too: a stage's count covers the
    // transactions seen by the end of the window).
    "latency",
    "workloads.*.latency",
    // Which transactions shared a block (and so each block's base fee) follows the
    // block builder's wall-clock slots: fees, base fees, block numbers, block counts.
    "fees",
    "workloads.*.fees",
    "setup.blocks",
    "setup.fee_wei",
    "effects.checks.*.detail",
    "reconciliation.first_block",
    "reconciliation.last_block",
    "reconciliation.blocks_read",
    "reconciliation.detail",
    "series",
    "blocks",
    // Interest and rewards accrue by block timestamp (wall-clock seconds): the gas of a
    // lending or staking operation (and of the set-up that opens positions) depends on
    // whether it is the first in its second. Their counts stay compared.
    "workloads.lending|staking.gas_per_op.mean|min|p50|p99|max|hdr",
    "setup.gas_used",
];

/// Warnings about the wall clock (the block builder missing its slots), left out of the
/// comparison; every other warning is compared.
const TIMING_WARNINGS: &[&str] = &["the block builder fell behind its block time"];

fn embedded_scenarios() -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(crate::root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .filter(|p| load_file(p, &[], &Limits::default()).unwrap().target.kind() == TargetKind::Embedded)
        .collect();
    out.sort();
    assert!(out.len() >= 5, "{out:?}");
    out
}

/// Replaces every value at a path of `MASK` by `MASKED`, and drops `TIMING_WARNINGS`.
fn mask(v: &mut Value) {
    for pattern in MASK {
        let parts: Vec<&str> = pattern.split('.').collect();
        mask_at(v, &parts);
    }
    if let Some(Value::Array(w)) = v.get_mut("warnings") {
        w.retain(|w| !w.as_str().is_some_and(|w| TIMING_WARNINGS.iter().any(|t| w.starts_with(t))));
    }
}

fn mask_at(v: &mut Value, parts: &[&str]) {
    let Some((first, rest)) = parts.split_first() else {
        *v = Value::String(MASKED.into());
        return;
    };
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if *first == "*" || first.split('|').any(|f| f == k) {
                    mask_at(child, rest);
                }
            }
        }
        Value::Array(a) if *first == "*" => a.iter_mut().for_each(|c| mask_at(c, rest)),
        _ => {}
    }
}

/// Every path where `got` differs from `want`, with both values.
fn differences(path: &str, want: &Value, got: &Value, out: &mut Vec<String>) {
    match (want, got) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<_> = a.keys().chain(b.keys()).collect();
            for k in keys {
                let p = format!("{path}.{k}");
                differences(&p, a.get(k).unwrap_or(&Value::Null), b.get(k).unwrap_or(&Value::Null), out);
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differences(&format!("{path}[{i}]"), x, y, out);
            }
        }
        _ if want != got => out.push(format!("{path}: golden {want}, now {got}")),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_scenarios_report_as_their_golden_files() {
    let bless = std::env::var_os("GASBENCH_BLESS").is_some_and(|v| v == "1");
    let dir = crate::root().join("tests/golden");
    let mut failed = Vec::new();
    for path in embedded_scenarios() {
        let ov = |p: &str, v: &str| Override { path: p.into(), value: v.into() };
        let base = load_file(&path, &[], &Limits::default()).unwrap();
        // Short and slow enough for a debug build on a loaded machine, with a drain long
        // enough that every transaction is included.
        let mut overrides =
            vec![ov("measure.warmup", "200ms"), ov("measure.duration", "1s"), ov("measure.drain_timeout", "10s")];
        if base.load.open.as_ref().is_some_and(|o| o.rate.is_some()) {
            overrides.push(ov("load.open.rate", "200"));
        }
        let s = load_file(&path, &overrides, &Limits::default()).unwrap();
        let report = run(&s, &RunOptions::default(), CancellationToken::new()).await.unwrap();
        let mut got = serde_json::to_value(&report).unwrap();
        mask(&mut got);
        let file = dir.join(format!("{}.json", path.file_stem().unwrap().to_string_lossy()));
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&file, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
            continue;
        }
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("{}: {e}; run with GASBENCH_BLESS=1 to write it", file.display()));
        let want: Value = serde_json::from_str(&text).unwrap();
        let mut diffs = Vec::new();
        differences("", &want, &got, &mut diffs);
        if !diffs.is_empty() {
            failed.push(format!("{}:\n  {}", file.display(), diffs.join("\n  ")));
        }
    }
    assert!(
        failed.is_empty(),
        "reports differ from their golden files (GASBENCH_BLESS=1 rewrites them, if the change is meant):\n{}",
        failed.join("\n")
    );
}

#[test]
fn the_mask_covers_only_what_it_names() {
    let mut v = serde_json::json!({
        "tool": {"name": "gasbench", "git_sha": "abc"},
        "workloads": {"transfer": {"latency": {"submit": 1}, "ops": {"transfer": 3}}},
        "effects": {"checks": [{"name": "supply", "detail": "12 blocks"}]},
    });
    mask(&mut v);
    assert_eq!(
        v,
        serde_json::json!({
            "tool": {"name": "gasbench", "git_sha": MASKED},
            "workloads": {"transfer": {"latency": MASKED, "ops": {"transfer": 3}}},
            "effects": {"checks": [{"name": "supply", "detail": MASKED}]},
        })
    );
}
