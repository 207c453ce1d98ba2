# Shared by the scripts that sign and verify OFD packages with the release CLI (bench-many.sh,
# bench-doc.sh, attack-coverage.sh). Source it from the repository root.

# Builds the release CLI ($eseal), makes a work directory removed on exit ($work), a demo
# seal, signer and trust store in $work/demo, and the flags that sign with them ($demo_key:
# `"$eseal" sign ofd "${demo_key[@]}" --in IN --out OUT`).
eseal_demo() {
  cargo build --release -q -p eseal-cli
  eseal=$PWD/target/release/eseal
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  "$eseal" demo --dir "$work/demo" > /dev/null
  demo_key=(--seal "$work/demo/seal.esl" --cert "$work/demo/signer.pem" --key "$work/demo/signer.key")
}

# The median of the numbers on standard input, one per line.
median() {
  sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}
