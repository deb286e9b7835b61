//! Bad scenarios are refused before anything runs: file:line:column, field path, hint,
//! exit code 2.

use std::process::ExitCode;

use clap::Parser;
use gasbench::{
    cli::{Cli, EXIT_BAD_INPUT},
    scenario::{Limits, ScenarioError, load_file},
};

const GOOD: &str = "\
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
  kind: embedded
";

/// Writes `yaml` to a temp file, checks it fails with one located error, and that the
/// CLI (`validate` and `run`) exits 2 on it.
fn refused(yaml: &str) -> ScenarioError {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.yaml");
    std::fs::write(&path, yaml).unwrap();
    let errs = load_file(&path, &[], &Limits::default()).expect_err("the scenario must be refused");
    for cmd in ["validate", "run"] {
        let cli = Cli::try_parse_from(["gasbench", cmd, path.to_str().unwrap()]).unwrap();
        assert_eq!(gasbench::cli::run(cli), ExitCode::from(EXIT_BAD_INPUT), "{cmd} exits 2");
    }
    let e = errs.0.into_iter().next().unwrap();
    assert!(e.file.ends_with("bad.yaml"));
    assert!(e.to_string().contains("bad.yaml:"), "the message names the file: {e}");
    e
}

#[test]
fn the_good_scenario_is_accepted() {
    gasbench::scenario::load_str("good.yaml", GOOD, &[], &Limits::default()).unwrap();
}

#[test]
fn unknown_field_points_at_it_and_suggests_the_right_name() {
    let e = refused(&GOOD.replace("    rate: 100", "    rat: 100"));
    assert_eq!((e.line, e.column), (Some(8), Some(5)), "{e}");
    assert_eq!(e.path, "load.open.rat");
    assert_eq!(e.hint.as_deref(), Some("did you mean `rate`?"));
    let shown = e.to_string();
    assert!(shown.contains(":8:5: load.open.rat: unknown field `rat`"), "{shown}");
    assert!(shown.contains("8 |     rat: 100"), "the line is quoted: {shown}");
}

#[test]
fn unknown_field_inside_a_workload_is_located() {
    let e = refused(&GOOD.replace("  - kind: transfer", "  - kind: transfer\n    recipents: uniform"));
    assert_eq!(e.line, Some(6), "{e}");
    assert_eq!(e.path, "workloads[0].recipents");
    assert_eq!(e.hint.as_deref(), Some("did you mean `recipients`?"));
}

#[test]
fn wrong_type_names_the_field_and_line() {
    let e = refused(&GOOD.replace("  count: 10", "  count: many"));
    assert_eq!(e.path, "accounts.count");
    assert_eq!(e.line, Some(3), "{e}");
    assert!(e.message.contains("invalid type"), "{e}");
}

#[test]
fn negative_rate_is_refused_with_its_location() {
    let e = refused(&GOOD.replace("rate: 100", "rate: -5"));
    assert_eq!(e.path, "load.open.rate");
    assert_eq!(e.line, Some(8), "{e}");
    assert!(e.message.contains("above 0"), "{e}");
}

#[test]
fn missing_target_is_refused() {
    let e = refused(&GOOD.replace("target:\n  kind: embedded\n", ""));
    assert!(e.message.contains("missing field `target`"), "{e}");
    assert!(e.hint.unwrap().contains("target"));
    assert!(e.line.is_some(), "even a missing field points into the file");
}

#[test]
fn unknown_target_kind_suggests_the_known_ones() {
    let e = refused(&GOOD.replace("kind: embedded", "kind: embeded"));
    assert_eq!(e.path, "target.kind");
    assert_eq!(e.line, Some(12), "{e}");
    assert_eq!(e.hint.as_deref(), Some("did you mean `embedded`?"));
}

#[test]
fn unknown_workload_kind_suggests_the_nearest_kind_of_the_catalog() {
    let e = refused(&GOOD.replace("kind: transfer", "kind: amm_swapp"));
    assert_eq!(e.path, "workloads[0].kind");
    assert_eq!((e.line, e.column), (Some(5), Some(11)), "at the kind's value: {e}");
    assert_eq!(e.hint.as_deref(), Some("did you mean `amm_swap`?"));
    // Nothing near: the hint lists the catalog, every kind of it.
    let e = refused(&GOOD.replace("kind: transfer", "kind: teleport"));
    let hint = e.hint.unwrap_or_default();
    assert!(hint.starts_with("choose one of: ") && hint.ends_with("(`gasbench workloads` describes each)"), "{hint}");
    let listed: Vec<&str> = hint["choose one of: ".len()..].split(" (").next().unwrap().split(", ").collect();
    assert_eq!(listed, workloads::CATALOG.iter().map(|w| w.name).collect::<Vec<_>>());
}

#[test]
fn a_bad_field_of_a_merged_game_workload_is_located_in_its_own_kind() {
    // game_craft and game_breed share one settings type; `leaderboard` is game_quest's.
    let e = refused(&GOOD.replace("  - kind: transfer", "  - kind: game_breed\n    leaderbord: true"));
    assert_eq!(e.path, "workloads[0].leaderbord");
    assert_eq!(e.line, Some(6), "{e}");
    assert_eq!(e.hint.as_deref(), Some("remove it; the fields here are weight, games, game_pick"), "{e}");
}

#[test]
fn oversized_run_is_refused_before_signing_anything() {
    let e = refused(&GOOD.replace("rate: 100", "rate: 50000000").replace("duration: 1s", "duration: 60s"));
    assert_eq!(e.path, "load.open.rate");
    assert!(e.message.contains("3050000000 transactions"), "1 s default warmup + 60 s at 50M tx/s: {e}");
    assert!(e.message.contains("GiB of memory") && e.message.contains("available"), "{e}");
    assert!(e.hint.unwrap().contains("--memory-available-mib"));
}

#[test]
fn the_memory_estimate_is_held_against_the_memory_available() {
    // 1 s warmup + 60 s at 10,000 tx/s, pre-signed: 610,000 transactions, ~0.5 GiB.
    let yaml = GOOD.replace("rate: 100", "rate: 10000\n  signing: presigned").replace("duration: 1s", "duration: 60s");
    let limits = |mib: u64| Limits { memory_available_bytes: Some(mib << 20), ..Default::default() };
    gasbench::scenario::load_str("soak.yaml", &yaml, &[], &limits(2048)).expect("fits in 2 GiB");
    let errs = gasbench::scenario::load_str("soak.yaml", &yaml, &[], &limits(256)).expect_err("not in 256 MiB");
    let e = &errs.0[0];
    assert_eq!(e.path, "load.open.rate");
    assert!(e.message.contains("610000 transactions") && e.message.contains("0.25 GiB available"), "{e}");
}

#[test]
fn invalid_yaml_is_located() {
    let e = refused("name: t\naccounts: {count: 10\nload: x\n");
    assert!(e.line.is_some(), "{e}");
    assert!(e.message.contains("not valid YAML"));
}

#[test]
fn contradicting_sections_are_all_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.yaml");
    let yaml =
        GOOD.replace("  open:\n    rate: 100", "  closed:\n    in_flight: 0").replace("  count: 10", "  count: 0");
    std::fs::write(&path, yaml).unwrap();
    let errs = load_file(&path, &[], &Limits::default()).unwrap_err();
    let paths: Vec<&str> = errs.0.iter().map(|e| e.path.as_str()).collect();
    assert!(paths.contains(&"accounts.count") && paths.contains(&"load.closed.in_flight"), "{paths:?}");
}

#[test]
fn overrides_apply_and_their_errors_name_the_flag() {
    let ov = |s: &str| s.parse().unwrap();
    let s = gasbench::scenario::load_str(
        "good.yaml",
        GOOD,
        &[ov("load.open.rate=250"), ov("workloads[0].recipients=zipf(1.2)")],
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(s.load.open.unwrap().rate, Some(250.0));
    let e =
        gasbench::scenario::load_str("good.yaml", GOOD, &[ov("load.open.rate=-1")], &Limits::default()).unwrap_err();
    assert!(e.to_string().contains("--set load.open.rate=-1"), "{e}");
}

#[test]
fn errors_inside_tagged_sections_keep_their_field_path() {
    let e = refused(&GOOD.replace("  kind: embedded", "  kind: embedded\n  block_time: 5"));
    assert_eq!(e.path, "target.block_time", "{e}");
    assert_eq!(e.line, Some(13), "{e}");
    assert!(e.message.contains("5s"), "the hint is in the message: {e}");
    let e = refused(&GOOD.replace("  kind: embedded", "  kind: embedded\n  sender_recovery: verfy"));
    assert_eq!(e.path, "target.sender_recovery", "{e}");
    assert_eq!(e.hint.as_deref(), Some("did you mean `verify`?"));
    let e = refused(&GOOD.replace("  kind: embedded", "  kind: embedded\n  sealing: when-full"));
    assert_eq!(e.path, "target.sealing", "{e}");
    assert_eq!(e.line, Some(13), "{e}");
    assert_eq!(e.hint.as_deref(), Some("did you mean `when_full`?"), "{e}");
    let e = refused(&GOOD.replace("  - kind: transfer", "  - kind: transfer\n    recipients: zipf(0)"));
    assert_eq!(e.path, "workloads[0].recipients", "{e}");
    assert_eq!(e.line, Some(6), "{e}");
}

#[test]
fn a_workload_count_dial_of_zero_names_its_field() {
    let yaml = "name: b\naccounts: {count: 5}\nworkloads:\n  - kind: lending\n    pools: 0\nload: {open: {rate: 10}}\nmeasure: {duration: 1s}\ntarget: {kind: embedded}\n";
    let err = gasbench::scenario::load_str("b.yaml", yaml, &[], &Default::default()).unwrap_err().to_string();
    assert!(err.contains("b.yaml:5:") && err.contains("workloads[0].pools: must be at least 1"), "{err}");
}

#[test]
fn parallel_executor_settings_are_checked_where_they_are_written() {
    let e = refused(&format!("{GOOD}  threads: 2\n"));
    assert_eq!((e.path.as_str(), e.line), ("target.threads", Some(13)), "{e}");
    assert!(e.hint.unwrap().contains("executor: parallel"));
    let e = refused(&format!("{GOOD}  executor: parallel\n  threads: 0\n"));
    assert_eq!((e.path.as_str(), e.line), ("target.threads", Some(14)), "{e}");
    let e = refused(&format!("{GOOD}  state_read_latency_us: 2000000\n"));
    assert_eq!(e.path, "target.state_read_latency_us", "{e}");
    assert!(e.message.contains("at most 100,000"), "{e}");
    let e = refused(&format!("{GOOD}  executor: paralel\n"));
    assert_eq!(e.path, "target.executor", "{e}");
    gasbench::scenario::load_str(
        "ok.yaml",
        &format!("{GOOD}  executor: parallel\n  threads: 4\n  state_read_latency_us: 20\n"),
        &[],
        &Limits::default(),
    )
    .unwrap();
}

#[test]
fn a_shard_beyond_the_count_is_refused_at_its_line() {
    let e = refused(&format!("{GOOD}shard: {{index: 2, count: 2}}\n"));
    assert_eq!(e.path, "shard");
    assert!(e.message.contains("shard 2 of 2"), "{e}");
    assert!(e.hint.as_deref().is_some_and(|h| h.contains("0 to count - 1")), "{e}");
    gasbench::scenario::load_str(
        "good.yaml",
        &format!("{GOOD}shard: {{index: 1, count: 2}}\n"),
        &[],
        &Limits::default(),
    )
    .unwrap();
}
