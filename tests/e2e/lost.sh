#!/usr/bin/env bash
# lost.sh -- the Tranquillité urbaine desk's lost and found against a real hub: a wallet handed in
# and a wallet declared lost, matched both ways with a score and why; returned to its owner, whose
# identity was checked, closing the declaration; an umbrella whose keeping ends (before its end
# only destroyed, with a note; then handed over); a declaration withdrawn; the printable extract;
# need-to-know (the desk's alone); bad input refused with a sentence naming the field and nothing
# stored; the figures; the index rebuilt from the log; the audit; retention: items leave the
# active base a year after their last event (a kept item not before the end of its keeping) and
# are erased three years later.
# usage: lost.sh RELAIS RELAISD SOURCE_DIR
set -euo pipefail

relais=$1
relaisd=$2
src=$3
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init lost
pki_broker
export TZ=Europe/Paris
json_count() { python3 -c 'import sys; print(sum(1 for l in open(sys.argv[1]) if l.strip() and "next_before" not in l))' "$tmp/out"; }
json_get() { python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())[sys.argv[2]])' "$tmp/out" "$1"; }

mkdir -p "$tmp/store" "$tmp/spool"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
start_broker_on_free_port
"$relais" streets import "$src/tests/data/ban-sceaux-extract.csv" --out "$tmp/streets.tsv" >/dev/null
export RELAIS_STREETS=$tmp/streets.tsv
yesterday=$(date -d "-1 day" "+%F 10:30")
two_days_ago=$(date -d "-2 day" "+%F 18:00")

step "a wallet handed in, rue Houdan; the street as the town's list spells it; kept a year and a day"
expect 0 accueil-tu lost found --category wallet --description "Portefeuille en cuir noir, carte de bibliothèque" \
  --street "r. houdan" --number 12 --storage "armoire 2, étagère B" --finder "Mme Leroy" --contact "06 11 22 33 44" \
  --finder-claims --when "$yesterday" --json
wallet=$(field handle "$(cat "$tmp/out")")
[ "${wallet:0:2}" = O- ] || fail "a found item's handle: $(cat "$tmp/out")"
expect 0 accueil-tu lost show "$wallet" --json
[ "$(json_get street)" = "Rue Houdan" ] || fail "the street as stored: $(cat "$tmp/out")"
[ "$(json_get keep_until)" = "$(date -d "$(date -d "-1 day" +%F) + 366 days" +%F)" ] ||
  fail "not kept a year and a day: $(cat "$tmp/out")"
[ "$(json_get state)" = kept ] || fail "a found item's state: $(cat "$tmp/out")"

step "a resident declares a lost wallet; another loses keys in the park"
expect 0 accueil-tu lost declare --category wallet --description "portefeuille noir en cuir avec mes papiers" \
  --street "rue houdan" --name "M. Martin" --contact "06 12 34 56 78" --when "$two_days_ago" --json
loss=$(field handle "$(cat "$tmp/out")")
[ "${loss:0:2}" = P- ] || fail "a declared loss's handle: $(cat "$tmp/out")"
expect 0 accueil-tu lost declare --category keys --description "trousseau de trois clés, porte-clés rouge" \
  --place "parc de Sceaux, près du bassin" --name "Mme Dubois" --contact "mdubois@example.org" --json
keys=$(field handle "$(cat "$tmp/out")")

step "matched both ways: the wallet and the declaration, with a score and why; not the keys"
expect 0 accueil-tu lost match "$wallet" --json
[ "$(json_count)" = 1 ] && [ "$(json_get id)" = "$loss" ] || fail "the wallet's matches: $(cat "$tmp/out")"
score=$(json_get score)
[ "$score" -ge 80 ] || fail "a likely match scored $score: $(cat "$tmp/out")"
grep -q "même catégorie" "$tmp/out" && grep -q "même rue" "$tmp/out" || fail "why: $(cat "$tmp/out")"
expect 0 accueil-tu lost match "$loss"
grep -q "$wallet" "$tmp/out" && grep -q "score" "$tmp/out" || fail "the declaration's matches: $(cat "$tmp/out")"
expect 0 accueil-tu lost match "$keys" --json
[ "$(json_count)" = 0 ] || fail "keys matched with a wallet: $(cat "$tmp/out")"

step "the list: found, declared, open, searched"
expect 0 accueil-tu lost list --json
[ "$(json_count)" = 3 ] || fail "the lost and found: $(cat "$tmp/out")"
expect 0 accueil-tu lost list --all --json
[ "$(json_count)" = 3 ] || fail "every page of the lost and found: $(cat "$tmp/out")"
expect 0 accueil-tu lost list --found --json
[ "$(json_count)" = 1 ] || fail "found items only: $(cat "$tmp/out")"
expect 0 accueil-tu lost list --declared --search "PORTE-CLES" --json
[ "$(json_count)" = 1 ] || fail "a search ignoring case and accents: $(cat "$tmp/out")"

step "bad input: each refusal names the field, and nothing is stored"
expect 2 accueil-tu lost found --category wallet --description "x" --street "rue houdin" --storage "armoire 2"
grep -q "Rue Houdan" "$tmp/err" || fail "an unknown street: $(cat "$tmp/err")"
expect 2 accueil-tu lost found --category umbrella --description "x" --place "gare" --storage "a"
grep -q -- "--category" "$tmp/err" || fail "an unknown category: $(cat "$tmp/err")"
expect 2 accueil-tu lost declare --category keys --description "x" --place "gare" --contact "x"
grep -q -- "--name" "$tmp/err" || fail "a declaration without a name: $(cat "$tmp/err")"
expect 1 accueil-tu lost found --category keys --description "x" --place "gare" --storage "a" \
  --when "$(date -d "+3 day" "+%F 10:00")"
grep -q "lost_found.when_ms" "$tmp/err" && grep -q "future" "$tmp/err" || fail "found in the future: $(cat "$tmp/err")"
expect 1 accueil-tu lost declare --category keys --description "x" --place "gare" --name "X" --contact "y" \
  --when "$yesterday" --until "$two_days_ago"
grep -q "lost_found.until_ms" "$tmp/err" || fail "a window that ends before it starts: $(cat "$tmp/err")"
expect 1 accueil-tu lost return "$wallet" --owner "M. Martin" --identity "CNI ...4521" --declaration "P-999"
grep -q "P-999 is not in the lost and found" "$tmp/err" || fail "a return naming no declaration: $(cat "$tmp/err")"
expect 2 accueil-tu lost return "$wallet" --owner "M. Martin"
grep -q -- "--identity" "$tmp/err" || fail "a return without the identity checked: $(cat "$tmp/err")"
expect 2 accueil-tu lost return "$loss" --owner "M. Martin" --identity "CNI"
grep -q "no found item" "$tmp/err" || fail "a declaration returned: $(cat "$tmp/err")"
expect 0 accueil-tu lost list --json
[ "$(json_count)" = 3 ] || fail "a refusal stored something: $(cat "$tmp/out")"

step "need-to-know: the lost and found is the desk's; no one else writes or reads it"
refused FORBIDDEN coordination lost list
refused FORBIDDEN college-curie lost show "$wallet"
refused FORBIDDEN mairie-actes lost match "$wallet"
expect 1 coordination lost found --category keys --description "x" --place "gare" --storage "a"
grep -q "FORBIDDEN" "$tmp/err" || fail "the coordinator wrote the lost and found: $(cat "$tmp/err")"

step "returned to its owner, identity checked, closing the declaration; once"
expect 0 accueil-tu lost return "$wallet" --owner "M. Martin" --identity "carte d'identité …4521" --declaration "$loss"
expect 0 accueil-tu lost show "$wallet" --json
[ "$(json_get state)" = returned ] && [ "$(json_get matched_id)" = "$loss" ] || fail "the return: $(cat "$tmp/out")"
expect 0 accueil-tu lost show "$loss" --json
[ "$(json_get state)" = recovered ] && [ "$(json_get matched_id)" = "$wallet" ] || fail "the declaration: $(cat "$tmp/out")"
expect 0 accueil-tu lost show "$wallet"
grep -q "rendu à M. Martin (pièce vérifiée" "$tmp/out" || fail "the item's page: $(cat "$tmp/out")"
refused BAD_TRANSITION accueil-tu lost return "$wallet" --owner "Quelqu'un" --identity "CNI"
refused BAD_TRANSITION accueil-tu lost end "$wallet" --outcome destroyed --note "x"

step "an umbrella's keeping: before its end only destroyed with a note; at its end, handed over"
expect 0 accueil-tu lost found --category other --description "Parapluie bleu" --place "gare de Sceaux" \
  --storage "bac 1" --keep-days 1 --when "$(date -d "-2 day" "+%F 09:00")" --json
umbrella=$(field handle "$(cat "$tmp/out")")
expect 0 accueil-tu lost found --category clothing --description "Écharpe grise" --place "médiathèque" \
  --storage "bac 2" --json
scarf=$(field handle "$(cat "$tmp/out")")
refused BAD_TRANSITION accueil-tu lost end "$scarf" --outcome handed-over --to "Secours populaire"
grep -q "kept for its owner until" "$tmp/err" || fail "an early end: $(cat "$tmp/err")"
refused BAD_TRANSITION accueil-tu lost end "$scarf" --outcome to-finder
expect 0 accueil-tu lost list --keeping-over --json
[ "$(json_count)" = 1 ] && [ "$(json_get id)" = "$umbrella" ] || fail "items kept past their end: $(cat "$tmp/out")"
expect 0 accueil-tu lost end "$umbrella" --outcome handed-over --to "Secours populaire de Sceaux"
expect 0 accueil-tu lost show "$umbrella" --json
[ "$(json_get state)" = ended ] && [ "$(json_get outcome)" = handed-over ] || fail "the end: $(cat "$tmp/out")"
expect 0 accueil-tu lost withdraw "$keys" --note "Retrouvées par la propriétaire dans son sac."
expect 0 accueil-tu lost note "$scarf" --note "Une habitante a appelé, ce n'était pas la sienne."

step "a resident's request: the officer erases a declaration at once; the desk may not"
refused FORBIDDEN accueil-tu privacy erase "$keys" --reason "demande de la déclarante"
expect 0 dpd-ville privacy erase "$keys" --reason "demande de la déclarante, courriel du 3 décembre"
for _ in $(seq 50); do grep -q "event=archived case=$keys " "$tmp/broker.log" && break; sleep 0.1; done
grep -q "event=archived case=$keys " "$tmp/broker.log" || fail "the declaration was not sealed for the archive"
refused MALFORMED accueil-tu lost show "$keys"
expect 0 accueil-tu lost list --declared --json
grep -q "\"$keys\"" "$tmp/out" && fail "an item gone from the active base is listed"

step "the register extract, to print"
expect 0 accueil-tu lost extract --from "$(date -d "-7 day" +%F)" --to "$(date +%F)"
for w in "Registre des objets trouvés" "$wallet" "$umbrella" "$scarf" "rendu à son propriétaire" "Secours populaire"; do
  grep -q "$w" "$tmp/out" || fail "the extract lacks '$w': $(cat "$tmp/out")"
done
grep -q "$loss" "$tmp/out" && fail "a declaration in the register of found items"

step "the reception's figures count the lost and found (cells under the hub's threshold shown secret)"
expect 0 accueil-tu reception stats --from "$(date -d "-30 day" +%F)" --to "$(date +%F)"
for w in "Objets trouvés" "Restitutions" "Déclarations de perte"; do
  grep -q "$w" "$tmp/out" || fail "the figures lack '$w': $(cat "$tmp/out")"
done
expect 0 accueil-tu reception stats --from "$(date -d "-30 day" +%F)" --to "$(date +%F)" --json
grep -q '"items_found"' "$tmp/out" && grep -q '"loss_declarations"' "$tmp/out" || fail "the figures: $(cat "$tmp/out")"

step "the lost and found rebuilt from the log is the one the hub kept"
expect 0 accueil-tu lost list --json
cp "$tmp/out" "$tmp/before.json"
stop_broker_clean
rm -rf "$tmp/store/index"
start_broker_on_free_port
grep -q "event=index-rebuilt" "$tmp/broker.log" || fail "the index was not rebuilt"
expect 0 accueil-tu lost list --json
diff "$tmp/before.json" "$tmp/out" >&2 || fail "the lost and found rebuilt differs"
expect 0 audit-ville audit verify --certs "$broker_certs"
expect 0 coordination audit verify --certs "$broker_certs"
grep -q "withheld" "$tmp/out" || fail "the coordinator's audit of records it may not read: $(cat "$tmp/out")"

step "retention: a year after their last event items leave the active base (a kept one not before its end), three years later they are erased"
stop_broker_clean
clock=$tmp/clock
day_ms=$((24 * 3600 * 1000))
now_ms=$(($(date +%s) * 1000))
set_clock "$((now_ms + 367 * day_ms))"
broker_args=(--sweep-clock "$clock" --sweep-interval 1)
start_broker_on_free_port
wait_sweep
expect 0 accueil-tu lost list --json
[ "$(json_count)" = 1 ] && [ "$(json_get id)" = "$scarf" ] ||
  fail "a year on, only the scarf still kept should be there: $(cat "$tmp/out")"
for e in "$wallet" "$loss" "$keys" "$umbrella"; do
  grep -q "event=archived case=$e " "$tmp/broker.log" || fail "$e was not archived"
done
set_clock "$((now_ms + (367 + 366 + 2) * day_ms))"
wait_sweep
grep -q "event=archived case=$scarf " "$tmp/broker.log" || fail "the scarf was not archived a year after its keeping"
set_clock "$((now_ms + (367 + 1097) * day_ms))"
wait_sweep
for e in "$wallet" "$loss" "$keys" "$umbrella"; do
  grep -q "event=erased case=$e " "$tmp/broker.log" || fail "$e was not erased"
done
stop_broker_clean

step "the audit replays the items' lifecycles, with and without the data key; the rebuild brings none back"
"$relais" audit snapshot --store "$tmp/store" --out "$tmp/snap" >/dev/null
expect_exit 0 "$relais" audit verify --store "$tmp/snap" --certs "$broker_certs"
expect_exit 0 "$relais" audit verify --store "$tmp/snap" --certs "$broker_certs" --data-key "$broker_data_key"
rm -rf "$tmp/store/index"
broker_args=()
start_broker_on_free_port
grep -q "event=index-rebuilt" "$tmp/broker.log" || fail "the index was not rebuilt"
expect 0 accueil-tu lost list --json
[ "$(json_count)" = 0 ] || fail "items gone from the active base came back with the rebuild: $(cat "$tmp/out")"
stop_broker_clean
echo "lost: ok"
