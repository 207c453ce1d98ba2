#!/usr/bin/env bash
# Server time of the console's pages at scale (issue 19): builds the release benchmark and
# runs it — N seals and N filings seeded into a fresh SQLite registry, R sequential requests
# per page from one client on loopback after 20 warm-up requests; median and p99 per page.
# Usage: scripts/bench-console.sh [N] [R]   (defaults 100000 300)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p eseal-server --example bench_console
exec target/release/examples/bench_console "${1:-100000}" "${2:-300}"
