#!/usr/bin/env bash
# witness.sh -- `relais witness` spoken to with curl, as C2SP tlog-witness's add-checkpoint says, with the
# notes and proofs of a real hub: the first checkpoint cosigned from old 0, one that extends it with a
# consistency proof, the 409 answer with the size it holds, a proof that does not lead from its root (422),
# an origin it does not witness (404), a note signed by another key (403), an old size past the checkpoint's
# (400), other methods and paths, a body too large; a cosignature checked with openssl from the
# specification's text alone; its state kept across a restart and refused when edited, its folder locked.
# Then another history under the hub's key (another store): refused, with the body kept as evidence.
# usage: witness.sh RELAIS RELAISD SOURCE_DIR
set -euo pipefail

relais=$1
relaisd=$2
src=$3
examples=$src/examples
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init witness
pki_broker
hub_cert=$tmp/pki/registry/relais-hub.cert
witness_pid=
stop_witness() {
  [ -n "$witness_pid" ] || return 0
  kill -TERM "$witness_pid" 2>/dev/null || true
  wait "$witness_pid" 2>/dev/null || true
  witness_pid=
}
on_cleanup=stop_witness

# start_witness NAME [FLAG...]: relais witness NAME on a free port; $url is its add-checkpoint address.
start_witness() {
  local name=$1
  shift
  "$relais" witness --key "$tmp/w/$name.cert_secret" --state "$tmp/state-$name" --log-cert "$hub_cert" "$@" \
    >"$tmp/witness-$name.out" 2>>"$tmp/witness-$name.log" &
  witness_pid=$!
  for _ in $(seq 100); do
    url=$(sed -n 's/.* listening at \(http:.*\)$/\1/p' "$tmp/witness-$name.out")
    [ -n "$url" ] && return 0
    kill -0 "$witness_pid" 2>/dev/null || fail "relais witness $name exited: $(cat "$tmp/witness-$name.log")"
    sleep 0.1
  done
  fail "relais witness $name did not start"
}
# post STATUS FILE: POSTs FILE to $url; the answer must have that status. Body in $tmp/answer, headers in $tmp/headers.
post() {
  local got
  got=$(curl -sS -o "$tmp/answer" -D "$tmp/headers" -w '%{http_code}' --data-binary "@$2" "$url")
  [ "$got" = "$1" ] || { cat "$tmp/answer" >&2; fail "POST $2: HTTP $got, expected $1"; }
}
# body OLD NOTE [PROOF_JSON]: an add-checkpoint body into $tmp/body: "old OLD", the proof's path a line
# each, an empty line, the note.
body() {
  {
    echo "old $1"
    [ -z "${3:-}" ] || python3 -c 'import json,sys; print("".join(h + "\n" for h in json.load(open(sys.argv[1]))["path"]), end="")' "$3"
    echo
    cat "$2"
  } >"$tmp/body"
}
# checkpoint SIZE: the hub's latest note, of that size, into $tmp/SIZE.note.
checkpoint() {
  wait_checkpoint "$1"
  expect 0 audit-ville audit checkpoint
  cp "$tmp/out" "$tmp/$1.note"
}
mkdir -p "$tmp/store" "$tmp/spool"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
"$relais" keygen witness-a --role witness --out "$tmp/w" >/dev/null
"$relais" keygen not-a-witness --role auditor --out "$tmp/w" >/dev/null
start_broker_on_free_port

step "a witness needs its own key (role witness) and a hub's certificate"
expect_exit 2 "$relais" witness --key "$tmp/w/not-a-witness.cert_secret" --state "$tmp/x" --log-cert "$hub_cert"
grep -qF "a witness cosigns with a key of its own, of role witness" "$tmp/err" || fail "$(cat "$tmp/err")"
expect_exit 2 "$relais" witness --key "$tmp/w/witness-a.cert_secret" --state "$tmp/x" \
  --log-cert "$tmp/pki/registry/audit-ville.cert"
grep -qF "not a hub's (role broker)" "$tmp/err" || fail "$(cat "$tmp/err")"
start_witness witness-a

step "the first checkpoint, from old 0: cosigned, and the cosignature checks with openssl"
submit_referrals 3
checkpoint 3
body 0 "$tmp/3.note"
post 200 "$tmp/body"
cat "$tmp/answer"
[ "$(wc -l <"$tmp/answer")" = 1 ] && grep -q '^— witness-a ' "$tmp/answer" || fail "not one cosignature line"
openssl_cosig "$tmp/3.note" "$(cat "$tmp/answer")" "$tmp/w/witness-a.cert"
grep -q 'event=cosigned origin=relais/relais-hub size=3 old=0' "$tmp/witness-witness-a.log" || fail "no log line"

step "a checkpoint that extends it, with the consistency proof from 3: cosigned"
submit_referrals 4
checkpoint 7
expect 0 audit-ville audit consistency 3 7
cp "$tmp/out" "$tmp/proof-3-7.json"
body 3 "$tmp/7.note" "$tmp/proof-3-7.json"
cp "$tmp/body" "$tmp/body-3-7"
post 200 "$tmp/body"
openssl_cosig "$tmp/7.note" "$(cat "$tmp/answer")" "$tmp/w/witness-a.cert"

step "an old size the witness does not hold: 409, text/x.tlog.size, its size"
post 409 "$tmp/body-3-7"
grep -qi '^content-type: text/x.tlog.size' "$tmp/headers" || fail "content type: $(cat "$tmp/headers")"
[ "$(cat "$tmp/answer")" = 7 ] || fail "the answer is not its size 7: $(cat "$tmp/answer")"
body 0 "$tmp/3.note"
post 409 "$tmp/body"
[ "$(cat "$tmp/answer")" = 7 ] || fail "the answer is not 7"

step "the same checkpoint again from 7: cosigned again (a hub that lost its cosignatures asks again)"
body 7 "$tmp/7.note"
post 200 "$tmp/body"

step "refusals: a proof that does not lead from its root (422), an unknown origin (404), another key (403),"
step "an old size past the checkpoint's (400), a body that does not parse (400), other paths and methods"
submit_referrals 2
checkpoint 9
expect 0 audit-ville audit consistency 7 9
body 7 "$tmp/9.note" "$tmp/out"
# the first hash of the path changed
awk 'NR == 2 { $0 = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" } { print }' "$tmp/body" >"$tmp/bad-proof"
post 422 "$tmp/bad-proof"
grep -q "does not lead from the tree this witness cosigned" "$tmp/answer" || fail "$(cat "$tmp/answer")"
sed '1s/.*/elsewhere.example\/log/' "$tmp/9.note" >"$tmp/other-origin.note"
body 7 "$tmp/other-origin.note"
post 404 "$tmp/body"
# the hub's note signed again by the auditor's key, under the hub's name (openssl, as consistency.sh does)
sed 's/^— relais-hub .*/— relais-hub AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/' \
  "$tmp/9.note" >"$tmp/forged.note"
body 7 "$tmp/forged.note"
post 403 "$tmp/body"
body 12 "$tmp/9.note"
post 400 "$tmp/body"
printf 'old 7\n' >"$tmp/body"
post 400 "$tmp/body"
got=$(curl -sS -o /dev/null -w '%{http_code}' "$url")
[ "$got" = 405 ] || fail "GET add-checkpoint: $got"
got=$(curl -sS -o /dev/null -w '%{http_code}' --data-binary @"$tmp/body" "${url%/add-checkpoint}/other")
[ "$got" = 404 ] || fail "POST /other: $got"
head -c 100000 /dev/zero | tr '\0' a >"$tmp/big"
post 413 "$tmp/big"
# none of them moved it: 9 from 7 is still cosigned
body 7 "$tmp/9.note" "$tmp/out"
post 200 "$tmp/body"

step "the state survives a restart and is checked; a second witness cannot take the folder"
stop_witness
[ "$(sed -n 2p "$tmp/state-witness-a/relais%2Frelais-hub.note")" = 9 ] || fail "state: $(ls "$tmp/state-witness-a")"
start_witness witness-a
body 7 "$tmp/9.note"
post 409 "$tmp/body"
[ "$(cat "$tmp/answer")" = 9 ] || fail "after a restart the witness holds $(cat "$tmp/answer"), not 9"
expect_exit 2 "$relais" witness --key "$tmp/w/witness-a.cert_secret" --state "$tmp/state-witness-a" \
  --log-cert "$hub_cert"
grep -qF "another witness uses the state folder" "$tmp/err" || fail "$(cat "$tmp/err")"
stop_witness
cp "$tmp/state-witness-a/relais%2Frelais-hub.note" "$tmp/state.saved"
cp "$tmp/7.note" "$tmp/state-witness-a/relais%2Frelais-hub.note"
expect_exit 2 "$relais" witness --key "$tmp/w/witness-a.cert_secret" --state "$tmp/state-witness-a" \
  --log-cert "$hub_cert"
grep -qF "cosigned by this witness (witness-a)" "$tmp/err" || fail "$(cat "$tmp/err")"
cp "$tmp/state.saved" "$tmp/state-witness-a/relais%2Frelais-hub.note"
start_witness witness-a

step "another history under the hub's key (a store of 9 other referrals): refused, kept as evidence"
stop_broker_clean
broker_store=$tmp/store-other
mkdir -p "$broker_store"
log_from=$(($(wc -l <"$tmp/broker.log") + 1))
start_broker
submit_referrals 9
checkpoint 9
cmp -s "$tmp/9.note" "$tmp/state.saved" && fail "the other store has the same root"
body 9 "$tmp/9.note"
post 409 "$tmp/body"
grep -q "another root for the size this witness cosigned" "$tmp/answer" || fail "$(cat "$tmp/answer")"
grep -qi '^content-type: text/x.tlog.size' "$tmp/headers" && fail "a root conflict answered as a size conflict"
submit_referrals 2
checkpoint 11
expect 0 audit-ville audit consistency 9 11
body 9 "$tmp/11.note" "$tmp/out"
post 422 "$tmp/body"
ls "$tmp/state-witness-a"/refused-relais%2Frelais-hub-9-*.body "$tmp/state-witness-a"/refused-relais%2Frelais-hub-11-*.body \
  >/dev/null || fail "no evidence kept: $(ls "$tmp/state-witness-a")"
[ "$(sed -n 2p "$tmp/state-witness-a/relais%2Frelais-hub.note")" = 9 ] || fail "the state moved"

stop_witness
stop_broker_clean

step "the example of docs/protocol.md: its cosignature checks with openssl, the hub's line with relais"
doc_block() { # doc_block TAG NAME: the fenced block after <!-- TAG NAME --> in docs/protocol.md
  awk -v tag="<!-- $1 $2 -->" '$0 == tag { getline; on = 1; next } on && /^```/ { exit } on { print }' \
    "$src/docs/protocol.md"
}
mkdir -p "$tmp/doc"
for f in relais-hub.cert old.note proof.json; do doc_block consistency-example "$f" >"$tmp/doc/$f"; done
for f in witness-example.cert cosigned.note; do doc_block witness-example "$f" >"$tmp/doc/$f"; done
openssl_cosig "$tmp/doc/cosigned.note" "$(grep '^— witness-example ' "$tmp/doc/cosigned.note")" \
  "$tmp/doc/witness-example.cert" any-time
[ "$(od -An -tx1 <"$tmp/id.want" | tr -d ' \n')" = 53539180 ] || fail "the example's key id is not 53539180"
expect_exit 0 "$relais" audit check-consistency "$tmp/doc/proof.json" --old "$tmp/doc/old.note" \
  --new "$tmp/doc/cosigned.note" --broker-cert "$tmp/doc/relais-hub.cert"
echo "witness: all checks passed"
