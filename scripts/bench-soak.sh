#!/usr/bin/env bash
# RSS against duration at 5,000 tx/s on the embedded chain, streamed signing against
# pre-signed side by side (docs/performance.md, "Soak runs"). A benchmark, not a test:
# it prints figures. Every run's RSS is sampled from /proc/PID/status each 10 s and printed
# at each minute, so that flatness shows; max RSS is /usr/bin/time's.
# Usage: scripts/bench-soak.sh [RUN...]   RUN = MINUTES[:streamed|:presigned]
#   default: 1 1:presigned 5 5:presigned   (a bare MINUTES is streamed)
# GASBENCH_BIN: a binary to use instead of building target/release/gasbench;
# GASBENCH_SOAK_RATE: tx/s instead of 5000 (a machine where the chain cannot keep up).
# The block gas limit is raised to 120 Mgas per 500 ms block: the quickstart's 60 Mgas has a
# gas *target* (half the limit) of ~2,857 transfers/s, and above it EIP-1559 raises the
# base fee until the fee caps price out the excess, so 5,000 tx/s piles up in the pool.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${GASBENCH_BIN:-target/release/gasbench}
[ -n "${GASBENCH_BIN:-}" ] || cargo build --release -q -p gasbench
out=$(mktemp -d)
[ $# -gt 0 ] || set -- 1 1:presigned 5 5:presigned
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); reports in $out"
printf '%-8s %-10s %10s %10s %10s %10s %14s %12s  %s\n' minutes signing max_rss_mb sent included late_sends send_lag_p99_us min_lead_ms \
  'rss_mb at each minute'
for runspec in "$@"; do
  minutes=${runspec%%:*}
  signing=streamed
  [ "$runspec" = "$minutes" ] || signing=${runspec#*:}
  report="$out/$signing-$minutes.json"
  samples="$out/$signing-$minutes.rss"
  : >"$samples"
  /usr/bin/time -f '%M' -o "$out/maxrss" "$bin" run scenarios/quickstart.yaml --quiet --out "$report" \
    --set "load.open.rate=${GASBENCH_SOAK_RATE:-5000}" --set target.gas_limit=120000000 --set measure.warmup=2s --set "measure.duration=${minutes}m" \
    --set "load.signing=$signing" --memory-available-mib 16384 >/dev/null 2>"$out/$signing-$minutes.err" &
  timer=$!
  pid=""
  for _ in $(seq 1 100); do
    pid=$(pgrep -P "$timer" || true)
    [ -n "$pid" ] && break
    sleep 0.1
  done
  start=$(date +%s)
  # One sample each 10 s while the process lives: seconds since start, VmRSS in kB.
  while [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; do
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$rss" ] && echo "$(($(date +%s) - start)) $rss" >>"$samples"
    sleep 10
  done
  wait "$timer" || true
  python3 - "$report" "$minutes" "$signing" "$(tail -n 1 "$out/maxrss")" "$samples" <<'PY'
import json, sys
path, minutes, signing, maxrss, samples = sys.argv[1:6]
try:
    r = json.load(open(path))
except (OSError, ValueError) as e:
    print(f"{minutes:<8} {signing:<10} no report: {e}")
    sys.exit(0)
rows = [tuple(map(int, l.split())) for l in open(samples) if l.strip()]
# The sample nearest each whole minute after the start (the run's 2 s warm-up included).
marks = []
for m in range(1, int(minutes) + 1):
    near = min(rows, key=lambda x: abs(x[0] - 60 * m), default=None)
    if near and abs(near[0] - 60 * m) <= 10:
        marks.append(f"{near[1] / 1024:.0f}")
st = (r["signing"].get("streamed") or {}).get("min_lead_ms", "-")
if isinstance(st, float):
    st = f"{st:.0f}"
print(f'{minutes:<8} {signing:<10} {int(maxrss) / 1024:10.0f} {r["accounting"]["sent"]:10} {r["accounting"]["included"]:10} '
      f'{r["load"]["late_sends"]:10} {r["load"]["send_lag"]["p99_us"]:14} {st:>12}  {" ".join(marks)}')
PY
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
