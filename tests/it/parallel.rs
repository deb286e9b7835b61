//! The parallel executor equals the sequential one on scenario worlds.

use core::time::Duration;

use gasbench::{
    exec::{Executor, Parallel, ParallelConfig, Sequential, outcome_diff, state_diff},
    runner::offline,
    scenario::{Limits, load_file},
};

#[test]
fn scenario_worlds_execute_identically_in_parallel() {
    for name in ["contended", "independent", "mixed"] {
        let s = load_file(&crate::root().join(format!("scenarios/{name}.yaml")), &[], &Limits::default()).unwrap();
        let w = offline::world(&s, 300).unwrap();
        let envs: Vec<_> = w.txs.iter().map(|t| t.tx_env()).collect();
        let mut seq_state = w.state.clone();
        let seq = Sequential::default().execute(&mut seq_state, &w.block, envs.clone());
        for threads in [1, 2, 4] {
            for stress in [false, true] {
                let mut cfg = ParallelConfig::new(threads, Duration::ZERO);
                cfg.min_txs = 1;
                cfg.stress = stress;
                cfg.adaptive = false;
                let mut p = Parallel::new(cfg);
                let mut state = w.state.clone();
                let out = p.execute(&mut state, &w.block, envs.clone());
                assert_eq!(outcome_diff(&seq, &out), None, "{name} threads {threads}");
                assert_eq!(state_diff(&seq_state, &state), None, "{name} threads {threads}");
                eprintln!("{name} t{threads} stress={stress}: {:?}", p.counters());
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_on_the_parallel_executor_reports_its_counters() {
    let target =
        "target: {kind: embedded, block_time: 100ms, executor: parallel, threads: 2, state_read_latency_us: 5}\n";
    let r = gasbench::runner::run(
        &crate::scenario(&crate::small(400, "1s", target)),
        &gasbench::runner::RunOptions::default(),
        tokio_util::sync::CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(r.reconciliation.verdict, gasbench::report::Verdict::Pass, "{:?}", r.reconciliation);
    assert_eq!(r.effects.verdict, "pass", "{:?}", r.effects);
    assert_eq!(r.target.executor.as_deref(), Some("parallel"));
    let e = r.target.exec.expect("the parallel executor counts its work");
    assert!(e.blocks > 0 && e.txs >= r.accounting.included, "{e:?}");
    // Every transaction ran at least once: executions beyond the first are the re-executions.
    assert_eq!(e.executions, e.txs + e.re_executions, "{e:?}");
    assert!(r.target.notes.iter().any(|n| n.contains("Block-STM on 2 threads")), "{:?}", r.target.notes);
    crate::report_schema::assert_valid(&serde_json::to_value(&r).unwrap());
    let table = gasbench::report::summary_table(&r);
    assert!(table.contains("parallel executor") && table.contains("re-executions/tx"), "{table}");
}
