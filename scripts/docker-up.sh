#!/usr/bin/env bash
# A Docker daemon of gasbench's own, for the container tests (no systemd needed), and the
# images they use, built without any registry.
#
#   scripts/docker-up.sh start   installs Debian's docker.io when dockerd is missing, starts
#                                dockerd with its own data root, exec root and socket under
#                                $GASBENCH_DOCKER_DIR (default /tmp/gasbench-docker), waits
#                                until it answers, imports the images, and prints the
#                                DOCKER_HOST to use. Reuses a daemon it started before.
#   scripts/docker-up.sh images  (re)builds the images only (the daemon must be up).
#   scripts/docker-up.sh stop    stops that daemon (by the PID it recorded).
#
# Images (docker import of a tarball: no base image, no pull):
#   local/anvil:<pinned version>  the anvil binary from tools/node_modules + the libraries ldd lists,
#                                 for both pinned versions (1.7.1, and 1.5.1 as `anvil-previous`)
#   local/gasbench:dev            the newer of target/{release,debug}/gasbench + its libraries +
#                                 scenarios/, run as the non-root user 10001, CMD the quickstart
#                                 (only when a binary is built; the Dockerfile's layout)
#
# Any failure says what went wrong and exits non-zero: a test run never goes on without
# the daemon it was promised.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR="${GASBENCH_DOCKER_DIR:-/tmp/gasbench-docker}"
SOCK="$DIR/docker.sock"
PIDFILE="$DIR/dockerd.pid"
LOG="$DIR/dockerd.log"
export DOCKER_HOST="unix://$SOCK"

die() {
  echo "docker-up: error: $*" >&2
  exit 1
}

sudo_cmd() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

running() {
  [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

install_docker() {
  if command -v dockerd >/dev/null && command -v docker >/dev/null; then
    return
  fi
  echo "docker-up: installing Debian's docker.io" >&2
  sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive sudo_cmd apt-get install -y -qq --no-install-recommends docker.io >/dev/null \
    || die "apt-get install docker.io failed; install Docker (dockerd and the docker CLI) by hand"
}

# A tarball of `binary` and the shared libraries it loads, rooted at /, imported as `tag`.
# Extra `path=src` pairs after the tag are copied in too.
import_binary() {
  local binary="$1" tag="$2" entry="$3" user="$4"
  shift 4
  local root
  root="$(mktemp -d)"
  mkdir -p "$root/usr/local/bin" "$root/tmp" "$root/etc"
  chmod 1777 "$root/tmp"
  cp "$binary" "$root/usr/local/bin/"
  # The libraries ldd lists, at the same paths (the dynamic loader included).
  ldd "$binary" | grep -o '/[^ ]*' | sort -u | while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  echo "root:x:0:0:root:/root:/sbin/nologin" >"$root/etc/passwd"
  echo "gasbench:x:10001:10001:gasbench:/home/gasbench:/sbin/nologin" >>"$root/etc/passwd"
  printf 'root:x:0:\ngasbench:x:10001:\n' >"$root/etc/group"
  mkdir -p "$root/home/gasbench"
  while [ $# -gt 0 ]; do
    local dest="${1%%=*}" src="${1#*=}"
    mkdir -p "$root$(dirname "$dest")"
    cp -a "$src" "$root$dest"
    shift
  done
  chown -R 10001:10001 "$root/home/gasbench"
  local cmd='[]'
  [ "$entry" = gasbench ] && cmd='["run", "scenarios/quickstart.yaml"]'
  tar -C "$root" -c . | docker import \
    --change "ENTRYPOINT [\"/usr/local/bin/$entry\"]" \
    --change "CMD $cmd" \
    --change "USER $user" \
    --change "WORKDIR /home/gasbench" \
    - "$tag" >/dev/null
  rm -rf "$root"
  echo "docker-up: image $tag" >&2
}

images() {
  # The pinned anvil and the earlier one (tools/package.json's npm alias `anvil-previous`),
  # for the two-version comparison (scenarios/containers-compare.yaml).
  local pkg
  for pkg in tools/node_modules/@foundry-rs/anvil-linux-amd64 tools/node_modules/anvil-previous; do
    local anvil="$pkg/bin/anvil"
    [ -x "$anvil" ] || die "$anvil is missing: run 'npm ci --prefix tools' (scripts/test.sh does)"
    local version
    version="$(node -p "require('./$pkg/package.json').version")"
    # anvil binds where its --host says; the image runs it as root (nothing to protect in
    # a throwaway dev chain).
    if ! docker image inspect "local/anvil:$version" >/dev/null 2>&1; then
      import_binary "$anvil" "local/anvil:$version" anvil 0
    fi
  done
  # The newest of the built binaries (as the Dockerfile's image: non-root, scenarios inside).
  local gasbench
  gasbench="$(ls -t target/release/gasbench target/debug/gasbench 2>/dev/null | head -n 1 || true)"
  if [ -n "$gasbench" ]; then
    local certs=()
    [ -f /etc/ssl/certs/ca-certificates.crt ] && certs=("/etc/ssl/certs/ca-certificates.crt=/etc/ssl/certs/ca-certificates.crt")
    import_binary "$gasbench" local/gasbench:dev gasbench 10001 "/home/gasbench/scenarios=scenarios" "${certs[@]}"
  fi
}

start() {
  install_docker
  mkdir -p "$DIR"
  if ! running; then
    rm -f "$SOCK"
    # No bridge and no iptables: the containers share the host's network (127.0.0.1 only).
    dockerd --iptables=false --ip6tables=false --bridge=none \
      --data-root "$DIR/data" --exec-root "$DIR/exec" --pidfile "$PIDFILE" \
      -H "$DOCKER_HOST" >"$LOG" 2>&1 &
    local i
    for i in $(seq 1 150); do
      docker version >/dev/null 2>&1 && break
      if ! running && [ "$i" -gt 10 ]; then break; fi
      sleep 0.2
    done
  fi
  if ! docker version >/dev/null 2>&1; then
    echo "docker-up: error: dockerd did not come up at $DOCKER_HOST; the container tests cannot run. Its log:" >&2
    tail -n 20 "$LOG" >&2 || true
    exit 1
  fi
  images
  echo "export DOCKER_HOST=$DOCKER_HOST"
}

stop() {
  if running; then
    local pid
    pid="$(cat "$PIDFILE")"
    kill "$pid"
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    echo "docker-up: stopped dockerd ($pid)" >&2
  fi
}

case "${1:-}" in
  start) start ;;
  images) images ;;
  stop) stop ;;
  *) die "usage: $0 start|images|stop" ;;
esac
