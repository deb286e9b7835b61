//! The executor bench as text: one table per set of blocks, the sweep as hot ratio x
//! threads, and the verdict.

use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_BORDERS_ONLY};

use super::{BenchRun, ExecBenchReport, ExecutorFigures};

fn right(s: String) -> Cell {
    Cell::new(s).set_alignment(CellAlignment::Right)
}

fn with_header(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_BORDERS_ONLY).set_header(header.to_vec());
    t
}

fn run_table(r: &BenchRun) -> Table {
    let mut t = with_header(&[
        "executor",
        "threads",
        "tx/s",
        "Mgas/s",
        "median s",
        "spread %",
        "speedup",
        "95% CI",
        "re-exec/tx",
        "aborts/tx",
        "suspended/tx",
        "hinted/tx",
        "grouped/tx",
        "waits/tx",
        "busy us/tx",
        "blocks ran",
        "identical",
    ]);
    for e in &r.executors {
        t.add_row(vec![
            Cell::new(executor(e)),
            right(e.threads.to_string()),
            right(format!("{:.0}", e.tx_per_s)),
            right(format!("{:.1}", e.mgas_per_s)),
            right(format!("{:.4}", e.median_seconds)),
            right(format!("{:.1}", e.spread_pct)),
            right(format!("{:.2}x", e.speedup)),
            right(format!("{:.2}-{:.2}", e.speedup_ci95[0], e.speedup_ci95[1])),
            right(format!("{:.3}", e.re_executions_per_tx)),
            right(format!("{:.3}", e.aborts_per_tx)),
            right(format!("{:.3}", e.suspended_reads_per_tx)),
            right(format!("{:.3}", e.hint_waits_per_tx)),
            right(format!("{:.3}", e.grouped_per_tx)),
            right(format!("{:.2}", e.read_waits_per_tx)),
            right(format!("{:.2}", e.busy_us_per_tx)),
            Cell::new(modes(e)),
            Cell::new(if e.identical { "yes" } else { "NO" }),
        ]);
    }
    t
}

/// `sequential`, `block-stm` (every block) or `adaptive` (the mode chosen per block).
fn executor(e: &ExecutorFigures) -> &'static str {
    match (e.executor.as_str(), e.adaptive) {
        ("sequential", _) => "sequential",
        (_, false) => "block-stm",
        (_, true) => "adaptive",
    }
}

/// How the timed blocks ran, e.g. `parallel 40, policy 10`.
fn modes(e: &ExecutorFigures) -> String {
    if e.modes.is_empty() {
        return "sequential".into();
    }
    e.modes.iter().map(|(m, n)| format!("{m} {n}")).collect::<Vec<_>>().join(", ")
}

/// Renders the report.
pub fn table(r: &ExecBenchReport) -> String {
    let mut out = format!(
        "exec-bench {} (seed {}): {} blocks, {} txs, {:.1} Mgas{}; block gas {}; state read latency {} us (waited {:.1} us on average); {} repetitions of {} passes (>= {} s of sequential work each), executors in a random order per repetition; allocator {}; parallel {}; other processes kept {} cores busy\n{}\nspeedup: median over repetitions of sequential time / this time, same repetition; 95% CI by bootstrap of that median. busy: thread time on tasks, measured per worker.\n",
        r.scenario,
        r.seed,
        r.run.blocks,
        r.run.txs,
        r.run.gas as f64 / 1e6,
        if r.proposer_payment {
            ", each block ending with the builder paying the proposer from the coinbase"
        } else {
            ""
        },
        r.block_gas,
        r.state_read_latency_us,
        r.run.mean_read_wait_us,
        r.repetitions,
        r.passes_per_repetition,
        r.min_rep_seconds,
        r.allocator,
        if r.adaptive {
            "as block-stm (Block-STM on every block) and adaptive (the cheaper mode per block)"
        } else {
            "as block-stm only (Block-STM on every block)"
        },
        r.run.background_cores.map_or("?".into(), |c| format!("{c:.2}")),
        run_table(&r.run)
    );
    if !r.sweep.is_empty() {
        let mut t = with_header(&[
            "hot ratio",
            "executor",
            "threads",
            "txs",
            "seq tx/s",
            "par tx/s",
            "speedup",
            "re-exec/tx",
            "aborts/tx",
            "identical",
        ]);
        for run in &r.sweep {
            let seq = &run.executors[0];
            for e in &run.executors[1..] {
                t.add_row(vec![
                    right(format!("{:.1}", run.hot_ratio.unwrap_or_default())),
                    Cell::new(executor(e)),
                    right(e.threads.to_string()),
                    right(run.txs.to_string()),
                    right(format!("{:.0}", seq.tx_per_s)),
                    right(format!("{:.0}", e.tx_per_s)),
                    right(format!("{:.2}x ({:.2}-{:.2})", e.speedup, e.speedup_ci95[0], e.speedup_ci95[1])),
                    right(format!("{:.3}", e.re_executions_per_tx)),
                    right(format!("{:.3}", e.aborts_per_tx)),
                    Cell::new(if e.identical { "yes" } else { "NO" }),
                ]);
            }
        }
        out.push_str(&format!("\nsweep: every workload's pick dial set to hot(RATIO)\n{t}\n"));
    }
    let mismatches: Vec<String> = r
        .sweep
        .iter()
        .chain([&r.run])
        .flat_map(|run| run.executors.iter().filter_map(|e| e.mismatch.clone()))
        .collect();
    out.push_str(&if r.identical {
        "\nverdict: IDENTICAL: every run's receipts (status, gas, logs) and final state equal the sequential executor's\n"
            .to_string()
    } else {
        format!("\nverdict: DIFFERENT: {}\n", mismatches.join("; "))
    });
    out
}
