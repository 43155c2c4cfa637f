#!/usr/bin/env bash
# desk_print_browser.sh -- the desk's printable pages printed by a real browser: headless Chromium
# driven by Selenium (tests/browser/desk_print.py) against a real hub on 127.0.0.1 and a desk on
# 127.0.0.1 opened by its one-time address. This script makes the partnership's year (referrals of
# three kinds of partners, cases along the pathway, a meeting) with the `relais` command; the
# browser's steps are the Python's. The PDFs, their first pages and screenshots are kept in SHOTS.
# usage: desk_print_browser.sh RELAIS RELAISD SOURCE_DIR SHOTS
set -euo pipefail

relais=$1
relaisd=$2
src=$3
shots=$4
examples=$src/examples
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init desk-print-browser
pki_broker
export TZ=UTC

# shellcheck source-path=SCRIPTDIR source=desk_lib.sh
. "$(dirname "$0")/desk_lib.sh"
browser_needs
command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null ||
  fail "poppler's tools are missing (Debian: poppler-utils; scripts/install-deps)"

mkdir -p "$tmp/store" "$tmp/spool" "$shots"
rm -f "$shots"/print-*
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
start_broker_on_free_port
export RELAIS_SERVER_CERT=$tmp/pki/relais-hub/relais-hub.cert
today=$(date +%F)
in_two=$(date -d '+2 days' +%F)
in_three=$(date -d '+3 days' +%F)
in_five=$(date -d '+5 days' +%F)
in_week=$(date -d '+7 days' +%F)

step "the year's referrals: the college, the PMI and the CMP; cases along the pathway; a meeting today"
submit_child() { # submit_child WHO ORGANISATION ROLE FAMILY GIVEN: the new case's id on stdout
  child "$tmp/child-$4.json" "$4" "[\"$5\"]" "$2" "$3"
  expect 0 "$1" submit "$tmp/child-$4.json"
  case_of "$(field case_id "$(cat "$tmp/out")")"
}
lina=$(submit_child college-curie "Collège Marie Curie" SCHOOL_HEAD Benali Lina)
college=()
for family in Arnaud Bertin Chevalier Dupuis Etienne; do
  college+=("$(submit_child college-curie "Collège Marie Curie" TEACHER "$family" Camille)")
done
adam=$(submit_child pmi-blagis "PMI Les Blagis" PMI Martin Adam)
for family in Garnier Hoarau Imbert Jacquet Klein; do
  submit_child pmi-blagis "PMI Les Blagis" PMI "$family" Noa >/dev/null
done
for family in Roux Marchand Noel Olivier Perrin; do
  submit_child cmp-sceaux "CMP de Sceaux" CMP "$family" Sarah >/dev/null
done
for c in "${college[@]}"; do
  expect 0 coordination case update "$c" triage
  expect 0 coordination case update "$c" accepted --review-date "$in_five"
done
expect 0 coordination case update "$lina" triage
expect 0 coordination case update "$lina" accepted
expect 0 coordination case update "$lina" diagnosis \
  --diagnosis "Décrochage en mathématiques depuis la rentrée ; isolement en classe, appétence pour le dessin."
expect 0 coordination case update "$lina" pathway-proposed \
  --action "individual;Tutorat deux fois par semaine;Service Jeunesse;$today;hebdomadaire;M. Petit" \
  --action "collective;Atelier d'arts plastiques du mercredi;Médiathèque;$today;hebdomadaire;Mme Caron"
expect 0 coordination case update "$lina" follow-up --review-date "$in_three" --note "Premier bilan avec la famille : Lina va au tutorat."
expect 0 coordination case update "$adam" triage
expect 0 coordination case update "$adam" accepted --review-date "$in_two"
expect 0 coordination meeting record --date "$today" --present "Mme Roux;psychologue;CMP de Sceaux" \
  --present "M. Petit;CPE;Collège Marie Curie" --case "$lina;Tutorat confirmé ; point d'étape avec le collège.;$in_three"

desk_key=$tmp/pki/coordination/coordination.cert_secret
step "a desk on 127.0.0.1"
start_desk desk
[ -n "$login" ] || fail "no one-time address: $(cat "$tmp/desk.out")"

step "the browser's steps (tests/browser/desk_print.py)"
"$python" "$src/tests/browser/desk_print.py" --login "$login" --shots "$shots" --lina "$lina" \
  --agenda-date "$in_week" --agenda-cases "$adam,$lina" --year "$(date +%Y)" ||
  { echo "--- the desk's stderr" >&2; cat "$tmp/desk.err" >&2; fail "the browser's steps"; }

stop_desk "$desk_pid"
stop_broker_clean
echo "desk_print_browser: all checks passed; PDFs and screenshots in $shots"
