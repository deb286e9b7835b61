#!/usr/bin/env bash
# Finds the highest transfer rate the embedded chain sustains: offered rates are tried
# in ascending order; a rate is sustained when sends keep up (achieved/offered >= 0.99),
# inclusion keeps up (included/offered >= 0.99) and p99 inclusion latency stays within
# 2 x block time. Prints one row per rate and the highest sustained one.
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
printf '%10s %12s %12s %10s %10s %12s %s\n' offered sent/s included/s send_ratio p99_ms block_ms verdict
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
ok = r["load"]["send_ratio"] >= 0.99 and inc_ratio >= 0.99 and p99_ms <= 2 * block_ms and r["accounting"]["balanced"] and r["effects"]["verdict"] == "pass"
print(f'{offered:10.0f} {r["load"]["achieved_send_tps"]:12.0f} {r["throughput"]["included_tps"]:12.0f} {r["load"]["send_ratio"]:10.3f} {p99_ms:10.1f} {block_ms:12d} {"sustained" if ok else "NOT sustained"}')
PY
)
  echo "$verdict"
  case "$verdict" in *"NOT sustained") break ;; *" sustained") best=$rate ;; *) break ;; esac
done
echo "highest sustained rate: $best tx/s (reports in $out)"
