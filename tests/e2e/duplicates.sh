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

# child FILE FAMILY GIVEN-NAMES-JSON ORGANISATION ROLE: the college's example for another child
# or partner, without its reference (each referral here is a new one).
child() {
  sed -e "s/\"family_name\": \"Benali\"/\"family_name\": \"$2\"/" -e "s/\"given_names\": \[\"Lina\"\]/\"given_names\": $3/" \
    -e "s/\"Collège Marie Curie\",$/\"$4\",/" -e "s/\"SCHOOL_HEAD\"/\"$5\"/" -e '/"external_ref"/d' \
    "$examples/referral-college-marie-curie.json" >"$1"
}
case_of() { # case_of HANDLE: the case a referral was filed in, as the coordinator sees it
  expect 0 coordination case show "$1" --json
  sed -n 's/.*"summary": *{"case_id": *"\([^"]*\)".*/\1/p' "$tmp/out"
}
verify_offline() { # the audit of a snapshot, with the data key: the flags replayed and compared
  rm -rf "$tmp/snap"
  "$relais" audit snapshot --store "$tmp/store" --out "$tmp/snap" >/dev/null
  expect_exit 0 "$relais" audit verify --store "$tmp/snap" --certs "$broker_certs" --data-key "$broker_data_key"
  grep -q "rebuilt, equal to the index" "$tmp/out" || fail "the audit compared no case: $(cat "$tmp/out")"
}

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

step "the first case leaves the active base: no case names it any more, and the audit agrees"
expect 0 dpd-ville privacy erase "$lina" --reason "demande des parents du 2 décembre"
for _ in $(seq 100); do grep -q "event=archived case=$lina " "$tmp/broker.log" && break; sleep 0.1; done
grep -q "event=archived case=$lina " "$tmp/broker.log" || fail "the sweep did not archive $lina"
expect 0 coordination case show "$second" --json
! grep -q "possible_duplicates" "$tmp/out" || fail "an archived case is still named: $(cat "$tmp/out")"
expect 0 coordination case show "$swapped" --json
grep -q "\"possible_duplicates\": *\[\"$second\"\]" "$tmp/out" || fail "the swapped names after: $(cat "$tmp/out")"
stop_broker_clean
verify_offline

echo "duplicates: all passed"
