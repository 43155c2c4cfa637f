#!/usr/bin/env bash
# demo.sh -- scripts/demo end to end while the port it prefers is taken by another hub: it must pick a
# free port, say which, and tell the whole story; with RELAIS_DEMO_PORT on that port it must stop, saying why.
# usage: demo.sh RELAIS RELAISD BUILD_DIR SOURCE_DIR
# The demo is pointed at a port this test holds (RELAIS_DEMO_PREFERRED_PORT) rather than at 7100, which
# another test run, a real hub or a user's demo may hold or want at the same time.
set -euo pipefail

relais=$1
relaisd=$2
build=$3
src=$4
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init demo

demo() {
  RELAIS_BIN_DIR=$build RELAIS_DEMO_RUN=$tmp/demo-run RELAIS_DEMO_PREFERRED_PORT=$held \
    timeout 180 "$src/scripts/demo" >"$tmp/demo.out" 2>&1
}

step "another hub holds a port"
make_pki relaisd:broker
start_broker_on_free_port
held=$port

step "the demo, preferring that port, takes a free one and says which"
RELAIS_DEMO_PORT='' demo || { cat "$tmp/demo.out" >&2; fail "the demo failed while port $held was taken"; }
grep -q "Port $held on 127.0.0.1 is taken" "$tmp/demo.out" || { cat "$tmp/demo.out" >&2; fail "no word of port $held"; }
used=$(sed -n 's|.*event=listening endpoint=tcp://127\.0\.0\.1:\([0-9]*\) .*|\1|p' "$tmp/demo-run/relaisd.log")
if [ -z "$used" ] || [ "$used" = "$held" ]; then fail "the demo's hub listened on '$used'"; fi
# The port is in the heading, or in the word that a port was taken between the look and the bind.
grep -Eq "(relaisd starts on 127.0.0.1, port|this demo's hub uses port) $used[ .]" "$tmp/demo.out" ||
  { cat "$tmp/demo.out" >&2; fail "the demo does not print port $used"; }
grep -q '^result: ok' "$tmp/demo.out" || { cat "$tmp/demo.out" >&2; fail "the demo's audit did not pass"; }
kill -0 "$broker_pid" 2>/dev/null || fail "the other hub is gone"
if [ -x /usr/bin/chromium ] && "$src/scripts/python-with" selenium >/dev/null && command -v pdftotext >/dev/null; then
  for f in desk-work-list.png desk-case.png desk-case-summary.pdf desk-report.pdf; do
    [ -s "$tmp/demo-run/$f" ] || { cat "$tmp/demo.out" >&2; fail "the demo made no $f"; }
  done
  pdftotext "$tmp/demo-run/desk-case-summary.pdf" "$tmp/summary.txt"
  pdftotext "$tmp/demo-run/desk-report.pdf" "$tmp/report.txt"
  grep -q "Lina" "$tmp/summary.txt" || fail "the printed summary does not name Lina"
  grep -q "Rapport d'activité [0-9]\{4\}" "$tmp/report.txt" || fail "the printed report has no title"
fi

step "RELAIS_DEMO_PORT on the taken port: no other port, and the reason"
if RELAIS_DEMO_PORT=$held demo; then fail "the demo ran with RELAIS_DEMO_PORT=$held taken"; fi
grep -q "relaisd cannot listen on tcp://127.0.0.1:$held" "$tmp/demo.out" || { cat "$tmp/demo.out" >&2; fail "no reason given"; }
grep -q 'Address already in use' "$tmp/demo.out" || fail "relaisd's own words are not shown"

stop_broker_clean
step "ok"
