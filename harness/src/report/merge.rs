//! `Report::merge`: the reports of several shards of one scenario (each a share of the
//! load, run at the same time) as one report. Counts add, HDR histograms merge exactly
//! from their bytes (percentiles and means recomputed from the merged histogram), fee
//! means are recomputed from the sums kept beside them, per-second series are aligned on
//! wall-clock seconds, and blocks are identified by (chain id, number, hash) so a block
//! two shards both saw counts once.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::metrics::hist::{self, Hist};

/// Why reports cannot be merged.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MergeError {
    #[error("nothing to merge: no reports given")]
    Empty,
    #[error(
        "report {index} is of scenario {found:?}, the first of {expected:?}\n  hint: merge the shards of one scenario only"
    )]
    OtherScenario { index: usize, expected: String, found: String },
    #[error("{path}: a histogram does not decode ({reason})\n  hint: merge reports as gasbench wrote them")]
    BadHistogram { path: String, reason: String },
}

impl Report {
    /// The shards' reports as one. Provenance, host, scenario and target facts are the
    /// first report's; a rollup's section is the first report's (not merged).
    pub fn merge(reports: &[Report]) -> Result<Report, MergeError> {
        let (first, rest) = reports.split_first().ok_or(MergeError::Empty)?;
        for (i, r) in rest.iter().enumerate() {
            if r.run.scenario_name != first.run.scenario_name {
                return Err(MergeError::OtherScenario {
                    index: i + 1,
                    expected: first.run.scenario_name.clone(),
                    found: r.run.scenario_name.clone(),
                });
            }
        }
        let mut out = first.clone();
        out.repetitions.clear();
        out.run = merge_run(reports);
        out.warnings =
            reports.iter().flat_map(|r| r.warnings.iter().cloned()).collect::<BTreeSet<_>>().into_iter().collect();
        out.signing.txs = reports.iter().map(|r| r.signing.txs).sum();
        out.signing.signed_during_run = reports.iter().map(|r| r.signing.signed_during_run).sum();
        out.signing.wall_seconds = reports.iter().map(|r| r.signing.wall_seconds).fold(0.0, f64::max);
        out.setup = merge_setup(reports);
        for r in rest {
            for (k, v) in &r.target.errors {
                *out.target.errors.entry(k.clone()).or_default() += v;
            }
            for (k, v) in &r.target.requests {
                let e = out.target.requests.entry(k.clone()).or_insert(RequestLoad {
                    calls: 0,
                    http_requests: 0,
                    calls_per_second: 0.0,
                });
                e.calls += v.calls;
                e.http_requests += v.http_requests;
                e.calls_per_second += v.calls_per_second;
            }
        }
        out.accounting = merge_accounting(reports.iter().map(|r| &r.accounting));
        out.failures = merge_failures(reports);
        out.effects = merge_effects(reports);
        out.reconciliation = merge_reconciliation(reports);
        out.latency = merge_latencies(reports.iter().map(|r| &r.latency), "latency")?;
        out.load = merge_load(reports)?;

        let blocks = unique_blocks(reports);
        out.fees = merge_fees(reports.iter().map(|r| &r.fees), &blocks);
        out.throughput = merge_throughput(reports, &blocks);
        out.series = merge_series(reports, &blocks);
        out.blocks = blocks;

        let mut names: BTreeSet<&String> = BTreeSet::new();
        reports.iter().for_each(|r| names.extend(r.workloads.keys()));
        out.workloads = BTreeMap::new();
        for name in names {
            let parts: Vec<&WorkloadFigures> = reports.iter().filter_map(|r| r.workloads.get(name)).collect();
            out.workloads.insert(name.clone(), merge_workload(&parts, &out.blocks, name)?);
        }
        Ok(out)
    }
}

fn merge_run(reports: &[Report]) -> RunInfo {
    let mut run = reports[0].run.clone();
    let earliest = reports.iter().min_by_key(|r| r.run.started_at_unix_ms).expect("not empty");
    run.started_at = earliest.run.started_at.clone();
    run.started_at_unix_ms = earliest.run.started_at_unix_ms;
    if reports.iter().any(|r| r.run.outcome == Outcome::Interrupted) {
        run.outcome = Outcome::Interrupted;
    }
    run.partial = reports.iter().any(|r| r.run.partial);
    run.window_seconds = reports.iter().map(|r| r.run.window_seconds).fold(0.0, f64::max);
    run.elapsed_seconds = reports.iter().map(|r| r.run.elapsed_seconds).fold(0.0, f64::max);
    run.drain_seconds = reports.iter().map(|r| r.run.drain_seconds).fold(0.0, f64::max);
    run.fault = reports.iter().find_map(|r| r.run.fault.clone());
    run
}

fn merge_setup(reports: &[Report]) -> SetupReport {
    let mut s = SetupReport::default();
    for r in reports {
        s.txs += r.setup.txs;
        s.phases = s.phases.max(r.setup.phases);
        s.blocks += r.setup.blocks;
        s.gas_used += r.setup.gas_used;
        s.fee_wei.0 += r.setup.fee_wei.0;
        s.seconds = s.seconds.max(r.setup.seconds);
        s.resent += r.setup.resent;
    }
    s
}

fn merge_accounting<'a>(parts: impl Iterator<Item = &'a Accounting>) -> Accounting {
    let mut a = Accounting::default();
    for p in parts {
        a.planned += p.planned;
        a.sent += p.sent;
        a.not_sent += p.not_sent;
        a.accepted += p.accepted;
        a.rejected += p.rejected;
        a.included += p.included;
        a.succeeded += p.succeeded;
        a.reverted += p.reverted;
        a.dropped += p.dropped;
        a.pending_at_end += p.pending_at_end;
    }
    a.balanced = a.sent == a.included + a.rejected + a.dropped && a.included == a.succeeded + a.reverted;
    a
}

fn add_kinds(into: &mut BTreeMap<String, KindCount>, from: &BTreeMap<String, KindCount>) {
    for (k, v) in from {
        let e = into.entry(k.clone()).or_insert_with(|| KindCount { count: 0, example: v.example.clone() });
        e.count += v.count;
    }
}

fn merge_failures(reports: &[Report]) -> Failures {
    let mut f = Failures::default();
    for r in reports {
        add_kinds(&mut f.rejected, &r.failures.rejected);
        add_kinds(&mut f.dropped, &r.failures.dropped);
        f.reverted += r.failures.reverted;
        f.anomalies += r.failures.anomalies;
    }
    f
}

fn merge_effects(reports: &[Report]) -> Effects {
    Effects {
        verdict: Verdict::all(reports.iter().map(|r| r.effects.verdict)),
        accounts_checked: reports.iter().map(|r| r.effects.accounts_checked).sum(),
        mismatches: reports.iter().map(|r| r.effects.mismatches).sum(),
        details: reports.iter().flat_map(|r| r.effects.details.iter().cloned()).collect(),
        checks: reports.iter().flat_map(|r| r.effects.checks.iter().cloned()).collect(),
    }
}

fn merge_reconciliation(reports: &[Report]) -> Reconciliation {
    let mut c = Reconciliation {
        verdict: Verdict::all(reports.iter().map(|r| r.reconciliation.verdict)),
        first_block: reports.iter().map(|r| r.reconciliation.first_block).min().unwrap_or(0),
        last_block: reports.iter().map(|r| r.reconciliation.last_block).max().unwrap_or(0),
        detail: reports.iter().map(|r| r.reconciliation.detail.as_str()).collect::<Vec<_>>().join("; "),
        ..Default::default()
    };
    for r in reports.iter().map(|r| &r.reconciliation) {
        c.blocks_read += r.blocks_read;
        c.found_on_chain += r.found_on_chain;
        c.counted_included += r.counted_included;
        c.foreign_txs += r.foreign_txs;
        c.senders_checked += r.senders_checked;
        for (k, m) in &r.mismatches {
            let e = c.mismatches.entry(k.clone()).or_default();
            e.count += m.count;
            e.examples.extend(m.examples.iter().cloned());
            e.examples.truncate(10);
        }
    }
    c
}

/// The histograms of `parts`, merged exactly; `path` names them in errors.
fn merge_hists<'a>(parts: impl Iterator<Item = &'a str>, exact: bool, path: &str) -> Result<Hist, MergeError> {
    let mut out = if exact { hist::new_exact_hist() } else { hist::new_hist() };
    for h in parts {
        let bad = |reason: String| MergeError::BadHistogram { path: path.to_string(), reason };
        let h = hist::decode(h).map_err(bad)?;
        out.add(h).map_err(|e| bad(format!("{e:?}")))?;
    }
    Ok(out)
}

fn merge_latencies<'a>(
    parts: impl Iterator<Item = &'a Latencies> + Clone,
    path: &str,
) -> Result<Latencies, MergeError> {
    let mut stages: BTreeSet<&Stage> = BTreeSet::new();
    parts.clone().for_each(|l| stages.extend(l.stages.keys()));
    let mut out = Latencies::default();
    for stage in stages {
        let hdrs = parts.clone().filter_map(|l| l.stages.get(stage)).map(|s| s.hdr.as_str());
        let h = merge_hists(hdrs, false, &format!("{path}.{stage}.hdr"))?;
        out.stages.insert(stage.clone(), hist::latency_summary(&h));
    }
    let mut f = LatencyFailures::default();
    for l in parts {
        f.sent += l.failures.sent;
        f.pending_at_end += l.failures.pending_at_end;
        for (stage, share) in &l.failures.stages {
            f.stages.entry(stage.clone()).or_default().count += share.count;
        }
    }
    for share in f.stages.values_mut() {
        share.share_of_sent = if f.sent == 0 { 0.0 } else { share.count as f64 / f.sent as f64 };
    }
    out.failures = f;
    Ok(out)
}

fn merge_load(reports: &[Report]) -> Result<LoadFigures, MergeError> {
    let mut l = reports[0].load.clone();
    let sum = |f: fn(&LoadFigures) -> f64| reports.iter().map(|r| f(&r.load)).sum::<f64>();
    l.offered_tps = sum(|l| l.offered_tps);
    l.achieved_send_tps = sum(|l| l.achieved_send_tps);
    l.send_ratio = if l.offered_tps > 0.0 { l.achieved_send_tps / l.offered_tps } else { 0.0 };
    l.late_sends = reports.iter().map(|r| r.load.late_sends).sum();
    let lag = merge_hists(reports.iter().map(|r| r.load.send_lag.hdr.as_str()), false, "load.send_lag.hdr")?;
    l.send_lag = hist::latency_summary(&lag);
    l.in_flight = reports.iter().map(|r| r.load.in_flight).sum();
    l.harness_cpu_seconds = reports.iter().map(|r| r.load.harness_cpu_seconds).sum();
    let sent: u64 = reports.iter().map(|r| r.accounting.sent).sum();
    l.harness_cpu_us_per_tx = l.harness_cpu_seconds.filter(|_| sent > 0).map(|s| s * 1e6 / sent as f64);
    Ok(l)
}

/// Every shard's blocks, each (chain id, number, hash) once: the first sighting, by
/// wall clock, on the earliest shard's run clock.
fn unique_blocks(reports: &[Report]) -> Vec<BlockSeen> {
    let origin = reports.iter().map(|r| r.run.started_at_unix_ms).min().unwrap_or(0);
    let mut seen: BTreeMap<(u64, u64, alloy::primitives::B256), BlockSeen> = BTreeMap::new();
    for r in reports {
        let shift = r.run.started_at_unix_ms - origin;
        for b in &r.blocks {
            let b = BlockSeen { seen_ms: b.seen_ms + shift, ..b.clone() };
            let e = seen.entry((r.target.chain_id, b.number, b.hash)).or_insert_with(|| b.clone());
            if b.seen_ms < e.seen_ms {
                e.seen_ms = b.seen_ms;
            }
            e.in_window |= b.in_window;
        }
    }
    let mut out: Vec<BlockSeen> = seen.into_values().collect();
    out.sort_by_key(|b| (b.seen_ms, b.number));
    out
}

/// Fees of the shards' transactions (each paid once: shards send different ones); the
/// base fee range over the window's blocks.
fn merge_fees<'a>(parts: impl Iterator<Item = &'a Fees>, blocks: &[BlockSeen]) -> Fees {
    let mut f = Fees::default();
    for p in parts {
        f.total_wei.0 += p.total_wei.0;
        f.base_fee_wei.0 += p.base_fee_wei.0;
        f.priority_fee_wei.0 += p.priority_fee_wei.0;
        f.l1_fee_wei.0 += p.l1_fee_wei.0;
        f.txs += p.txs;
        f.price_sum_wei.0 += p.price_sum_wei.0;
        f.base_fee_min_wei =
            if f.base_fee_min_wei.0 == 0 { p.base_fee_min_wei } else { f.base_fee_min_wei.min(p.base_fee_min_wei) };
        f.base_fee_max_wei = f.base_fee_max_wei.max(p.base_fee_max_wei);
        f.base_fee_last_wei = p.base_fee_last_wei;
    }
    if f.txs > 0 {
        f.mean_fee_per_tx_wei = Wei(f.total_wei.0 / u128::from(f.txs));
        f.mean_effective_gas_price_wei = Wei(f.price_sum_wei.0 / u128::from(f.txs));
    }
    let window: Vec<&BlockSeen> = blocks.iter().filter(|b| b.in_window).collect();
    if let (Some(min), Some(max)) =
        (window.iter().map(|b| b.base_fee_wei).min(), window.iter().map(|b| b.base_fee_wei).max())
    {
        f.base_fee_min_wei = min;
        f.base_fee_max_wei = max;
    }
    if let Some(last) = blocks.last() {
        f.base_fee_last_wei = last.base_fee_wei;
    }
    f
}

fn merge_throughput(reports: &[Report], blocks: &[BlockSeen]) -> Throughput {
    let window_s = reports.iter().map(|r| r.run.window_seconds).fold(0.0, f64::max);
    let per_s = |v: f64| if window_s > 0.0 { v / window_s } else { 0.0 };
    let window: Vec<&BlockSeen> = blocks.iter().filter(|b| b.in_window).collect();
    let n = window.len() as f64;
    let mean =
        |f: &dyn Fn(&BlockSeen) -> f64| if n == 0.0 { 0.0 } else { window.iter().map(|b| f(b)).sum::<f64>() / n };
    let gas_per_second = per_s(window.iter().map(|b| b.gas_used as f64).sum());
    let intervals: Vec<f64> = window.windows(2).map(|w| (w[1].seen_ms - w[0].seen_ms) as f64).collect();
    Throughput {
        // Each shard counts its own transactions: they add.
        included_tps: reports.iter().map(|r| r.throughput.included_tps).sum(),
        gas_per_second,
        mgas_per_second: gas_per_second / 1e6,
        blocks: window.len() as u64,
        mean_block_fill: mean(&|b| if b.gas_limit == 0 { 0.0 } else { b.gas_used as f64 / b.gas_limit as f64 }),
        mean_block_interval_ms: if intervals.is_empty() {
            0.0
        } else {
            intervals.iter().sum::<f64>() / intervals.len() as f64
        },
        max_block_interval_ms: reports.iter().map(|r| r.throughput.max_block_interval_ms).fold(0.0, f64::max),
        mean_txs_per_block: mean(&|b| b.txs as f64),
    }
}

/// The series on wall-clock seconds from the earliest shard's start: sends, inclusions
/// and failures add; gas and blocks come from the blocks counted once; a second's
/// inclusion p99 is the highest shard's (an upper bound: a second's histogram is not kept).
fn merge_series(reports: &[Report], blocks: &[BlockSeen]) -> Vec<SecondSample> {
    let origin = reports.iter().map(|r| r.run.started_at_unix_ms).min().unwrap_or(0);
    let mut by_t: BTreeMap<u64, SecondSample> = BTreeMap::new();
    for r in reports {
        let shift_s = (r.run.started_at_unix_ms - origin) / 1000;
        for s in &r.series {
            let t = s.t + shift_s;
            let e = by_t.entry(t).or_insert_with(|| SecondSample { t, span_s: s.span_s, ..Default::default() });
            e.span_s = e.span_s.max(s.span_s);
            e.sent += s.sent;
            e.included += s.included;
            e.failed += s.failed;
            e.inclusion_p99_us = e.inclusion_p99_us.max(s.inclusion_p99_us);
        }
    }
    let has_blocks = reports.iter().any(|r| !r.blocks.is_empty());
    if has_blocks {
        for e in by_t.values_mut() {
            e.gas_used = 0;
            e.blocks = 0;
        }
    } else {
        // Reports written before blocks were kept: their per-second figures as they are.
        for r in reports {
            let shift_s = (r.run.started_at_unix_ms - origin) / 1000;
            for s in &r.series {
                let e = by_t.get_mut(&(s.t + shift_s)).expect("inserted above");
                e.gas_used += s.gas_used;
                e.blocks += s.blocks;
                e.base_fee_wei = e.base_fee_wei.max(s.base_fee_wei);
            }
        }
    }
    for b in blocks {
        let t = b.seen_ms / 1000;
        // The sample covering second t (a long run's samples span several seconds).
        let key = by_t.range(..=t).next_back().map(|(k, _)| *k);
        let e = match key {
            Some(k) if t < k + by_t[&k].span_s => by_t.get_mut(&k).expect("found"),
            _ => by_t.entry(t).or_insert_with(|| SecondSample { t, span_s: 1, ..Default::default() }),
        };
        e.gas_used += b.gas_used;
        e.blocks += 1;
        e.base_fee_wei = b.base_fee_wei;
    }
    by_t.into_values().collect()
}

fn merge_workload(parts: &[&WorkloadFigures], blocks: &[BlockSeen], name: &str) -> Result<WorkloadFigures, MergeError> {
    let accounting = merge_accounting(parts.iter().map(|w| &w.accounting));
    let gas = merge_hists(
        parts.iter().map(|w| w.gas_per_op.hdr.as_str()),
        true,
        &format!("workloads.{name}.gas_per_op.hdr"),
    )?;
    let mut revert_reasons = BTreeMap::new();
    let mut ops = BTreeMap::new();
    for w in parts {
        add_kinds(&mut revert_reasons, &w.revert_reasons);
        for (k, v) in &w.ops {
            *ops.entry(k.clone()).or_default() += v;
        }
    }
    Ok(WorkloadFigures {
        revert_rate: if accounting.included == 0 {
            0.0
        } else {
            accounting.reverted as f64 / accounting.included as f64
        },
        latency: merge_latencies(parts.iter().map(|w| &w.latency), &format!("workloads.{name}.latency"))?,
        gas_per_op: hist::gas_summary(&gas),
        fees: merge_fees(parts.iter().map(|w| &w.fees), blocks),
        accounting,
        revert_reasons,
        ops,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::hist::{new_exact_hist, new_hist, record};

    fn hdr(values: impl IntoIterator<Item = u64>, exact: bool) -> String {
        let mut h = if exact { new_exact_hist() } else { new_hist() };
        values.into_iter().for_each(|v| record(&mut h, v));
        hist::encode(&h)
    }

    fn block(number: u64, hash: u8, seen_ms: u64, gas_used: u64, txs: u64) -> BlockSeen {
        BlockSeen {
            number,
            hash: alloy::primitives::B256::with_last_byte(hash),
            seen_ms,
            in_window: true,
            gas_used,
            gas_limit: 100,
            txs,
            base_fee_wei: Wei(7 + number as u128),
        }
    }

    /// A shard's report from a real (short) run's shape: the JSON schema's fields, the
    /// figures set here.
    fn shard(start_ms: u64, latencies: std::ops::Range<u64>, gas: &[u64], blocks: Vec<BlockSeen>) -> Report {
        let mut r: Report = serde_json::from_value(base_report()).unwrap();
        r.run.started_at_unix_ms = start_ms;
        r.run.window_seconds = 2.0;
        let n = latencies.end - latencies.start;
        let mut lat = Latencies::default();
        let h = hdr(latencies.clone(), false);
        let mut h2 = new_hist();
        latencies.for_each(|v| record(&mut h2, v));
        lat.stages.insert(Stage::INCLUSION, LatencySummary { hdr: h, ..hist::latency_summary(&h2) });
        let acc = Accounting {
            planned: n,
            sent: n,
            accepted: n,
            included: n,
            succeeded: n,
            balanced: true,
            ..Default::default()
        };
        let mut g = new_exact_hist();
        gas.iter().for_each(|&v| record(&mut g, v));
        // As the recorder writes them: means from the sums, the base fee range from the blocks.
        let base_fees = blocks.iter().map(|b| b.base_fee_wei);
        let fees = Fees {
            total_wei: Wei(1000 * u128::from(n)),
            txs: n,
            price_sum_wei: Wei(10 * u128::from(n)),
            mean_fee_per_tx_wei: Wei(1000),
            mean_effective_gas_price_wei: Wei(10),
            base_fee_min_wei: base_fees.clone().min().unwrap_or_default(),
            base_fee_max_wei: base_fees.max().unwrap_or_default(),
            base_fee_last_wei: blocks.last().map(|b| b.base_fee_wei).unwrap_or_default(),
            ..Default::default()
        };
        r.workloads.insert(
            "transfer".into(),
            WorkloadFigures {
                accounting: acc.clone(),
                latency: lat.clone(),
                gas_per_op: hist::gas_summary(&g),
                fees: fees.clone(),
                ops: [("transfer".to_string(), n)].into(),
                ..Default::default()
            },
        );
        r.accounting = acc;
        r.latency = lat;
        r.fees = fees;
        r.throughput.included_tps = n as f64 / 2.0;
        r.series =
            (0..3).map(|t| SecondSample { t, span_s: 1, sent: 10, included: 10, ..Default::default() }).collect();
        for b in &blocks {
            let s = &mut r.series[(b.seen_ms / 1000) as usize];
            s.gas_used += b.gas_used;
            s.blocks += 1;
            s.base_fee_wei = b.base_fee_wei;
        }
        r.blocks = blocks;
        r
    }

    fn base_report() -> serde_json::Value {
        serde_json::json!({
            "report_version": REPORT_VERSION,
            "tool": {"name": "gasbench", "version": "0", "git_sha": null},
            "host": {"cpu_model": "x", "cores": 2, "memory_gib": 1.0, "os": "linux", "kernel": "6"},
            "run": {"scenario_name": "s", "seed": 1, "started_at": "", "outcome": "completed", "partial": false,
                    "warmup_seconds": 0.0, "window_seconds": 2.0, "elapsed_seconds": 2.0, "drain_seconds": 0.0},
            "scenario": {},
            "target": {"kind": "embedded", "chain_id": 1337, "block_gas_limit": 100, "executor": null, "notes": []},
            "signing": {"txs": 0, "wall_seconds": 0.0, "threads": 1, "per_tx_us": 0.0, "signed_during_run": 0},
            "setup": {"txs": 0, "phases": 0, "blocks": 0, "gas_used": 0, "fee_wei": "0", "seconds": 0.0},
            "warnings": [],
            "load": {"model": "open", "offered_tps": 100.0, "achieved_send_tps": 100.0, "send_ratio": 1.0,
                     "late_sends": 0, "late_threshold_ms": 10.0, "send_lag": {"count": 0, "min_us": 0, "mean_us": 0.0,
                     "p50_us": 0, "p90_us": 0, "p99_us": 0, "p999_us": 0, "max_us": 0, "hdr": ""}, "in_flight": null},
            "throughput": {"included_tps": 0.0, "gas_per_second": 0.0, "mgas_per_second": 0.0, "blocks": 0,
                           "mean_block_fill": 0.0, "mean_block_interval_ms": 0.0, "max_block_interval_ms": 0.0,
                           "mean_txs_per_block": 0.0},
            "latency": {},
            "fees": {"total_wei": "0", "base_fee_wei": "0", "priority_fee_wei": "0", "l1_fee_wei": "0",
                     "mean_fee_per_tx_wei": "0", "mean_effective_gas_price_wei": "0", "base_fee_min_wei": "0",
                     "base_fee_max_wei": "0", "base_fee_last_wei": "0"},
            "workloads": {},
            "accounting": {"planned": 0, "sent": 0, "not_sent": 0, "accepted": 0, "rejected": 0, "included": 0,
                           "succeeded": 0, "reverted": 0, "dropped": 0, "pending_at_end": 0, "balanced": true},
            "failures": {"rejected": {}, "dropped": {}, "reverted": 0, "anomalies": 0},
            "effects": {"verdict": "pass", "accounts_checked": 0, "mismatches": 0, "details": [], "checks": []},
            "series": []
        })
    }

    #[test]
    fn counts_add_and_histograms_merge_exactly() {
        let a = shard(1_000_000, 1..1001, &[21_000, 21_000], vec![]);
        let b = shard(1_000_000, 1001..2001, &[50_000], vec![]);
        let m = Report::merge(&[a, b]).unwrap();
        assert_eq!(m.accounting.sent, 2000);
        assert!(m.accounting.balanced);
        let inc = &m.latency[Stage::INCLUSION];
        assert_eq!(inc.count, 2000);
        // One histogram of 1..=2000 gives these exactly; so does the merge.
        let mut whole = new_hist();
        (1..2001).for_each(|v| record(&mut whole, v));
        assert_eq!(inc.p50_us, whole.value_at_quantile(0.5));
        assert_eq!(inc.p99_us, whole.value_at_quantile(0.99));
        assert_eq!(inc.mean_us, whole.mean(), "the mean comes from the merged histogram's sum");
        let w = &m.workloads["transfer"];
        assert_eq!(w.ops["transfer"], 2000);
        assert_eq!((w.gas_per_op.count, w.gas_per_op.min, w.gas_per_op.max), (3, 21_000, 50_000));
        assert_eq!(w.gas_per_op.mean, (21_000.0 * 2.0 + 50_000.0) / 3.0);
        assert_eq!(m.fees.mean_fee_per_tx_wei, Wei(1000));
        assert_eq!(m.fees.mean_effective_gas_price_wei, Wei(10));
        assert_eq!(m.throughput.included_tps, 1000.0);
        assert_eq!(m.load.offered_tps, 200.0);
    }

    #[test]
    fn a_block_both_shards_saw_counts_once() {
        // Shard b started 1 s later on the wall clock and saw block 2 (the same hash)
        // 500 ms into its run: 1.5 s on a's clock. Block 3 is another chain's (a fork):
        // same number, other hash.
        let a = shard(1_000_000, 1..11, &[21_000], vec![block(1, 1, 200, 60, 3), block(2, 2, 1_400, 80, 4)]);
        let b = shard(1_001_000, 11..21, &[21_000], vec![block(2, 2, 500, 80, 4), block(3, 9, 900, 40, 2)]);
        let m = Report::merge(&[a.clone(), b.clone()]).unwrap();
        assert_eq!(m.blocks.len(), 3, "{:?}", m.blocks);
        assert_eq!(m.throughput.blocks, 3);
        assert_eq!(m.throughput.gas_per_second, (60 + 80 + 40) as f64 / 2.0);
        assert_eq!(m.throughput.mean_txs_per_block, 3.0);
        assert_eq!(m.blocks[1].seen_ms, 1_400, "the first sighting, on the earliest run clock");
        // Series on wall-clock seconds: b's second 0 is a's second 1.
        let by_t: BTreeMap<u64, &SecondSample> = m.series.iter().map(|s| (s.t, s)).collect();
        assert_eq!(by_t[&0].sent, 10);
        assert_eq!(by_t[&1].sent, 20);
        assert_eq!(by_t[&3].sent, 10);
        assert_eq!((by_t[&1].blocks, by_t[&1].gas_used), (2, 80 + 40));
        // Without identities the same block would be counted by each shard.
        let mut c = b;
        c.blocks[0].hash = alloy::primitives::B256::with_last_byte(77);
        assert_eq!(Report::merge(&[a, c]).unwrap().throughput.blocks, 4);
    }

    #[test]
    fn merging_one_report_gives_it_back_and_bad_input_is_named() {
        let a = shard(5, 1..101, &[21_000], vec![block(1, 1, 10, 60, 3)]);
        let m = Report::merge(std::slice::from_ref(&a)).unwrap();
        assert_eq!(m.latency, a.latency);
        assert_eq!(m.workloads, a.workloads);
        assert_eq!(m.accounting, a.accounting);
        assert_eq!(m.fees, a.fees);
        assert_eq!(m.series, a.series);
        assert_eq!(Report::merge(&[]), Err(MergeError::Empty));
        let mut other = a.clone();
        other.run.scenario_name = "t".into();
        assert!(matches!(Report::merge(&[a.clone(), other]), Err(MergeError::OtherScenario { index: 1, .. })));
        let mut bad = a.clone();
        bad.workloads.get_mut("transfer").unwrap().gas_per_op.hdr = "not base64!".into();
        let e = Report::merge(&[a, bad]).unwrap_err().to_string();
        assert!(e.contains("workloads.transfer.gas_per_op.hdr"), "{e}");
    }
}
