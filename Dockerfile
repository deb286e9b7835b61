# gasbench as an image: a multi-stage build (Rust toolchain only in the first stage), a
# small Debian runtime, a non-root user, and the ready scenarios inside.
#
#   docker build -t gasbench .
#   docker run --rm gasbench                      # the quickstart (embedded chain)
#   # a node on the host's 127.0.0.1:8545, e.g. anvil --block-time 1 --gas-limit 1000000000:
#   docker run --rm --network host gasbench run scenarios/mixed.yaml --set load.open.rate=500 \
#     --set 'target={kind: rpc, http: "http://127.0.0.1:8545", ws: "ws://127.0.0.1:8545"}'
#
# tests/it/image.rs runs these two `docker run` lines (on the imported image below) and
# holds this file's runtime stage (user, paths, entrypoint, command) to that image's.
#
# The base images are build arguments (defaults: the public images). Where no registry is
# reachable, scripts/docker-bases.sh builds both locally from Debian's packages and the
# host's Rust toolchain, and prints the `docker build` command that uses them; and
# scripts/docker-up.sh imports the same layout as `local/gasbench:dev` from a built binary.
ARG BUILDER_IMAGE=rust:1.95-slim-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${BUILDER_IMAGE} AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p gasbench --bin gasbench \
 && strip target/release/gasbench

FROM ${RUNTIME_IMAGE}
# CA roots for https:// and wss:// nodes; nothing else. apt's caches go too: a base
# without the public image's docker-clean hook keeps ~80 MB of them in this layer.
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log \
 && useradd --uid 10001 --create-home --shell /usr/sbin/nologin gasbench
COPY --from=build /src/target/release/gasbench /usr/local/bin/gasbench
COPY --chown=10001:10001 scenarios /home/gasbench/scenarios
USER 10001
WORKDIR /home/gasbench
ENTRYPOINT ["/usr/local/bin/gasbench"]
CMD ["run", "scenarios/quickstart.yaml"]
