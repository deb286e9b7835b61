//! A node that answers some methods with an error it keeps giving: a proxy in front of a
//! real anvil that answers chosen methods (after their first `allow` calls) with
//! -32000 "... not available", and optionally every batch with one -32600 error, as node
//! families and endpoints we cannot run here might; it forwards everything else. Only
//! those answers are made up; the chain is anvil's.

use std::{
    collections::BTreeSet,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

/// What the proxy refuses, and how many calls of those it let through first.
#[derive(Debug)]
struct Refusal {
    methods: BTreeSet<String>,
    allow: u64,
    seen: AtomicU64,
    batches: bool,
}

/// Starts the proxy in front of `upstream` (an anvil port), refusing `methods` after
/// `allow` calls, and batches unless `batches`; returns its port.
pub async fn start(upstream: u16, methods: &[&str], allow: u64, batches: bool) -> u16 {
    let methods = methods.iter().map(|m| m.to_string()).collect();
    let refusal = Arc::new(Refusal { methods, allow, seen: AtomicU64::new(0), batches });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            tokio::spawn(serve(conn, upstream, refusal.clone()));
        }
    });
    port
}

/// One keep-alive connection: request after request.
async fn serve(mut conn: TcpStream, upstream: u16, refusal: Arc<Refusal>) {
    while let Some(body) = read_request(&mut conn).await {
        let answer = match refused(&body, &refusal) {
            Some(a) => a,
            None => match forward(upstream, &body).await {
                Some(a) => a,
                None => return,
            },
        };
        let head =
            format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n", answer.len());
        if conn.write_all(head.as_bytes()).await.is_err() || conn.write_all(&answer).await.is_err() {
            return;
        }
    }
}

/// The made-up answer to `body`, if it calls a refused method past the allowance.
fn refused(body: &[u8], refusal: &Refusal) -> Option<Vec<u8>> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    if v.is_array() && !refusal.batches {
        let e = serde_json::json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32600, "message": "batch requests are not supported"}});
        return Some(serde_json::to_vec(&e).unwrap());
    }
    let calls = match &v {
        serde_json::Value::Array(calls) => calls.clone(),
        one => vec![one.clone()],
    };
    let method = calls.first()?["method"].as_str()?.to_string();
    if !refusal.methods.contains(&method) || refusal.seen.fetch_add(1, Ordering::Relaxed) < refusal.allow {
        return None;
    }
    let error = |c: &serde_json::Value| serde_json::json!({"jsonrpc": "2.0", "id": c["id"], "error": {"code": -32000, "message": format!("method {method} not available")}});
    let answer = match v {
        serde_json::Value::Array(_) => serde_json::Value::Array(calls.iter().map(error).collect()),
        one => error(&one),
    };
    Some(serde_json::to_vec(&answer).unwrap())
}

/// Sends `body` to anvil on a fresh connection; its answer's body.
async fn forward(upstream: u16, body: &[u8]) -> Option<Vec<u8>> {
    let mut up = TcpStream::connect(("127.0.0.1", upstream)).await.ok()?;
    let head = format!(
        "POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    up.write_all(head.as_bytes()).await.ok()?;
    up.write_all(body).await.ok()?;
    let mut all = Vec::new();
    up.read_to_end(&mut all).await.ok()?;
    let split = all.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    Some(all[split..].to_vec())
}

/// Reads one HTTP request; its body (`None` when the connection ends).
async fn read_request(conn: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let split = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..split]).to_ascii_lowercase();
    let len: usize = head.lines().find_map(|l| l.strip_prefix("content-length:"))?.trim().parse().ok()?;
    while buf.len() < split + len {
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(buf[split..split + len].to_vec())
}
