#!/usr/bin/env bash
# RSS against duration at 5,000 tx/s on the embedded chain, streamed signing against
# pre-signed side by side (docs/performance.md, "Soak runs"). A benchmark, not a test:
# it prints figures. Usage: scripts/bench-soak.sh [minutes...]   (default: 1 5)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
bin=target/release/gasbench
out=$(mktemp -d)
printf '%-9s %-10s %10s %12s %12s %14s %12s\n' minutes signing max_rss_mb sent late_sends send_lag_p99_us min_lead_ms
[ $# -gt 0 ] || set -- 1 5
for minutes in "$@"; do
  for signing in streamed presigned; do
    report="$out/$signing-$minutes.json"
    /usr/bin/time -f '%M' -o "$out/rss" "$bin" run scenarios/quickstart.yaml --quiet --out "$report" \
      --set load.open.rate=5000 --set measure.warmup=2s --set "measure.duration=${minutes}m" \
      --set "load.signing=$signing" --memory-available-mib 16384 >/dev/null || true
    python3 - "$report" "$minutes" "$signing" "$(cat "$out/rss")" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
st = (r["signing"].get("streamed") or {}).get("min_lead_ms", "-")
print(f'{sys.argv[2]:<9} {sys.argv[3]:<10} {int(sys.argv[4])/1024:10.0f} {r["accounting"]["sent"]:12} '
      f'{r["load"]["late_sends"]:12} {r["load"]["send_lag"]["p99_us"]:14} {st!s:>12}')
PY
  done
done
echo "reports in $out; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
