#!/usr/bin/env bash
# Finds the highest transfer rate the embedded chain sustains: offered rates are tried
# in ascending order; a rate is sustained when sends keep up (achieved/offered >= 0.99),
# inclusion keeps up (included/offered >= 0.99), p99 inclusion latency stays within
# 2 x block time and the block builder kept every slot (no late block, no missed slot).
# Prints one row per rate (with the measured block interval, the builder's slots and
# how senders were learned) and the highest sustained one.
#
#   scripts/bench-max-rate.sh [SCENARIO] [RATES...]
#   scripts/bench-max-rate.sh scenarios/bench/transfer-max.yaml 40000 50000 60000 70000
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-scenarios/bench/transfer-max.yaml}
shift || true
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(30000 40000 50000 60000 70000 80000 90000 100000)

cargo build --release -q -p gasbench
bin=target/release/gasbench
out=$(mktemp -d)
best=0
printf '%10s %12s %12s %10s %10s %14s %11s %8s %s\n' offered sent/s included/s send_ratio p99_ms interval_ms late/missed senders verdict
for rate in "${rates[@]}"; do
  "$bin" run "$scenario" --quiet --set "load.open.rate=$rate" --out "$out/$rate.json" >"$out/$rate.log" 2>&1 || true
  verdict=$(python3 - "$out/$rate.json" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1]))
bt = r["scenario"]["target"]["block_time"]
m = re.fullmatch(r"(\d+)(ms|s)", bt)
block_ms = int(m.group(1)) * (1 if m.group(2) == "ms" else 1000)
offered = r["load"]["offered_tps"]
inc_ratio = r["throughput"]["included_tps"] / offered if offered else 0
p99_ms = r["latency"]["inclusion"]["p99_us"] / 1000
slots = r["target"].get("slots") or {"late": 0, "missed": 0}
senders = r["scenario"]["target"].get("sender_recovery", "verify")
interval = f'{r["throughput"]["mean_block_interval_ms"]:.0f} of {block_ms}'
ok = r["load"]["send_ratio"] >= 0.99 and inc_ratio >= 0.99 and p99_ms <= 2 * block_ms and r["accounting"]["balanced"] and r["effects"]["verdict"] == "pass" and slots["late"] + slots["missed"] == 0
print(f'{offered:10.0f} {r["load"]["achieved_send_tps"]:12.0f} {r["throughput"]["included_tps"]:12.0f} {r["load"]["send_ratio"]:10.3f} {p99_ms:10.1f} {interval:>14} {slots["late"]:>5}/{slots["missed"]:<5} {senders:>8} {"sustained" if ok else "NOT sustained"}')
PY
)
  echo "$verdict"
  case "$verdict" in *"NOT sustained") break ;; *" sustained") best=$rate ;; *) break ;; esac
done
echo "highest sustained rate: $best tx/s (reports in $out)"
