#!/usr/bin/env bash
# outbox.sh -- commands typed while the hub is unreachable: they exit 3 (queued) with the message's
# id, wait in the person's spool, go when the hub is back (with the next command, or `relais outbox
# --send`), nothing lost and nothing twice; one accepted later and one refused later, both shown by
# `relais outbox` with the hub's code and sentence; an identity the hub refuses is no "queued".
# usage: outbox.sh RELAIS RELAISD SOURCE_DIR
set -euo pipefail

relais=$1
relaisd=$2
src=$3
examples=$src/examples
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init outbox
pki_broker

mkdir -p "$tmp/store" "$tmp/spool"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
start_broker_on_free_port

step "a referral, and its case, while the hub is up"
expect 0 college-curie submit "$examples/referral-college-marie-curie.json"
handle=$(field case_id "$(cat "$tmp/out")")
expect 0 coordination case show "$handle" --json
lina=$(sed -n 's/.*"summary": *{"case_id": *"\([^"]*\)".*/\1/p' "$tmp/out")
[[ "$lina" == C-* ]] || fail "no case for $handle"
expect 0 coordination outbox
grep -q "Nothing waits in the spool" "$tmp/out" || fail "an empty outbox: $(cat "$tmp/out")"

step "the hub goes away: two updates typed by the coordinator are queued (exit 3), the second from a state that will be stale"
stop_broker_clean
expect 3 coordination case update "$lina" triage --from submitted
first=$(sed -n 's/^queued \([0-9a-f]*\)$/\1/p' "$tmp/out")
[ ${#first} -eq 32 ] || fail "no message id printed: $(cat "$tmp/out")"
grep -q "kept in the spool" "$tmp/err" || fail "the queue not said: $(cat "$tmp/err")"
expect 3 coordination case update "$lina" declined --from submitted --reason hors-champ --note "typed offline" --json
second=$(field msg_id "$(cat "$tmp/out")")
[ "$(field queued "$(cat "$tmp/out")")" = true ] && [ ${#second} -eq 32 ] || fail "--json: $(cat "$tmp/out")"
expect 1 coordination case update "$lina" accepted # the state cannot be read: not queued, and it says why
grep -q -- "--from STATE" "$tmp/err" || fail "no hint at --from: $(cat "$tmp/err")"
expect 0 coordination outbox --json
python3 - "$tmp/out" "$first" "$second" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
ids = [w["msg_id"] for w in o["waiting"]]
assert ids == sys.argv[2:4], ids
assert o["waiting"][0]["what"].startswith("case update C-"), o["waiting"][0]
assert all(w["spooled_ms"] > 0 for w in o["waiting"])
assert o["answered"] == [], o["answered"]
PY
expect 0 coordination outbox
grep -q "Waiting in the spool .* (2), oldest first" "$tmp/out" || fail "the text list: $(cat "$tmp/out")"
grep -q "waiting for [0-9]* min  case update $lina: submitted to triage" "$tmp/out" ||
  fail "the first line: $(cat "$tmp/out")"

step "a partnership meeting's decision is queued too"
expect 3 coordination meeting record --date "$(date +%Y-%m-%d)" --present "Mme Roux;psychologue;CMP de Sceaux" \
  --case "$lina;Suivi au collège, à revoir"
grep -q "the others queued" "$tmp/out" || fail "the meeting's summary: $(cat "$tmp/out")"

step "the reception's call is queued too, and the college's referral"
expect 3 accueil-tu reception record --channel call --category noise --subject "Bruit la nuit" --summary "Appel d'un riverain."
expect 3 college-curie submit --timeout 2 "$examples/referral-pmi-les-blagis.json"

step "the hub is back: relais outbox --send sends them in order; one acknowledged, one refused, both kept"
start_broker_on_free_port
expect 0 coordination outbox --send --json
python3 - "$tmp/out" "$first" "$second" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
assert o["waiting"] == [], o["waiting"]
by_id = {a["msg_id"]: a for a in o["answered"]}
a, b = by_id[sys.argv[2]], by_id[sys.argv[3]]
assert a["outcome"] == "acknowledged" and a["seq"] > 0, a
assert b["outcome"] == "refused" and b["error"] == "BAD_TRANSITION", b
assert b["message"], b
# each answered after it was spooled; the order of the answers is the hub's (a refusal may come
# before an earlier message's acknowledgement, which waits for its commit)
assert a["answered_ms"] >= a["spooled_ms"] > 0 and b["answered_ms"] >= b["spooled_ms"] > 0, (a, b)
meeting = [x for x in o["answered"] if x["what"].startswith("meeting M-")]
assert len(meeting) == 1 and meeting[0]["outcome"] == "acknowledged", o["answered"]
PY
expect 0 coordination outbox
grep -q "REFUSED BAD_TRANSITION: .*case update $lina: submitted to declined" "$tmp/out" ||
  fail "the refusal, hours later, not shown: $(cat "$tmp/out")"
grep -q "acknowledged $lina (#[0-9]*)  case update $lina: submitted to triage" "$tmp/out" ||
  fail "the acknowledgement: $(cat "$tmp/out")"
expect 0 coordination case show "$lina" --json
grep -q '"state": *"triage"' "$tmp/out" || fail "the queued move did not land: $(cat "$tmp/out")"
expect 0 coordination case show "$lina" --json
[ "$(grep -o 'typed offline' "$tmp/out" | wc -l)" -eq 0 ] || fail "the refused note was stored"

step "the next reception command sends the queued call first; nothing twice"
expect 0 accueil-tu reception record --channel visit --category other --subject "Renseignement" --summary "Horaires." --answered
grep -q "sent now, kept since the hub did not answer: contact A-" "$tmp/err" || fail "the queued call: $(cat "$tmp/err")"
expect 0 accueil-tu reception list --search "bruit" --json
[ "$(grep -c '"entry":' "$tmp/out" || true)" -le 1 ] || fail "the call twice: $(cat "$tmp/out")"
expect 0 accueil-tu outbox --send
grep -q "Nothing waits" "$tmp/out" && grep -q "acknowledged A-" "$tmp/out" || fail "the desk's outbox: $(cat "$tmp/out")"
expect 0 college-curie outbox --send --json
python3 - "$tmp/out" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
assert o["waiting"] == [] and o["answered"][0]["outcome"] == "acknowledged", o
assert o["answered"][0]["handle"].startswith("R-"), o
PY
expect 0 college-curie outbox --send # sending again: nothing twice
[ "$(grep -c acknowledged "$tmp/out")" -eq 2 ] || fail "the college's answers: $(cat "$tmp/out")"

step "usage"
expect 2 coordination outbox --timeout 5
expect 2 coordination outbox extra
echo "outbox: ok"
