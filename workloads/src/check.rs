//! Checks of effects on chain: each reads contract state before and after the load (with
//! read-only calls any target answers) and says whether an invariant held.

use std::collections::BTreeMap;

use alloy::{
    primitives::{Address, Bytes, U256},
    sol_types::SolCall,
};

/// A read-only call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    pub to: Address,
    pub input: Bytes,
}

impl Read {
    pub fn new<C: SolCall>(to: Address, call: &C) -> Self {
        Self { to, input: call.abi_encode().into() }
    }
}

/// A successful operation of the workload, as planned (its calldata), in the order the
/// chain included it: what a check replays to derive the expected effects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpDone<'a> {
    pub kind: &'static str,
    pub sender: Address,
    pub to: Address,
    pub input: &'a [u8],
}

/// What a check sees: its reads' results before and after the load (in the order of
/// `Check::reads`), and the workload's successful operations by kind and in order.
#[derive(Debug, Clone, Copy)]
pub struct CheckCtx<'a> {
    pub before: &'a [Bytes],
    pub after: &'a [Bytes],
    pub succeeded: &'a BTreeMap<&'static str, u64>,
    pub ops: &'a [OpDone<'a>],
}

impl CheckCtx<'_> {
    /// The `i`th read after the load, as one 256-bit word.
    pub fn after_word(&self, i: usize) -> U256 {
        word(&self.after[i], 0)
    }

    /// The `i`th read before the load, as one 256-bit word.
    pub fn before_word(&self, i: usize) -> U256 {
        word(&self.before[i], 0)
    }

    /// Successful calls to `to` decoded as `C` (operations of other shapes are skipped).
    pub fn calls_to<C: SolCall>(&self, to: Address) -> impl Iterator<Item = (Address, C)> + '_ {
        self.ops.iter().filter(move |o| o.to == to).filter_map(|o| C::abi_decode(o.input).ok().map(|c| (o.sender, c)))
    }

    /// Successful operations of `kind`.
    pub fn ok(&self, kind: &str) -> u64 {
        self.succeeded.get(kind).copied().unwrap_or(0)
    }
}

/// Word `n` of ABI-encoded return data (0 when it is too short).
pub fn word(data: &[u8], n: usize) -> U256 {
    data.get(n * 32..n * 32 + 32).map_or(U256::ZERO, U256::from_be_slice)
}

/// The verdict function: `Ok(what held)` or `Err(what did not)`.
pub type Verify = Box<dyn Fn(&CheckCtx<'_>) -> Result<String, String> + Send + Sync>;

/// One invariant of a workload.
pub struct Check {
    pub name: String,
    pub reads: Vec<Read>,
    pub verify: Verify,
}

impl core::fmt::Debug for Check {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Check").field("name", &self.name).field("reads", &self.reads.len()).finish_non_exhaustive()
    }
}
