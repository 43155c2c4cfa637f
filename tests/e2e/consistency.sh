#!/usr/bin/env bash
# consistency.sh -- consistency proofs against a real hub: an auditor keeps the hub's checkpoints as the
# log grows, gets the proof that a later tree extends an earlier one offline (from a snapshot) and
# online (the same bytes), and checks it with nothing but the hub's certificate; then every way of
# getting it wrong is named: a changed hash of the proof, a changed root, the notes swapped, a note of
# another size, a note signed by another key (made with openssl), a proof for other sizes; and a file
# that does not read is a local error. Across a change of the hub's own identity, the proof checks
# with --old-broker-cert, and audit verify with the old certificate in revoked/. The inclusion proofs' hashes are base64 too, and the worked
# example of docs/protocol.md checks.
# usage: consistency.sh RELAIS RELAISD SOURCE_DIR
set -euo pipefail

relais=$1
relaisd=$2
src=$3
examples=$src/examples
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init consistency
pki_broker
said() { # said TEXT: the last command's stderr holds TEXT, word for word
  grep -qF -- "$1" "$tmp/err" || { cat "$tmp/err" >&2; fail "expected on stderr: $1"; }
}
# note_of FIELD FILE: the note a proof file carries in FIELD (old_checkpoint, new_checkpoint), as text.
note_of() { printf '%b' "$(field "$1" "$(cat "$2")")"; }
# check STATUS PROOF OLD NEW [CERT]: relais audit check-consistency exits STATUS; output in $tmp/out, $tmp/err.
check() {
  expect_exit "$1" "$relais" audit check-consistency "$2" --old "$3" --new "$4" --broker-cert "${5:-$hub_cert}"
}

mkdir -p "$tmp/store" "$tmp/spool" "$tmp/kept"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
hub_cert=$tmp/pki/registry/relais-hub.cert
start_broker_on_free_port

step "the log grows; the auditor keeps the hub's checkpoints of sizes 3, 7 and 9 as it goes"
for size in 3 7 9; do
  submit_referrals $((size - n_children))
  [ "$head" = "$size" ] || fail "the log has $head records, expected $size"
  wait_checkpoint "$size"
  expect 0 audit-ville audit checkpoint
  cp "$tmp/out" "$tmp/kept/$size.note"
  [ "$(sed -n 2p "$tmp/kept/$size.note")" = "$size" ] || fail "the latest checkpoint is not of size $size: $(cat "$tmp/out")"
done
sed 's/^/   /' "$tmp/kept/3.note"
# The hub serves the checkpoints of earlier sizes too, byte for byte the ones kept.
expect 0 audit-ville audit checkpoint --size 3
cmp -s "$tmp/out" "$tmp/kept/3.note" || fail "the checkpoint of size 3 served now is not the one kept"

step "the proof from 3 to 7, offline from a snapshot and online: the same bytes, with both notes"
"$relais" audit snapshot --store "$tmp/store" --out "$tmp/snap" >/dev/null
expect_exit 0 "$relais" audit consistency 3 7 --store "$tmp/snap"
cp "$tmp/out" "$tmp/offline.json"
[ ! -s "$tmp/err" ] || fail "offline, a note was printed although both checkpoints exist: $(cat "$tmp/err")"
expect 0 audit-ville audit consistency 3 7
cp "$tmp/out" "$tmp/proof.json"
cmp "$tmp/offline.json" "$tmp/proof.json" || fail "offline and online proofs differ"
cat "$tmp/proof.json"
[ "$(field old_size "$(cat "$tmp/proof.json")")" = 3 ] || fail "old_size"
[ "$(field new_size "$(cat "$tmp/proof.json")")" = 7 ] || fail "new_size"
[ "$(field old_root "$(cat "$tmp/proof.json")")" = "$(sed -n 3p "$tmp/kept/3.note")" ] || fail "old_root is not the note's"
[ "$(field new_root "$(cat "$tmp/proof.json")")" = "$(sed -n 3p "$tmp/kept/7.note")" ] || fail "new_root is not the note's"
grep -qE '"path":\["[A-Za-z0-9+/]{43}="(,"[A-Za-z0-9+/]{43}=")*\]' "$tmp/proof.json" || fail "the path is not base64 hashes"
note_of old_checkpoint "$tmp/proof.json" | cmp - "$tmp/kept/3.note" || fail "old_checkpoint is not the note of size 3"
note_of new_checkpoint "$tmp/proof.json" | cmp - "$tmp/kept/7.note" || fail "new_checkpoint is not the note of size 7"
# A partner may ask too: proofs and checkpoints reveal no content.
expect 0 college-curie audit consistency 3 7
cmp -s "$tmp/out" "$tmp/proof.json" || fail "the partner got another proof"

step "check-consistency with the notes kept and the hub's certificate alone: exit 0"
check 0 "$tmp/proof.json" "$tmp/kept/3.note" "$tmp/kept/7.note"
grep -qx "ok: the tree of size 7 extends the tree of size 3, both signed by relais-hub (relais/relais-hub)" "$tmp/out" ||
  fail "check-consistency said: $(cat "$tmp/out")"
echo "   $(cat "$tmp/out")"
expect_exit 0 "$relais" audit check-consistency - --old "$tmp/kept/3.note" --new "$tmp/kept/7.note" \
  --broker-cert "$hub_cert" <"$tmp/proof.json"
# The notes the proof carries are the hub's: saved, they check as well.
note_of old_checkpoint "$tmp/proof.json" >"$tmp/old-from-proof.note"
note_of new_checkpoint "$tmp/proof.json" >"$tmp/new-from-proof.note"
check 0 "$tmp/proof.json" "$tmp/old-from-proof.note" "$tmp/new-from-proof.note"
# Equal sizes: an empty proof, and the same note twice.
expect 0 audit-ville audit consistency 7 7
grep -q '"path":\[\]' "$tmp/out" || fail "a proof between equal sizes is not empty: $(cat "$tmp/out")"
cp "$tmp/out" "$tmp/same.json"
check 0 "$tmp/same.json" "$tmp/kept/7.note" "$tmp/kept/7.note"

step "NEW_SIZE defaults to the log's size now (9, which the hub signed)"
expect 0 audit-ville audit consistency 3
cp "$tmp/out" "$tmp/to-now.json"
[ "$(field new_size "$(cat "$tmp/to-now.json")")" = 9 ] || fail "new_size is not the log's size: $(cat "$tmp/out")"
check 0 "$tmp/to-now.json" "$tmp/kept/3.note" "$tmp/kept/9.note"
expect_exit 0 "$relais" audit consistency 3 --store "$tmp/snap"
cmp -s "$tmp/out" "$tmp/to-now.json" || fail "offline, NEW_SIZE is not the log's size"

step "a size the hub never signed: the proof comes with its root and no note, and says so"
unsigned=
for s in $(seq 1 9); do
  grep -q "event=checkpoint size=$s " "$tmp/broker.log" || { unsigned=$s; break; }
done
if [ -n "$unsigned" ]; then
  expect 0 audit-ville audit consistency "$unsigned" 7
  said "no signed checkpoint of size $unsigned from the hub"
  grep -q '"old_checkpoint":null' "$tmp/out" || fail "a note of size $unsigned: $(cat "$tmp/out")"
  cp "$tmp/out" "$tmp/unsigned.json"
  expect_exit 0 "$relais" audit consistency "$unsigned" 7 --store "$tmp/snap"
  grep -q "no signed checkpoint of size $unsigned in the store" "$tmp/err" || fail "offline: $(cat "$tmp/err")"
  cmp -s "$tmp/out" "$tmp/unsigned.json" || fail "offline and online roots of size $unsigned differ"
  check 1 "$tmp/unsigned.json" "$tmp/kept/3.note" "$tmp/kept/7.note"
  said "the old note is for a tree of size 3, the proof's old_size is $unsigned"
  refused MALFORMED audit-ville audit checkpoint --size "$unsigned"
  said "the hub signed no checkpoint of size $unsigned"
else
  echo "   (every size from 1 to 9 was signed: nothing to try)"
fi

step "every tampering is named: exit 1"
b64_root7=$(sed -n 3p "$tmp/kept/7.note")
# a hash of the proof changed (the first of its path replaced by the root of 7)
first=$(sed -n 's/.*"path":\["\([^"]*\)".*/\1/p' "$tmp/proof.json")
sed "s|\"path\":\[\"$first\"|\"path\":[\"$b64_root7\"|" "$tmp/proof.json" >"$tmp/t-hash.json"
cmp -s "$tmp/t-hash.json" "$tmp/proof.json" && fail "the proof's hash was not changed"
check 1 "$tmp/t-hash.json" "$tmp/kept/3.note" "$tmp/kept/7.note"
said "relais: audit check-consistency: FAILED: PROOF: the proof does not lead from the old root to the new"
# the old root changed in the proof, not in the note
sed "s|\"old_root\":\"[^\"]*\"|\"old_root\":\"$b64_root7\"|" "$tmp/proof.json" >"$tmp/t-root.json"
check 1 "$tmp/t-root.json" "$tmp/kept/3.note" "$tmp/kept/7.note"
said "the old note's root is not the proof's old_root"
# the notes swapped
check 1 "$tmp/proof.json" "$tmp/kept/7.note" "$tmp/kept/3.note"
said "the old note is for a tree of size 7, the proof's old_size is 3"
# a note of another size
check 1 "$tmp/proof.json" "$tmp/kept/3.note" "$tmp/kept/9.note"
said "the new note is for a tree of size 9, the proof's new_size is 7"
# a note signed by another key: the same text, an Ed25519 key of our own under the hub's name, the key id
# as C2SP signed notes make it (SHA-256 of name, newline, 0x01, public key; first 4 bytes)
openssl genpkey -algorithm ed25519 -out "$tmp/other.pem" 2>/dev/null
head -3 "$tmp/kept/3.note" >"$tmp/forged.txt"
openssl pkeyutl -sign -rawin -inkey "$tmp/other.pem" -in "$tmp/forged.txt" -out "$tmp/forged.sig"
openssl pkey -in "$tmp/other.pem" -pubout -outform DER | tail -c 32 >"$tmp/other.pub"
{ printf 'relais-hub\n\001'; cat "$tmp/other.pub"; } | openssl dgst -sha256 -binary >"$tmp/forged.sha256"
head -c 4 "$tmp/forged.sha256" >"$tmp/forged.id"
{ cat "$tmp/forged.txt"; printf '\n\342\200\224 relais-hub %s\n' "$(cat "$tmp/forged.id" "$tmp/forged.sig" | base64 -w0)"; } \
  >"$tmp/forged.note"
[ "$(sed -n 5p "$tmp/forged.note" | cut -d' ' -f3 | base64 -d | wc -c)" -eq 68 ] || fail "the forged note is not one"
check 1 "$tmp/proof.json" "$tmp/forged.note" "$tmp/kept/7.note"
said "the old note is not signed by relais-hub's key"
# the hub's note, its root altered: its signature no longer holds
sed "3s|.*|$b64_root7|" "$tmp/kept/3.note" >"$tmp/altered.note"
check 1 "$tmp/t-root.json" "$tmp/altered.note" "$tmp/kept/7.note"
said "the old note is not signed by relais-hub's key"
# another identity's certificate given as the hub's
check 1 "$tmp/proof.json" "$tmp/kept/3.note" "$tmp/kept/7.note" "$tmp/pki/registry/college-curie.cert"
said "the old note is not signed by college-curie's key"
# a proof for other sizes
expect 0 audit-ville audit consistency 2 7
cp "$tmp/out" "$tmp/other-sizes.json"
check 1 "$tmp/other-sizes.json" "$tmp/kept/3.note" "$tmp/kept/7.note"
said "the old note is for a tree of size 3, the proof's old_size is 2"
expect 0 audit-ville audit consistency 3 9
cp "$tmp/out" "$tmp/other-sizes.json"
check 1 "$tmp/other-sizes.json" "$tmp/kept/3.note" "$tmp/kept/7.note"
said "the new note is for a tree of size 7, the proof's new_size is 9"
# a note that is no note
printf 'relais/relais-hub\n3\n' >"$tmp/short.note"
check 1 "$tmp/proof.json" "$tmp/short.note" "$tmp/kept/7.note"
said "the old note is not a checkpoint note"

step "a file that does not read, or is no proof: exit 2"
check 2 "$tmp/nowhere.json" "$tmp/kept/3.note" "$tmp/kept/7.note"
check 2 "$tmp/proof.json" "$tmp/nowhere.note" "$tmp/kept/7.note"
check 2 "$tmp/proof.json" "$tmp/kept/3.note" "$tmp/kept/7.note" "$tmp/nowhere.cert"
printf '{"old_size": 3,' >"$tmp/broken.json"
check 2 "$tmp/broken.json" "$tmp/kept/3.note" "$tmp/kept/7.note"
said "not a consistency proof: not valid JSON (line 1, column"
sed 's/"new_size":7/"new_size":2/' "$tmp/proof.json" >"$tmp/backwards.json"
check 2 "$tmp/backwards.json" "$tmp/kept/3.note" "$tmp/kept/7.note"
said "\"old_size\" (3) is above \"new_size\" (2)"
expect_exit 2 "$relais" audit check-consistency "$tmp/proof.json" --old "$tmp/kept/3.note" --broker-cert "$hub_cert"
said "needs FILE.json (or -), --old NOTE_FILE, --new NOTE_FILE and --broker-cert FILE"
expect_exit 2 "$relais" audit consistency 0 7 --store "$tmp/snap"
expect_exit 2 "$relais" audit consistency 7 3 --store "$tmp/snap"
expect_exit 2 "$relais" audit consistency --store "$tmp/snap"
expect_exit 2 "$relais" audit consistency 3 1000 --store "$tmp/snap"
said "no consistency proof from size 3 to size 1000 (the log has 9)"
refused MALFORMED audit-ville audit consistency 3 1000

step "inclusion proofs: base64 hashes, online and offline alike, checked against the kept note"
expect 0 audit-ville audit prove 5
cp "$tmp/out" "$tmp/incl.json"
[[ "$(field leaf_hash "$(cat "$tmp/incl.json")")" =~ ^[A-Za-z0-9+/]{43}=$ ]] || fail "leaf_hash: $(cat "$tmp/incl.json")"
[ "$(field root "$(cat "$tmp/incl.json")")" = "$(sed -n 3p "$tmp/kept/9.note")" ] || fail "root: $(cat "$tmp/incl.json")"
expect_exit 0 "$relais" audit prove 5 --size 9 --store "$tmp/snap"
cmp -s "$tmp/out" "$tmp/incl.json" || fail "offline and online inclusion proofs differ"
expect_exit 0 "$relais" audit check-proof "$tmp/incl.json" --checkpoint "$tmp/kept/9.note" --broker-cert "$hub_cert"

step "the worked example of docs/protocol.md checks, and fails once a hash of it changes"
# doc_block NAME: the fenced block that follows the line <!-- consistency-example NAME --> in docs/protocol.md.
doc_block() {
  awk -v tag="<!-- consistency-example $1 -->" '
    $0 == tag { found = 1; next }
    found && /^```/ { if (inside) exit; inside = 1; next }
    found && inside { print }' "$src/docs/protocol.md"
}
mkdir -p "$tmp/doc"
for name in relais-hub.cert old.note new.note proof.json; do
  doc_block "$name" >"$tmp/doc/$name"
  [ -s "$tmp/doc/$name" ] || fail "docs/protocol.md has no example $name"
done
check 0 "$tmp/doc/proof.json" "$tmp/doc/old.note" "$tmp/doc/new.note" "$tmp/doc/relais-hub.cert"
echo "   $(cat "$tmp/out")"
# the first hash of its path, one character changed
sed '/"path"/{n;s/"A/"B/;t;s/"[^A]/"A/;}' "$tmp/doc/proof.json" >"$tmp/doc/bad.json"
cmp -s "$tmp/doc/bad.json" "$tmp/doc/proof.json" && fail "the example's proof was not changed"
check 1 "$tmp/doc/bad.json" "$tmp/doc/old.note" "$tmp/doc/new.note" "$tmp/doc/relais-hub.cert"
said "the proof does not lead from the old root to the new"

step "the hub's own identity is rotated (relais-hub-2027, --origin kept): the proof across the switch"
# docs/operations.md, "Rotating and revoking keys": the new key signs from the next record on; the hub's
# note of an older size is the old key's, which the new certificate does not check: online the proof is
# refused as such, offline (a snapshot) it is given, and --old-broker-cert checks the old note.
stop_broker_clean
# the old key's last note: the checkpoint signed at the clean stop, read from the store
last=$(sed -n 's/.*event=checkpoint size=\([0-9]*\) .*/\1/p' "$tmp/broker.log" | tail -1)
expect_exit 0 "$relais" audit checkpoint --size "$last" --store "$tmp/store"
cp "$tmp/out" "$tmp/kept/last-old.note"
"$relais" keygen relais-hub-2027 --role broker --org "Ville de Sceaux" --out "$tmp/pki/relais-hub" >/dev/null
cp "$tmp/pki/relais-hub/relais-hub-2027.cert" "$tmp/pki/registry/"
old_hub_cert=$hub_cert
hub_cert=$tmp/pki/registry/relais-hub-2027.cert
broker_key=$tmp/pki/relais-hub/relais-hub-2027.cert_secret
as() { # as WHO CMD...: as lib.sh's, with the new hub's certificate
  local who=$1
  shift
  RELAIS_ENDPOINT=tcp://127.0.0.1:$port RELAIS_KEY=$tmp/pki/$who/$who.cert_secret \
    RELAIS_SERVER_CERT=$hub_cert RELAIS_SPOOL=$tmp/spool/$who timeout 60 "$@"
}
log_from=$(($(wc -l <"$tmp/broker.log") + 1))
start_broker_on_free_port --origin relais/relais-hub
submit_referrals 1
wait_checkpoint "$head"
expect 0 audit-ville audit checkpoint
cp "$tmp/out" "$tmp/kept/first-new.note"
[ "$(sed -n 1,2p "$tmp/kept/first-new.note" | tr '\n' ' ')" = "relais/relais-hub $head " ] ||
  fail "the new key's first note: $(cat "$tmp/kept/first-new.note")"
grep -q '^— relais-hub-2027 ' "$tmp/kept/first-new.note" || fail "the note of size $head is not signed by relais-hub-2027"
refused BAD_SIGNATURE audit-ville audit consistency "$last"
"$relais" audit snapshot --store "$tmp/store" --out "$tmp/snap2" >/dev/null
expect_exit 0 "$relais" audit consistency "$last" --store "$tmp/snap2"
cp "$tmp/out" "$tmp/switch.json"
across() { # across STATUS NEW_CERT OLD_CERT: check-consistency of the proof across the switch
  expect_exit "$1" "$relais" audit check-consistency "$tmp/switch.json" --old "$tmp/kept/last-old.note" \
    --new "$tmp/kept/first-new.note" --broker-cert "$2" --old-broker-cert "$3"
}
across 0 "$hub_cert" "$old_hub_cert"
grep -qx "ok: the tree of size $head extends the tree of size $last, signed by relais-hub then by relais-hub-2027 (relais/relais-hub)" \
  "$tmp/out" || fail "check-consistency said: $(cat "$tmp/out")"
echo "   $(cat "$tmp/out")"
check 1 "$tmp/switch.json" "$tmp/kept/last-old.note" "$tmp/kept/first-new.note"
said "the old note is not signed by relais-hub-2027's key (the --broker-cert's sign-key)"
across 1 "$old_hub_cert" "$old_hub_cert"
said "the new note is not signed by relais-hub's key (the --broker-cert's sign-key)"
across 1 "$hub_cert" "$hub_cert"
said "the old note is not signed by relais-hub-2027's key (the --old-broker-cert's sign-key)"
across 2 "$hub_cert" "$tmp/nowhere.cert"
# The full audit: the old hub certificate in the auditor's revoked/ checks the notes before the switch; both as
# current is refused (which signs?), and once the new key signed, a note of the old one fails.
mkdir -p "$tmp/auditor/revoked"
cp "$tmp/pki/registry/"*.cert "$tmp/auditor/"
mv "$tmp/auditor/relais-hub.cert" "$tmp/auditor/revoked/"
expect_exit 0 "$relais" audit verify --store "$tmp/snap2" --certs "$tmp/auditor"
grep -qx "latest checkpoint: size $head, origin relais/relais-hub" "$tmp/out" && grep -qx "result: ok" "$tmp/out" ||
  fail "audit verify across the switch: $(cat "$tmp/out")"
expect_exit 2 "$relais" audit verify --store "$tmp/snap2" --certs "$tmp/pki/registry"
said "several broker certificates ('relais-hub', 'relais-hub-2027'): name one with --broker"
stop_broker_clean
broker_key=$tmp/pki/relais-hub/relais-hub.cert_secret
hub_cert=$old_hub_cert
start_broker_on_free_port
submit_referrals 1
wait_checkpoint "$head"
"$relais" audit snapshot --store "$tmp/store" --out "$tmp/snap3" >/dev/null
expect_exit 1 "$relais" audit verify --store "$tmp/snap3" --certs "$tmp/auditor"
said "BAD_SIGNATURE: the signed note does not verify with the key of 'relais-hub-2027': checkpoint:"

stop_broker_clean
echo "consistency.sh: all passed"
