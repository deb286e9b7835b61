#!/usr/bin/env bash
# Installs what the tests need (pinned tools under tools/: solc-js, anvil, Hardhat's node;
# Prometheus and Docker from Debian) and runs the whole test suite. The one command a newcomer runs
# to pass the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "error: node and npm are needed (for the pinned solc-js, anvil and Hardhat under tools/)" >&2
  exit 2
fi
# Pinned versions from tools/package-lock.json; skipped when already installed.
if ! cmp -s tools/package-lock.json tools/node_modules/.package-lock.json 2>/dev/null; then
  npm ci --prefix tools --no-audit --no-fund --loglevel=error
fi
# Prometheus and promtool (Debian's package) for the metrics and dashboard tests.
if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
# PostgreSQL (Debian's package) for the run store's tests: they start a throwaway cluster
# themselves with its initdb and postgres binaries; no system service is used.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
# Chromium (Debian's package): the HTML report test opens the page in it, headless.
if ! command -v chromium >/dev/null && [ -z "${GASBENCH_CHROMIUM:-}" ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
# Hardhat's node (a test target) must not stop to ask about telemetry.
export HARDHAT_DISABLE_TELEMETRY_PROMPT=true
# The committed contract artifacts must match their sources.
node tools/compile-contracts.js --check

# Docker (Debian's docker.io when missing) with a daemon of our own for the container
# tests, and the images they use (docker import, no registry); stopped when this script
# ends. If the daemon cannot start, this stops here, loudly.
# The gasbench binary first: docker-up imports it as local/gasbench:dev (the image test).
# (--workspace --all-targets: the same feature set as the test build, so nothing is
# compiled twice.)
cargo build --workspace --all-targets
eval "$(scripts/docker-up.sh start)"
trap 'scripts/docker-up.sh stop' EXIT

if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install cargo-nextest --locked
fi
cargo nextest run --workspace --no-fail-fast "$@"
