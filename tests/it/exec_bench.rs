//! `gasbench exec-bench` through the command line: the JSON it writes has a figure
//! set per executor and per sweep cell, and every run was identical to sequential; a
//! parallel executor made to differ turns the verdict (exit 1, the difference named).

use std::process::ExitCode;

use clap::Parser;
use gasbench::cli::{Cli, EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK};

const SCENARIO: &str = "\
name: bench-small
seed: 5
accounts: {count: 40}
workloads:
  - kind: transfer
  - kind: erc20_transfer
    tokens: 2
  - kind: amm_swap
    pools: 4
load: {open: {rate: 100}}
measure: {duration: 1s}
target: {kind: embedded}
";

fn exec_bench(args: &[&str]) -> ExitCode {
    let mut argv = vec!["gasbench", "exec-bench"];
    argv.extend_from_slice(args);
    gasbench::cli::run(Cli::try_parse_from(argv).unwrap())
}

#[test]
fn exec_bench_compares_executors_on_the_same_blocks_and_finds_them_identical() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.yaml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let out = dir.path().join("bench.json");
    let (s, o) = (scenario.to_str().unwrap(), out.to_str().unwrap());
    let code = exec_bench(&[
        s,
        "--blocks",
        "2",
        "--block-gas",
        "1500000",
        "--reps",
        "2",
        "--min-rep-seconds",
        "0",
        "--threads",
        "1,2",
        "--latency-us",
        "2",
        "--sweep",
        "--always-parallel",
        "--out",
        o,
    ]);
    assert_eq!(code, ExitCode::from(EXIT_OK));
    let r: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(r["identical"], true, "{r:#}");
    assert_eq!((r["scenario"].as_str(), r["state_read_latency_us"].as_u64()), (Some("bench-small"), Some(2)));
    assert_eq!((r["repetitions"].as_u64(), r["adaptive"].as_bool()), (Some(2), Some(false)));
    let run = &r["run"];
    assert!(run["mean_read_wait_us"].as_f64().unwrap() >= 2.0, "every modelled read waits its 2 us: {run:#}");
    assert_eq!(run["blocks"], 2);
    assert!(run["txs"].as_u64().unwrap() > 20 && run["gas"].as_u64().unwrap() > 21_000 * 20, "{run:#}");
    let execs = run["executors"].as_array().unwrap();
    let shape: Vec<(&str, u64)> =
        execs.iter().map(|e| (e["executor"].as_str().unwrap(), e["threads"].as_u64().unwrap())).collect();
    assert_eq!(shape, [("sequential", 1), ("parallel", 1), ("parallel", 2)]);
    for e in execs {
        assert_eq!(e["identical"], true);
        assert!(e["mismatch"].is_null());
        if e["executor"] == "parallel" {
            assert_eq!(e["fallbacks"], 0, "--always-parallel: every block through Block-STM: {e:#}");
            assert_eq!(e["modes"], serde_json::json!({"parallel": 2 * 2}), "2 blocks x 2 repetitions: {e:#}");
            assert_eq!(e["block_modes"], serde_json::json!(["parallel", "parallel"]), "{e:#}");
        } else {
            assert_eq!(e["block_modes"], serde_json::json!(["sequential", "sequential"]), "{e:#}");
        }
        let (lo, hi) = (e["speedup_ci95"][0].as_f64().unwrap(), e["speedup_ci95"][1].as_f64().unwrap());
        let speedup = e["speedup"].as_f64().unwrap();
        assert!(lo <= speedup && speedup <= hi, "the interval holds the median: {e:#}");
        for f in ["tx_per_s", "mgas_per_s", "median_seconds", "speedup", "busy_us_per_tx"] {
            assert!(e[f].as_f64().unwrap() > 0.0, "{f}: {e:#}");
        }
        assert!(e["read_waits_per_tx"].as_f64().unwrap() > 0.0, "2 us reads are waited for: {e:#}");
        // Present and numeric (the schema's business); busy time is work done, never 0.
        assert!(e["busy_us_per_tx"].as_f64().unwrap() > 0.0, "{e:#}");
        // Each validation abort makes its transaction run again.
        let per_tx = |f: &str| e[f].as_f64().unwrap();
        assert!(per_tx("aborts_per_tx") <= per_tx("re_executions_per_tx"), "{e:#}");
    }
    // Each repetition ran every executor once, in an order of its own.
    let orders = run["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 2);
    for o in orders {
        let mut o: Vec<u64> = o.as_array().unwrap().iter().map(|i| i.as_u64().unwrap()).collect();
        o.sort();
        assert_eq!(o, [0, 1, 2]);
    }
    let sweep = r["sweep"].as_array().unwrap();
    let ratios: Vec<f64> = sweep.iter().map(|s| s["hot_ratio"].as_f64().unwrap()).collect();
    assert_eq!(ratios, [0.0, 0.1, 0.5, 1.0]);
    assert!(sweep.iter().all(|s| s["executors"].as_array().unwrap().len() == 3));
}

#[test]
fn exec_bench_refuses_bad_flags_with_exit_2() {
    let path = crate::root().join("scenarios/transfers.yaml");
    let p = path.to_str().unwrap();
    assert_eq!(exec_bench(&[p, "--threads", "0"]), ExitCode::from(EXIT_BAD_INPUT));
    assert_eq!(exec_bench(&[p, "--block-gas", "100"]), ExitCode::from(EXIT_BAD_INPUT));
    assert_eq!(exec_bench(&["/nonexistent.yaml"]), ExitCode::from(EXIT_BAD_INPUT));
}

#[test]
fn a_parallel_executor_made_to_differ_fails_the_identical_verdict_naming_the_difference() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.yaml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let s = scenario.to_str().unwrap();
    for (fault, named) in [
        ("receipt-gas", "receipt gas_used"),
        ("log", "log 0 of"),
        ("storage-write", "storage slot"),
        ("code-byte", "code bytes differ at offset 0"),
        ("account-status", "status "),
    ] {
        let out = dir.path().join(format!("{fault}.json"));
        let o = out.to_str().unwrap();
        let args =
            [s, "--blocks", "1", "--block-gas", "1500000", "--reps", "1", "--min-rep-seconds", "0", "--threads", "2"];
        let code = exec_bench(&[&args[..], &["--inject-fault", fault, "--out", o]].concat());
        assert_eq!(code, ExitCode::from(EXIT_CHECK_FAILED), "{fault}");
        let r: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert_eq!(r["identical"], false, "{fault}");
        let execs = r["run"]["executors"].as_array().unwrap();
        assert_eq!(execs[0]["identical"], true, "the sequential reference is untouched");
        let mismatch = execs[1]["mismatch"].as_str().unwrap_or_else(|| panic!("{fault}: {r:#}"));
        assert!(mismatch.contains(named), "{fault}: {mismatch}");
    }
    // The same blocks without a fault: identical, exit 0.
    let args =
        [s, "--blocks", "1", "--block-gas", "1500000", "--reps", "1", "--min-rep-seconds", "0", "--threads", "2"];
    assert_eq!(exec_bench(&args), ExitCode::from(EXIT_OK));
}

#[test]
fn blocks_ending_with_the_builders_payment_from_the_coinbase_run_identically_and_say_how_they_ran() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.yaml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let out = dir.path().join("bench.json");
    let (s, o) = (scenario.to_str().unwrap(), out.to_str().unwrap());
    let args =
        [s, "--blocks", "3", "--block-gas", "1500000", "--reps", "2", "--min-rep-seconds", "0", "--threads", "2"];
    let code = exec_bench(&[&args[..], &["--proposer-payment", "--out", o]].concat());
    assert_eq!(code, ExitCode::from(EXIT_OK));
    let r: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!((r["identical"].as_bool(), r["proposer_payment"].as_bool()), (Some(true), Some(true)), "{r:#}");
    let execs = r["run"]["executors"].as_array().unwrap();
    let shape: Vec<(bool, u64)> =
        execs.iter().map(|e| (e["adaptive"].as_bool().unwrap(), e["threads"].as_u64().unwrap())).collect();
    assert_eq!(shape, [(false, 1), (false, 2), (true, 2)], "sequential, then block-stm and adaptive per thread count");
    for e in &execs[1..] {
        // Every timed block is accounted for, by the mode it ran in.
        let counted: u64 = e["modes"].as_object().unwrap().values().map(|n| n.as_u64().unwrap()).sum();
        assert_eq!(counted, 3 * 2, "{e:#}");
        assert_eq!(e["block_modes"].as_array().unwrap().len(), 3, "{e:#}");
    }
    // Lazy coinbase: the builder's payment does not send Block-STM's blocks to sequential.
    assert_eq!(execs[1]["modes"], serde_json::json!({"parallel": 3 * 2}), "{:#}", execs[1]);
}
