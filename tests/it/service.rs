//! `gasbench serve`'s API: through `tower::ServiceExt::oneshot` (status codes, located
//! errors, auth, the queue limit, the OpenAPI document against the routes, a fuzzed
//! scenario body) and over a real socket with a real HTTP client (post, follow the SSE
//! stream to its end, fetch the report, cancel a long run, restart and find the runs).

use std::{sync::Arc, time::Duration};

use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use gasbench::service::{self, Location, Service, ServiceConfig, Status, Store, Token};
use serde_json::Value;
use tower::ServiceExt;

use crate::small;

pub const TOKEN: &str = "tok-7c1d0e9a55f24b8e";

/// A scenario that runs `seconds` on the embedded chain at `rate` tx/s.
pub fn embedded(rate: u32, seconds: u32) -> String {
    small(rate, &format!("{seconds}s"), "target: {kind: embedded, block_time: 100ms}\n")
}

pub async fn start(dir: &std::path::Path, config: ServiceConfig) -> Arc<Service> {
    let store = Store::open(&Location::DataDir(dir.to_path_buf())).await.unwrap();
    Service::start(config, store).await.unwrap()
}

fn with_token() -> ServiceConfig {
    ServiceConfig { token: Some(TOKEN.parse().unwrap()), ..ServiceConfig::default() }
}

/// Sends one request through the router; returns the status and the body as JSON
/// (`Value::Null` when empty or not JSON).
pub async fn call(
    svc: &Arc<Service>,
    method: Method,
    uri: &str,
    content_type: Option<&str>,
    body: impl Into<Body>,
    token: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(ct) = content_type {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let res = service::app(svc.clone()).oneshot(req.body(body.into()).unwrap()).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 16 << 20).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn service_answers_bad_requests_with_the_right_status() {
    let dir = tempfile::tempdir().unwrap();
    let svc = start(dir.path(), ServiceConfig { max_body_bytes: 4096, max_queued: 0, ..with_token() }).await;
    let yaml = "application/yaml";
    let good = embedded(100, 1);

    // No token, a wrong one: 401 on a mutating endpoint; reads stay open.
    let (s, b) = call(&svc, Method::POST, "/v1/runs", Some(yaml), good.clone(), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
    assert_eq!(b["error"], "unauthorized");
    let (s, _) = call(&svc, Method::POST, "/v1/runs", Some(yaml), good.clone(), Some("tok-7c1d0e9a55f24b8X")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = call(&svc, Method::GET, "/v1/runs", None, "", None).await;
    assert_eq!(s, StatusCode::OK);

    // An invalid scenario: 422 with the very error `gasbench validate` prints.
    let bad = good.replace("rate: 100", "rat: 100");
    let (s, b) = call(&svc, Method::POST, "/v1/runs", Some(yaml), bad.clone(), Some(TOKEN)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let expected = gasbench::scenario::load_str("scenario", &bad, &[], &Default::default()).unwrap_err();
    assert_eq!(b["errors"][0]["text"], expected.0[0].to_string());
    assert_eq!(b["errors"][0]["line"], 5, "{b}");
    assert!(b["errors"][0]["path"].as_str().unwrap().starts_with("load.open"), "{b}");
    assert!(b["errors"][0]["hint"].is_string(), "{b}");
    // The same through JSON, with an override that breaks it.
    let body = serde_json::json!({"scenario": good, "set": ["load.open.rate=-5"]}).to_string();
    let (s, b) = call(&svc, Method::POST, "/v1/runs", Some("application/json"), body, Some(TOKEN)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["errors"][0]["path"], "load.open.rate", "{b}");

    // A comparison over two targets or a sweep: one run per submission, so 400 saying so
    // (before, only the first target ran, silently).
    let two = good.replace(
        "target: {kind: embedded, block_time: 100ms}",
        "targets:\n  - {kind: embedded, block_time: 100ms}\n  - {kind: embedded, block_time: 200ms}",
    );
    assert!(gasbench::scenario::load_str("scenario", &two, &[], &Default::default()).unwrap().targets.len() == 2);
    let (s, b) = call(&svc, Method::POST, "/v1/runs", Some(yaml), two, Some(TOKEN)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    assert!(b["message"].as_str().unwrap().contains("`targets:` lists 2 targets"), "{b}");
    let swept = format!("{good}sweep:\n  load.open.rate: [100, 200]\n");
    let (s, b) = call(&svc, Method::POST, "/v1/runs", Some(yaml), swept, Some(TOKEN)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    assert!(b["message"].as_str().unwrap().contains("`sweep:`"), "{b}");

    // Wrong content type, a body over the limit, an unknown run.
    let (s, b) = call(&svc, Method::POST, "/v1/runs", Some("text/plain"), good.clone(), Some(TOKEN)).await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{b}");
    let huge = format!("{good}\n# {}\n", "x".repeat(8192));
    let (s, b) = call(&svc, Method::POST, "/v1/runs", Some(yaml), huge, Some(TOKEN)).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{b}");
    assert_eq!(b["error"], "too_large");
    for path in ["/v1/runs/nope", "/v1/runs/nope/report", "/v1/runs/nope/events"] {
        let (s, b) = call(&svc, Method::GET, path, None, "", None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}: {b}");
    }
    // A valid scenario with no room in the queue (limit 0 here): 429.
    let (s, b) = call(&svc, Method::POST, "/v1/runs", Some(yaml), good, Some(TOKEN)).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{b}");
    // A bad listing filter: 400 naming it.
    let (s, b) = call(&svc, Method::GET, "/v1/runs?status=great", None, "", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(b["message"].as_str().unwrap().contains("status"), "{b}");
}

#[tokio::test(flavor = "multi_thread")]
async fn service_with_token_on_reads_refuses_anonymous_reads_but_not_probes() {
    let dir = tempfile::tempdir().unwrap();
    let svc = start(dir.path(), ServiceConfig { token_on_reads: true, ..with_token() }).await;
    assert_eq!(call(&svc, Method::GET, "/v1/runs", None, "", None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(call(&svc, Method::GET, "/v1/runs", None, "", Some(TOKEN)).await.0, StatusCode::OK);
    assert_eq!(call(&svc, Method::GET, "/healthz", None, "", None).await.0, StatusCode::OK);
    assert_eq!(call(&svc, Method::GET, "/readyz", None, "", None).await.0, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn service_queue_runs_one_at_a_time_and_refuses_beyond_its_limit() {
    let dir = tempfile::tempdir().unwrap();
    let svc = start(dir.path(), ServiceConfig { max_running: 1, max_queued: 1, ..with_token() }).await;
    let long = embedded(100, 60);
    let post = |labels: &'static str| {
        let svc = svc.clone();
        let long = long.clone();
        async move {
            call(&svc, Method::POST, &format!("/v1/runs?label={labels}"), Some("application/yaml"), long, Some(TOKEN))
                .await
        }
    };
    let (s, first) = post("n=1").await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let (s, second) = post("n=2").await;
    assert_eq!(s, StatusCode::CREATED, "{second}");
    assert_eq!(second["queue_position"], 1, "the first runs, the second waits: {second}");
    let (s, third) = post("n=3").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{third}");
    let id2 = second["id"].as_str().unwrap();
    let (_, v) = call(&svc, Method::GET, &format!("/v1/runs/{id2}"), None, "", None).await;
    assert_eq!(v["status"], "queued");
    assert_eq!(v["live"]["queue_position"], 1, "{v}");
    // Cancel the waiting one: it never runs; a finished run cannot be cancelled again.
    let (s, _) = call(&svc, Method::POST, &format!("/v1/runs/{id2}/cancel"), None, "", Some(TOKEN)).await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let (_, v) = call(&svc, Method::GET, &format!("/v1/runs/{id2}"), None, "", None).await;
    assert_eq!(v["status"], "cancelled", "{v}");
    let (s, _) = call(&svc, Method::POST, &format!("/v1/runs/{id2}/cancel"), None, "", Some(TOKEN)).await;
    assert_eq!(s, StatusCode::CONFLICT);
    // A running run cannot be deleted; once cancelled, it can.
    let id1 = first["id"].as_str().unwrap();
    let (s, _) = call(&svc, Method::DELETE, &format!("/v1/runs/{id1}"), None, "", Some(TOKEN)).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = call(&svc, Method::POST, &format!("/v1/runs/{id1}/cancel"), None, "", Some(TOKEN)).await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let v = wait_final(&svc, id1).await;
    assert_eq!(v["status"], "cancelled", "{v}");
    let (s, r) = call(&svc, Method::GET, &format!("/v1/runs/{id1}/report"), None, "", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r["run"]["outcome"], "interrupted", "a cancelled run stores its partial report");
    // The same report as HTML for a client that prefers it; JSON stays the default.
    let uri = format!("/v1/runs/{id1}/report");
    let (s, ct, page) = fetch_as(&svc, &uri, Some("text/html,application/xhtml+xml,*/*;q=0.8")).await;
    assert_eq!((s, ct.as_str()), (StatusCode::OK, "text/html; charset=utf-8"));
    let report: gasbench::report::Report = serde_json::from_value(r.clone()).unwrap();
    assert_eq!(page, gasbench::report::html::render_run(&report, None), "the page `gasbench report --html` writes");
    for accept in [None, Some("*/*"), Some("application/json"), Some("text/html;q=0.5, application/json")] {
        let (s, ct, body) = fetch_as(&svc, &uri, accept).await;
        assert_eq!((s, ct.as_str()), (StatusCode::OK, "application/json"), "{accept:?}");
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), r, "{accept:?}");
    }
    let (s, _, body) = fetch_as(&svc, &uri, Some("text/csv")).await;
    assert_eq!(s, StatusCode::NOT_ACCEPTABLE, "{body}");
    assert!(body.contains("text/html"), "says what it can give: {body}");
    let (s, _) = call(&svc, Method::DELETE, &format!("/v1/runs/{id1}"), None, "", Some(TOKEN)).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(call(&svc, Method::GET, &format!("/v1/runs/{id1}"), None, "", None).await.0, StatusCode::NOT_FOUND);
}

/// GET `uri` with `accept`; returns the status, the content type and the body as text.
async fn fetch_as(svc: &Arc<Service>, uri: &str, accept: Option<&str>) -> (StatusCode, String, String) {
    let mut req = Request::builder().uri(uri);
    if let Some(a) = accept {
        req = req.header(header::ACCEPT, a);
    }
    let res = service::app(svc.clone()).oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    let status = res.status();
    let ct = res.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let bytes = axum::body::to_bytes(res.into_body(), 16 << 20).await.unwrap();
    (status, ct, String::from_utf8(bytes.to_vec()).unwrap())
}

/// Polls until the run has a final status; returns its view.
async fn wait_final(svc: &Arc<Service>, id: &str) -> Value {
    for _ in 0..600 {
        let (_, v) = call(svc, Method::GET, &format!("/v1/runs/{id}"), None, "", None).await;
        if Status::ALL.iter().any(|s| s.is_final() && v["status"] == s.as_str()) && v.get("live").is_none() {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("run {id} did not end within 60s");
}

#[tokio::test(flavor = "multi_thread")]
async fn service_openapi_document_matches_the_routes() {
    let dir = tempfile::tempdir().unwrap();
    let svc = start(dir.path(), ServiceConfig::default()).await;
    let (s, doc) = call(&svc, Method::GET, "/openapi.json", None, "", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.0.3");
    let paths = doc["paths"].as_object().unwrap();
    let all = [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE];
    for (path, item) in paths {
        let uri = path.replace("{id}", "0000");
        for m in &all {
            let documented = item.get(m.as_str().to_lowercase()).is_some();
            let (s, b) = call(&svc, m.clone(), &uri, Some("application/json"), "{}", None).await;
            if documented {
                // Routed: a handler answered (an unknown route or method has no JSON body).
                assert_ne!(s, StatusCode::METHOD_NOT_ALLOWED, "{m} {path} is documented but not routed");
                assert!(!b.is_null() || s.is_success(), "{m} {path} is documented but not routed ({s})");
            } else {
                assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED, "{m} {path} is routed but not documented");
            }
        }
    }
    // And the routes' paths are all documented: a path the document lacks is not routed.
    for uri in ["/v1", "/v1/run", "/v1/runs/0000/nope", "/metrics"] {
        assert_eq!(call(&svc, Method::GET, uri, None, "", None).await.0, StatusCode::NOT_FOUND, "{uri}");
    }
    assert_eq!(paths.len(), 8, "runs, run, report, cancel, events, healthz, readyz, openapi.json");
}

#[test]
fn service_survives_fuzzed_scenario_bodies() {
    use proptest::prelude::*;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // No room in the queue: a valid scenario is answered 429 and nothing runs.
    let svc = rt.block_on(start(dir.path(), ServiceConfig { max_queued: 0, ..ServiceConfig::default() }));
    let base = embedded(100, 1);
    let lines: Vec<String> = base.lines().map(str::to_string).collect();
    let body = prop_oneof![
        any::<String>(),
        // The valid scenario with one line replaced by noise, or cut anywhere.
        (0..lines.len(), "[ -~\t]{0,40}").prop_map(move |(i, noise)| {
            let mut l = lines.clone();
            l[i] = noise;
            l.join("\n")
        }),
        (0..base.len()).prop_map(move |n| base[..n].to_string()),
        prop::collection::vec(
            prop_oneof![Just("{"), Just("["), Just("- "), Just(": "), Just("&a "), Just("*a "), Just("!!x ")],
            0..300
        )
        .prop_map(|v| v.concat()),
    ];
    let kind = prop_oneof![Just("application/yaml"), Just("application/json"), Just("text/yaml; charset=utf-8")];
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig { cases: 300, ..ProptestConfig::default() });
    runner
        .run(&(body, kind), |(body, kind)| {
            let (s, b) = rt.block_on(call(&svc, Method::POST, "/v1/runs", Some(kind), body, None));
            let allowed = [StatusCode::BAD_REQUEST, StatusCode::UNPROCESSABLE_ENTITY, StatusCode::TOO_MANY_REQUESTS];
            prop_assert!(allowed.contains(&s), "{s}: {b}");
            prop_assert!(b["message"].is_string());
            Ok(())
        })
        .unwrap();
    let (s, _) = rt.block_on(call(&svc, Method::GET, "/healthz", None, "", None));
    assert_eq!(s, StatusCode::OK, "still serving after the fuzzing");
}

/// A real server on 127.0.0.1 for the socket tests; stops when dropped.
pub struct Served {
    pub base: String,
    pub svc: Arc<Service>,
    stop: tokio_util::sync::CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Served {
    pub async fn start(svc: Arc<Service>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let stop = tokio_util::sync::CancellationToken::new();
        let app = service::app(svc.clone());
        let token = stop.clone();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).with_graceful_shutdown(token.cancelled_owned()).await.unwrap();
        });
        Self { base, svc, stop, task }
    }

    pub async fn stop(self) {
        self.svc.shutdown(Duration::from_secs(8)).await;
        self.stop.cancel();
        let _ = tokio::time::timeout(Duration::from_secs(2), self.task).await;
        self.svc.store.close().await;
    }
}

/// reqwest is built without its `json` feature here: read bodies as JSON by hand.
pub trait JsonBody {
    async fn json_value(self) -> Value;
}

impl JsonBody for reqwest::Response {
    async fn json_value(self) -> Value {
        let text = self.text().await.unwrap();
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    }
}

/// Follows a run's SSE stream to its end; returns (progress events, the end event).
pub async fn follow(client: &reqwest::Client, base: &str, id: &str) -> (Vec<Value>, Value) {
    let mut progress = Vec::new();
    let (_, end) = events_until(client, base, id, |name, v| match name {
        "progress" => {
            progress.push(v.clone());
            false
        }
        _ => name == "end",
    })
    .await;
    (progress, end)
}

/// Reads a run's SSE stream until `stop(event name, data)` says so (within 90 s), and
/// returns that event; the stream is closed when this returns.
pub async fn events_until(
    client: &reqwest::Client,
    base: &str,
    id: &str,
    mut stop: impl FnMut(&str, &Value) -> bool,
) -> (String, Value) {
    let mut res = client.get(format!("{base}/v1/runs/{id}/events")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/event-stream"));
    let mut buf = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        let chunk = tokio::time::timeout_at(deadline, res.chunk()).await.expect("the stream ends within 90s").unwrap();
        let Some(chunk) = chunk else { panic!("the stream closed before the event awaited") };
        buf.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(i) = buf.find("\n\n") {
            let event: String = buf.drain(..i + 2).collect();
            let name = event.lines().find_map(|l| l.strip_prefix("event: ")).unwrap_or("");
            let data = event.lines().find_map(|l| l.strip_prefix("data: ")).unwrap_or("null");
            let v: Value = serde_json::from_str(data).unwrap();
            if stop(name, &v) {
                return (name.to_string(), v);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn service_over_a_socket_runs_streams_cancels_and_remembers() {
    let dir = tempfile::tempdir().unwrap();
    let server = Served::start(start(dir.path(), with_token()).await).await;
    let client = reqwest::Client::new();
    let base = server.base.clone();
    let auth = format!("Bearer {TOKEN}");

    // Post a short run as JSON with labels, follow it to the end.
    let body = serde_json::json!({"scenario": embedded(200, 3), "labels": {"commit": "abc123", "branch": "main"}});
    let res = client
        .post(format!("{base}/v1/runs"))
        .header("authorization", &auth)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert!(res.headers().contains_key("x-request-id"));
    let created: Value = res.json_value().await;
    let short = created["id"].as_str().unwrap().to_string();
    let (progress, end) = follow(&client, &base, &short).await;
    assert_eq!(end["status"], "passed", "{end}");
    assert!(progress.len() >= 2, "a progress event each second: {progress:?}");
    assert!(progress.iter().any(|p| p["progress"]["sent"].as_u64() > Some(0)), "{progress:?}");
    assert!(end["summary"]["included_tps"].as_f64().unwrap() > 100.0, "{end}");
    let report: Value =
        client.get(format!("{base}{}", end["report_url"].as_str().unwrap())).send().await.unwrap().json_value().await;
    assert_eq!(report["run"]["outcome"], "completed");
    assert_eq!(report["accounting"]["included"], report["accounting"]["sent"]);
    // A browser's Accept gets the HTML page of the same report, locked down.
    let res = client
        .get(format!("{base}/v1/runs/{short}/report"))
        .header("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(res.headers()["vary"], "accept");
    assert!(res.headers()["content-security-policy"].to_str().unwrap().starts_with("default-src 'none'"));
    let page = res.text().await.unwrap();
    let parsed: gasbench::report::Report = serde_json::from_value(report.clone()).unwrap();
    assert_eq!(page, gasbench::report::html::render_run(&parsed, None));

    // A long run, cancelled while it goes: its partial report is stored.
    let res = client
        .post(format!("{base}/v1/runs?label=commit=def456"))
        .header("authorization", &auth)
        .header("content-type", "application/yaml")
        .body(embedded(100, 60))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let long = res.json_value().await["id"].as_str().unwrap().to_string();
    let follower = tokio::spawn({
        let (client, base, long) = (client.clone(), base.clone(), long.clone());
        async move { follow(&client, &base, &long).await }
    });
    // Until it has sent something (its progress events say so, once a second).
    events_until(&client, &base, &long, |name, v| name == "progress" && v["progress"]["sent"].as_u64() > Some(0)).await;
    let res = client.post(format!("{base}/v1/runs/{long}/cancel")).header("authorization", &auth).send().await.unwrap();
    assert_eq!(res.status(), 202);
    let (_, end) = follower.await.unwrap();
    assert_eq!(end["status"], "cancelled", "{end}");
    let report: Value = client.get(format!("{base}/v1/runs/{long}/report")).send().await.unwrap().json_value().await;
    assert_eq!(report["run"]["outcome"], "interrupted");
    assert!(report["accounting"]["sent"].as_u64() > Some(0));

    // Listing: filtered by label, paginated with a cursor.
    let page: Value =
        client.get(format!("{base}/v1/runs?label=commit=abc123")).send().await.unwrap().json_value().await;
    assert_eq!(page["runs"].as_array().unwrap().len(), 1, "{page}");
    assert_eq!(page["runs"][0]["id"], short.as_str());
    let page: Value = client.get(format!("{base}/v1/runs?limit=1")).send().await.unwrap().json_value().await;
    assert_eq!(page["runs"][0]["id"], long.as_str(), "newest first");
    let cursor = page["next_cursor"].as_str().unwrap();
    let page: Value =
        client.get(format!("{base}/v1/runs?limit=1&cursor={cursor}")).send().await.unwrap().json_value().await;
    assert_eq!(page["runs"][0]["id"], short.as_str());
    assert!(page["next_cursor"].is_null());
    server.stop().await;

    // Restart over the same data directory: both runs are found again, with reports.
    let server = Served::start(start(dir.path(), with_token()).await).await;
    let base = server.base.clone();
    for (id, status) in [(&short, "passed"), (&long, "cancelled")] {
        let v: Value = client.get(format!("{base}/v1/runs/{id}")).send().await.unwrap().json_value().await;
        assert_eq!(v["status"], status, "{v}");
        let res = client.get(format!("{base}/v1/runs/{id}/report")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        // A finished run's event stream is its end event alone.
        let (progress, end) = follow(&client, &base, id).await;
        assert!(progress.is_empty());
        assert_eq!(end["status"], status);
    }
    server.stop().await;
}

#[test]
fn service_token_is_parsed_with_a_minimum_length() {
    assert!("short".parse::<Token>().is_err());
    assert!(TOKEN.parse::<Token>().is_ok());
}
