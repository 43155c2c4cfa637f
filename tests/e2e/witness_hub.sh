#!/usr/bin/env bash
# witness_hub.sh -- a hub and two witnesses on loopback (and a third that accepts connections and never
# answers): each new checkpoint cosigned by both and served with their cosignatures, checked by `relais
# audit watch --require-cosigners 2` and by openssl; a witness down costs its cosignature and a log line,
# never the intake, and its cosignatures come back when it does, and after the hub's restart. Then two
# hubs of one key on two stores, shown at once to two watchers (a split view): the witnesses refuse the
# second history, its watcher raises the alarm of missing cosignatures; and the hub restarted on another
# store (a rewritten history): refused by the witnesses, caught by the watchers.
# usage: witness_hub.sh RELAIS RELAISD SOURCE_DIR
set -euo pipefail

relais=$1
relaisd=$2
src=$3
examples=$src/examples
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init witness-hub
pki_broker
w=$tmp/w
declare -A witness_pid witness_url
hub_b_pid=
stop_all() {
  local n
  for n in "${!witness_pid[@]}"; do stop_witness "$n"; done
  [ -z "$hub_b_pid" ] || { kill -TERM "$hub_b_pid" 2>/dev/null || true; wait "$hub_b_pid" 2>/dev/null || true; }
}
on_cleanup=stop_all

# start_witness NAME [PORT]: relais witness NAME, on PORT or a free one; witness_url[NAME] its address.
start_witness() {
  local name=$1 url
  "$relais" witness --key "$w/$name.cert_secret" --state "$tmp/state-$name" --log-cert "$tmp/pki/registry/relais-hub.cert" \
    --listen "127.0.0.1:${2:-0}" >"$tmp/witness-$name.out" 2>>"$tmp/witness-$name.log" &
  witness_pid[$name]=$!
  for _ in $(seq 100); do
    url=$(sed -n 's/.* listening at \(http:.*\)$/\1/p' "$tmp/witness-$name.out")
    if [ -n "$url" ]; then
      witness_url[$name]=$url
      return 0
    fi
    kill -0 "${witness_pid[$name]}" 2>/dev/null || fail "relais witness $name exited: $(cat "$tmp/witness-$name.log")"
    sleep 0.1
  done
  fail "relais witness $name did not start"
}
stop_witness() {
  [ -n "${witness_pid[$1]:-}" ] || return 0
  kill -TERM "${witness_pid[$1]}" 2>/dev/null || true
  wait "${witness_pid[$1]}" 2>/dev/null || true
  witness_pid[$1]=
}
# in_log FILE FROM TEXT [TENTHS]: TEXT appears in FILE from line FROM on within TENTHS tenths of a second (100).
in_log() {
  for _ in $(seq "${4:-100}"); do
    tail -n +"$2" "$1" | grep -qF -- "$3" && return 0
    sleep 0.1
  done
  fail "not in $(basename "$1") within $((${4:-100} / 10)) s: $3 (last lines: $(tail -3 "$1"))"
}
cosigned() { # cosigned WITNESS SIZE: the hub (its log from $log_from) got WITNESS's cosignature of SIZE
  in_log "$tmp/broker.log" "$log_from" "event=witness-cosigned witness=$1 size=$2 " "${3:-100}"
}
# watch DIR STATUS [FLAG...]: relais audit watch as the town's auditor, both witnesses trusted, exits STATUS.
watch() {
  local dir=$1 status=$2
  shift 2
  expect "$status" audit-ville audit watch --checkpoints "$tmp/$dir" --witness-cert "$w/witness-a.cert" \
    --witness-cert "$w/witness-b.cert" --cosign-wait 2 "$@"
}
said() { grep -qF -- "$1" "$tmp/$2" || { cat "$tmp/out" "$tmp/err" >&2; fail "expected in $2: $1"; }; }

mkdir -p "$tmp/store" "$tmp/spool"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
for n in witness-a witness-b witness-c; do "$relais" keygen "$n" --role witness --out "$w" >/dev/null; done
start_witness witness-a
start_witness witness-b
port_b=${witness_url[witness-b]##*:}
port_b=${port_b%%/*}
# witness-c: a server that accepts connections and never answers, as a witness hung would.
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
held = []
while True:
    held.append(s.accept())
' >"$tmp/hung.port" &
bg_pids+=($!)
for _ in $(seq 50); do [ -s "$tmp/hung.port" ] && break; sleep 0.1; done
witness_flags=(--witness "${witness_url[witness-a]},$w/witness-a.cert" --witness "${witness_url[witness-b]},$w/witness-b.cert"
  --witness "http://127.0.0.1:$(cat "$tmp/hung.port")/add-checkpoint,$w/witness-c.cert")
broker_args=("${witness_flags[@]}")

step "relaisd refuses a witness that is no witness's certificate"
expect_exit 2 "$relaisd" --endpoint tcp://127.0.0.1:1 --store "$tmp/store-x" --certs "$broker_certs" --key "$broker_key" \
  --data-key "$broker_data_key" --witness "${witness_url[witness-a]},$tmp/pki/registry/audit-ville.cert"
grep -qF "not a witness's" "$tmp/err" || fail "$(cat "$tmp/err")"
start_broker_on_free_port

step "each new checkpoint is cosigned by both witnesses and served with their cosignatures"
submit_referrals 3
wait_checkpoint 3
cosigned witness-a 3
cosigned witness-b 3
expect 0 audit-ville audit checkpoint
cp "$tmp/out" "$tmp/3.note"
cat "$tmp/3.note"
said "2 cosignature line(s) on this checkpoint of 3" err
[ "$(grep -c '^— witness-' "$tmp/3.note")" = 2 ] || fail "not two cosignature lines"
openssl_cosig "$tmp/3.note" "$(grep '^— witness-a ' "$tmp/3.note")" "$w/witness-a.cert"
openssl_cosig "$tmp/3.note" "$(grep '^— witness-b ' "$tmp/3.note")" "$w/witness-b.cert"
# the checkpoint asked by its size is the hub's note alone, the same bytes as offline
expect 0 audit-ville audit checkpoint --size 3
grep -q '^— witness-' "$tmp/out" && fail "a checkpoint asked by size carries cosignatures"
watch kept1 0 --require-cosigners 2
said "cosigned by 2 of the trusted witnesses (witness-a, witness-b), 2 required" out
said "first checkpoint kept: 3 records, relais/relais-hub, as its witnesses saw it" out
[ "$(grep -c '^— witness-' "$tmp/kept1/latest.note")" = 2 ] || fail "the kept note lost its cosignatures"
in_log "$tmp/broker.log" 1 "event=witness-unreachable witness=witness-c" 200

step "a witness down: the hub goes on, says how old its newest cosignature is; the watcher's alarm"
stop_witness witness-b
started=$(date +%s%N)
submit_referrals 2
elapsed_ms=$((($(date +%s%N) - started) / 1000000))
[ "$elapsed_ms" -lt 5000 ] || fail "two referrals took $elapsed_ms ms with a witness down and one hung"
wait_checkpoint 5
cosigned witness-a 5
in_log "$tmp/broker.log" 1 "event=witness-unreachable witness=witness-b status=0 size=5"
grep 'event=witness-unreachable witness=witness-b' "$tmp/broker.log" | tail -1 | grep -q 'newest_cosignature_age_s=[0-9]' ||
  fail "the refusal's log line does not say the newest cosignature's age"
watch kept1 4 --require-cosigners 2
said "ALARM: missing cosignatures: the hub's checkpoint of 5 records carries 1 valid cosignature(s) of the trusted witnesses (witness-a), 2 required" err
said "the hub's newest cosignature, of 5 records, came" err
[ "$(sed -n 2p "$tmp/kept1/latest.note")" = 3 ] || fail "an unwitnessed checkpoint was kept"
watch kept1 0 --require-cosigners 1
said "ok: the tree of 5 records extends the tree of 3 kept (2 more)" out

step "the witness back: its cosignature comes back (the hub retries), then after the hub's restart"
start_witness witness-b "$port_b"
cosigned witness-b 5 400
watch kept1 0 --require-cosigners 2
said "ok: the log has not grown: 5 records" out
stop_broker_clean
log_from=$(($(wc -l <"$tmp/broker.log") + 1))
start_broker
cosigned witness-a 5
cosigned witness-b 5
in_log "$tmp/broker.log" "$log_from" "event=witness-cosigned witness=witness-a size=5 old=5"
watch kept1 0 --require-cosigners 2

step "a split view: the hub's key on a second store shows another history to a second watcher"
port_a=$port
port=$(pick_port)
"$relaisd" --endpoint "tcp://127.0.0.1:$port" --store "$tmp/store-b" --certs "$broker_certs" --key "$broker_key" \
  --data-key "$broker_data_key" --checkpoint-interval 1 "${witness_flags[@]}" 2>>"$tmp/broker-b.log" &
hub_b_pid=$!
in_log "$tmp/broker-b.log" 1 "event=listening"
submit_referrals 5
in_log "$tmp/broker-b.log" 1 "event=checkpoint size=5 "
in_log "$tmp/broker-b.log" 1 "event=witness-refused witness=witness-a status=409 size=5 old=5" 400
in_log "$tmp/broker-b.log" 1 "event=witness-refused witness=witness-b status=409 size=5 old=5" 400
grep -q "another root for the size this witness cosigned" "$tmp/broker-b.log" || fail "the refusal's reason"
watch kept2 4 --require-cosigners 2
said "ALARM: missing cosignatures: the hub's checkpoint of 5 records carries 0 valid cosignature(s)" err
said "a split view" err
ls "$tmp/kept2"/alarm-5-*.note >/dev/null 2>&1 || fail "no evidence kept by the second watcher"
[ ! -e "$tmp/kept2/latest.note" ] || fail "the second watcher kept an unwitnessed first checkpoint"
port=$port_a
watch kept1 0 --require-cosigners 2
[ "$(sed -n 3p "$tmp/kept1/latest.note")" != "$(sed -n 3p "$(ls "$tmp/kept2"/alarm-5-*.note | head -1)")" ] ||
  fail "the two watchers were shown the same root"
ls "$tmp/state-witness-a"/refused-relais%2Frelais-hub-5-*.body >/dev/null || fail "witness-a kept no evidence"
kill -TERM "$hub_b_pid"
wait "$hub_b_pid" || fail "the second hub did not stop cleanly"
hub_b_pid=

step "a rewritten history: the hub restarted on another store of 7 records"
stop_broker_clean
broker_store=$tmp/store-c
mkdir -p "$broker_store"
log_from=$(($(wc -l <"$tmp/broker.log") + 1))
start_broker
submit_referrals 7
wait_checkpoint 7
in_log "$tmp/broker.log" "$log_from" "event=witness-refused witness=witness-a status=422 size=7 old=5" 400
in_log "$tmp/broker.log" "$log_from" "event=witness-refused witness=witness-b status=422 size=7 old=5" 400
watch kept1 4 --require-cosigners 2
said "ALARM: the hub's tree of 7 records does not extend the tree of 5 records kept" err
watch kept3 4 --require-cosigners 2
said "ALARM: missing cosignatures: the hub's checkpoint of 7 records carries 0 valid cosignature(s)" err
# the witnesses still hold the history they cosigned
[ "$(sed -n 2p "$tmp/state-witness-a/relais%2Frelais-hub.note")" = 5 ] || fail "witness-a moved"

stop_broker_clean
echo "witness_hub: all checks passed"
