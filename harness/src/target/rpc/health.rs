//! How talking to the node goes during a run: errors by kind, the first fault (the node
//! out of reach), and the backoff that keeps a dead node from being hammered while the
//! run goes on to its planned end.

use std::{collections::BTreeMap, sync::Mutex};

use super::client::RpcError;
use crate::{lock, target::TargetHealth};

const BACKOFF_MIN_NS: u64 = 50_000_000;
const BACKOFF_MAX_NS: u64 = 2_000_000_000;

#[derive(Debug, Default)]
struct Inner {
    errors: BTreeMap<String, u64>,
    fault: Option<String>,
    down_until_ns: u64,
    backoff_ns: u64,
    last_unreachable_ns: Option<u64>,
}

/// Shared by the send path and the tracker.
#[derive(Debug, Default)]
pub struct Health {
    inner: Mutex<Inner>,
}

impl Health {
    /// Counts `err` under `{place}_{kind}`; a transport error (no connection, or one cut)
    /// is a fault and starts (or doubles) the backoff; a timeout (an overloaded node) is
    /// neither.
    pub fn error(&self, place: &str, err: &RpcError, now_ns: u64) {
        let kind = match err {
            RpcError::Transport { .. } => "unreachable",
            RpcError::Timeout { .. } => "timeout",
            RpcError::Http { .. } => "http_status",
            RpcError::Node { .. } => "node_error",
            RpcError::Decode { .. } => "bad_answer",
        };
        let mut h = lock(&self.inner);
        *h.errors.entry(format!("{place}_{kind}")).or_default() += 1;
        if err.maybe_delivered() || err.is_transport() {
            // No answer: what the node holds may still be mined (see `unreachable_since`).
            h.last_unreachable_ns = Some(now_ns);
        }
        if err.is_transport() {
            if h.fault.is_none() {
                h.fault = Some(format!("node unreachable from {:.1}s into the run: {err}", now_ns as f64 / 1e9));
            }
            h.backoff_ns = (h.backoff_ns * 2).clamp(BACKOFF_MIN_NS, BACKOFF_MAX_NS);
            h.down_until_ns = now_ns + h.backoff_ns;
        }
    }

    /// The node answered: the backoff starts over.
    pub fn ok(&self) {
        let mut h = lock(&self.inner);
        if h.backoff_ns != 0 {
            h.backoff_ns = 0;
            h.down_until_ns = 0;
        }
    }

    /// Until when nothing should be sent (0: go ahead).
    pub fn down_until_ns(&self) -> u64 {
        lock(&self.inner).down_until_ns
    }

    /// Whether the node left a request unanswered at some point since `since_ns`.
    pub fn unreachable_since(&self, since_ns: u64) -> bool {
        lock(&self.inner).last_unreachable_ns.is_some_and(|t| t >= since_ns)
    }

    /// Counts an event that is not an error of the node (e.g. a drop).
    pub fn count(&self, key: &str, n: u64) {
        *lock(&self.inner).errors.entry(key.to_string()).or_default() += n;
    }

    pub fn snapshot(&self) -> TargetHealth {
        let h = lock(&self.inner);
        TargetHealth { errors: h.errors.clone(), fault: h.fault.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_errors_are_a_fault_with_doubling_backoff() {
        let h = Health::default();
        let down = RpcError::Transport { url: "http://n".into(), message: "refused".into(), maybe_delivered: false };
        h.error("send", &down, 1_000_000_000);
        assert_eq!(h.down_until_ns(), 1_050_000_000);
        h.error("send", &down, 1_000_000_000);
        assert_eq!(h.down_until_ns(), 1_100_000_000);
        h.ok();
        assert_eq!(h.down_until_ns(), 0);
        assert!(h.unreachable_since(1_000_000_000) && !h.unreachable_since(1_000_000_001));
        let s = h.snapshot();
        assert_eq!(s.errors["send_unreachable"], 2);
        assert!(s.fault.unwrap().contains("1.0s into the run"));
    }
}
