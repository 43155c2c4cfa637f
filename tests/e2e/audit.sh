#!/usr/bin/env bash
# audit.sh -- end-to-end test of `relais audit` over a store built without the broker (make_store).
# usage: audit.sh RELAIS_BINARY MAKE_STORE_BINARY
# Needs only coreutils, grep, sed and openssl (no jq): the JSON lines are parsed with sed,
# which is safe here because every value is a number, hex, base64 or a certificate name.
set -euo pipefail

relais=$1
make_store=$2
# lib.sh for openssl_verify_line; this script, which starts no broker, keeps its own helpers
# below (expect_exit puts both streams in $tmp/out).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/relais-audit.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

N=300
BATCHES=7
step() { printf '== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
# The value of a string or number field of one compact JSON line.
field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^\",]*\).*/\1/p" <<<"$2"; }
# Runs a command that must fail with exit status $1; its stdout+stderr go to $tmp/out.
expect_exit() {
  local want=$1 got=0
  shift
  "$@" >"$tmp/out" 2>&1 || got=$?
  [ "$got" -eq "$want" ] || { cat "$tmp/out" >&2; fail "'$*' exited $got, expected $want"; }
}

step "build a store of $N records in $BATCHES batches"
mkdir -p "$tmp/store" "$tmp/certs" "$tmp/notes"
"$make_store" build "$tmp/store" "$tmp/certs" "$tmp/notes" "$N" "$BATCHES"
[ -s "$tmp/notes/latest.note" ] || fail "no checkpoint note written"

step "verify passes and counts everything, on one worker thread and on two"
"$relais" audit verify --jobs 1 --store "$tmp/store" --certs "$tmp/certs" >"$tmp/verify.txt"
cat "$tmp/verify.txt"
"$relais" audit verify --jobs 2 --store "$tmp/store" --certs "$tmp/certs" | cmp - "$tmp/verify.txt" ||
  fail "--jobs 2 reports otherwise than --jobs 1"
"$relais" audit verify --store "$tmp/store" --certs "$tmp/certs" | cmp - "$tmp/verify.txt" ||
  fail "the default --jobs reports otherwise than --jobs 1"
"$relais" audit verify --jobs 9 --store "$tmp/store" --certs "$tmp/certs" | cmp - "$tmp/verify.txt" ||
  fail "more workers than chunks report otherwise than --jobs 1"
grep -qx "records: $N" "$tmp/verify.txt" || fail "wrong record count"
grep -qx "signatures ok: $N" "$tmp/verify.txt" || fail "wrong signature count"
grep -qx "checkpoints ok: $BATCHES" "$tmp/verify.txt" || fail "wrong checkpoint count"
grep -qE '^root at head: [0-9a-f]{64}$' "$tmp/verify.txt" || fail "no root at head"
grep -qx "result: ok" "$tmp/verify.txt" || fail "verify did not say ok"
# The recomputed root is the one the broker signed last (the last checkpoint is at the head).
root_b64=$(sed -n 3p "$tmp/notes/latest.note")
root_hex=$(base64 -d <<<"$root_b64" | od -An -tx1 -v | tr -d ' \n')
grep -qx "root at head: $root_hex" "$tmp/verify.txt" || fail "root at head is not the signed root"
[ -z "$("$relais" audit verify --quiet --store "$tmp/store" --certs "$tmp/certs")" ] || fail "--quiet printed"

step "export: one line per record, every field"
"$relais" audit export --store "$tmp/store" >"$tmp/export.jsonl"
[ "$(wc -l <"$tmp/export.jsonl")" -eq "$N" ] || fail "export has $(wc -l <"$tmp/export.jsonl") lines"
line=$(sed -n 42p "$tmp/export.jsonl")
[ "$(field seq "$line")" = 42 ] || fail "line 42 is not seq 42: $line"
[[ "$(field received_ms "$line")" =~ ^[0-9]{13}$ ]] || fail "received_ms: $line"
[[ "$(field sender "$line")" =~ ^(ecole-jean-moulin|pmi-les-blagis)$ ]] || fail "sender: $line"
[[ "$(field msg_id "$line")" =~ ^[0-9a-f]{32}$ ]] || fail "msg_id: $line"
[[ "$(field leaf_hash "$line")" =~ ^[0-9a-f]{64}$ ]] || fail "leaf_hash: $line"
[ "$(field signature "$line" | base64 -d | wc -c)" -eq 64 ] || fail "signature is not 64 bytes"
[ "$(field body "$line" | base64 -d | wc -c)" -gt 0 ] || fail "empty body"
"$relais" audit export --store "$tmp/store" --from 10 --to 19 >"$tmp/range.jsonl"
[ "$(wc -l <"$tmp/range.jsonl")" -eq 10 ] || fail "--from 10 --to 19 gave $(wc -l <"$tmp/range.jsonl") lines"
[ "$(field seq "$(head -1 "$tmp/range.jsonl")")" = 10 ] || fail "range does not start at 10"
[ "$(field seq "$(tail -1 "$tmp/range.jsonl")")" = 19 ] || fail "range does not end at 19"

step "an exported signature verifies with openssl alone"
sender=$(field sender "$line")
openssl_verify_line "$line" "$tmp/certs/$sender.cert" ||
  fail "openssl does not verify the exported signature: $(cat "$tmp/out")"
printf 'X' >>"$tmp/signed.bin"
expect_exit 1 openssl pkeyutl -verify -rawin -pubin -inkey "$tmp/pub.pem" -in "$tmp/signed.bin" \
  -sigfile "$tmp/sig.bin"

step "prove, then check the proof against signed checkpoints"
broker_cert="$tmp/certs/relais-hub.cert"
"$relais" audit prove 123 --store "$tmp/store" >"$tmp/proof.json"
cat "$tmp/proof.json"
[ "$(field tree_size "$(cat "$tmp/proof.json")")" = "$N" ] || fail "proof not at the latest checkpoint"
"$relais" audit check-proof "$tmp/proof.json" --checkpoint "$tmp/notes/latest.note" --broker-cert "$broker_cert"
# Its hashes are standard base64, as the notes' roots: the leaf is export's (hex) leaf of record 123,
# the root the latest note's.
b64hex() { base64 -d <<<"$1" | od -An -tx1 -v | tr -d ' \n'; }
leaf_b64=$(field leaf_hash "$(cat "$tmp/proof.json")")
[[ "$leaf_b64" =~ ^[A-Za-z0-9+/]{43}=$ ]] || fail "the proof's leaf hash is not base64: $leaf_b64"
[ "$(b64hex "$leaf_b64")" = "$(field leaf_hash "$(sed -n 123p "$tmp/export.jsonl")")" ] ||
  fail "the proof's leaf hash is not record 123's"
[ "$(field root "$(cat "$tmp/proof.json")")" = "$root_b64" ] || fail "the proof's root is not the latest note's"
# A proof saved before the hashes went base64 (hex) is still checked.
hex_proof=$(cat "$tmp/proof.json")
for h in $(grep -oE '[A-Za-z0-9+/]{43}=' "$tmp/proof.json"); do hex_proof=${hex_proof//"$h"/"$(b64hex "$h")"}; done
grep -qE '[A-Za-z0-9+/]{43}=' <<<"$hex_proof" && fail "a hash left in base64: $hex_proof"
printf '%s\n' "$hex_proof" >"$tmp/proof-hex.json"
"$relais" audit check-proof "$tmp/proof-hex.json" --checkpoint "$tmp/notes/latest.note" --broker-cert "$broker_cert"
first=$(ls "$tmp/notes" | grep -v latest | sort -n | head -1)
first_size=${first%.note}
"$relais" audit prove 1 --size "$first_size" --store "$tmp/store" --save-checkpoint "$tmp/saved.note" \
  >"$tmp/proof1.json"
"$relais" audit check-proof "$tmp/proof1.json" --checkpoint "$tmp/notes/$first" --broker-cert "$broker_cert"
cmp "$tmp/saved.note" "$tmp/notes/$first" || fail "--save-checkpoint did not save the note of the proof's size"
"$relais" audit prove "$first_size" --size "$first_size" --store "$tmp/store" >"$tmp/proof2.json"
"$relais" audit check-proof "$tmp/proof2.json" --checkpoint "$tmp/notes/$first" --broker-cert "$broker_cert"
# The notes `audit checkpoint` prints are the ones the broker signed, byte for byte.
"$relais" audit checkpoint --store "$tmp/store" | cmp - "$tmp/notes/latest.note" || fail "latest note differs"
"$relais" audit checkpoint --store "$tmp/store" --size "$first_size" | cmp - "$tmp/notes/$first" ||
  fail "note of size $first_size differs"
"$relais" audit checkpoint --store "$tmp/store" --size "$first_size" >"$tmp/first.note"
"$relais" audit check-proof - --checkpoint "$tmp/first.note" --broker-cert "$broker_cert" <"$tmp/proof1.json"
expect_exit 2 "$relais" audit checkpoint --store "$tmp/store" --size 5
# A proof for another tree size, a changed leaf, a note signed by another key: all refused.
expect_exit 1 "$relais" audit check-proof "$tmp/proof1.json" --checkpoint "$tmp/notes/latest.note" \
  --broker-cert "$broker_cert"
leaf=$(field leaf_hash "$(cat "$tmp/proof.json")")
flipped=$( [ "${leaf:0:1}" = 0 ] && echo 1 || echo 0 )${leaf:1}
sed "s|$leaf|$flipped|" "$tmp/proof.json" >"$tmp/bad.json"
cmp -s "$tmp/proof.json" "$tmp/bad.json" && fail "the leaf hash was not changed"
expect_exit 1 "$relais" audit check-proof "$tmp/bad.json" --checkpoint "$tmp/notes/latest.note" \
  --broker-cert "$broker_cert"
expect_exit 1 "$relais" audit check-proof "$tmp/proof.json" --checkpoint "$tmp/notes/latest.note" \
  --broker-cert "$tmp/certs/ecole-jean-moulin.cert"
expect_exit 2 "$relais" audit prove $((N + 1)) --store "$tmp/store"
expect_exit 2 "$relais" audit prove 0 --store "$tmp/store"

step "a revoked partner's records still verify"
cp -r "$tmp/certs" "$tmp/certs-revoked"
mkdir "$tmp/certs-revoked/revoked"
mv "$tmp/certs-revoked/pmi-les-blagis.cert" "$tmp/certs-revoked/revoked/"
"$relais" audit verify --quiet --store "$tmp/store" --certs "$tmp/certs-revoked"

step "a flipped byte in a stored record fails verification at that record"
cp -r "$tmp/store" "$tmp/tampered"
"$make_store" tamper "$tmp/tampered" 77
for jobs in 1 2; do
  expect_exit 1 "$relais" audit verify --jobs "$jobs" --store "$tmp/tampered" --certs "$tmp/certs"
  cat "$tmp/out"
  grep -q "FAILED at seq 77:" "$tmp/out" || fail "the failure does not name seq 77 (--jobs $jobs)"
done
expect_exit 1 "$relais" audit prove 77 --store "$tmp/tampered"

# Workers check chunks of 256 records (agents/audit/audit_pool.c) that also end at checkpoints: one
# batch of 1000 gives chunks 1-256, 257-512, 513-768, 769-1000. Two workers finish chunks out
# of order; the first problem in the log must still be the one reported.
step "with two workers, the failure named is the first in the log, within a chunk or across"
mkdir -p "$tmp/big" "$tmp/big-certs" "$tmp/big-notes"
"$make_store" build "$tmp/big" "$tmp/big-certs" "$tmp/big-notes" 1000 1
"$relais" audit verify --jobs 1 --store "$tmp/big" --certs "$tmp/big-certs" >"$tmp/big1.txt"
"$relais" audit verify --jobs 2 --store "$tmp/big" --certs "$tmp/big-certs" | cmp - "$tmp/big1.txt" ||
  fail "--jobs 2 reports otherwise than --jobs 1 on 1000 records"
# seq: the records to flip, first the one that must be named.
for seqs in "130" "256" "257" "1000" "600 700" "300 520" "257 256"; do
  rm -rf "$tmp/big-t"
  cp -r "$tmp/big" "$tmp/big-t"
  for seq in $seqs; do "$make_store" tamper "$tmp/big-t" "$seq"; done
  want=$(tr ' ' '\n' <<<"$seqs" | sort -n | head -1)
  expect_exit 1 "$relais" audit verify --jobs 1 --store "$tmp/big-t" --certs "$tmp/big-certs"
  cp "$tmp/out" "$tmp/out1"
  expect_exit 1 "$relais" audit verify --jobs 2 --store "$tmp/big-t" --certs "$tmp/big-certs"
  grep -q "FAILED at seq $want:" "$tmp/out" || { cat "$tmp/out"; fail "flipped $seqs: seq $want not named"; }
  cmp "$tmp/out" "$tmp/out1" || fail "flipped $seqs: --jobs 2 reports otherwise than --jobs 1"
done

step "a sender missing from the registry fails verification"
cp -r "$tmp/certs" "$tmp/certs-missing"
rm "$tmp/certs-missing/pmi-les-blagis.cert"
for jobs in 1 2; do
  expect_exit 1 "$relais" audit verify --jobs "$jobs" --store "$tmp/store" --certs "$tmp/certs-missing"
  cat "$tmp/out"
  grep -q "FAILED at seq 1: UNKNOWN_SENDER" "$tmp/out" || fail "no UNKNOWN_SENDER at seq 1 (--jobs $jobs)"
done

step "usage errors exit 2"
expect_exit 2 "$relais" audit verify --store "$tmp/store"
expect_exit 2 "$relais" audit verify --jobs 0 --store "$tmp/store" --certs "$tmp/certs"
expect_exit 2 "$relais" audit verify --jobs 2x --store "$tmp/store" --certs "$tmp/certs"
expect_exit 2 "$relais" audit frobnicate
expect_exit 2 "$relais" audit verify --store "$tmp/nowhere" --certs "$tmp/certs"

echo "audit.sh: all passed"
