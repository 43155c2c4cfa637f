#!/usr/bin/env bash
# split.sh -- a referral moved out of a case into a case of its own, against a real hub: the CMP's
# referral of a namesake (same names, same birth date) joins Lina's case; the coordinator splits
# it out. The new case holds the hub's copy, sealed under its own key; the old copy's key is
# destroyed and the KEK rotated; the CMP follows the new case under the same handle and sees
# nothing of Lina's case from then on; the college sees nothing of the split. The audit replays
# it, the index rebuilt from the log equals the hub's, and erasing either case leaves the other
# whole.
# usage: split.sh RELAIS RELAISD SOURCE_DIR
set -euo pipefail

relais=$1
relaisd=$2
src=$3
examples=$src/examples
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init split
pki_broker

mkdir -p "$tmp/store" "$tmp/spool"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
start_broker_on_free_port

# rebuild_index WHAT: the hub stopped, its index thrown away and made again from the log at the
# next start; the audit finds it equal to the log's replay.
rebuild_index() {
  stop_broker_clean
  rm -rf "$tmp/store/index"
  start_broker_on_free_port
  for _ in $(seq 100); do grep -q 'event=index-rebuilt' "$tmp/broker.log" && break; sleep 0.1; done
  grep -q 'event=index-rebuilt' "$tmp/broker.log" || fail "$1: the index was not rebuilt"
  stop_broker_clean
  verify_offline
  start_broker_on_free_port
  echo "   $1: the index made again from the log equals the replay"
}

step "the college refers Lina Benali; the CMP refers a namesake, born the same day: it joins her case"
child "$tmp/college.json" Benali '["Lina"]' "Collège Marie Curie" SCHOOL_HEAD
expect 0 college-curie submit "$tmp/college.json"
college_ref=$(field case_id "$(cat "$tmp/out")")
lina=$(case_of "$college_ref")
child "$tmp/cmp.json" Benali '["Lina"]' "CMP de Sceaux" CMP
sed -i -e 's/"urgency": "[A-Z]*"/"urgency": "URGENT"/' -e 's/"school": "[^"]*"/"school": "École élémentaire des Blagis"/' \
  "$tmp/cmp.json"
expect 0 cmp-sceaux submit "$tmp/cmp.json"
cmp_ref=$(field case_id "$(cat "$tmp/out")")
[ "$(case_of "$cmp_ref")" = "$lina" ] || fail "the CMP's referral did not join $lina"
expect 0 coordination case share "$lina" "$cmp_ref"
expect 0 coordination case update "$lina" triage --note "Vue en instance partenariale"
expect 0 cmp-sceaux case show "$cmp_ref" --json
grep -q '"state": *"triage"' "$tmp/out" || fail "the CMP does not follow Lina's case before the split: $(cat "$tmp/out")"

step "what a split refuses: the referral that opened the case, another case's, a partner, a closed case"
refused BAD_TRANSITION coordination case split "$lina" "$college_ref"
grep -q "$college_ref opened case $lina" "$tmp/err" || fail "splitting the opener: $(cat "$tmp/err")"
child "$tmp/tom.json" Martin '["Tom"]' "Collège Marie Curie" SCHOOL_HEAD
expect 0 college-curie submit "$tmp/tom.json"
tom_ref=$(field case_id "$(cat "$tmp/out")")
refused BAD_TRANSITION coordination case split "$lina" "$tom_ref"
grep -q "$tom_ref is not a referral of case $lina" "$tmp/err" || fail "another case's referral: $(cat "$tmp/err")"
refused FORBIDDEN cmp-sceaux case split "$lina" "$cmp_ref"
expect 2 coordination case split "$lina"
expect 2 coordination case split "$lina" C-3

step "a referral corrected at the family's request stays: the correction is sealed with its case"
child "$tmp/pmi.json" Benali '["Lina"]' "PMI Les Blagis" PMI
expect 0 pmi-blagis submit "$tmp/pmi.json"
pmi_ref=$(field case_id "$(cat "$tmp/out")")
[ "$(case_of "$pmi_ref")" = "$lina" ] || fail "the PMI's referral did not join $lina"
expect 0 coordination privacy rectify "$lina" --record "${pmi_ref#R-}" --field child.class_name --value "CM2" \
  --reason "erreur de classe signalée par la mère"
refused BAD_TRANSITION coordination case split "$lina" "$pmi_ref"
grep -q "$pmi_ref was corrected at the family's request" "$tmp/err" || fail "splitting a corrected referral: $(cat "$tmp/err")"

step "a referral that joined a case merged into Lina's can be split out of it; the merged case's opener cannot"
child "$tmp/rased.json" BENALI-HADDAD '["Lina", "Sarah"]' "PMI Les Blagis" PMI
expect 0 pmi-blagis submit "$tmp/rased.json"
rased_ref=$(field case_id "$(cat "$tmp/out")")
merged=$(case_of "$rased_ref")
[ "$merged" != "$lina" ] || fail "the PMI's second spelling joined $lina"
sed -i 's/11 demi-journées/12 demi-journées/' "$tmp/rased.json"
expect 0 pmi-blagis submit "$tmp/rased.json"
rased_again=$(field case_id "$(cat "$tmp/out")")
expect 0 coordination case merge "$merged" "$lina" --note "même enfant, écrit autrement par la PMI"
refused BAD_TRANSITION coordination case split "$lina" "$rased_ref"
grep -q "$rased_ref opened case $merged" "$tmp/err" || fail "splitting the merged case's opener: $(cat "$tmp/err")"
expect 0 coordination case split "$lina" "$rased_again" --note "le second signalement de la PMI est un autre enfant"
rased_case=$(case_of "$rased_again")
[ "$rased_case" != "$lina" ] && [ "$rased_case" != "$merged" ] || fail "$rased_again is still in $rased_case"
verify_offline

step "the coordinator splits the CMP's referral out: a new case, the old copy's key destroyed"
expect 0 coordination case split "$lina" "$cmp_ref" --note "homonyme : autre enfant, autre école, autres parents"
grep -q "^$lina: note in triage (#[0-9]*), moved out into a case of its own: $cmp_ref$" "$tmp/out" ||
  fail "split: $(cat "$tmp/out")"
split_seq=$(sed -n 's/.*(#\([0-9]*\)).*/\1/p' "$tmp/out")
namesake=C-$((split_seq + 1))
[ "$(case_of "$cmp_ref")" = "$namesake" ] || fail "$cmp_ref is not in $namesake"
grep -q "event=split referral=$cmp_ref from=$lina case=$namesake" "$tmp/broker.log" || fail "no split in the hub's log"
for _ in $(seq 100); do grep -q 'event=data-key-rotated' "$tmp/broker.log" && break; sleep 0.1; done
grep -q 'event=data-key-rotated' "$tmp/broker.log" || fail "no rotation of the KEK after the split"
expect 0 coordination case show "$namesake" --lang en
grep -q "Split from.*$lina, which its referral was moved out of" "$tmp/out" || fail "the new case's page: $(cat "$tmp/out")"
grep -q "referral $cmp_ref (CMP" "$tmp/out" || fail "the new case does not show the CMP's referral: $(cat "$tmp/out")"
grep -q "École élémentaire des Blagis" "$tmp/out" || fail "the new case lacks the CMP's school: $(cat "$tmp/out")"
expect 0 coordination case show "$namesake" --json
grep -q '"state": *"submitted"' "$tmp/out" && grep -q '"urgency": *"urgent"' "$tmp/out" ||
  fail "the new case's state and urgency: $(cat "$tmp/out")"
expect 0 coordination case show "$lina" --json
grep -q '"referral_count": *3' "$tmp/out" && grep -q '"urgency": *"priority"' "$tmp/out" ||
  fail "Lina's case still counts the CMP's referral: $(cat "$tmp/out")"
! grep -q "École élémentaire des Blagis\|CMP de Sceaux" "$tmp/out" || fail "Lina's case still names the CMP or its school: $(cat "$tmp/out")"
expect 0 coordination case show "$lina" --lang en
tr -s ' \n' ' ' <"$tmp/out" | grep -q "referral moved out into a case of its own: $cmp_ref" || fail "Lina's history lacks the split: $(cat "$tmp/out")"

step "the CMP follows the new case under its own handle, and sees nothing of Lina's case any more"
expect 0 coordination case update "$lina" accepted
accepted_seq=$(sed -n 's/.*(#\([0-9]*\)).*/\1/p' "$tmp/out")
expect 0 coordination case update "$namesake" triage --note "Premier contact avec la famille"
expect 0 cmp-sceaux case show "$cmp_ref" --json
grep -q '"state": *"triage"' "$tmp/out" || fail "the CMP does not see the new case's state: $(cat "$tmp/out")"
! grep -q "\"seq\": *$accepted_seq\b" "$tmp/out" || fail "the CMP sees Lina's case after the split: $(cat "$tmp/out")"
! grep -qE "(^|[^A-Z])C-[0-9]" "$tmp/out" || fail "the CMP sees a case id: $(cat "$tmp/out")"
grep -q '"École élémentaire des Blagis"' "$tmp/out" || fail "the CMP's page lacks its referral: $(cat "$tmp/out")"
expect 0 cmp-sceaux feed --from 1 --idle-exit 1 --json
! grep -q '"state": *"accepted"' "$tmp/out" || fail "the CMP's feed shows Lina's case after the split: $(cat "$tmp/out")"
grep -q "\"case_id\": *\"$cmp_ref\".*\"state\": *\"triage\"" "$tmp/out" || grep -q '"state": *"triage"' "$tmp/out" ||
  fail "the CMP's feed does not follow the new case: $(cat "$tmp/out")"
! grep -qE "(^|[^A-Z])C-[0-9]" "$tmp/out" || fail "the CMP's feed names a case: $(cat "$tmp/out")"
expect 0 college-curie case show "$college_ref" --json
grep -q '"state": *"submitted"' "$tmp/out" || fail "the college's view: $(cat "$tmp/out")"
! grep -qiE "split|détaché|$cmp_ref" "$tmp/out" || fail "the college sees the split: $(cat "$tmp/out")"

step "a new referral written as both children still joins Lina's case"
child "$tmp/again.json" Benali '["Lina"]' "Collège Marie Curie" SCHOOL_HEAD
sed -i 's/11 demi-journées/14 demi-journées/' "$tmp/again.json"
expect 0 college-curie submit "$tmp/again.json"
[ "$(case_of "$(field case_id "$(cat "$tmp/out")")")" = "$lina" ] || fail "the new referral did not join $lina"

step "the audits replay the split: offline with the data key, and online through the hub"
verify_offline
expect 0 audit-ville audit verify --certs "$broker_certs"
grep -q "^result: ok" "$tmp/out" && grep -q "^archived or erased: 2 records" "$tmp/out" ||
  fail "the online audit: $(cat "$tmp/out")"
rebuild_index "after the split"

step "erasing the new case leaves Lina's case whole; the audit and a rebuilt index agree"
expect 0 dpd-ville privacy erase "$namesake" --reason "demande des parents du 3 décembre"
for _ in $(seq 100); do grep -q "event=archived case=$namesake" "$tmp/broker.log" && break; sleep 0.1; done
grep -q "event=archived case=$namesake" "$tmp/broker.log" || fail "the new case was not archived"
expect 0 coordination case show "$lina" --json
grep -q '"state": *"accepted"' "$tmp/out" && grep -q '"referral_count": *4' "$tmp/out" ||
  fail "Lina's case after the erasure: $(cat "$tmp/out")"
expect 0 dpd-ville privacy open-archive "$namesake" --reason "demande d'accès des parents" --json
grep -q '"École élémentaire des Blagis"' "$tmp/out" || fail "the officer's opening of the new case: $(head -c 600 "$tmp/out")"
verify_offline
rebuild_index "after the erasure"

step "erasing Lina's case: the officer opens its archive, without the referral moved out"
expect 0 dpd-ville privacy erase "$lina" --reason "demande des parents du 4 décembre"
for _ in $(seq 100); do grep -q "event=archived case=$lina " "$tmp/broker.log" && break; sleep 0.1; done
grep -q "event=archived case=$lina " "$tmp/broker.log" || fail "Lina's case was not archived"
expect 0 dpd-ville privacy open-archive "$lina" --reason "demande d'accès des parents" --json
grep -q '"Collège Marie Curie"' "$tmp/out" || fail "the officer's opening of Lina's case: $(head -c 600 "$tmp/out")"
! grep -q '"École élémentaire des Blagis"' "$tmp/out" || fail "Lina's archive holds the referral moved out"
expect 0 coordination case show "$rased_case" --json
grep -q '"BENALI-HADDAD"' "$tmp/out" || fail "the case split out of Lina's is gone with it: $(head -c 600 "$tmp/out")"
stop_broker_clean
verify_offline

echo "split: all passed"
