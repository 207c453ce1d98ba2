#!/usr/bin/env bash
# Sign and verify a generated 100 MB OFD and a 100 MB PDF with eseal (release build); compare
# with `openssl dgst -sm3` over the same bytes; report wall time and peak RSS (/usr/bin/time -v).
# Usage: scripts/bench-doc.sh [ROUNDS] [MB] [ofd|pdf|both]   (python3 builds the test files)
set -euo pipefail
rounds=${1:-3}
mb=${2:-100}
which=${3:-both}
cd "$(dirname "$0")/.."
. scripts/lib.sh
eseal_demo
python3 scripts/ofd-package.py "$work/big.ofd" bench --random-mb "$mb"
python3 - "$work/big.pdf" "$mb" <<'PY'
import os, sys
out, mb = sys.argv[1], int(sys.argv[2])
# One A4 page drawing nothing, and a large image stream (random bytes, as a scan's would be).
objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /XObject << /Im0 5 0 R >> >> >>",
        None, None]
with open(out, "wb") as f:
    f.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(f.tell())
        f.write(b"%d 0 obj\n" % n)
        if n == 4:
            f.write(b"<< /Length 0 >>\nstream\n\nendstream")
        elif n == 5:
            size = mb << 20
            f.write(b"<< /Type /XObject /Subtype /Image /Width %d /Height 1024 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n" % (size // 1024, size))
            for _ in range(mb):
                f.write(os.urandom(1 << 20))
            f.write(b"\nendstream")
        else:
            f.write(body)
        f.write(b"\nendobj\n")
    xref = f.tell()
    f.write(b"xref\n0 %d\n0000000000 65535 f\r\n" % (len(objs) + 1))
    for o in offsets:
        f.write(b"%010d 00000 n\r\n" % o)
    f.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
PY
ls -l "$work/big.ofd" | awk '{printf "package: %.1f MB\n", $5 / 1e6}'
ls -l "$work/big.pdf" | awk '{printf "PDF: %.1f MB\n", $5 / 1e6}'
openssl version

run() { # label, command...: prints seconds and peak RSS (KB)
  /usr/bin/time -v "${@:2}" > /dev/null 2> "$work/time.txt"
  awk -v l="$1" '/Elapsed \(wall clock\)/ {n = split($NF, p, ":"); s = p[n] + (n > 1 ? p[n-1] * 60 : 0)} /Maximum resident/ {r = $NF} END {printf "%s %.3f %d\n", l, s, r}' "$work/time.txt"
}
: > "$work/results"
for ((i = 0; i < rounds; i++)); do
  run openssl openssl dgst -sm3 "$work/big.ofd" >> "$work/results"
  if [ "$which" != ofd ]; then
    run openssl-pdf openssl dgst -sm3 "$work/big.pdf" >> "$work/results"
    rm -f "$work/signed.pdf"
    run sign-pdf "$eseal" sign pdf "${demo_key[@]}" --in "$work/big.pdf" --out "$work/signed.pdf" --x 120 --y 30 >> "$work/results"
    run verify-pdf "$eseal" verify "$work/signed.pdf" --trust "$work/demo" >> "$work/results"
  fi
  [ "$which" = pdf ] && continue
  rm -f "$work/signed.ofd"
  run sign "$eseal" sign ofd "${demo_key[@]}" --in "$work/big.ofd" --out "$work/signed.ofd" >> "$work/results"
  run verify "$eseal" verify "$work/signed.ofd" --trust "$work/demo" >> "$work/results"
  if [ -d /dev/shm ]; then # the same signing with the output in memory: no disk flush
    rm -f /dev/shm/eseal-bench-$$.ofd
    run sign-tmpfs "$eseal" sign ofd "${demo_key[@]}" --in "$work/big.ofd" --out /dev/shm/eseal-bench-$$.ofd >> "$work/results"
    rm -f /dev/shm/eseal-bench-$$.ofd
  fi
done
[ "$which" = pdf ] || "$eseal" --lang en verify "$work/signed.ofd" --trust "$work/demo" | tail -1
[ "$which" = ofd ] || "$eseal" --lang en verify "$work/signed.pdf" --trust "$work/demo" | tail -1
echo
echo "median of $rounds rounds ($mb MB of content):"
printf '%-22s %10s %10s %14s\n' "" "seconds" "MB/s" "peak RSS (MB)"
base=$(awk '$1 == "openssl" {print $2}' "$work/results" | median)
for l in openssl sign sign-tmpfs verify openssl-pdf sign-pdf verify-pdf; do
  grep -q "^$l " "$work/results" || continue
  s=$(awk -v l=$l '$1 == l {print $2}' "$work/results" | median)
  r=$(awk -v l=$l '$1 == l {print $3}' "$work/results" | median)
  printf '%-22s %10.3f %10.1f %14.1f\n' "$l" "$s" "$(awk -v s="$s" -v m="$mb" 'BEGIN {print m * 1.048576 / s}')" "$(awk -v r="$r" 'BEGIN {print r / 1024}')"
done
base_pdf=$(awk '$1 == "openssl-pdf" {print $2}' "$work/results" | median)
for l in sign sign-tmpfs verify sign-pdf verify-pdf; do
  grep -q "^$l " "$work/results" || continue
  s=$(awk -v l=$l '$1 == l {print $2}' "$work/results" | median)
  b=$base
  case $l in *-pdf) b=$base_pdf ;; esac
  awk -v l=$l -v s="$s" -v b="$b" 'BEGIN {printf "%s speed / openssl dgst -sm3 speed: %.2fx\n", l, b / s}'
done
