//! What a run will hold in memory, estimated from its scenario before anything is
//! signed, so that a run the machine cannot hold is refused with the figure rather than
//! killed hours in. The per-transaction figures were measured (docs/performance.md).

use core::fmt;

use super::{Scenario, SigningMode, TargetSpec};

/// The process without any load: runtime, EVM, buffers.
const BASE_BYTES: u64 = 96 << 20;
/// One generated account (keys, balances, nonces, the target's state).
const PER_ACCOUNT_BYTES: u64 = 2 << 10;
/// One pre-signed load transaction, held from the start of the load until it is
/// resolved (encoded and decoded). Streamed runs hold a transaction only while it is
/// buffered or in flight, which the buffer figure covers.
const PER_TX_KEPT_BYTES: u64 = 700;
/// What the embedded chain keeps of each transaction in its block history (its hash),
/// for the transactions of its history window only (`targets::embedded::HISTORY_WINDOW`).
const PER_TX_EMBEDDED_BYTES: u64 = 40;
/// The embedded chain's history window.
const EMBEDDED_WINDOW: core::time::Duration = core::time::Duration::from_secs(60);
/// The streamed signer's buffer at most: twice 65,536 signed transactions.
const STREAM_BUFFER_BYTES: u64 = 2 * 65_536 * 600;

/// The estimate, by part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryEstimate {
    pub txs: u64,
    pub base_bytes: u64,
    pub accounts_bytes: u64,
    pub per_tx_bytes: u64,
    pub buffer_bytes: u64,
}

impl MemoryEstimate {
    pub fn total_bytes(&self) -> u64 {
        self.base_bytes + self.accounts_bytes + self.txs.saturating_mul(self.per_tx_bytes) + self.buffer_bytes
    }
}

impl fmt::Display for MemoryEstimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "this run needs an estimated {} of memory: {} transactions x {} bytes (pre-signed transactions, the \
             embedded chain's block history), plus {} for the process, its accounts and the signer's buffer",
            gib(self.total_bytes()),
            self.txs,
            self.per_tx_bytes,
            gib(self.base_bytes + self.accounts_bytes + self.buffer_bytes)
        )
    }
}

/// The estimate for `s` (a closed load without a count counts its in-flight slots only).
pub fn estimate(s: &Scenario) -> MemoryEstimate {
    let txs = s.load.planned_count(s.run_length()).unwrap_or(0.0).max(0.0) as u64;
    let embedded = matches!(s.target, TargetSpec::Embedded(_));
    let window_txs = s.load.planned_count(s.run_length().min(EMBEDDED_WINDOW)).unwrap_or(0.0).max(0.0) as u64;
    let history_bytes = if embedded { window_txs * PER_TX_EMBEDDED_BYTES } else { 0 };
    MemoryEstimate {
        txs,
        base_bytes: BASE_BYTES,
        accounts_bytes: u64::from(s.accounts.count) * PER_ACCOUNT_BYTES,
        per_tx_bytes: if s.load.signing == SigningMode::Presigned { PER_TX_KEPT_BYTES } else { 0 },
        buffer_bytes: if s.load.signing == SigningMode::Streamed { STREAM_BUFFER_BYTES } else { 0 } + history_bytes,
    }
}

/// Memory available on this machine now (`MemAvailable`), when it can be read.
pub fn available_bytes() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Bytes in GiB, for messages.
pub fn gib(bytes: u64) -> String {
    format!("{:.2} GiB", bytes as f64 / (1u64 << 30) as f64)
}
