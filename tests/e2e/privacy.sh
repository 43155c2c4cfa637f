#!/usr/bin/env bash
# privacy.sh -- nothing about a child outside the sealed store: the demo's whole story (three
# referrals, two cases taken to their end, notes, a diagnosis, the partners' feeds) runs on a
# hub with its data key; then every file of the store, of a snapshot and the broker's log is
# searched for each child's and guardian's names, birth date, school, class and every note,
# description and diagnosis text, and none is found. The audits: without the data key the copy
# passes at the integrity level, with it every signature and both cases; a ciphertext altered on
# disk fails the audit that has no key. The data key's rotation, then the old generation refused.
# usage: privacy.sh RELAIS RELAISD BUILD_DIR SOURCE_DIR MAKE_STORE
set -euo pipefail

relais=$1
relaisd=$2
build=$3
src=$4
make_store=$5
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init privacy
run=$tmp/demo-run

step "the demo's story, on a hub with its data key"
port=$(pick_port) || fail "no free port"
RELAIS_BIN_DIR=$build RELAIS_DEMO_RUN=$run RELAIS_DEMO_PREFERRED_PORT=$port timeout 240 "$src/scripts/demo" \
  >"$tmp/demo.out" 2>&1 || { cat "$tmp/demo.out" >&2; fail "the demo failed"; }
grep -q -- '--data-key' "$run/relaisd.log" && fail "the broker's log names its options"
grep -q 'event=data-key generation=1' "$run/relaisd.log" || fail "the hub did not run with its data key"
key=$run/pki/relais-hub/data.key
"$relais" audit snapshot --store "$run/store" --out "$tmp/snap" >/dev/null

step "what was said about the children, from the examples and the story"
# One needle a line: the values of the personal fields of every example referral, and every
# free text the coordinator wrote in the story.
needles=$tmp/needles
# personal_texts FILE: the values of an example's personal fields, one a line.
personal_texts() {
  sed -n 's/^ *"\(family_name\|birth_date\|school\|class_name\|name\|phone\|address\|description\|support_in_place\)": *"\([^"]*\)".*/\2/p' "$1"
  # given names: the array on one line
  sed -n 's/^ *"given_names": *\[\(.*\)\].*/\1/p' "$1" | tr ',' '\n' | sed 's/^ *"//; s/" *$//'
}
for f in "$src"/examples/*.json; do personal_texts "$f"; done >"$needles"
grep -o -- '--\(note\|diagnosis\) "[^"]*"' "$src/scripts/demo" | sed 's/^--[a-z]* "//; s/"$//' >>"$needles"
sort -u -o "$needles" "$needles"
grep -qx 'Benali' "$needles" && grep -qx '2014-03-12' "$needles" && grep -qx 'Collège Marie Curie' "$needles" &&
  grep -qx 'Assidue à l.atelier, progrès en lecture' "$needles" || fail "the needles are not what the story said: $(cat "$needles")"
echo "   $(wc -l <"$needles") texts, among them: $(head -c 160 "$needles" | tr '\n' '|')"

step "the coordinator did see them: the hub opens the records for her (the demo shows her views)"
grep -qF 'Benali' "$tmp/demo.out" && grep -qF 'Assidue' "$tmp/demo.out" ||
  fail "the coordinator's views do not show the child: the search below would prove nothing"

step "none of them in the store, the snapshot or the broker's log"
found=0
while IFS= read -r needle; do
  [ "${#needle}" -ge 4 ] || continue # a short word would match by chance in ciphertext
  for f in "$run"/store/* "$tmp"/snap/* "$run/relaisd.log"; do
    if grep -a -i -q -F -- "$needle" "$f"; then
      echo "FOUND '$needle' in $f" >&2
      found=$((found + 1))
    fi
  done
done <"$needles"
[ "$found" -eq 0 ] || fail "$found personal texts stored or logged in clear"
echo "   searched $(find "$run/store" "$tmp/snap" -type f | wc -l) store files and the broker's log: nothing"

step "the partners' spools and the data key: private files"
bad=$(find "$run/spool" "$run/pki/relais-hub/data.key" -type f ! -perm 600 2>/dev/null | head -3)
[ -z "$bad" ] || fail "not 0600: $bad"

step "the audits: integrity without the data key, everything with it"
expect_exit 0 "$relais" audit verify --store "$tmp/snap" --certs "$run/pki/registry"
grep -q '^level: integrity only' "$tmp/out" || fail "unkeyed: $(cat "$tmp/out")"
expect_exit 0 "$relais" audit verify --store "$tmp/snap" --certs "$run/pki/registry" --data-key "$key"
grep -q '^level: full, with the data key' "$tmp/out" && grep -qx 'cases: 2 rebuilt, equal to the index' "$tmp/out" ||
  fail "keyed: $(cat "$tmp/out")"
sed 's/^/   /' "$tmp/out"

step "a record exported without the data key: as stored, its leaf recomputed from its fields"
expect_exit 0 "$relais" audit export --store "$tmp/snap"
sealed_line=$(grep -m1 '"key_id"' "$tmp/out") || fail "no sealed record in the export"
grep -q -i -F 'Benali' "$tmp/out" && fail "the unkeyed export shows a child"
sealed_seq=$(field seq "$sealed_line")
# The leaf, from the docs alone: SHA-256 of 0x00 and the canonical LogRecord, fields 1, 2, 4, 5, 6
# in order (docs/log.md); each varint 7 bits a byte, low first.
varint() {
  local n=$1 out=
  while [ "$n" -ge 128 ]; do out+=$(printf '\\x%02x' $(((n & 127) | 128))); n=$((n >> 7)); done
  printf '%s\\x%02x' "$out" "$n"
}
# shellcheck disable=SC2059 # the varints and the hex digits become \x escapes on purpose
{
  printf '\x00'
  printf "\\x08$(varint "$sealed_seq")\\x10$(varint "$(field received_ms "$sealed_line")")"
  printf "\\x20$(varint "$(field key_id "$sealed_line")")\\x2a\\x0c"
  printf "$(field nonce "$sealed_line" | sed 's/../\\x&/g')"
  field sealed "$sealed_line" | base64 -d >"$tmp/ct.bin"
  printf "\\x32$(varint "$(stat -c %s "$tmp/ct.bin")")"
  cat "$tmp/ct.bin"
} >"$tmp/leaf.bin"
leaf=$(sha256sum "$tmp/leaf.bin" | cut -d' ' -f1)
[ "$leaf" = "$(field leaf_hash "$sealed_line")" ] || fail "the leaf from the fields is $leaf: $sealed_line"
expect_exit 0 "$relais" audit export --store "$tmp/snap" --data-key "$key" --from "$sealed_seq" --to "$sealed_seq"
opened_line=$(cat "$tmp/out")
sender=$(field sender "$opened_line")
openssl_verify_line "$opened_line" "$run/pki/registry/$sender.cert" ||
  fail "the opened record does not verify with openssl: $(cat "$tmp/out")"
[ "$(field leaf_hash "$opened_line")" = "$(field leaf_hash "$sealed_line")" ] || fail "two leaf hashes for one record"
echo "   record $sealed_seq by $sender: sealed in the store, its author's signature checked by openssl once opened"

step "an inclusion proof of the sealed record, made and checked without any key"
expect_exit 0 "$relais" audit prove "$sealed_seq" --store "$tmp/snap" --save-checkpoint "$tmp/cp.note"
cp "$tmp/out" "$tmp/proof.json"
# the proof's hashes are base64, export's and sha256sum's hex
[ "$(field leaf_hash "$(cat "$tmp/proof.json")" | base64 -d | od -An -tx1 -v | tr -d ' \n')" = "$leaf" ] ||
  fail "the proof is of another leaf: $(cat "$tmp/proof.json")"
expect_exit 0 "$relais" audit check-proof "$tmp/proof.json" --checkpoint "$tmp/cp.note" \
  --broker-cert "$run/pki/registry/relais-hub.cert"
echo "   $(head -1 "$tmp/out")"

step "one byte of a ciphertext altered on disk: the audit without the data key fails"
cp -r "$tmp/snap" "$tmp/tampered"
"$make_store" tamper "$tmp/tampered" "$sealed_seq"
expect_exit 1 "$relais" audit verify --store "$tmp/tampered" --certs "$run/pki/registry"
grep -q "seq $sealed_seq" "$tmp/err" || fail "the finding does not name record $sealed_seq: $(cat "$tmp/err")"
echo "   $(head -1 "$tmp/err")"

step "rotation: the next generation opens everything, the old one nothing"
cp -r "$tmp/snap" "$tmp/rotated"
cp "$key" "$tmp/gen1.key"
expect_exit 0 "$relais" datakey rotate --store "$tmp/rotated" --data-key "$tmp/gen1.key" --out "$tmp/gen2.key"
sed 's/^/   /' "$tmp/out"
[ ! -e "$tmp/gen1.key" ] || fail "the old generation's file is still there"
[ "$(stat -c %a "$tmp/gen2.key")" = 600 ] || fail "the new data key is not 0600"
expect_exit 0 "$relais" audit verify --store "$tmp/rotated" --certs "$run/pki/registry" --data-key "$tmp/gen2.key"
grep -qx 'cases: 2 rebuilt, equal to the index' "$tmp/out" || fail "after rotation: $(cat "$tmp/out")"
expect_exit 2 "$relais" audit verify --store "$tmp/rotated" --certs "$run/pki/registry" --data-key "$key"
grep -q 'generation 1' "$tmp/err" || fail "the old generation is not named: $(cat "$tmp/err")"
rc=0
timeout 20 "$relaisd" --endpoint "tcp://127.0.0.1:$(pick_port)" --store "$tmp/rotated" --certs "$run/pki/registry" \
  --key "$run/pki/relais-hub/relais-hub.cert_secret" --data-key "$key" >/dev/null 2>"$tmp/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q 'generation 1' "$tmp/err" || fail "relaisd on the old generation: exit $rc, $(cat "$tmp/err")"
echo "   $(cat "$tmp/err")"
broker_store=$tmp/rotated broker_certs=$run/pki/registry broker_key=$run/pki/relais-hub/relais-hub.cert_secret
broker_data_key=$tmp/gen2.key
start_broker_on_free_port
RELAIS_KEY=$run/pki/coordination/coordination.cert_secret RELAIS_SERVER_CERT=$run/pki/relais-hub/relais-hub.cert \
  expect_exit 0 "$relais" case list
grep -q 'C-1' "$tmp/out" || fail "the rotated hub's work list: $(cat "$tmp/out")"
echo "   the hub on the new generation serves the work list"

step "what the hub sends a partner holds nothing but what it sent: statuses under its referrals' handles"
for spec in college-curie:referral-college-marie-curie pmi-blagis:referral-pmi-les-blagis \
  cmp-sceaux:referral-cmp-sceaux-parental-request; do
  partner=${spec%%:*}
  personal_texts "$src/examples/${spec#*:}.json" | sort -u >"$tmp/own-$partner"
  export RELAIS_KEY=$run/pki/$partner/$partner.cert_secret RELAIS_SERVER_CERT=$run/pki/relais-hub/relais-hub.cert
  expect_exit 0 "$relais" feed --from 1 --idle-exit 1 --json
  cp "$tmp/out" "$tmp/feed-$partner"
  grep -q '"status"' "$tmp/feed-$partner" || fail "$partner's feed shows nothing: the search would prove nothing"
  expect_exit 0 "$relais" case list --json
  handle=$(sed -n 's/.*"case_id": *"\(R-[0-9]*\)".*/\1/p' "$tmp/out" | head -1)
  [ -n "$handle" ] || fail "$partner has no referral"
  expect_exit 0 "$relais" case show "$handle" --json
  cat "$tmp/out" >>"$tmp/feed-$partner"
  # Its own referral comes back to it whole; nothing else: no other partner's child, no note,
  # no diagnosis.
  others=0
  while IFS= read -r needle; do
    # Another partner may have referred the same child: "LINA" is this partner's "Lina" too.
    [ "${#needle}" -ge 4 ] && ! grep -i -q -x -F -- "$needle" "$tmp/own-$partner" || continue
    others=$((others + 1))
    if grep -i -q -F -- "$needle" "$tmp/feed-$partner"; then fail "$partner was sent '$needle'"; fi
  done <"$needles"
  printf '   %-14s feed and %s: %s lines, none of %s texts it did not send\n' "$partner" "$handle" \
    "$(wc -l <"$tmp/feed-$partner")" "$others"
done
stop_broker_clean
step "ok"
