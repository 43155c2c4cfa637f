#!/usr/bin/env bash
# recovery.sh -- the derived indexes after a stop: trusted when the hub left them clean, rebuilt from
# the log when they are lost, truncated, stale or torn, and equal to a full rebuild every time.
# usage: recovery.sh RELAIS RELAISD
#
# The log is the only thing relaisd syncs before it acknowledges; the indexes (cases, histories,
# children, lifecycles) live in store/index/, synced when the hub is idle or stops. After each
# damage below, relaisd must start, say why it rebuilt, and `relais audit verify` with the data
# key must find the index equal, entry for entry, to the one its replay of the log makes.
# Needs bash, coreutils, grep, sed and dd. 127.0.0.1 only.
set -euo pipefail

relais=$1
relaisd=$2
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init recovery

make_pki relaisd:broker coordination:coordinator "college-curie:partner:Collège Marie Curie" \
  "pmi-blagis:partner:PMI Les Blagis"
export RELAIS_SERVER_CERT="$tmp/keys/relaisd.cert" HOME="$tmp/home"
index=$tmp/store/index
mkdir -p "$tmp/spool/college-curie" "$tmp/spool/coordination"

as() {
  local who=$1
  shift
  RELAIS_KEY="$tmp/keys/$who.cert_secret" RELAIS_SPOOL="$tmp/spool/$who" timeout 120 "$@"
}
# referral FILE FAMILY GIVEN BIRTH: a referral of the college's.
referral() {
  printf '{"referral": {"referrer": {"organisation": "Collège Marie Curie", "role": "TEACHER"}, "domains": ["EDUCATIONAL"], "child": {"family_name": "%s",
 "given_names": ["%s"], "birth_date": "%s"}, "description": "Absences répétées, fatigue en classe.",
 "urgency": "ROUTINE", "consent": {"recorded_by": "CPE", "recorded_ms": '"$consent_ms"', "given_by": "mere"}}}\n' \
    "$2" "$3" "$4" >"$1"
}
# some_traffic N TAG: N referrals (every third one for a child already referred), triage and a note
# on the first case.
some_traffic() {
  local n=$1 tag=$2 files=() i
  mkdir -p "$tmp/in/$tag"
  for i in $(seq "$n"); do
    referral "$tmp/in/$tag/$i.json" "Famille$tag$((i - i / 3))" "Enfant" "2014-0$((1 + i % 9))-1$((i % 10))"
    files+=("$tmp/in/$tag/$i.json")
  done
  as college-curie "$relais" submit "${files[@]}" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "submit $tag"; }
  first_case=$(as coordination "$relais" case list --json | sed -n 's/.*"case_id": *"\(C-[0-9]*\)".*/\1/p' | head -1)
  [ -n "$first_case" ] || fail "no case listed"
  as coordination "$relais" case update "$first_case" note --note "point $tag" >/dev/null 2>&1 ||
    fail "a note on $first_case"
}
# started_since LINES: the broker log's lines after the first LINES.
log_since() { tail -n +"$(($1 + 1))" "$tmp/broker.log"; }
# audit_equal: the offline audit of the stopped hub's store finds its index equal to the log's replay.
audit_equal() {
  expect_exit 0 "$relais" audit verify --store "$tmp/store" --certs "$tmp/registry" --data-key "$tmp/keys/data.key"
  grep -q '^cases: [0-9]* rebuilt, equal to the index' "$tmp/out" ||
    fail "$1: the index was not found equal to the log's replay: $(cat "$tmp/out")"
}
# restart_expect WHAT WHY: relaisd starts, rebuilds its index saying WHY (a pattern; "" for none),
# takes more traffic, stops cleanly, and the index is equal to a full rebuild.
restart_expect() {
  local what=$1 why=$2 lines
  lines=$(wc -l <"$tmp/broker.log")
  start_broker_on_free_port
  if [ -z "$why" ]; then
    log_since "$lines" | grep -q 'event=index-rebuild ' && fail "$what: the index was rebuilt: $(log_since "$lines" | grep index-rebuild)"
  else
    log_since "$lines" | grep 'event=index-rebuild ' | grep -q "$why" ||
      fail "$what: no rebuild saying '$why': $(log_since "$lines" | grep index || true)"
    log_since "$lines" | grep -q 'event=index-rebuilt records=' || fail "$what: the rebuild did not finish"
  fi
  some_traffic 4 "after-$3"
  stop_broker_clean
  audit_equal "$what"
  echo "   $what: ${why:-trusted as left}; index equal to the log's replay"
}

step "a hub's first life: referrals, attachments, a triage, notes; a clean stop leaves the index clean"
start_broker_on_free_port
some_traffic 30 first
first=$first_case
as coordination "$relais" case update "$first" triage >/dev/null 2>&1 || fail "triage $first"
stop_broker_clean
audit_equal "a clean stop"
restart_expect "restarted after a clean stop" "" clean

step "the index lost"
rm -rf "$index"
restart_expect "lost" "." lost

step "the index truncated"
size=$(stat -c %s "$index/data.mdb")
truncate -s $((size / 2)) "$index/data.mdb"
restart_expect "truncated" "truncated" truncated

step "a stale index: a copy from an earlier clean stop put back"
cp -a "$index" "$tmp/index-earlier"
start_broker_on_free_port
some_traffic 6 later
stop_broker_clean
rm -rf "$index"
cp -a "$tmp/index-earlier" "$index"
restart_expect "stale" "not the one the log marked clean" stale

step "a torn index: relaisd killed under load, pages of the index overwritten"
start_broker_on_free_port
mkdir -p "$tmp/in/torn"
for i in $(seq 60); do referral "$tmp/in/torn/$i.json" "Torn$i" "Enfant" "2013-0$((1 + i % 9))-1$((i % 10))"; done
RELAIS_KEY="$tmp/keys/college-curie.cert_secret" RELAIS_SPOOL="$tmp/spool/college-curie" \
  timeout 120 "$relais" submit --timeout 30 "$tmp/in/torn/"*.json >"$tmp/torn.out" 2>&1 &
submitter=$!
bg_pids+=("$submitter")
for _ in $(seq 100); do
  [ "$(grep -c '"seq"' "$tmp/torn.out" 2>/dev/null || true)" -ge 10 ] && break
  sleep 0.05
done
kill -KILL "$broker_pid" 2>/dev/null
wait "$broker_pid" 2>/dev/null || true
broker_pid=
# What a power loss can leave: some pages of the last commits on disk and others not. Zeros over a
# run of pages past the two meta pages, and a meta page of garbage.
psize=4096
dd if=/dev/zero of="$index/data.mdb" bs=$psize seek=3 count=4 conv=notrunc status=none
dd if=/dev/urandom of="$index/data.mdb" bs=$psize seek=1 count=1 conv=notrunc status=none
restart_expect "torn" "stopped without settling" torn
# The submitter went on trying across the kill and the restarts; when it gives up waiting (the
# hub comes back on another port), what it had not sent is in its spool: a flush sends it.
# Everything is acknowledged once.
start_broker_on_free_port
wait "$submitter" || echo "   the submitter gave up waiting across the restarts (exit $?): its spool is flushed"
as college-curie "$relais" submit --flush --timeout 100 >>"$tmp/torn.out" 2>"$tmp/err" ||
  { cat "$tmp/err" >&2; fail "the flush of the submitter's spool"; }
stop_broker_clean
expect_exit 0 "$relais" audit export --store "$tmp/store" --data-key "$tmp/keys/data.key"
stored=$(sed -n 's/.*"body":"\([^"]*\)".*/\1/p' "$tmp/out" | while read -r body; do
  base64 -d <<<"$body" | grep -ao 'Torn[0-9]*' || true
done)
[ "$(wc -l <<<"$stored")" -eq 60 ] && [ "$(sort -u <<<"$stored" | wc -l)" -eq 60 ] ||
  fail "the log holds $(wc -l <<<"$stored") torn referrals, $(sort -u <<<"$stored" | wc -l) distinct, for 60"
audit_equal "after the torn index's rebuild"
echo "   the 60 referrals sent across the kill are all in the log, once each"

echo "recovery: all passed"
