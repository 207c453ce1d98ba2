#!/usr/bin/env bash
# The coverage amplification (docs/known-attacks.md): an OFD with RECORDS signature records
# (copies of one real signature, each with its own Signature.xml and SignedValue) and JUNK
# one-byte entries that no signature protects, verified with the release CLI; prints the
# package's size, the wall time, the peak memory and the size of the report, ROUNDS times.
# Usage: [OTHER=path/to/eseal] scripts/attack-coverage.sh [RECORDS] [JUNK] [ROUNDS]
#        (OTHER: another build, e.g. one before a fix, timed on the same package in turn)
set -euo pipefail
records=${1:-1000}
junk=${2:-100000}
rounds=${3:-3}
cd "$(dirname "$0")/.."
. scripts/lib.sh
eseal_demo
python3 scripts/ofd-package.py "$work/in.ofd" attack
"$eseal" sign ofd "${demo_key[@]}" --in "$work/in.ofd" --out "$work/signed.ofd" > /dev/null
python3 - "$work/signed.ofd" "$work/attack.ofd" "$records" "$junk" <<'PY'
import re, sys, zipfile
src, dst, records, junk = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
zin = zipfile.ZipFile(src)
names = zin.namelist()
lst = next(n for n in names if n.endswith("Signatures.xml"))
sig = next(n for n in names if n.endswith("/Signature.xml"))
sdir = sig.rsplit("/", 1)[0]
value = next(n for n in names if n.startswith(sdir + "/") and "SignedValue" in n)
sig_text = zin.read(sig).decode()
value_bytes = zin.read(value)
list_text = zin.read(lst).decode()
record = re.search(r"<ofd:Signature [^>]*/>", list_text).group(0)
with zipfile.ZipFile(dst, "w") as z:
    for n in names:
        if n != lst:
            z.writestr(n, zin.read(n), zin.getinfo(n).compress_type)
    more = ""
    for i in range(1, records):
        d = f"{sdir}_{i}"
        z.writestr(f"{d}/Signature.xml", sig_text.replace(value, f"{d}/SignedValue.dat"))
        z.writestr(f"{d}/SignedValue.dat", value_bytes)
        more += record.replace(sdir, d).replace('ID="', f'ID="x{i}_', 1)
    for i in range(junk):
        z.writestr(f"Doc_0/Res/j{i}", b"x")
    z.writestr(lst, list_text.replace(record, record + more))
PY
ls -l "$work/attack.ofd" | awk -v r="$records" -v j="$junk" '{printf "package: %.1f MB, %d records, %d unprotected entries\n", $5 / 1e6, r, j}'
for ((i = 0; i < rounds; i++)); do
  for bin in "$eseal" ${OTHER:-}; do
    /usr/bin/time -f "wall %e s, CPU %U+%S s, peak memory %M KB" "$bin" --lang en verify "$work/attack.ofd" \
      --trust "$work/demo" --json > "$work/report.json" 2> "$work/time" || true
    echo "$bin: $(tail -1 "$work/time"), report $(wc -c < "$work/report.json") bytes"
  done
done
