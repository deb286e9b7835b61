#!/usr/bin/env bash
# Two gasbench builds side by side (e.g. before and after a refactor): the embedded
# chain near its highest sustained rate, and the RPC send path against a real anvil,
# run alternately A, B, B, A, ... so that drift on the machine falls on both. Prints a
# row per run and, per figure, the medians of A and B and their ratio B/A.
# A benchmark, not a test: it prints figures.
#
#   scripts/bench-ab.sh BIN_A BIN_B [REPS]          REPS per build and case, default 3
#   GASBENCH_AB_RATE=34000   the embedded case's offered rate (transfer-max.yaml)
#   GASBENCH_AB_RPC_RATE=3000  the RPC case's offered rate (anvil --block-time 1)
#
# Figures: harness CPU per transaction (the whole process: on the embedded chain that
# includes the chain's execution; on RPC, the send path, the receipts and the checks;
# signing is before the load: pre-signed), achieved send and inclusion rates, p99 send lag.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: scripts/bench-ab.sh BIN_A BIN_B [REPS]" >&2; exit 2; }
a=$1 b=$2 reps=${3:-3}
for bin in "$a" "$b"; do [ -x "$bin" ] || { echo "bench-ab: $bin is not an executable" >&2; exit 2; }; done
anvil=tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
[ -x "$anvil" ] || npm ci --prefix tools --no-audit --no-fund --loglevel=error
rate=${GASBENCH_AB_RATE:-34000}
rpc_rate=${GASBENCH_AB_RPC_RATE:-3000}
out=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$out/rpc.yaml" <<YAML
name: ab-rpc-transfers
seed: 11
accounts: {count: 2000}
workloads: [{kind: transfer}]
load: {open: {rate: $rpc_rate}, signing: presigned}
measure: {warmup: 2s, duration: 10s, drain_timeout: 30s}
target: {kind: rpc, http: "http://127.0.0.1:$port", ws: "ws://127.0.0.1:$port", drop_timeout: 20s}
YAML
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); A=$a B=$b; reports in $out"

run() { # CASE BUILD BIN N
  local case=$1 build=$2 bin=$3 n=$4 report="$out/$1-$2-$4.json" pid=""
  if [ "$case" = embedded ]; then
    "$bin" run scenarios/bench/transfer-max.yaml --quiet --set "load.open.rate=$rate" --out "$report" \
      >"$out/$case-$build-$n.log" 2>&1 || true
  else
    "$anvil" --port "$port" --block-time 1 --gas-limit 1000000000 >"$out/anvil.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do "$bin" target probe "http://127.0.0.1:$port" >/dev/null 2>&1 && break; sleep 0.1; done
    "$bin" run "$out/rpc.yaml" --quiet --out "$report" >"$out/$case-$build-$n.log" 2>&1 || true
    kill "$pid"
    wait "$pid" 2>/dev/null || true
  fi
  echo "$case $build $report" >>"$out/runs"
}

for case in embedded rpc; do
  for n in $(seq 1 "$reps"); do
    if [ $((n % 2)) = 1 ]; then run "$case" A "$a" "$n"; run "$case" B "$b" "$n"
    else run "$case" B "$b" "$n"; run "$case" A "$a" "$n"; fi
  done
done

python3 - "$out/runs" <<'PY'
import json, statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
figures = [("cpu_us/tx", lambda r: r["load"]["harness_cpu_us_per_tx"]),
           ("sent/s", lambda r: r["load"]["achieved_send_tps"]),
           ("included/s", lambda r: r["throughput"]["included_tps"]),
           ("lag_p99_us", lambda r: r["load"]["send_lag"]["p99_us"])]
print(f'{"case":9} {"build":5} ' + " ".join(f"{n:>11}" for n, _ in figures) + "  checks")
got = {}
for case, build, path in rows:
    try:
        r = json.load(open(path))
    except Exception as e:
        print(f"{case:9} {build:5} no report ({e})")
        continue
    ok = r["accounting"]["balanced"] and r["effects"]["verdict"] == "pass"
    vals = [f(r) or 0 for _, f in figures]
    for (name, _), v in zip(figures, vals):
        got.setdefault((case, name, build), []).append(v)
    print(f"{case:9} {build:5} " + " ".join(f"{v:11.1f}" for v in vals) + ("  pass" if ok else "  FAIL"))
print()
print(f'{"case":9} {"figure":11} {"median A":>11} {"median B":>11} {"B/A":>7}')
for case in ("embedded", "rpc"):
    for name, _ in figures:
        a, b = got.get((case, name, "A")), got.get((case, name, "B"))
        if a and b:
            ma, mb = statistics.median(a), statistics.median(b)
            print(f"{case:9} {name:11} {ma:11.1f} {mb:11.1f} {mb / ma if ma else float('nan'):7.3f}")
PY
