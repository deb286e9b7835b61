//! Workload checks: read each check's state through the target before and after the
//! load, and ask the check for its verdict.

use std::collections::BTreeMap;

use alloy::primitives::{Address, Bytes};
use workloads::{Check, CheckCtx, Fold, OpDone};

use crate::{
    metrics::{Outcome, Resolved},
    report::{CheckResult, Verdict},
    targets::Target,
};

/// Each workload's successful operations by kind (for every workload), each one folded
/// into the checks that replay them as it is resolved, in the order the recorder saw
/// them included ([`workloads::Fold`]): nothing is kept per operation.
pub struct OpsLog<'a> {
    workloads: usize,
    /// The checks that fold, with their reads before the load (the ones whose reads
    /// failed fold nothing: their verdict fails on the read).
    folds: Vec<(usize, &'a Fold, &'a [Bytes])>,
    succeeded: Vec<BTreeMap<&'static str, u64>>,
}

impl core::fmt::Debug for OpsLog<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OpsLog").field("folds", &self.folds.len()).field("succeeded", &self.succeeded).finish()
    }
}

impl<'a> OpsLog<'a> {
    pub fn new(workloads: usize, checks: &'a [(usize, Check)], before: &'a [Result<Vec<Bytes>, String>]) -> Self {
        let folds = checks
            .iter()
            .zip(before)
            .filter_map(|((w, c), b)| Some((*w, c.fold.as_ref()?, b.as_deref().ok()?)))
            .collect();
        Self { workloads, folds, succeeded: vec![BTreeMap::new(); workloads] }
    }

    /// A resolved transaction (inclusions arrive in inclusion order).
    pub fn on_resolved(&mut self, r: &Resolved) {
        let Outcome::Included(inc) = &r.outcome else { return };
        let (t, w) = (&r.tx, r.tx.workload as usize);
        if !inc.success || w >= self.workloads {
            return;
        }
        *self.succeeded[w].entry(t.op).or_default() += 1;
        let Some(to) = t.tx.to.to().copied() else { return };
        let op = OpDone { kind: t.op, sender: t.from, to, input: &t.tx.input };
        for &(_, fold, before) in self.folds.iter().filter(|(cw, ..)| *cw == w) {
            fold(before, &op);
        }
    }

    /// Successful operations per workload, by kind.
    pub fn succeeded(&self) -> &[BTreeMap<&'static str, u64>] {
        &self.succeeded
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
/// and kind (the replaying checks folded theirs in as the run went).
pub fn verdicts(
    checks: &[(usize, Check)],
    before: &[Result<Vec<Bytes>, String>],
    after: &[Result<Vec<Bytes>, String>],
    names: &[&'static str],
    succeeded: &[BTreeMap<&'static str, u64>],
) -> Vec<CheckResult> {
    checks
        .iter()
        .zip(before.iter().zip(after))
        .map(|((w, check), (b, a))| {
            let (verdict, detail) = match (b, a) {
                (Ok(b), Ok(a)) => match (check.verify)(&CheckCtx { before: b, after: a, succeeded: &succeeded[*w] }) {
                    Ok(d) => (Verdict::Pass, d),
                    Err(d) => (Verdict::Fail, d),
                },
                (Err(e), _) | (_, Err(e)) => (Verdict::Fail, e.clone()),
            };
            CheckResult { workload: names[*w].to_string(), name: check.name.clone(), verdict, detail }
        })
        .collect()
}
