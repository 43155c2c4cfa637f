#!/usr/bin/env bash
# duplicates.sh -- likely duplicates against a real hub: a child written otherwise by another
# partner opens a case of its own, which the hub flags as a possible duplicate of the open one
# (in the coordinator's list, page and feed; never in a partner's views); a twin is not flagged;
# the audit replays the flags; a flagged case that leaves the active base is no longer named,
# and the audit still agrees.
# usage: duplicates.sh RELAIS RELAISD SOURCE_DIR
set -euo pipefail

relais=$1
relaisd=$2
src=$3
examples=$src/examples
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init duplicates
pki_broker

mkdir -p "$tmp/store" "$tmp/spool"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
start_broker_on_free_port

step "the college refers Lina Benali; the PMI refers 'BENALI-HADDAD Lina Sarah', born the same day"
child "$tmp/college.json" Benali '["Lina"]' "Collège Marie Curie" SCHOOL_HEAD
expect 0 college-curie submit "$tmp/college.json"
lina=$(case_of "$(field case_id "$(cat "$tmp/out")")")
child "$tmp/pmi.json" BENALI-HADDAD '["Lina", "Sarah"]' "PMI Les Blagis" PMI
expect 0 pmi-blagis submit "$tmp/pmi.json"
pmi_ref=$(field case_id "$(cat "$tmp/out")")
second=$(case_of "$pmi_ref")
[ -n "$lina" ] && [ -n "$second" ] && [ "$lina" != "$second" ] || fail "expected two cases, got '$lina' and '$second'"

step "the coordinator's list, page and feed name the suspicion"
expect 0 coordination case list
grep -q "^$second \*" "$tmp/out" || fail "the list does not mark $second: $(cat "$tmp/out")"
grep -q "^\* $second may be a duplicate of $lina (same birth date, close names): relais case show $second" "$tmp/out" ||
  fail "the list does not say what $second may duplicate: $(cat "$tmp/out")"
expect 0 coordination case list --json
grep -q "\"possible_duplicates\": *\[\"$lina\"\]" "$tmp/out" || fail "the JSON list lacks the suspicion: $(cat "$tmp/out")"
expect 0 coordination case show "$second" --lang en
grep -q "Possible duplicate.*$lina (same birth date, close names)" "$tmp/out" ||
  fail "the page does not name $lina: $(cat "$tmp/out")"
expect 0 coordination case show "$second"
grep -q "Doublon possible.*$lina (même date de naissance, noms proches)" "$tmp/out" ||
  fail "the French page does not name $lina: $(cat "$tmp/out")"
expect 0 coordination case show "$lina" --lang en
! grep -q "Possible duplicate" "$tmp/out" || fail "the first case is flagged too: $(cat "$tmp/out")"
expect 0 coordination feed --from 1 --idle-exit 1
[ "$(grep -c "POSSIBLE DUPLICATE OF $lina" "$tmp/out")" -eq 1 ] || fail "the feed does not mark the one referral: $(cat "$tmp/out")"
expect 0 coordination feed --from 1 --idle-exit 1 --json
[ "$(grep -c "\"possible_duplicates\": *\[\"$lina\"\]" "$tmp/out")" -eq 1 ] || fail "the JSON feed does not mark it"

step "the partners see nothing of it"
for who in pmi-blagis college-curie; do
  for args in "case list --json" "feed --from 1 --idle-exit 1 --json"; do
    # shellcheck disable=SC2086
    expect 0 "$who" $args
    ! grep -qE "possible_duplicates|(^|[^A-Z])C-[0-9]" "$tmp/out" || fail "$who sees a case or the suspicion: $(cat "$tmp/out")"
  done
done
expect 0 pmi-blagis case show "$pmi_ref" --lang en
! grep -qiE "duplicate|doublon|(^|[^A-Z])C-[0-9]" "$tmp/out" || fail "the PMI's page names the suspicion: $(cat "$tmp/out")"

step "her twin brother Adam Benali, the same day: not flagged"
child "$tmp/twin.json" Benali '["Adam"]' "Collège Marie Curie" SCHOOL_HEAD
expect 0 college-curie submit "$tmp/twin.json"
twin=$(case_of "$(field case_id "$(cat "$tmp/out")")")
expect 0 coordination case show "$twin" --json
! grep -q "possible_duplicates" "$tmp/out" || fail "the twin is flagged: $(cat "$tmp/out")"

step "names swapped by the CMP ('Lina' as the family name): flagged against both open cases of Lina"
child "$tmp/cmp.json" Lina '["Benali"]' "CMP de Sceaux" CMP
expect 0 cmp-sceaux submit "$tmp/cmp.json"
swapped=$(case_of "$(field case_id "$(cat "$tmp/out")")")
expect 0 coordination case show "$swapped" --json
grep -q "\"possible_duplicates\": *\[\"$lina\", *\"$second\"\]" "$tmp/out" || fail "the swapped names: $(cat "$tmp/out")"

step "the audit replays the flags"
verify_offline

step "a cousin born the same day, 'Lena Benaly', is flagged; the coordinator dismisses it"
child "$tmp/cousin.json" Benaly '["Lena"]' "Collège Marie Curie" SCHOOL_HEAD
expect 0 college-curie submit "$tmp/cousin.json"
cousin=$(case_of "$(field case_id "$(cat "$tmp/out")")")
expect 0 coordination case show "$cousin" --json
grep -q "\"possible_duplicates\": *\[\"$lina\"" "$tmp/out" || fail "the cousin is not flagged: $(cat "$tmp/out")"
expect 0 coordination case dismiss "$cousin" "$lina" --note "cousine, même date de naissance"
grep -q "^$cousin: note in submitted (#[0-9]*), not a duplicate of $lina$" "$tmp/out" || fail "dismiss: $(cat "$tmp/out")"
expect 0 coordination case show "$cousin" --json
! grep -q "\"possible_duplicates\": *\[\"$lina\"" "$tmp/out" || fail "the dismissed flag stays: $(cat "$tmp/out")"
refused BAD_TRANSITION coordination case dismiss "$cousin" "$lina"
grep -q "case $cousin is not flagged as a possible duplicate of $lina" "$tmp/err" || fail "the second dismissal: $(cat "$tmp/err")"
refused FORBIDDEN college-curie case dismiss "$cousin" "$lina"

step "the coordinator moves Lina's case to triage, then merges the PMI's case into it"
expect 0 coordination case update "$lina" triage
triage_seq=$(sed -n 's/.*(#\([0-9]*\)).*/\1/p' "$tmp/out")
refused BAD_TRANSITION coordination case merge "$second" "$second"
grep -q "cannot be merged into itself" "$tmp/err" || fail "a merge into itself: $(cat "$tmp/err")"
expect 0 coordination case merge "$second" "$lina" --note "même enfant, écrit autrement par la PMI"
grep -q "^$second: submitted -> entered-in-error (#[0-9]*), merged into $lina$" "$tmp/out" || fail "merge: $(cat "$tmp/out")"
merge_seq=$(sed -n 's/.*(#\([0-9]*\)).*/\1/p' "$tmp/out")
expect 0 coordination case show "$second" --lang en
grep -q "Merged into.*$lina, which holds its referrals and history" "$tmp/out" || fail "the merged page: $(cat "$tmp/out")"
expect 0 coordination case show "$lina" --lang en
grep -q "Merged cases.*$second" "$tmp/out" || fail "the surviving page lacks the merged case: $(cat "$tmp/out")"
grep -q "referral $pmi_ref (PMI Les Blagis)" "$tmp/out" || fail "the PMI's referral is not in the surviving case: $(cat "$tmp/out")"
expect 0 coordination case show "$lina" --json
grep -q "\"merged_from\": *\[\"$second\"\]" "$tmp/out" || fail "the JSON page lacks merged_from: $(cat "$tmp/out")"
printf '{"privacy":{"kind":"MERGED","case_id":"%s","value":"%s","reason":"forged"}}' "$cousin" "$lina" >"$tmp/forged.json"
refused FORBIDDEN coordination submit "$tmp/forged.json"
grep -q "only the hub records a merge" "$tmp/err" "$tmp/out" || fail "a forged MERGED record: $(cat "$tmp/err")"
for other in Martin Durand; do
  child "$tmp/other.json" "$other" '["Tom"]' "Collège Marie Curie" SCHOOL_HEAD
  expect 0 college-curie submit "$tmp/other.json"
done
expect 0 coordination privacy stats --json # 7 cases, one merged into another: 6 children
tr -d ' \n' <"$tmp/out" | grep -q '"cases":6' || fail "the merged case is counted on its own: $(cat "$tmp/out")"
expect 0 coordination case show "$swapped" --json
grep -q "\"possible_duplicates\": *\[\"$lina\"\]" "$tmp/out" ||
  fail "a flag for the merged case is not shown as the surviving one: $(cat "$tmp/out")"
refused BAD_TRANSITION dpd-ville privacy erase "$second" --reason "demande"
grep -q "$second was merged into $lina: ask for $lina" "$tmp/err" || fail "an erasure of the merged case: $(cat "$tmp/err")"

step "the PMI sees its referral follow the surviving case from the merge on, never its past"
expect 0 pmi-blagis case show "$pmi_ref" --json
grep -q '"state": *"triage"' "$tmp/out" || fail "the PMI does not see the surviving case's state: $(cat "$tmp/out")"
! grep -q "\"seq\": *$triage_seq\b" "$tmp/out" || fail "the PMI sees the surviving case's history: $(cat "$tmp/out")"
grep -q "\"seq\": *$merge_seq\b" "$tmp/out" || fail "the PMI does not see the merge: $(cat "$tmp/out")"
! grep -qE "(^|[^A-Z])C-[0-9]|possible_duplicates|merged" "$tmp/out" || fail "the PMI sees a case: $(cat "$tmp/out")"
expect 0 coordination case update "$lina" accepted
expect 0 pmi-blagis case list --json
grep -q '"state": *"accepted"' "$tmp/out" || fail "the PMI's list does not follow: $(cat "$tmp/out")"
expect 0 pmi-blagis feed --from 1 --idle-exit 1 --json
grep -q '"state": *"accepted"' "$tmp/out" || fail "the PMI's feed does not follow: $(cat "$tmp/out")"
! grep -q "\"seq\": *$triage_seq," "$tmp/out" || fail "the PMI's feed shows the surviving case's past: $(cat "$tmp/out")"

step "the PMI writes the child as before: the referral joins the surviving case"
child "$tmp/pmi2.json" BENALI-HADDAD '["Lina", "Sarah"]' "PMI Les Blagis" PMI
sed -i 's/11 demi-journées/14 demi-journées/' "$tmp/pmi2.json"
expect 0 pmi-blagis submit "$tmp/pmi2.json"
[ "$(case_of "$(field case_id "$(cat "$tmp/out")")")" = "$lina" ] || fail "the PMI's new referral did not join $lina"

step "the audit replays the dismissal and the merge"
verify_offline

step "Lina's case leaves the active base: the merged case goes with it; no case names either; the audit agrees"
expect 0 dpd-ville privacy erase "$lina" --reason "demande des parents du 2 décembre"
for _ in $(seq 100); do grep -q "event=archived case=$second .*merged-into=$lina" "$tmp/broker.log" && break; sleep 0.1; done
grep -q "event=archived case=$lina " "$tmp/broker.log" || fail "the sweep did not archive $lina"
grep -q "event=archived case=$second .*merged-into=$lina" "$tmp/broker.log" || fail "the merged case did not go with it"
expect 0 coordination case show "$swapped" --json
! grep -q "possible_duplicates" "$tmp/out" || fail "an archived case is still named: $(cat "$tmp/out")"
stop_broker_clean
verify_offline

echo "duplicates: all passed"
