//! How talking to the node goes during a run: errors by kind, the first fault (the node
//! out of reach, or hung: a request timed out and nothing was answered since it was
//! sent), and the backoff that keeps a dead node from being hammered while the run goes
//! on to its planned end.

use std::{collections::BTreeMap, sync::Mutex, time::Duration};

use super::client::RpcError;
use crate::{lock, targets::TargetHealth};

const BACKOFF_MIN_NS: u64 = 50_000_000;
const BACKOFF_MAX_NS: u64 = 2_000_000_000;

#[derive(Debug, Default)]
struct Inner {
    errors: BTreeMap<String, u64>,
    fault: Option<String>,
    down_until_ns: u64,
    backoff_ns: u64,
    last_unreachable_ns: Option<u64>,
    /// When the node last answered anything.
    last_answer_ns: u64,
    /// Hung: nothing answered since a request that timed out was sent.
    hung: bool,
}

impl Inner {
    /// Starts (or doubles) the backoff.
    fn back_off(&mut self, now_ns: u64) {
        self.backoff_ns = (self.backoff_ns * 2).clamp(BACKOFF_MIN_NS, BACKOFF_MAX_NS);
        self.down_until_ns = now_ns + self.backoff_ns;
    }
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
            h.back_off(now_ns);
        }
    }

    /// A request sent at `sent_ns` timed out at `now_ns`. An overloaded node still answers
    /// other requests meanwhile; one that answered nothing since is hung: a fault, and
    /// the same backoff as an unreachable node (sends are refused at once, not queued
    /// behind requests that cannot return).
    pub fn timed_out(&self, sent_ns: u64, now_ns: u64) {
        let mut h = lock(&self.inner);
        if h.last_answer_ns >= sent_ns {
            return;
        }
        h.hung = true;
        if h.fault.is_none() {
            h.fault = Some(format!(
                "node unresponsive from {:.1}s into the run: nothing answered for {:.1}s (a request timed out)",
                h.last_answer_ns as f64 / 1e9,
                (now_ns - h.last_answer_ns) as f64 / 1e9
            ));
        }
        h.back_off(now_ns);
    }

    /// The node answered at `now_ns`: the backoff starts over.
    pub fn ok(&self, now_ns: u64) {
        let mut h = lock(&self.inner);
        h.last_answer_ns = h.last_answer_ns.max(now_ns);
        h.hung = false;
        if h.backoff_ns != 0 {
            h.backoff_ns = 0;
            h.down_until_ns = 0;
        }
    }

    /// Why asking the node now is pointless (it is hung), if it is.
    pub fn hung(&self) -> Option<String> {
        let h = lock(&self.inner);
        h.hung
            .then(|| format!("the node has answered nothing since {:.1}s into the run", h.last_answer_ns as f64 / 1e9))
    }

    /// Until when nothing should be sent (0: go ahead).
    pub fn down_until_ns(&self) -> u64 {
        lock(&self.inner).down_until_ns
    }

    /// Whether the node left a request unanswered at some point since `since_ns`.
    pub fn unreachable_since(&self, since_ns: u64) -> bool {
        lock(&self.inner).last_unreachable_ns.is_some_and(|t| t >= since_ns)
    }

    /// Records a fault (the first one stays).
    pub fn fault(&self, why: String) {
        let mut h = lock(&self.inner);
        if h.fault.is_none() {
            h.fault = Some(why);
        }
    }

    /// Counts an event that is not an error of the node (e.g. a drop).
    pub fn count(&self, key: &str, n: u64) {
        *lock(&self.inner).errors.entry(key.to_string()).or_default() += n;
    }

    pub fn snapshot(&self) -> TargetHealth {
        let h = lock(&self.inner);
        TargetHealth { errors: h.errors.clone(), fault: h.fault.clone(), ..TargetHealth::default() }
    }
}

/// Failures of the same request in a row before gasbench gives up on it.
pub const RETRY_LIMIT: u32 = 8;
const RETRY_BACKOFF_MAX: Duration = Duration::from_secs(2);

/// A retry loop's bound: the wait before the next attempt doubles from `base` up to a
/// cap, and the [`RETRY_LIMIT`]th failure of the same request in a row is a named fault
/// carrying the node's last answer.
#[derive(Debug, Default)]
pub struct Retries {
    what: String,
    failures: u32,
    first_ns: u64,
}

impl Retries {
    /// The request succeeded: the count starts over.
    pub fn ok(&mut self) {
        self.failures = 0;
    }

    /// `what` (the request, e.g. its method) failed at `now_ns` with `err`: the wait
    /// before trying again, or the fault when it failed [`RETRY_LIMIT`] times in a row.
    pub fn failed(&mut self, what: &str, err: &RpcError, now_ns: u64, base: Duration) -> Result<Duration, String> {
        if self.what != what || self.failures == 0 {
            self.what = what.to_string();
            self.failures = 0;
            self.first_ns = now_ns;
        }
        self.failures += 1;
        if self.failures >= RETRY_LIMIT {
            return Err(format!(
                "the node failed `{what}` {} times in a row over {:.1}s, so gasbench gave up on it; its last answer: {err}",
                self.failures,
                (now_ns - self.first_ns) as f64 / 1e9
            ));
        }
        Ok((base.max(Duration::from_millis(50)) * (1 << self.failures.min(16))).min(RETRY_BACKOFF_MAX))
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
        h.ok(1_200_000_000);
        assert_eq!(h.down_until_ns(), 0);
        assert!(h.unreachable_since(1_000_000_000) && !h.unreachable_since(1_000_000_001));
        let s = h.snapshot();
        assert_eq!(s.errors["send_unreachable"], 2);
        assert!(s.fault.unwrap().contains("1.0s into the run"));
    }

    #[test]
    fn the_same_request_failing_again_and_again_backs_off_then_is_a_named_fault() {
        let mut r = Retries::default();
        let e = RpcError::Node { method: "eth_getBlockReceipts".into(), code: -32004, message: "nope".into() };
        let base = Duration::from_millis(100);
        let waits: Vec<Duration> = (1..RETRY_LIMIT)
            .map(|i| r.failed("eth_getBlockReceipts", &e, u64::from(i) * 1_000_000_000, base).unwrap())
            .collect();
        assert_eq!(waits[..3], [Duration::from_millis(200), Duration::from_millis(400), Duration::from_millis(800)]);
        assert_eq!(*waits.last().unwrap(), RETRY_BACKOFF_MAX, "capped");
        let fault = r.failed("eth_getBlockReceipts", &e, 9_000_000_000, base).unwrap_err();
        assert!(fault.starts_with("the node failed `eth_getBlockReceipts` 8 times in a row over 8.0s"), "{fault}");
        assert!(fault.ends_with("error -32004: nope"), "{fault}");
        // A success in between, or another request failing, starts the count over.
        let mut r = Retries::default();
        for _ in 1..RETRY_LIMIT {
            r.failed("a", &e, 0, base).unwrap();
        }
        r.ok();
        assert!(r.failed("a", &e, 0, base).is_ok());
        for _ in 1..RETRY_LIMIT {
            r.failed("b", &e, 0, base).unwrap();
        }
        assert!(r.failed("a", &e, 0, base).is_ok());
    }

    #[test]
    fn a_timeout_with_no_answer_since_its_request_is_a_hung_node() {
        let h = Health::default();
        h.ok(2_000_000_000);
        // Overloaded: another request was answered after this one was sent.
        h.timed_out(1_500_000_000, 6_500_000_000);
        assert!(h.hung().is_none() && h.snapshot().fault.is_none() && h.down_until_ns() == 0);
        // Hung: nothing answered since it was sent.
        h.timed_out(2_100_000_000, 7_100_000_000);
        assert_eq!(h.hung().unwrap(), "the node has answered nothing since 2.0s into the run");
        assert!(h.snapshot().fault.unwrap().starts_with("node unresponsive from 2.0s into the run"));
        assert_eq!(h.down_until_ns(), 7_150_000_000);
        h.ok(8_000_000_000);
        assert!(h.hung().is_none() && h.down_until_ns() == 0);
    }
}
