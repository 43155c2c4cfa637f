#!/usr/bin/env bash
# schema.sh -- the schemas of schema/ and the hub agree, both ways: every referral, case update and
# meeting's record, every contact, contact update, transfer and transfer answer of the reception
# desk, every item and update of its lost and found, and every decree of the mayor's office, of a
# corpus at the boundaries of the schemas' rules (schema_corpus.py) is judged by Python's
# jsonschema (Draft 2020-12, formats checked) and sent to a real relaisd with `relais submit`;
# what the schema accepts must be acknowledged, what it refuses refused (MALFORMED, or NO_CONSENT
# where only the consent/parental_request oneOf fails; a refusal by relais itself, before
# sending, counts). The reception's examples (examples/contact-*.json, transfer-*.json,
# lost-found-*.json, decree-*.json), with this run's dates and handles, pass both. Then each of the
# hub's own rules (the child's age, the consent's and the review's windows, a solicitation's time
# and due date, a transfer's recipient in the registry, an item's times and keeping, a decree's
# signature, the comparisons between fields, the lost and found's states and the decrees'
# register, who may send them), which no schema states, at its boundaries, under relaisd's options.
# usage: schema.sh RELAIS RELAISD SOURCE_DIR
# Exits 77 (skipped) when Python's jsonschema module is missing.
set -euo pipefail

relais=$1
relaisd=$2
src=$3
corpus=$(dirname "$0")/schema_corpus.py
if ! command -v python3 >/dev/null; then
  echo "SKIP: python3 is missing (scripts/install-deps installs it); the schemas and the hub were not compared"
  exit 77
fi
if ! python3 -c 'import jsonschema' 2>/dev/null; then
  echo "SKIP: Python's jsonschema module is missing (Debian: python3-jsonschema, in scripts/install-deps);" \
    "the schemas and the hub were not compared"
  exit 77
fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init schema

# The hub reads dates in UTC when a message arrives, and the corpus is made from today's: a run
# across midnight UTC would see two days. Near it, wait it out.
left=$((86400 - $(date -u +%s) % 86400))
if [ "$left" -lt 45 ]; then
  echo "waiting ${left} s for midnight UTC to pass"
  sleep $((left + 1))
fi

# The reception desk, the mayor's office (its decrees), and a partner whose name is as long as a
# transfer may name (63 characters).
longest=club-de-prevention-specialisee-des-hauts-de-seine-sceaux-blagis
make_pki relaisd:broker "college-curie:partner:Collège Marie Curie" coordination:coordinator:Ville \
  "accueil-tu:reception:Ville de Sceaux, Tranquillité urbaine" "$longest:partner:Prévention spécialisée" \
  "mairie-actes:publisher:Ville de Sceaux, cabinet du maire"
export RELAIS_SERVER_CERT=$tmp/keys/relaisd.cert
# A text of 60,000 accented letters is 120 KB: both sides take messages of up to 256 KiB.
max=262144
start_broker_on_free_port --max-message "$max"

# submit WHO OUT FILE...: `relais submit` as WHO, its JSON lines (one a file) in OUT. Its exit
# status only says that some were refused; the comparison reads every file's line.
submit() {
  local who=$1 out=$2
  shift 2
  RELAIS_KEY=$tmp/keys/$who.cert_secret RELAIS_SPOOL=$tmp/spool-$who timeout 120 \
    "$relais" submit --max-message "$max" --timeout 60 "$@" >"$out" 2>"$tmp/submit.err" || true
}
# handle_of OUT FILE: the handle (R-N) `relais submit`'s line about FILE in OUT acknowledges.
handle_of() {
  python3 -c 'import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
print(next(l.get("case_id") for l in lines if l.get("file") == sys.argv[2]))' "$@"
}
# compare MANIFEST OUT...: the verdicts, each difference printed.
compare() {
  python3 "$corpus" check "$@" >"$tmp/check.txt" ||
    { cat "$tmp/check.txt"; fail "relais and the schema disagree (above)"; }
  grep -v '^known: ' "$tmp/check.txt" || true
}

step "referrals: what the schema accepts is acknowledged, what it refuses is refused"
python3 "$corpus" make referral "$src/schema" "$tmp/referrals"
# The first two, alone and in turn: the base referral opens the case the updates go to, the
# same child on a parental request joins it (and does not follow it: the share below).
submit college-curie "$tmp/referrals.1.out" "$tmp/referrals/referral-001.json"
submit college-curie "$tmp/referrals.2.out" "$tmp/referrals/referral-002.json"
submit college-curie "$tmp/referrals.out" "$tmp"/referrals/referral-00[3-9].json \
  "$tmp"/referrals/referral-0[1-9]?.json "$tmp"/referrals/referral-[1-9]??.json
compare "$tmp/referrals/manifest.jsonl" "$tmp/referrals.1.out" "$tmp/referrals.2.out" "$tmp/referrals.out"
grep '^known: ' "$tmp/check.txt" >"$tmp/known.txt" || true

step "the case the updates go to: the base referral's, in triage, with a referral that does not follow it"
first=$(handle_of "$tmp/referrals.1.out" "$tmp/referrals/referral-001.json")
second=$(handle_of "$tmp/referrals.2.out" "$tmp/referrals/referral-002.json")
[[ "$first" == R-* && "$second" == R-* ]] || fail "the base referrals were not acknowledged: $first $second"
RELAIS_KEY=$tmp/keys/coordination.cert_secret timeout 60 "$relais" case show "$first" --json >"$tmp/show.json" ||
  fail "the coordinator cannot read the case of $first"
case_id=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["summary"]["case_id"])' "$tmp/show.json")
[[ "$case_id" == C-* ]] || fail "no case for $first: $case_id"
RELAIS_KEY=$tmp/keys/coordination.cert_secret timeout 60 "$relais" case update "$case_id" triage >/dev/null ||
  fail "$case_id cannot move to triage"

step "case updates: what the schema accepts is acknowledged, what it refuses is refused"
python3 "$corpus" make case_update "$src/schema" "$tmp/updates" "case=$case_id" "share=$second"
submit coordination "$tmp/updates.out" "$tmp"/updates/update-*.json
compare "$tmp/updates/manifest.jsonl" "$tmp/updates.out"
grep '^known: ' "$tmp/check.txt" >>"$tmp/known.txt" || true

step "meetings' records: what the schema accepts is acknowledged, what it refuses is refused"
python3 "$corpus" make meeting "$src/schema" "$tmp/meetings" "case=$case_id"
submit coordination "$tmp/meetings.out" "$tmp"/meetings/meeting-*.json
compare "$tmp/meetings/manifest.jsonl" "$tmp/meetings.out"
grep '^known: ' "$tmp/check.txt" >>"$tmp/known.txt" || true

# reception KIND DIR WHO [NAME=VALUE...]: the register's corpus KIND made in DIR, sent by WHO and
# compared; its disagreements known today noted.
reception() {
  local kind=$1 dir=$2 who=$3
  shift 3
  python3 "$corpus" make "$kind" "$src/schema" "$dir" "$@"
  submit "$who" "$dir.out" "$dir"/*.json
  compare "$dir/manifest.jsonl" "$dir.out"
  grep '^known: ' "$tmp/check.txt" >>"$tmp/known.txt" || true
}

step "the reception's register: a pool of entries (letters to follow up) for the corpora to name"
reception entries "$tmp/entries" accueil-tu
python3 "$corpus" handles "$tmp/entries/manifest.jsonl" "$tmp/entries.out" >"$tmp/entries.txt" ||
  fail "the pool's entries were not all acknowledged"

step "contacts: what the schema accepts is acknowledged, what it refuses is refused"
reception contact "$tmp/contacts" accueil-tu

step "contact updates: what the schema accepts is acknowledged, what it refuses is refused"
reception contact_update "$tmp/followups" accueil-tu "entries=$tmp/entries.txt"

step "transfers: what the schema accepts is acknowledged, what it refuses is refused"
reception transfer "$tmp/transfers" accueil-tu "entries=$tmp/entries.txt" "longest=$longest"

step "transfer answers, by the coordinator the transfers went to: what the schema accepts is acknowledged"
reception answer_targets "$tmp/targets" accueil-tu "entries=$tmp/entries.txt"
python3 "$corpus" handles "$tmp/targets/manifest.jsonl" "$tmp/targets.out" >"$tmp/targets.txt" ||
  fail "the transfers to answer were not all acknowledged"
reception transfer_answer "$tmp/answers" coordination "transfers=$tmp/targets.txt"

step "the lost and found: a pool of items (kept past their keeping, declarations, kept yet) for the corpora to name"
reception lost_pool "$tmp/lostpool" accueil-tu
python3 "$corpus" handles "$tmp/lostpool/manifest.jsonl" "$tmp/lostpool.out" >"$tmp/lostpool.txt" ||
  fail "the pool's items were not all acknowledged"

step "lost and found items: what the schema accepts is acknowledged, what it refuses is refused"
reception lost_found "$tmp/items" accueil-tu

step "lost and found updates: what the schema accepts is acknowledged, what it refuses is refused"
reception lost_found_update "$tmp/itemupdates" accueil-tu "items=$tmp/lostpool.txt"

step "decrees, by the mayor's office: a pool of decrees to repeal"
reception decree_pool "$tmp/decreepool" mairie-actes
python3 "$corpus" handles "$tmp/decreepool/manifest.jsonl" "$tmp/decreepool.out" >"$tmp/decreepool.txt" ||
  fail "the pool's decrees were not all acknowledged"

step "decrees: what the schema accepts is acknowledged, what it refuses is refused"
reception decree "$tmp/decrees" mairie-actes "decrees=$tmp/decreepool.txt"

step "the reception's examples, with this run's dates and handles: valid, and acknowledged"
reception examples "$tmp/examples" accueil-tu "examples=$src/examples" "entries=$tmp/entries.txt" \
  "items=$tmp/lostpool.txt"
transfer=$(handle_of "$tmp/examples.out" "$tmp/examples/transfer-coordination.json")
[[ "$transfer" == T-* ]] || fail "the example transfer to the coordinator was not acknowledged: $transfer"
reception examples "$tmp/examples-answer" coordination "examples=$src/examples" "entries=$tmp/entries.txt" \
  "transfer=$transfer"
reception examples "$tmp/examples-decree" mairie-actes "examples=$src/examples" "entries=$tmp/entries.txt" \
  "decrees=$tmp/decreepool.txt" stage=decree

# hub_rules ROUND [NAME=VALUE...]: the hub's own rules under the options relaisd runs with now.
hub_rules() {
  local round=$1 dir=$tmp/hub-$1
  shift
  python3 "$corpus" make hub "$src/schema" "$dir" "case=$case_id" "round=$round" "entries=$tmp/entries.txt" \
    "referral=$first" "items=$tmp/lostpool.txt" "decrees=$tmp/decreepool.txt" "$@"
  submit college-curie "$dir.referrals.out" "$dir"/referral-*.json
  submit coordination "$dir.updates.out" "$dir"/update-*.json
  submit coordination "$dir.meetings.out" "$dir"/meeting-*.json
  submit accueil-tu "$dir.desk.out" "$dir"/contact-*.json "$dir"/followup-*.json "$dir"/transfer-*.json \
    "$dir"/item-*.json "$dir"/itemupdate-*.json "$dir"/misdecree-*.json
  submit coordination "$dir.answers.out" "$dir"/answer-*.json "$dir"/misitem-*.json
  submit mairie-actes "$dir.decrees.out" "$dir"/decree-*.json
  compare "$dir/manifest.jsonl" "$dir.referrals.out" "$dir.updates.out" "$dir.meetings.out" "$dir.desk.out" \
    "$dir.answers.out" "$dir.decrees.out"
}
restart() {
  stop_broker_clean
  start_broker --max-message "$max" "$@" || fail "relaisd did not start again with $*"
}

step "the hub's own rules, by default: ages 0-18, consents within 730 days, reviews, solicitations, items and decrees within 730 days"
hub_rules 0

step "the hub's own rules with --child-ages 3-11 --consent-days 30 --review-days 60"
restart --child-ages 3-11 --consent-days 30 --review-days 60
hub_rules 1 ages=3-11 consent_days=30 review_days=60

step "the hub's own rules with --consent-days 0: no window, but nothing before 2000 (a time in seconds)"
restart --consent-days 0
hub_rules 2 consent_days=0

step "the auditor's replay of all of it equals the hub's index (long texts kept whole characters)"
stop_broker_clean
"$relais" audit verify --store "$tmp/store" --certs "$tmp/registry" --data-key "$tmp/keys/data.key" \
  >"$tmp/verify.txt" 2>&1 || { cat "$tmp/verify.txt"; fail "audit verify failed"; }
grep -q "^cases: [0-9]* rebuilt, equal to the index" "$tmp/verify.txt" ||
  fail "no case replay: $(cat "$tmp/verify.txt")"

# A document marked known (schema_corpus.py's `known=`) is a disagreement parked while it is
# fixed: listed here, so that none stays unnoticed.
step "the disagreements known today: none expected"
if [ -s "$tmp/known.txt" ]; then
  cat "$tmp/known.txt"
fi
echo "ok"
