//! Workload checks: read each check's state through the target before and after the
//! load, and ask the check for its verdict.

use std::{collections::BTreeMap, sync::Arc};

use alloy::primitives::{Address, Bytes};
use workloads::{Check, CheckCtx, OpDone};

use crate::{
    metrics::Recorder,
    plan::PlannedTx,
    report::{CheckResult, Verdict},
    targets::Target,
};

/// Each workload's successful operations (by mix index), in the order the recorder saw
/// them included: what the checks replay.
pub fn ops_done<'a>(txs: &'a [Arc<PlannedTx>], rec: &Recorder, workloads: usize) -> Vec<Vec<OpDone<'a>>> {
    let mut by_order: Vec<Vec<(u64, OpDone<'a>)>> = vec![Vec::new(); workloads];
    for t in txs {
        let Some(inc) = rec.included(t.id).filter(|i| i.success) else { continue };
        let Some(to) = t.tx.to.to().copied() else { continue };
        let op = OpDone { kind: t.op, sender: t.from, to, input: &t.tx.input };
        by_order[t.workload as usize].push((inc.order, op));
    }
    by_order
        .into_iter()
        .map(|mut ops| {
            ops.sort_unstable_by_key(|(order, _)| *order);
            ops.into_iter().map(|(_, op)| op).collect()
        })
        .collect()
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
