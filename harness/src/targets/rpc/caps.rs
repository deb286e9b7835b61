//! Which optional methods a node has, found once before the run by calling each one and
//! classifying the answer. Any error (whatever its code or words, an HTTP status, a closed
//! socket) selects the fallback; the classification only says why, for the report and
//! `gasbench target probe`. Nodes word these differently: the unit tests hold the answers
//! of geth, Erigon, Nethermind, reth, anvil and Hardhat, each with its source.

use core::fmt;

use serde::Serialize;

use super::client::{Client, RpcError};

/// Why a node does not serve an optional method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Absence {
    /// The node does not know the method (JSON-RPC -32601, "does not exist", "not found").
    Missing,
    /// The node knows of it and says it does not implement it (Hardhat's -32004).
    NotSupported,
    /// The method exists but its namespace is switched off for this endpoint.
    Disabled,
    /// The node refused the parameters gasbench needs (e.g. a tracer it does not have).
    RefusedParams,
    /// The node said it is busy or rate-limited.
    Busy,
    /// The node answered with an HTTP error status (e.g. 405 from a proxy).
    HttpStatus,
    /// No answer: refused, reset, closed or timed out.
    NoAnswer,
    /// Any other error, or an answer that is not what the method promises.
    Other,
}

impl Absence {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Missing => "method not found",
            Self::NotSupported => "not supported",
            Self::Disabled => "disabled",
            Self::RefusedParams => "parameters refused",
            Self::Busy => "busy",
            Self::HttpStatus => "HTTP error",
            Self::NoAnswer => "no answer",
            Self::Other => "error",
        }
    }
}

/// The kind of a node's error answer to an optional method.
pub fn classify_answer(code: i64, message: &str) -> Absence {
    let m = message.to_ascii_lowercase();
    let has = |s: &str| m.contains(s);
    if has("disabled") || has("not enabled") || has("not allowed") {
        Absence::Disabled
    } else if code == -32601 || has("does not exist") || has("not found") {
        Absence::Missing
    } else if code == -32004 || has("not supported") || has("unsupported") || has("not implemented") {
        Absence::NotSupported
    } else if code == -32005 || code == -32604 || has("too many requests") || has("busy") || has("rate limit") {
        Absence::Busy
    } else if code == -32602 {
        Absence::RefusedParams
    } else {
        Absence::Other
    }
}

/// The kind of any failed request to an optional method.
pub fn classify(e: &RpcError) -> Absence {
    match e {
        RpcError::Node { code, message, .. } => classify_answer(*code, message),
        RpcError::Http { status: 429, .. } => Absence::Busy,
        RpcError::Http { .. } => Absence::HttpStatus,
        RpcError::Transport { .. } | RpcError::Timeout { .. } => Absence::NoAnswer,
        RpcError::Decode { .. } => Absence::Other,
    }
}

/// Whether the node serves an optional method; if not, why, in its own words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Support {
    Yes,
    No {
        absence: Absence,
        answer: String,
    },
    /// Not asked (e.g. no WebSocket endpoint given).
    NotAsked {
        why: String,
    },
}

impl Support {
    pub fn of<T>(r: &Result<T, RpcError>) -> Self {
        match r {
            Ok(_) => Self::Yes,
            Err(e) => Self::no(e),
        }
    }

    pub fn no(e: &RpcError) -> Self {
        Self::No { absence: classify(e), answer: e.to_string() }
    }

    pub fn is_yes(&self) -> bool {
        matches!(self, Self::Yes)
    }
}

impl fmt::Display for Support {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Yes => write!(f, "yes"),
            Self::No { absence, answer } => write!(f, "no ({}: {answer})", absence.as_str()),
            Self::NotAsked { why } => write!(f, "not asked ({why})"),
        }
    }
}

/// The optional methods gasbench can use, and what each answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    /// `eth_getBlockReceipts`: a block's receipts in one call.
    pub block_receipts: Support,
    /// `debug_traceCall` with `callTracer`: revert data where a reverted transaction stood.
    pub call_tracer: Support,
    /// `eth_subscribe newHeads`: heads announced instead of polled.
    pub subscribe: Support,
    /// JSON-RPC batches: many calls per HTTP request.
    pub batches: Support,
    /// `txpool_status`: the node's pool (reported only).
    pub txpool: Support,
    /// `anvil_getAutomine` or `hardhat_getAutomine` (and so `evm_mine`): a dev node's mining.
    pub dev_mining: Support,
}

impl Capabilities {
    /// Each capability with the path gasbench takes because of it.
    pub fn paths(&self) -> Vec<(&'static str, &Support, &'static str)> {
        let pick = |s: &Support, yes: &'static str, no: &'static str| if s.is_yes() { yes } else { no };
        vec![
            (
                "eth_getBlockReceipts",
                &self.block_receipts,
                pick(
                    &self.block_receipts,
                    "receipts of blocks mostly ours in one call each",
                    "receipts by batched eth_getTransactionReceipt",
                ),
            ),
            (
                "callTracer",
                &self.call_tracer,
                pick(
                    &self.call_tracer,
                    "revert data traced where the transaction stood",
                    "revert data replayed with eth_call on the parent block",
                ),
            ),
            (
                "eth_subscribe",
                &self.subscribe,
                pick(&self.subscribe, "new heads announced over WebSocket", "new heads found by polling"),
            ),
            ("batches", &self.batches, pick(&self.batches, "many calls per HTTP request", "one call per HTTP request")),
            ("txpool", &self.txpool, pick(&self.txpool, "reported only", "not used")),
            (
                "dev mining",
                &self.dev_mining,
                pick(
                    &self.dev_mining,
                    "automine read; evm_mine frees stranded nonces under automine",
                    "mining mode unknown; not used",
                ),
            ),
        ]
    }

    /// One line for the report's notes.
    pub fn note(&self) -> String {
        let parts: Vec<String> = self
            .paths()
            .into_iter()
            .map(|(name, s, path)| match s {
                Support::Yes => format!("{name}: yes -> {path}"),
                other => format!("{name}: {other} -> {path}"),
            })
            .collect();
        format!("capabilities (probed before the run): {}", parts.join("; "))
    }
}

/// Asks the node behind `client` for each optional method (over HTTP; `subscribe` is
/// what the WebSocket endpoint answered, if one was given; `dev_mining` what the
/// automine query answered).
pub async fn probe_caps(client: &Client, subscribe: Option<Support>, dev_mining: Support) -> Capabilities {
    let none = || serde_json::json!([]);
    let block_receipts =
        client.call::<Option<Vec<serde_json::Value>>>("eth_getBlockReceipts", serde_json::json!(["latest"])).await;
    let tracer = serde_json::json!({"tracer": "callTracer", "tracerConfig": {"onlyTopCall": true}});
    let call = serde_json::json!({"to": alloy::primitives::Address::ZERO, "data": "0x"});
    let call_tracer =
        client.call::<serde_json::Value>("debug_traceCall", serde_json::json!([call, "latest", tracer])).await;
    let batch = client.batch::<alloy::primitives::U64>("eth_chainId", [none(), none()]).await;
    let batches = match batch {
        Ok(b) if b.len() == 2 && b.iter().all(Result::is_ok) => Support::Yes,
        Ok(b) => Support::No {
            absence: Absence::Other,
            answer: format!(
                "a batch of 2 got {} answers, {} of them errors",
                b.len(),
                b.iter().filter(|r| r.is_err()).count()
            ),
        },
        Err(e) => Support::no(&e),
    };
    let txpool = client.call::<serde_json::Value>("txpool_status", none()).await;
    let subscribe = match subscribe {
        Some(s) => s,
        None => match client.call::<String>("eth_subscribe", serde_json::json!(["newHeads"])).await {
            Ok(_) => Support::NotAsked { why: "answered over HTTP; give a ws:// endpoint to use it".into() },
            Err(e) => Support::no(&e),
        },
    };
    Capabilities {
        block_receipts: Support::of(&block_receipts),
        call_tracer: Support::of(&call_tracer),
        subscribe,
        batches,
        txpool: Support::of(&txpool),
        dev_mining,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Error answers of real nodes to methods they lack or refuse, each from its source.
    #[test]
    fn error_answers_of_every_node_family_are_classified_and_select_the_fallback() {
        let vectors: &[(&str, i64, &str, Absence)] = &[
            // ethereum/go-ethereum rpc/errors.go: methodNotFoundError (also a namespace
            // not enabled on --http.api: the method is simply not registered).
            ("geth", -32601, "the method debug_traceCall does not exist/is not available", Absence::Missing),
            // ethereum/go-ethereum rpc/errors.go: subscriptionNotFoundError.
            ("geth", -32601, "no \"newHeads\" subscription in eth namespace", Absence::Missing),
            // erigontech/erigon rpc/errors.go: methodNotFoundError (the same words as geth).
            ("erigon", -32601, "the method txpool_status does not exist/is not available", Absence::Missing),
            // NethermindEth/nethermind src/Nethermind/Nethermind.JsonRpc/ErrorMessages.cs:
            // MethodNotFound, sent with ErrorCodes.MethodNotFound (ErrorCodes.cs).
            ("nethermind", -32601, "the method eth_getBlockReceipts does not exist/is not available", Absence::Missing),
            // NethermindEth/nethermind src/Nethermind/Nethermind.JsonRpc/JsonRpcService.cs:
            // ModuleResolution.Disabled answers ErrorCodes.InvalidRequest (-32600).
            (
                "nethermind",
                -32600,
                "The method 'debug_traceCall' is found but the namespace 'debug' is disabled for http://127.0.0.1:8545/. \
                 Consider adding the namespace 'debug' to JsonRpc.AdditionalRpcUrls for an additional URL, or to \
                 JsonRpc.EnabledModules for the default URL.",
                Absence::Disabled,
            ),
            // NethermindEth/nethermind JsonRpcService.cs: ModuleResolution.EndpointDisabled.
            (
                "nethermind",
                -32600,
                "The method 'eth_subscribe' is found in namespace 'eth' for http://127.0.0.1:8545/' but is disabled for Http.",
                Absence::Disabled,
            ),
            // NethermindEth/nethermind JsonRpcService.cs: LimitExceededException ->
            // ErrorCodes.LimitExceeded (-32005) "Too many requests".
            ("nethermind", -32005, "Too many requests", Absence::Busy),
            // paritytech/jsonrpsee types/src/error.rs (the server of reth's RPC):
            // METHOD_NOT_FOUND_CODE / METHOD_NOT_FOUND_MSG.
            ("reth", -32601, "Method not found", Absence::Missing),
            // paritytech/jsonrpsee types/src/error.rs: SERVER_IS_BUSY_CODE / _MSG.
            ("reth", -32604, "Server is busy, try again later", Absence::Busy),
            // foundry-rs/foundry crates/anvil/rpc/src/error.rs: ErrorCode::MethodNotFound.
            ("anvil", -32601, "Method not found", Absence::Missing),
            // NomicFoundation/hardhat packages/hardhat-core/src/internal/core/providers/errors.ts:
            // MethodNotSupportedError (-32004); seen verbatim from hardhat 2.29.1 here.
            ("hardhat", -32004, "Method eth_getBlockReceipts is not supported", Absence::NotSupported),
            ("hardhat", -32004, "Method txpool_status is not supported", Absence::NotSupported),
            // NomicFoundation/hardhat .../hardhat-network/provider/modules/debug.ts:
            // InvalidArgumentsError (-32602) for any tracer; seen from hardhat 2.29.1 here
            // (EDR adds " at line 1 column N").
            (
                "hardhat",
                -32602,
                "Hardhat currently only supports the default tracer, so no tracer parameter should be passed. at line 1 \
                 column 133",
                Absence::RefusedParams,
            ),
        ];
        for (node, code, message, want) in vectors {
            assert_eq!(classify_answer(*code, message), *want, "{node}: {code} {message}");
        }
        // The same words under a code of no standard (a proxy in front of a node): the
        // words decide. A -32000 "not available" is the third node.
        assert_eq!(classify_answer(-32000, "method eth_getBlockReceipts not available"), Absence::Other);
        assert_eq!(classify_answer(-32000, "the method does not exist"), Absence::Missing);
        let http = RpcError::Http { url: "u".into(), status: 405, body: "Method Not Allowed".into() };
        assert_eq!(classify(&http), Absence::HttpStatus);
        let closed =
            RpcError::Transport { url: "u".into(), message: "connection closed".into(), maybe_delivered: true };
        assert_eq!(classify(&closed), Absence::NoAnswer);
        let shown = Support::no(&RpcError::Node {
            method: "eth_getBlockReceipts".into(),
            code: -32004,
            message: "Method eth_getBlockReceipts is not supported".into(),
        })
        .to_string();
        assert_eq!(
            shown,
            "no (not supported: eth_getBlockReceipts: the node answered error -32004: Method eth_getBlockReceipts is \
             not supported)"
        );
    }
}
