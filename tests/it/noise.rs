//! `run --repeat N` and noise-aware relative gates on real runs of the embedded chain: a
//! throttled target (blocks four times apart) is "regressed", and the same build run
//! twice is "within noise". Not flaky on a loaded machine by design: the gate allows
//! +50% on the median inclusion latency, which a loaded machine does not add to a
//! 100 ms block time, while the throttle adds about +300%; and "regressed" needs the
//! whole bootstrap interval past the limit.

use std::{path::Path, process::ExitCode};

use clap::Parser;
use gasbench::cli::{Cli, EXIT_CHECK_FAILED, EXIT_OK};
use serde_json::Value;

use crate::small;

fn cli(args: &[&str]) -> ExitCode {
    gasbench::cli::run(Cli::try_parse_from(args).unwrap_or_else(|e| panic!("{e}")))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const GATES: &str = "relative:\n  latency.inclusion.p50: +50%\n";

/// Runs 200 transfers/s for 1 s, three times, on blocks `block` apart; the report at `out`.
fn repeated(dir: &Path, name: &str, block: &str, extra: &[&str]) -> (ExitCode, std::path::PathBuf) {
    let scenario = dir.join(format!("{name}.yaml"));
    std::fs::write(&scenario, small(200, "1s", &format!("target: {{kind: embedded, block_time: {block}}}\n"))).unwrap();
    let out = dir.join(format!("{name}.json"));
    let mut args = vec!["gasbench", "run", s(&scenario), "--quiet", "--repeat", "3", "--out", s(&out)];
    args.extend_from_slice(extra);
    (cli(&args), out)
}

fn verdict(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_throttled_target_regresses_and_the_same_build_is_within_noise() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let gates = d.join("gates.yaml");
    std::fs::write(&gates, GATES).unwrap();
    let (code, baseline) = repeated(d, "baseline", "100ms", &[]);
    assert_eq!(code, ExitCode::from(EXIT_OK));
    let report: Value = verdict(&baseline);
    let reps = report["repetitions"].as_array().unwrap();
    assert_eq!(reps.len(), 3, "every repetition is kept");
    assert!(reps.iter().all(|r| r["figures"]["latency.inclusion.p50"].as_f64().unwrap() > 0.0));

    // The same build again: within noise, the gate passes.
    let same_json = d.join("same.json");
    let g = s(&gates).to_string();
    let b = s(&baseline).to_string();
    let (code, _) = repeated(d, "same", "100ms", &["--gates", &g, "--baseline", &b, "--json", s(&same_json)]);
    let v = verdict(&same_json);
    assert_eq!(code, ExitCode::from(EXIT_OK), "{v:#}");
    let noise = &v["results"][0]["noise"];
    assert_eq!(noise["movement"], "within_noise", "{v:#}");
    assert_eq!(noise["test"], "bootstrap 95% CI of the relative change of medians");
    assert!(noise["change_low"].as_f64().unwrap() <= noise["change_high"].as_f64().unwrap());
    assert!(v["results"][0]["measured"].as_str().unwrap().ends_with("within noise"), "{v:#}");

    // Blocks four times apart: regressed, beyond the noise; the gate fails.
    let slow_json = d.join("slow.json");
    let (code, _) = repeated(d, "slow", "400ms", &["--gates", &g, "--baseline", &b, "--json", s(&slow_json)]);
    let v = verdict(&slow_json);
    assert_eq!(code, ExitCode::from(EXIT_CHECK_FAILED), "{v:#}");
    let noise = &v["results"][0]["noise"];
    assert_eq!(noise["movement"], "regressed", "{v:#}");
    assert!(noise["change_low"].as_f64().unwrap() > 0.5, "the whole interval is past +50%: {v:#}");
    assert!(v["results"][0]["measured"].as_str().unwrap().ends_with("regressed"), "{v:#}");
}

/// `gasbench compare` of two repeated reports judges each ratio figure on the repetitions:
/// blocks four times apart are "regressed" on inclusion latency against the fast chain,
/// and the same pair the other way round is "improved"; the output names the test.
#[test]
fn compare_over_repetitions_is_noise_aware_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (code, fast) = repeated(d, "fast", "100ms", &[]);
    assert_eq!(code, ExitCode::from(EXIT_OK));
    let (code, slow) = repeated(d, "slow", "400ms", &[]);
    assert_eq!(code, ExitCode::from(EXIT_OK));
    let compare = |a: &Path, b: &Path, name: &str| {
        let out = d.join(format!("{name}.json"));
        assert_eq!(cli(&["gasbench", "compare", s(a), s(b), "--out", s(&out)]), ExitCode::from(EXIT_OK));
        let c: gasbench::report::compare::Comparison =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        c
    };
    let c = compare(&fast, &slow, "fast-slow");
    assert_eq!(c.noise_test.as_deref(), Some(gasbench::report::gate::noise::TEST));
    let p50 = &c.entries[1].noise["latency.inclusion.p50"];
    assert_eq!(p50.movement, gasbench::report::gate::noise::Movement::Regressed, "{p50:?}");
    assert!(p50.change_low > 0.5 && p50.repetitions == 3 && p50.first_repetitions == 3, "{p50:?}");
    let text = gasbench::report::compare::table(&c);
    assert!(text.contains("bootstrap 95% CI of the relative change of medians"), "{text}");
    assert!(text.contains("slow: latency.inclusion.p50 +"), "{text}");
    assert!(text.lines().any(|l| l.contains("latency.inclusion.p50") && l.contains("regressed")), "{text}");

    let c = compare(&slow, &fast, "slow-fast");
    let p50 = &c.entries[1].noise["latency.inclusion.p50"];
    assert_eq!(p50.movement, gasbench::report::gate::noise::Movement::Improved, "{p50:?}");
    assert!(p50.change_high < -0.3, "{p50:?}");
}
