#!/usr/bin/env bash
# text.sh -- controls in text reach no terminal: what `relais case list/show`, `relais feed` and the
# error lines print of names, schools, notes and case ids, against the real relaisd on loopback.
# usage: text.sh RELAIS RELAISD MAKE_STORE
#
# - a log written in clear without the hub's checks (make_store build-controls) holds a child whose names, school,
#   class and organisation carry escape sequences, a line break, a C1 CSI and a bidi override:
#   every text and JSON view shows them escaped, one row per case;
# - a note may hold line breaks (a multi-line field): the page quotes each of its lines under a
#   bar, so that none passes for a line of the page;
# - a control in a one-line field, or in a case id, is refused before anything is sent; no error
#   line carries it raw.
# Needs bash, coreutils, grep and sed. 127.0.0.1 only.
set -euo pipefail

relais=$1
relaisd=$2
make_store=$3
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init text

esc=$'\x1b'
c1=$'\xc2\x9b'
rlo=$'\xe2\x80\xae'
# no_controls FILE WHAT: FILE holds no C0 control but the line feed, no DEL, and none of the
# C1 and bidirectional characters of the fixture.
no_controls() {
  local c0
  c0=$(LC_ALL=C tr -d '\n\040-\176\200-\377' <"$1" | wc -c)
  [ "$c0" -eq 0 ] || { cat -v "$1" >&2; fail "$2: $c0 C0 or DEL bytes reached the output"; }
  if LC_ALL=C grep -q -F -e "$c1" -e "$rlo" "$1"; then cat -v "$1" >&2; fail "$2: a C1 or bidi control reached the output"; fi
}

step "a log written without the hub's checks (in clear), with controls in a child's names, school, class and organisation"
mkdir -p "$tmp/keys" "$tmp/notes" "$tmp/store" "$tmp/registry"
"$make_store" build-controls "$tmp/store" "$tmp/keys" "$tmp/notes"
"$relais" keygen coordination --role coordinator --org Ville --out "$tmp/keys" >/dev/null
cp "$tmp/keys/"*.cert "$tmp/registry/"
broker_key=$tmp/keys/relais-hub.cert_secret
broker_data_key=none # make_store writes a store in clear
start_broker_on_free_port
export RELAIS_KEY="$tmp/keys/coordination.cert_secret" RELAIS_SERVER_CERT="$tmp/keys/relais-hub.cert"
export HOME="$tmp/home"

step "case list: one row, every control escaped"
expect_exit 0 "$relais" case list
no_controls "$tmp/out" "case list"
[ "$(grep -c '^C-1 ' "$tmp/out")" -eq 1 ] || fail "case list: $(cat "$tmp/out")"
grep -q '^#99' "$tmp/out" && fail "case list: the school forged a row"
grep -qF 'Curie\n#99' "$tmp/out" || fail "case list: the line break is not shown escaped: $(cat "$tmp/out")"
[ "$(wc -l <"$tmp/out")" -eq 3 ] || fail "case list: header, one case, the count: $(cat "$tmp/out")"
expect_exit 0 "$relais" case list --json
no_controls "$tmp/out" "case list --json"
grep -qF '\u202e' "$tmp/out" || fail "case list --json: the bidi override is not escaped: $(cat "$tmp/out")"

step "case show and the feed: the same"
expect_exit 0 "$relais" case show C-1
no_controls "$tmp/out" "case show"
grep -qF 'Lina\u202e B.' "$tmp/out" || fail "case show: $(cat "$tmp/out")"
grep -q '^#99' "$tmp/out" && fail "case show: the school forged a row"
grep -qF '\x1b]0;pwned\x07' "$tmp/out" || fail "case show: the organisation: $(cat "$tmp/out")"
expect_exit 0 "$relais" case show C-1 --json
no_controls "$tmp/out" "case show --json"
expect_exit 0 "$relais" feed --from 1 --count 1
no_controls "$tmp/out" "feed"
[ "$(wc -l <"$tmp/out")" -eq 1 ] || fail "feed: one record, one line: $(cat "$tmp/out")"
grep -qF 'Lina\u202e' "$tmp/out" || fail "feed: the bidi override is not shown escaped: $(cat "$tmp/out")"
expect_exit 0 "$relais" feed --json --from 1 --count 1
no_controls "$tmp/out" "feed --json"
grep -qF 'Lina\u202e' "$tmp/out" || fail "feed --json: $(cat "$tmp/out")"

step "a note keeps its line break, quoted under the bar"
expect_exit 0 "$relais" case update C-1 triage --note $'vu en instance\n#98 2026-01-01 00:00 forged row'
expect_exit 0 "$relais" case show C-1
no_controls "$tmp/out" "case show with a note"
grep -q '^ *#98' "$tmp/out" && fail "case show: the note forged a row: $(cat "$tmp/out")"
grep -q '^ *│ vu en instance$' "$tmp/out" && grep -q '^ *│ #98 2026-01-01 00:00 forged row$' "$tmp/out" ||
  fail "case show: the note: $(cat "$tmp/out")"

step "a control in a one-line field: refused before anything is sent"
head=$("$relais" audit export --store "$tmp/store" 2>/dev/null | wc -l || true)
expect_exit 2 "$relais" case update C-1 note --reason "family${esc}]0;x"
grep -q 'case_update.reason_code: control character U+001B' "$tmp/err" || fail "no field named: $(cat "$tmp/err")"
no_controls "$tmp/err" "the local refusal"
expect_exit 2 "$relais" case show "C-1${esc}[2J"
grep -qF "'C-1\x1b[2J' is not a case id" "$tmp/err" || fail "the case id is not refused, escaped: $(cat "$tmp/err")"
no_controls "$tmp/err" "the refusal of the case id"
expect_exit 2 "$relais" case show "C-1${esc}[2J" --bogus
no_controls "$tmp/err" "a usage error"
stop_broker_clean
echo "text: all passed"
