//! The executor bench as text: one table per set of blocks, the sweep as hot ratio x
//! threads, and the verdict.

use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_BORDERS_ONLY};

use super::{BenchRun, ExecBenchReport};

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
        "re-exec/tx",
        "aborts/tx",
        "suspended/tx",
        "waits/tx",
        "busy us/tx",
        "fallbacks",
        "identical",
    ]);
    for e in &r.executors {
        t.add_row(vec![
            Cell::new(&e.executor),
            right(e.threads.to_string()),
            right(format!("{:.0}", e.tx_per_s)),
            right(format!("{:.1}", e.mgas_per_s)),
            right(format!("{:.4}", e.median_seconds)),
            right(format!("{:.1}", e.spread_pct)),
            right(format!("{:.2}x", e.speedup)),
            right(format!("{:.3}", e.re_executions_per_tx)),
            right(format!("{:.3}", e.aborts_per_tx)),
            right(format!("{:.3}", e.suspended_reads_per_tx)),
            right(format!("{:.2}", e.read_waits_per_tx)),
            right(format!("{:.2}", e.busy_us_per_tx)),
            right(e.fallbacks.to_string()),
            Cell::new(if e.identical { "yes" } else { "NO" }),
        ]);
    }
    t
}

/// Renders the report.
pub fn table(r: &ExecBenchReport) -> String {
    let mut out = format!(
        "exec-bench {} (seed {}): {} blocks, {} txs, {:.1} Mgas; block gas {}; state read latency {} us (waited {:.1} us on average); {} repetitions, interleaved; parallel {}; other processes kept {} cores busy\n{}\n",
        r.scenario,
        r.seed,
        r.run.blocks,
        r.run.txs,
        r.run.gas as f64 / 1e6,
        r.block_gas,
        r.state_read_latency_us,
        r.run.mean_read_wait_us,
        r.repetitions,
        if r.adaptive { "adaptive (per block, the cheaper mode)" } else { "on every block" },
        r.run.background_cores.map_or("?".into(), |c| format!("{c:.2}")),
        run_table(&r.run)
    );
    if !r.sweep.is_empty() {
        let mut t = with_header(&[
            "hot ratio",
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
                    right(e.threads.to_string()),
                    right(run.txs.to_string()),
                    right(format!("{:.0}", seq.tx_per_s)),
                    right(format!("{:.0}", e.tx_per_s)),
                    right(format!("{:.2}x", e.speedup)),
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
