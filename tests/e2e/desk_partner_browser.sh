#!/usr/bin/env bash
# desk_partner_browser.sh -- a partner's desk in a real browser: headless Chromium driven by Selenium
# (tests/browser/desk_partner.py), against a real hub on 127.0.0.1 and a desk with the PMI's key opened
# by its one-time address. This script starts them; the browser's steps are the Python's.
# Screenshots of each page are kept in SHOTS.
# usage: desk_partner_browser.sh RELAIS RELAISD SOURCE_DIR SHOTS
set -euo pipefail

relais=$1
relaisd=$2
src=$3
shots=$4
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init desk-partner-browser
pki_broker

python=$("$src/scripts/python-with" selenium || true)
[ -n "$python" ] || fail "Selenium for Python is missing (Debian: python3-selenium; scripts/install-deps)"
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] ||
  fail "Chromium is missing (Debian: chromium, chromium-driver; scripts/install-deps)"
[ -f "$src/tests/browser/node_modules/axe-core/axe.min.js" ] ||
  fail "axe-core is missing (npm ci --prefix tests/browser; scripts/install-deps does it)"

mkdir -p "$tmp/store" "$shots"
rm -f "$shots"/partner-*.png
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
start_broker_on_free_port
hub=(RELAIS_ENDPOINT="tcp://127.0.0.1:$port" RELAIS_SERVER_CERT="$tmp/pki/relais-hub/relais-hub.cert")
desk_key=$tmp/pki/pmi-blagis/pmi-blagis.cert_secret
# shellcheck source-path=SCRIPTDIR source=desk_lib.sh
. "$(dirname "$0")/desk_lib.sh"

step "a desk on 127.0.0.1 with the PMI's key"
start_desk partner
[ -n "$login" ] || fail "no one-time address: $(cat "$tmp/partner.out")"

step "the browser's steps (tests/browser/desk_partner.py)"
"$python" "$src/tests/browser/desk_partner.py" --login "$login" --shots "$shots" ||
  { echo "--- the desk's stderr" >&2; cat "$tmp/partner.err" >&2; fail "the browser's steps"; }

stop_desk "$desk_pid"
stop_broker_clean
echo "desk_partner_browser: all checks passed; screenshots in $shots"
