#!/usr/bin/env bash
# Local stand-ins for the Dockerfile's two base images, for machines where no image
# registry is reachable (Debian's package mirror must be):
#
#   local/debian:bookworm-slim     `debootstrap --variant=minbase bookworm`, trimmed, imported
#   local/rust:<rustc>-slim-bookworm  that + gcc, libc6-dev, ca-certificates (from the mirror)
#                                  + the host's Rust toolchain (rustc, cargo, the std
#                                  library; no docs), as the public rust:*-slim image has,
#                                  + the host's CA bundle (cargo fetches crates in the build)
#
# Then (the command is printed at the end):
#   docker build --network host --build-arg BUILDER_IMAGE=local/rust:1.95-slim-bookworm \
#     --build-arg RUNTIME_IMAGE=local/debian:bookworm-slim -t gasbench .
#
# Run as root, with DOCKER_HOST pointing at a daemon (eval "$(scripts/docker-up.sh start)").
# Installs debootstrap from Debian when missing. DEBIAN_MIRROR overrides the mirror.
set -euo pipefail
cd "$(dirname "$0")/.."

MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
RUNTIME=local/debian:bookworm-slim

die() {
  echo "docker-bases: error: $*" >&2
  exit 1
}

[ "$(id -u)" = 0 ] || die "debootstrap needs root: run as root (or with sudo)"
docker version >/dev/null 2>&1 || die "no Docker daemon at ${DOCKER_HOST:-the default socket}: eval \"\$(scripts/docker-up.sh start)\" first"
command -v rustc >/dev/null || die "no Rust toolchain on this host to copy into the builder image"
if ! command -v debootstrap >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

work="$(mktemp -d)"
cid=""
cleanup() {
  [ -n "$cid" ] && docker rm -f "$cid" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

if ! docker image inspect "$RUNTIME" >/dev/null 2>&1; then
  echo "docker-bases: debootstrap bookworm (minbase) from $MIRROR" >&2
  debootstrap --variant=minbase bookworm "$work/root" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
  # As the public -slim image: no package cache, lists, docs or man pages.
  rm -rf "$work/root"/var/cache/apt/archives/*.deb "$work/root"/var/lib/apt/lists/* \
    "$work/root"/usr/share/doc/* "$work/root"/usr/share/man/* "$work/root"/usr/share/info/*
  tar -C "$work/root" -c . | docker import --change 'CMD ["bash"]' - "$RUNTIME" >/dev/null
  rm -rf "$work/root"
fi
echo "docker-bases: image $RUNTIME ($(docker image inspect --format '{{.Size}}' "$RUNTIME") bytes)" >&2

# The toolchain rustc would use here (rustup's or a plain install), without its docs.
sysroot="$(rustc --print sysroot)"
version="$(rustc --version | awk '{print $2}')"
builder="local/rust:${version%.*}-slim-bookworm"
mkdir -p "$work/rust/bin"
cp -L "$sysroot/bin/rustc" "$sysroot/bin/cargo" "$work/rust/bin/"
cp -a "$sysroot/lib" "$work/rust/"
cid="$(docker create --network host "$RUNTIME" sh -c \
  'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc libc6-dev ca-certificates >/dev/null && rm -rf /var/lib/apt/lists/*')"
docker start -a "$cid" || die "installing gcc and libc6-dev in the builder image failed"
docker cp "$work/rust" "$cid:/usr/local/rust"
# The host's CA bundle: cargo fetches crates during the build, and where egress goes
# through a TLS-inspecting proxy only the host's bundle holds that proxy's root.
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  docker cp -L /etc/ssl/certs/ca-certificates.crt "$cid:/etc/ssl/certs/ca-certificates.crt"
fi
docker commit \
  --change 'ENV PATH=/usr/local/rust/bin:/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV CARGO_HOME=/usr/local/cargo' \
  --change 'CMD ["bash"]' \
  "$cid" "$builder" >/dev/null
echo "docker-bases: image $builder (rustc $version; $(docker image inspect --format '{{.Size}}' "$builder") bytes)" >&2

echo "docker build --network host --build-arg BUILDER_IMAGE=$builder --build-arg RUNTIME_IMAGE=$RUNTIME -t gasbench ."
