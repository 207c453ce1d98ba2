#!/usr/bin/env bash
# Walks the registry lifecycle over HTTP with curl, as the README describes: starts
# `eseal serve --demo` in a temporary directory, logs in as the first administrator (password
# and TOTP secret from its startup output, the code from `eseal totp`), creates an applicant,
# a reviewer and a maker, applies for the demo organisation's contract seal with three
# materials, approves, makes it (the registered impression comes from the police simulator),
# waits for the filing (备案) receipt, revokes it with proof, shows the public status, and the
# seal's entries in the public transparency log with their proofs.
# Needs curl. Usage: scripts/demo-registry.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p eseal-cli
E=$PWD/target/debug/eseal
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
"$E" --lang en serve --demo --listen 127.0.0.1:$port --data "$work/data" --filing-every-ms 500 --audit-every-secs 1 > "$work/serve.out" 2>&1 &
server=$!
trap 'kill $server 2> /dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do grep -q "TOTP secret" "$work/serve.out" 2> /dev/null && break; sleep 0.2; done
API=http://127.0.0.1:$port/api/v1
PW=$(sed -n 's/.*password: //p' "$work/serve.out" | head -1)
SECRET=$(sed -n 's/.*TOTP secret: //p' "$work/serve.out" | head -1)
json() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
login() {
  curl -sf $API/login -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$2\",\"totp\":\"$("$E" totp "$3")\"}" | json token
}
step() { printf '\n== %s\n' "$1"; }

step "log in as admin (password + TOTP), create users"
ADMIN=$(login admin "$PW" "$SECRET")
declare -A TOTP
for u in applicant reviewer maker; do
  TOTP[$u]=$(curl -sf $API/users -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' \
    -d "{\"username\":\"$u\",\"display_name\":\"$u\",\"roles\":[\"$u\"],\"password\":\"Demo-Password-2026\"}" | json totp_secret)
  echo "  $u"
done
AP=$(login applicant Demo-Password-2026 "${TOTP[applicant]}")
RV=$(login reviewer Demo-Password-2026 "${TOTP[reviewer]}")
MK=$(login maker Demo-Password-2026 "${TOTP[maker]}")

step "apply for 威海市示例科技有限公司合同专用章 with three materials, submit"
ID=$(curl -sf $API/applications -H "authorization: Bearer $AP" -H 'content-type: application/json' \
  -d '{"kind":{"official":{"business":"contract"}},"seal_name":"威海市示例科技有限公司合同专用章","organisation_code":"91350100M000100Y43"}' | json id)
for k in business_licence agent_id authorisation; do
  SM3=$(echo "scan of $k" | curl -sf $API/materials -H "authorization: Bearer $AP" --data-binary @- | json sm3)
  curl -sf $API/applications/$ID/materials -H "authorization: Bearer $AP" -H 'content-type: application/json' \
    -d "{\"kind\":\"$k\",\"sm3\":\"$SM3\"}" > /dev/null
done
curl -sf -X POST $API/applications/$ID/submit -H "authorization: Bearer $AP" | json state; echo
echo "  application $ID"

step "the applicant may not approve their own application"
curl -s -X POST $API/applications/$ID/approve -H "authorization: Bearer $AP"; echo

step "reviewer approves, maker makes the seal (platform key, development CA)"
curl -sf -X POST $API/applications/$ID/approve -H "authorization: Bearer $RV" > /dev/null
SEAL=$(curl -sf $API/applications/$ID/make -H "authorization: Bearer $MK" -H 'content-type: application/json' -d '{"key":"platform","pin":"480213"}' | json id)
echo "  seal $SEAL"

step "filing (备案) with the police simulator"
for _ in $(seq 30); do
  out=$(curl -sf "$API/filings?state=delivered" -H "authorization: Bearer $MK")
  echo "$out" | grep -q "$SEAL-v1" && break
  sleep 0.5
done
echo "$out" | grep -o '"receipt":"[^"]*"' | head -1

step "public status, then revoke (lost, with a loss report) and status again"
curl -sf $API/status/$SEAL; echo
PROOF=$(echo "police loss report" | curl -sf $API/materials -H "authorization: Bearer $MK" --data-binary @- | json sm3)
curl -sf $API/seals/$SEAL/revoke -H "authorization: Bearer $MK" -H 'content-type: application/json' \
  -d "{\"reason\":\"stolen_or_lost\",\"proof\":[\"$PROOF\"]}" > /dev/null
curl -sf $API/status/$SEAL; echo

step "the public seal transparency log: the seal's entries (made, revoked) with inclusion proofs"
for _ in $(seq 30); do
  out=$(curl -s $API/transparency/seals/$SEAL)
  echo "$out" | grep -q '"pending":0' && echo "$out" | grep -q 'revoked:stolen_or_lost' && break
  sleep 0.5
done
echo "$out" | grep -o '\\"event\\":\\"[a-z]*\\"' | tr -d '\\'
curl -sf $API/transparency/checkpoint
