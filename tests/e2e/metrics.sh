#!/usr/bin/env bash
# metrics.sh -- `relaisd --metrics` and `relais agent --metrics` against a real hub and a real agent:
# an address off the loopback refused at start; referrals sent through the agent (some accepted, one
# refused NO_CONSENT) and a coordinator's move; two feeds; then GET /metrics read by the Prometheus
# client's own parser: the acknowledged and refused counters by code and role equal what was sent,
# the commit histogram's count equals the commits the log reports, the checkpoint is recent, the
# registry counts make-pki's identities by role; anything but /metrics is 404; the agent's metrics
# parse and its spool depth follows the hub being stopped and started.
# usage: metrics.sh RELAIS RELAISD SOURCE_DIR
set -euo pipefail

relais=$1
relaisd=$2
src=$3
examples=$src/examples
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init metrics
pki_broker
python=$("$src/scripts/python-with" prometheus_client) ||
  fail "no python3 with prometheus_client (Debian: python3-prometheus-client; scripts/install-deps installs it)"

mkdir -p "$tmp/store" "$tmp/spool"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
head -c 32 /dev/urandom | base64 >"$tmp/token"
chmod 600 "$tmp/token"
token=$(cat "$tmp/token")

# scrape URL NAME: GET URL into $tmp/NAME.txt, parsed into $tmp/NAME (one "name labels value" a line).
scrape() {
  local code
  code=$(curl -s -o "$tmp/$2.txt" -D "$tmp/$2.headers" -w '%{http_code}' "$1") || fail "GET $1: curl failed"
  [ "$code" = 200 ] || fail "GET $1: $code"
  grep -qi '^Content-Type: text/plain; version=0.0.4' "$tmp/$2.headers" || fail "GET $1: $(cat "$tmp/$2.headers")"
  "$python" "$src/tests/e2e/metrics_parse.py" "$tmp/$2.txt" >"$tmp/$2" || fail "the page of $1 does not parse"
}
# value FILE NAME [LABELS]: a sample's value ("" when absent).
value() { awk -v n="$2" -v l="${3:--}" '$1 == n && $2 == l { print $3 }' "$1"; }
# total FILE NAME: the sum of a metric's samples, whatever their labels.
total() { awk -v n="$2" '$1 == n { s += $3 } END { print s + 0 }' "$1"; }
# want FILE NAME LABELS EXPECTED
want() {
  local got
  got=$(value "$1" "$2" "$3")
  [ "$got" = "$4" ] || fail "$2{$3} is '$got', expected $4 ($(grep "^$2 " "$1" | tr '\n' ';'))"
}

step "--metrics off the loopback is refused at start, before the store is touched"
expect_exit 2 "$relaisd" --endpoint "tcp://127.0.0.1:$(pick_port)" --store "$tmp/never" --certs "$broker_certs" \
  --key "$broker_key" --data-key "$broker_data_key" --metrics 0.0.0.0:1
grep -q -- "--metrics: relaisd listens on 127.0.0.1 only" "$tmp/err" || fail "no sentence: $(cat "$tmp/err")"
[ ! -e "$tmp/never" ] || fail "the refused start made a store"
expect_exit 2 "$relaisd" --endpoint "tcp://127.0.0.1:$(pick_port)" --store "$tmp/never" --certs "$broker_certs" \
  --key "$broker_key" --data-key "$broker_data_key" --metrics 127.0.0.1
grep -q -- "--metrics: expected 127.0.0.1:PORT" "$tmp/err" || fail "no sentence: $(cat "$tmp/err")"

step "relaisd with --metrics: one URL in its log, 404 off /metrics"
broker_args=(--metrics 127.0.0.1:0)
start_broker_on_free_port
hub_metrics() { sed -n 's/.* event=metrics url=\(http:[^ ]*\).*/\1/p' "$tmp/broker.log" | tail -1; }
url=$(hub_metrics)
[ -n "$url" ] || fail "no event=metrics in the log"
[ "$(curl -s -o /dev/null -w '%{http_code}' "${url%/metrics}/")" = 404 ] || fail "GET / is not 404"
[ "$(curl -s -o /dev/null -w '%{http_code}' "${url}x")" = 404 ] || fail "GET /metricsx is not 404"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url")" = 405 ] || fail "POST /metrics is not 405"

step "the agent with --metrics off the loopback is refused; with it on the loopback it starts"
on_cleanup=stop_agent_quietly
expect 2 college-curie agent --state "$tmp/state" --token-file "$tmp/token" --metrics 0.0.0.0:0
grep -q -- "--metrics: the agent listens on 127.0.0.1 only" "$tmp/err" || fail "no sentence: $(cat "$tmp/err")"
RELAIS_KEY=$tmp/pki/college-curie/college-curie.cert_secret RELAIS_SERVER_CERT=$tmp/pki/relais-hub/relais-hub.cert \
  "$relais" agent --state "$tmp/state" --token-file "$tmp/token" --metrics 127.0.0.1:0 \
  --unreachable-log-seconds 2 >"$tmp/agent.out" 2>>"$tmp/agent.log" &
agent_pid=$!
for _ in $(seq 100); do
  agent=$(sed -n 's/^relais agent: .* listening at \(http:[^ ]*\)$/\1/p' "$tmp/agent.out")
  agent_url=$(sed -n 's/^relais agent: metrics at \(http:[^ ]*\)$/\1/p' "$tmp/agent.out")
  [ -n "$agent" ] && [ -n "$agent_url" ] && break
  kill -0 "$agent_pid" 2>/dev/null || fail "the agent did not start: $(tail -5 "$tmp/agent.log")"
  sleep 0.1
done
[ -n "$agent_url" ] || fail "the agent did not say its metrics' address: $(cat "$tmp/agent.out")"
# post FILE: POST /referrals, and the message id it was given.
post() {
  local code
  code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $token" --data-binary @"$1" \
    "$agent/referrals")
  [ "$code" = 202 ] || fail "POST /referrals: $code $(cat "$tmp/body")"
  field msg_id "$(cat "$tmp/body")"
}
# wait_message ID STATUS
wait_message() {
  for _ in $(seq 300); do
    curl -s -o "$tmp/body" -H "Authorization: Bearer $token" "$agent/messages/$1"
    [ "$(field status "$(cat "$tmp/body")")" = "$2" ] && return 0
    sleep 0.1
  done
  fail "message $1 is not $2: $(cat "$tmp/body")"
}

step "three referrals accepted and one refused NO_CONSENT through the agent; a coordinator's move"
for i in 1 2 3; do
  sed -e "s/\"external_ref\": \"[^\"]*\"/\"external_ref\": \"METRICS-$i\"/" \
    -e "s/\"family_name\": \"Benali\"/\"family_name\": \"Mesure$i\"/" \
    "$examples/referral-college-marie-curie.json" >"$tmp/r$i.json"
  wait_message "$(post "$tmp/r$i.json")" acknowledged
done
handle=$(field handle "$(cat "$tmp/body")")
wait_message "$(post "$examples/invalid-no-consent.json")" refused
[ "$(field error "$(cat "$tmp/body")")" = NO_CONSENT ] || fail "refused: $(cat "$tmp/body")"
lina=$(case_of "$handle")
expect 0 coordination case update "$lina" triage --from submitted

step "a coordinator's feed beside the agent's"
RELAIS_KEY=$tmp/pki/coordination/coordination.cert_secret RELAIS_SERVER_CERT=$tmp/pki/relais-hub/relais-hub.cert \
  "$relais" feed --follow --json >"$tmp/feed.out" 2>"$tmp/feed.err" &
bg_pids+=($!)
for _ in $(seq 100); do [ "$(grep -c 'event=feed-start' "$tmp/broker.log")" -ge 2 ] && break; sleep 0.1; done
[ "$(grep -c 'event=feed-start' "$tmp/broker.log")" -ge 2 ] || fail "two feeds did not start"

step "GET /metrics, read by the Prometheus parser: what was sent, as counted"
# The writer counts a commit just before its log line goes out: read both until they agree.
for _ in $(seq 50); do
  scrape "$url" hub
  commits=$(grep -c ' event=commit ' "$tmp/broker.log")
  [ "$(value "$tmp/hub" relais_commit_duration_seconds_count)" = "$commits" ] &&
    [ "$(value "$tmp/hub" relais_feed_lag_records_max)" = 0 ] && break
  sleep 0.2
done
want "$tmp/hub" relais_commit_duration_seconds_count - "$commits"
want "$tmp/hub" relais_commit_batch_records_count - "$commits"
want "$tmp/hub" relais_commit_duration_seconds_bucket le=+Inf "$commits"
want "$tmp/hub" relais_messages_acknowledged_total role=partner 3
want "$tmp/hub" relais_messages_acknowledged_total role=coordinator 1
[ "$(total "$tmp/hub" relais_messages_acknowledged_total)" = 4 ] || fail "acknowledged: $(grep acknowledged "$tmp/hub")"
acks=$(grep -c ' event=ack ' "$tmp/broker.log")
[ "$acks" = 4 ] || fail "the log has $acks acks, not 4"
want "$tmp/hub" relais_requests_refused_total code=NO_CONSENT,role=partner 1
[ "$(total "$tmp/hub" relais_requests_refused_total)" = 1 ] || fail "refused: $(grep refused "$tmp/hub")"
want "$tmp/hub" relais_feed_subscribers - 2
want "$tmp/hub" relais_feed_lag_records_max - 0

step "the store, the checkpoint, the registry, the connections, the memory"
head=$(value "$tmp/hub" relais_log_records)
[ "${head:-0}" -gt 4 ] || fail "the log's records: '$head'"
map=$(value "$tmp/hub" relais_store_map_size_bytes)
used=$(value "$tmp/hub" relais_store_used_bytes)
[ "$map" -gt "$used" ] && [ "$used" -gt 0 ] || fail "the store: map $map used $used"
want "$tmp/hub" relais_store_free_bytes - $((map - used))
for _ in $(seq 50); do
  scrape "$url" hub
  [ "$(value "$tmp/hub" relais_checkpoint_size_records)" = "$(value "$tmp/hub" relais_log_records)" ] && break
  sleep 0.2
done
want "$tmp/hub" relais_checkpoint_size_records - "$(value "$tmp/hub" relais_log_records)"
"$python" -c 'import sys; sys.exit(0 if 0 <= float(sys.argv[1]) < 5 else 1)' \
  "$(value "$tmp/hub" relais_checkpoint_age_seconds)" ||
  fail "the checkpoint's age: $(value "$tmp/hub" relais_checkpoint_age_seconds)"
for role in broker partner coordinator auditor dpo reception publisher witness; do
  n=$(grep -lE "^[[:space:]]*role[[:space:]]*=[[:space:]]*\"?$role\"?[[:space:]]*$" "$tmp/pki/registry/"*.cert | wc -l || true)
  want "$tmp/hub" relais_registry_identities "role=$role" "$n"
done
[ "$(total "$tmp/hub" relais_registry_identities)" = "$(ls "$tmp/pki/registry/"*.cert | wc -l)" ] ||
  fail "the registry: $(grep registry "$tmp/hub")"
connections=$(value "$tmp/hub" relais_connections)
[ "$connections" -ge 3 ] || fail "connections open: $connections (the agent's two and the feed's at least)"
[ "$(value "$tmp/hub" relais_connections_accepted_total)" -ge "$connections" ] || fail "accepted < open"
[ "$(value "$tmp/hub" relais_process_resident_memory_bytes)" -gt 1000000 ] || fail "the resident memory"

step "the agent's metrics: nothing waits, the last acknowledgement is recent"
scrape "$agent_url" agent
want "$tmp/agent" relais_agent_spool_messages - 0
want "$tmp/agent" relais_agent_hub_reachable - 1
"$python" -c 'import sys, time; sys.exit(0 if time.time() - 120 < float(sys.argv[1]) <= time.time() else 1)' \
  "$(value "$tmp/agent" relais_agent_last_ack_timestamp_seconds)" ||
  fail "the last acknowledgement: $(value "$tmp/agent" relais_agent_last_ack_timestamp_seconds)"
[ "$(curl -s -o /dev/null -w '%{http_code}' "${agent_url%/metrics}/status")" = 404 ] ||
  fail "the agent's metrics port serves more than /metrics"

step "the hub stops: the agent's spool depth grows; the hub is back: it empties"
stop_broker_clean
for i in 4 5; do
  sed -e "s/\"external_ref\": \"[^\"]*\"/\"external_ref\": \"METRICS-$i\"/" \
    -e "s/\"family_name\": \"Benali\"/\"family_name\": \"Mesure$i\"/" \
    "$examples/referral-college-marie-curie.json" >"$tmp/r$i.json"
  post "$tmp/r$i.json" >/dev/null
done
for _ in $(seq 100); do
  scrape "$agent_url" agent
  [ "$(value "$tmp/agent" relais_agent_spool_messages)" = 2 ] && [ "$(value "$tmp/agent" relais_agent_hub_reachable)" = 0 ] &&
    break
  sleep 0.1
done
want "$tmp/agent" relais_agent_spool_messages - 2
want "$tmp/agent" relais_agent_hub_reachable - 0
[ -n "$(value "$tmp/agent" relais_agent_spool_oldest_age_seconds)" ] || fail "no oldest age"
start_broker || fail "the hub did not restart on its port"
url=$(hub_metrics)
for _ in $(seq 300); do
  scrape "$agent_url" agent
  [ "$(value "$tmp/agent" relais_agent_spool_messages)" = 0 ] && break
  sleep 0.1
done
want "$tmp/agent" relais_agent_spool_messages - 0
want "$tmp/agent" relais_agent_spool_oldest_age_seconds - 0
scrape "$url" hub
want "$tmp/hub" relais_messages_acknowledged_total role=partner 2

stop_agent
stop_broker_clean
echo "metrics: all checks passed"
