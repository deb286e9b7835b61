# gasbench as an image: a multi-stage build (Rust toolchain only in the first stage), a
# small Debian runtime, a non-root user, and the ready scenarios inside.
#
#   docker build -t gasbench .
#   docker run --rm gasbench                      # the quickstart (embedded chain)
#   docker run --rm --network host gasbench run scenarios/mixed.yaml \
#     --set 'target={kind: rpc, http: "http://127.0.0.1:8545"}'
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
