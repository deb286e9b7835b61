//! A run as a value: its handle's snapshot while it goes, its event stream, cancelling it,
//! and a library that prints nothing (the CLI prints from the events), all on the
//! embedded chain with short windows.

use std::{process::Command, sync::Arc};

use gasbench::{
    report::{Outcome, Report},
    runner::{self, Ending, Phase, RunEvent, RunHandle, RunOptions},
    scenario::{Scenario, TargetSpec},
    targets::embedded::Embedded,
};

use crate::scenario;

/// Two workloads (transfers and ERC-20 transfers) at `rate` for `duration`.
fn two_workloads(rate: u32, duration: &str) -> Scenario {
    scenario(&format!(
        "name: handle\nseed: 5\naccounts: {{count: 60}}\nworkloads: [{{kind: transfer, weight: 1}}, {{kind: erc20_transfer, weight: 1}}]\nload: {{open: {{rate: {rate}}}}}\nmeasure: {{warmup: 0s, duration: {duration}, drain_timeout: 5s}}\ntarget: {{kind: embedded, block_time: 200ms}}\n"
    ))
}

fn start(s: &Scenario) -> RunHandle {
    let TargetSpec::Embedded(spec) = &s.target else { panic!("an embedded scenario") };
    runner::start(s, Arc::new(Embedded::new(spec.clone())), &RunOptions::default())
}

/// Every event until the last, which must be `Finished`.
#[derive(Debug, Default)]
struct Followed {
    phases: Vec<Phase>,
    /// Per workload (mix index) sent and included, at each progress event of the load.
    counts: Vec<Vec<(u64, u64)>>,
    progress_events: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_snapshot_grows_mid_run_and_ends_at_the_reports_counts_and_events_come_in_order() {
    let s = two_workloads(300, "4s");
    let handle = start(&s);
    let mut events = handle.events();
    let mut seen = Followed::default();
    loop {
        match events.recv().await.expect("the stream ends with Finished, not before") {
            RunEvent::Phase { phase, .. } => {
                seen.phases.push(phase);
                if let Phase::Finished(_) = phase {
                    break;
                }
            }
            RunEvent::Progress(_) => {
                seen.progress_events += 1;
                let snap = handle.snapshot();
                if snap.phase == Phase::Load {
                    let m = snap.measured.expect("the load has started");
                    seen.counts.push(m.per.iter().map(|w| (w.counts.sent, w.counts.included)).collect());
                }
            }
            _ => {}
        }
    }
    let end = handle.snapshot().measured.expect("measured");
    let report = handle.join().await.unwrap();
    assert_eq!(
        seen.phases,
        [
            Phase::Preparing,
            Phase::SettingUp,
            Phase::Load,
            Phase::Draining,
            Phase::Assessing,
            Phase::Finished(Ending::Passed)
        ],
    );
    assert!(events.recv().await.is_err(), "nothing after Finished: the stream closes with the run");
    // One progress event a second over a 4 s load (and its drain).
    assert!(seen.progress_events >= 2, "{seen:?}");
    // Mid-run, both workloads' counts grow from one second to the next (two ticks may
    // come together on a loaded machine: never shrink, and grow over the load).
    assert!(seen.counts.len() >= 2, "{seen:?}");
    for w in 0..2 {
        let sent: Vec<u64> = seen.counts.iter().map(|c| c[w].0).collect();
        assert!(sent.windows(2).all(|p| p[1] >= p[0]), "workload {w} sent: {sent:?}");
        assert!(sent[0] > 0 && sent[sent.len() - 1] > sent[0], "workload {w} sent: {sent:?}");
        assert!(seen.counts.last().unwrap()[w].1 > 0, "workload {w} included: {seen:?}");
    }
    // At the end the snapshot holds the report's figures, workload by workload.
    for (i, w) in end.per.iter().enumerate() {
        let name = end.names[i];
        let a = &report.workloads[name].accounting;
        assert_eq!(
            (w.counts.sent, w.counts.included, w.counts.rejected, w.counts.dropped, w.counts.reverted),
            (a.sent, a.included, a.rejected, a.dropped, a.reverted),
            "{name}"
        );
        assert_eq!(w.gas.len(), report.workloads[name].gas_per_op.count, "{name}");
    }
    assert_eq!(end.accounting(report.accounting.planned), report.accounting);
    assert_eq!(end.latencies(), report.latency);
    assert_eq!(end.fees(), report.fees);
    assert_eq!(report.run.outcome, Outcome::Completed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_mid_run_returns_a_partial_report_marked_interrupted() {
    let s = two_workloads(200, "20s");
    let handle = start(&s);
    let mut events = handle.events();
    // Cancelled once the load is on chain, however long the set-up took.
    loop {
        match events.recv().await.expect("the run goes on") {
            RunEvent::Progress(p) if p.now.included > 0 => break,
            RunEvent::Phase { phase: Phase::Finished(e), .. } => panic!("ended before it was cancelled: {e:?}"),
            _ => {}
        }
    }
    handle.cancel();
    let last = loop {
        if let RunEvent::Phase { phase: Phase::Finished(e), .. } = events.recv().await.expect("the run ends") {
            break e;
        }
    };
    let r = handle.join().await.unwrap();
    assert_eq!(last, Ending::Interrupted);
    assert_eq!(r.run.outcome, Outcome::Interrupted);
    assert!(r.run.partial);
    assert!(r.accounting.sent > 0 && r.accounting.not_sent > 0, "{:?}", r.accounting);
    assert!(r.accounting.balanced, "{:?}", r.accounting);
    assert!(r.run.elapsed_seconds < 15.0, "stopped long before the planned 20 s: {}", r.run.elapsed_seconds);
}

const SILENT: &str = "run_handle::a_library_run_prints_nothing";

/// Runs `test` again in a child process with `GASBENCH_CHILD` set; returns its stdout
/// lines that are not the test harness's own, and its stderr.
fn in_child(test: &str, env: &[(&str, &str)]) -> (Vec<String>, String) {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env("GASBENCH_CHILD", "1")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "the child failed:\n{stdout}\n{stderr}");
    let ours = stdout
        .lines()
        .filter(|l| !(l.is_empty() || l.starts_with("running ") || l.starts_with("test ")))
        .map(str::to_string)
        .collect();
    (ours, stderr)
}

fn in_the_child() -> bool {
    std::env::var_os("GASBENCH_CHILD").is_some()
}

/// Trusted senders (a warning), presigned (the signing line), an ERC-20 set-up.
fn talkative() -> String {
    "name: talkative\nseed: 6\naccounts: {count: 40}\nworkloads: [{kind: erc20_transfer}]\nload: {open: {rate: 200}, signing: presigned}\nmeasure: {warmup: 0s, duration: 2s, drain_timeout: 5s}\ntarget: {kind: embedded, block_time: 200ms, sender_recovery: trusted}\n".to_string()
}

#[test]
fn a_library_run_prints_nothing() {
    if in_the_child() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let r: Report =
            rt.block_on(runner::run(&scenario(&talkative()), &RunOptions::default(), Default::default())).unwrap();
        // What used to be printed is there, as data.
        assert!(r.warnings.iter().any(|w| w.contains("SENDERS TRUSTED")), "{:?}", r.warnings);
        assert!(r.setup.txs > 0 && r.signing.txs > 0);
        return;
    }
    let (stdout, stderr) = in_child(SILENT, &[]);
    assert_eq!(stderr, "", "the library wrote to stderr");
    assert!(stdout.is_empty(), "the library wrote to stdout: {stdout:?}");
}

const CLI: &str = "run_handle::the_cli_prints_the_progress_from_the_events_and_quiet_keeps_warnings";

#[test]
fn the_cli_prints_the_progress_from_the_events_and_quiet_keeps_warnings() {
    if in_the_child() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("talkative.yaml");
        std::fs::write(&path, talkative()).unwrap();
        let mut args = vec!["gasbench", "run", path.to_str().unwrap()];
        if std::env::var_os("GASBENCH_CHILD_QUIET").is_some() {
            args.push("--quiet");
        }
        let cli = <gasbench::cli::Cli as clap::Parser>::try_parse_from(args).unwrap();
        assert_eq!(gasbench::cli::run(cli), std::process::ExitCode::SUCCESS);
        return;
    }
    let (_, stderr) = in_child(CLI, &[]);
    let warning = "warning: SENDERS TRUSTED (sender_recovery=trusted)";
    assert!(stderr.contains(warning), "{stderr}");
    assert!(stderr.contains("signed ") && stderr.contains(" for the set-up) in "), "{stderr}");
    assert!(stderr.contains("set-up: ") && stderr.contains("; starting the load"), "{stderr}");
    let progress = stderr.lines().filter(|l| l.starts_with('[') && l.contains("s] sent ")).count();
    assert!(progress >= 1, "a progress line each second:\n{stderr}");
    let (_, quiet) = in_child(CLI, &[("GASBENCH_CHILD_QUIET", "1")]);
    let lines: Vec<&str> = quiet.lines().collect();
    assert_eq!(lines.len(), 1, "--quiet keeps the warning only:\n{quiet}");
    assert!(lines[0].starts_with(warning), "{quiet}");
}
