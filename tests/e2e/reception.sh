#!/usr/bin/env bash
# reception.sh -- the Tranquillité urbaine desk's register against a real hub: the town's streets
# imported and matched ('r. houdan' is Rue Houdan, an unknown street gets the closest ones); a
# call, a letter, a visit and an e-mail recorded; the list searched (text, category, street,
# period), the open and the overdue ones; a transfer to the police municipale recorded as such, one
# to the coordinator accepted, one to a partner declined, each seen by its recipient alone (feed,
# list, page) and answered once, by it alone; an entry closed, closed again (refused), reopened;
# need-to-know both ways: the desk sees no child's case, the coordinator's feed and lists no entry
# but the one transferred to it; the register rebuilt from the log equal to the one kept; bad
# input refused with a sentence and nothing stored.
# usage: reception.sh RELAIS RELAISD SOURCE_DIR
set -euo pipefail

relais=$1
relaisd=$2
src=$3
examples=$src/examples
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init reception
pki_broker
export TZ=Europe/Paris
day() { date -d "$1" +%Y-%m-%d; }
json_count() { python3 -c 'import sys; print(sum(1 for l in open(sys.argv[1]) if l.strip()))' "$tmp/out"; }
has_entry() { grep -q "\"entry\": *\"$1\"" "$tmp/out"; }

mkdir -p "$tmp/store" "$tmp/spool"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
start_broker_on_free_port

step "the town's streets, imported from its extract of the Base Adresse Nationale"
expect_exit 0 "$relais" streets import "$src/tests/data/ban-sceaux-extract.csv" --out "$tmp/streets.tsv"
grep -q "43 " "$tmp/out" || fail "the import's summary: $(cat "$tmp/out")"
export RELAIS_STREETS=$tmp/streets.tsv
expect_exit 0 "$relais" streets find "r. houdan"
grep -q "Rue Houdan" "$tmp/out" || fail "r. houdan: $(cat "$tmp/out")"
expect_exit 1 "$relais" streets find "rue houdin"
grep -q "Rue Houdan" "$tmp/out" || fail "no suggestion for a typo: $(cat "$tmp/out")"

step "a call about noise, at night, rue Houdan: the street as the list spells it"
expect 0 accueil-tu reception record --channel call --category noise --subject "Bruit nocturne" \
  --summary "Musique forte chaque nuit depuis une semaine, vers minuit." --street "r. houdan" --number 12 --json
call=$(field handle "$(cat "$tmp/out")")
[ "${call:0:2}" = A- ] || fail "a call's handle: $(cat "$tmp/out")"
expect 0 accueil-tu reception show "$call" --json
grep -q '"street": *"Rue Houdan"' "$tmp/out" && grep -q '"handling": *"follow-up"' "$tmp/out" ||
  fail "the call as stored: $(cat "$tmp/out")"
expect 0 accueil-tu reception show "${call#A-}"
grep -q "fiche $call" "$tmp/out" || fail "an entry by its number alone: $(cat "$tmp/out")"
expect 0 accueil-tu reception show "a-${call#A-}" --lang en
grep -q "entry $call" "$tmp/out" || fail "an entry in lower case: $(cat "$tmp/out")"
expect 2 accueil-tu reception close "C-${call#A-}"
grep -q "is no entry of the register" "$tmp/err" || fail "a case id given as an entry: $(cat "$tmp/err")"

step "an unknown street is refused with the closest ones, and nothing is stored"
expect 0 accueil-tu reception list --json
before=$(json_count)
expect 2 accueil-tu reception record --channel visit --category other --subject "Renseignement" --summary "x" \
  --street "rue des ecolles"
grep -q "Rue des Écoles" "$tmp/err" || fail "no suggestion for an unknown street: $(cat "$tmp/err")"
expect 0 accueil-tu reception list --json
[ "$(json_count)" = "$before" ] || fail "a refused entry was stored"

step "a resident's letter, acknowledged, with its response due date; an e-mail past its due date"
expect 0 accueil-tu reception record --channel letter --category public-space --subject "Trottoir dégradé" \
  --summary "Courrier de Mme Durand : le trottoir devant le 4 est soulevé par une racine." \
  --requester "Mme Durand" --contact "06 12 34 56 78" --agreed --street "Avenue Jean Perrin" \
  --acknowledged "$(day today)" --json
letter=$(field handle "$(cat "$tmp/out")")
expect 0 accueil-tu reception show "$letter" --json
grep -q "\"response_due_date\": *\"$(day '+60 days')\"" "$tmp/out" || fail "the letter's due date: $(cat "$tmp/out")"
expect 0 accueil-tu reception show "$letter"
grep -q "Joignable .*06 12 34 56 78" "$tmp/out" && grep -q "Réponse due le" "$tmp/out" ||
  fail "the letter's page: $(cat "$tmp/out")"
expect 0 accueil-tu reception record --channel email --category parking-traffic --subject "Voiture ventouse" \
  --summary "Une voiture stationnée depuis trois semaines." --when "$(day '-40 days') 10:15" \
  --due "$(day '-10 days')" --json
late=$(field handle "$(cat "$tmp/out")")
expect 0 accueil-tu reception record --channel visit --category decree-information --subject "Arrêté de voirie" \
  --summary "Question sur l'arrêté de fermeture de la rue pendant le marché." --answered --json
visit=$(field handle "$(cat "$tmp/out")")

step "the register searched: text, category, street, period, open and overdue"
expect 0 accueil-tu reception list --search "RACINE" --json
has_entry "$letter" && [ "$(json_count)" = 1 ] || fail "search by text: $(cat "$tmp/out")"
expect 0 accueil-tu reception list --category noise --json
has_entry "$call" && [ "$(json_count)" = 1 ] || fail "by category: $(cat "$tmp/out")"
expect 0 accueil-tu reception list --street "rue houdan" --json
has_entry "$call" && [ "$(json_count)" = 1 ] || fail "by street: $(cat "$tmp/out")"
expect 0 accueil-tu reception list --from "$(day '-41 days')" --to "$(day '-39 days')" --json
has_entry "$late" && [ "$(json_count)" = 1 ] || fail "by period: $(cat "$tmp/out")"
expect 0 accueil-tu reception list --overdue --json
has_entry "$late" && [ "$(json_count)" = 1 ] || fail "overdue: $(cat "$tmp/out")"
expect 0 accueil-tu reception list --open --json
has_entry "$visit" && fail "an entry answered on the spot is listed open"
[ "$(json_count)" = 3 ] || fail "open entries: $(cat "$tmp/out")"
expect 0 accueil-tu reception list
grep -q "$late .*EN RETARD" "$tmp/out" && grep -q "$visit .*répondu sur place" "$tmp/out" ||
  fail "the French list: $(cat "$tmp/out")"

step "the call transferred to the police municipale, by phone: recorded as such"
expect 0 accueil-tu reception transfer "$call" --to police-municipale --name "Police municipale de Sceaux" \
  --by phone --note "Passage demandé ce soir vers minuit." --json
to_police=$(field handle "$(cat "$tmp/out")")
expect 0 accueil-tu reception show "$call"
grep -q "transmis à la police municipale (Police municipale de Sceaux), par téléphone" "$tmp/out" &&
  grep -q "Traitement .*transmis" "$tmp/out" || fail "the call's transfer: $(cat "$tmp/out")"
refused MALFORMED accueil-tu reception transfer "$call" --to hub --name "police-municipale"
grep -q "no identity of the registry" "$tmp/err" || fail "a hub transfer to nobody: $(cat "$tmp/err")"
expect 2 accueil-tu reception transfer "$call" --to police-nationale --name "Commissariat"
grep -q -- "--by" "$tmp/err" || fail "a transfer without its means: $(cat "$tmp/err")"

step "the letter transferred to the coordinator: its feed and its list show that entry alone"
expect 0 accueil-tu reception transfer "$letter" --to hub --name coordination --note "Une famille suivie ?" --json
to_coord=$(field handle "$(cat "$tmp/out")")
expect 0 coordination reception list --json
has_entry "$letter" && [ "$(json_count)" = 1 ] || fail "the coordinator's register: $(cat "$tmp/out")"
refused FORBIDDEN coordination reception show "$call"
expect 0 coordination feed --json --idle-exit 2
python3 - "$tmp/out" "$to_coord" "$letter" <<'PY' || fail "the coordinator's feed: $(cat "$tmp/out")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
kinds = [[k for k in l["message"] if k != "header"][0] for l in lines if l.get("message")]
reception = [k for k in kinds if k in ("contact", "contact_update", "transfer", "transfer_answer")]
assert reception == ["transfer"], reception
t = [l for l in lines if l.get("message") and "transfer" in l["message"]][0]
assert t["seq"] == int(sys.argv[2][2:]) and t["transferred_entry"]["seq"] == int(sys.argv[3][2:]), t
assert "Trottoir" in t["transferred_entry"]["message"]["contact"]["subject"]
PY

step "the officer's hold on the letter is the register's too: the coordinator's feed shows none of it"
expect 0 dpd-ville privacy hold "$letter" --reason "réf. DPO-2026-77"
expect 0 coordination feed --json --idle-exit 2
grep -q '"privacy"' "$tmp/out" && fail "the coordinator's feed shows a privacy record of the register: $(cat "$tmp/out")"
expect 0 accueil-tu feed --json --idle-exit 2
grep -q 'DPO-2026-77' "$tmp/out" || fail "the desk's feed lacks the hold on its entry"
expect 0 dpd-ville privacy release "$letter" --reason "levée"
step "the coordinator's online audit of the log checks the register's records it may not read, sealed"
expect 0 coordination audit verify --certs "$broker_certs"

step "the coordinator accepts; once; the desk sees the answer"
expect 0 coordination reception list --awaiting --json
has_entry "$letter" && [ "$(json_count)" = 1 ] || fail "what awaits the coordinator's answer: $(cat "$tmp/out")"
refused FORBIDDEN coordination reception answer "$to_police" accepted
expect 0 coordination reception answer "$to_coord" accepted --note "Famille connue, je la rappelle."
refused BAD_TRANSITION coordination reception answer "$to_coord" declined --note "non"
expect 0 accueil-tu reception show "$letter"
grep -q "$to_coord accepté : « Famille connue" "$tmp/out" || fail "the answer on the desk's page: $(cat "$tmp/out")"
expect 0 coordination reception list --awaiting --json
[ "$(json_count)" = 0 ] || fail "an answered transfer still awaits: $(cat "$tmp/out")"

step "the e-mail transferred to the CMP, who declines with a note (required)"
expect 0 accueil-tu reception transfer "$late" --to hub --name cmp-sceaux --json
to_cmp=$(field handle "$(cat "$tmp/out")")
refused FORBIDDEN pmi-blagis reception answer "$to_cmp" accepted
expect 2 cmp-sceaux reception answer "$to_cmp" declined
grep -q "needs a --note" "$tmp/err" || fail "a refusal without a note: $(cat "$tmp/err")"
expect 0 cmp-sceaux reception answer "$to_cmp" declined --note "Hors de notre champ : voir la police municipale."
expect 0 cmp-sceaux reception list --json
has_entry "$late" && [ "$(json_count)" = 1 ] || fail "the CMP's register: $(cat "$tmp/out")"
grep -q "coordination" "$tmp/out" && fail "the CMP sees another's transfer: $(cat "$tmp/out")"
expect 0 pmi-blagis reception list --json
[ "$(json_count)" = 0 ] || fail "the PMI sees entries: $(cat "$tmp/out")"
expect 0 accueil-tu reception show "$late" --json
grep -q '"answer": *"declined"' "$tmp/out" || fail "the declined answer: $(cat "$tmp/out")"
expect 0 accueil-tu reception list --declined --json
has_entry "$late" && [ "$(json_count)" = 1 ] || fail "the entries whose transfer was declined: $(cat "$tmp/out")"
expect 0 accueil-tu reception list --unacknowledged --json
has_entry "$late" && ! has_entry "$letter" || fail "the written requests not acknowledged: $(cat "$tmp/out")"

step "closing: once; a closed entry is neither closed nor transferred again, until reopened"
expect 0 accueil-tu reception close "$call" --note "Passage effectué, musique arrêtée."
refused BAD_TRANSITION accueil-tu reception close "$call"
refused BAD_TRANSITION accueil-tu reception transfer "$call" --to police-nationale --name "Commissariat" --by phone
expect 0 accueil-tu reception update "$call" --follow-up --note "Nouvel appel du voisin."
expect 0 accueil-tu reception close "$call"
refused BAD_TRANSITION accueil-tu reception update "$visit" --acknowledged "$(day today)" --follow-up
grep -q "only a written request" "$tmp/err" || fail "an acknowledged visit: $(cat "$tmp/err")"
refused BAD_TRANSITION accueil-tu reception update A-99999 --note "x"

step "need-to-know: the desk sees no child's case; nobody but the desk writes the register"
expect 0 college-curie submit "$examples/referral-college-marie-curie.json"
expect 0 accueil-tu case list --json
grep -q "Benali\|Lina" "$tmp/out" && fail "the desk sees a child: $(cat "$tmp/out")"
expect 0 accueil-tu feed --json --idle-exit 2
grep -q '"referral"\|Benali' "$tmp/out" && fail "the desk's feed shows a child: $(cat "$tmp/out")"
grep -q '"transfer_answer"' "$tmp/out" || fail "the desk's feed lacks the answers"
refused FORBIDDEN college-curie reception record --channel call --category noise --subject x --summary y
refused FORBIDDEN coordination reception close "$letter"
expect 0 coordination case list --json
grep -q "Lina" "$tmp/out" || fail "the coordinator's cases: $(cat "$tmp/out")"

step "a call taken while the hub is down is kept, and goes with the next command"
stop_broker_clean
RELAIS_ENDPOINT=tcp://127.0.0.1:$port expect 3 accueil-tu reception record --channel call --category incivility \
  --subject "Tags sur un mur" --summary "Tags apparus cette nuit sur le mur de l'école."
grep -q "kept in the spool" "$tmp/err" || fail "a call lost while the hub was down: $(cat "$tmp/err")"
start_broker_on_free_port
expect 0 accueil-tu reception record --channel visit --category lost-property --subject "Clés perdues" \
  --summary "Un trousseau perdu près du marché." --answered
grep -q "sent now, kept since the hub did not answer: contact A-" "$tmp/err" || fail "the kept call: $(cat "$tmp/err")"
expect 0 accueil-tu reception list --search "tags" --json
[ "$(json_count)" = 1 ] || fail "the kept call is not in the register: $(cat "$tmp/out")"

step "the register rebuilt from the log is the one the hub kept"
expect 0 accueil-tu reception list --all --json
cp "$tmp/out" "$tmp/before.json"
stop_broker_clean
rm -rf "$tmp/store/index"
start_broker_on_free_port
grep -q "event=index-rebuilt" "$tmp/broker.log" || fail "the index was not rebuilt"
expect 0 accueil-tu reception list --all --json
diff "$tmp/before.json" "$tmp/out" >&2 || fail "the register rebuilt differs"

step "a resident's request: the officer erases the visit's entry at once; the coordinator may not"
refused FORBIDDEN coordination privacy erase "$visit" --reason "demande de l'habitant"
expect 0 dpd-ville privacy erase "$visit" --reason "demande de l'habitant, courriel du 3 décembre"
for _ in $(seq 50); do grep -q "event=archived case=$visit" "$tmp/broker.log" && break; sleep 0.1; done
grep -q "event=archived case=$visit" "$tmp/broker.log" || fail "the visit's entry was not sealed for the archive"
refused MALFORMED accueil-tu reception show "$visit"
expect 0 accueil-tu reception list --all --json
has_entry "$visit" && fail "an entry gone from the active base is listed"

step "retention: a year after their last event the entries leave the active base, five years later they are erased"
stop_broker_clean
clock=$tmp/clock
day_ms=$((24 * 3600 * 1000))
now_ms=$(($(date +%s) * 1000))
set_clock "$((now_ms + 300 * day_ms))"
broker_args=(--sweep-clock "$clock" --sweep-interval 1)
start_broker_on_free_port
wait_sweep
expect 0 accueil-tu reception list --all --json
[ "$(json_count)" = 5 ] || fail "an entry left the active base within the year: $(cat "$tmp/out")"
set_clock "$((now_ms + 366 * day_ms))"
wait_sweep
expect 0 accueil-tu reception list --all --json
[ "$(json_count)" = 0 ] || fail "entries still listed a year after their last event: $(cat "$tmp/out")"
for e in "$call" "$letter" "$late"; do
  grep -q "event=archived case=$e " "$tmp/broker.log" || fail "$e was not archived"
done
expect 0 coordination case list --json
grep -q "Lina" "$tmp/out" || fail "the child's case left with the register's entries"
set_clock "$((now_ms + (366 + 1827) * day_ms))"
wait_sweep
for e in "$call" "$letter" "$late" "$visit"; do
  grep -q "event=erased case=$e " "$tmp/broker.log" || fail "$e was not erased"
done
stop_broker_clean

step "the audit replays the register's lifecycles, with and without the data key"
"$relais" audit snapshot --store "$tmp/store" --out "$tmp/snap" >/dev/null
expect_exit 0 "$relais" audit verify --store "$tmp/snap" --certs "$broker_certs"
expect_exit 0 "$relais" audit verify --store "$tmp/snap" --certs "$broker_certs" --data-key "$broker_data_key"
rm -rf "$tmp/store/index"
broker_args=()
start_broker_on_free_port
grep -q "event=index-rebuilt" "$tmp/broker.log" || fail "the index was not rebuilt"
expect 0 accueil-tu reception list --all --json
[ "$(json_count)" = 0 ] || fail "erased entries came back with the rebuild: $(cat "$tmp/out")"
stop_broker_clean
echo "reception: ok"
