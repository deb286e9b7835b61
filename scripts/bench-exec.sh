#!/usr/bin/env bash
# The executor bench set (docs/performance.md): sequential against Block-STM (every
# block) and adaptive, at 1, 2 and 4 threads, on the same blocks, executors in a random
# order per repetition, >= 1 s of work per repetition, a 95% CI per ratio. Run it on a
# quiet machine: each table's header says how many cores other processes kept busy.
# Each case is bounded (CASE_SECONDS, default 200 s; about 80 s each on a quiet 2-core
# machine, so the set takes about 6 minutes after the build); a case that fails or runs
# out of time is reported as such in the summary and the script exits 1.
#   scripts/bench-exec.sh [extra exec-bench flags, e.g. --min-rep-seconds 2]
# REPS (default 7) and BLOCKS (default 10) set the repetitions and blocks per case.
# The JSON of each case is kept in $OUT (default target/bench-exec/).
set -uo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p gasbench || exit 1
B=./target/release/gasbench
OUT=${OUT:-target/bench-exec}
mkdir -p "$OUT"
rm -f "$OUT"/*.json
failed=0
start=$SECONDS
run() {
  local name=$1
  shift
  echo "== $name: exec-bench $*"
  timeout --signal=INT --kill-after=10 "${CASE_SECONDS:-200}" \
    $B exec-bench "$@" --blocks "${BLOCKS:-10}" --reps "${REPS:-7}" --threads 1,2,4 --out "$OUT/$name.json"
  local code=$?
  if [ $code -ne 0 ]; then
    echo "!! $name: exit $code (124: out of time; 1: results differ from sequential)"
    failed=1
    rm -f "$OUT/$name.json"
  fi
  echo
}
run erc20-20us scenarios/bench/exec-erc20-independent.yaml "$@"
run erc20-memory scenarios/bench/exec-erc20-independent.yaml --latency-us 0 "$@"
run amm-one-pool scenarios/bench/exec-amm-one-pool.yaml "$@"
run mainnet-like scenarios/bench/exec-mainnet-like.yaml --proposer-payment "$@"

echo "== summary: speedup over sequential, median over repetitions (95% CI), $((SECONDS - start)) s"
printf '%-14s %7s %8s %20s %20s %9s %10s\n' case threads 'seq tx/s' 'block-stm' adaptive 'grouped' 'identical'
for f in "$OUT"/*.json; do
  [ -e "$f" ] || continue
  jq -r --arg case "$(basename "$f" .json)" '
    .run.executors as $e | ($e[0].tx_per_s) as $seq
    | [$e[] | select(.executor == "parallel")] | group_by(.threads)[]
    | (map(select(.adaptive | not))[0]) as $b | (map(select(.adaptive))[0]) as $a
    | [$case, ($b.threads | tostring), ($seq | floor | tostring),
       "\($b.speedup * 100 | round / 100)x (\($b.speedup_ci95[0] * 100 | round / 100)-\($b.speedup_ci95[1] * 100 | round / 100))",
       (if $a then "\($a.speedup * 100 | round / 100)x (\($a.speedup_ci95[0] * 100 | round / 100)-\($a.speedup_ci95[1] * 100 | round / 100))" else "-" end),
       ($b.grouped_per_tx * 1000 | round / 1000 | tostring),
       (if ($b.identical and ($a == null or $a.identical)) then "yes" else "NO" end)]
    | @tsv' "$f" | while IFS=$'\t' read -r c t s b a g i; do
    printf '%-14s %7s %8s %20s %20s %9s %10s\n' "$c" "$t" "$s" "$b" "$a" "$g" "$i"
  done
done
# Goal of issue 18: adaptive never below 1.0x at any thread count.
jq -s -r '[.[].run.executors[] | select(.adaptive)] as $a
  | if ($a | length) == 0 then "adaptive: not run"
    else "adaptive: lowest median \($a | map(.speedup) | min * 100 | round / 100)x, lowest CI bound \($a | map(.speedup_ci95[0]) | min * 100 | round / 100)x over \($a | length) rows: "
      + (if ($a | map(.speedup) | min) >= 1.0 then "never below 1.0x at the median" else "BELOW 1.0x at the median in some row" end) end' \
  "$OUT"/*.json 2>/dev/null || echo "adaptive: no results"
exit $failed
