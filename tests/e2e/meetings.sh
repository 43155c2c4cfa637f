#!/usr/bin/env bash
# meetings.sh -- the partnership meeting (instance partenariale de suivi des situations individuelles)
# against a real hub: the agenda before it (an overdue case, a case due for review, a new
# referral), the coordinator records it (two cases, two professionals present), lists it and
# shows it (French, English, JSON), the agenda after it; the cases' pages and the feed carry it;
# a partner reads nothing of it but its case's status; a record of an unknown or closed case is
# refused and nothing is stored; the audit replays it, and finds a meeting's entry the log never
# made; a case erased takes its record out of the meeting.
# usage: meetings.sh RELAIS RELAISD SOURCE_DIR CASE_TAMPER
set -euo pipefail

relais=$1
relaisd=$2
src=$3
case_tamper=$4
examples=$src/examples
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init meetings
pki_broker
# The hub counts days in UTC; the pages and the dates below in the same zone.
export TZ=UTC

day() { date -d "$1" +%Y-%m-%d; }
fr() { date -d "$1" +%d/%m/%Y; } # a date as the French pages write it
today=$(day today)
in_week=$(day "+7 days")
later=$(day "+60 days")
month=$(day "+30 days")
agenda_json() { # the agenda of the meeting in a week, as JSON, in $tmp/out
  expect 0 coordination meeting agenda --date "$in_week" --json
}
section_has() { # section_has SECTION CASE: the agenda's section lists that case
  python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); sys.exit(0 if sys.argv[3] in [c["case_id"] for c in a[sys.argv[2]]] else 1)' \
    "$tmp/out" "$1" "$2"
}
section_size() {
  python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))[sys.argv[2]]))' "$tmp/out" "$1"
}

mkdir -p "$tmp/store" "$tmp/spool"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
start_broker_on_free_port

step "three children referred: Lina by the college, Adam by the PMI, Sarah by the CMP"
child "$tmp/lina.json" Benali '["Lina"]' "Collège Marie Curie" SCHOOL_HEAD
expect 0 college-curie submit "$tmp/lina.json"
lina_ref=$(field case_id "$(cat "$tmp/out")")
lina=$(case_of "$lina_ref")
child "$tmp/adam.json" Martin '["Adam"]' "PMI Les Blagis" PMI
expect 0 pmi-blagis submit "$tmp/adam.json"
adam=$(case_of "$(field case_id "$(cat "$tmp/out")")")
child "$tmp/sarah.json" Roux '["Sarah"]' "CMP de Sceaux" CMP
expect 0 cmp-sceaux submit "$tmp/sarah.json"
sarah=$(case_of "$(field case_id "$(cat "$tmp/out")")")
expect 0 coordination case update "$lina" triage
expect 0 coordination case update "$lina" accepted --review-date "$(day tomorrow)"
expect 0 coordination case update "$adam" triage
expect 0 coordination case update "$adam" accepted --review-date "$(day yesterday)"

step "the agenda before any meeting: Adam overdue, Lina due for review, Sarah a new referral"
agenda_json
grep -q '"last_meeting": *null' "$tmp/out" || fail "a last meeting before any: $(cat "$tmp/out")"
section_has overdue "$adam" && section_has due_for_review "$lina" && section_has new_referrals "$sarah" ||
  fail "the agenda before: $(cat "$tmp/out")"
[ "$(section_size overdue)$(section_size due_for_review)$(section_size new_referrals)" = 111 ] ||
  fail "a case in two sections, or one too many: $(cat "$tmp/out")"
expect 0 coordination meeting agenda --date "$in_week"
for want in "Instance partenariale du $(fr "$in_week") — ordre du jour" "Dernière instance +aucune" \
  "Dossiers en retard \(1\)" "Dossiers à revoir \(1\)" "Nouveaux signalements \(1\)" "$adam .*Adam M\. .*accepté" \
  "$lina .*bilan prévu le $(fr tomorrow)" "$sarah .*Sarah R\. .*reçu le "; do
  grep -qE "$want" "$tmp/out" || fail "the French agenda lacks '$want': $(cat "$tmp/out")"
done
expect 0 coordination meeting agenda --date "$in_week" --lang en
grep -q "Partnership meeting of .* — agenda" "$tmp/out" && grep -q "Overdue cases (1)" "$tmp/out" &&
  grep -q "Cases due for review (1)" "$tmp/out" && grep -q "New referrals (1)" "$tmp/out" ||
  fail "the English agenda: $(cat "$tmp/out")"

step "the coordinator records the meeting: Lina and Adam reviewed, two professionals present"
expect 0 coordination meeting record --date "$today" --present "Mme Roux;psychologue;CMP de Sceaux" \
  --present "M. Petit;CPE;Collège Marie Curie" \
  --case "$lina;Orientation vers le CMP acceptée par la famille.
Point d'étape avec le collège en janvier.;$later" \
  --case "$adam;Accompagnement éducatif renforcé : tutorat deux fois par semaine;$month"
mid=$(sed -n "s/^$lina: recorded for meeting \(M-${today//-/}-[0-9a-f]\{4\}\) (#[0-9]*)$/\1/p" "$tmp/out")
[ -n "$mid" ] || fail "record: $(cat "$tmp/out")"
lina_seq=$(sed -n "s/^$lina: recorded for meeting $mid (#\([0-9]*\))$/\1/p" "$tmp/out")
grep -q "^$adam: recorded for meeting $mid (#[0-9]*)$" "$tmp/out" || fail "record of $adam: $(cat "$tmp/out")"
grep -q "^meeting $mid of $today: 2 of 2 cases recorded$" "$tmp/out" || fail "record's summary: $(cat "$tmp/out")"

step "list and show, French, English and JSON"
expect 0 coordination meeting list
grep -qE "^$mid +$(fr today) +2$" "$tmp/out" && grep -q "^1 instance$" "$tmp/out" || fail "list: $(cat "$tmp/out")"
expect 0 coordination meeting list --json
grep -q "{\"meeting_id\": *\"$mid\", *\"date\": *\"$today\", *\"cases\": *2}" "$tmp/out" || fail "list --json: $(cat "$tmp/out")"
expect 0 coordination meeting show "$mid"
for want in "Instance partenariale de suivi des situations individuelles du $(fr today)" \
  "Mme Roux, psychologue, CMP de Sceaux" "M. Petit, CPE, Collège Marie Curie" "Dossiers examinés +2" \
  "$lina — Lina B\. \(" "$adam — Adam M\. \(" "Décision" "Orientation vers le CMP acceptée par la famille\." \
  "Point d'étape avec le collège en janvier\." "Prochain bilan le +$(fr "$later")" "État actuel +accepté" \
  "Enregistré le .*n° $lina_seq, coordination"; do
  grep -qE "$want" "$tmp/out" || fail "the French page lacks '$want': $(cat "$tmp/out")"
done
expect 0 coordination meeting show "$mid" --lang en
for want in "Partnership meeting \(instance partenariale de suivi des situations individuelles\) of" "Present" \
  "Cases reviewed" "State now +accepted" "Decision" "Next review" "Recorded .*#$lina_seq, coordination"; do
  grep -qE "$want" "$tmp/out" || fail "the English page lacks '$want': $(cat "$tmp/out")"
done
expect 0 coordination meeting show "$mid" --json
grep -q "\"meeting_id\": *\"$mid\"" "$tmp/out" && grep -q "\"case_id\": *\"$lina\", *\"child\": *\"Lina B\." "$tmp/out" &&
  grep -q "\"next_review_date\": *\"$later\"" "$tmp/out" && grep -q '"organisation": *"CMP de Sceaux"' "$tmp/out" ||
  fail "show --json: $(cat "$tmp/out")"
expect 0 audit-ville meeting show "$mid" --json
refused MALFORMED coordination meeting show "M-${today//-/}-zz99"
grep -q "there is no meeting M-${today//-/}-zz99" "$tmp/err" || fail "an unknown meeting: $(cat "$tmp/err")"
expect 2 coordination meeting show C-1
grep -q "'C-1' is not a meeting id" "$tmp/err" || fail "a case id as a meeting: $(cat "$tmp/err")"

step "the agenda after the meeting: the reviews moved on, Sarah still new, and a new referral"
agenda_json
grep -q "\"last_meeting\": *{\"meeting_id\": *\"$mid\", *\"date\": *\"$today\"}" "$tmp/out" ||
  fail "the last meeting: $(cat "$tmp/out")"
[ "$(section_size overdue)$(section_size due_for_review)" = 00 ] && section_has new_referrals "$sarah" ||
  fail "the agenda after: $(cat "$tmp/out")"
child "$tmp/yanis.json" Kaci '["Yanis"]' "Collège Marie Curie" SCHOOL_HEAD
expect 0 college-curie submit "$tmp/yanis.json"
yanis=$(case_of "$(field case_id "$(cat "$tmp/out")")")
agenda_json
section_has new_referrals "$yanis" && [ "$(section_size new_referrals)" = 2 ] || fail "the new referral: $(cat "$tmp/out")"
expect 0 coordination meeting agenda --date "$in_week"
grep -q "Nouveaux signalements depuis le $(fr today) (2)" "$tmp/out" || fail "the French agenda after: $(cat "$tmp/out")"

step "the coordinator's page of a case holds the meeting; the feed names it"
expect 0 coordination case show "$lina"
grep -q "n° $lina_seq  *coordination : instance du $(fr today) ($mid) :$" "$tmp/out" &&
  grep -q "^  *Orientation vers le CMP acceptée par la famille\.… ; prochain$" "$tmp/out" ||
  fail "the history's meeting line: $(cat "$tmp/out")"
grep -q "^Instances partenariales$" "$tmp/out" && grep -q "Instance du $(fr today) ($mid), enregistrée le" "$tmp/out" ||
  fail "the page's meetings: $(cat "$tmp/out")"
expect 0 coordination case show "$lina" --lang en
grep -q "coordination: meeting of .* ($mid):" "$tmp/out" && grep -q "^Partnership meetings$" "$tmp/out" ||
  fail "the English page's meeting: $(cat "$tmp/out")"
expect 0 coordination case show "$sarah"
! grep -q "Instances partenariales" "$tmp/out" || fail "a case no meeting reviewed has a meetings section"
expect 0 coordination feed --from 1 --idle-exit 1
grep -qE "^#$lina_seq .* coordination +meeting +$lina +$mid $today present=2 review=$later" "$tmp/out" ||
  fail "the coordinator's feed: $(cat "$tmp/out")"
expect 0 dpd-ville privacy export "$lina"
grep -q "Instance partenariale :" "$tmp/out" && grep -q "Décision : Orientation vers le CMP" "$tmp/out" ||
  fail "the family's export: $(cat "$tmp/out")"

step "a partner reads nothing of it: refused, and its referral shows the case's status only"
refused FORBIDDEN college-curie meeting list
grep -q "the partnership meetings are the coordinator's and the auditors' to read" "$tmp/err" || fail "$(cat "$tmp/err")"
refused FORBIDDEN college-curie meeting show "$mid"
refused FORBIDDEN dpd-ville meeting list
for args in "case show $lina_ref --json" "case list --json" "feed --from 1 --idle-exit 1 --json"; do
  # shellcheck disable=SC2086
  expect 0 college-curie $args
  ! grep -qiE "meeting|M-[0-9]{8}|Orientation|tutorat|Roux|Petit|decision" "$tmp/out" ||
    fail "the college sees the meeting ($args): $(cat "$tmp/out")"
done
expect 0 college-curie case show "$lina_ref" --json
grep -q "{\"case_id\": *\"$lina_ref\", *\"state\": *\"accepted\"[^}]*\"seq\": *$lina_seq}" "$tmp/out" ||
  fail "the college does not see its case's status after the meeting: $(cat "$tmp/out")"
expect 0 college-curie case show "$lina_ref"
! grep -qiE "instance|Orientation" "$tmp/out" || fail "the college's page: $(cat "$tmp/out")"
printf '{"meeting":{"meeting_id":"M-%s-ab12","date":"%s","present":[{"organisation":"PMI"}],"case_id":"%s","decision":"x"}}' \
  "${today//-/}" "$today" "$adam" >"$tmp/partner-meeting.json"
refused FORBIDDEN pmi-blagis submit "$tmp/partner-meeting.json"
grep -q "only the coordinator records the partnership meeting's decisions" "$tmp/err" "$tmp/out" || fail "$(cat "$tmp/err")"

step "a record of an unknown case, of a closed one, or of another date is refused, and nothing stored"
expect 0 coordination case update "$yanis" triage
expect 0 coordination case update "$yanis" declined --reason out-of-scope
# The hub writes its log lines a few at a time: the count starts once the last ack is written.
declined_seq=$(sed -n 's/.*(#\([0-9]*\)).*/\1/p' "$tmp/out")
for _ in $(seq 100); do grep -q "event=ack .*seq=$declined_seq " "$tmp/broker.log" && break; sleep 0.1; done
acks=$(grep -c "event=ack" "$tmp/broker.log")
refused BAD_TRANSITION coordination meeting record --date "$today" --present ";;Service Jeunesse" --case "C-999;à revoir"
grep -q "there is no case C-999" "$tmp/err" || fail "an unknown case: $(cat "$tmp/err")"
grep -q "0 of 1 case recorded" "$tmp/out" || fail "$(cat "$tmp/out")"
refused BAD_TRANSITION coordination meeting record --id "$mid" --present ";;Service Jeunesse" --case "$yanis;à revoir"
grep -q "case $yanis is closed (declined): a meeting reviews the open cases" "$tmp/err" || fail "a closed case: $(cat "$tmp/err")"
sed -e "s/M-[0-9]*-ab12/M-20200101-ab12/" "$tmp/partner-meeting.json" >"$tmp/other-date.json"
refused MALFORMED coordination submit "$tmp/other-date.json"
grep -q "meeting.meeting_id: M-20200101-ab12 is not of the meeting's date $today" "$tmp/err" "$tmp/out" ||
  fail "an id of another date: $(cat "$tmp/err" "$tmp/out")"
[ "$(grep -c "event=ack" "$tmp/broker.log")" = "$acks" ] || fail "a refused record was stored"
expect 0 coordination meeting list --json
grep -q "\"cases\": *2}" "$tmp/out" && [ "$(wc -l <"$tmp/out")" = 1 ] || fail "the meetings changed: $(cat "$tmp/out")"
expect 2 coordination meeting record --date "$today" --present "Mme Roux;psychologue" --case "$sarah;x"
expect 2 coordination meeting record --date "10/12/2026" --present ";;CMP" --case "$sarah;x"
expect 2 coordination meeting record --date "$today" --present ";;CMP" --case "$sarah;x;15/01/2027"

step "a case added to the meeting recorded before (--id), a decision that holds ';', as JSON"
expect 0 coordination meeting record --id "$mid" --present "Mme Roux;psychologue;CMP de Sceaux" \
  --case "$sarah;Premier examen ; à revoir avec la famille;" --json
grep -q "{\"meeting_id\": *\"$mid\", *\"date\": *\"$today\", *\"case_id\": *\"$sarah\", *\"seq\": *[0-9]*," "$tmp/out" ||
  fail "record --json: $(cat "$tmp/out")"
expect 0 coordination meeting show "$mid" --json
grep -q '"decision": *"Premier examen ; à revoir avec la famille"' "$tmp/out" || fail "the decision with ';': $(cat "$tmp/out")"
grep -q "\"present\": *\[{\"name\": *\"Mme Roux\"" "$tmp/out" || fail "$(cat "$tmp/out")"
expect 0 coordination meeting show "$mid"
grep -qE "Présents +Mme Roux, psychologue, CMP de Sceaux$" "$tmp/out" ||
  fail "the added case's own attendees are not shown: $(cat "$tmp/out")"

step "the audit replays the meeting's records"
verify_offline

step "Adam's case erased on request: its record leaves the meeting; the audit agrees"
expect 0 dpd-ville privacy erase "$adam" --reason "demande des parents"
for _ in $(seq 100); do grep -q "event=archived case=$adam " "$tmp/broker.log" && break; sleep 0.1; done
grep -q "event=archived case=$adam " "$tmp/broker.log" || fail "the sweep did not archive $adam"
expect 0 coordination meeting list --json
grep -q "{\"meeting_id\": *\"$mid\", *\"date\": *\"$today\", *\"cases\": *2}" "$tmp/out" || fail "after the erasure: $(cat "$tmp/out")"
expect 0 coordination meeting show "$mid"
! grep -q "$adam" "$tmp/out" || fail "the archived case is still shown: $(cat "$tmp/out")"
stop_broker_clean
verify_offline

step "a meeting's entry the log never made: the audit finds it"
"$case_tamper" "$tmp/snap" "$lina" "M-${today//-/}-forged" "$broker_data_key"
expect_exit 1 "$relais" audit verify --store "$tmp/snap" --certs "$broker_certs" --data-key "$broker_data_key"
grep -q "meeting M-${today//-/}-forged: CORRUPT" "$tmp/out" "$tmp/err" || fail "the forged entry: $(cat "$tmp/out" "$tmp/err")"

echo "meetings: all passed"
