#!/usr/bin/env bash
# faults.sh -- faults around relaisd: bad start-up files, hostile JSON for `relais submit`, a disk that fails on commit.
# usage: faults.sh RELAIS RELAISD
#
# - the broker's key or registry missing, a directory, garbage (or mode 000 when not root), or
#   a key whose role is not broker: one sentence on stderr and exit 2;
# - a second relaisd on a store another one has open: one sentence naming the first one's pid,
#   exit 2, the first one unharmed; the auditor's read-only commands work beside it;
# - JSON input that is malformed, too deep, of the wrong types or not UTF-8: `relais submit`
#   exits 2 and sends nothing (the log's head does not move);
# - a message written by relaisd verifies with `openssl pkeyutl -verify -rawin` alone;
# - the disk returns an error on commit (a small tmpfs for the store, which needs root:
#   skipped with a message otherwise): the batch is refused (UNAVAILABLE), not acknowledged,
#   nothing of it is stored, the broker stays up, the log verifies; once there is room again
#   the spooled messages go through, each exactly once.
# Needs bash, coreutils, grep, sed, openssl (and mount for the disk fault). 127.0.0.1 only.
set -euo pipefail

relais=$1
relaisd=$2
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init faults
mounted=
unmount_disk() { [ -z "$mounted" ] || umount "$mounted" 2>/dev/null || umount -l "$mounted" 2>/dev/null || true; }
on_cleanup=unmount_disk

head_of() { "$relais" audit export --store "$1" | wc -l; }

mkdir -p "$tmp/home"
: >"$tmp/broker.log"
make_pki relaisd:broker college-curie:partner
export RELAIS_SERVER_CERT="$tmp/keys/relaisd.cert" RELAIS_KEY="$tmp/keys/college-curie.cert_secret" RELAIS_SPOOL=
export HOME="$tmp/home"

# ---------------------------------------------------------------------------------------------
step "unreadable key or registry: one sentence, exit 2"
# start_fails WHAT KEY CERTS [FLAG...]: relaisd must exit 2 at once with one line on stderr.
start_fails() {
  local what=$1 key=$2 certs=$3 rc=0
  shift 3
  # shellcheck disable=SC2046 # data_key_flag gives two words
  timeout 20 "$relaisd" --endpoint "tcp://127.0.0.1:$(pick_port)" --store "${start_store:-$tmp/store-start}" \
    --certs "$certs" --key "$key" $(data_key_flag) "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  [ "$rc" -eq 2 ] || { cat "$tmp/err" >&2; fail "$what: relaisd exited $rc, expected 2"; }
  [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^relaisd: ' "$tmp/err" ||
    { cat "$tmp/err" >&2; fail "$what: not one relaisd: sentence"; }
  grep -q 'event=listening' "$tmp/err" && fail "$what: it listened"
  printf '   %-28s %s\n' "$what" "$(cat "$tmp/err")"
}
key="$tmp/keys/relaisd.cert_secret"
mkdir -p "$tmp/bad"
printf 'this is not a certificate\n' >"$tmp/bad/garbage.cert_secret"
chmod 600 "$tmp/bad/garbage.cert_secret"
mkdir -p "$tmp/bad/garbage-registry"
printf 'metadata\n    name = "x"\n' >"$tmp/bad/garbage-registry/x.cert"
printf 'a file, not a folder\n' >"$tmp/bad/registry-file"
start_fails "key missing" "$tmp/bad/nosuch.cert_secret" "$tmp/registry"
start_fails "key is a directory" "$tmp/bad" "$tmp/registry"
start_fails "key is garbage" "$tmp/bad/garbage.cert_secret" "$tmp/registry"
start_fails "registry missing" "$key" "$tmp/bad/nosuch"
start_fails "registry is a file" "$key" "$tmp/bad/registry-file"
start_fails "registry holds garbage" "$key" "$tmp/bad/garbage-registry"
start_fails "reserve as large as the map" "$key" "$tmp/registry" --map-size 1 --store-reserve 1024
start_fails "holidays of no known list" "$key" "$tmp/registry" --holidays de
start_fails "a partner's key" "$tmp/keys/college-curie.cert_secret" "$tmp/registry"
grep -q 'of role partner: relaisd runs with the hub.s own key, of role broker' "$tmp/err" ||
  fail "the partner's key is not named as such: $(cat "$tmp/err")"
if [ "$(id -u)" -ne 0 ]; then
  cp "$key" "$tmp/bad/locked.cert_secret"
  chmod 000 "$tmp/bad/locked.cert_secret"
  start_fails "key mode 000" "$tmp/bad/locked.cert_secret" "$tmp/registry"
else
  echo "   (running as root: mode 000 files stay readable, that case is skipped)"
fi

step "the data key: required, private, and the store's own"
rc=0
timeout 20 "$relaisd" --endpoint "tcp://127.0.0.1:$(pick_port)" --store "$tmp/store-start" --certs "$tmp/registry" \
  --key "$key" >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q -- "--data-key FILE is required" "$tmp/err" || fail "no data key: exit $rc, $(cat "$tmp/err")"
printf '   %-28s %s\n' "no --data-key" "$(cat "$tmp/err")"
"$relais" datakey new --out "$tmp/bad/other.key" >/dev/null
cp "$tmp/keys/data.key" "$tmp/bad/open.key"
chmod 644 "$tmp/bad/open.key"
start_fails "data key missing" "$key" "$tmp/registry" --data-key "$tmp/bad/nosuch.key"
start_fails "data key readable by others" "$key" "$tmp/registry" --data-key "$tmp/bad/open.key"
grep -q "may be read by others" "$tmp/err" || fail "the open data key is not named as such: $(cat "$tmp/err")"
start_fails "data key is garbage" "$key" "$tmp/registry" --data-key "$tmp/bad/garbage.cert_secret"
start_fails "both --data-key and clear" "$key" "$tmp/registry" --no-encryption

# ---------------------------------------------------------------------------------------------
start_broker_on_free_port
step "a second relaisd on the same store: refused, the first one unharmed"
second_rc=0
# shellcheck disable=SC2046 # data_key_flag gives two words
timeout 20 "$relaisd" --endpoint "tcp://127.0.0.1:$(pick_port)" --store "$tmp/store" --certs "$tmp/registry" \
  --key "$key" $(data_key_flag) >"$tmp/out" 2>"$tmp/err" || second_rc=$?
[ "$second_rc" -eq 2 ] || { cat "$tmp/err" >&2; fail "the second relaisd exited $second_rc, expected 2"; }
[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "^relaisd: .*in use by another relaisd (pid $broker_pid)" "$tmp/err" ||
  fail "not one sentence naming the first relaisd: $(cat "$tmp/err")"
grep -q 'event=listening' "$tmp/err" && fail "the second relaisd listened"
printf '   %s\n' "$(cat "$tmp/err")"
kill -0 "$broker_pid" || fail "the first relaisd is gone"
expect_exit 0 "$relais" ping --timeout 10
expect_exit 0 "$relais" audit verify --quiet --store "$tmp/store" --certs "$tmp/registry"
expect_exit 0 "$relais" audit snapshot --store "$tmp/store" --out "$tmp/snapshot"
stop_broker
step "another hub's data key, or a store in clear, on a sealed store: refused, saying why"
start_store=$tmp/store
start_fails "another hub's data key" "$key" "$tmp/registry" --data-key "$tmp/bad/other.key"
grep -q "does not open this store's keys" "$tmp/err" || fail "the wrong data key is not named: $(cat "$tmp/err")"
broker_data_key=none start_fails "no encryption on a sealed store" "$key" "$tmp/registry" --no-encryption
grep -q "is sealed" "$tmp/err" || fail "the sealed store is not named: $(cat "$tmp/err")"
start_store=
start_broker || fail "relaisd did not start again once the first one stopped" # the lock went with it

step "hostile JSON for relais submit: exit 2, nothing sent"
printf '{"referral": {"referrer": {"organisation": "X", "role": "TEACHER"}, "child": {"family_name": "Ok", "given_names": ["A"],
 "birth_date": "2015-01-01"}, "domains": ["EDUCATIONAL"], "description": "ok", "urgency": "ROUTINE", "consent": {"recorded_by": "x", "recorded_ms": '"$consent_ms"', "given_by": "mere"}}}' \
  >"$tmp/ok.json"
expect_exit 0 "$relais" submit --spool "$tmp/spool" --timeout 30 "$tmp/ok.json"
line=$(cat "$tmp/out")
[ "$(field seq "$line")" = 1 ] || fail "the first message is not #1: $line"
before=$(head_of "$tmp/store")
deep=$(printf '{"referral": %s' "$(printf '{"a": %.0s' $(seq 40))"; printf '1%s}' "$(printf '}%.0s' $(seq 40))")
tried=0
hostile_json() {
  local name=$1
  shift
  printf "$@" >"$tmp/$name.json"
  expect_exit 2 "$relais" submit --spool "$tmp/spool-json" --timeout 5 "$tmp/$name.json"
  grep -q '"seq"' "$tmp/out" && fail "$name: acknowledged"
  tried=$((tried + 1))
  printf '   %-20s %s\n' "$name" "$(head -1 "$tmp/err")"
}
hostile_json empty ''
hostile_json malformed '{"referral": {"child": '
hostile_json trailing '{"referral": {}} {"referral": {}}'
hostile_json not-an-object '[1, 2, 3]'
hostile_json too-deep '%s' "$deep"
hostile_json wrong-type-names '{"referral": {"child": {"given_names": "Lina"}}}'
hostile_json wrong-type-date '{"referral": {"child": {"birth_date": 20150302}}}'
hostile_json wrong-type-consent '{"referral": {"consent": "yes"}}'
hostile_json unknown-field '{"referral": {"childd": {}}}'
hostile_json unknown-enum '{"referral": {"urgency": "SOON"}}'
hostile_json two-payloads '{"referral": {}, "case_update": {"case_id": "C-1"}}'
hostile_json header-forged '{"header": {"sender": "coordo"}, "referral": {}}'
hostile_json duplicate-key '{"referral": {"description": "a", "description": "b"}}'
hostile_json number-range '{"referral": {"consent": {"recorded_ms": 1e400}}}'
hostile_json invalid-utf8 '{"referral": {"description": "\xc3\x28 \xff\xfe"}}'
hostile_json overlong-utf8 '{"referral": {"description": "\xc0\xaf"}}'
hostile_json nul-escape '{"referral": {"description": "a\\u0000b"}}'
hostile_json lone-surrogate '{"referral": {"description": "\\ud800"}}'
[ "$(head_of "$tmp/store")" -eq "$before" ] || fail "hostile JSON reached the log"
grep -q 'event=refused' "$tmp/broker.log" && fail "hostile JSON reached the broker"
echo "   $tried hostile JSON inputs: exit 2, nothing sent"
[ -z "${RELAIS_TORTURE_SUMMARY:-}" ] || echo "json_tried=$tried" >>"$RELAIS_TORTURE_SUMMARY"

step "a message written by relaisd verifies with openssl alone"
"$relais" audit export --store "$tmp/store" --data-key "$tmp/keys/data.key" --from 1 --to 1 >"$tmp/export.jsonl"
line=$(cat "$tmp/export.jsonl")
[ "$(field sender "$line")" = college-curie ] || fail "record 1: $line"
openssl_verify_line "$line" "$tmp/registry/college-curie.cert" ||
  fail "openssl does not verify relaisd's stored message: $(cat "$tmp/out")"
echo "   record 1: $(cat "$tmp/out")"
stop_broker

# ---------------------------------------------------------------------------------------------
step "the disk fails on commit (a 1 MiB tmpfs under the store)"
if [ "$(id -u)" -ne 0 ] || ! command -v mount >/dev/null; then
  echo "SKIP: mounting a small tmpfs needs root; the commit-failure test did not run"
  exit 0
fi
mkdir -p "$tmp/disk"
if ! mount -t tmpfs -o size=1m,mode=0700 relais-faults "$tmp/disk" 2>"$tmp/err"; then
  echo "SKIP: cannot mount a tmpfs here ($(cat "$tmp/err")); the commit-failure test did not run"
  exit 0
fi
mounted="$tmp/disk"
broker_store=$tmp/disk/store
start_broker_on_free_port --map-size 64
mkdir -p "$tmp/in"
n=0
refused_runs=0
# Runs of 40 referrals until the disk refuses a commit (bounded: the disk holds a few thousand at most).
for run in $(seq 200); do
  files=()
  for _ in $(seq 40); do
    n=$((n + 1))
    printf '{"referral": {"referrer": {"organisation": "X", "role": "TEACHER"}, "child": {"family_name": "Disk%d",
 "given_names": ["A"], "birth_date": "2015-01-01"}, "domains": ["EDUCATIONAL"], "urgency": "ROUTINE", "description": "%0400d",
 "consent": {"recorded_by": "x", "recorded_ms": '"$consent_ms"', "given_by": "mere"}}}\n' "$n" "$n" >"$tmp/in/$n.json"
    files+=("$tmp/in/$n.json")
  done
  rc=0
  "$relais" submit --spool "$tmp/spool-disk" --timeout 3 "${files[@]}" >>"$tmp/disk-acks.jsonl" 2>>"$tmp/disk.err" ||
    rc=$?
  if [ "$rc" -ne 0 ]; then refused_runs=$run; break; fi
done
[ "$refused_runs" -gt 0 ] || fail "the disk never filled"
grep -q 'event=commit-failed code=IO' "$tmp/broker.log" || fail "no commit failure in the broker log"
kill -0 "$broker_pid" || fail "the broker died on a failed commit"
pending=$(grep -c '"error":"UNAVAILABLE"' "$tmp/disk-acks.jsonl" || true)
[ "$pending" -gt 0 ] || fail "no message was refused: $(tail -3 "$tmp/disk-acks.jsonl")"
acked_before=$(grep -c '"seq"' "$tmp/disk-acks.jsonl" || true)
stored=$(head_of "$tmp/disk/store")
# Nothing of a failed batch is stored: every record is an acked message, and no refused id is in the log.
"$relais" audit export --store "$tmp/disk/store" --data-key "$tmp/keys/data.key" >"$tmp/disk-export.jsonl"
sed -n 's/.*"msg_id":"\([0-9a-f]*\)".*/\1/p' "$tmp/disk-export.jsonl" | sort >"$tmp/log-ids"
grep '"error"' "$tmp/disk-acks.jsonl" | sed -n 's/.*"msg_id":"\([0-9a-f]*\)".*/\1/p' | sort -u >"$tmp/refused-ids"
[ -z "$(comm -12 "$tmp/log-ids" "$tmp/refused-ids")" ] || fail "a refused message is in the log"
grep '"seq"' "$tmp/disk-acks.jsonl" | sed -n 's/.*"msg_id":"\([0-9a-f]*\)".*/\1/p' | sort -u >"$tmp/acked-ids"
[ -z "$(comm -23 "$tmp/acked-ids" "$tmp/log-ids")" ] || fail "an acknowledged message is not in the log"
# The records are the acks plus the broker's own access records, if any.
[ "$stored" -ge "$acked_before" ] || fail "$stored records for $acked_before acks"
"$relais" audit verify --quiet --store "$tmp/disk/store" --certs "$tmp/registry" --data-key "$tmp/keys/data.key" || fail "the log does not verify"
echo "   $acked_before acknowledged, $pending refused as UNAVAILABLE after a failed commit; log verifies"

step "room again: the spooled messages go through, once each"
mount -o remount,size=16m "$tmp/disk"
expect_exit 0 "$relais" submit --flush --spool "$tmp/spool-disk" --timeout 60
cat "$tmp/out" >>"$tmp/disk-acks.jsonl"
grep '"seq"' "$tmp/disk-acks.jsonl" | sed -n 's/.*"file":"\([^"]*\)".*/\1/p' | sort -u >"$tmp/acked-files"
[ "$(wc -l <"$tmp/acked-files")" -eq "$n" ] || fail "$(wc -l <"$tmp/acked-files") of $n files acknowledged"
stop_broker
"$relais" audit export --store "$tmp/disk/store" --data-key "$tmp/keys/data.key" >"$tmp/disk-export.jsonl"
dups=$(sed -n 's/.*"msg_id":"\([0-9a-f]*\)".*/\1/p' "$tmp/disk-export.jsonl" | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ] || fail "$dups duplicates after the disk came back"
[ "$(grep -c '"sender":"college-curie"' "$tmp/disk-export.jsonl")" -eq "$n" ] || fail "not $n referrals in the log"
"$relais" audit verify --quiet --store "$tmp/disk/store" --certs "$tmp/registry" --data-key "$tmp/keys/data.key" || fail "the log does not verify"
echo "   all $n referrals stored once; log verifies"
echo "faults: all passed"
