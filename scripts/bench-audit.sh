#!/usr/bin/env bash
# The audit log and the transparency tree (issue 8): audited appends/s through the store
# (SQLite, or PostgreSQL with ESEAL_BENCH_PG=postgres://…), the proof phase over the whole log,
# and the tree at 10^6 leaves (build, inclusion and consistency proofs: time and size), with
# SM3 alone and `openssl speed` SM3 on the same machine for comparison
# (crates/eseal-server/examples/bench_audit.rs).
# Usage: [ESEAL_BENCH_PG=postgres://…] scripts/bench-audit.sh [CLIENTS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release -q -p eseal-server --example bench_audit -- "${1:-16}" "${2:-20}"
if command -v openssl >/dev/null; then
    openssl speed -seconds 2 -bytes 256 -evp sm3 2>/dev/null | tail -2
fi
