#!/usr/bin/env bash
# drop.sh -- `relais submit --watch`'s drop folder against hostile files, and a message that would
# block the spool, against the real relaisd on loopback.
# usage: drop.sh RELAIS RELAISD
#
# - a file name with a line break or an escape forges no line on stderr;
# - a file that is not JSON is refused without a word of its content in the error file or the output;
# - a symbolic link (to a key) and a FIFO are refused as what they are, never read, never waited on;
# - a file whose message is over the hub's limit goes to refused/ (TOO_LARGE) before it is
#   spooled, and one over 16 times the limit is not even read; the files behind it go through;
# - a message the hub cuts the connection over (over four times its --max-message, with a client
#   that believes the limit larger) holds up none of the messages behind it, and a later run
#   told the hub's limit refuses it from the spool instead of sending it forever.
# Needs bash, coreutils, grep and sed. 127.0.0.1 only.
set -euo pipefail

relais=$1
relaisd=$2
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init drop

make_pki relaisd:broker "college-curie:partner:Collège Marie Curie"
start_broker_on_free_port
export RELAIS_KEY="$tmp/keys/college-curie.cert_secret" RELAIS_SERVER_CERT="$tmp/keys/relaisd.cert"
export HOME="$tmp/home"

# referral NAME [DESCRIPTION_BYTES]: a valid referral, its description padded to that many bytes.
referral() {
  local pad=${2:-10}
  printf '{"referral": {"referrer": {"organisation": "College Marie Curie", "role": "TEACHER"}, "domains": ["EDUCATIONAL"], "child": {"family_name": "%s",
 "given_names": ["A"], "birth_date": "2015-01-01"}, "description": "%s", "urgency": "ROUTINE",
 "consent": {"recorded_by": "x", "recorded_ms": '"$consent_ms"', "given_by": "mere"}}}\n' \
    "$1" "$(head -c "$pad" /dev/zero | tr '\0' 'x')"
}
# watch_once [FLAG...]: one --watch --once run over $drop; exit status in $rc, output in $tmp/out, $tmp/err.
watch_once() {
  rc=0
  timeout 90 "$relais" submit --watch "$drop" --once --timeout "${watch_timeout:-20}" "$@" >"$tmp/out" 2>"$tmp/err" ||
    rc=$?
}

# ---------------------------------------------------------------------------------------------
step "file names with a line break or an escape forge no line"
drop="$tmp/drop1"
mkdir -p "$drop"
printf '{"referral": {"urgency": "SOON"}}' >"$drop/evil"$'\n'"relais: refused: FORGED.json"
printf '{"referral": {"urgency": "SOON"}}' >"$drop/title"$'\x1b]0;pwned\x07'".json"
watch_once
[ "$rc" -eq 2 ] || fail "exit $rc: $(cat "$tmp/err")"
grep -q '^relais: refused: FORGED' "$tmp/err" && fail "a file name forged a line: $(cat -v "$tmp/err")"
grep -qF 'evil\nrelais: refused: FORGED.json' "$tmp/err" || fail "the name is not shown escaped: $(cat -v "$tmp/err")"
[ "$(LC_ALL=C tr -d '\n\040-\176\200-\377' <"$tmp/err" | wc -c)" -eq 0 ] || fail "a control reached stderr: $(cat -v "$tmp/err")"
[ "$(grep -c '' "$tmp/err")" -eq 2 ] || fail "two refusals, two lines: $(cat -v "$tmp/err")"

step "a file that is not JSON: refused, its content copied nowhere"
drop="$tmp/drop2"
mkdir -p "$drop"
printf 'Benali Lina, née le 12/03/2014, 6e B : signalement\n' >"$drop/letter.json"
watch_once
[ "$rc" -eq 2 ] || fail "exit $rc: $(cat "$tmp/err")"
[ -f "$drop/refused/letter.json" ] && [ -f "$drop/refused/letter.error.json" ] || fail "not refused: $(ls -R "$drop")"
grep -q '"error":"MALFORMED"' "$drop/refused/letter.error.json" || fail "error file: $(cat "$drop/refused/letter.error.json")"
cat "$drop/refused/letter.error.json" "$tmp/out" "$tmp/err" >"$tmp/all"
grep -q -e Benali -e signalement "$tmp/all" && fail "the content was echoed: $(cat "$tmp/all")"
grep -q 'line 1, column' "$drop/refused/letter.error.json" || fail "no position: $(cat "$drop/refused/letter.error.json")"

step "a referral dropped readable by all is made private (0600) as it is taken"
drop="$tmp/drop-mode"
mkdir -p "$drop"
referral Open >"$drop/open.json"
chmod 644 "$drop/open.json"
watch_once
[ "$rc" -eq 0 ] || fail "exit $rc: $(cat "$tmp/err")"
[ "$(stat -c %a "$drop/done/open.json")" = 600 ] || fail "done/open.json is $(stat -c %a "$drop/done/open.json")"
[ "$(stat -c %a "$drop/done")" = 700 ] || fail "done/ is $(stat -c %a "$drop/done")"

step "a symbolic link to a key and a FIFO: refused as what they are, never read"
drop="$tmp/drop3"
mkdir -p "$drop"
ln -s "$tmp/keys/college-curie.sign.key" "$drop/key.json"
mkfifo "$drop/pipe.json"
referral Ok >"$drop/z-ok.json"
watch_once
[ "$rc" -eq 2 ] || fail "exit $rc: $(cat "$tmp/err")"
[ -L "$drop/refused/key.json" ] && grep -q 'symbolic link' "$drop/refused/key.error.json" ||
  fail "the link was not refused as one: $(ls -lR "$drop")"
[ -p "$drop/refused/pipe.json" ] && grep -q 'not a regular file' "$drop/refused/pipe.error.json" ||
  fail "the FIFO was not refused: $(ls -lR "$drop")"
cat "$drop/refused/"*.error.json "$tmp/out" "$tmp/err" >"$tmp/all"
grep -q 'PRIVATE KEY' "$tmp/all" && fail "the key behind the link was read"
[ -f "$drop/done/z-ok.json" ] || fail "the file behind them did not go through: $(ls -R "$drop")"

# ---------------------------------------------------------------------------------------------
step "a message over the hub's limit: refused before the spool, the file behind it goes through"
drop="$tmp/drop4"
mkdir -p "$drop"
referral Big 300000 >"$drop/a-big.json" # 300 kB: over 4 x 64 KiB, a frame the hub would cut the connection over
referral Good >"$drop/b-good.json"
watch_once
[ "$rc" -eq 2 ] || fail "exit $rc: $(cat "$tmp/out" "$tmp/err")"
[ -f "$drop/done/b-good.json" ] || fail "the file behind the big one did not go through: $(cat "$tmp/err")"
[ -f "$drop/refused/a-big.json" ] && grep -q '"error":"TOO_LARGE"' "$drop/refused/a-big.error.json" ||
  fail "the big file is not refused TOO_LARGE: $(ls -R "$drop"; cat "$tmp/err")"
grep -q 'at most 65536' "$drop/refused/a-big.error.json" || fail "no limit named: $(cat "$drop/refused/a-big.error.json")"
[ -z "$(ls "$drop/.relais-inflight")" ] || fail "left in flight: $(ls "$drop/.relais-inflight")"
referral Huge 40000 >"$drop/huge.json"
watch_once --max-message 2048 # a file over 16 x 2048 bytes is not read at all
[ "$rc" -eq 2 ] && grep -q 'more than the 32768 read at most' "$drop/refused/huge.error.json" ||
  fail "a file over 16 times the limit: $(cat "$tmp/err")"

# ---------------------------------------------------------------------------------------------
step "a message the hub cuts the connection over holds up nothing behind it"
stop_broker
start_broker --max-message 2048 || fail "relaisd did not restart"
drop="$tmp/drop5"
mkdir -p "$drop"
referral Mid 12000 >"$drop/a-mid.json" # over 4 x 2048: the hub cuts, unanswered; under the client's 64 KiB
referral Good2 >"$drop/b-good.json"
referral Good3 >"$drop/c-good.json"
watch_timeout=10 watch_once
[ "$rc" -eq 3 ] || fail "exit $rc: $(cat "$tmp/out" "$tmp/err")"
[ -f "$drop/done/b-good.json" ] && [ -f "$drop/done/c-good.json" ] ||
  fail "the files behind the one the hub cuts over did not go through: $(ls -R "$drop"; cat "$tmp/err")"
grep -q '"file":"a-mid.json".*"error":"UNAVAILABLE"' "$tmp/out" || fail "a-mid not reported pending: $(cat "$tmp/out")"
watch_once --max-message 2048 # told the hub's limit: refused from the spool, not sent again
[ "$rc" -eq 1 ] || fail "exit $rc: $(cat "$tmp/out" "$tmp/err")"
[ -f "$drop/refused/a-mid.json" ] && grep -q '"error":"TOO_LARGE"' "$drop/refused/a-mid.error.json" ||
  fail "the spooled message over the limit was not refused: $(ls -R "$drop"; cat "$tmp/err")"
[ -z "$(ls "$drop/.relais-inflight")" ] || fail "left in flight: $(ls "$drop/.relais-inflight")"
grep -c 'event=ack' "$tmp/broker.log" >/dev/null || true
stop_broker_clean
echo "drop: all passed"
