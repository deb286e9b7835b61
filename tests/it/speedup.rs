//! `speedup(a, b[, FIGURE])` gates across a scenario's `targets:` on the embedded chain:
//! the same gate passes when the two targets are alike and fails when the candidate's
//! state reads are throttled (`state_read_latency_us`); a name that is no target is
//! refused before anything runs, with the valid names.

use std::{path::Path, process::ExitCode};

use clap::Parser;
use gasbench::cli::{Cli, EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK};
use serde_json::Value;

fn cli(args: &[&str]) -> ExitCode {
    gasbench::cli::run(Cli::try_parse_from(args).unwrap_or_else(|e| panic!("{e}")))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The candidate (`#2`) may be at most 1.5x slower to include than the reference.
const GATE: &str = "gates:\n  - speedup(#2, embedded sequential, latency.inclusion.p50) >= 0.67\n  - dropped == 0\n";

/// 100 transfers/s for 1 s against the reference and the candidate (whose state reads
/// wait `latency_us` each); the exit code and the JSON verdict.
fn gated(dir: &Path, name: &str, latency_us: u64) -> (ExitCode, Value) {
    let targets = format!(
        "targets:\n  - {{kind: embedded, block_time: 100ms}}\n  - {{kind: embedded, block_time: 100ms, state_read_latency_us: {latency_us}}}\n"
    );
    let file = dir.join(format!("{name}.yaml"));
    std::fs::write(&file, crate::small(100, "1s", &targets)).unwrap();
    let gates = dir.join("gates.yaml");
    std::fs::write(&gates, GATE).unwrap();
    let (out, verdict) = (dir.join(format!("{name}.json")), dir.join(format!("{name}-verdict.json")));
    let code =
        cli(&["gasbench", "run", s(&file), "--quiet", "--out", s(&out), "--gates", s(&gates), "--json", s(&verdict)]);
    (code, serde_json::from_str(&std::fs::read_to_string(&verdict).unwrap()).unwrap())
}

#[test]
fn a_speedup_gate_passes_on_alike_targets_and_fails_on_a_throttled_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (code, v) = gated(d, "alike", 0);
    assert_eq!(code, ExitCode::from(EXIT_OK), "{v:#}");
    let speedup = &v["results"][0];
    assert_eq!(speedup["verdict"], "pass", "{v:#}");
    assert!(speedup["measured_value"].as_f64().unwrap() > 0.67, "{v:#}");
    // The absolute gate is judged on each target.
    let gates: Vec<&str> = v["results"].as_array().unwrap().iter().map(|r| r["gate"].as_str().unwrap()).collect();
    assert_eq!(gates[1..], ["embedded sequential: dropped == 0", "embedded sequential #2: dropped == 0"]);

    // Every first read of a location in a block waits 20 ms: blocks take longer than
    // their 100 ms, and inclusion slows by several times.
    let (code, v) = gated(d, "throttled", 20_000);
    assert_eq!(code, ExitCode::from(EXIT_CHECK_FAILED), "{v:#}");
    let speedup = &v["results"][0];
    assert_eq!(speedup["verdict"], "fail", "{v:#}");
    assert!(speedup["measured_value"].as_f64().unwrap() < 0.67, "{v:#}");
    assert!(speedup["measured"].as_str().unwrap().starts_with('x'), "{v:#}");

    // The stored comparison is gated the same way by `gasbench gate`.
    let gates = d.join("gates.yaml");
    assert_eq!(
        cli(&["gasbench", "gate", s(&d.join("throttled.json")), "--gates", s(&gates)]),
        ExitCode::from(EXIT_CHECK_FAILED)
    );
    assert_eq!(cli(&["gasbench", "gate", s(&d.join("alike.json")), "--gates", s(&gates)]), ExitCode::from(EXIT_OK));

    // A name that is no target: refused, naming the valid ones.
    std::fs::write(&gates, "gates:\n  - speedup(parallel, embedded sequential) >= 1.5\n").unwrap();
    assert_eq!(
        cli(&["gasbench", "gate", s(&d.join("alike.json")), "--gates", s(&gates)]),
        ExitCode::from(EXIT_BAD_INPUT)
    );
    let labels: Vec<String> = ["embedded sequential", "embedded sequential #2"].map(String::from).to_vec();
    let set = gasbench::report::gate::load_file(&gates).unwrap();
    let problems = gasbench::report::gate::across::check_names(&set, &labels);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains(
            "no target or cell is named `parallel`; the comparison has: `embedded sequential`, `embedded sequential #2`"
        ),
        "{problems:?}"
    );
    // A speedup gate on a single report cannot be checked, and does not pass.
    let one = d.join("one.yaml");
    std::fs::write(&one, crate::small(50, "1s", "target: {kind: embedded, block_time: 100ms}\n")).unwrap();
    std::fs::write(&gates, "gates:\n  - speedup(a, b) >= 1.5\n").unwrap();
    assert_eq!(cli(&["gasbench", "run", s(&one), "--quiet", "--gates", s(&gates)]), ExitCode::from(EXIT_CHECK_FAILED));
}
