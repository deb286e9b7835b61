//! The HTML report opened in a real headless Chromium: a run on the embedded chain that
//! overloads its mempool (so every chart has data, failures included) is written with
//! `run --html` and `report --html`; the page loads with no console error and no request,
//! and every chart draws the paths its data calls for.

use std::{path::Path, process::ExitCode};

use clap::Parser;
use gasbench::{
    cli::{Cli, EXIT_BAD_INPUT, EXIT_OK},
    report::{Report, gate},
};
use serde_json::Value;

use crate::browser;

fn cli(args: &[&str]) -> ExitCode {
    gasbench::cli::run(Cli::try_parse_from(args).unwrap_or_else(|e| panic!("{e}")))
}

/// 400 transfers/s for 3 s at a chain that includes ~250/s and holds 150 in its pool:
/// blocks fill, the base fee climbs, the pool rejects.
const OVERLOADED: &str = "name: html\nseed: 11\naccounts: {count: 100}\nworkloads: [{kind: transfer, weight: 3}, {kind: erc20_transfer, weight: 1}]\nload: {open: {rate: 400}}\nmeasure: {warmup: 0s, duration: 3s, drain_timeout: 3s}\ntarget: {kind: embedded, block_time: 1s, gas_limit: 6000000, mempool_limit: 150}\n";

/// Per chart id: its data paths and its tooltips, read from the live DOM.
const CHARTS: &str = "JSON.stringify([...document.querySelectorAll('figure.chart')].map(f => ({ id: f.id, \
    paths: f.querySelectorAll('svg path').length, titles: f.querySelectorAll('svg title').length, \
    ticks: f.querySelectorAll('svg text.tick').length, axis: f.querySelectorAll('svg text.axis-title').length, \
    legend: f.querySelectorAll('.legend span').length, width: f.querySelector('svg').getBoundingClientRect().width })))";

/// The paths each chart must draw, worked out from the report's JSON.
fn expected_paths(r: &Report) -> Vec<(&'static str, usize)> {
    let w = r.workloads.len();
    let fee_rows = 1 + w;
    let fee_parts = [r.fees.base_fee_wei.0, r.fees.priority_fee_wei.0].iter().filter(|p| **p > 0).count();
    let failures = r.failures.rejected.len() + r.failures.dropped.len() + usize::from(r.failures.reverted > 0);
    vec![
        ("tx-rate", 2),
        ("gas-rate", 1),
        ("latency-percentiles", 2),
        ("latency-over-time", 1),
        ("fees", fee_rows * fee_parts),
        ("gas-per-workload", 3 * w),
        ("base-fee", 1),
        ("block-fill", 1),
        ("failures", failures),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn the_html_report_opens_in_chromium_and_draws_every_chart() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let scenario = d.join("s.yaml");
    std::fs::write(&scenario, OVERLOADED).unwrap();
    let (out, html, again) = (d.join("r.json"), d.join("r.html"), d.join("again.html"));
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let args: Vec<String> = vec![
        "gasbench".into(),
        "run".into(),
        s(&scenario),
        "--quiet".into(),
        "--out".into(),
        s(&out),
        "--html".into(),
        s(&html),
    ];
    let code =
        tokio::task::spawn_blocking(move || cli(&args.iter().map(String::as_str).collect::<Vec<_>>())).await.unwrap();
    assert_eq!(code, ExitCode::from(EXIT_OK));
    let report = gate::read_report(&out).unwrap();
    assert!(!report.failures.rejected.is_empty(), "the pool was meant to overflow: {:?}", report.accounting);

    // A stored report gives the same page.
    assert_eq!(cli(&["gasbench", "report", &s(&out), "--html", &s(&again)]), ExitCode::from(EXIT_OK));
    assert_eq!(std::fs::read_to_string(&html).unwrap(), std::fs::read_to_string(&again).unwrap());
    let text = std::fs::read_to_string(&html).unwrap();
    for external in ["<script", "<link", "<img", "http://", "https://"] {
        let allowed = external == "http://"
            && text.matches("http://").count() == text.matches("http://www.w3.org/2000/svg").count();
        assert!(allowed || !text.contains(external), "the page must be self-contained: found {external}");
    }

    let loaded = browser::open(&html, CHARTS).await;
    assert!(loaded.errors.is_empty(), "console errors: {:?}", loaded.errors);
    assert!(loaded.requests.is_empty(), "the page fetched: {:?}", loaded.requests);
    let charts: Vec<Value> = serde_json::from_str(loaded.value.as_str().unwrap()).unwrap();
    let expected = expected_paths(&report);
    assert_eq!(charts.len(), expected.len(), "{charts:?}");
    for (chart, (id, paths)) in charts.iter().zip(&expected) {
        assert_eq!(chart["id"], *id);
        assert!(*paths > 0, "{id}: this run was meant to give it data");
        assert_eq!(chart["paths"].as_u64(), Some(*paths as u64), "{id} draws one path per series or bar: {chart}");
        assert!(chart["titles"].as_u64().unwrap() >= *paths as u64, "{id}: a tooltip per path: {chart}");
        assert!(chart["ticks"].as_u64().unwrap() >= 3 && chart["axis"].as_u64().unwrap() >= 1, "{id}: axes: {chart}");
        assert!(chart["legend"].as_u64().unwrap() >= 1 && chart["width"].as_f64().unwrap() > 300.0, "{id}: {chart}");
    }
}

#[test]
fn a_report_that_is_not_one_is_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"report_version\": 1}").unwrap();
    let html = dir.path().join("x.html");
    let code = cli(&["gasbench", "report", bad.to_str().unwrap(), "--html", html.to_str().unwrap()]);
    assert_eq!(code, ExitCode::from(EXIT_BAD_INPUT));
    assert!(!html.exists());
}

/// The check above would pass vacuously if the browser helper missed errors: a page that
/// logs one, throws and fetches is seen doing all three.
#[tokio::test(flavor = "multi_thread")]
async fn the_browser_sees_console_errors_exceptions_and_requests() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("bad.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><img src=\"http://127.0.0.1:9/x.png\"><script>console.error('boom'); null.x;</script></body></html>",
    )
    .unwrap();
    let loaded = browser::open(&page, "1 + 1").await;
    assert!(loaded.errors.iter().any(|e| e.contains("boom")), "{:?}", loaded.errors);
    assert!(loaded.errors.iter().any(|e| e.starts_with("exception")), "{:?}", loaded.errors);
    assert_eq!(loaded.requests, ["http://127.0.0.1:9/x.png"], "{loaded:?}");
    assert_eq!(loaded.value, 2);
}
