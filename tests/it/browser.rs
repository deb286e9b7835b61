//! A real headless Chromium driven over the DevTools protocol: opens a page, collects
//! console errors, exceptions and network requests, and evaluates an expression in it.
//! scripts/test.sh installs Debian's `chromium` when missing.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// What the page did while it loaded.
#[derive(Debug)]
pub struct Loaded {
    /// Console errors, uncaught exceptions and error log entries, in words.
    pub errors: Vec<String>,
    /// URLs the page requested besides itself.
    pub requests: Vec<String>,
    /// The value of the expression evaluated after the load.
    pub value: Value,
}

/// The chromium binary: `GASBENCH_CHROMIUM`, else `chromium` on PATH.
fn binary() -> String {
    std::env::var("GASBENCH_CHROMIUM").unwrap_or_else(|_| "chromium".into())
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Opens `page` in a fresh headless Chromium, waits for its load event, then evaluates
/// `expression` (its JSON value is returned).
pub async fn open(page: &Path, expression: &str) -> Loaded {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(binary())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--remote-debugging-port=0",
            "--remote-debugging-address=127.0.0.1",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start chromium ({e}); scripts/test.sh installs it (apt-get install chromium)")
        });
    let stderr = child.stderr.take().unwrap();
    let child = Killed(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("DevTools listening on ") {
                let _ = tx.send(url.trim().to_string());
            }
        }
    });
    let browser_ws = rx.recv_timeout(Duration::from_secs(30)).expect("chromium printed its DevTools address");
    let port = browser_ws.trim_start_matches("ws://").split(['/', ':']).nth(1).unwrap().to_string();
    let list = reqwest::get(format!("http://127.0.0.1:{port}/json/list")).await.unwrap().text().await.unwrap();
    let targets: Value = serde_json::from_str(&list).unwrap();
    let ws_url = targets
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["type"] == "page")
        .and_then(|t| t["webSocketDebuggerUrl"].as_str())
        .expect("a page target")
        .to_string();
    let (mut ws, _) = tokio_tungstenite::connect_async(&ws_url).await.unwrap();
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let calls = [
        ("Runtime.enable", json!({})),
        ("Log.enable", json!({})),
        ("Network.enable", json!({})),
        ("Page.enable", json!({})),
        ("Page.navigate", json!({ "url": url })),
    ];
    for (id, (method, params)) in calls.iter().enumerate() {
        let msg = json!({ "id": id + 1, "method": method, "params": params });
        ws.send(Message::text(msg.to_string())).await.unwrap();
    }
    let mut loaded = Loaded { errors: Vec::new(), requests: Vec::new(), value: Value::Null };
    // Polled rather than waiting for `Page.loadEventFired`, which a busy machine can
    // deliver before the page domain listens: the page is ready when it is this file and
    // its document is complete; then half a second more lets late events (a failed
    // request's) arrive before the expression is evaluated.
    let (poll_id, eval_id) = (50, 100);
    let ready = format!("{url}|complete");
    let mut ready_at: Option<tokio::time::Instant> = None;
    let mut evaluating = false;
    // The resources the page loaded or tried to (Resource Timing) come back with the value:
    // a request the Network domain did not report is still seen.
    let wrapped =
        format!("({{ resources: performance.getEntriesByType('resource').map(e => e.name), value: ({expression}) }})");
    let mut poll = tokio::time::interval(Duration::from_millis(100));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let msg = tokio::select! {
            m = ws.next() => m,
            _ = poll.tick(), if !evaluating => {
                let (id, expr) = match ready_at {
                    Some(t) if t.elapsed() >= Duration::from_millis(500) => {
                        evaluating = true;
                        (eval_id, wrapped.as_str())
                    }
                    Some(_) => continue,
                    None => (poll_id, "location.href + '|' + document.readyState"),
                };
                let msg = json!({ "id": id, "method": "Runtime.evaluate",
                    "params": { "expression": expr, "returnByValue": true } });
                ws.send(Message::text(msg.to_string())).await.unwrap();
                continue;
            }
            () = tokio::time::sleep_until(deadline) => panic!("{url} did not load within 60 s"),
        };
        let Message::Text(text) = msg.expect("DevTools connection open").unwrap() else { continue };
        let v: Value = serde_json::from_str(&text).unwrap();
        match v["method"].as_str() {
            Some("Runtime.consoleAPICalled") if matches!(v["params"]["type"].as_str(), Some("error" | "assert")) => {
                loaded.errors.push(format!("console: {}", v["params"]["args"]));
            }
            Some("Runtime.exceptionThrown") => {
                loaded.errors.push(format!("exception: {}", v["params"]["exceptionDetails"]))
            }
            Some("Log.entryAdded") if v["params"]["entry"]["level"] == "error" => {
                loaded.errors.push(format!("log: {}", v["params"]["entry"]["text"]));
            }
            Some("Network.requestWillBeSent") => {
                let u = v["params"]["request"]["url"].as_str().unwrap_or_default().to_string();
                if u != url && u != "about:blank" {
                    loaded.requests.push(u);
                }
            }
            _ if v["id"] == poll_id && v["result"]["result"]["value"] == ready.as_str() => {
                ready_at.get_or_insert_with(tokio::time::Instant::now);
            }
            _ if v["id"] == eval_id => {
                assert!(v["result"]["exceptionDetails"].is_null(), "the expression threw: {v}");
                let result = &v["result"]["result"]["value"];
                loaded.value = result["value"].clone();
                for r in result["resources"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                    if !loaded.requests.iter().any(|q| q == r) {
                        loaded.requests.push(r.to_string());
                    }
                }
                break;
            }
            _ => {}
        }
    }
    drop(child);
    loaded
}
