#!/usr/bin/env bash
# Page rendering speed and memory (issue 18): a 2-page VAT invoice (the Chongqing sample's
# page listed twice) and generated A4 documents of 10 and 100 pages (40 lines of Chinese text
# and 60 rules a page), each page drawn to PNG at 150 dpi by eseal-render in one process:
# median and p90 ms per page, peak RSS (/usr/bin/time -v). Side by side, per process on the
# same invoice page: `eseal render` (read, draw, PNG) and librsvg's `rsvg-convert` drawing
# eseal's SVG of that page at 150 dpi.
# Usage: scripts/bench-render.sh [ROUNDS]     (needs ../shared/samples or $ESEAL_SAMPLES,
# the fonts .ci/run installs, /usr/bin/time; rsvg-convert from librsvg2-bin if present)
set -euo pipefail
rounds=${1:-20}
cd "$(dirname "$0")/.."
samples=${ESEAL_SAMPLES:-../shared/samples}
cargo build --release -q -p eseal-render --example bench_render
cargo build --release -q -p eseal-cli
bench=$PWD/target/release/examples/bench_render
eseal=$PWD/target/release/eseal
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rss() { awk '/Maximum resident/ {print $NF}' "$1"; }
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
echo
echo "in-process, per page (render + PNG 150 dpi; the first page, which loads the fonts, is left out):"
printf '%-26s %s\n' "document" "result"
/usr/bin/time -v "$bench" invoice "$samples/v4signed.ofd" "$rounds" > "$work/out" 2> "$work/time"
printf '%-26s %s peak_rss_kb=%s\n' "invoice, 2 pages x$rounds" "$(cat "$work/out")" "$(rss "$work/time")"
for pages in 10 100; do
  /usr/bin/time -v "$bench" generated "$pages" 1 > "$work/out" 2> "$work/time"
  printf '%-26s %s peak_rss_kb=%s\n' "generated, $pages pages" "$(cat "$work/out")" "$(rss "$work/time")"
done

echo
echo "per process, the invoice page at 150 dpi (median of $rounds runs, wall ms):"
"$eseal" --lang en render "$samples/v4signed.ofd" --format svg --out "$work/invoice.svg" > /dev/null 2>&1
: > "$work/eseal.ms"
: > "$work/rsvg.ms"
for ((i = 0; i < rounds; i++)); do
  rm -f "$work/e.png" "$work/r.png"
  s=$(date +%s%N)
  "$eseal" --lang en render "$samples/v4signed.ofd" --dpi 150 --out "$work/e.png" > /dev/null 2>&1
  echo $(( ($(date +%s%N) - s) / 1000000 )) >> "$work/eseal.ms"
  if command -v rsvg-convert > /dev/null; then
    s=$(date +%s%N)
    rsvg-convert -d 150 -p 150 -o "$work/r.png" "$work/invoice.svg"
    echo $(( ($(date +%s%N) - s) / 1000000 )) >> "$work/rsvg.ms"
  fi
done
e=$(median < "$work/eseal.ms")
printf '%-40s %s ms\n' "eseal render (OFD -> PNG)" "$e"
if [ -s "$work/rsvg.ms" ]; then
  r=$(median < "$work/rsvg.ms")
  printf '%-40s %s ms\n' "rsvg-convert (eseal's SVG -> PNG)" "$r"
  awk -v e="$e" -v r="$r" 'BEGIN {printf "ratio eseal / rsvg-convert: %.2f\n", e / r}'
else
  echo "rsvg-convert not installed (apt-get install librsvg2-bin): no reference"
fi
