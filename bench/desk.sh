#!/usr/bin/env bash
# desk.sh -- how fast the coordinator's desk is with COUNT cases in the store (issue #19), in headless
# Chromium: (a) a desk just started is ready (its feed caught up, as the list page's data-feed says),
# from the start of `relais desk`, RUNS desks; (b) on a ready desk, the work list's first row painted,
# from the start of a navigation to it (Element Timing), 2 x RUNS navigations; (c) the list open
# while a partner submits RATE referrals a second for SECONDS, three times: when each new record
# appears in the page's live feed, after its acknowledgement (median, p95, slowest). The cases are
# COUNT referrals of distinct children made from examples/referral-*.json and submitted through
# `relais submit` in batches; the live ones go through relais-desk-feeder, paced. Prints a table
# and one JSON line. Targets: (a) 5 s, (b) 500 ms, (c) 1 s.
# Run by hand (never as a test): bench/desk.sh [COUNT] [RUNS] [RATE] [SECONDS]
# The binaries: RELAIS_BIN_DIR (default build/release; `make release` builds relais-desk-feeder
# there). Needs what the browser tests need: Chromium, its driver, Selenium for Python.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
count=${1:-10000}
runs=${2:-5}
rate=${3:-100}
seconds=${4:-10}
bin=${RELAIS_BIN_DIR:-$src/build/release}
relais=$bin/agents/relais
relaisd=$bin/broker/relaisd
feeder=$bin/bench/relais-desk-feeder
[ -x "$relais" ] && [ -x "$relaisd" ] && [ -x "$feeder" ] ||
  { echo "build first: make release (or set RELAIS_BIN_DIR)" >&2; exit 2; }
python=$("$src/scripts/python-with" selenium || true)
[ -n "$python" ] || { echo "Selenium for Python is missing (Debian: python3-selenium; scripts/install-deps)" >&2; exit 2; }
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] ||
  { echo "Chromium is missing (Debian: chromium, chromium-driver; scripts/install-deps)" >&2; exit 2; }

# shellcheck source-path=SCRIPTDIR source=../tests/e2e/lib.sh
. "$src/tests/e2e/lib.sh"
e2e_init desk-bench
pki_broker
mkdir -p "$tmp/store" "$tmp/spool"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
start_broker_on_free_port

ms() { date +%s%3N; }
# Three live runs, each a partner's own referrals.
"$python" "$src/bench/desk_speed.py" generate --examples "$src/examples" --out "$tmp/refs" --count "$count" \
  --live $((3 * rate * seconds)) >/dev/null
t0=$(ms)
for partner in college-curie pmi-blagis cmp-sceaux; do
  find "$tmp/refs/load/$partner" -name '*.json' | sort | xargs -n 5000 env RELAIS_KEY="$tmp/pki/$partner/$partner.cert_secret" \
    RELAIS_SERVER_CERT="$tmp/pki/relais-hub/relais-hub.cert" RELAIS_SPOOL="$tmp/spool/$partner" \
    "$relais" submit --timeout 900 >"$tmp/acks-$partner.json" &
  bg_pids+=("$!")
done
for p in "${bg_pids[@]}"; do wait "$p" || fail "relais submit failed"; done
bg_pids=()
t1=$(ms)
acked=$(cat "$tmp"/acks-*.json | grep -c '"duplicate":false' || true)
[ "$acked" -eq "$count" ] || fail "$acked of $count referrals acknowledged as new"
echo "$count referrals loaded in $((t1 - t0)) ms (three relais submit at once, synced commits)" >&2

"$python" "$src/bench/desk_speed.py" measure --relais "$relais" --feeder "$feeder" --pki "$tmp/pki" --work "$tmp" \
  --runs "$runs" --navigations $((2 * runs)) --rate "$rate" --live-seconds "$seconds" --live-runs 3 \
  --loaded-per-s $((count * 1000 / (t1 - t0 > 0 ? t1 - t0 : 1))) || fail "the measurements (desk_speed.py)"
stop_broker_clean
