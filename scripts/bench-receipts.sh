#!/usr/bin/env bash
# How fast the pinned anvil serves receipts, both ways the RPC target can ask: fills
# blocks with gasbench (transfers at RATE tx/s into blocks of BLOCK_TIME seconds), then
# times, for the fullest block, eth_getBlockReceipts against batched
# eth_getTransactionReceipt (250 per batch, one batch after the other) and, for scale,
# eth_getBlockByNumber with hashes only.
#
#   scripts/bench-receipts.sh [RATE] [BLOCK_TIME]      default: 1000 2
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-1000}
block_time=${2:-2}
anvil=tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
[ -x "$anvil" ] || npm ci --prefix tools --no-audit --no-fund --loglevel=error
cargo build --release -q -p gasbench
out=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$anvil" --port "$port" --block-time "$block_time" --gas-limit 1000000000 >"$out/anvil.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do target/release/gasbench target probe "http://127.0.0.1:$port" >/dev/null 2>&1 && break; sleep 0.1; done
cat >"$out/fill.yaml" <<YAML
name: fill
seed: 13
accounts: {count: 500}
workloads: [{kind: transfer}]
load: {open: {rate: $rate}}
measure: {warmup: 0s, duration: ${block_time}s, drain_timeout: 60s}
target: {kind: rpc, http: "http://127.0.0.1:$port"}
YAML
target/release/gasbench run "$out/fill.yaml" --quiet >"$out/fill.log" 2>&1 || true
python3 - "http://127.0.0.1:$port" <<'PY'
import json, sys, time, urllib.request
url = sys.argv[1]
def rpc(body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    t = time.time()
    r = json.load(urllib.request.urlopen(req, timeout=600))
    return r, time.time() - t
call = lambda m, p: rpc({"jsonrpc": "2.0", "id": 1, "method": m, "params": p})
head = int(call("eth_blockNumber", [])[0]["result"], 16)
blocks = [call("eth_getBlockByNumber", [hex(n), False])[0]["result"] for n in range(1, head + 1)]
best = max(blocks, key=lambda b: len(b["transactions"]))
hashes = best["transactions"]
print(f"anvil block {int(best['number'], 16)} with {len(hashes)} transactions")
_, t = call("eth_getBlockByNumber", [best["number"], False])
print(f"  eth_getBlockByNumber (hashes):                 {t * 1000:9.1f} ms")
_, t = call("eth_getBlockReceipts", [best["number"]])
print(f"  eth_getBlockReceipts:                          {t * 1000:9.1f} ms")
total = 0.0
for i in range(0, len(hashes), 250):
    _, t = rpc([{"jsonrpc": "2.0", "id": j, "method": "eth_getTransactionReceipt", "params": [h]} for j, h in enumerate(hashes[i:i + 250])])
    total += t
print(f"  eth_getTransactionReceipt, batches of 250:     {total * 1000:9.1f} ms")
PY
