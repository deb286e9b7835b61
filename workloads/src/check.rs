//! Checks of effects on chain: each reads contract state before and after the load (with
//! read-only calls any target answers) and says whether an invariant held.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex, PoisonError},
};

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
/// chain included it: what a check folds in to derive the expected effects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpDone<'a> {
    pub kind: &'static str,
    pub sender: Address,
    pub to: Address,
    pub input: &'a [u8],
}

impl OpDone<'_> {
    /// The call, if it went to `to` and decodes as `C` (operations of other shapes: `None`).
    pub fn call_to<C: SolCall>(&self, to: Address) -> Option<C> {
        (self.to == to).then(|| C::abi_decode(self.input).ok()).flatten()
    }
}

/// What a check sees: its reads' results before and after the load (in the order of
/// `Check::reads`), and the workload's successful operations by kind.
#[derive(Debug, Clone, Copy)]
pub struct CheckCtx<'a> {
    pub before: &'a [Bytes],
    pub after: &'a [Bytes],
    pub succeeded: &'a BTreeMap<&'static str, u64>,
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

/// Folds one successful operation of the workload into the check's own state, given the
/// check's reads before the load: called as the run goes, in inclusion order, so that a
/// check replaying the run keeps what it derives (per account, pool, token), never the
/// operations. The state is shared with `verify` (an `Arc<Mutex<_>>` both capture).
pub type Fold = Box<dyn Fn(&[Bytes], &OpDone<'_>) + Send + Sync>;

/// One invariant of a workload.
pub struct Check {
    pub name: String,
    pub reads: Vec<Read>,
    /// For a check that replays the workload's operations; `None` for the others.
    pub fold: Option<Fold>,
    pub verify: Verify,
}

/// A check that replays the workload's operations as the run goes: its state starts as
/// `init(before)` (at the first operation, or at the verdict if there was none), `step`
/// folds each operation in (the first `Err` is kept and ends the replay), and `verify`
/// reads the state at the end beside the reads after the load.
pub fn replaying<S: Send + 'static>(
    name: String,
    reads: Vec<Read>,
    init: impl Fn(&[Bytes]) -> S + Send + Sync + 'static,
    step: impl Fn(&mut S, &OpDone<'_>) -> Result<(), String> + Send + Sync + 'static,
    verify: impl Fn(&CheckCtx<'_>, &S) -> Result<String, String> + Send + Sync + 'static,
) -> Check {
    let state: Arc<Mutex<Option<Result<S, String>>>> = Arc::default();
    let init = Arc::new(init);
    let (folded, start) = (state.clone(), init.clone());
    let fold: Fold = Box::new(move |before, op| {
        let mut st = folded.lock().unwrap_or_else(PoisonError::into_inner);
        if let Ok(s) = st.get_or_insert_with(|| Ok(start(before)))
            && let Err(e) = step(s, op)
        {
            *st = Some(Err(e));
        }
    });
    Check {
        name,
        reads,
        fold: Some(fold),
        verify: Box::new(move |ctx| {
            let mut st = state.lock().unwrap_or_else(PoisonError::into_inner);
            match st.get_or_insert_with(|| Ok(init(ctx.before))) {
                Ok(s) => verify(ctx, s),
                Err(e) => Err(e.clone()),
            }
        }),
    }
}

impl core::fmt::Debug for Check {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Check")
            .field("name", &self.name)
            .field("reads", &self.reads.len())
            .field("folds", &self.fold.is_some())
            .finish_non_exhaustive()
    }
}
