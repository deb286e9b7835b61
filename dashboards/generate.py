#!/usr/bin/env python3
"""Generates the Grafana dashboards in this folder (gasbench-overview.json,
gasbench-compare.json, gasbench-rollup.json). Edit this file, not the JSON, then run it:

    python3 dashboards/generate.py          # rewrite the dashboards
    python3 dashboards/generate.py --check  # exit 1 if the committed JSON differs (a test runs this)
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = {}
SEL = 'scenario=~"$scenario",target=~"$target",run_id=~"$run_id"'
RI = '$__rate_interval'
def var_query(name, label, metric, multi=True, include_all=True):
    return {"name": name, "label": name, "type": "query",
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "query": {"query": f"label_values({metric}, {label})", "refId": f"var-{name}"},
            "definition": f"label_values({metric}, {label})",
            "refresh": 2, "multi": multi, "includeAll": include_all, "allValue": ".*",
            "current": {"selected": True, "text": ["All"], "value": ["$__all"]}, "sort": 1}
def ds_var():
    return {"name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus",
            "current": {}, "hide": 0, "refresh": 1}
def target(expr, legend, ref):
    return {"datasource": {"type": "prometheus", "uid": "${datasource}"}, "expr": expr,
            "legendFormat": legend, "refId": ref, "range": True}
class Board:
    def __init__(s): s.panels=[]; s.y=0; s.x=0; s.id=1
    def panel(s, title, desc, unit, targets, kind="timeseries", w=12, h=8, extra=None):
        if s.x + w > 24: s.x=0; s.y+=h
        p = {"id": s.id, "type": kind, "title": title, "description": desc,
             "datasource": {"type": "prometheus", "uid": "${datasource}"},
             "gridPos": {"x": s.x, "y": s.y, "w": w, "h": h},
             "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
             "options": {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "max"]}} if kind=="timeseries" else {"reduceOptions": {"calcs": ["lastNotNull"]}},
             "targets": [target(e, l, chr(65+i)) for i,(e,l) in enumerate(targets)]}
        if extra: p.update(extra)
        s.panels.append(p); s.id+=1; s.x+=w
        if s.x>=24: s.x=0; s.y+=h
def doc(uid, title, desc, panels, variables):
    return {"__inputs": [{"name": "DS_PROMETHEUS", "label": "Prometheus", "description": "The Prometheus that scrapes gasbench", "type": "datasource", "pluginId": "prometheus", "pluginName": "Prometheus"}],
            "__requires": [{"type": "grafana", "id": "grafana", "name": "Grafana", "version": "10.0.0"},
                           {"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"},
                           {"type": "panel", "id": "timeseries", "name": "Time series", "version": ""},
                           {"type": "panel", "id": "stat", "name": "Stat", "version": ""}],
            "uid": uid, "title": title, "description": desc, "tags": ["gasbench"], "editable": True,
            "schemaVersion": 39, "version": 1, "refresh": "5s", "time": {"from": "now-15m", "to": "now"},
            "graphTooltip": 1, "timezone": "browser",
            "templating": {"list": variables}, "annotations": {"list": []}, "links": [], "panels": panels}
def q(p, stage, by="", sel=SEL, extra=""):
    b = f"le{',' + by if by else ''}"
    return f'histogram_quantile({p}, sum by ({b}) (rate(gasbench_latency_seconds_bucket{{{sel},stage="{stage}"{extra}}}[{RI}])))'

# Overview
b = Board()
W = 'workload=~"$workload"'
b.panel("Run phase", "Which phase each selected run is in now (preparing, setting_up, load, draining, assessing) or how it ended (passed, failed, interrupted, error).", "none",
        [(f'gasbench_run_phase{{{SEL}}} == 1', "{{run_id}}: {{phase}}")], kind="stat", w=8, h=4,
        extra={"options": {"reduceOptions": {"calcs": ["lastNotNull"]}, "textMode": "name", "colorMode": "background"}})
b.panel("Pending transactions", "How many transactions are sent and not yet resolved: a rising line means the target falls behind.", "short",
        [(f'sum by (run_id) (gasbench_transactions_pending{{{SEL}}})', "{{run_id}}")], kind="stat", w=8, h=4)
b.panel("Late sends", "Sends that left more than the late threshold after their intended time: above zero, the load generator itself could not keep the schedule.", "short",
        [(f'sum by (run_id) (gasbench_late_sends_total{{{SEL}}})', "{{run_id}}")], kind="stat", w=8, h=4)
b.panel("Offered vs sent vs included (tx/s)", "Does the target keep up with the offered load? Offered is the schedule, sent what gasbench sent, included what reached blocks.", "reqps",
        [(f'sum by (run_id) (rate(gasbench_transactions_offered_total{{{SEL}}}[{RI}]))', "offered {{run_id}}"),
         (f'sum by (run_id) (rate(gasbench_transactions_sent_total{{{SEL},{W}}}[{RI}]))', "sent {{run_id}}"),
         (f'sum by (run_id) (rate(gasbench_transactions_included_total{{{SEL},{W}}}[{RI}]))', "included {{run_id}}")])
b.panel("Gas per second", "How much gas the chain executes: all blocks, and the selected workloads' transactions in the measured window.", "none",
        [(f'sum by (run_id) (rate(gasbench_block_gas_used_total{{{SEL}}}[{RI}]))', "blocks {{run_id}}"),
         (f'sum by (run_id, workload) (rate(gasbench_gas_used_total{{{SEL},{W}}}[{RI}]))', "{{workload}} {{run_id}}")])
b.panel("Submit latency p50 / p90 / p99", "How long the target takes to answer a send, from the intended send time (the schedule, not the actual send: coordinated omission is counted).", "s",
        [(q(0.5, "submit", "run_id", extra=","+W), "p50 {{run_id}}"), (q(0.9, "submit", "run_id", extra=","+W), "p90 {{run_id}}"), (q(0.99, "submit", "run_id", extra=","+W), "p99 {{run_id}}")])
b.panel("Inclusion latency p50 / p90 / p99", "How long until a transaction is in a block seen by gasbench, from its intended send time.", "s",
        [(q(0.5, "inclusion", "run_id", extra=","+W), "p50 {{run_id}}"), (q(0.9, "inclusion", "run_id", extra=","+W), "p90 {{run_id}}"), (q(0.99, "inclusion", "run_id", extra=","+W), "p99 {{run_id}}")])
b.panel("Inclusion latency p99 by workload", "Which workload waits longest for inclusion.", "s",
        [(q(0.99, "inclusion", "workload", extra=","+W), "{{workload}}")])
b.panel("Base fee", "The EIP-1559 base fee of the last block seen: it climbs while blocks are more than half full.", "none",
        [(f'max by (run_id) (gasbench_base_fee_wei{{{SEL}}}) / 1e9', "{{run_id}} (gwei)")])
b.panel("Fee per transaction by workload (gwei)", "What an included transaction paid on average, split into base fee (burned), priority fee and L1 data fee (rollups).", "none",
        [(f'sum by (workload, part) (rate(gasbench_fees_paid_wei_total{{{SEL},{W}}}[{RI}])) / ignoring (part) group_left sum by (workload) (rate(gasbench_latency_seconds_count{{{SEL},{W},stage="inclusion"}}[{RI}])) / 1e9', "{{workload}} {{part}}")])
b.panel("Block fill", "Gas used over the gas limit of the last block seen: near 1 the chain is at capacity.", "percentunit",
        [(f'max by (run_id) (gasbench_block_fill_ratio{{{SEL}}})', "{{run_id}}")])
b.panel("Failures by reason (per second)", "Transactions refused when sent, dropped after acceptance, and reverted in blocks, by reason.", "reqps",
        [(f'sum by (reason) (rate(gasbench_transactions_rejected_total{{{SEL}}}[{RI}]))', "rejected {{reason}}"),
         (f'sum by (reason) (rate(gasbench_transactions_dropped_total{{{SEL}}}[{RI}]))', "dropped {{reason}}"),
         (f'sum by (workload) (rate(gasbench_transactions_reverted_total{{{SEL},{W}}}[{RI}]))', "reverted {{workload}}")])
b.panel("Parallel executor: re-executions and fallbacks", "How much work Block-STM speculation wastes (re-executions and aborts per second) and how many blocks it ran sequentially; parallel executor only.", "short",
        [(f'sum by (run_id) (rate(gasbench_exec_re_executions_total{{{SEL}}}[{RI}]))', "re-executions/s {{run_id}}"),
         (f'sum by (run_id) (rate(gasbench_exec_validation_aborts_total{{{SEL}}}[{RI}]))', "aborts/s {{run_id}}"),
         (f'sum by (run_id) (rate(gasbench_exec_fallback_blocks_total{{{SEL}}}[{RI}]))', "fallback blocks/s {{run_id}}")])
b.panel("Blocks per second and set-up time", "How often blocks come (the block time seen by gasbench), and how long the set-up took before the load.", "none",
        [(f'sum by (run_id) (rate(gasbench_blocks_total{{{SEL}}}[{RI}]))', "blocks/s {{run_id}}"),
         (f'max by (run_id) (gasbench_setup_duration_seconds{{{SEL}}})', "set-up s {{run_id}}")])
ov_vars = [ds_var(), var_query("scenario", "scenario", "gasbench_run_info"), var_query("target", "target", 'gasbench_run_info{scenario=~"$scenario"}'),
           var_query("run_id", "run_id", 'gasbench_run_info{scenario=~"$scenario",target=~"$target"}'),
           var_query("workload", "workload", 'gasbench_transactions_sent_total{scenario=~"$scenario",run_id=~"$run_id"}')]
OUT["gasbench-overview.json"] = (doc("gasbench-overview", "gasbench: overview", "A gasbench run live: load offered and achieved, latency from the intended send time, gas, fees, failures and the executor.", b.panels, ov_vars))

# Compare
c = Board()
A = 'scenario=~"$scenario",run_id=~"$a"'; B = 'scenario=~"$scenario",run_id=~"$b"'
SELC = 'scenario=~"$scenario",run_id=~"$a|$b"'
c.panel("Included tx/s, side by side", "Which executor or target includes more transactions per second on the same scenario.", "reqps",
        [(f'sum by (run_id, target, executor) (rate(gasbench_transactions_included_total{{{SELC}}}[{RI}]))', "{{run_id}} ({{target}} {{executor}})")])
c.panel("Speedup: A over B (included tx/s)", "Included tx/s of A divided by B's at the same moment (runs going at the same time, e.g. two nodes or two executors on one machine).", "none",
        [(f'sum(rate(gasbench_transactions_included_total{{{A}}}[{RI}])) / sum(rate(gasbench_transactions_included_total{{{B}}}[{RI}]))', "A / B")])
c.panel("Inclusion latency p50 / p99, side by side", "Which one makes users wait longer, from the intended send time.", "s",
        [(q(0.5, "inclusion", "run_id, target, executor", sel=SELC), "p50 {{run_id}} ({{target}} {{executor}})"), (q(0.99, "inclusion", "run_id, target, executor", sel=SELC), "p99 {{run_id}} ({{target}} {{executor}})")])
c.panel("Gas per second, side by side", "Gas executed per second by each.", "none",
        [(f'sum by (run_id, target, executor) (rate(gasbench_block_gas_used_total{{{SELC}}}[{RI}]))', "{{run_id}} ({{target}} {{executor}})")])
c.panel("Fee per transaction (gwei), side by side", "What an included transaction paid on average on each, all parts.", "none",
        [(f'sum by (run_id, target, executor) (rate(gasbench_fees_paid_wei_total{{{SELC}}}[{RI}])) / sum by (run_id, target, executor) (rate(gasbench_latency_seconds_count{{{SELC},stage="inclusion"}}[{RI}])) / 1e9', "{{run_id}} ({{target}} {{executor}})")])
c.panel("Failures per second, side by side", "Rejected and dropped transactions on each.", "reqps",
        [(f'sum by (run_id, target, executor) (rate(gasbench_transactions_rejected_total{{{SELC}}}[{RI}])) or sum by (run_id, target, executor) (rate(gasbench_transactions_sent_total{{{SELC}}}[{RI}])) * 0', "rejected {{run_id}} ({{target}} {{executor}})"),
         (f'sum by (run_id, target, executor) (rate(gasbench_transactions_dropped_total{{{SELC}}}[{RI}])) or sum by (run_id, target, executor) (rate(gasbench_transactions_sent_total{{{SELC}}}[{RI}])) * 0', "dropped {{run_id}} ({{target}} {{executor}})")])
def exec_var(name):
    v = var_query(name, "run_id", 'gasbench_run_info{scenario=~"$scenario"}', multi=False, include_all=False)
    v["current"] = {}
    return v
cmp_vars = [ds_var(), var_query("scenario", "scenario", "gasbench_run_info"), exec_var("a"), exec_var("b")]
OUT["gasbench-compare.json"] = (doc("gasbench-compare", "gasbench: compare", "Two runs of one scenario side by side (A and B: two executors, two nodes, two builds): throughput, latency, gas, fees, failures and the speedup of A over B.", c.panels, cmp_vars))

# Rollup
r = Board()
SELR = 'scenario=~"$scenario",target="rollup",run_id=~"$run_id"'
def qs(p):
    return f'histogram_quantile({p}, sum by (le, stage) (rate(gasbench_latency_seconds_bucket{{{SELR}}}[{RI}])))'
r.panel("Latency by stage p50", "From the intended send time to each stage: submit (the sequencer's answer), inclusion (in an L2 block: unsafe), safe (its batch included on the L1), finalized (finality_depth L1 blocks later).", "s",
        [(qs(0.5), "{{stage}}")])
r.panel("Latency by stage p99", "As the p50 panel, at p99: safe and finalized grow when the L1 stalls while inclusion (unsafe) stays flat.", "s",
        [(qs(0.99), "{{stage}}")])
r.panel("L1 data fee per transaction (gwei)", "The L1 data fee an included transaction paid on average: in the measured window by workload, and over every transaction the L2 charged.", "none",
        [(f'sum by (workload) (rate(gasbench_fees_paid_wei_total{{{SELR},part="l1"}}[{RI}])) / sum by (workload) (rate(gasbench_latency_seconds_count{{{SELR},stage="inclusion"}}[{RI}])) / 1e9', "{{workload}} (window)"),
         (f'sum by (run_id) (gasbench_rollup_l1_fees_collected_wei_total{{{SELR}}}) / sum by (run_id) (gasbench_rollup_l1_fee_transactions_total{{{SELR}}}) / 1e9', "all charged {{run_id}}")])
r.panel("Compression ratio", "Bytes of the batches over their compressed bytes, over the channels closed so far (zlib or brotli, as the scenario's batcher.compression says).", "none",
        [(f'sum by (run_id) (gasbench_rollup_channel_uncompressed_bytes_total{{{SELR}}}) / sum by (run_id) (gasbench_rollup_channel_compressed_bytes_total{{{SELR}}})', "{{run_id}}")])
r.panel("Batcher L1 spend vs L1 fees collected (ETH)", "What the batcher paid the L1 for its transactions against the L1 data fees the L2 charged: the difference is the sequencer's margin on data (negative: it pays more than it charges).", "none",
        [(f'sum by (run_id) (gasbench_rollup_batcher_l1_spend_wei_total{{{SELR}}}) / 1e18', "spent {{run_id}}"),
         (f'sum by (run_id) (gasbench_rollup_l1_fees_collected_wei_total{{{SELR}}}) / 1e18', "collected {{run_id}}"),
         (f'(sum by (run_id) (gasbench_rollup_l1_fees_collected_wei_total{{{SELR}}}) - sum by (run_id) (gasbench_rollup_batcher_l1_spend_wei_total{{{SELR}}})) / 1e18', "margin {{run_id}}")])
r.panel("L1 base fee under the batcher's load (gwei)", "The L1's base fee at its last block: it climbs when the batcher's transactions fill its blocks past half.", "none",
        [(f'max by (run_id) (gasbench_rollup_l1_base_fee_wei{{{SELR}}}) / 1e9', "{{run_id}}")])
r.panel("Channels and frames", "Channels closed and frames posted, and batcher transactions the L1 included.", "short",
        [(f'sum by (run_id) (gasbench_rollup_channels_total{{{SELR}}})', "channels {{run_id}}"),
         (f'sum by (run_id) (gasbench_rollup_frames_total{{{SELR}}})', "frames {{run_id}}"),
         (f'sum by (run_id) (gasbench_rollup_batcher_txs_included_total{{{SELR}}})', "batcher txs included {{run_id}}")])
r.panel("L2 execution fee per transaction (gwei)", "The L2 part of what an included transaction paid on average (base and priority fee), beside its L1 data fee.", "none",
        [(f'sum by (part) (rate(gasbench_fees_paid_wei_total{{{SELR},part!="l1"}}[{RI}])) / ignoring (part) group_left sum (rate(gasbench_latency_seconds_count{{{SELR},stage="inclusion"}}[{RI}])) / 1e9', "{{part}}")])
ro_vars = [ds_var(), var_query("scenario", "scenario", 'gasbench_run_info{target="rollup"}'),
           var_query("run_id", "run_id", 'gasbench_run_info{scenario=~"$scenario",target="rollup"}')]
OUT["gasbench-rollup.json"] = (doc("gasbench-rollup", "gasbench: rollup", "A rollup run: latency by stage (submit, unsafe, safe, finalized), the L1 data fee per transaction, the batcher's compression, its L1 spend against the fees collected, and the L1's base fee under its load.", r.panels, ro_vars))

check = "--check" in sys.argv[1:]
stale = []
for name, board in OUT.items():
    text = json.dumps(board, indent=2)
    path = os.path.join(HERE, name)
    if check:
        with open(path) as f:
            if f.read() != text:
                stale.append(name)
    else:
        with open(path, "w") as f:
            f.write(text)
if stale:
    print("stale: " + ", ".join(stale) + ": run python3 dashboards/generate.py", file=sys.stderr)
    sys.exit(1)
