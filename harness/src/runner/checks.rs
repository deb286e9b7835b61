//! Workload checks: read each check's state through the target before and after the
//! load, and ask the check for its verdict.

use std::collections::BTreeMap;

use alloy::primitives::{Address, Bytes};
use workloads::{Check, CheckCtx, OpDone};

use crate::{
    metrics::{Outcome, Resolved},
    report::{CheckResult, Verdict},
    targets::Target,
};

/// Each workload's successful operations by kind (for every workload), and the
/// operations themselves in the order the recorder saw them included, kept only for the
/// workloads that have checks (they replay them): a transfer-only soak keeps none.
#[derive(Debug)]
pub struct OpsLog {
    keep: Vec<bool>,
    ops: Vec<Vec<OwnedOp>>,
    succeeded: Vec<BTreeMap<&'static str, u64>>,
}

#[derive(Debug)]
struct OwnedOp {
    kind: &'static str,
    sender: Address,
    to: Address,
    input: Bytes,
}

impl OpsLog {
    pub fn new(workloads: usize, checks: &[(usize, Check)]) -> Self {
        let mut keep = vec![false; workloads];
        checks.iter().for_each(|(w, _)| keep[*w] = true);
        Self { keep, ops: (0..workloads).map(|_| Vec::new()).collect(), succeeded: vec![BTreeMap::new(); workloads] }
    }

    /// A resolved transaction (inclusions arrive in inclusion order).
    pub fn on_resolved(&mut self, r: &Resolved) {
        let Outcome::Included(inc) = &r.outcome else { return };
        let (t, w) = (&r.tx, r.tx.workload as usize);
        if !inc.success || w >= self.keep.len() {
            return;
        }
        *self.succeeded[w].entry(t.op).or_default() += 1;
        if self.keep[w]
            && let Some(to) = t.tx.to.to().copied()
        {
            self.ops[w].push(OwnedOp { kind: t.op, sender: t.from, to, input: t.tx.input.clone() });
        }
    }

    /// Successful operations per workload, by kind.
    pub fn succeeded(&self) -> &[BTreeMap<&'static str, u64>] {
        &self.succeeded
    }

    /// What the checks replay, per workload.
    pub fn ops(&self) -> Vec<Vec<OpDone<'_>>> {
        self.ops
            .iter()
            .map(|ops| {
                ops.iter().map(|o| OpDone { kind: o.kind, sender: o.sender, to: o.to, input: &o.input }).collect()
            })
            .collect()
    }
}

/// The reads of every check, in order (all in one `call_many`); a check whose read
/// failed keeps the error.
pub async fn read_all(target: &dyn Target, checks: &[(usize, Check)]) -> Vec<Result<Vec<Bytes>, String>> {
    let calls: Vec<(Address, Bytes)> =
        checks.iter().flat_map(|(_, c)| c.reads.iter().map(|r| (r.to, r.input.clone()))).collect();
    let mut results = target.call_many(&calls).await.into_iter().zip(calls);
    checks
        .iter()
        .map(|(_, check)| {
            let mut values = Vec::with_capacity(check.reads.len());
            let mut failed = None;
            for (result, (to, _)) in results.by_ref().take(check.reads.len()) {
                match result {
                    Ok(v) => values.push(v),
                    Err(e) => failed = failed.or_else(|| Some(format!("cannot read {to}: {e}"))),
                }
            }
            failed.map_or(Ok(values), Err)
        })
        .collect()
}

/// Every check's verdict, given its reads and the successful operations by workload
/// and kind.
pub fn verdicts(
    checks: &[(usize, Check)],
    before: &[Result<Vec<Bytes>, String>],
    after: &[Result<Vec<Bytes>, String>],
    names: &[&'static str],
    succeeded: &[BTreeMap<&'static str, u64>],
    ops: &[Vec<OpDone<'_>>],
) -> Vec<CheckResult> {
    checks
        .iter()
        .zip(before.iter().zip(after))
        .map(|((w, check), (b, a))| {
            let (verdict, detail) = match (b, a) {
                (Ok(b), Ok(a)) => {
                    match (check.verify)(&CheckCtx { before: b, after: a, succeeded: &succeeded[*w], ops: &ops[*w] }) {
                        Ok(d) => (Verdict::Pass, d),
                        Err(d) => (Verdict::Fail, d),
                    }
                }
                (Err(e), _) | (_, Err(e)) => (Verdict::Fail, e.clone()),
            };
            CheckResult { workload: names[*w].to_string(), name: check.name.clone(), verdict, detail }
        })
        .collect()
}
