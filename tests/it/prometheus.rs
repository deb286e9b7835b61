//! Prometheus and Grafana, with real parts: two real runs (sequential and parallel, at
//! the same time) exported over HTTP, scraped every second by a real Prometheus (Debian's
//! `prometheus`, installed by scripts/test.sh); then every PromQL expression of every
//! panel of both dashboards is evaluated through its HTTP API and must return data, the
//! histogram's p99 must match the report's within one bucket, and the series per family
//! must stay under the documented bound. Plus: docs/metrics.md against the catalog both
//! ways, the dashboards' structure, promtool on the rules and on a real exposition, and
//! bad `--metrics-listen` addresses.

use gasbench::report::Stage;
use std::{
    collections::{BTreeMap, BTreeSet},
    net::SocketAddr,
    path::PathBuf,
    process::{Child, Command, ExitCode, Stdio},
    sync::Arc,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use clap::Parser;
use gasbench::{
    cli::{Cli, EXIT_BAD_INPUT},
    metrics::prom::{LATENCY_BOUNDS_S, MetricsServer, Registry, RunLabels, RunMetrics, catalog},
    report::Report,
    runner::{self, RunOptions},
    scenario::{Override, Scenario},
};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

fn tool(name: &str) -> PathBuf {
    for dir in ["/usr/bin", "/usr/local/bin", "/bin"] {
        let p = PathBuf::from(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!("{name} is missing: scripts/test.sh installs it (apt-get install prometheus)");
}

/// A real Prometheus on a free 127.0.0.1 port, scraping `targets` every second.
struct Prometheus {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    fn start(targets: &[SocketAddr]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let list: Vec<String> = targets.iter().map(|a| format!("\"{a}\"")).collect();
        let config = format!(
            "global: {{scrape_interval: 1s, evaluation_interval: 1s}}\nscrape_configs:\n  - job_name: gasbench\n    static_configs: [{{targets: [{}]}}]\n",
            list.join(", ")
        );
        std::fs::write(dir.path().join("prometheus.yml"), config).unwrap();
        let port = crate::anvil::free_port();
        let child = Command::new(tool("prometheus"))
            .arg(format!("--config.file={}", dir.path().join("prometheus.yml").display()))
            .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus starts");
        Self { child, port, _dir: dir }
    }

    async fn api(&self, path: &str, params: &[(&str, String)]) -> Value {
        let url = reqwest::Url::parse_with_params(&format!("http://127.0.0.1:{}{path}", self.port), params).unwrap();
        let body = reqwest::get(url).await.unwrap().text().await.unwrap();
        let v: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
        assert_eq!(v["status"], "success", "{path} {params:?}: {v}");
        v["data"]["result"].clone()
    }

    async fn query(&self, q: &str) -> Vec<Value> {
        self.api("/api/v1/query", &[("query", q.to_string())]).await.as_array().cloned().unwrap_or_default()
    }

    async fn query_range(&self, q: &str, start: f64, end: f64) -> Vec<Value> {
        let params = [
            ("query", q.to_string()),
            ("start", format!("{start:.3}")),
            ("end", format!("{end:.3}")),
            ("step", "1".into()),
        ];
        self.api("/api/v1/query_range", &params).await.as_array().cloned().unwrap_or_default()
    }

    /// Polls `q` until it returns `n` series, or fails after `within`.
    async fn wait_for(&self, q: &str, n: usize, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let ready = reqwest::get(format!("http://127.0.0.1:{}/-/ready", self.port))
                .await
                .is_ok_and(|r| r.status().is_success());
            if ready && self.query(q).await.len() == n {
                return;
            }
            assert!(Instant::now() < deadline, "Prometheus did not see `{q}` return {n} series within {within:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

fn now_s() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64()
}

fn mixed(overrides: &[&str]) -> Scenario {
    let mut all = vec!["load.open.rate=400", "measure.warmup=1s", "measure.duration=8s", "accounts.count=300"];
    all.extend_from_slice(overrides);
    let overrides: Vec<Override> = all.iter().map(|s| s.parse().unwrap()).collect();
    gasbench::scenario::load_file(&crate::root().join("scenarios/mixed.yaml"), &overrides, &Default::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn dashboard(name: &str) -> Value {
    let path = crate::root().join("dashboards").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Every (panel title, expression) of a dashboard.
fn expressions(d: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for p in d["panels"].as_array().unwrap() {
        for t in p["targets"].as_array().unwrap() {
            out.push((p["title"].as_str().unwrap().to_string(), t["expr"].as_str().unwrap().to_string()));
        }
    }
    out
}

/// `expr` with the dashboard variables set: every run, or the two runs compared.
fn substitute(expr: &str, a: &str, b: &str) -> String {
    expr.replace("$__rate_interval", "4s")
        .replace("$scenario", ".*")
        .replace("$target", ".*")
        .replace("$run_id", ".*")
        .replace("$workload", ".*")
        .replace("$a", a)
        .replace("$b", b)
}

/// Whether some series of a range query has a finite value at some step.
fn has_finite_value(series: &[Value]) -> bool {
    series.iter().any(|s| {
        s["values"].as_array().is_some_and(|vs| {
            vs.iter().any(|v| v[1].as_str().and_then(|x| x.parse::<f64>().ok()).is_some_and(f64::is_finite))
        })
    })
}

/// Index of the bucket holding `v` seconds.
fn bucket_of(v: f64) -> usize {
    LATENCY_BOUNDS_S.iter().position(|&b| v <= b).unwrap_or(LATENCY_BOUNDS_S.len())
}

async fn exported_run(scenario: Scenario, run_id: &str) -> (MetricsServer, Arc<RunMetrics>, RunOptions) {
    let registry = Arc::new(Registry::new());
    let run = Arc::new(RunMetrics::new(RunLabels::of(&scenario, run_id.into())));
    registry.add(run.clone());
    let server = MetricsServer::start("127.0.0.1:0", registry).await.unwrap();
    let mut opts = RunOptions::default();
    opts.observers.push(run.clone());
    (server, run, opts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dashboard_panel_has_data_in_a_real_prometheus() {
    let seq = mixed(&[]);
    let par = mixed(&["target.executor=parallel", "target.threads=2"]);
    let (seq_server, _seq_run, seq_opts) = exported_run(seq.clone(), "seq").await;
    let (par_server, _par_run, par_opts) = exported_run(par.clone(), "par").await;
    let prom = Prometheus::start(&[seq_server.addr(), par_server.addr()]);
    prom.wait_for("up == 1", 2, Duration::from_secs(60)).await;

    let start = now_s();
    let (seq_report, par_report) = tokio::join!(
        runner::run(&seq, &seq_opts, CancellationToken::new()),
        runner::run(&par, &par_opts, CancellationToken::new())
    );
    let (seq_report, par_report): (Report, Report) = (seq_report.unwrap(), par_report.unwrap());
    // The final figures are scraped once both runs say how they ended.
    prom.wait_for("gasbench_run_phase{phase=\"passed\"} == 1", 2, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let end = now_s();
    assert_eq!(seq_report.effects.verdict, "pass");
    assert_eq!(par_report.effects.verdict, "pass");

    // Every panel's every query returns data (parallel-only panels from the parallel run).
    let mut empty = Vec::new();
    for name in ["gasbench-overview.json", "gasbench-compare.json"] {
        for (title, expr) in expressions(&dashboard(name)) {
            let q = substitute(&expr, "par", "seq");
            if !has_finite_value(&prom.query_range(&q, start, end).await) {
                empty.push(format!("{name} / {title}: {q}"));
            }
        }
    }
    assert!(empty.is_empty(), "panels without data:\n{}", empty.join("\n"));

    // The histogram agrees with the report's HDR p99 within one bucket.
    for (id, report) in [("seq", &seq_report), ("par", &par_report)] {
        let q = format!(
            "histogram_quantile(0.99, sum by (le) (gasbench_latency_seconds_bucket{{run_id=\"{id}\",stage=\"inclusion\"}}))"
        );
        let r = prom.query(&q).await;
        let prom_p99: f64 = r[0]["value"][1].as_str().unwrap().parse().unwrap();
        let hdr_p99 = report.latency[Stage::INCLUSION].p99_us as f64 / 1e6;
        assert!(
            bucket_of(prom_p99).abs_diff(bucket_of(hdr_p99)) <= 1,
            "{id}: Prometheus p99 {prom_p99} s, report p99 {hdr_p99} s: more than one bucket apart"
        );
        let count =
            prom.query(&format!("sum(gasbench_latency_seconds_count{{run_id=\"{id}\",stage=\"inclusion\"}})")).await;
        let count: f64 = count[0]["value"][1].as_str().unwrap().parse().unwrap();
        assert_eq!(
            count as u64,
            report.latency[Stage::INCLUSION].count,
            "{id}: the histogram counts what the report counts"
        );
    }

    // Bounded cardinality: the documented bound per family, with the mix's 3 workloads.
    let per_family = prom.query("count by (__name__) ({run_id=\"seq\"})").await;
    let workloads = 3;
    let mut total = 0;
    for s in &per_family {
        let name = s["metric"]["__name__"].as_str().unwrap().to_string();
        let n: usize = s["value"][1].as_str().unwrap().parse().unwrap();
        total += n;
        let bound = match name.as_str() {
            "gasbench_latency_seconds_bucket" => 2 * workloads * (LATENCY_BOUNDS_S.len() + 1),
            "gasbench_send_lag_seconds_bucket" => LATENCY_BOUNDS_S.len() + 1,
            "gasbench_fees_paid_wei_total" => 3 * workloads,
            "gasbench_transactions_rejected_total" => 12,
            "gasbench_transactions_dropped_total" => 5,
            "gasbench_run_phase" => 9,
            n if n.starts_with("gasbench_latency_seconds") => 2 * workloads,
            n if n.starts_with("gasbench_transactions_") || n == "gasbench_gas_used_total" => workloads,
            _ => 1,
        };
        assert!(n <= bound, "{name}: {n} series, bound {bound}");
    }
    assert!(total > 100 && total < 1_000, "{total} series for one run of the mixed scenario");
    seq_server.stop().await;
    par_server.stop().await;
}

#[test]
fn metrics_doc_lists_every_metric_and_nothing_else() {
    let doc = std::fs::read_to_string(crate::root().join("docs/metrics.md")).unwrap();
    let mut documented = BTreeMap::new();
    for line in doc.lines().filter(|l| l.starts_with("| `gasbench_")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let name = cells[1].trim_matches('`').to_string();
        let labels: Vec<String> = cells[4]
            .split(',')
            .map(|l| l.trim().trim_matches('`').to_string())
            .filter(|l| !l.is_empty() && l != "-")
            .collect();
        assert!(!cells[5].is_empty(), "{name} has no meaning in docs/metrics.md");
        assert!(documented.insert(name.clone(), (cells[2].to_string(), labels)).is_none(), "{name} listed twice");
    }
    for def in catalog::CATALOG {
        let (kind, labels) = documented
            .remove(def.name)
            .unwrap_or_else(|| panic!("{} is exported but not in docs/metrics.md", def.name));
        assert_eq!(kind, def.kind.as_str(), "{}: type", def.name);
        assert_eq!(labels, def.labels, "{}: labels", def.name);
    }
    assert!(documented.is_empty(), "documented but not exported: {:?}", documented.keys());
}

/// A rollup run (scenarios/rollup.yaml, brotli channels, fast blocks) scraped by a real
/// Prometheus: every panel of the rollup dashboard has data, and the rollup families end
/// at the report's figures.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rollup_dashboard_panel_has_data_and_the_rollup_families_match_the_report() {
    let overrides: Vec<Override> = [
        "load.open.rate=100",
        "measure.warmup=1s",
        "measure.duration=5s",
        "accounts.count=100",
        "target.l2.block_time=200ms",
        "target.l1.embedded.block_time=500ms",
        "target.batcher.max_delay=1s",
        "target.batcher.compression=brotli",
        "target.finality_depth=2",
        "target.settle_timeout=10s",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    let scenario =
        gasbench::scenario::load_file(&crate::root().join("scenarios/rollup.yaml"), &overrides, &Default::default())
            .unwrap_or_else(|e| panic!("{e}"));
    let (server, _run, opts) = exported_run(scenario.clone(), "rollup").await;
    let prom = Prometheus::start(&[server.addr()]);
    prom.wait_for("up == 1", 1, Duration::from_secs(60)).await;
    let start = now_s();
    let report = runner::run(&scenario, &opts, CancellationToken::new()).await.unwrap();
    prom.wait_for("gasbench_run_phase{phase=\"passed\"} == 1", 1, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let end = now_s();
    let ro = report.rollup.as_ref().expect("a rollup section");
    assert_eq!(ro.reached.finalized, ro.reached.tracked, "{:?}", ro.reached);
    let mut empty = Vec::new();
    for (title, expr) in expressions(&dashboard("gasbench-rollup.json")) {
        let q = substitute(&expr, "rollup", "rollup");
        if !has_finite_value(&prom.query_range(&q, start, end).await) {
            empty.push(format!("{title}: {q}"));
        }
    }
    assert!(empty.is_empty(), "rollup panels without data:\n{}", empty.join("\n"));
    // The stage panels show all four stages.
    let stages = prom.query("count by (stage) (gasbench_latency_seconds_count{run_id=\"rollup\"})").await;
    let stages: BTreeSet<&str> = stages.iter().filter_map(|s| s["metric"]["stage"].as_str()).collect();
    for stage in ["submit", "inclusion", "safe", "finalized"] {
        assert!(stages.contains(stage), "{stage} missing from {stages:?}");
    }
    // The last scrape holds the report's figures.
    let last = |q: &str| {
        let q = q.to_string();
        let prom = &prom;
        async move {
            let r = prom.query(&q).await;
            r[0]["value"][1].as_str().unwrap_or_else(|| panic!("{q}: {r:?}")).parse::<f64>().unwrap()
        }
    };
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    let b = &ro.batcher;
    let ratio = last("gasbench_rollup_channel_uncompressed_bytes_total{run_id=\"rollup\"} / gasbench_rollup_channel_compressed_bytes_total{run_id=\"rollup\"}").await;
    assert!(close(ratio, b.compression_ratio) && ratio > 1.0, "{ratio} vs {}", b.compression_ratio);
    let spend = last("gasbench_rollup_batcher_l1_spend_wei_total{run_id=\"rollup\"}").await;
    assert!(close(spend, b.l1_spend_wei.0 as f64) && spend > 0.0, "{spend} vs {:?}", b.l1_spend_wei);
    let collected = last("gasbench_rollup_l1_fees_collected_wei_total{run_id=\"rollup\"}").await;
    assert!(close(collected, ro.l1_fees.collected_wei.0 as f64) && collected > 0.0, "{collected}");
    let channels = last("gasbench_rollup_channels_total{run_id=\"rollup\"}").await;
    assert_eq!(channels as u64, b.channels);
    server.stop().await;
}

#[test]
fn dashboards_are_made_for_sharing_and_every_reference_resolves() {
    for name in ["gasbench-overview.json", "gasbench-compare.json", "gasbench-rollup.json"] {
        let d = dashboard(name);
        assert!(d.get("id").is_none_or(Value::is_null), "{name}: no numeric id (it would clash on import)");
        assert!(d["__inputs"].as_array().is_some_and(|a| !a.is_empty()), "{name}: __inputs");
        assert!(d["__requires"].as_array().is_some_and(|a| !a.is_empty()), "{name}: __requires");
        assert!(d["uid"].as_str().is_some_and(|u| !u.is_empty()), "{name}: uid");
        let vars: BTreeSet<String> = d["templating"]["list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap().to_string())
            .collect();
        assert!(vars.contains("datasource"), "{name}: a datasource variable");
        let mut ids = BTreeSet::new();
        for p in d["panels"].as_array().unwrap() {
            let title = p["title"].as_str().unwrap();
            assert!(ids.insert(p["id"].as_u64().unwrap()), "{name}: panel id {} twice", p["id"]);
            assert!(
                p["fieldConfig"]["defaults"]["unit"].as_str().is_some_and(|u| !u.is_empty()),
                "{name} / {title}: unit"
            );
            assert!(p["description"].as_str().is_some_and(|s| s.len() > 20), "{name} / {title}: description");
            assert_eq!(p["datasource"]["uid"], "${datasource}", "{name} / {title}: datasource");
            for t in p["targets"].as_array().unwrap() {
                assert_eq!(t["datasource"]["uid"], "${datasource}", "{name} / {title}: target datasource");
                let expr = t["expr"].as_str().unwrap();
                for (i, _) in expr.match_indices('$') {
                    let var: String =
                        expr[i + 1..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                    assert!(var == "__rate_interval" || vars.contains(&var), "{name} / {title}: ${var} is not defined");
                }
                for family in expr
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .filter(|w| w.starts_with("gasbench_"))
                {
                    let base = family.trim_end_matches("_bucket").trim_end_matches("_count").trim_end_matches("_sum");
                    assert!(
                        catalog::CATALOG.iter().any(|d| d.name == family || d.name == base),
                        "{name} / {title}: {family} is not a metric"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn promtool_accepts_the_rules_the_config_and_a_real_exposition() {
    let dir = crate::root().join("dashboards");
    for (what, file) in [("rules", "alerts.yml"), ("config", "prometheus.yml")] {
        let out = Command::new(tool("promtool")).args(["check", what]).arg(dir.join(file)).output().unwrap();
        assert!(out.status.success(), "promtool check {what} {file}: {}", String::from_utf8_lossy(&out.stdout));
    }
    let scenario = crate::scenario(&crate::small(200, "2s", "target: {kind: embedded, block_time: 250ms}"));
    let (server, run, opts) = exported_run(scenario.clone(), "exposition").await;
    runner::run(&scenario, &opts, CancellationToken::new()).await.unwrap();
    let text = reqwest::get(format!("http://{}/metrics", server.addr())).await.unwrap().text().await.unwrap();
    assert!(text.contains("gasbench_transactions_included_total{run_id=\"exposition\""), "{text}");
    let mut check = Command::new(tool("promtool"))
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(check.stdin.as_mut().unwrap(), text.as_bytes()).unwrap();
    let out = check.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    drop(run);
    server.stop().await;
}

#[test]
fn a_bad_metrics_address_is_refused_before_anything_is_sent() {
    let anvil = crate::anvil::Anvil::start(&[]);
    let quickstart = crate::root().join("scenarios/quickstart.yaml");
    let target = format!("target={{kind: rpc, http: \"{}\"}}", anvil.url());
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy_addr = busy.local_addr().unwrap().to_string();
    for addr in ["not-an-address", busy_addr.as_str()] {
        let args = ["gasbench", "run", quickstart.to_str().unwrap(), "-q", "--set", &target, "--metrics-listen", addr];
        let cli = Cli::try_parse_from(args).unwrap();
        assert_eq!(gasbench::cli::run(cli), ExitCode::from(EXIT_BAD_INPUT), "{addr}");
    }
    // Nothing reached the node: the funder (anvil's first dev account) sent nothing.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let nonce = rt.block_on(async {
        let body = r#"{"jsonrpc":"2.0","id":1,"method":"eth_getTransactionCount","params":["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","latest"]}"#;
        let r = reqwest::Client::new().post(anvil.url()).header("content-type", "application/json").body(body).send().await.unwrap();
        r.json_value().await
    });
    assert_eq!(nonce["result"], "0x0", "the funder sent transactions: {nonce}");
}

trait JsonValue {
    async fn json_value(self) -> Value;
}

impl JsonValue for reqwest::Response {
    async fn json_value(self) -> Value {
        serde_json::from_str(&self.text().await.unwrap()).unwrap()
    }
}

#[test]
fn the_dashboards_are_what_their_generator_makes() {
    let out = Command::new("python3")
        .arg(crate::root().join("dashboards/generate.py"))
        .arg("--check")
        .output()
        .expect("python3 runs (it is on every machine of this kind)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
