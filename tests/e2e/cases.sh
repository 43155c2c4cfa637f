#!/usr/bin/env bash
# cases.sh -- end-to-end test of the case workflow against the real relaisd: one child one case,
# transitions and refusals, need-to-know, deadlines, and the auditor's replay of the case index.
# usage: cases.sh RELAIS RELAISD CASE_TAMPER SOURCE_DIR
set -euo pipefail

relais=$1
relaisd=$2
case_tamper=$3
src=$4
examples=$src/examples
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init cases
# certs/make-pki's layout, not make_pki's
broker_certs=$tmp/pki/registry
broker_key=$tmp/pki/relais-hub/relais-hub.cert_secret
broker_data_key=$tmp/pki/relais-hub/data.key

# as WHO CMD...: with WHO's keys; the exit status must be $want (set by expect).
as() {
  local who=$1
  shift
  RELAIS_ENDPOINT=tcp://127.0.0.1:$port RELAIS_KEY=$tmp/pki/$who/$who.cert_secret \
    RELAIS_SERVER_CERT=$tmp/pki/relais-hub/relais-hub.cert RELAIS_SPOOL=$tmp/spool/$who timeout 60 "$@"
}
# expect STATUS WHO ARGS...: `relais ARGS` as WHO exits STATUS; output in $tmp/out, $tmp/err.
expect() {
  local want=$1 who=$2 got=0
  shift 2
  as "$who" "$relais" "$@" >"$tmp/out" 2>"$tmp/err" || got=$?
  [ "$got" -eq "$want" ] || { cat "$tmp/out" "$tmp/err" >&2; fail "$who: relais $* exited $got, expected $want"; }
}
refused() { # refused CODE WHO ARGS...: exit 1 with that error code
  local code=$1
  shift
  expect 1 "$@"
  grep -q "$code" "$tmp/err" || { cat "$tmp/err" >&2; fail "expected $code from: $*"; }
}

mkdir -p "$tmp/store" "$tmp/spool"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
start_broker_on_free_port

# case_of HANDLE: the case a referral was filed in, as the coordinator sees it.
case_of() {
  expect 0 coordination case show "$1" --json
  sed -n 's/.*"summary": *{"case_id": *"\([^"]*\)".*/\1/p' "$tmp/out"
}

step "one child, one case: the college and the PMI (name in capitals, with accents) the same day"
expect 0 college-curie submit "$examples/referral-college-marie-curie.json"
lina_r=$(field case_id "$(cat "$tmp/out")")
[[ "$lina_r" == R-* ]] || fail "the college's ack does not name its referral: $lina_r"
expect 0 pmi-blagis submit "$examples/referral-pmi-les-blagis.json"
pmi_r=$(field case_id "$(cat "$tmp/out")")
[[ "$pmi_r" == R-* ]] && [ "$pmi_r" != "$lina_r" ] || fail "the PMI's ack does not name its own referral: $pmi_r"
expect 0 cmp-sceaux submit "$examples/referral-cmp-sceaux-parental-request.json"
tom_r=$(field case_id "$(cat "$tmp/out")")
lina=$(case_of "$lina_r")
[[ "$lina" == C-* ]] || fail "the coordinator cannot find the college's case: $lina"
[ "$(case_of "$pmi_r")" = "$lina" ] || fail "the PMI's referral opened another case"
tom=$(case_of "$tom_r")
[[ "$tom" == C-* ]] && [ "$tom" != "$lina" ] || fail "Tom has no case of his own"
refused NO_CONSENT college-curie submit "$examples/invalid-no-consent.json"
expect 0 coordination case list --json
[ "$(wc -l <"$tmp/out")" -eq 2 ] || fail "expected 2 cases, got: $(cat "$tmp/out")"
grep "\"$lina\"" "$tmp/out" | grep -q '"referral_count": *2' || fail "$lina does not count 2 referrals"

step "only a coordinator moves a case"
refused FORBIDDEN college-curie case update "$lina" triage --from submitted
refused FORBIDDEN audit-ville case update "$lina" triage --from submitted

step "every transition is checked; a refused one stores nothing"
refused BAD_TRANSITION coordination case update "$lina" accepted
refused BAD_TRANSITION coordination case update "$lina" triage --from accepted
expect 0 coordination case update "$lina" triage
expect 0 coordination case update "$lina" accepted
expect 0 coordination case update "$lina" diagnosis --diagnosis "SECRET-DIAGNOSIS lecture"
refused BAD_TRANSITION coordination case update "$lina" pathway-proposed
expect 0 coordination case update "$lina" pathway-proposed \
  --action "collective;Atelier lecture;Médiathèque;$(date -u +%F);weekly" \
  --action "individual;Tutorat;Service Jeunesse;$(date -u -d "+7 days" +%F);twice a week"
expect 0 coordination case update "$lina" follow-up --note "SECRET-NOTE progrès" --review-date "$(date -u -d "-1 day" +%F)"
expect 0 coordination case update "$lina" paused
refused BAD_TRANSITION coordination case update "$lina" diagnosis
expect 0 coordination case update "$lina" resume
grep -q "paused -> follow-up" "$tmp/out" || fail "resume did not return to follow-up: $(cat "$tmp/out")"
expect 0 coordination case update "$tom" triage
refused BAD_TRANSITION coordination case update "$tom" declined
expect 0 coordination case update "$tom" redirected --reason cmp-follow-up --redirect-to "Programme de réussite éducative"
refused BAD_TRANSITION coordination case update "$tom" note --note "after the close"

step "deadlines: a review date past (yesterday, the earliest the hub takes) makes the case overdue"
expect 0 coordination case list --overdue --json
grep -q "\"$lina\"" "$tmp/out" || fail "$lina is not overdue"
grep -q "\"$tom\"" "$tmp/out" && fail "a closed case is overdue"
expect 0 coordination feed --from 1 --idle-exit 1
grep "case-update $lina" "$tmp/out" | grep -q OVERDUE || fail "the coordinator's feed has no OVERDUE mark"

step "the work list's filters"
expect 0 coordination case list --state follow-up --json
[ "$(wc -l <"$tmp/out")" -eq 1 ] && grep -q "\"$lina\"" "$tmp/out" || fail "--state follow-up"
expect 0 coordination case list --referrer "CMP de Sceaux" --json
[ "$(wc -l <"$tmp/out")" -eq 1 ] && grep -q "\"$tom\"" "$tmp/out" || fail "--referrer"
expect 0 coordination case list --school "Blagis" --json
[ "$(wc -l <"$tmp/out")" -eq 1 ] && grep -q "\"$tom\"" "$tmp/out" || fail "--school"
expect 0 coordination case list --urgency priority --json
[ "$(wc -l <"$tmp/out")" -eq 1 ] && grep -q "\"$lina\"" "$tmp/out" || fail "--urgency"
expect 0 coordination case show "$lina" --json
grep -q "SECRET-DIAGNOSIS" "$tmp/out" || fail "the coordinator does not see the diagnosis"

step "need-to-know: a partner sees its own referrals' status, never diagnosis, notes or others' referrals"
refused FORBIDDEN cmp-sceaux case show "$lina_r"
refused FORBIDDEN college-curie case show "$tom_r"
refused FORBIDDEN college-curie case show "$lina"
expect 0 college-curie case list --json
[ "$(wc -l <"$tmp/out")" -eq 1 ] && grep -q "\"$lina_r\"" "$tmp/out" || fail "the college lists other cases"
grep -q '"C-' "$tmp/out" && fail "the college's list names a case: $(cat "$tmp/out")"
expect 0 college-curie feed --from 1 --idle-exit 1 --json
grep -Eq "SECRET|pmi-blagis|PMI|Lefèvre|Tom|\"C-" "$tmp/out" && fail "the college's feed shows more than its status: $(cat "$tmp/out")"
states=$(sed -n 's/.*"state": *"\([a-z-]*\)".*/\1/p' "$tmp/out" | tr '\n' ' ')
[ "$states" = "submitted triage accepted diagnosis pathway-proposed follow-up paused follow-up " ] ||
  fail "the college's closed loop is not the status at each record: $states"
expect 0 college-curie case show "$lina_r" --json
grep -Eq "SECRET|pmi-blagis|PMI|Lefèvre|Tom" "$tmp/out" && fail "the college's case show shows more than its status: $(cat "$tmp/out")"
states=$(sed 's/.*"history"://' "$tmp/out" | grep -o '"state":"[a-z-]*"' | sed 's/.*:"\(.*\)"/\1/' | tr '\n' ' ')
[ "$states" = "submitted triage accepted diagnosis pathway-proposed follow-up paused follow-up " ] ||
  fail "the college's case history is not the status after each event it may see: $states"
expect 0 college-curie case show "$lina_r"
grep -q "^Status after each event:" "$tmp/out" || fail "case show prints no status history"
expect 0 coordination case show "$lina" --json
n=$(sed 's/.*"history"://' "$tmp/out" | grep -o '"seq":' | wc -l)
[ "$n" -eq 9 ] || fail "the coordinator's history has $n events, expected 9 (2 referrals, 7 updates)"
expect 0 cmp-sceaux feed --from 1 --idle-exit 1 --json
grep -Eq "\"$lina\"|\"$lina_r\"|\"$pmi_r\"" "$tmp/out" && fail "the CMP sees Lina's case"
grep -q '"reason_code": *"cmp-follow-up"' "$tmp/out" || fail "the CMP does not see its reason code"

step "the PMI joined a case already open: it sees its referral's arrival, nothing more, until the coordinator shares"
expect 0 pmi-blagis feed --from 1 --idle-exit 1 --json
states=$(sed -n 's/.*"state": *"\([a-z-]*\)".*/\1/p' "$tmp/out" | tr '\n' ' ')
[ "$states" = "submitted " ] || fail "the PMI sees more than its referral's arrival: $states"
grep -q "\"$pmi_r\"" "$tmp/out" || fail "the PMI's feed does not name its referral"
expect 0 pmi-blagis case show "$pmi_r" --json
grep -Eq "SECRET|$lina\"|follow-up|college" "$tmp/out" && fail "the PMI's case show tells of the case: $(cat "$tmp/out")"
expect 0 coordination case show "$lina"
grep -q "relais case share $lina $pmi_r" "$tmp/out" || fail "the coordinator is not told the PMI's referral is not shared"
expect 0 coordination case share "$lina" "$pmi_r" --note "Vu en instance partenariale"
refused BAD_TRANSITION coordination case share "$lina" "$pmi_r"
refused BAD_TRANSITION coordination case share "$lina" "$tom_r"
expect 0 pmi-blagis feed --from 1 --idle-exit 1 --json
states=$(sed -n 's/.*"state": *"\([a-z-]*\)".*/\1/p' "$tmp/out" | tr '\n' ' ')
[ "$states" = "submitted follow-up " ] || fail "the PMI's feed after the share: $states"
grep -q "\"$lina\"" "$tmp/out" && fail "the PMI's feed names the case"
expect 0 pmi-blagis case list --json
grep -q '"state": *"follow-up"' "$tmp/out" && grep -q "\"$pmi_r\"" "$tmp/out" || fail "the PMI's list after the share: $(cat "$tmp/out")"

step "every read is logged, with who read what"
expect 0 audit-ville feed --from 1 --idle-exit 1
grep -q "case-show by coordination" "$tmp/out" && grep -q "feed by college-curie" "$tmp/out" ||
  fail "reads are missing from the log"

step "a snapshot taken while the coordinator writes is a store the audit passes"
(for i in $(seq 1 20); do as coordination "$relais" case update "$lina" note --note "point $i" >/dev/null 2>&1; done) &
writes=$!
"$relais" audit snapshot --store "$tmp/store" --out "$tmp/snap" >"$tmp/snap.txt" || { cat "$tmp/snap.txt"; fail "audit snapshot failed"; }
wait "$writes" || fail "a note was refused during the snapshot"
[ "$(stat -c %a "$tmp/snap/data.mdb")" = 600 ] || fail "the snapshot's data is not 0600"
# The child-key secret travels wrapped, inside the copy: no secret file beside it.
[ ! -e "$tmp/snap/hub-child-key.secret" ] || fail "the snapshot holds a secret file: $(ls "$tmp/snap")"
grep -q "sealed under data key generation 1" "$tmp/snap.txt" || fail "the snapshot does not say its generation"
"$relais" audit verify --store "$tmp/snap" --certs "$tmp/pki/registry" >"$tmp/verify.txt" ||
  { cat "$tmp/verify.txt"; fail "audit verify of the snapshot, without the data key, failed"; }
grep -q "^level: integrity only" "$tmp/verify.txt" || fail "the unkeyed audit does not say its level: $(cat "$tmp/verify.txt")"
grep -q "^cases:" "$tmp/verify.txt" && fail "cases replayed without the data key: $(cat "$tmp/verify.txt")"
"$relais" audit verify --store "$tmp/snap" --certs "$tmp/pki/registry" --data-key "$broker_data_key" \
  >"$tmp/verify.txt" || { cat "$tmp/verify.txt"; fail "audit verify of the snapshot failed"; }
grep -q "^level: full, with the data key" "$tmp/verify.txt" || fail "the keyed audit's level: $(cat "$tmp/verify.txt")"
grep -qx "cases: 2 rebuilt, equal to the index" "$tmp/verify.txt" || fail "the snapshot's cases: $(cat "$tmp/verify.txt")"
got=0
"$relais" audit snapshot --store "$tmp/store" --out "$tmp/snap" >/dev/null 2>"$tmp/err" || got=$?
[ "$got" -eq 2 ] && grep -q "is not empty" "$tmp/err" || fail "a snapshot over another exited $got: $(cat "$tmp/err")"
cat "$tmp/snap.txt"

step "the auditor's replay equals the index; a tampered index fails, naming the case"
stop_broker
"$relais" audit verify --store "$tmp/store" --certs "$tmp/pki/registry" --data-key "$broker_data_key" \
  >"$tmp/verify.txt" || { cat "$tmp/verify.txt"; fail "audit verify failed"; }
grep -qx "cases: 2 rebuilt, equal to the index" "$tmp/verify.txt" || fail "no case replay: $(cat "$tmp/verify.txt")"
"$case_tamper" "$tmp/store" "$lina" closed-completed "$broker_data_key"
got=0
"$relais" audit verify --store "$tmp/store" --certs "$tmp/pki/registry" --data-key "$broker_data_key" \
  >"$tmp/verify.txt" 2>&1 || got=$?
[ "$got" -eq 1 ] || { cat "$tmp/verify.txt"; fail "audit verify of a tampered index exited $got"; }
grep -q "case $lina: CORRUPT" "$tmp/verify.txt" || fail "the finding does not name $lina: $(cat "$tmp/verify.txt")"
echo "ok"
