#!/usr/bin/env bash
# Backup and restore of SEALS seals (issue 21; default 100,000), and detached signing over
# HTTP with and without backups running, in one run (crates/eseal-server/examples/bench_backup.rs).
# SQLite, then PostgreSQL when ESEAL_BENCH_PG (a URL) is set. Release build.
# Usage: [ESEAL_BENCH_PG=postgres://…] scripts/bench-backup.sh [SEALS] [SECONDS] [CLIENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p eseal-server --example bench_backup
bin=target/release/examples/bench_backup
pg=${ESEAL_BENCH_PG:-}
ESEAL_BENCH_PG= "$bin" "${1:-100000}" "${2:-20}" "${3:-8}"
if [ -n "$pg" ]; then
  ESEAL_BENCH_PG=$pg "$bin" "${1:-100000}" "${2:-20}" "${3:-8}"
fi
