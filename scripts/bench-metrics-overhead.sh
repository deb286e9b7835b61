#!/usr/bin/env bash
# The cost of Prometheus export on the embedded max-rate run: the same scenario and
# rate with and without `--metrics-listen` plus a scraper hitting /metrics every second,
# interleaved (off, on, off, on, ...), one row per run, then the medians side by side.
# Bounded: REPS runs of each, each ~10 s of load; the scraper stops with its run.
#
#   scripts/bench-metrics-overhead.sh [RATE] [REPS] [SCENARIO]
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-50000}
reps=${2:-3}
scenario=${3:-scenarios/bench/transfer-max.yaml}
port=${GASBENCH_BENCH_METRICS_PORT:-19464}

cargo build --release -q -p gasbench
bin=target/release/gasbench
out=$(mktemp -d)
echo "rate $rate tx/s, $reps runs each, $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %4s %12s %12s %10s %10s %10s %8s\n' metrics rep sent/s included/s send_ratio p99_ms cpu_us/tx scrapes
for i in $(seq 1 "$reps"); do
  for mode in off on; do
    args=(run "$scenario" --quiet --set "load.open.rate=$rate" --out "$out/$mode-$i.json")
    scrapes=0
    if [ "$mode" = on ]; then
      args+=(--metrics-listen "127.0.0.1:$port" --metrics-linger 0s)
      "$bin" "${args[@]}" >"$out/$mode-$i.log" 2>&1 &
      pid=$!
      # One scrape a second while the run lives, at most 300.
      for _ in $(seq 1 300); do
        kill -0 "$pid" 2>/dev/null || break
        curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" && scrapes=$((scrapes + 1))
        sleep 1
      done
      wait "$pid" || true
    else
      "$bin" "${args[@]}" >"$out/$mode-$i.log" 2>&1 || true
    fi
    python3 - "$out/$mode-$i.json" "$mode" "$i" "$scrapes" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
l = r["load"]
print(f'{sys.argv[2]:<8} {sys.argv[3]:>4} {l["achieved_send_tps"]:12.0f} {r["throughput"]["included_tps"]:12.0f} {l["send_ratio"]:10.3f} {r["latency"]["inclusion"]["p99_us"]/1000:10.1f} {l.get("harness_cpu_us_per_tx") or 0:10.2f} {sys.argv[4]:>8}')
PY
  done
done | tee "$out/rows.txt"
python3 - "$out/rows.txt" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.split() and l.split()[0] in ("off", "on")]
med = lambda mode, col: statistics.median(float(r[col]) for r in rows if r[0] == mode)
for name, col in [("included tx/s", 3), ("send ratio", 4), ("p99 inclusion ms", 5), ("harness cpu us/tx", 6)]:
    off, on = med("off", col), med("on", col)
    print(f"median {name:<18} off {off:12.2f}   on {on:12.2f}   on/off {on / off if off else float('nan'):.4f}")
PY
echo "reports in $out"
