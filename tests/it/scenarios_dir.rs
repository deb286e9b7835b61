//! Every file in scenarios/ validates, and runs (shortened) on the embedded chain; those
//! that start their nodes in Docker run in tests/it/containers.rs instead.

use gasbench::{
    runner::{RunOptions, run},
    scenario::{Limits, Override, TargetSpec, load_file},
};
use tokio_util::sync::CancellationToken;

fn all_scenarios() -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![crate::root().join("scenarios")];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                out.push(p);
            }
        }
    }
    out.sort();
    assert!(!out.is_empty());
    out
}

#[test]
fn every_scenario_validates() {
    for path in all_scenarios() {
        load_file(&path, &[], &Limits::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_runs_shortened() {
    for path in all_scenarios() {
        let mut s = load_file(&path, &[], &Limits::default()).unwrap();
        if std::iter::once(&s.target).chain(&s.targets).any(|t| matches!(t, TargetSpec::Container(_))) {
            continue; // containers::the_two_version_comparison_... runs it, on a free port
        }
        // Short and slow enough for a debug build: the point is that it runs as written.
        let ov = |p: &str, v: &str| Override { path: p.into(), value: v.into() };
        let mut overrides = vec![ov("measure.warmup", "200ms"), ov("measure.duration", "1s")];
        if s.load.open.as_ref().is_some_and(|o| o.rate.is_some()) {
            overrides.push(ov("load.open.rate", "300"));
        }
        if s.load.open.as_ref().is_some_and(|o| o.stages.is_some()) {
            overrides.retain(|o| o.path != "measure.duration");
        }
        s = load_file(&path, &overrides, &Limits::default()).unwrap();
        let r = run(&s, &RunOptions::default(), CancellationToken::new()).await.unwrap();
        assert_eq!(
            r.reconciliation.verdict,
            gasbench::report::Verdict::Pass,
            "{}: {:?}",
            path.display(),
            r.reconciliation
        );
        assert_eq!(r.effects.verdict, "pass", "{}: {:?}", path.display(), r.effects);
        assert!(r.accounting.included > 0, "{}", path.display());
    }
}
