#!/usr/bin/env bash
# audit_watch.sh -- `relais audit watch` against a real hub: the first checkpoint kept, an unchanged
# log, a grown one that extends what was kept; then the same hub's key serving other stores, as a
# hub that rewrote its history would: fewer records, the same number with another root, more
# records that do not extend the kept tree. Each is an ALARM (exit 4) with the hub's note kept as
# evidence and the kept checkpoint left as it was; a hub that does not answer is exit 1, a kept
# note that is not the hub's a local error (2).
# usage: audit_watch.sh RELAIS RELAISD SOURCE_DIR
set -euo pipefail

relais=$1
relaisd=$2
src=$3
examples=$src/examples
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init audit-watch
pki_broker

watch() { # watch STATUS: relais audit watch as the town's auditor exits STATUS
  expect "$1" audit-ville audit watch --checkpoints "$tmp/kept"
}
said() { grep -qF -- "$1" "$tmp/$2" || { cat "$tmp/out" "$tmp/err" >&2; fail "expected in $2: $1"; }; }
# another_store N: the hub stopped, then started with the same key on a new store of N referrals,
# as a hub that rewrote its history would be.
another_store() {
  stop_broker_clean
  broker_store=$tmp/store-$1-$RANDOM
  mkdir -p "$broker_store"
  log_from=$(($(wc -l <"$tmp/broker.log") + 1))
  start_broker
  submit_referrals "$1"
  wait_checkpoint "$1"
}

mkdir -p "$tmp/store" "$tmp/spool"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
start_broker_on_free_port

step "the first run keeps the hub's latest checkpoint"
submit_referrals 3
wait_checkpoint 3
watch 0
said "first checkpoint kept: 3 records" out
[ "$(sed -n 2p "$tmp/kept/latest.note")" = 3 ] && [ -f "$tmp/kept/3.note" ] || fail "nothing kept: $(ls "$tmp/kept")"
[ "$(stat -c %a "$tmp/kept")" = 700 ] || fail "the folder is $(stat -c %a "$tmp/kept")"

step "an unchanged log, then a grown one that extends the kept tree"
watch 0
said "ok: the log has not grown: 3 records" out
submit_referrals 2
wait_checkpoint 5
watch 0
said "ok: the tree of 5 records extends the tree of 3 kept (2 more)" out
[ "$(sed -n 2p "$tmp/kept/latest.note")" = 5 ] && [ -f "$tmp/kept/5.note" ] || fail "size 5 not kept"
cp "$tmp/kept/latest.note" "$tmp/kept-5.note"

step "the hub's key on a store of 2 records: fewer than kept, an ALARM"
another_store 2
watch 4
said "ALARM: the hub's latest tree has 2 records, fewer than the 5 of the checkpoint kept" err
ls "$tmp/kept"/alarm-2-*.note >/dev/null 2>&1 || fail "no evidence kept: $(ls "$tmp/kept")"
cmp -s "$tmp/kept/latest.note" "$tmp/kept-5.note" || fail "the kept checkpoint was replaced"

step "the same number of records with another root: an ALARM"
another_store 5
watch 4
said "ALARM: the hub signed two different roots for the same 5 records" err

step "more records that do not extend the kept tree: an ALARM, again at the next run"
submit_referrals 2
wait_checkpoint 7
watch 4
said "ALARM: the hub's tree of 7 records does not extend the tree of 5 records kept" err
ls "$tmp/kept"/alarm-7-*.note >/dev/null 2>&1 || fail "no evidence of size 7"
grep -q "^7$" "$(ls "$tmp/kept"/alarm-7-*.note | head -1)" || fail "the evidence is not the hub's note of size 7"
watch 4
cmp -s "$tmp/kept/latest.note" "$tmp/kept-5.note" || fail "the kept checkpoint was replaced"

step "a hub that does not answer: exit 1; a kept note that is not the hub's: exit 2"
stop_broker_clean
watch 1
start_broker
sed -i '2s/.*/6/' "$tmp/kept/latest.note"
watch 2
said "is not a checkpoint signed by relais-hub's key" err

stop_broker_clean
echo "audit_watch: all checks passed"
