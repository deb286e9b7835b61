# gasbench as an image: a multi-stage build (Rust toolchain only in the first stage), a
# small Debian runtime, a non-root user, and the ready scenarios inside.
#
#   docker build -t gasbench .
#   docker run --rm gasbench                      # the quickstart (embedded chain)
#   docker run --rm --network host gasbench run scenarios/mixed.yaml \
#     --set 'target={kind: rpc, http: "http://127.0.0.1:8545"}'
#
# Where no registry is reachable (no base image can be pulled), scripts/docker-up.sh builds
# the same layout as `local/gasbench:dev` with `docker import` from a built binary.

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p gasbench --bin gasbench \
 && strip target/release/gasbench

FROM debian:bookworm-slim
# CA roots for https:// and wss:// nodes; nothing else.
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --create-home --shell /usr/sbin/nologin gasbench
COPY --from=build /src/target/release/gasbench /usr/local/bin/gasbench
COPY --chown=10001:10001 scenarios /home/gasbench/scenarios
USER 10001
WORKDIR /home/gasbench
ENTRYPOINT ["/usr/local/bin/gasbench"]
CMD ["run", "scenarios/quickstart.yaml"]
