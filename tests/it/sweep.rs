//! `sweep:` on the embedded chain: a 2x2 matrix (rate x executor) runs every cell with the
//! same seed into one comparison, prints a table per figure, draws a series or bar per
//! cell in a real Chromium, and takes a `speedup(...)` gate across its cells; a bad sweep
//! path or value, and too many cells, are refused at the sweep entry.

use std::{path::Path, process::ExitCode};

use clap::Parser;
use gasbench::{
    cli::{Cli, EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK},
    report::compare::{Comparison, ComparisonKind},
    scenario::{Limits, load_str},
};
use serde_json::Value;

use crate::browser;

fn cli(args: &[&str]) -> ExitCode {
    gasbench::cli::run(Cli::try_parse_from(args).unwrap_or_else(|e| panic!("{e}")))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// 1 s of transfers on 100 ms blocks, swept over `sweep` (YAML lines under `sweep:`).
fn swept(sweep: &str) -> String {
    crate::small(50, "1s", &format!("target: {{kind: embedded, block_time: 100ms}}\nsweep:\n{sweep}"))
}

const RATE_X_EXECUTOR: &str = "  load.open.rate: [50, 100]\n  target.executor: [sequential, parallel]\n";

#[test]
fn every_cell_of_a_two_by_two_sweep_runs_and_is_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = d.join("s.yaml");
    std::fs::write(&file, swept(RATE_X_EXECUTOR)).unwrap();
    let (out, html) = (d.join("c.json"), d.join("c.html"));
    let code = cli(&["gasbench", "run", s(&file), "--quiet", "--out", s(&out), "--html", s(&html)]);
    assert_eq!(code, ExitCode::from(EXIT_OK));

    let c: Comparison = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(c.kind, ComparisonKind::Sweep);
    assert_eq!(c.axes.len(), 2);
    assert_eq!(c.axes[0].values, ["50", "100"]);
    assert_eq!(c.axes[1].values, ["sequential", "parallel"]);
    let labels: Vec<&str> = c.entries.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "rate=50 executor=sequential",
            "rate=50 executor=parallel",
            "rate=100 executor=sequential",
            "rate=100 executor=parallel"
        ]
    );
    for e in &c.entries {
        let r = e.report().unwrap_or_else(|| panic!("{}: {:?}", e.label, e.result));
        assert!(e.passed(), "{}: {:?}", e.label, r.accounting);
        // Each cell ran its own settings, with the sweep's seed.
        let rate: f64 = e.settings["load.open.rate"].parse().unwrap();
        assert_eq!(r.scenario["load"]["open"]["rate"].as_f64(), Some(rate), "{}", e.label);
        assert_eq!(r.target.executor.as_deref(), Some(e.settings["target.executor"].as_str()), "{}", e.label);
        assert_eq!(r.accounting.planned, rate as u64, "{}: 1 s at {rate}/s", e.label);
        assert_eq!(r.run.seed, 3);
        assert!(r.scenario.get("sweep").is_none(), "a cell's scenario is the cell, not the sweep");
    }

    // A table per figure: rows of the first axis, columns of the second.
    let text = gasbench::report::compare::table(&c);
    for name in gasbench::report::compare::sweep::SWEEP_FIGURES {
        assert!(text.contains(&format!("\n{name}\n")), "{text}");
    }
    assert!(text.contains("load.open.rate \\ target.executor"), "{text}");
    let tps_table = text.split("\nthroughput.included_tps\n").nth(1).unwrap();
    let row_100 = tps_table.lines().find(|l| l.contains(" 100 ")).unwrap();
    assert_eq!(row_100.matches("tx/s").count(), 2, "a column per executor: {row_100}");

    // The page: a line per cell on the time charts, a bar per cell on each sweep chart.
    let loaded = tokio::runtime::Runtime::new().unwrap().block_on(browser::open(
        &html,
        "JSON.stringify({ rate: document.querySelectorAll('#tx-rate svg path').length, \
          pct: document.querySelectorAll('#latency-percentiles svg path').length, \
          bars: [...document.querySelectorAll('figure.chart[id^=sweep-]')].map(f => f.querySelectorAll('path.bar').length), \
          tables: document.querySelectorAll('section h3 + table').length })",
    ));
    assert!(loaded.errors.is_empty() && loaded.requests.is_empty(), "{loaded:?}");
    let v: Value = serde_json::from_str(loaded.value.as_str().unwrap()).unwrap();
    assert_eq!(v["rate"], 8, "sent and included per cell: {v}");
    assert_eq!(v["pct"], 4, "{v}");
    assert_eq!(v["bars"], serde_json::json!([4, 4, 4, 4]), "a bar per cell on each figure's chart: {v}");
    assert_eq!(v["tables"], 4, "{v}");

    // A speedup gate across cells: twice the rate includes more than 1.5x the transactions.
    let gates = d.join("gates.yaml");
    std::fs::write(&gates, "gates:\n  - speedup(rate=100 executor=parallel, rate=50 executor=parallel) >= 1.5\n")
        .unwrap();
    assert_eq!(cli(&["gasbench", "gate", s(&out), "--gates", s(&gates)]), ExitCode::from(EXIT_OK));
    std::fs::write(&gates, "gates:\n  - speedup(rate=50 executor=parallel, rate=100 executor=parallel) >= 1.5\n")
        .unwrap();
    assert_eq!(cli(&["gasbench", "gate", s(&out), "--gates", s(&gates)]), ExitCode::from(EXIT_CHECK_FAILED));
}

#[test]
fn a_bad_sweep_path_or_value_is_located_at_its_entry() {
    let limits = Limits::default();
    let err = load_str("s.yaml", &swept("  load.open.rat: [50, 100]\n"), &[], &limits).unwrap_err().to_string();
    assert!(err.contains("s.yaml:9:3: sweep.load.open.rat: the value `50` does not make a valid scenario"), "{err}");
    assert!(err.contains("unknown field `rat`") && err.contains("did you mean `rate`?"), "{err}");
    let err =
        load_str("s.yaml", &swept("  load.open.rate: [50]\n  target.executor: [sequential, fast]\n"), &[], &limits)
            .unwrap_err()
            .to_string();
    assert!(err.contains("s.yaml:10:3: sweep.target.executor: the value `fast`"), "{err}");
    let err = load_str("s.yaml", &swept("  load.open.rate: [50, -1]\n"), &[], &limits).unwrap_err().to_string();
    assert!(err.contains("s.yaml:9:3: sweep.load.open.rate: the value `-1`"), "{err}");
    let err = load_str("s.yaml", &swept("  load.open.rate: 50\n"), &[], &limits).unwrap_err().to_string();
    assert!(err.contains("s.yaml:9:3: sweep.load.open.rate: takes a non-empty list"), "{err}");

    // The number of cells is bounded; the bound is a flag.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.yaml");
    std::fs::write(&file, swept(RATE_X_EXECUTOR)).unwrap();
    let many = Limits { max_sweep_cells: Some(3), ..Limits::default() };
    let err = gasbench::scenario::load_file(&file, &[], &many).unwrap_err().to_string();
    assert!(err.contains(":8:1: sweep: 2 x 2 = 4 cells, more than the limit of 3"), "{err}");
    assert!(err.contains("--max-cells"), "{err}");
    assert_eq!(cli(&["gasbench", "validate", s(&file), "--max-cells", "3"]), ExitCode::from(EXIT_BAD_INPUT));
    assert_eq!(cli(&["gasbench", "validate", s(&file), "--max-cells", "4"]), ExitCode::from(EXIT_OK));

    // With `targets:`, refused plainly.
    let both = crate::small(
        50,
        "1s",
        "targets:\n  - {kind: embedded}\n  - {kind: embedded, executor: parallel}\nsweep:\n  load.open.rate: [50, 100]\n",
    );
    let err = load_str("s.yaml", &both, &[], &limits).unwrap_err().to_string();
    assert!(err.contains("`sweep:` and `targets:` together are not supported"), "{err}");
}

/// The service runs one scenario per submission: a sweep is refused (400) with what to
/// do, not run as its first cell.
#[tokio::test(flavor = "multi_thread")]
async fn the_service_refuses_a_sweep_rather_than_run_one_cell() {
    use axum::http::{Method, StatusCode};
    let dir = tempfile::tempdir().unwrap();
    let config =
        gasbench::service::ServiceConfig { token: Some(crate::service::TOKEN.parse().unwrap()), ..Default::default() };
    let svc = crate::service::start(dir.path(), config).await;
    let body = swept(RATE_X_EXECUTOR);
    let (s, b) = crate::service::call(
        &svc,
        Method::POST,
        "/v1/runs",
        Some("application/yaml"),
        body,
        Some(crate::service::TOKEN),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    assert!(b["message"].as_str().unwrap().contains("`sweep:` runs a scenario per cell"), "{b}");
}
