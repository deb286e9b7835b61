//! A lean JSON-RPC client over HTTP/1.1: single calls, batches, and the send path's
//! hand-encoded `eth_sendRawTransaction` batches. At most `connections` requests are
//! open at once, so the node sees a bounded pool of keep-alive connections (one request
//! per transaction at 10k tx/s overflows a node's accept queue). Every request is counted
//! by method (the load gasbench puts on the node, for the report), and a node without
//! batches gets each batch as single calls.

use std::{
    collections::BTreeMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use serde::{Deserialize, de::DeserializeOwned};
use serde_json::{Value, value::RawValue};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::{lock, plan::PlannedTx, targets::RequestCount};

/// Something with an EIP-2718 encoding to send.
pub trait RawTx {
    fn raw(&self) -> &[u8];
}

impl RawTx for Arc<PlannedTx> {
    fn raw(&self) -> &[u8] {
        &self.raw
    }
}

impl RawTx for alloy::primitives::Bytes {
    fn raw(&self) -> &[u8] {
        self
    }
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// What went wrong with a request as a whole.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RpcError {
    /// The node could not be reached or did not answer (refused, reset, timed out).
    #[error("cannot reach the node at {url}: {message}")]
    Transport {
        url: String,
        message: String,
        /// The request may have reached the node (the answer was lost or late), as
        /// opposed to a connection that was never made.
        maybe_delivered: bool,
    },
    /// The node took longer than the client's timeout to answer: alive but overloaded, or
    /// hung. The request may have been carried out.
    #[error("the node at {url} did not answer within {after:?}")]
    Timeout { url: String, after: Duration },
    /// The node answered with an HTTP error status.
    #[error("the node at {url} answered HTTP {status}: {body}")]
    Http { url: String, status: u16, body: String },
    /// The node answered the call with a JSON-RPC error.
    #[error("{method}: the node answered error {code}: {message}")]
    Node { method: String, code: i64, message: String },
    /// The answer was not what JSON-RPC promises.
    #[error("{method}: unexpected answer: {message}")]
    Decode { method: String, message: String },
}

impl RpcError {
    /// Whether the node itself was out of reach (a fault, not an answer).
    pub fn is_transport(&self) -> bool {
        matches!(self, Self::Transport { .. })
    }

    /// Whether the request may have reached the node although no answer came back.
    pub fn maybe_delivered(&self) -> bool {
        matches!(self, Self::Transport { maybe_delivered: true, .. } | Self::Timeout { .. })
    }

    /// The method the failed request called (`request` when the error does not say).
    pub fn method(&self) -> &str {
        match self {
            Self::Node { method, .. } | Self::Decode { method, .. } => method,
            _ => "request",
        }
    }

    /// What to check when the node could not be reached.
    pub fn hint(&self) -> &'static str {
        match self {
            Self::Transport { message, .. } if message.contains("certificate") => {
                "the node's TLS certificate is not trusted here: set SSL_CERT_FILE to the PEM file of the CA that \
                 signed it"
            }
            _ => "is the node running and listening on that address?",
        }
    }
}

/// A JSON-RPC error object, for one call of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ErrorObject {
    pub code: i64,
    pub message: String,
    /// Extra data, e.g. the revert data of a reverted `eth_call`.
    #[serde(default)]
    pub data: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Response<'a> {
    #[serde(default)]
    id: Option<u64>,
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
    #[serde(default)]
    error: Option<ErrorObject>,
}

/// The client; cheap to clone (the pool and its bound are shared).
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    url: Arc<str>,
    slots: Arc<Semaphore>,
    timeout: Duration,
    /// Calls and HTTP requests by method, shared by the clients of one target.
    counts: Arc<Mutex<BTreeMap<String, RequestCount>>>,
    /// The node does not take batches: each call goes alone.
    single: Arc<AtomicBool>,
}

impl Client {
    /// A client of `url` with at most `connections` requests open, each waiting at most
    /// `timeout` for its answer.
    pub fn new(url: &str, connections: usize, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(connections)
            .tcp_nodelay(true)
            .timeout(timeout)
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .expect("a plain HTTP client always builds");
        Self {
            http,
            url: url.into(),
            slots: Arc::new(Semaphore::new(connections.max(1))),
            timeout,
            counts: Arc::default(),
            single: Arc::default(),
        }
    }

    /// This client counting into `other`'s counts and following its batch mode (two
    /// pools of one target).
    pub fn sharing(mut self, other: &Client) -> Self {
        self.counts = other.counts.clone();
        self.single = other.single.clone();
        self
    }

    /// From now on, batches go as single calls (the node does not take batches).
    pub fn without_batches(&self) {
        self.single.store(true, Ordering::Relaxed);
    }

    /// Calls and HTTP requests sent so far, by method.
    pub fn counts(&self) -> BTreeMap<String, RequestCount> {
        lock(&self.counts).clone()
    }

    fn count(&self, method: &str, calls: usize) {
        let mut counts = lock(&self.counts);
        let c = match counts.get_mut(method) {
            Some(c) => c,
            None => counts.entry(method.to_string()).or_default(),
        };
        c.calls += calls as u64;
        c.http_requests += 1;
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Waits for one of the pool's slots (one request in flight, one connection).
    pub async fn slot(&self) -> OwnedSemaphorePermit {
        self.slots.clone().acquire_owned().await.expect("the semaphore is never closed")
    }

    /// Posts a JSON body, holding one of the pool's slots meanwhile.
    async fn post(&self, body: Vec<u8>) -> Result<Vec<u8>, RpcError> {
        let slot = self.slot().await;
        self.post_in(body, &slot).await
    }

    /// Posts a JSON body in a slot already held.
    async fn post_in(&self, body: Vec<u8>, _slot: &OwnedSemaphorePermit) -> Result<Vec<u8>, RpcError> {
        let transport = |e: reqwest::Error| {
            if e.is_timeout() {
                return RpcError::Timeout { url: self.url.to_string(), after: self.timeout };
            }
            RpcError::Transport { url: self.url.to_string(), message: describe(&e), maybe_delivered: !e.is_connect() }
        };
        let resp = self
            .http
            .post(&*self.url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(transport)?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(transport)?;
        if !status.is_success() {
            let body = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
            return Err(RpcError::Http { url: self.url.to_string(), status: status.as_u16(), body });
        }
        Ok(bytes.to_vec())
    }

    /// One call.
    pub async fn call<T: DeserializeOwned>(&self, method: &str, params: Value) -> Result<T, RpcError> {
        self.call_one(method, params).await?.map_err(|e| RpcError::Node {
            method: method.into(),
            code: e.code,
            message: e.message,
        })
    }

    /// One call; the node's error object whole (with its data).
    async fn call_one<T: DeserializeOwned>(
        &self,
        method: &str,
        params: Value,
    ) -> Result<Result<T, ErrorObject>, RpcError> {
        let body =
            serde_json::to_vec(&serde_json::json!({"jsonrpc": "2.0", "id": 0, "method": method, "params": params}))
                .expect("JSON values serialize");
        self.count(method, 1);
        let bytes = self.post(body).await?;
        let resp: Response<'_> = serde_json::from_slice(&bytes).map_err(|e| decode(method, &e))?;
        match resp.error {
            Some(e) => Ok(Err(e)),
            None => Ok(Ok(parse(method, resp.result)?)),
        }
    }

    /// The same method with many parameter lists, in one batch request; one result each,
    /// in order.
    pub async fn batch<T: DeserializeOwned>(
        &self,
        method: &str,
        params: impl IntoIterator<Item = Value>,
    ) -> Result<Vec<Result<T, ErrorObject>>, RpcError> {
        let calls: Vec<Value> = params
            .into_iter()
            .enumerate()
            .map(|(i, p)| serde_json::json!({"jsonrpc": "2.0", "id": i, "method": method, "params": p}))
            .collect();
        if calls.is_empty() {
            return Ok(Vec::new());
        }
        if self.single.load(Ordering::Relaxed) {
            let alone = calls.into_iter().map(|mut c| self.call_one(method, c["params"].take()));
            return futures_util::future::join_all(alone).await.into_iter().collect();
        }
        let n = calls.len();
        self.count(method, n);
        let bytes = self.post(serde_json::to_vec(&calls).expect("JSON values serialize")).await?;
        let mut out: Vec<Option<Result<T, ErrorObject>>> = (0..n).map(|_| None).collect();
        for (id, result, error) in responses(method, &bytes, n)? {
            out[id] = Some(match error {
                Some(e) => Err(e),
                None => Ok(parse(method, result)?),
            });
        }
        out.into_iter().map(|r| r.ok_or_else(|| missing(method))).collect()
    }

    /// Sends signed transactions with `eth_sendRawTransaction`, as one batch request
    /// encoded by hand (the send path's only per-transaction work: hex and a few bytes),
    /// in a pool slot already held.
    pub async fn send_raw<R: RawTx>(
        &self,
        txs: &[R],
        slot: OwnedSemaphorePermit,
    ) -> Result<Vec<Result<(), ErrorObject>>, RpcError> {
        const METHOD: &str = "eth_sendRawTransaction";
        if self.single.load(Ordering::Relaxed) {
            let mut out = Vec::with_capacity(txs.len());
            for tx in txs {
                let batch = encode_send_batch(std::slice::from_ref(tx));
                self.count(METHOD, 1);
                let bytes = self.post_in(batch[1..batch.len() - 1].to_vec(), &slot).await?;
                let resp: Response<'_> = serde_json::from_slice(&bytes).map_err(|e| decode(METHOD, &e))?;
                out.push(resp.error.map_or(Ok(()), Err));
            }
            return Ok(out);
        }
        self.count(METHOD, txs.len());
        let bytes = self.post_in(encode_send_batch(txs), &slot).await?;
        parse_send_answers(&bytes, txs.len())
    }
}

/// The body of an `eth_sendRawTransaction` batch, encoded by hand: ids 0..n.
pub fn encode_send_batch<R: RawTx>(txs: &[R]) -> Vec<u8> {
    let mut body = Vec::with_capacity(txs.iter().map(|t| t.raw().len() * 2 + 80).sum::<usize>() + 2);
    body.push(b'[');
    for (i, tx) in txs.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(br#"{"jsonrpc":"2.0","method":"eth_sendRawTransaction","id":"#);
        body.extend_from_slice(i.to_string().as_bytes());
        body.extend_from_slice(br#","params":["0x"#);
        let start = body.len();
        body.resize(start + tx.raw().len() * 2, 0);
        alloy::hex::encode_to_slice(tx.raw(), &mut body[start..]).expect("the buffer is twice the input");
        body.extend_from_slice(br#""]}"#);
    }
    body.push(b']');
    body
}

/// The answers to a batch of `n` sends, in order: accepted, or the node's error.
pub fn parse_send_answers(bytes: &[u8], n: usize) -> Result<Vec<Result<(), ErrorObject>>, RpcError> {
    const METHOD: &str = "eth_sendRawTransaction";
    let mut out: Vec<Option<Result<(), ErrorObject>>> = vec![None; n];
    for (id, _, error) in responses(METHOD, bytes, n)? {
        out[id] = Some(error.map_or(Ok(()), Err));
    }
    out.into_iter().map(|r| r.ok_or_else(|| missing(METHOD))).collect()
}

/// One answer of a batch: its id, its result, its error.
type Answer<'a> = (usize, Option<&'a RawValue>, Option<ErrorObject>);

/// The answers of a batch of `n` calls; ids must be 0..n.
fn responses<'a>(method: &str, bytes: &'a [u8], n: usize) -> Result<Vec<Answer<'a>>, RpcError> {
    let list: Vec<Response<'a>> = serde_json::from_slice(bytes).map_err(|e| {
        // A node without batch support answers one error object.
        match serde_json::from_slice::<Response<'_>>(bytes) {
            Ok(Response { error: Some(err), .. }) => {
                RpcError::Node { method: format!("batch of {method}"), code: err.code, message: err.message }
            }
            _ => decode(method, &e),
        }
    })?;
    list.into_iter()
        .map(|r| match r.id {
            Some(id) if (id as usize) < n => Ok((id as usize, r.result, r.error)),
            other => Err(RpcError::Decode { method: method.into(), message: format!("answer with id {other:?}") }),
        })
        .collect()
}

fn parse<T: DeserializeOwned>(method: &str, raw: Option<&RawValue>) -> Result<T, RpcError> {
    serde_json::from_str(raw.map_or("null", RawValue::get)).map_err(|e| decode(method, &e))
}

fn decode(method: &str, e: &serde_json::Error) -> RpcError {
    RpcError::Decode { method: method.into(), message: e.to_string() }
}

fn missing(method: &str) -> RpcError {
    RpcError::Decode { method: method.into(), message: "a call of the batch got no answer".into() }
}

/// reqwest's message plus its cause chain ("error sending request" alone says nothing).
fn describe(e: &reqwest::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}
