#!/usr/bin/env bash
# desk_reception_browser.sh -- a reception morning in headless Chromium (tests/browser/desk_reception.py):
# a hub on 127.0.0.1 with a decree the mayor's office published, the reception's desk with the town's
# street list, and the coordinator's desk that answers a transfer. Screenshots and the printed extract
# in the build's browser-shots folder.
# usage: desk_reception_browser.sh RELAIS RELAISD SOURCE_DIR SHOTS_DIR
set -euo pipefail

relais=$1
relaisd=$2
src=$3
shots=$4
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init desk-reception-browser
pki_broker
export TZ=Europe/Paris

python=$("$src/scripts/python-with" selenium || true)
[ -n "$python" ] || fail "Selenium for Python is missing (Debian: python3-selenium; scripts/install-deps)"
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] ||
  fail "Chromium is missing (Debian: chromium, chromium-driver; scripts/install-deps)"
[ -f "$src/tests/browser/node_modules/axe-core/axe.min.js" ] ||
  fail "axe-core is missing (npm ci --prefix tests/browser; scripts/install-deps does it)"

mkdir -p "$tmp/store" "$tmp/spool" "$shots"
rm -f "$shots"/reception-*.png "$shots"/reception-*.pdf
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
"$relais" streets import "$src/tests/data/ban-sceaux-extract.csv" --out "$tmp/streets.tsv" >/dev/null
start_broker_on_free_port
hub=(RELAIS_ENDPOINT="tcp://127.0.0.1:$port" RELAIS_SERVER_CERT="$tmp/pki/relais-hub/relais-hub.cert")

step "the mayor's office publishes a parking ban, rue Houdan, even side 2 to 40, on one day"
ban_day=$(date -d '+11 days' +%F)
printf 'Article 1 : le stationnement est interdit rue Houdan, côté pair, du n° 2 au n° 40.\n' >"$tmp/ban.txt"
RELAIS_STREETS=$tmp/streets.tsv expect 0 mairie-actes decree publish --signatory "Philippe Laurent, maire" \
  --number "2026-148" --title "Interdiction temporaire de stationnement, rue Houdan" --regulatory --temporary \
  --signed "$(date +%F)" --from "$ban_day" --to "$ban_day" --street "r. houdan" --numbers 2-40 --side even \
  --text "$tmp/ban.txt"

# shellcheck source-path=SCRIPTDIR source=desk_lib.sh
. "$(dirname "$0")/desk_lib.sh"
step "the reception's desk and the coordinator's"
desk_key=$tmp/pki/accueil-tu/accueil-tu.cert_secret start_desk reception --streets "$tmp/streets.tsv"
reception_pid=$desk_pid
reception_login=$login
desk_key=$tmp/pki/coordination/coordination.cert_secret start_desk coordinator
coordinator_pid=$desk_pid
coordinator_login=$login
[ -n "$reception_login" ] && [ -n "$coordinator_login" ] || fail "no one-time address"

step "the browser's steps (tests/browser/desk_reception.py)"
"$python" "$src/tests/browser/desk_reception.py" --reception "$reception_login" --coordinator "$coordinator_login" \
  --shots "$shots" --decree-number 2026-148 --decree-day "$ban_day" ||
  { echo "--- the reception's desk's stderr" >&2; cat "$tmp/reception.err" >&2; echo "--- the coordinator's" >&2;
    cat "$tmp/coordinator.err" >&2; fail "the browser's steps"; }

stop_desk "$reception_pid"
stop_desk "$coordinator_pid"
stop_broker_clean
echo "desk_reception_browser: all checks passed; screenshots in $shots"
