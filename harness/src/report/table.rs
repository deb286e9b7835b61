//! The summary printed at the end of a run: headline figures, latency percentiles per
//! workload, accounting and checks.

use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_BORDERS_ONLY};

use super::{FailureShare, Latencies, LatencySummary, Report, Stage, Wei};
use crate::scenario::SigningMode;

fn ms(us: u64) -> String {
    format!("{:.2}", us as f64 / 1e3)
}

fn gwei(w: Wei) -> String {
    format!("{:.4}", w.0 as f64 / 1e9)
}

fn eth(w: Wei) -> String {
    format!("{:.6}", w.0 as f64 / 1e18)
}

fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_BORDERS_ONLY).set_header(header.to_vec());
    t
}

fn latency_row(name: &str, what: &str, l: &LatencySummary, failures: String) -> Vec<Cell> {
    let mut row = vec![Cell::new(name), Cell::new(what), Cell::new(l.count).set_alignment(CellAlignment::Right)];
    for v in [l.p50_us, l.p90_us, l.p99_us, l.p999_us, l.max_us] {
        row.push(Cell::new(ms(v)).set_alignment(CellAlignment::Right));
    }
    row.push(Cell::new(failures));
    row
}

/// The latency rows of one workload (or all), stage by stage in a transaction's order:
/// submit, inclusion over included transactions, inclusion over all sent, then any later
/// stage the target reported, each saying what it does with failures.
fn latency_rows(t: &mut Table, name: &str, l: &Latencies, with_submit: bool) {
    let f = &l.failures;
    let share = |s: &FailureShare, how: &str| match s.count {
        0 => "none".to_string(),
        n => format!("{n} ({:.2}% of sent) {how}", s.share_of_sent * 100.0),
    };
    let mut stages: Vec<_> = l.stages.iter().collect();
    stages.sort_by_key(|(s, _)| (s.rank(), s.as_str().to_string()));
    for (stage, summary) in stages {
        let (what, failures) = match stage.rank() {
            0 if !with_submit => continue,
            0 => ("submit".to_string(), share(&f[Stage::SUBMIT], "EXCLUDED")),
            1 => ("inclusion (included only)".to_string(), share(&f[Stage::INCLUSION], "EXCLUDED")),
            2 => (stage.to_string(), share(&f[Stage::INCLUSION], "counted at timeout (run end)")),
            _ => (stage.to_string(), f.stages.get(stage).map_or_else(String::new, |s| share(s, "EXCLUDED"))),
        };
        t.add_row(latency_row(name, &what, summary, failures));
    }
}

/// Renders the report's headline figures as text tables.
pub fn summary_table(r: &Report) -> String {
    let mut out = String::new();
    let outcome = match r.run.outcome {
        super::Outcome::Completed => "completed",
        super::Outcome::Interrupted => "INTERRUPTED (figures cover what was measured)",
    };
    out.push_str(&format!(
        "\n{} on {} ({}{}), seed {}: {outcome}\nwindow {:.1}s after {:.1}s warmup; drain {:.1}s\n",
        r.run.scenario_name,
        r.target.kind,
        // The executor for the embedded chain; the node's client and address for a node.
        r.target
            .executor
            .as_deref()
            .or_else(|| r.target.notes.iter().find_map(|n| n.strip_prefix("node: ")))
            .unwrap_or("-"),
        format_args!(", chain id {}", r.target.chain_id),
        r.run.seed,
        r.run.window_seconds,
        r.run.warmup_seconds,
        r.run.drain_seconds,
    ));
    if let Some(fault) = &r.run.fault {
        out.push_str(&format!("TARGET FAULT (figures are partial): {fault}\n"));
    }
    if !r.target.errors.is_empty() {
        let errors: Vec<String> = r.target.errors.iter().map(|(k, n)| format!("{k} {n}")).collect();
        out.push_str(&format!("target errors: {}\n", errors.join(", ")));
    }
    out.push('\n');

    let mut t = table(&["throughput", "value"]);
    let l = &r.load;
    let tp = &r.throughput;
    for (k, v) in [
        ("offered (tx/s)", format!("{:.1}", l.offered_tps)),
        ("sent (tx/s)", format!("{:.1}  ({:.3} of offered)", l.achieved_send_tps, l.send_ratio)),
        (
            "late sends",
            format!("{} (> {} ms), send lag p99 {} ms", l.late_sends, l.late_threshold_ms, ms(l.send_lag.p99_us)),
        ),
        (
            "harness CPU",
            match (l.harness_cpu_seconds, l.harness_cpu_us_per_tx) {
                (Some(s), Some(us)) => format!("{s:.2} s during load and drain, {us:.1} us per tx sent"),
                (Some(s), None) => format!("{s:.2} s during load and drain"),
                _ => "unknown".into(),
            } + &node_usage(r),
        ),
        ("included (tx/s)", format!("{:.1}", tp.included_tps)),
        ("gas (Mgas/s)", format!("{:.2}", tp.mgas_per_second)),
        (
            "blocks",
            format!(
                "{}, {:.1} tx each, {:.1}% full, interval mean {:.0} ms / max {:.0} ms",
                tp.blocks,
                tp.mean_txs_per_block,
                tp.mean_block_fill * 100.0,
                tp.mean_block_interval_ms,
                tp.max_block_interval_ms
            ),
        ),
        (
            "fees (ETH)",
            format!(
                "{} total = {} base (burned) + {} priority",
                eth(r.fees.total_wei),
                eth(r.fees.base_fee_wei),
                eth(r.fees.priority_fee_wei)
            ),
        ),
        (
            "fee per tx (gwei)",
            format!(
                "{} at {} gwei/gas; base fee {}..{} gwei",
                gwei(r.fees.mean_fee_per_tx_wei),
                gwei(r.fees.mean_effective_gas_price_wei),
                gwei(r.fees.base_fee_min_wei),
                gwei(r.fees.base_fee_max_wei)
            ),
        ),
    ] {
        t.add_row(vec![Cell::new(k), Cell::new(v)]);
    }
    if let Some(e) = &r.target.exec {
        let per_tx = |n: u64| if e.txs == 0 { 0.0 } else { n as f64 / e.txs as f64 };
        t.add_row(vec![
            Cell::new("parallel executor"),
            Cell::new(format!(
                "{} blocks, {} tx: {} executions ({:.3} re-executions/tx), {} validation aborts, {} suspended reads, {} sequential fallbacks",
                e.blocks,
                e.txs,
                e.executions,
                per_tx(e.re_executions),
                e.validation_aborts,
                e.suspended_reads,
                e.fallbacks
            )),
        ]);
    }
    out.push_str(&format!("{t}\n\n"));

    let mut t = table(&[
        "workload",
        "latency (ms, from intended send)",
        "count",
        "p50",
        "p90",
        "p99",
        "p99.9",
        "max",
        "failures",
    ]);
    latency_rows(&mut t, "all", &r.latency, true);
    if r.workloads.len() > 1 {
        for (name, w) in &r.workloads {
            latency_rows(&mut t, name, &w.latency, false);
        }
    }
    out.push_str(&format!("{t}\n\n"));

    let mut t =
        table(&["workload", "included", "reverted", "gas/op p50", "gas/op p99", "fee/op (gwei)", "operations ok"]);
    for (name, w) in &r.workloads {
        let ops: Vec<String> = w.ops.iter().map(|(k, v)| format!("{k} {v}")).collect();
        t.add_row(vec![
            Cell::new(name),
            Cell::new(w.accounting.included),
            Cell::new(format!("{} ({:.2}%)", w.accounting.reverted, w.revert_rate * 100.0)),
            Cell::new(w.gas_per_op.p50),
            Cell::new(w.gas_per_op.p99),
            Cell::new(gwei(w.fees.mean_fee_per_tx_wei)),
            Cell::new(ops.join(", ")),
        ]);
    }
    out.push_str(&format!("{t}\n\n"));

    let a = &r.accounting;
    out.push_str(&format!(
        "accounting: planned {} | sent {} = included {} ({} ok, {} reverted) + rejected {} + dropped {} ({} pending at end) | not sent {} => {}\n",
        a.planned,
        a.sent,
        a.included,
        a.succeeded,
        a.reverted,
        a.rejected,
        a.dropped,
        a.pending_at_end,
        a.not_sent,
        if a.balanced { "balanced" } else { "UNBALANCED" },
    ));
    for (kind, k) in &r.failures.rejected {
        out.push_str(&format!("  rejected {kind}: {} (e.g. \"{}\")\n", k.count, k.example));
    }
    for (kind, k) in &r.failures.dropped {
        out.push_str(&format!("  dropped {kind}: {} (e.g. \"{}\")\n", k.count, k.example));
    }
    if r.failures.anomalies > 0 {
        out.push_str(&format!("  ANOMALIES: {} events did not match the plan\n", r.failures.anomalies));
    }
    out.push_str(&format!(
        "effects check: {} ({} accounts, {} mismatches)\n",
        r.effects.verdict, r.effects.accounts_checked, r.effects.mismatches
    ));
    for d in &r.effects.details {
        out.push_str(&format!("  {d}\n"));
    }
    // The chain's own checks (fees, burn, coinbase), one line each.
    let (chain, workload): (Vec<_>, Vec<_>) = r.effects.checks.iter().partition(|c| c.workload == "chain");
    for c in chain {
        out.push_str(&format!("  {} {}: {}\n", c.verdict.as_str().to_uppercase(), c.name, c.detail));
    }
    let failed: Vec<_> = workload.iter().filter(|c| c.verdict != "pass").collect();
    if !workload.is_empty() {
        out.push_str(&format!("workload checks: {} of {} pass\n", workload.len() - failed.len(), workload.len()));
    }
    for c in failed {
        out.push_str(&format!("  {} {}: {}\n", c.verdict.as_str().to_uppercase(), c.name, c.detail));
    }
    let rc = &r.reconciliation;
    out.push_str(&format!("reconciliation with the chain: {} ({})\n", rc.verdict.as_str(), rc.detail));
    for (kind, m) in &rc.mismatches {
        out.push_str(&format!("  MISMATCH {kind}: {} (e.g. {})\n", m.count, m.examples.join(", ")));
    }
    if let Some(rollup) = &r.rollup {
        out.push_str(&rollup.summary_lines());
    }
    for (name, w) in &r.workloads {
        let mut reasons: Vec<_> = w.revert_reasons.iter().collect();
        reasons.sort_by_key(|(_, k)| core::cmp::Reverse(k.count));
        for (_, k) in reasons.iter().take(5) {
            out.push_str(&format!("  {name} reverted {}x: {}\n", k.count, k.example));
        }
    }
    for w in &r.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    if r.setup.txs > 0 {
        out.push_str(&format!(
            "set-up: {} txs in {} blocks, {:.2} Mgas, {} ETH in fees, {:.2}s, before the load{}\n",
            r.setup.txs,
            r.setup.blocks,
            r.setup.gas_used as f64 / 1e6,
            eth(r.setup.fee_wei),
            r.setup.seconds,
            if r.setup.resent > 0 {
                format!("; {} dropped by the node and sent again", r.setup.resent)
            } else {
                String::new()
            }
        ));
    }
    out.push_str(&format!(
        "signing: {} txs in {:.2}s on {} threads ({:.1} us/tx), {}\n",
        r.signing.txs,
        r.signing.wall_seconds,
        r.signing.threads,
        r.signing.per_tx_us,
        signing_when(&r.signing)
    ));
    out
}

/// Where the load's signing happened, for the summary's signing line.
fn signing_when(s: &crate::plan::SigningStats) -> String {
    match (s.mode, &s.streamed) {
        (SigningMode::Presigned, _) => "all before the load".into(),
        (SigningMode::Streamed, Some(st)) => format!(
            "streamed during the load (at least {:.0} ms ahead, {} sends late for the signer)",
            st.min_lead_ms, st.late_for_signer
        ),
        (SigningMode::Streamed, None) => "streamed during the load".into(),
        (SigningMode::Lazy, _) => "as slots freed up during the load".into(),
    }
}

/// The containerized node's CPU and memory over the same interval, on a line of its own
/// below the harness's CPU (nothing for other targets).
fn node_usage(r: &Report) -> String {
    match r.target.container.as_ref().map(|c| c.usage) {
        Some(Some(u)) => format!(
            "\nnode (container): {:.2} s CPU ({:.2} cores), memory max {:.1} MiB, at the end {:.1} MiB",
            u.cpu_seconds,
            u.cpu_cores,
            u.memory_max_bytes as f64 / (1u64 << 20) as f64,
            u.memory_end_bytes as f64 / (1u64 << 20) as f64
        ),
        Some(None) => "\nnode (container): no stats from Docker".into(),
        None => String::new(),
    }
}
