#!/usr/bin/env bash
# Signing a ~100 KB OFD over HTTP with CLIENTS concurrent clients for SECONDS (issue 7):
# throughput, p50/p99, against the raw SM2 signing rate and the Argon2id PIN derivation
# measured in the same run (crates/eseal-server/examples/bench_sign.rs). The service runs
# in-process on SQLite in a temporary directory; clients talk to it over loopback HTTP.
# Usage: [ESEAL_BENCH_PG=postgres://…] [ESEAL_BENCH_MODES=pin,session,batch,detached]
#        scripts/bench-sign.sh [CLIENTS] [SECONDS]
# Modes (default pin,session,batch,detached): also bytes (the OFD as multipart bytes), pdf
# (an 82 KB PDF under a session) and read (an authenticated record read: the floor).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release -q -p eseal-server --example bench_sign -- "${1:-8}" "${2:-60}"
