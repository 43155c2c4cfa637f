#!/usr/bin/env bash
# decrees.sh -- the town's decrees against a real hub: published by the mayor's office alone (role
# publisher); a temporary parking ban on the even side of rue Houdan, in force on its days and at
# its numbers only, expired after; a town-wide decree answering every street; a permanent decree
# repealed by a later one; an individual decree that gives its signed PDF's hash and the
# register's entry of the request, never its text; refusals each naming the field (an unknown
# street, overlapping numbers, an end before the start, a number used twice) with nothing stored;
# every identity reads them, none but the publisher writes; the index rebuilt from the log; the
# audit; the sweep never erases a decree.
# usage: decrees.sh RELAIS RELAISD SOURCE_DIR
set -euo pipefail

relais=$1
relaisd=$2
src=$3
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init decrees
pki_broker
export TZ=Europe/Paris
json_count() { python3 -c 'import sys; print(sum(1 for l in open(sys.argv[1]) if l.strip() and "next_before" not in l))' "$tmp/out"; }
numbers() { python3 -c 'import json,sys; print(" ".join(sorted(json.loads(l)["number"] for l in open(sys.argv[1]) if "number" in l)))' "$tmp/out"; }

mkdir -p "$tmp/store" "$tmp/spool"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
start_broker_on_free_port
"$relais" streets import "$src/tests/data/ban-sceaux-extract.csv" --out "$tmp/streets.tsv" >/dev/null
export RELAIS_STREETS=$tmp/streets.tsv
today=$(date +%F)
d() { date -d "$today $1 day" +%F; }
printf 'Article 1 : le stationnement est interdit rue Houdan, côté pair, du n° 2 au n° 40.\nArticle 2 : ...\n' \
  >"$tmp/ban.txt"
printf 'Article 1 : les travaux bruyants sont interdits le dimanche.\n' >"$tmp/noise.txt"
printf '%%PDF-1.7 arrete individuel signe\n' >"$tmp/permit.pdf"
publish() { expect "$1" mairie-actes decree publish --signatory "Philippe Laurent, maire" "${@:2}"; }

step "a temporary parking ban, rue Houdan, even side 2 to 40, for two days"
publish 0 --number "2026-148" --title "Interdiction temporaire de stationnement, rue Houdan (déménagement)" \
  --regulatory --temporary --signed "$today" --from "$(d +11)" --to "$(d +12)" \
  --street "r. houdan" --numbers 2-40 --side even --text "$tmp/ban.txt" --json
[ "$(field handle "$(cat "$tmp/out")")" = "2026-148" ] || fail "a decree's handle is its number: $(cat "$tmp/out")"

step "a town-wide decree in force from today; a permanent one on rue des Écoles, repealed by a later one"
publish 0 --number "2026-150" --title "Réglementation des travaux bruyants le dimanche" --regulatory --permanent \
  --signed "$today" --from "$today" --town-wide --text "$tmp/noise.txt"
publish 0 --number "2026-151" --title "Sens unique, rue des Écoles" --regulatory --permanent --signed "$today" \
  --from "$today" --street "rue des ecoles" --text "$tmp/noise.txt"
publish 0 --number "2026-160" --title "Abrogation du sens unique, rue des Écoles" --regulatory --permanent \
  --signed "$today" --from "$(d +5)" --street "rue des ecoles" --repeals "2026-151" --text "$tmp/noise.txt"

step "what is in force where and when: the desk's question"
expect 0 accueil-tu decree in-force --street "rue houdan" --number 12 --on "$(d +11)" --json
[ "$(numbers)" = "2026-148 2026-150" ] || fail "12 rue Houdan on the ban's first day: $(cat "$tmp/out")"
expect 0 accueil-tu decree in-force --street "rue houdan" --number 13 --on "$(d +11)" --json
[ "$(numbers)" = "2026-150" ] || fail "13 rue Houdan (odd side): $(cat "$tmp/out")"
expect 0 accueil-tu decree in-force --street "rue houdan" --number 42 --on "$(d +12)" --json
[ "$(numbers)" = "2026-150" ] || fail "42 rue Houdan (past the range): $(cat "$tmp/out")"
expect 0 accueil-tu decree in-force --street "rue houdan" --on "$(d +12)" --json
[ "$(numbers)" = "2026-148 2026-150" ] || fail "rue Houdan, any number: $(cat "$tmp/out")"
expect 0 accueil-tu decree in-force --street "rue houdan" --number 12 --on "$(d +13)" --json
[ "$(numbers)" = "2026-150" ] || fail "the ban expired after its last day: $(cat "$tmp/out")"
expect 0 accueil-tu decree in-force --street "rue houdan" --number 12 --on "$(d +10)" --json
[ "$(numbers)" = "2026-150" ] || fail "the ban in force before its first day: $(cat "$tmp/out")"
expect 0 accueil-tu decree in-force --street "rue houdan" --number 12 --on "$(d +11)"
grep -q "En vigueur le" "$tmp/out" && grep -q "n° 2 à 40, côté pair" "$tmp/out" || fail "the page: $(cat "$tmp/out")"
expect 0 accueil-tu decree in-force --street "rue des écoles" --on "$(d +4)" --json
[ "$(numbers)" = "2026-150 2026-151" ] || fail "rue des Écoles before the repeal: $(cat "$tmp/out")"
expect 0 accueil-tu decree in-force --street "rue des écoles" --on "$(d +5)" --json
[ "$(numbers)" = "2026-150 2026-160" ] || fail "rue des Écoles once repealed: $(cat "$tmp/out")"
expect 0 accueil-tu decree show 2026-151 --json
grep -q '"repealed_by":"2026-160"' "$tmp/out" || fail "the repeal on the repealed decree: $(cat "$tmp/out")"

step "an individual decree: its signed PDF's hash and the request's entry, never its text"
expect 0 accueil-tu reception record --channel letter --category parking-traffic --subject "Demande d'arrêté" \
  --summary "Demande d'interdiction de stationner pour un déménagement." --requester "M. Bernard" --json
request=$(field handle "$(cat "$tmp/out")")
publish 1 --number "2026-170" --title "Occupation du domaine public" --individual --temporary --signed "$today" \
  --from "$(d +2)" --to "$(d +2)" --street "rue houdan" --numbers 7 --text "$tmp/ban.txt" --request "$request"
grep -q "decree.text" "$tmp/err" || fail "an individual decree's text: $(cat "$tmp/err")"
publish 0 --number "2026-170" --title "Occupation du domaine public" --individual --temporary --signed "$today" \
  --from "$(d +2)" --to "$(d +2)" --street "rue houdan" --numbers 7 --pdf "$tmp/permit.pdf" --request "$request"
expect 0 college-curie decree show 2026-170
grep -q "$(sha256sum "$tmp/permit.pdf" | cut -c1-64)" "$tmp/out" || fail "the PDF's hash: $(cat "$tmp/out")"
grep -q "Bernard" "$tmp/out" && fail "an individual decree shows its beneficiary"

step "bad input: each refusal names the field, and nothing is stored"
expect 0 accueil-tu decree list --json
before=$(json_count)
publish 2 --number "2026-171" --title "x" --regulatory --temporary --signed "$today" --from "$today" --to "$(d +1)" \
  --street "rue houdin" --text "$tmp/ban.txt"
grep -q -- "--street" "$tmp/err" && grep -q "Rue Houdan" "$tmp/err" || fail "an unknown street: $(cat "$tmp/err")"
publish 1 --number "2026-171" --title "x" --regulatory --temporary --signed "$today" --from "$today" --to "$(d +1)" \
  --street "rue houdan" --numbers 1-20 --street "rue houdan" --numbers 10-30 --text "$tmp/ban.txt"
grep -q "decree.places.2" "$tmp/err" && grep -q "overlaps" "$tmp/err" || fail "overlapping numbers: $(cat "$tmp/err")"
publish 0 --number "2026-172" --title "x" --regulatory --temporary --signed "$today" --from "$today" --to "$(d +1)" \
  --street "rue houdan" --numbers 1-20 --side odd --street "rue houdan" --numbers 2-20 --side even --text "$tmp/ban.txt"
publish 1 --number "2026-173" --title "x" --regulatory --temporary --signed "$today" --from "$(d +3)" --to "$(d +1)" \
  --town-wide --text "$tmp/ban.txt"
grep -q "decree.effective_to" "$tmp/err" && grep -q "before effective_from" "$tmp/err" ||
  fail "an end before the start: $(cat "$tmp/err")"
publish 1 --number "2026-148" --title "x" --regulatory --permanent --signed "$today" --from "$today" --town-wide \
  --text "$tmp/ban.txt"
grep -q "decree.number: 2026-148 is the number of a decree published already" "$tmp/err" ||
  fail "a number used twice: $(cat "$tmp/err")"
publish 1 --number "2026-174" --title "x" --regulatory --permanent --signed "$today" --from "$(d -1)" --town-wide \
  --text "$tmp/ban.txt"
grep -q "decree.effective_from" "$tmp/err" || fail "in force before it was signed: $(cat "$tmp/err")"
publish 1 --number "2026-175" --title "x" --regulatory --permanent --signed "$today" --from "$today" --town-wide \
  --text "$tmp/ban.txt" --repeals "2026-999"
grep -q "decree.repeals.1" "$tmp/err" || fail "a repeal of no decree: $(cat "$tmp/err")"
publish 1 --number "2026-176" --title "x" --regulatory --permanent --signed "$today" --from "$today" --town-wide \
  --text "$tmp/ban.txt" --repeals "2026-151"
grep -q "repealed already by 2026-160" "$tmp/err" || fail "a second repeal: $(cat "$tmp/err")"
publish 2 --number "2026-177" --title "x" --regulatory --permanent --signed "$today" --from "$today" --street "rue houdan" \
  --numbers 40-2 --text "$tmp/ban.txt"
grep -q -- "--numbers" "$tmp/err" || fail "a range backwards: $(cat "$tmp/err")"
expect 0 accueil-tu decree list --json
[ "$(json_count)" = "$((before + 1))" ] || fail "a refusal stored something: $(cat "$tmp/out")"

step "public acts: every identity reads them; only the mayor's office publishes"
for who in college-curie coordination audit-ville dpd-ville; do
  expect 0 "$who" decree in-force --street "rue houdan" --number 12 --on "$(d +11)" --json
  [ "$(numbers)" = "2026-148 2026-150" ] || fail "$who's answer: $(cat "$tmp/out")"
done
for who in accueil-tu coordination college-curie; do
  expect 1 "$who" decree publish --number "2026-180" --title "x" --regulatory --permanent --signed "$today" \
    --from "$today" --town-wide --text "$tmp/ban.txt" --signatory "x"
  grep -q "FORBIDDEN" "$tmp/err" || fail "$who published a decree: $(cat "$tmp/err")"
done
expect 0 mairie-actes reception list --json
[ "$(json_count)" = 0 ] || fail "the mayor's office reads the register: $(cat "$tmp/out")"
refused FORBIDDEN mairie-actes lost list
expect 0 accueil-tu feed --from 1 --idle-exit 2
grep -q "decree.*2026-148" "$tmp/out" || fail "the desk's feed lacks the decree: $(cat "$tmp/out")"
expect 0 college-curie feed --from 1 --idle-exit 2
grep -q "decree" "$tmp/out" && fail "a partner's feed carries decrees: $(cat "$tmp/out")"
expect 0 accueil-tu decree list --search "HOUDAN" --json
[ "$(numbers)" = "2026-148 2026-170 2026-172" ] || fail "a search ignoring case: $(cat "$tmp/out")"
expect 0 accueil-tu decree list --on "$(d +11)" --json
[ "$(numbers)" = "2026-148 2026-150 2026-160" ] || fail "decrees in force on a day: $(cat "$tmp/out")"

step "the decrees rebuilt from the log are the ones the hub kept; the audit"
expect 0 accueil-tu decree list --json
cp "$tmp/out" "$tmp/before.json"
stop_broker_clean
rm -rf "$tmp/store/index"
start_broker_on_free_port
grep -q "event=index-rebuilt" "$tmp/broker.log" || fail "the index was not rebuilt"
expect 0 accueil-tu decree list --json
diff "$tmp/before.json" "$tmp/out" >&2 || fail "the decrees rebuilt differ"
expect 0 audit-ville audit verify --certs "$broker_certs"

step "the sweep never erases a decree: ten years on, they are all there, in clear"
stop_broker_clean
clock=$tmp/clock
echo "$((($(date +%s) + 3650 * 86400) * 1000))" >"$clock"
broker_args=(--sweep-clock "$clock" --sweep-interval 1)
start_broker_on_free_port
for _ in $(seq 300); do [ "$(grep -c 'event=erased case=A-' "$tmp/broker.log" || true)" -ge 1 ] && break; sleep 0.1; done
grep -q "event=erased case=$request " "$tmp/broker.log" || fail "the request's entry was not erased in ten years"
expect 0 accueil-tu decree list --json
diff "$tmp/before.json" "$tmp/out" >&2 || fail "the sweep touched the decrees"
expect 0 college-curie decree show 2026-148
grep -q "Interdiction temporaire" "$tmp/out" || fail "a decree's record unreadable after the sweep: $(cat "$tmp/out")"
stop_broker_clean
"$relais" audit snapshot --store "$tmp/store" --out "$tmp/snap" >/dev/null
expect_exit 0 "$relais" audit verify --store "$tmp/snap" --certs "$broker_certs"
expect_exit 0 "$relais" audit verify --store "$tmp/snap" --certs "$broker_certs" --data-key "$broker_data_key"
echo "decrees: ok"
