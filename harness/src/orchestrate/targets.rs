//! `targets:`: the same scenario (same seed, so the same keys and signed transactions)
//! against each target in turn, into one comparison with a verdict line per target and
//! ratios against the first.

use tokio_util::sync::CancellationToken;

use super::error_kind;
use crate::{
    report::compare::{Comparison, ComparisonKind, Entry},
    runner::{self, RunOptions},
    scenario::{ExecutorKind, Scenario, TargetSpec},
    targets,
};

/// How a target is named in a comparison: `embedded sequential`, `embedded parallel x4`,
/// `rpc http://127.0.0.1:8545`.
pub fn label(t: &TargetSpec) -> String {
    match t {
        TargetSpec::Embedded(e) => match (e.executor, e.threads) {
            (ExecutorKind::Sequential, _) => "embedded sequential".into(),
            (ExecutorKind::Parallel, Some(n)) => format!("embedded parallel x{n}"),
            (ExecutorKind::Parallel, None) => "embedded parallel".into(),
        },
        TargetSpec::Rpc(r) => format!("rpc {}", r.http),
        TargetSpec::Rollup(r) => match (r.l2.executor, r.l2.threads) {
            (ExecutorKind::Sequential, _) => "rollup sequential".into(),
            (ExecutorKind::Parallel, Some(n)) => format!("rollup parallel x{n}"),
            (ExecutorKind::Parallel, None) => "rollup parallel".into(),
        },
        TargetSpec::Container(c) => format!("container {}", c.image),
    }
}

/// Labels for `targets`, made unique (`#2`, `#3` after a repeated one).
pub fn labels(targets: &[TargetSpec]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in targets {
        let base = label(t);
        let seen = out.iter().filter(|l| **l == base || l.starts_with(&format!("{base} #"))).count();
        out.push(if seen == 0 { base } else { format!("{base} #{}", seen + 1) });
    }
    out
}

/// `scenario` with `target` as its only target.
pub fn on(scenario: &Scenario, target: &TargetSpec) -> Scenario {
    Scenario { target: target.clone(), targets: Vec::new(), ..scenario.clone() }
}

/// Runs `scenario` against each of its `targets:` in turn. A target that cannot be built
/// or whose run fails is an entry with its error; after a cancellation the targets not
/// yet run are entries marked interrupted.
pub async fn run(scenario: &Scenario, opts: &RunOptions, cancel: CancellationToken) -> Comparison {
    let mut entries = Vec::new();
    for (spec, label) in scenario.targets.iter().zip(labels(&scenario.targets)) {
        if cancel.is_cancelled() {
            entries.push(Entry::failed(label, "interrupted", "not run: the comparison was stopped".into()));
            continue;
        }
        tracing::info!("target {label}");
        let one = on(scenario, spec);
        let result = match targets::build(spec) {
            Ok(target) => runner::run_on(&one, target, opts, cancel.clone()).await,
            Err(e) => Err(e.into()),
        };
        entries.push(match result {
            Ok(report) => Entry::ran(label, report),
            Err(e) => Entry::failed(label, error_kind(&e), e.to_string()),
        });
    }
    Comparison::new(ComparisonKind::Targets, scenario.name.clone(), scenario.seed, entries)
}
