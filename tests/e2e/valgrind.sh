#!/usr/bin/env bash
# valgrind.sh -- the end-to-end path with relaisd and the relais client under valgrind memcheck; any error or definite leak fails.
# usage: valgrind.sh RELAIS RELAISD EXAMPLES_DIR
# Runs only when RELAIS_VALGRIND=1 (make valgrind); otherwise exits 77, which ctest reports as
# skipped. ASan builds are skipped too (valgrind cannot run them).
set -euo pipefail

relais=$1
relaisd=$2
examples=$3
src=$(dirname "$examples")
if [ "${RELAIS_VALGRIND:-0}" != 1 ]; then
  echo "SKIP: set RELAIS_VALGRIND=1 (make valgrind) to run the valgrind test"
  exit 77
fi
command -v valgrind >/dev/null || { echo "valgrind is not installed (scripts/install-deps)" >&2; exit 2; }
if ldd "$relaisd" | grep -q libasan; then
  echo "SKIP: $relaisd is an ASan build; valgrind needs a plain one (make valgrind uses build/debug)"
  exit 77
fi

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init valgrind
vg=(valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite
  --track-fds=no --num-callers=30)

# lib.sh's, plus the valgrind reports that found something.
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  for f in "$tmp"/vg-*.log; do [ -f "$f" ] && grep -q 'ERROR SUMMARY: [1-9]\|definitely lost: [1-9]' "$f" && cat "$f" >&2; done
  [ -f "$tmp/broker.log" ] && tail -20 "$tmp/broker.log" >&2
  exit 1
}
# A client command under valgrind: must exit with $1.
client() {
  local want=$1 got=0 name=$2
  shift 2
  timeout 300 "${vg[@]}" --log-file="$tmp/vg-$name.log" "$relais" "$@" >"$tmp/out" 2>"$tmp/err" || got=$?
  [ "$got" -ne 99 ] || fail "valgrind found errors in relais $*"
  [ "$got" -eq "$want" ] || { cat "$tmp/out" "$tmp/err" >&2; fail "relais $* exited $got, expected $want"; }
  echo "   relais $1 $2: clean"
}

mkdir -p "$tmp/home"
make_pki relaisd:broker college-curie:partner coordination:coordinator audit-ville:auditor accueil-tu:reception \
  mairie-actes:publisher
export HOME="$tmp/home" RELAIS_SPOOL= RELAIS_SERVER_CERT="$tmp/keys/relaisd.cert"

step "relais witness under valgrind, the hub's witness"
"$relais" keygen witness-a --role witness --out "$tmp/keys" >/dev/null
"${vg[@]}" --log-file="$tmp/vg-witness.log" "$relais" witness --key "$tmp/keys/witness-a.cert_secret" \
  --state "$tmp/witness-state" --log-cert "$tmp/keys/relaisd.cert" >"$tmp/witness.out" 2>"$tmp/witness.log" &
witness_pid=$!
bg_pids+=("$witness_pid")
for _ in $(seq 600); do grep -q ' listening at ' "$tmp/witness.out" 2>/dev/null && break; sleep 0.1; done
witness_url=$(sed -n 's/.* listening at \(http:.*\)$/\1/p' "$tmp/witness.out")
[ -n "$witness_url" ] || fail "relais witness under valgrind printed no address: $(cat "$tmp/witness.log")"

step "relaisd under valgrind"
broker_wrap=("${vg[@]}" --log-file="$tmp/vg-relaisd.log")
broker_wait=600
# A port free when picked may be taken by the time relaisd binds it: another on that failure.
start_broker_on_free_port --verifiers 2 --witness "$witness_url,$tmp/keys/witness-a.cert"

step "clients under valgrind: submit, refusal, duplicate, feed, case, audit"
export RELAIS_KEY="$tmp/keys/college-curie.cert_secret"
client 0 submit submit --spool "$tmp/spool" --timeout 120 "$examples/referral-college-marie-curie.json" \
  "$examples/referral-cmp-sceaux-parental-request.json"
case_id=$(sed -n 's/.*"case_id":"\([^"]*\)".*/\1/p' "$tmp/out" | head -1)
client 1 refused submit --spool "$tmp/spool" --timeout 120 "$examples/invalid-no-consent.json"
client 1 forbidden case update "$case_id" triage --from submitted
client 0 partnershow case show "$case_id" --json
client 0 ping ping --timeout 120
export RELAIS_KEY="$tmp/keys/coordination.cert_secret"
client 0 feed feed --json --from 1 --count 2
client 0 caselist case list --json
client 0 caseshow case show "$case_id"
client 0 update case update "$case_id" triage --note "vu"
# A second referral of the same child joins the case; the coordinator splits it out (the hub's
# copy, a key destroyed, the data key rotated).
sed -e 's/MC-2026-014/MC-2026-114/' -e 's/11 demi-journées/13 demi-journées/' \
  "$examples/referral-college-marie-curie.json" >"$tmp/again.json"
RELAIS_KEY="$tmp/keys/college-curie.cert_secret" "$relais" submit --spool "$tmp/spool" --timeout 120 "$tmp/again.json" >"$tmp/out"
again=$(sed -n 's/.*"case_id":"\(R-[0-9]*\)".*/\1/p' "$tmp/out" | head -1)
[ -n "$again" ] || fail "the second referral: $(cat "$tmp/out")"
# The case is named by the referral's own handle (the two first submissions may be stored in
# either order, so $case_id may be the other child's).
client 0 split case split "$again" "$again" --note "un autre enfant"
# The reception's register: the streets, an entry, a transfer to the coordinator, its answer, the
# reads on each side, the figures.
client 0 streets streets import "$src/tests/data/ban-sceaux-extract.csv" --out "$tmp/streets.tsv"
export RELAIS_STREETS="$tmp/streets.tsv" RELAIS_KEY="$tmp/keys/accueil-tu.cert_secret"
client 0 contact reception record --channel letter --category noise --street "r. houdan" --subject "Bruit" \
  --summary "Courrier d'un voisin" --requester "M. Petit" --contact "06 00 00 00 00" --agreed --json
entry=$(sed -n 's/.*"handle":"\(A-[0-9]*\)".*/\1/p' "$tmp/out" | head -1)
client 0 transfer reception transfer "$entry" --to hub --name coordination --json
transfer=$(sed -n 's/.*"handle":"\(T-[0-9]*\)".*/\1/p' "$tmp/out" | head -1)
client 0 desklist reception list --search "petit"
client 0 deskshow reception show "$entry"
client 0 deskstats reception stats --from "$(date +%Y-%m-%d)" --to "$(date +%Y-%m-%d)" --json
export RELAIS_KEY="$tmp/keys/coordination.cert_secret"
client 0 answer reception answer "$transfer" accepted --note "vu"
client 0 coordlist reception list --json
client 0 coordfeed feed --json --from 1 --count 3
export RELAIS_KEY="$tmp/keys/accueil-tu.cert_secret"
client 0 close reception close "$entry" --note "répondu"
# The lost and found: a found wallet, a declaration, their match, the return, the extract.
client 0 found lost found --category wallet --street "r. houdan" --number 12 --storage "armoire 2" \
  --description "Portefeuille noir" --finder "Mme Leroy" --json
found=$(sed -n 's/.*"handle":"\(O-[0-9]*\)".*/\1/p' "$tmp/out" | head -1)
client 0 declared lost declare --category wallet --street "rue houdan" --name "M. Martin" --contact "06" \
  --description "portefeuille noir en cuir" --json
declared=$(sed -n 's/.*"handle":"\(P-[0-9]*\)".*/\1/p' "$tmp/out" | head -1)
client 0 match lost match "$found"
client 0 returned lost return "$found" --owner "M. Martin" --identity "CNI ...4521" --declaration "$declared"
client 0 lostshow lost show "$declared"
client 0 extract lost extract
# A decree of the mayor's office, and what is in force at 12 rue Houdan.
printf 'Article 1 : stationnement interdit.\n' >"$tmp/decree.txt"
RELAIS_KEY="$tmp/keys/mairie-actes.cert_secret" client 0 publish decree publish --number 2026-148 --title "Stationnement" \
  --regulatory --temporary --signed "$(date +%Y-%m-%d)" --from "$(date +%Y-%m-%d)" --to "$(date +%Y-%m-%d)" \
  --street "rue houdan" --numbers 2-40 --side even --text "$tmp/decree.txt" --signatory "Le maire"
client 0 inforce decree in-force --street "rue houdan" --number 12
client 0 decreeshow decree show 2026-148
step "relais desk under valgrind: a session, the list, a case's page, a move, a refusal, decisions on a duplicate refused, the event stream, its stop"
export RELAIS_KEY="$tmp/keys/coordination.cert_secret"
"${vg[@]}" --log-file="$tmp/vg-desk.log" "$relais" desk </dev/null >"$tmp/desk.out" 2>"$tmp/desk.err" &
desk_pid=$!
bg_pids+=("$desk_pid")
for _ in $(seq 600); do grep -q 'login?token=' "$tmp/desk.out" 2>/dev/null && break; sleep 0.1; done
login=$(grep -o 'http://127\.0\.0\.1:[0-9]*/login?token=[A-Za-z0-9_-]*' "$tmp/desk.out" | head -1)
[ -n "$login" ] || fail "relais desk under valgrind printed no address: $(cat "$tmp/desk.err")"
base=${login%%/login*}
web() { curl -s -m 120 -b "$tmp/desk.jar" -c "$tmp/desk.jar" -o "$tmp/desk.page" -w '%{http_code}' "$@"; }
[ "$(web "$login")" = 303 ] || fail "relais desk: the one-time address"
for _ in $(seq 300); do
  [ "$(web "$base/?state=all")" = 200 ] && grep -q 'href="/cases/C-' "$tmp/desk.page" && break
  sleep 0.2
done
desk_case=$(sed -n 's/.*<a href="\/cases\/\(C-[0-9]*\)">.*/\1/p' "$tmp/desk.page" | head -1)
[ -n "$desk_case" ] || fail "relais desk: no case in the list"
[ "$(web "$base/cases/$desk_case")" = 200 ] || fail "relais desk: the case page"
csrf=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$tmp/desk.page" | head -1)
from=$(sed -n 's/.*name="from" value="\([^"]*\)".*/\1/p' "$tmp/desk.page" | head -1)
curl -s -N -m 8 -b "$tmp/desk.jar" "$base/events" >"$tmp/desk.events" &
events_pid=$!
# answered WANT WHAT CURL-ARG...: the desk's answer is WANT. Under memcheck the desk, the hub and the
# witness share two cores, and a request may outlast the desk's 5 s wait for the hub: the desk then
# keeps the action in its queue (202) and sends it again itself; its outcome is read on /queue, the
# newest line (recorded for a 303, refused for a 409), as a person would read it there.
answered() {
  local want=$1 what=$2 code
  shift 2
  code=$(web "$@")
  if [ "$code" = 202 ]; then
    for _ in $(seq 240); do
      [ "$(web "$base/queue")" = 200 ] && ! grep -q 'en attente depuis' "$tmp/desk.page" && break
      sleep 0.5
    done
    case $(grep -m1 -o '<td>enregistré n°\|<td><strong>refusé' "$tmp/desk.page") in
    "<td>enregistré n°") code=303 ;;
    "<td><strong>refusé") code=409 ;;
    *) code="202, still waiting" ;;
    esac
  fi
  [ "$code" = "$want" ] || fail "relais desk: $what: $code $(grep -o '<p class="alert"[^<]*' "$tmp/desk.page")"
}
answered 303 "a note" --data-urlencode "csrf=$csrf" --data-urlencode "from=$from" --data-urlencode "to=note" \
  --data-urlencode "note=vu au bureau" "$base/cases/$desk_case/move"
answered 409 "a refused move" --data-urlencode "csrf=$csrf" --data-urlencode "from=$from" --data-urlencode "to=submitted" \
  "$base/cases/$desk_case/move"
[ "$(web --data-urlencode "from=$from" --data-urlencode "to=note" "$base/cases/$desk_case/move")" = 403 ] ||
  fail "relais desk: a move without its CSRF token"
answered 409 "a dismissal the hub refuses" --data-urlencode "csrf=$csrf" --data-urlencode "from=$from" \
  --data-urlencode "action=dismiss" --data-urlencode "other=C-999" --data-urlencode "note=pas un doublon" \
  "$base/cases/$desk_case/duplicate"
[ "$(web --data-urlencode "csrf=$csrf" --data-urlencode "action=merge" --data-urlencode "other=C-x" \
  "$base/cases/$desk_case/duplicate")" = 422 ] || fail "relais desk: a merge naming no case"
[ "$(web "$base/queue")" = 200 ] || fail "relais desk: the queue's page"
wait "$events_pid" || true
kill -TERM "$desk_pid"
rc=0
wait "$desk_pid" || rc=$?
[ "$rc" -ne 99 ] || fail "valgrind found errors or definite leaks in relais desk"
[ "$rc" -eq 0 ] || fail "relais desk exited $rc"
echo "   relais desk: clean"

export RELAIS_KEY="$tmp/keys/audit-ville.cert_secret"
client 0 auditonline audit verify --quiet --certs "$tmp/registry"
client 0 consistencyonline audit consistency 1
client 0 checkpointlatest audit checkpoint
client 0 checkpointsize audit checkpoint --size "$(sed -n 2p "$tmp/out")"
client 0 watch audit watch --checkpoints "$tmp/kept" --require-cosigners 1 --witness-cert "$tmp/keys/witness-a.cert" \
  --cosign-wait 120
kill -HUP "$broker_pid"
sleep 1

step "clean stop: relaisd's own verdict"
kill -TERM "$broker_pid"
rc=0
wait "$broker_pid" || rc=$?
broker_pid=
[ "$rc" -ne 99 ] || fail "valgrind found errors or definite leaks in relaisd"
[ "$rc" -eq 0 ] || fail "relaisd exited $rc"
grep -E 'ERROR SUMMARY|definitely lost|indirectly lost' "$tmp/vg-relaisd.log" | sed 's/^==[0-9]*== */   relaisd: /'
kill -TERM "$witness_pid"
rc=0
wait "$witness_pid" || rc=$?
[ "$rc" -ne 99 ] || fail "valgrind found errors or definite leaks in relais witness"
[ "$rc" -eq 0 ] || fail "relais witness exited $rc"
grep -q 'event=cosigned' "$tmp/witness.log" || fail "the witness cosigned nothing: $(tail -3 "$tmp/witness.log")"
echo "   relais witness: clean"
client 0 auditoffline audit verify --quiet --store "$tmp/store" --certs "$tmp/registry"
client 0 auditkeyed audit verify --quiet --store "$tmp/store" --certs "$tmp/registry" --data-key "$tmp/keys/data.key"
client 0 export audit export --store "$tmp/store" --data-key "$tmp/keys/data.key"
client 0 snapshot audit snapshot --store "$tmp/store" --out "$tmp/snap"
client 0 auditsnap audit verify --quiet --store "$tmp/snap" --certs "$tmp/registry"
# The first checkpoint the hub signed and its last (at the clean stop): a consistency proof between them, checked.
first=$(awk 'match($0, /event=checkpoint size=[0-9]+/) { print substr($0, RSTART + 22, RLENGTH - 22); exit }' \
  "$tmp/broker.log")
"$relais" audit checkpoint --store "$tmp/snap" --size "$first" >"$tmp/first.note"
"$relais" audit checkpoint --store "$tmp/snap" >"$tmp/last.note"
client 0 consistencyoffline audit consistency "$first" "$(sed -n 2p "$tmp/last.note")" --store "$tmp/snap"
cp "$tmp/out" "$tmp/consistency.json"
client 0 checkconsistency audit check-consistency "$tmp/consistency.json" --old "$tmp/first.note" \
  --new "$tmp/last.note" --broker-cert "$tmp/keys/relaisd.cert"
client 0 datakeyrotate datakey rotate --store "$tmp/snap" --data-key "$tmp/keys/data.key" --out "$tmp/keys/data-2.key" \
  --keep-old
echo "valgrind: all clean"
