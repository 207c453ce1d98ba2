#!/usr/bin/env bash
# Side-by-side crypto benchmark: eseal (release build) against the OpenSSL CLI on this machine.
# Usage: scripts/bench-crypto.sh [ROUNDS] [SECONDS]
# Each round runs `openssl speed sm2`, `openssl speed ecdsap256`, `openssl speed -evp sm3` and
# `eseal bench` one after the other; the table shows the median of the rounds and the ratios:
# eseal against OpenSSL's SM2 and SM3, and eseal's SM2 against OpenSSL's P-256 ECDSA (the same
# curve shape with x86-64 assembly: the practical limit for a 256-bit prime curve here; and
# eseal's verification under a key it has learnt, see eseal_gm::keytables), and
# SM3 in cycles per byte at the core's clock (measured by `eseal bench`) beside its bound.
set -euo pipefail
rounds=${1:-5}
seconds=${2:-3}
cd "$(dirname "$0")/.."
cargo build --release -q -p eseal-cli
eseal=target/release/eseal
openssl version
grep -m1 'model name' /proc/cpuinfo || true

declare -a o_sign o_verify o_sm3 p_sign p_verify e_sign e_verify e_learnt e_sm3 clock cycles
for ((i = 0; i < rounds; i++)); do
  line=$(openssl speed -seconds "$seconds" sm2 2>/dev/null | awk '/SM2/ {print $(NF-1), $NF}')
  o_sign+=("${line% *}"); o_verify+=("${line#* }")
  line=$(openssl speed -seconds "$seconds" ecdsap256 2>/dev/null | awk '/nistp256/ {print $(NF-1), $NF}')
  p_sign+=("${line% *}"); p_verify+=("${line#* }")
  k=$(openssl speed -seconds "$seconds" -bytes 16384 -evp sm3 2>/dev/null | awk '/^sm3/ {print $2}')
  o_sm3+=("$(awk -v k="${k%k}" 'BEGIN {printf "%.1f", k / 1000}')")
  out=$("$eseal" bench --seconds "$seconds")
  e_sign+=("$(sed -E 's/.*sm2_sign_per_s=([0-9.]+).*/\1/' <<<"$out")")
  e_verify+=("$(sed -E 's/.*sm2_verify_per_s=([0-9.]+).*/\1/' <<<"$out")")
  e_learnt+=("$(sed -E 's/.*sm2_verify_learnt_key_per_s=([0-9.]+).*/\1/' <<<"$out")")
  e_sm3+=("$(sed -E 's/.*sm3_mb_per_s=([0-9.]+).*/\1/' <<<"$out")")
  clock+=("$(sed -E 's/.*clock_ghz=([0-9.]+).*/\1/' <<<"$out")")
  cycles+=("$(sed -E 's/.*sm3_cycles_per_byte=([0-9.]+).*/\1/' <<<"$out")")
  echo "round $((i + 1)): openssl sm2 sign ${o_sign[-1]}/s verify ${o_verify[-1]}/s p256 sign ${p_sign[-1]}/s verify ${p_verify[-1]}/s sm3 ${o_sm3[-1]} MB/s | eseal sign ${e_sign[-1]}/s verify ${e_verify[-1]}/s (learnt key ${e_learnt[-1]}/s) sm3 ${e_sm3[-1]} MB/s"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
row() {
  local name=$1 unit=$2 o e
  o=$(median "${@:3:rounds}")
  e=$(median "${@:3+rounds}")
  printf '%-20s %12s %12s %8s\n' "$name ($unit)" "$o" "$e" "$(awk -v e="$e" -v o="$o" 'BEGIN {printf "%.2fx", e / o}')"
}
echo
echo "median of $rounds rounds, ${seconds}s each"
printf '%-20s %12s %12s %8s\n' "" "openssl" "eseal" "ratio"
row "SM2 sign" "/s" "${o_sign[@]}" "${e_sign[@]}"
row "SM2 verify" "/s" "${o_verify[@]}" "${e_verify[@]}"
row "SM3" "MB/s" "${o_sm3[@]}" "${e_sm3[@]}"
echo
echo "eseal SM2 against OpenSSL P-256 ECDSA (goal: sign >= 0.5x, verify >= 0.6x)"
printf '%-20s %12s %12s %8s\n' "" "p-256" "eseal sm2" "ratio"
row "sign" "/s" "${p_sign[@]}" "${e_sign[@]}"
row "verify" "/s" "${p_verify[@]}" "${e_verify[@]}"
# A key the verifier has seen 16 times gets a table of its multiples (eseal_gm::keytables):
# not OpenSSL's workload (one-off verification), shown beside it.
row "verify, learnt" "/s" "${p_verify[@]}" "${e_learnt[@]}"
echo
# SM3 in cycles per byte: eseal's from its fastest short runs at the clock measured the same
# way (`eseal bench`), OpenSSL's scaled from it by the two rates of the same rounds. The
# bound: each of the 64 rounds per 64-byte block carries E through a chain of 7 dependent
# one-cycle steps (E + …, <<< 7, + GG + H + W, then P0: two rotates side by side and two
# xors), so one message cannot hash in fewer than 7 cycles per byte on a core without SM3
# instructions.
ghz=$(median "${clock[@]}")
cpb=$(median "${cycles[@]}")
o=$(median "${o_sm3[@]}")
e=$(median "${e_sm3[@]}")
ocpb=$(awk -v c="$cpb" -v e="$e" -v o="$o" 'BEGIN {printf "%.2f", c * e / o}')
echo "SM3 at ${ghz} GHz (measured): eseal ${cpb} cycles/byte, openssl ${ocpb}, goal 1.3x openssl = $(awk -v c="$ocpb" 'BEGIN {printf "%.2f", c / 1.3}'), latency bound 7.00"
