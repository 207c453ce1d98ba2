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
cargo build --release -q -p eseal-cli
eseal=$PWD/target/release/eseal
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$eseal" demo --dir "$work/demo" > /dev/null
python3 - "$work/s0.ofd" <<'PY'
import os, sys, zipfile
ofd = '<?xml version="1.0" encoding="UTF-8"?>\n<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>bench</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>'
doc = '<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:CommonData><ofd:MaxUnitID>10</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>'
page = '<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer ID="2"/></ofd:Content></ofd:Page>'
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("OFD.xml", ofd, zipfile.ZIP_DEFLATED)
    z.writestr("Doc_0/Document.xml", doc, zipfile.ZIP_DEFLATED)
    z.writestr("Doc_0/Pages/Page_0/Content.xml", page, zipfile.ZIP_DEFLATED)
    # Compressible content (deflated in the package, so verification inflates it).
    z.writestr("Doc_0/Attachs/data.xml", (b"<row>" + os.urandom(24).hex().encode() + b"</row>\n") * 16000, zipfile.ZIP_DEFLATED)
PY
for ((i = 0; i < count; i++)); do
  "$eseal" sign ofd --seal "$work/demo/seal.esl" --cert "$work/demo/signer.pem" --key "$work/demo/signer.key" \
    --in "$work/s$i.ofd" --out "$work/s$((i + 1)).ofd" > /dev/null 2>&1
  rm -f "$work/s$i.ofd"
done
file=$work/s$count.ofd
ls -l "$file" | awk -v c="$count" '{printf "package: %.2f MB, %d signatures\n", $5 / 1e6, c}'
"$eseal" --lang en verify "$file" --trust "$work/demo" | tail -1
secs() { local s e; s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN {printf "%.4f\n", e - s}'; }
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
: > "$work/o"; : > "$work/v"
for ((i = 0; i < rounds; i++)); do
  secs openssl dgst -sm3 "$file" >> "$work/o"
  secs "$eseal" verify "$file" --trust "$work/demo" >> "$work/v"
done
o=$(median < "$work/o"); v=$(median < "$work/v")
if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp -r "$file" "$work/demo" "$KEEP/"; fi
echo "median of $rounds rounds: openssl dgst -sm3 ${o}s, eseal verify ${v}s: $(awk -v o="$o" -v v="$v" 'BEGIN {printf "%.1fx", v / o}') the time of openssl dgst -sm3 (goal <= 3x)"
