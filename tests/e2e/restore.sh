#!/usr/bin/env bash
# restore.sh -- the daily backup put back after the store is lost, as docs/operations.md ("Backups and restore")
# tells a town's IT department to do it. A hub runs; referrals are acknowledged and an auditor keeps a checkpoint;
# `relais audit snapshot` is taken; more referrals are acknowledged and a second auditor keeps a checkpoint of them;
# the hub stops and its store is deleted. The snapshot folder is copied as the store folder (0700, files 0600) and
# relaisd starts on it with the same data key: it goes on with the sequence number after the snapshot's last, signs
# checkpoints that extend the one kept before the snapshot (checked with the hub's certificate alone), the audit
# with the data key passes, the cases made before the snapshot replay and those acknowledged after it are gone;
# the checkpoint kept after the snapshot is then ahead of the log, then inconsistent with its new history, which
# `relais audit watch` raises as an alarm. Then the same after the data key was rotated between the snapshot and
# the loss: the live key is refused without a change; without the retired generation nothing can be done; with it,
# exported from the backup-key store, the hub starts, makes again the moves of its retention sweep that the lost log
# had made, rotates again, and its log extends the checkpoint kept before that snapshot. That generation is then
# twice in the backup-key store (retired before the loss and again after the restore): `datakey destroy` takes both.
# usage: restore.sh RELAIS RELAISD SOURCE_DIR
set -euo pipefail

relais=$1
relaisd=$2
src=$3
examples=$src/examples
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init restore
pki_broker
hub_cert=$tmp/pki/registry/relais-hub.cert
retired=$tmp/pki/relais-hub/retired
clock=$tmp/clock
day=$((24 * 3600 * 1000))

# snapshot DIR: the daily backup; $snap_size is the size of its log, $snap_gen the data key generation it is under.
snapshot() {
  expect_exit 0 "$relais" audit snapshot --store "$tmp/store" --out "$1"
  snap_size=$(sed -n 's/^snapshot: \([0-9]*\) records.*/\1/p' "$tmp/out")
  snap_gen=$(sed -n 's/^sealed under data key generation \([0-9]*\):.*/\1/p' "$tmp/out")
  [ -n "$snap_size" ] && [ -n "$snap_gen" ] || fail "audit snapshot said: $(cat "$tmp/out")"
}
# keep NAME: an auditor keeps the hub's latest checkpoint as $tmp/kept/NAME.note.
keep() {
  expect 0 audit-ville audit checkpoint
  cp "$tmp/out" "$tmp/kept/$1.note"
}
# restore_store DIR: the procedure of docs/operations.md: the snapshot folder (the log, and its index/ folder)
# becomes the store folder, folders 0700 and files 0600.
restore_store() {
  rm -rf "$tmp/store"
  cp -r "$1" "$tmp/store"
  find "$tmp/store" -type d -exec chmod 0700 {} +
  find "$tmp/store" -type f -exec chmod 0600 {} +
}
# consistent OLD_NOTE: the hub's latest checkpoint now extends OLD_NOTE, checked with the hub's certificate alone.
consistent() {
  local old_size
  old_size=$(sed -n 2p "$1")
  keep now
  expect 0 audit-ville audit consistency "$old_size" "$(sed -n 2p "$tmp/kept/now.note")"
  cp "$tmp/out" "$tmp/proof.json"
  expect_exit 0 "$relais" audit check-consistency "$tmp/proof.json" --old "$1" --new "$tmp/kept/now.note" \
    --broker-cert "$hub_cert"
  grep -q "^ok: the tree of size $(sed -n 2p "$tmp/kept/now.note") extends the tree of size $old_size" "$tmp/out" ||
    fail "check-consistency said: $(cat "$tmp/out")"
  echo "   $(cat "$tmp/out")"
}
# family_of CASE: the child's family name on the coordinator's page of CASE.
family_of() {
  expect 0 coordination case show "$1" --json
  grep -o '"family_name": *"[^"]*"' "$tmp/out" | head -1 | sed 's/.*"\([^"]*\)"$/\1/'
}

mkdir -p "$tmp/store" "$tmp/spool" "$tmp/kept" "$tmp/backups"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
t0=$(($(date +%s) * 1000))
set_clock "$t0"
broker_args=(--sweep-clock "$clock" --sweep-interval 1)
start_broker_on_free_port

step "the hub runs: three referrals acknowledged; auditor A keeps the checkpoint"
submit_referrals 3
wait_checkpoint "$head"
keep before
[ "$(sed -n 2p "$tmp/kept/before.note")" = 3 ] || fail "the kept checkpoint is not of size 3: $(cat "$tmp/kept/before.note")"
mkdir "$tmp/watch-a" "$tmp/watch-b"
expect 0 audit-ville audit watch --checkpoints "$tmp/watch-a"

step "the daily backup: relais audit snapshot"
snapshot "$tmp/backups/day1"
sed 's/^/   /' "$tmp/out"
[ "$snap_size" = 3 ] && [ "$snap_gen" = 1 ] || fail "a snapshot of $snap_size records under generation $snap_gen"
day1_size=$snap_size

step "after the backup: two more referrals acknowledged; auditor B keeps their checkpoint"
submit_referrals 2
[ "$head" = 5 ] || fail "the log has $head records, expected 5"
wait_checkpoint 5
keep after
expect 0 audit-ville audit watch --checkpoints "$tmp/watch-b"
lost_family=Essai4 # the child of record 4, acknowledged after the snapshot (Essai5 of record 5 too)

step "the hub stops and its store is lost"
stop_broker_clean
rm -rf "$tmp/store"

step "the snapshot restored as the store folder (0700, files 0600); relaisd starts on it with the same data key"
restore_store "$tmp/backups/day1"
[ -f "$tmp/store/data.mdb" ] && [ -f "$tmp/store/index/data.mdb" ] || fail "the snapshot is not a store: $(ls -R "$tmp/store")"
[ -z "$(find "$tmp/store" -type d ! -perm 0700)" ] || fail "a folder of the store is not 0700"
[ -z "$(find "$tmp/store" -type f ! -perm 0600)" ] || fail "a file of the store is not 0600: $(ls -l "$tmp/store")"
log_from=$(($(wc -l <"$tmp/broker.log") + 1))
start_broker_on_free_port
tail -n +"$log_from" "$tmp/broker.log" | grep -q 'event=data-key generation=1' ||
  fail "relaisd did not open the restored store's keys: $(tail -n +"$log_from" "$tmp/broker.log")"

step "the hub goes on with the sequence number after the snapshot's last"
submit_referrals 1
[ "$head" = $((day1_size + 1)) ] || fail "the next acknowledged message is record $head, not $((day1_size + 1))"
echo "   the snapshot held $day1_size records; the next message acknowledged is record $head"
wait_checkpoint "$head"

step "its new checkpoint extends the one auditor A kept before the snapshot"
consistent "$tmp/kept/before.note"
expect 0 audit-ville audit watch --checkpoints "$tmp/watch-a"

step "auditor B's checkpoint, kept after the snapshot, is ahead of the restored log"
refused MALFORMED audit-ville audit checkpoint --size 5
grep -q "the hub signed no checkpoint of size 5" "$tmp/err" || fail "audit checkpoint --size 5: $(cat "$tmp/err")"
refused MALFORMED audit-ville audit consistency 3 5
expect 4 audit-ville audit watch --checkpoints "$tmp/watch-b"
grep -q ALARM "$tmp/out" "$tmp/err" || fail "audit watch raised no alarm: $(cat "$tmp/out" "$tmp/err")"
echo "   $(grep -h ALARM "$tmp/out" "$tmp/err" | head -1)"
cp "$tmp/kept/after.note" "$tmp/watch-b/latest.note" # auditor B goes on watching from the note it kept

step "... and, once the log is as long again, inconsistent with its new history"
submit_referrals 1
wait_checkpoint 5
keep now
expect 0 audit-ville audit consistency 5 5
cp "$tmp/out" "$tmp/proof-5.json"
expect_exit 1 "$relais" audit check-consistency "$tmp/proof-5.json" --old "$tmp/kept/after.note" \
  --new "$tmp/kept/now.note" --broker-cert "$hub_cert"
grep -q "the old note's root is not the proof's old_root" "$tmp/err" || fail "check-consistency said: $(cat "$tmp/err")"
echo "   $(cat "$tmp/err")"
expect 4 audit-ville audit watch --checkpoints "$tmp/watch-b"
grep -q ALARM "$tmp/out" "$tmp/err" || fail "audit watch raised no alarm on another history of size 5"

step "the cases replay: those made before the snapshot are there, those acknowledged after it are gone"
# Cases are numbered by the record that opened them: C-4 and C-5 were Essai4's and Essai5's before the loss, and now
# name the children referred first after the restore (the coordinator's notes of those numbers must be told).
want=(Essai1 Essai2 Essai3 Essai6 Essai7)
for i in 1 2 3 4 5; do
  got=$(family_of "C-$i")
  [ "$got" = "${want[$((i - 1))]}" ] || fail "case C-$i is $got's, expected ${want[$((i - 1))]}'s"
done
expect 0 coordination case list --json
[ "$(grep -c '"case_id"' "$tmp/out")" = 5 ] || fail "the case list: $(cat "$tmp/out")"
echo "   C-1 to C-3: the children of before the snapshot; $lost_family and Essai5 are in no case; C-4, C-5: Essai6, Essai7"

step "relais audit verify of the restored store passes, with the data key (full level)"
verify_offline
grep -q '^level: full, with the data key' "$tmp/out" || fail "audit verify: $(cat "$tmp/out")"
sed 's/^/   /' "$tmp/out" | head -8

# ---- The data key rotated between the snapshot and the loss ----------------------------------------------------
step "a second day: the snapshot is taken under generation 1, auditor A keeps the checkpoint of its size"
snapshot "$tmp/backups/day2"
[ "$snap_gen" = 1 ] || fail "the day-2 snapshot is under generation $snap_gen"
day2_size=$snap_size
wait_checkpoint "$day2_size" # the log is quiet: the hub signs the snapshot's size within its interval
expect 0 audit-ville audit checkpoint --size "$day2_size"
cp "$tmp/out" "$tmp/kept/before2.note"

step "two years on, the sweep archives the cases and rotates the data key (generation 1 to the backup-key store)"
set_clock $((t0 + 731 * day))
wait_sweep
grep -q 'event=data-key-rotated generation=2' "$tmp/broker.log" || fail "no rotation: $(tail -5 "$tmp/broker.log")"
archived=$(tail -n +"$log_from" "$tmp/broker.log" | grep -c 'event=archived case=')
[ "$archived" -ge 1 ] || fail "the sweep archived nothing"
ls "$retired"/data-key.gen-1.retired-* >/dev/null 2>&1 || fail "generation 1 is not in the backup-key store"
expect 1 coordination case show C-1
grep -q 'left the active base' "$tmp/err" || fail "C-1 was not archived: $(cat "$tmp/err")"
stop_broker_clean
rm -rf "$tmp/store"

step "restored, the store's keys are generation 1's: relaisd with the live data key (generation 2) refuses, changing nothing"
restore_store "$tmp/backups/day2"
sha256sum "$tmp/store/data.mdb" "$tmp/store/index/data.mdb" "$broker_data_key" "$retired"/* >"$tmp/sums"
expect_exit 2 "$relaisd" --endpoint "tcp://127.0.0.1:$(pick_port)" --store "$tmp/store" \
  --certs "$broker_certs" --key "$broker_key" --data-key "$broker_data_key" --sweep-clock "$clock"
grep -q "does not open this store's keys" "$tmp/err" || fail "relaisd said: $(cat "$tmp/err")"
echo "   $(head -1 "$tmp/err")"
sha256sum --quiet -c "$tmp/sums" || fail "the refused start changed the store, the data key or the backup-key store"
[ ! -e "$broker_data_key.next" ] || fail "the refused start left a data key in the making"

step "without generation 1 (its backup period over, or its store lost), it cannot be restored: refused, nothing written"
mkdir "$tmp/retired-empty"
expect_exit 2 "$relais" datakey export-retired --dir "$tmp/retired-empty" --generation 1 --out "$tmp/gen-1.key"
grep -q "holds no generation 1" "$tmp/err" || fail "export-retired said: $(cat "$tmp/err")"
[ ! -e "$tmp/gen-1.key" ] || fail "export-retired wrote a file for a generation it does not hold"

step "with generation 1 from the backup-key store as the data key, the hub starts on the restored store"
mv "$broker_data_key" "$tmp/data.key.lost-store" # opens only the lost store's keys: to destroy once all is well
expect_exit 0 "$relais" datakey export-retired --dir "$retired" --generation 1 --out "$broker_data_key"
[ "$(stat -c %a "$broker_data_key")" = 600 ] || fail "the exported generation is not 0600"
set_clock $((t0 + 732 * day))
log_from=$(($(wc -l <"$tmp/broker.log") + 1))
start_broker_on_free_port
tail -n +"$log_from" "$tmp/broker.log" | grep -q 'event=data-key generation=1' || fail "relaisd did not open generation 1"

step "its first sweep makes again the moves the lost log had made, and rotates the data key again"
for _ in $(seq 100); do
  tail -n +"$log_from" "$tmp/broker.log" | grep -q 'event=data-key-rotated generation=2' && break
  sleep 0.1
done
tail -n +"$log_from" "$tmp/broker.log" | grep -q 'event=data-key-rotated generation=2' ||
  fail "no rotation after the restore: $(tail -n +"$log_from" "$tmp/broker.log")"
first_move=$(tail -n +"$log_from" "$tmp/broker.log" | sed -n 's/.*event=archived case=[^ ]* seq=\([0-9]*\).*/\1/p' | head -1)
[ "$first_move" = $((day2_size + 1)) ] || fail "the first record after the restore is $first_move, not $((day2_size + 1))"
last_move=$(tail -n +"$log_from" "$tmp/broker.log" | sed -n 's/.*event=archived case=[^ ]* seq=\([0-9]*\).*/\1/p' | tail -1)
echo "   the snapshot held $day2_size records; the sweep's archivings are records $first_move to $last_move"
# The clock back to the day of the referrals: the fake clock jumped two years, and would archive the next referral as
# soon as it is acknowledged.
set_clock $((t0 + day))
wait_sweep

step "the hub goes on: a new referral is acknowledged after the sweep's records, its checkpoint extends the day-2 note"
submit_referrals 1
[ "$head" = $((last_move + 1)) ] || fail "the next acknowledged message is record $head, not $((last_move + 1))"
wait_checkpoint "$head"
expect 1 coordination case show C-1
grep -q 'left the active base' "$tmp/err" || fail "C-1 is active again after the restore: $(cat "$tmp/err")"
consistent "$tmp/kept/before2.note"
verify_offline
grep -q '^level: full, with the data key' "$tmp/out" || fail "audit verify after the rotated restore: $(cat "$tmp/out")"
stop_broker_clean

step "generation 1 is in the backup-key store twice (retired before the loss, and again after the restore): destroy takes both"
[ "$(find "$retired" -name 'data-key.gen-1.retired-*' | wc -l)" = 2 ] || fail "the backup-key store: $(ls "$retired")"
expect_exit 0 "$relais" datakey destroy --dir "$retired" --generation 1
grep -qx "generation 1 destroyed (its 2 files): the snapshots taken under it can no longer be read" "$tmp/out" ||
  fail "destroy said: $(cat "$tmp/out")"
[ -z "$(find "$retired" -name 'data-key.gen-1.*')" ] || fail "generation 1 is left: $(ls "$retired")"
expect_exit 2 "$relais" datakey export-retired --dir "$retired" --generation 1 --out "$tmp/gen-1-again.key"
grep -q "holds no generation 1" "$tmp/err" || fail "export-retired said: $(cat "$tmp/err")"

echo "restore.sh: all passed"
