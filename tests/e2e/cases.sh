#!/usr/bin/env bash
# cases.sh -- end-to-end test of the case workflow against the real relaisd: one child one case,
# transitions and refusals, need-to-know, deadlines, searches, the readable `case show` (golden
# pages in tests/e2e/golden/, French and English, the coordinator's and a partner's), and the
# auditor's replay of the case index.
# usage: cases.sh RELAIS RELAISD CASE_TAMPER SOURCE_DIR
# RELAIS_GOLDEN_UPDATE=1 writes the pages into tests/e2e/golden/ instead of comparing them (then
# read the diff before keeping it).
set -euo pipefail

relais=$1
relaisd=$2
case_tamper=$3
src=$4
examples=$src/examples
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init cases
pki_broker # certs/make-pki's layout, not make_pki's
said() { # said TEXT: the last command's stderr holds TEXT, word for word
  grep -qF -- "$1" "$tmp/err" || { cat "$tmp/err" >&2; fail "expected on stderr: $1"; }
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

step "only a coordinator moves a case, and the others are told so in plain words"
refused FORBIDDEN college-curie case update "$lina" triage --from submitted
said "a partner cannot move a case or add to it; ask the coordinator"
refused FORBIDDEN audit-ville case update "$lina" triage --from submitted
said "only the coordinator moves a case or adds to it"
refused FORBIDDEN college-curie case update "$lina" triage # without --from: the case is read first
said "a partner cannot move a case or add to it; ask the coordinator"
refused FORBIDDEN coordination submit "$examples/referral-college-marie-curie.json"
said "only a partner or the reception desk refers a child"

step "every transition is checked; a refused one stores nothing"
refused BAD_TRANSITION coordination case update "$lina" accepted
said "case $lina is in submitted and cannot move to accepted; from submitted it can move to: triage, paused, entered-in-error, or take a note"
refused BAD_TRANSITION coordination case update "$lina" triage --from accepted
said "case $lina is in submitted, not accepted; from submitted it can move to: triage,"
expect 0 coordination case update "$lina" triage
expect 0 coordination case update "$lina" accepted
expect 0 coordination case update "$lina" diagnosis --diagnosis "SECRET-DIAGNOSIS lecture"
refused BAD_TRANSITION coordination case update "$lina" pathway-proposed
said "pathway-proposed needs at least one pathway action"
expect 0 coordination case update "$lina" pathway-proposed \
  --action "collective;Atelier lecture;Médiathèque;$(date -u +%F);weekly" \
  --action "individual;Tutorat;Service Jeunesse;$(date -u -d "+7 days" +%F);twice a week"
expect 0 coordination case update "$lina" follow-up --note "SECRET-NOTE progrès" --review-date "$(date -u -d "-1 day" +%F)"
expect 0 coordination case update "$lina" paused
refused BAD_TRANSITION coordination case update "$lina" diagnosis
said "case $lina is paused (it was in follow-up) and cannot move to diagnosis; from paused it can move to: follow-up (resume), entered-in-error, or take a note"
expect 0 coordination case update "$lina" resume
grep -q "paused -> follow-up" "$tmp/out" || fail "resume did not return to follow-up: $(cat "$tmp/out")"
expect 0 coordination case update "$tom" triage
refused BAD_TRANSITION coordination case update "$tom" declined
expect 0 coordination case update "$tom" redirected --reason cmp-follow-up --redirect-to "Programme de réussite éducative"
refused BAD_TRANSITION coordination case update "$tom" note --note "after the close"
said "case $tom is closed (redirected) and takes no more notes; from redirected it can only move to: entered-in-error"

step "a mistyped state, a date in the wrong format, an unknown case: each says what is valid"
expect 2 coordination case update "$lina" folow-up
said "unknown ACTION 'folow-up'; expected one of: triage, awaiting-agreement, accepted, declined, redirected, diagnosis, pathway-proposed, follow-up, closed-completed, closed-withdrawn, closed-failed, paused, entered-in-error, resume or note"
expect 2 coordination case update "$lina" note --from folow-up
said "--from: unknown state 'folow-up'; expected one of: submitted, triage, awaiting-agreement,"
expect 2 coordination case list --state folow-up
said "--state: unknown state 'folow-up'; expected one of: submitted, triage,"
expect 2 coordination case update "$lina" note --review-date 15/03/2027
said "--review-date: '15/03/2027' is not a date; expected YYYY-MM-DD"
expect 2 coordination case update "$lina" note --review-date 2027-02-30
said "--review-date: '2027-02-30' is not a date; expected YYYY-MM-DD"
expect 2 coordination case update "$lina" note --action "individual;Tutorat;Service Jeunesse;21/05/2027;weekly"
said "--action: start date '21/05/2027' is not a date; expected YYYY-MM-DD"
# A date in the right format the hub will not take: its sentence reaches the coordinator whole.
refused MALFORMED coordination case update "$lina" note --review-date "$(date -u -d "+800 days" +%F)"
said "case_update.next_review_date: $(date -u -d "+800 days" +%F) is more than 730 days ahead; expected a date within 730 days"
sed 's/"2014-03-12"/"2014-02-30"/' "$examples/referral-college-marie-curie.json" >"$tmp/bad-date.json"
refused MALFORMED college-curie submit "$tmp/bad-date.json"
said "referral.child.birth_date: 2014-02-30 is not a date; expected YYYY-MM-DD"
refused BAD_TRANSITION coordination case update C-999 triage --from submitted
said "there is no case C-999; \`relais case list\` lists the cases"
refused MALFORMED coordination case show C-999
said "there is no case C-999"

step "deadlines: a review date past (yesterday, the earliest the hub takes) makes the case overdue"
expect 0 coordination case list --overdue --json
grep -q "\"$lina\"" "$tmp/out" || fail "$lina is not overdue"
grep -q "\"$tom\"" "$tmp/out" && fail "a closed case is overdue"
expect 0 coordination feed --from 1 --idle-exit 1
grep "case-update $lina" "$tmp/out" | grep -q OVERDUE || fail "the coordinator's feed has no OVERDUE mark"
# The mark is on the case's latest event, the line that says where it stands now, and only there.
[ "$(grep -c OVERDUE "$tmp/out")" -eq 1 ] || fail "OVERDUE on more than the case's current state: $(cat "$tmp/out")"
[ "$(grep " $lina " "$tmp/out" | tail -1 | grep -c OVERDUE)" -eq 1 ] ||
  fail "OVERDUE is not on $lina's latest event: $(cat "$tmp/out")"
expect 0 coordination feed --from 1 --idle-exit 1 --json
[ "$(grep -c '"overdue":true' "$tmp/out")" -eq 1 ] || fail "the JSON feed marks past events overdue"

step "the coordinator's feed leaves out the hub's records of reads, unless asked"
expect 0 coordination feed --from 1 --idle-exit 1
grep -q ' access ' "$tmp/out" && fail "the coordinator's default feed shows access records: $(cat "$tmp/out")"
grep -q "case-update $lina" "$tmp/out" || fail "the feed without access records lost the cases' own lines"
expect 0 coordination feed --from 1 --idle-exit 1 --with-access
grep -q ' access .*case-show by coordination' "$tmp/out" || fail "--with-access: $(cat "$tmp/out")"
expect 0 coordination feed --from 1 --idle-exit 1 --json
grep -q '"access":' "$tmp/out" || fail "the JSON feed must carry every record, access records too"

step "the work list's filters"
expect 0 coordination case list --state follow-up --json
[ "$(wc -l <"$tmp/out")" -eq 1 ] && grep -q "\"$lina\"" "$tmp/out" || fail "--state follow-up"
expect 0 coordination case list --referrer "CMP de Sceaux" --json
[ "$(wc -l <"$tmp/out")" -eq 1 ] && grep -q "\"$tom\"" "$tmp/out" || fail "--referrer"
expect 0 coordination case list --school "Blagis" --json
[ "$(wc -l <"$tmp/out")" -eq 1 ] && grep -q "\"$tom\"" "$tmp/out" || fail "--school"
expect 0 coordination case list --urgency priority --json
[ "$(wc -l <"$tmp/out")" -eq 1 ] && grep -q "\"$lina\"" "$tmp/out" || fail "--urgency"

step "searches ignore case and accents; a partner searches its own referrals only"
# list_has WHO ARGS... -- EXPECTED...: `case list --json ARGS` as WHO lists exactly those ids.
list_has() {
  local who=$1 args=() got want
  shift
  while [ "$1" != -- ]; do args+=("$1"); shift; done
  shift
  expect 0 "$who" case list --json --sort case "${args[@]}"
  got=$(sed -n 's/.*"case_id": *"\([^"]*\)".*/\1/p' "$tmp/out" | tr '\n' ' ')
  want=$([ $# -eq 0 ] || printf '%s ' "$@")
  [ "$got" = "$want" ] || fail "$who: case list ${args[*]}: got '$got', expected '$want'"
}
list_has coordination --school "college marie-curie" -- "$lina"
list_has coordination --school "ÉCOLE ELEMENTAIRE" -- "$tom"
list_has coordination --referrer "pmi les blagis" -- "$lina"
list_has coordination --referrer "cmp de sceaux" -- "$tom"
list_has coordination --name benali -- "$lina"
list_has coordination --name "Lina Bénali" -- "$lina"
list_has coordination --name "BENALI lina" -- "$lina"
list_has coordination --name lefevre -- "$tom"
list_has coordination --name "tom adrien" -- "$tom"
list_has coordination --name dupont --
list_has college-curie --name BÉNALI -- "$lina_r"
list_has college-curie --name lefevre --
list_has pmi-blagis --name "lina benali" -- "$pmi_r"
list_has cmp-sceaux --name benali --
list_has cmp-sceaux --school "blagis" -- "$tom_r"

step "the list: soonest due first, those without a deadline last; --sort"
expect 0 coordination case list
[ "$(awk 'NR>1 && /^C-/ {print $1}' "$tmp/out" | tr '\n' ' ')" = "$lina $tom " ] ||
  fail "the list is not by due date: $(cat "$tmp/out")"
for order in due updated opened case; do expect 0 coordination case list --sort "$order"; done
expect 2 coordination case list --sort size
grep -q "due, updated, opened or case" "$tmp/err" || fail "--sort size: $(cat "$tmp/err")"

step "case ids as people type them: C-14, c-14, 14; R-57, r-57"
expect 0 coordination case show "$lina" --json
cp "$tmp/out" "$tmp/show-upper"
for form in "${lina,,}" "${lina#C-}" "${lina_r,,}"; do
  expect 0 coordination case show "$form" --json
  cmp -s "$tmp/out" "$tmp/show-upper" || fail "case show $form is not case show $lina"
done
expect 0 college-curie case show "${lina_r,,}" --json
grep -q "\"$lina_r\"" "$tmp/out" || fail "the college's r-N: $(cat "$tmp/out")"
expect 2 coordination case show "X-${lina#C-}"
grep -q "C-14, c-14 or 14" "$tmp/err" || fail "an id that is none: $(cat "$tmp/err")"
expect 2 coordination case share "$lina" "${lina#C-}"
grep -q "R-57 or r-57" "$tmp/err" || fail "share with a case id: $(cat "$tmp/err")"
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
grep -q "^Historique" "$tmp/out" || fail "case show prints no history"
grep -Eq "SECRET|pmi-blagis|PMI|Diagnostic|Parcours|\bC-[0-9]" "$tmp/out" &&
  fail "the college's page shows more than its own: $(cat "$tmp/out")"
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
refused BAD_TRANSITION coordination case share "${lina,,}" "${pmi_r,,}"
refused BAD_TRANSITION coordination case share "$lina" "$tom_r"
expect 0 pmi-blagis feed --from 1 --idle-exit 1 --json
states=$(sed -n 's/.*"state": *"\([a-z-]*\)".*/\1/p' "$tmp/out" | tr '\n' ' ')
[ "$states" = "submitted follow-up " ] || fail "the PMI's feed after the share: $states"
grep -q "\"$lina\"" "$tmp/out" && fail "the PMI's feed names the case"
expect 0 pmi-blagis case list --json
grep -q '"state": *"follow-up"' "$tmp/out" && grep -q "\"$pmi_r\"" "$tmp/out" || fail "the PMI's list after the share: $(cat "$tmp/out")"

step "case show, a page to read: golden pages in French and English, the coordinator's and the PMI's"
golden=$src/tests/e2e/golden
review=$(date -u -d "-1 day" +%F) start=$(date -u +%F) start7=$(date -u -d "+7 days" +%F)
# golden_norm: what varies between runs made constant: the records' numbers (the reads logged
# before take some), the times of the run (the referrals' consents, fixed in examples/, are kept:
# they show the page's time zone) and the dates the workflow above gave (as they print, in French
# and in English). The ids are the first records', the same at every run.
golden_norm() {
  local d subst=()
  for d in review start start7; do
    subst+=(-e "s#$(date -d "${!d}" +%d/%m/%Y)#<$d>#g" -e "s#\\b$(LC_ALL=C date -d "${!d}" '+%-d %b %Y')\\b#<$d>#g")
  done
  sed -E -e 's#(2[34])/11/2026 (09:30|16:45)#\1-11-2026 \2#g; s#(2[34]) Nov 2026 (09:30|16:45)#\1-Nov-2026 \2#g' \
    -e 's#[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}#<time>#g; s#[0-9]{1,2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}#<time>#g' \
    -e 's#(2[34])-11-2026 #\1/11/2026 #g; s#(2[34])-Nov-2026 #\1 Nov 2026 #g' \
    "${subst[@]}" -e 's/(n° |#)[0-9]+/\1N/g' -e 's/(<time>|n° N|#N) +/\1 /g'
}
# golden_check WHO ID LANG NAME: `case show ID --lang LANG` as WHO, in Paris time, is golden/NAME.
golden_check() {
  TZ=Europe/Paris expect 0 "$1" case show "$2" --lang "$3"
  golden_norm <"$tmp/out" >"$tmp/$4"
  if [ -n "${RELAIS_GOLDEN_UPDATE:-}" ]; then cp "$tmp/$4" "$golden/$4"; return 0; fi
  diff -u "$golden/$4" "$tmp/$4" || fail "case show $2 --lang $3 as $1 differs from golden/$4 (RELAIS_GOLDEN_UPDATE=1 rewrites it)"
}
golden_check coordination "$lina" fr case-show-coordinator.fr.txt
golden_check coordination "$lina" en case-show-coordinator.en.txt
golden_check pmi-blagis "$pmi_r" fr case-show-partner.fr.txt
golden_check pmi-blagis "$pmi_r" en case-show-partner.en.txt
TZ=Europe/Paris expect 0 coordination case show "$lina"
cmp -s "$tmp/out" <(TZ=Europe/Paris as coordination "$relais" case show "$lina" --lang fr) ||
  fail "case show is not in French by default"
grep -q "EN RETARD" "$tmp/out" || fail "the overdue case's page does not say so: $(cat "$tmp/out")"
TZ=UTC expect 0 coordination case show "$lina"
grep -q "23/11/2026 08:30" "$tmp/out" || fail "the page does not follow TZ: $(grep -i accord "$tmp/out")"
# A partner's page holds its referral and the statuses shared with it, nothing of the case.
for lang in fr en; do
  grep -Eq "SECRET|college|Collège|Garnier|Diagnos|Parcours|pathway|C-LINA|\bC-[0-9]" "$tmp/case-show-partner.$lang.txt" &&
    fail "the PMI's page ($lang) shows more than its own referral: $(cat "$tmp/case-show-partner.$lang.txt")"
done

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
