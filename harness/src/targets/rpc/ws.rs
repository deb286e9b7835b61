//! `newHeads` over WebSocket: each announced head wakes the tracker at once (polling
//! stays as the fallback), and the moment a head was announced is when gasbench saw its
//! block. Reconnects with backoff until the run stops.

use std::{
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::{connect_async, tungstenite::Message};
use tokio_util::sync::CancellationToken;

use super::{
    Shared,
    caps::{Absence, Support, classify_answer},
    health::RETRY_LIMIT,
};
use crate::lock;

const SUBSCRIBE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newHeads"]}"#;
const BACKOFF_MIN: Duration = Duration::from_millis(50);
const BACKOFF_MAX: Duration = Duration::from_secs(2);

/// Follows new heads on `url` until `cancel`; gives up (polling goes on) after
/// `RETRY_LIMIT` sessions in a row that announced no head.
pub async fn follow(shared: Arc<Shared>, url: String, cancel: CancellationToken) {
    let mut backoff = BACKOFF_MIN;
    let mut failures = 0;
    while !cancel.is_cancelled() {
        let announced = shared.ws_heads.load(Ordering::Relaxed);
        match session(&shared, &url, &cancel).await {
            Ok(()) => return,
            Err(e) => {
                shared.ws_live.store(false, Ordering::Relaxed);
                shared.health.count(&format!("ws_{e}"), 1);
            }
        }
        failures = if shared.ws_heads.load(Ordering::Relaxed) > announced { 1 } else { failures + 1 };
        if failures >= RETRY_LIMIT {
            shared.health.count("ws_gave_up", 1);
            return;
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// One connection: subscribe, then wake the tracker on every head. `Ok` when cancelled.
async fn session(shared: &Shared, url: &str, cancel: &CancellationToken) -> Result<(), &'static str> {
    let (mut ws, _) = connect_async(url).await.map_err(|_| "unreachable")?;
    ws.send(Message::text(SUBSCRIBE)).await.map_err(|_| "unreachable")?;
    loop {
        let msg = tokio::select! {
            () = cancel.cancelled() => return Ok(()),
            m = ws.next() => m,
        };
        let text = match msg {
            Some(Ok(Message::Text(t))) => t,
            Some(Ok(Message::Close(_))) | None => return Err("closed"),
            Some(Err(_)) => return Err("unreachable"),
            Some(Ok(_)) => continue,
        };
        let v: serde_json::Value = serde_json::from_str(text.as_str()).map_err(|_| "bad_answer")?;
        if v.get("id").is_some() {
            if v.get("error").is_some() {
                return Err("subscribe_refused");
            }
            shared.ws_live.store(true, Ordering::Relaxed);
            continue;
        }
        let number = v["params"]["result"]["number"]
            .as_str()
            .and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok());
        if let Some(n) = number {
            shared.ws_heads.fetch_add(1, Ordering::Relaxed);
            lock(&shared.heads).entry(n).or_insert_with(|| shared.now_ns());
            shared.wake.notify_one();
        }
    }
}

/// Whether `eth_subscribe` (newHeads) works over the WebSocket endpoint `url`.
pub async fn probe_subscribe(url: &str) -> Support {
    let no = |absence, answer: String| Support::No { absence, answer: format!("{answer} (over {url})") };
    let attempt = async {
        let (mut ws, _) =
            connect_async(url).await.map_err(|e| no(Absence::NoAnswer, format!("cannot connect: {e}")))?;
        ws.send(Message::text(SUBSCRIBE)).await.map_err(|e| no(Absence::NoAnswer, e.to_string()))?;
        while let Some(msg) = ws.next().await {
            if let Message::Text(t) = msg.map_err(|e| no(Absence::NoAnswer, e.to_string()))? {
                let v: serde_json::Value =
                    serde_json::from_str(t.as_str()).map_err(|e| no(Absence::Other, e.to_string()))?;
                return match (v.get("result"), v.get("error")) {
                    (Some(_), _) => Ok(Support::Yes),
                    (_, Some(e)) => {
                        let (code, message) = (e["code"].as_i64().unwrap_or(0), e["message"].as_str().unwrap_or(""));
                        Err(no(classify_answer(code, message), format!("error {code}: {message}")))
                    }
                    _ => continue,
                };
            }
        }
        Err(no(Absence::NoAnswer, "closed before answering".into()))
    };
    match tokio::time::timeout(Duration::from_secs(5), attempt).await {
        Ok(Ok(yes)) => yes,
        Ok(Err(no)) => no,
        Err(_) => no(Absence::NoAnswer, "no answer within 5s".into()),
    }
}
