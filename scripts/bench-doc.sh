#!/usr/bin/env bash
# Sign and verify a generated 100 MB OFD with eseal (release build); compare with
# `openssl dgst -sm3` over the same bytes; report wall time and peak RSS (/usr/bin/time -v).
# Usage: scripts/bench-doc.sh [ROUNDS] [MB]      (needs python3 to build the test package)
set -euo pipefail
rounds=${1:-3}
mb=${2:-100}
cd "$(dirname "$0")/.."
cargo build --release -q -p eseal-cli
eseal=$PWD/target/release/eseal
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$eseal" demo --dir "$work/demo" > /dev/null
python3 - "$work/big.ofd" "$mb" <<'PY'
import os, sys, zipfile
out, mb = sys.argv[1], int(sys.argv[2])
ofd = '<?xml version="1.0" encoding="UTF-8"?>\n<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>bench</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>'
doc = '<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:CommonData><ofd:MaxUnitID>10</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>'
page = '<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer ID="2"/></ofd:Content></ofd:Page>'
with zipfile.ZipFile(out, "w") as z:
    z.writestr("OFD.xml", ofd, zipfile.ZIP_DEFLATED)
    z.writestr("Doc_0/Document.xml", doc, zipfile.ZIP_DEFLATED)
    z.writestr("Doc_0/Pages/Page_0/Content.xml", page, zipfile.ZIP_DEFLATED)
    with z.open("Doc_0/Res/scan.bin", "w", force_zip64=True) as f:
        for _ in range(mb):
            f.write(os.urandom(1 << 20))
PY
ls -l "$work/big.ofd" | awk '{printf "package: %.1f MB\n", $5 / 1e6}'
openssl version

run() { # label, command...: prints seconds and peak RSS (KB)
  /usr/bin/time -v "${@:2}" > /dev/null 2> "$work/time.txt"
  awk -v l="$1" '/Elapsed \(wall clock\)/ {n = split($NF, p, ":"); s = p[n] + (n > 1 ? p[n-1] * 60 : 0)} /Maximum resident/ {r = $NF} END {printf "%s %.3f %d\n", l, s, r}' "$work/time.txt"
}
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
: > "$work/results"
for ((i = 0; i < rounds; i++)); do
  run openssl openssl dgst -sm3 "$work/big.ofd" >> "$work/results"
  rm -f "$work/signed.ofd"
  run sign "$eseal" sign ofd --seal "$work/demo/seal.esl" --cert "$work/demo/signer.pem" --key "$work/demo/signer.key" --in "$work/big.ofd" --out "$work/signed.ofd" >> "$work/results"
  run verify "$eseal" verify "$work/signed.ofd" --trust "$work/demo" >> "$work/results"
  if [ -d /dev/shm ]; then # the same signing with the output in memory: no disk flush
    rm -f /dev/shm/eseal-bench-$$.ofd
    run sign-tmpfs "$eseal" sign ofd --seal "$work/demo/seal.esl" --cert "$work/demo/signer.pem" --key "$work/demo/signer.key" --in "$work/big.ofd" --out /dev/shm/eseal-bench-$$.ofd >> "$work/results"
    rm -f /dev/shm/eseal-bench-$$.ofd
  fi
done
"$eseal" --lang en verify "$work/signed.ofd" --trust "$work/demo" | tail -1
echo
echo "median of $rounds rounds ($mb MB of content):"
printf '%-22s %10s %10s %14s\n' "" "seconds" "MB/s" "peak RSS (MB)"
base=$(awk '$1 == "openssl" {print $2}' "$work/results" | median)
for l in openssl sign sign-tmpfs verify; do
  grep -q "^$l " "$work/results" || continue
  s=$(awk -v l=$l '$1 == l {print $2}' "$work/results" | median)
  r=$(awk -v l=$l '$1 == l {print $3}' "$work/results" | median)
  printf '%-22s %10.3f %10.1f %14.1f\n' "$l" "$s" "$(awk -v s="$s" -v m="$mb" 'BEGIN {print m * 1.048576 / s}')" "$(awk -v r="$r" 'BEGIN {print r / 1024}')"
done
for l in sign sign-tmpfs verify; do
  grep -q "^$l " "$work/results" || continue
  s=$(awk -v l=$l '$1 == l {print $2}' "$work/results" | median)
  awk -v l=$l -v s="$s" -v b="$base" 'BEGIN {printf "%s speed / openssl dgst -sm3 speed: %.2fx\n", l, b / s}'
done
