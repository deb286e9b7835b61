#!/usr/bin/env bash
# The executor bench set (docs/performance.md): sequential against Block-STM (every
# block) and adaptive, at 1, 2 and 4 threads, on the same blocks, executors in a random
# order per repetition, >= 1 s of work per repetition, a 95% CI per ratio. Run it on a
# quiet machine: each table's header says how many cores other processes kept busy.
#   scripts/bench-exec.sh [extra exec-bench flags, e.g. --reps 9]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p gasbench
B=./target/release/gasbench
run() { echo "== $*"; $B exec-bench "$@" --blocks 10 --reps "${REPS:-7}" --threads 1,2,4; echo; }
run scenarios/bench/exec-erc20-independent.yaml "$@"
run scenarios/bench/exec-erc20-independent.yaml --latency-us 0 "$@"
run scenarios/bench/exec-amm-one-pool.yaml "$@"
run scenarios/bench/exec-mainnet-like.yaml --proposer-payment "$@"
