#!/usr/bin/env bash
# Verification cost with many signatures (issue 22): an OFD with a 1 MB attachment signed
# SIGNATURES times (each signature over the package as the previous one left it), verified
# with eseal (release build) against `openssl dgst -sm3` over the same file, ROUNDS times.
# Usage: [KEEP=DIR] scripts/bench-many.sh [SIGNATURES] [ROUNDS]   (KEEP: leave the signed file
#        and the demo trust store in DIR, e.g. for `perf record`)
set -euo pipefail
count=${1:-100}
rounds=${2:-5}
cd "$(dirname "$0")/.."
. scripts/lib.sh
eseal_demo
python3 scripts/ofd-package.py "$work/s0.ofd" bench --rows 16000
for ((i = 0; i < count; i++)); do
  "$eseal" sign ofd "${demo_key[@]}" --in "$work/s$i.ofd" --out "$work/s$((i + 1)).ofd" > /dev/null 2>&1
  rm -f "$work/s$i.ofd"
done
file=$work/s$count.ofd
ls -l "$file" | awk -v c="$count" '{printf "package: %.2f MB, %d signatures\n", $5 / 1e6, c}'
"$eseal" --lang en verify "$file" --trust "$work/demo" | tail -1
secs() { local s e; s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN {printf "%.4f\n", e - s}'; }
: > "$work/o"; : > "$work/v"
for ((i = 0; i < rounds; i++)); do
  secs openssl dgst -sm3 "$file" >> "$work/o"
  secs "$eseal" verify "$file" --trust "$work/demo" >> "$work/v"
done
o=$(median < "$work/o"); v=$(median < "$work/v")
if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp -r "$file" "$work/demo" "$KEEP/"; fi
echo "median of $rounds rounds: openssl dgst -sm3 ${o}s, eseal verify ${v}s: $(awk -v o="$o" -v v="$v" 'BEGIN {printf "%.1fx", v / o}') the time of openssl dgst -sm3 (goal <= 3x)"
