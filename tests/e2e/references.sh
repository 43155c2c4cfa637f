#!/usr/bin/env bash
# references.sh -- a partner's own reference (external_ref) identifies its referral, across the
# hub's restarts: the same referral sent again gets the first acknowledgement, marked duplicate;
# another under the same reference is refused naming the first, until the first one's case is
# closed and old enough; an empty reference checks nothing; another partner's references are its
# own; a reference is forgotten with its case when the case leaves the active base.
# usage: references.sh RELAIS RELAISD SOURCE_DIR
set -euo pipefail

relais=$1
relaisd=$2
src=$3
examples=$src/examples
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init references
pki_broker

# restart [FLAG...]: a clean stop and a start on the same port, with FLAG... for relaisd.
restart() {
  stop_broker_clean
  start_broker "$@" || fail "relaisd did not start again"
}
# variant FILE SED-EXPRESSION: the college's example changed by the expression, into FILE.
variant() { sed "$2" "$examples/referral-college-marie-curie.json" >"$1"; }
records() { "$relais" audit export --store "$tmp/store" | wc -l; }

mkdir -p "$tmp/store" "$tmp/spool"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
start_broker_on_free_port

step "the college's referral MC-2026-014, then the hub restarts"
expect 0 college-curie submit "$examples/referral-college-marie-curie.json"
first=$(field case_id "$(cat "$tmp/out")")
[[ "$first" == R-* ]] || fail "no referral handle in the ack: $(cat "$tmp/out")"
grep -q '"duplicate":false' "$tmp/out" || fail "the first referral is marked duplicate"
restart
before=$(records)

step "sent again with the same content (another message id): the first acknowledgement, marked duplicate"
expect 0 college-curie submit "$examples/referral-college-marie-curie.json"
[ "$(field case_id "$(cat "$tmp/out")")" = "$first" ] || fail "the resend is not answered as $first: $(cat "$tmp/out")"
grep -q '"duplicate":true' "$tmp/out" || fail "the resend is not marked duplicate: $(cat "$tmp/out")"
[ "$(records)" -eq "$before" ] || fail "the resend was stored ($before -> $(records) records)"

step "the same reference with other content: DUPLICATE_CONFLICT naming the first"
variant "$tmp/changed.json" 's/11 demi-journées/12 demi-journées/'
expect 1 college-curie submit "$tmp/changed.json"
grep -q 'DUPLICATE_CONFLICT' "$tmp/out" "$tmp/err" || fail "no DUPLICATE_CONFLICT: $(cat "$tmp/out" "$tmp/err")"
grep -q "MC-2026-014 is already referral $first" "$tmp/out" "$tmp/err" ||
  fail "the refusal does not name $first: $(cat "$tmp/out" "$tmp/err")"
[ "$(records)" -eq "$before" ] || fail "the conflicting referral was stored"

step "another partner's reference of the same text is its own"
sed 's/"Collège Marie Curie"/"PMI Les Blagis"/; s/"SCHOOL_HEAD"/"PMI"/' "$tmp/changed.json" >"$tmp/pmi.json"
expect 0 pmi-blagis submit "$tmp/pmi.json"
grep -q '"duplicate":false' "$tmp/out" || fail "the PMI's referral was taken for the college's: $(cat "$tmp/out")"

step "an empty reference checks nothing: the same referral twice is stored twice"
variant "$tmp/noref.json" 's/"external_ref": "MC-2026-014",//'
expect 0 college-curie submit "$tmp/noref.json"
one=$(field case_id "$(cat "$tmp/out")")
expect 0 college-curie submit "$tmp/noref.json"
two=$(field case_id "$(cat "$tmp/out")")
[ "$one" != "$two" ] && grep -q '"duplicate":false' "$tmp/out" || fail "without a reference, $one and $two"

step "the window: a reference is free again only once its case is closed and --reference-days old"
restart --reference-days 0
expect 1 college-curie submit "$tmp/changed.json"
grep -q 'DUPLICATE_CONFLICT' "$tmp/out" "$tmp/err" || fail "an open case's reference was taken again"
expect 0 coordination case show "$first" --json
case_id=$(sed -n 's/.*"summary": *{"case_id": *"\([^"]*\)".*/\1/p' "$tmp/out")
expect 0 coordination case update "$case_id" triage
expect 0 coordination case update "$case_id" redirected --reason cmp-follow-up --redirect-to "CMP de Sceaux"
restart
expect 1 college-curie submit "$tmp/changed.json"
grep -q 'DUPLICATE_CONFLICT' "$tmp/out" "$tmp/err" || fail "a closed case's reference was free before 400 days"
restart --reference-days 0
expect 0 college-curie submit "$tmp/changed.json"
again=$(field case_id "$(cat "$tmp/out")")
[ "$again" != "$first" ] && grep -q '"duplicate":false' "$tmp/out" || fail "the reference was not free: $(cat "$tmp/out")"
expect 0 college-curie submit "$tmp/changed.json"
[ "$(field case_id "$(cat "$tmp/out")")" = "$again" ] || fail "the new referral's resend is not answered as $again"

step "forgotten with its case: erasure asked, the sweep archives the case, the reference is free"
expect 0 coordination case show "$again" --json
case_again=$(sed -n 's/.*"summary": *{"case_id": *"\([^"]*\)".*/\1/p' "$tmp/out")
expect 0 dpd-ville privacy erase "$case_again" --reason "demande des parents"
for _ in $(seq 100); do grep -q "event=archived case=$case_again" "$tmp/broker.log" && break; sleep 0.1; done
grep -q "event=archived case=$case_again" "$tmp/broker.log" || fail "the sweep did not archive $case_again"
variant "$tmp/third.json" 's/11 demi-journées/13 demi-journées/'
expect 0 college-curie submit "$tmp/third.json"
grep -q '"duplicate":false' "$tmp/out" || fail "the erased referral's reference was kept: $(cat "$tmp/out")"

stop_broker_clean
echo "references: all passed"
