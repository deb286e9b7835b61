//! `gasbench serve` as its own process (this test binary, re-run as a child that calls
//! the CLI): SIGTERM mid-run stores the partial report marked interrupted and exits
//! within 10 s; the token and the database password appear nowhere: not in the log, the
//! API's answers, the metrics or the stored report.

use std::{
    process::{Command, ExitCode, Stdio},
    time::{Duration, Instant},
};

use clap::Parser;
use gasbench::service::store::{Location, Status, Store};
use serde_json::Value;

use crate::{
    postgres::{PASSWORD, Postgres},
    service::{JsonBody, TOKEN, embedded},
};

const NAME: &str = "service_process::service_sigterm_stores_the_partial_report_and_leaks_no_secret";

#[test]
fn service_sigterm_stores_the_partial_report_and_leaks_no_secret() {
    if std::env::var_os("GASBENCH_SERVE_CHILD").is_some() {
        let cli = gasbench::cli::Cli::try_parse_from([
            "gasbench",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--metrics-listen",
            "127.0.0.1:0",
        ])
        .unwrap();
        let code = gasbench::cli::run(cli);
        std::process::exit(if code == ExitCode::from(0) { 0 } else { 1 });
    }
    let pg = Postgres::start();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", NAME, "--nocapture"])
        .env("GASBENCH_SERVE_CHILD", "1")
        .env("GASBENCH_TOKEN", TOKEN)
        .env("GASBENCH_DATABASE_URL", pg.url())
        .env("GASBENCH_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let find = |prefix: &str| {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if let Some(rest) = text.lines().find_map(|l| l.split_once(prefix).map(|(_, r)| r.to_string())) {
                return rest.split_whitespace().next().unwrap().to_string();
            }
            assert!(Instant::now() < deadline, "the service did not say {prefix:?}:\n{text}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let base = format!("http://{}", find("listening on http://"));
    let metrics = format!("http://{}", find("metrics at http://").trim_end_matches("/metrics"));

    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut answers = String::new();
    let (id, scrape) = rt.block_on(async {
        let client = reqwest::Client::new();
        let res = client
            .post(format!("{base}/v1/runs?label=commit=sig"))
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("content-type", "application/yaml")
            .body(embedded(100, 60))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let created = res.json_value().await;
        answers.push_str(&created.to_string());
        let id = created["id"].as_str().unwrap().to_string();
        loop {
            let v = client.get(format!("{base}/v1/runs/{id}")).send().await.unwrap().json_value().await;
            answers.push_str(&v.to_string());
            if v["live"]["progress"]["sent"].as_u64() > Some(0) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let listing = client.get(format!("{base}/v1/runs")).send().await.unwrap().text().await.unwrap();
        answers.push_str(&listing);
        let scrape = client.get(format!("{metrics}/metrics")).send().await.unwrap().text().await.unwrap();
        (id, scrape)
    });
    assert!(
        scrape.contains(&format!("run_id=\"{id}\"")),
        "the run's metrics carry its id:\n{}",
        &scrape[..scrape.len().min(3000)]
    );

    let asked = Instant::now();
    let ok = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(ok.success());
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(asked.elapsed() < Duration::from_secs(10), "the service did not exit within 10 s of SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}: {}", std::fs::read_to_string(&log).unwrap());

    let (row, report) = rt.block_on(async {
        let store = Store::open(&Location::Url(pg.url())).await.unwrap();
        let row = store.get(&id).await.unwrap().unwrap();
        let report = store.report(&id).await.unwrap().expect("the partial report is stored");
        store.close().await;
        (row, report)
    });
    assert_eq!(row.status, Status::Interrupted);
    let parsed: Value = serde_json::from_str(&report).unwrap();
    assert_eq!(parsed["run"]["outcome"], "interrupted");
    assert!(parsed["accounting"]["sent"].as_u64() > Some(0));

    let log_text = std::fs::read_to_string(&log).unwrap();
    let answered: Vec<&str> = log_text.lines().filter(|l| l.contains("answered")).collect();
    assert!(answered.iter().any(|l| l.contains("request_id=")), "requests are logged with their id: {answered:?}");
    for (what, text) in [("log", &log_text), ("answers", &answers), ("metrics", &scrape), ("report", &report)] {
        assert!(!text.contains(TOKEN), "the token is in the {what}");
        assert!(!text.contains(PASSWORD), "the database password is in the {what}");
    }
}
