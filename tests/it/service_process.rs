//! `gasbench serve` as its own process (this test binary, re-run as a child that calls
//! the CLI): SIGTERM mid-run stores the partial report marked interrupted and exits
//! within 10 s; the token, the funder key and the database password appear nowhere: not
//! in the log, the API's answers, the metrics, the reports or the store. A canary planted
//! through the same paths (a run named after it, a request for it) is found in every one
//! of those places by the same search, so the search is shown to see a leak.

use std::{
    io::{BufRead, BufReader, Write},
    process::{Child, Command, ExitCode, ExitStatus, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use clap::Parser;
use gasbench::service::store::{ListFilter, Location, Status, Store};
use serde_json::Value;
use sqlx::Row;

use crate::{
    anvil::Anvil,
    postgres::{PASSWORD, Postgres},
    service::{JsonBody, TOKEN, embedded, events_until, follow},
};

const NAME: &str = "service_process::service_sigterm_stores_the_partial_report_and_leaks_no_secret";

/// Planted on purpose: the name of a run and the id of a request, so it reaches the log,
/// the answers, the metrics, the report and the store as a leaked secret would.
const CANARY: &str = "canary-5e1f0b9c73d2a846";

/// The funder key's variable (.cargo/config.toml sets it to anvil's dev account 1).
const FUNDER_VAR: &str = "GASBENCH_TEST_FUNDER_KEY";

/// The child `gasbench serve`, its log lines as they come (also kept in a file).
struct ServeProcess {
    child: Child,
    lines: mpsc::Receiver<String>,
    log: std::path::PathBuf,
}

impl ServeProcess {
    fn spawn(dir: &std::path::Path, database_url: &str) -> Self {
        let log = dir.join("serve.log");
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", NAME, "--nocapture"])
            .env("GASBENCH_SERVE_CHILD", "1")
            .env("GASBENCH_TOKEN", TOKEN)
            .env("GASBENCH_DATABASE_URL", database_url)
            .env("GASBENCH_LOG", "debug")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        let mut file = std::fs::File::create(&log).unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = writeln!(file, "{line}");
                let _ = tx.send(line);
            }
        });
        Self { child, lines, log }
    }

    /// The first word after `prefix` in the log, waiting for the line (at most 60 s).
    fn find(&self, prefix: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some((_, rest)) = line.split_once(prefix) {
                        return rest.split_whitespace().next().unwrap().to_string();
                    }
                }
                Err(_) => panic!("the service did not say {prefix:?}:\n{}", self.log_text()),
            }
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, then its exit status if it exits within `within`.
    fn terminate(self, within: Duration) -> (Option<ExitStatus>, String) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let (tx, rx) = mpsc::channel();
        let mut child = self.child;
        std::thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        let status = rx.recv_timeout(within).ok().map(|s| s.unwrap());
        if status.is_none() {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
        }
        // The log is complete once the reader has seen the pipe close (bounded all the same).
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.lines.recv_timeout(deadline.saturating_duration_since(Instant::now())).is_ok() {}
        (status, std::fs::read_to_string(&self.log).unwrap_or_default())
    }
}

/// Which of `secrets` (name, text) each artifact (name, text) contains, case-insensitively.
fn leaks(artifacts: &[(&str, &str)], secrets: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (what, text) in artifacts {
        let text = text.to_lowercase();
        for (name, secret) in secrets {
            if text.contains(&secret.to_lowercase()) {
                found.push((what.to_string(), name.to_string()));
            }
        }
    }
    found
}

/// Every row of every table of the store, as text (what a database dump holds).
async fn dump(url: &str) -> String {
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let tables: Vec<String> =
        sqlx::query("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            .fetch_all(&pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
    assert!(tables.iter().any(|t| t == "runs"), "the store's tables: {tables:?}");
    let mut out = String::new();
    for t in &tables {
        for row in sqlx::query(&format!("SELECT t::text FROM \"{t}\" t")).fetch_all(&pool).await.unwrap() {
            out.push_str(&format!("{t}: {}\n", row.get::<String, _>(0)));
        }
    }
    pool.close().await;
    out
}

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
    let funder_key = std::env::var(FUNDER_VAR).expect("set by .cargo/config.toml");
    let pg = Postgres::start();
    // Chain 10: no default funder, so the run must take its key from the environment.
    let node = Anvil::start(&["--block-time", "1", "--chain-id", "10"]);
    let dir = tempfile::tempdir().unwrap();
    let child = ServeProcess::spawn(dir.path(), &pg.url());
    let base = format!("http://{}", child.find("listening on http://"));
    let metrics = format!("http://{}", child.find("metrics at http://").trim_end_matches("/metrics"));

    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut answers = String::new();
    let (id, scrape) = rt.block_on(async {
        let client = reqwest::Client::new();
        let post = |body: String| {
            client
                .post(format!("{base}/v1/runs?label=commit=sig"))
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("content-type", "application/yaml")
                .body(body)
                .send()
        };
        // The control: a short run named after the canary, and a request for it by id.
        let res = post(embedded(100, 1).replace("name: small", &format!("name: {CANARY}"))).await.unwrap();
        assert_eq!(res.status(), 201);
        let control = res.json_value().await["id"].as_str().unwrap().to_string();
        let (_, end) = follow(&client, &base, &control).await;
        assert_eq!(end["status"], "passed", "{end}");
        let res = client.get(format!("{base}/v1/runs/{CANARY}")).send().await.unwrap();
        assert_eq!(res.status(), 404);
        answers.push_str(&res.text().await.unwrap());
        for accept in ["application/json", "text/html"] {
            let res = client.get(format!("{base}/v1/runs/{control}/report")).header("accept", accept).send().await;
            answers.push_str(&res.unwrap().text().await.unwrap());
        }

        // The run under test: funded with the key from the environment, stopped mid-run.
        let scenario = crate::small(
            50,
            "60s",
            &format!("target: {}\n", node.target(&format!("chain_id: 10, funder: {{env: {FUNDER_VAR}}}"))),
        );
        let res = post(scenario).await.unwrap();
        assert_eq!(res.status(), 201);
        let created = res.json_value().await;
        answers.push_str(&created.to_string());
        let id = created["id"].as_str().unwrap().to_string();
        let (_, v) =
            events_until(&client, &base, &id, |name, v| name == "progress" && v["progress"]["sent"].as_u64() > Some(0))
                .await;
        answers.push_str(&v.to_string());
        for path in [format!("/v1/runs/{id}"), "/v1/runs".into(), "/openapi.json".into()] {
            answers.push_str(&client.get(format!("{base}{path}")).send().await.unwrap().text().await.unwrap());
        }
        let scrape = client.get(format!("{metrics}/metrics")).send().await.unwrap().text().await.unwrap();
        (id, scrape)
    });
    assert!(
        scrape.contains(&format!("run_id=\"{id}\"")),
        "the run's metrics carry its id:\n{}",
        &scrape[..scrape.len().min(3000)]
    );

    let asked = Instant::now();
    let (status, log_text) = child.terminate(Duration::from_secs(10));
    let status =
        status.unwrap_or_else(|| panic!("the service did not exit within 10 s of SIGTERM ({:?})", asked.elapsed()));
    assert!(status.success(), "exit status {status}: {log_text}");

    let (row, report, reports) = rt.block_on(async {
        let store = Store::open(&Location::Url(pg.url())).await.unwrap();
        let row = store.get(&id).await.unwrap().unwrap();
        let report = store.report(&id).await.unwrap().expect("the partial report is stored");
        let mut reports = String::new();
        for r in store.list(&ListFilter { limit: 50, ..ListFilter::default() }).await.unwrap().0 {
            reports.push_str(&store.report(&r.id).await.unwrap().unwrap_or_default());
        }
        store.close().await;
        (row, report, reports)
    });
    let store = rt.block_on(dump(&pg.url()));
    assert_eq!(row.status, Status::Interrupted);
    let report: Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["run"]["outcome"], "interrupted");
    assert!(report["accounting"]["sent"].as_u64() > Some(0));
    let notes = report["target"]["notes"].to_string();
    assert!(notes.contains("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"), "funded with the key given: {notes}");

    let answered: Vec<&str> = log_text.lines().filter(|l| l.contains("answered")).collect();
    assert!(answered.iter().any(|l| l.contains("request_id=")), "requests are logged with their id: {answered:?}");

    let artifacts = [
        ("log", log_text.as_str()),
        ("answers", answers.as_str()),
        ("metrics", scrape.as_str()),
        ("reports", reports.as_str()),
        ("store", store.as_str()),
    ];
    let secrets =
        [("token", TOKEN), ("database password", PASSWORD), ("funder key", funder_key.trim_start_matches("0x"))];
    assert_eq!(leaks(&artifacts, &secrets), Vec::<(String, String)>::new(), "secrets leaked");
    // The control: the same search finds the planted canary in every place it looked.
    let planted = leaks(&artifacts, &[("canary", CANARY)]);
    let expected: Vec<(String, String)> = artifacts.iter().map(|(w, _)| (w.to_string(), "canary".into())).collect();
    assert_eq!(planted, expected, "the search must see what reaches each place");
}
