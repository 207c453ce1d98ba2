#!/usr/bin/env bash
# Status-query latency and throughput of the registry over HTTP (issue 6): load N seals
# (default 100,000; half revoked), start `eseal serve` (release build), and drive
# GET /api/v1/status/{random id} with wrk (Debian package, installed if missing):
#   1. paced: 10 connections, each waiting 10 ms between requests (≈ 1,000 req/s offered);
#   2. saturated: 32 connections as fast as possible;
#   3. baseline: the same, on /api/v1/health (HTTP stack without the database).
# wrk and the server share the machine. Runs on SQLite, and on PostgreSQL when
# ESEAL_BENCH_PG (a URL) is set (each run in a fresh schema).
# Usage: scripts/bench-registry.sh [SEALS] [SECONDS]
set -euo pipefail
seals=${1:-100000}
seconds=${2:-30}
cd "$(dirname "$0")/.."
if ! command -v wrk > /dev/null; then
  apt-get install -y -q wrk > /dev/null 2>&1 || { apt-get update -q > /dev/null && apt-get install -y -q wrk > /dev/null; }
fi
cargo build --release -q -p eseal-cli
cargo build --release -q -p eseal-server --example seed
eseal=$PWD/target/release/eseal
seed=$PWD/target/release/examples/seed
work=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2> /dev/null; rm -rf "$work"; }
trap cleanup EXIT

cat > "$work/status.lua" <<LUA
math.randomseed(42)
request = function()
  return wrk.format("GET", string.format("/api/v1/status/ES%024d", math.random(0, $seals - 1)))
end
LUA
cat > "$work/paced.lua" <<LUA
math.randomseed(7)
request = function()
  return wrk.format("GET", string.format("/api/v1/status/ES%024d", math.random(0, $seals - 1)))
end
delay = function() return 10 end
LUA

summary() { # label, wrk output file
  awk -v l="$1" '
    /^ +50%/ {p50 = $2} /^ +99%/ {p99 = $2}
    /Requests\/sec/ {rps = $2}
    /Non-2xx/ {bad = $NF}
    END {printf "%-28s req/s %8s   p50 %8s   p99 %8s   non-2xx %s\n", l, rps, p50, p99, (bad == "" ? 0 : bad)}' "$2"
}

run_backend() { # label, extra serve args...
  local label=$1; shift
  local port=$((20000 + RANDOM % 20000))
  "$eseal" serve --listen 127.0.0.1:$port --data "$work/data-$label" "$@" > "$work/serve-$label.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/api/v1/health" > /dev/null && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$port/api/v1/status/ES$(printf '%024d' 1)" > /dev/null
  wrk -t1 -c4 -d3s -s "$work/status.lua" "http://127.0.0.1:$port" > /dev/null # warm-up
  wrk -t2 -c10 -d"${seconds}s" --latency -s "$work/paced.lua" "http://127.0.0.1:$port" > "$work/paced-$label.txt"
  wrk -t2 -c32 -d"${seconds}s" --latency -s "$work/status.lua" "http://127.0.0.1:$port" > "$work/max-$label.txt"
  # Baseline in the same run: the same server answering /api/v1/health (no database).
  wrk -t2 -c32 -d"${seconds}s" --latency "http://127.0.0.1:$port/api/v1/health" > "$work/health-$label.txt"
  summary "$label paced (10 conn)" "$work/paced-$label.txt"
  summary "$label saturated (32 conn)" "$work/max-$label.txt"
  summary "$label health baseline (32 conn)" "$work/health-$label.txt"
  kill "$server"; wait "$server" 2> /dev/null || true; server=
}

echo "seals: $seals, ${seconds}s per run, $(nproc) cores, $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"
"$seed" --data "$work/data-sqlite" --count "$seals"
run_backend sqlite
if [ -n "${ESEAL_BENCH_PG:-}" ]; then
  schema="eseal_bench_$$"
  "$seed" --database "$ESEAL_BENCH_PG" --schema "$schema" --count "$seals"
  run_backend postgres --database "$ESEAL_BENCH_PG" --database-schema "$schema"
  psql "$ESEAL_BENCH_PG" -qc "DROP SCHEMA $schema CASCADE" > /dev/null 2>&1 || true
fi
