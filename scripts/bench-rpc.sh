#!/usr/bin/env bash
# gasbench against a real anvil (the pinned binary under tools/): for each offered transfer
# rate, a fresh anvil (--block-time 1 --gas-limit 1000000000), a run of 2 s warmup + 10 s,
# and one row: offered, sent/s, accepted/s, included/s, rejected, dropped, whether every
# count is exact (accounting balanced, effects check passed, no anomalies), and the
# harness's CPU per transaction sent (load and drain; signing is before and apart).
# Ends with the highest rate anvil sustained (included >= 0.99 x offered, exact) next to
# the highest rate it accepted.
#
#   scripts/bench-rpc.sh [RATES...]        default: 1000 2000 4000 6000 8000 10000 15000
set -euo pipefail
cd "$(dirname "$0")/.."
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(1000 2000 4000 6000 8000 10000 15000)
anvil=tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
[ -x "$anvil" ] || npm ci --prefix tools --no-audit --no-fund --loglevel=error
cargo build --release -q -p gasbench
bin=target/release/gasbench
out=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$out/scenario.yaml" <<YAML
name: rpc-transfers
seed: 11
accounts: {count: 2000}
workloads: [{kind: transfer}]
load: {open: {rate: 1000}}
measure: {warmup: 2s, duration: 10s, drain_timeout: 30s}
target: {kind: rpc, http: "http://127.0.0.1:$port", ws: "ws://127.0.0.1:$port", drop_timeout: 20s}
YAML
printf '%8s %9s %11s %11s %9s %8s %6s %9s %s\n' offered sent/s accepted/s included/s rejected dropped exact cpu_us/tx verdict
sustained=0
accepted_max=0
for rate in "${rates[@]}"; do
  "$anvil" --port "$port" --block-time 1 --gas-limit 1000000000 >"$out/anvil-$rate.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do "$bin" target probe "http://127.0.0.1:$port" >/dev/null 2>&1 && break; sleep 0.1; done
  "$bin" run "$out/scenario.yaml" --quiet --set "load.open.rate=$rate" --out "$out/$rate.json" >"$out/$rate.log" 2>&1 || true
  kill "$pid"; wait "$pid" 2>/dev/null || true
  row=$(python3 - "$out/$rate.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
l, a, t = r["load"], r["accounting"], r["throughput"]
offered = l["offered_tps"]
accepted = l["achieved_send_tps"] * (a["accepted"] / a["sent"] if a["sent"] else 0)
exact = a["balanced"] and r["effects"]["verdict"] == "pass" and r["failures"]["anomalies"] == 0
ok = exact and t["included_tps"] >= 0.99 * offered and a["dropped"] == 0 and a["rejected"] == 0
cpu = l["harness_cpu_us_per_tx"] or 0
print(f'{offered:8.0f} {l["achieved_send_tps"]:9.0f} {accepted:11.0f} {t["included_tps"]:11.0f} {a["rejected"]:9d} '
      f'{a["dropped"]:8d} {"yes" if exact else "NO":>6} {cpu:9.1f} {"sustained" if ok else "not sustained"} {accepted:.0f}')
PY
)
  echo "${row% *}"
  acc=${row##* }
  if [ "$acc" -gt "$accepted_max" ]; then accepted_max=$acc; fi
  if [[ "$row" != *"not sustained"* ]] && [ "$rate" -gt "$sustained" ]; then sustained=$rate; fi
done
echo "highest rate sustained (included >= 0.99 x offered, counts exact): $sustained tx/s"
echo "highest rate accepted (eth_sendRawTransaction acks per second): $accepted_max tx/s"
echo "reports and logs in $out"
