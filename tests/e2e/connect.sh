#!/usr/bin/env bash
# connect.sh -- each way of not reaching the hub gets its own sentence, saying what to check.
# usage: connect.sh RELAIS RELAISD FAKE_HUB
#
# `relais ping` (and `relais submit`, the same words) against: an endpoint without tcp:// (taken
# as tcp://), endpoints that are not endpoints, a host name that does not resolve, a port nobody
# listens on, a hub whose certificate is not --server-cert, a server that is not a hub, a hub
# that is stopped (SIGSTOP: the kernel still accepts the connection), a hub that completes the
# handshake and never answers, and a hub that refuses our key.
# Needs bash, coreutils, grep and sed. 127.0.0.1 only.
set -euo pipefail

relais=$1
relaisd=$2
fake_hub=$3
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init connect

make_pki relaisd:broker college-curie:partner other-hub:broker
"$relais" keygen intrus --role partner --out "$tmp/outsider" >/dev/null
rm "$tmp/registry/other-hub.cert"
start_broker_on_free_port
export RELAIS_KEY="$tmp/keys/college-curie.cert_secret" RELAIS_SERVER_CERT="$tmp/keys/relaisd.cert"
export HOME="$tmp/home"

# ping_says STATUS TEXT [ENV...]: `relais ping --timeout 2` exits STATUS with TEXT on stderr.
ping_says() {
  local want=$1 text=$2
  shift 2
  expect_exit "$want" env "$@" "$relais" ping --timeout 2
  grep -qF -- "$text" "$tmp/err" || fail "ping ($*): wanted \"$text\", got: $(cat "$tmp/err")"
  printf '   %s\n' "$(head -1 "$tmp/err")"
}
# fake NAME MODE [ARG]: starts fake_hub MODE on a free port, in $fake_port; its pid in bg_pids.
fake() {
  local mode=$1
  shift
  for _ in $(seq 5); do
    fake_port=$(pick_port) || fail "no free port"
    "$fake_hub" "$mode" "$fake_port" "$@" >"$tmp/fake.out" 2>"$tmp/fake.err" &
    fake_pid=$!
    bg_pids+=("$fake_pid")
    for _ in $(seq 50); do
      grep -q listening "$tmp/fake.out" && return 0
      kill -0 "$fake_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$fake_pid" 2>/dev/null || true
  done
  fail "fake_hub $mode did not start: $(cat "$tmp/fake.err")"
}

step "the endpoint: HOST:PORT is taken as tcp://, the rest says what it expects"
expect_exit 0 env RELAIS_ENDPOINT="127.0.0.1:$port" "$relais" ping --timeout 10
grep -q "answered college-curie" "$tmp/out" || fail "HOST:PORT: $(cat "$tmp/out" "$tmp/err")"
for bad in "tcp://127.0.0.1" "http://127.0.0.1:$port" "tcp://*:$port" "tcp://::1:$port" "127.0.0.1:99999" "tcp://host name:1"; do
  ping_says 2 "expected tcp://HOST:PORT, e.g. tcp://hub.example:7100" RELAIS_ENDPOINT="$bad"
done
grep -q 'Invalid argument' "$tmp/err" && fail "zmq's own words came through"

step "a host name that does not resolve"
# A resolver that answers says so at once (exit 2); one that cannot be reached is told apart later.
rc=0
env RELAIS_ENDPOINT="tcp://no-such-host.invalid:7100" "$relais" ping --timeout 2 >"$tmp/out" 2>"$tmp/err" || rc=$?
if [ "$rc" -eq 2 ]; then
  grep -q "the host name 'no-such-host.invalid' does not resolve" "$tmp/err" || fail "unknown host: $(cat "$tmp/err")"
else
  [ "$rc" -eq 1 ] && grep -q "the host name 'no-such-host.invalid' could not be looked up" "$tmp/err" ||
    fail "unknown host (exit $rc): $(cat "$tmp/err")"
fi
printf '   %s\n' "$(head -1 "$tmp/err")"

step "nothing listens on the port"
ping_says 1 "nothing accepts connections at tcp://127.0.0.1:" RELAIS_ENDPOINT="tcp://127.0.0.1:$(pick_port)"

step "a hub whose certificate is not --server-cert"
ping_says 1 "most likely --server-cert is not this hub's certificate" RELAIS_SERVER_CERT="$tmp/keys/other-hub.cert"

step "a server that is not a hub"
fake not-zmtp
ping_says 1 "is not a relais hub: it closed the connection without a ZMTP handshake; check the port" \
  RELAIS_ENDPOINT="tcp://127.0.0.1:$fake_port"
kill "$fake_pid"

step "a hub that is stopped"
kill -STOP "$broker_pid"
ping_says 1 "accepted the connection but no CURVE handshake completed in time" 
kill -CONT "$broker_pid"

step "a hub that takes the connection and never answers"
fake mute "$tmp/keys/relaisd.cert_secret"
ping_says 1 "it takes our connections but did not answer" RELAIS_ENDPOINT="tcp://127.0.0.1:$fake_port"
printf '{"referral": {"child": {"family_name": "A", "given_names": ["B"], "birth_date": "2015-01-01"}}}' >"$tmp/r.json"
expect_exit 3 env RELAIS_ENDPOINT="tcp://127.0.0.1:$fake_port" "$relais" submit --spool "$tmp/spool" --timeout 2 \
  "$tmp/r.json"
grep -q "it takes our connections but did not answer" "$tmp/err" || fail "submit: $(cat "$tmp/err")"
kill "$fake_pid"

step "a hub that refuses our key"
ping_says 1 "does not accept intrus" RELAIS_KEY="$tmp/outsider/intrus.cert_secret"
expect_exit 1 env RELAIS_KEY="$tmp/outsider/intrus.cert_secret" "$relais" submit --spool "$tmp/spool-x" --timeout 2 \
  "$tmp/r.json"
grep -q "refused our key at the handshake (is intrus in its registry?)" "$tmp/err" || fail "submit: $(cat "$tmp/err")"

step "and the hub, after all that, answers"
expect_exit 0 "$relais" ping --timeout 10
stop_broker_clean
echo "connect: all passed"
