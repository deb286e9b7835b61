//! The load `gasbench serve` holds (issue 14): a real `gasbench serve` process on
//! 127.0.0.1 runs the quickstart at 2,000 tx/s on the embedded chain, once with 50 clients
//! polling `GET /v1/runs/{id}` and 10 following its SSE stream for the whole run, once
//! without them; it prints the API's latency percentiles and the run's own figures side
//! by side. Repetitions alternate which of the two goes first. A benchmark: it prints
//! figures and asserts nothing about them (docs/performance.md).
//!
//!   cargo bench -p gasbench --bench service_load -- [--reps N] [--rate TX_S] [--seconds S]
//!       [--pollers N] [--followers N] [--poll-ms MS]

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use gasbench::metrics::process_cpu_seconds_of;
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// What one invocation does (flags after `--`).
#[derive(Debug, Clone)]
struct Options {
    reps: u32,
    rate: u32,
    seconds: u32,
    pollers: usize,
    followers: usize,
    /// Each poller's interval: it sends on this schedule whatever the answers' latency.
    poll_ms: u64,
}

impl Options {
    fn parse() -> Self {
        let mut o = Self { reps: 1, rate: 2_000, seconds: 40, pollers: 50, followers: 10, poll_ms: 100 };
        let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
            let n: u64 = value.parse().unwrap_or_else(|_| panic!("{flag} {value}: give a whole number"));
            match flag.as_str() {
                "--reps" => o.reps = n as u32,
                "--rate" => o.rate = n as u32,
                "--seconds" => o.seconds = n as u32,
                "--pollers" => o.pollers = n as usize,
                "--followers" => o.followers = n as usize,
                "--poll-ms" => o.poll_ms = n.max(1),
                other => {
                    panic!("unknown flag {other}: use --reps, --rate, --seconds, --pollers, --followers, --poll-ms")
                }
            }
        }
        o
    }
}

/// A `gasbench serve` child on a free loopback port, stopped (SIGTERM) when dropped.
struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_gasbench"))
            .args(["serve", "--listen", "127.0.0.1:0", "--max-queued", "4", "--memory-available-mib", "4096"])
            .arg("--data-dir")
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("gasbench serve starts");
        // Read its log as it comes (its first line says where it listens); keep draining
        // it afterwards so that the service never blocks on a full pipe.
        let stderr = child.stderr.take().expect("piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some((_, rest)) = line.split_once("listening on http://") {
                    let _ = tx.send(rest.split_whitespace().next().unwrap_or_default().to_string());
                }
            }
        });
        let addr = rx.recv_timeout(Duration::from_secs(60)).expect("gasbench serve said where it listens within 60 s");
        Self { child, base: format!("http://{addr}"), _dir: dir }
    }

    fn cpu_seconds(&self) -> f64 {
        process_cpu_seconds_of(self.child.id()).unwrap_or(f64::NAN)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

/// What the API's clients saw during one run.
#[derive(Debug)]
struct ApiFigures {
    /// Latency of `GET /v1/runs/{id}` from its intended send time to the last byte, us.
    latency_us: Histogram<u64>,
    errors: u64,
    sse_events: u64,
    /// The longest wait between two events of one SSE stream, ms.
    sse_max_gap_ms: f64,
}

/// One of the run's figures, read from its row.
type Figure = fn(&RunFigures) -> f64;

/// The run's own figures, from its report.
#[derive(Debug)]
struct RunFigures {
    included_tps: f64,
    inclusion_p99_ms: f64,
    send_lag_p99_ms: f64,
    late_sends: u64,
    server_cpu_s: f64,
}

async fn text(res: reqwest::Response) -> String {
    res.text().await.expect("a body")
}

/// Posts the run; returns its id.
async fn post(client: &reqwest::Client, base: &str, o: &Options, mode: &str) -> String {
    let yaml = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/quickstart.yaml"))
        .expect("scenarios/quickstart.yaml");
    let body = json!({
        "scenario": yaml,
        "set": [format!("load.open.rate={}", o.rate), format!("measure.duration={}s", o.seconds), "measure.warmup=2s"],
        "labels": {"bench": mode},
    });
    let res = client
        .post(format!("{base}/v1/runs"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("the service answers");
    let status = res.status();
    let v: Value = serde_json::from_str(&text(res).await).expect("JSON");
    assert_eq!(status, 201, "the run was not taken: {v}");
    v["id"].as_str().expect("an id").to_string()
}

/// Follows the run's SSE stream to its `end` event; returns (events, longest gap).
async fn follow(client: reqwest::Client, url: String, deadline: Instant) -> (u64, Duration) {
    let mut res = client.get(url).send().await.expect("the stream opens");
    let (mut buf, mut events, mut gap) = (String::new(), 0u64, Duration::ZERO);
    let mut last = Instant::now();
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(deadline, res.chunk()).await {
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(i) = buf.find("\n\n") {
            let event: String = buf.drain(..i + 2).collect();
            if event.lines().any(|l| l.starts_with("event: ")) {
                events += 1;
                gap = gap.max(last.elapsed());
                last = Instant::now();
            }
            if event.contains("event: end") {
                return (events, gap);
            }
        }
    }
    panic!("the SSE stream did not end before the deadline ({events} events)");
}

/// One poller: `GET url` every `interval` until `stop` (at most `max` requests), each
/// latency taken from its intended send time, so a slow answer delays the next request
/// and is counted against it too (no coordinated omission).
async fn poll(
    url: String,
    interval: Duration,
    max: u64,
    stop: CancellationToken,
    hist: Arc<Mutex<Histogram<u64>>>,
    errors: Arc<AtomicU64>,
) {
    let client = reqwest::Client::new();
    let start = Instant::now();
    for k in 0..max {
        let intended = start + interval * k as u32;
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep_until(intended) => {}
        }
        let ok = match client.get(&url).send().await {
            Ok(res) => res.status() == 200 && res.bytes().await.is_ok(),
            Err(_) => false,
        };
        let us = intended.elapsed().as_micros() as u64;
        if !ok {
            errors.fetch_add(1, Ordering::Relaxed);
        }
        hist.lock().expect("not poisoned").saturating_record(us.max(1));
    }
}

/// One run, with the clients or without; waits for its end and reads its report.
async fn one_run(server: &Server, o: &Options, with_clients: bool) -> (Option<ApiFigures>, RunFigures) {
    let client = reqwest::Client::new();
    let base = &server.base;
    let cpu_before = server.cpu_seconds();
    let id = post(&client, base, o, if with_clients { "clients" } else { "quiet" }).await;
    // Bounded: the run's window plus set-up and drain, twice over.
    let deadline = Instant::now() + Duration::from_secs(u64::from(o.seconds) * 2 + 120);
    let events = format!("{base}/v1/runs/{id}/events");
    let stop = CancellationToken::new();
    let hist = Arc::new(Mutex::new(Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds")));
    let errors = Arc::new(AtomicU64::new(0));
    let pollers: Vec<_> = if with_clients {
        let interval = Duration::from_millis(o.poll_ms);
        let max = (u64::from(o.seconds) * 2 + 120) * 1000 / o.poll_ms;
        (0..o.pollers)
            .map(|_| {
                tokio::spawn(poll(
                    format!("{base}/v1/runs/{id}"),
                    interval,
                    max,
                    stop.clone(),
                    hist.clone(),
                    errors.clone(),
                ))
            })
            .collect()
    } else {
        Vec::new()
    };
    // Without clients, one stream still says when the run ends (one event a second).
    let followers: Vec<_> = (0..if with_clients { o.followers } else { 1 })
        .map(|_| tokio::spawn(follow(reqwest::Client::new(), events.clone(), deadline)))
        .collect();
    let mut sse_events = 0;
    let mut sse_max_gap = Duration::ZERO;
    for f in followers {
        let (n, gap) = f.await.expect("a follower");
        sse_events += n;
        sse_max_gap = sse_max_gap.max(gap);
    }
    stop.cancel();
    for p in pollers {
        p.await.expect("a poller");
    }
    let cpu = server.cpu_seconds() - cpu_before;
    let res = client.get(format!("{base}/v1/runs/{id}/report")).send().await.expect("the report");
    let r: Value = serde_json::from_str(&text(res).await).expect("a JSON report");
    let run = RunFigures {
        included_tps: r["throughput"]["included_tps"].as_f64().unwrap_or(f64::NAN),
        inclusion_p99_ms: r["latency"]["inclusion"]["p99_us"].as_f64().unwrap_or(f64::NAN) / 1e3,
        send_lag_p99_ms: r["load"]["send_lag"]["p99_us"].as_f64().unwrap_or(f64::NAN) / 1e3,
        late_sends: r["load"]["late_sends"].as_u64().unwrap_or(0),
        server_cpu_s: cpu,
    };
    let api = with_clients.then(|| ApiFigures {
        latency_us: Arc::try_unwrap(hist).expect("pollers ended").into_inner().expect("not poisoned"),
        errors: errors.load(Ordering::Relaxed),
        sse_events,
        sse_max_gap_ms: sse_max_gap.as_secs_f64() * 1e3,
    });
    (api, run)
}

fn ms(us: u64) -> f64 {
    us as f64 / 1e3
}

fn main() {
    let o = Options::parse();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "service load: {} tx/s for {} s (quickstart), {} pollers every {} ms + {} SSE followers; {} reps; {} cores; load average before: {}",
        o.rate,
        o.seconds,
        o.pollers,
        o.poll_ms,
        o.followers,
        o.reps,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    let server = Server::start();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    println!(
        "{:<4} {:<8} {:>8} {:>8} {:>8} {:>8} {:>6} {:>6} {:>8} | {:>10} {:>10} {:>10} {:>6} {:>8}",
        "rep",
        "clients",
        "api_n",
        "p50_ms",
        "p99_ms",
        "max_ms",
        "errors",
        "sse_n",
        "sse_gap",
        "incl_tx/s",
        "incl_p99",
        "lag_p99",
        "late",
        "srv_cpu"
    );
    let mut rows: Vec<(bool, Option<ApiFigures>, RunFigures)> = Vec::new();
    for rep in 0..o.reps {
        let order = if rep % 2 == 0 { [false, true] } else { [true, false] };
        for with_clients in order {
            let (api, run) = rt.block_on(one_run(&server, &o, with_clients));
            let api_cols = api.as_ref().map_or_else(
                || format!("{:>8} {:>8} {:>8} {:>8} {:>6} {:>6} {:>8}", "-", "-", "-", "-", "-", "-", "-"),
                |a| {
                    let h = &a.latency_us;
                    format!(
                        "{:>8} {:>8.2} {:>8.2} {:>8.2} {:>6} {:>6} {:>8.0}",
                        h.len(),
                        ms(h.value_at_quantile(0.5)),
                        ms(h.value_at_quantile(0.99)),
                        ms(h.max()),
                        a.errors,
                        a.sse_events,
                        a.sse_max_gap_ms
                    )
                },
            );
            println!(
                "{:<4} {:<8} {api_cols} | {:>10.1} {:>10.1} {:>10.2} {:>6} {:>8.1}",
                rep + 1,
                if with_clients { "yes" } else { "no" },
                run.included_tps,
                run.inclusion_p99_ms,
                run.send_lag_p99_ms,
                run.late_sends,
                run.server_cpu_s
            );
            rows.push((with_clients, api, run));
        }
    }
    // All repetitions' API latencies together, and the run figures' medians side by side.
    let mut all = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds");
    for a in rows.iter().filter_map(|r| r.1.as_ref()) {
        all.add(&a.latency_us).expect("same bounds");
    }
    println!(
        "API GET /v1/runs/{{id}} over all reps: n {} p50 {:.2} ms p90 {:.2} ms p99 {:.2} ms p99.9 {:.2} ms max {:.2} ms (goal p99 < 20 ms)",
        all.len(),
        ms(all.value_at_quantile(0.5)),
        ms(all.value_at_quantile(0.9)),
        ms(all.value_at_quantile(0.99)),
        ms(all.value_at_quantile(0.999)),
        ms(all.max())
    );
    let median = |with: bool, f: Figure| {
        let mut v: Vec<f64> = rows.iter().filter(|r| r.0 == with).map(|r| f(&r.2)).collect();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
    };
    let figures: [(&str, Figure); 5] = [
        ("included tx/s", |r| r.included_tps),
        ("p99 inclusion ms", |r| r.inclusion_p99_ms),
        ("send lag p99 ms", |r| r.send_lag_p99_ms),
        ("late sends", |r| r.late_sends as f64),
        ("server CPU s", |r| r.server_cpu_s),
    ];
    for (name, f) in figures {
        let (quiet, loaded) = (median(false, f), median(true, f));
        println!(
            "median {name:<17} without clients {quiet:>10.2}   with clients {loaded:>10.2}   with/without {:.3}",
            loaded / quiet
        );
    }
    println!("load average after: {}", std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim());
}
