#!/usr/bin/env bash
# streets.sh -- `relais streets`: the town's street list imported from the BAN extract of tests/data, looked up as
# the desk types, and what a bad file, a missing list or a hostile text do. No hub: the list is local.
# usage: streets.sh RELAIS SOURCE_DIR
# Needs bash, coreutils and grep.
set -euo pipefail

relais=$1
source_dir=$2
relaisd=/nonexistent # lib.sh's broker helpers are not used here
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init streets
extract=$source_dir/tests/data/ban-sceaux-extract.csv
cd "$tmp"

step "import: a summary in French and English, the list where --out says, readable by all"
expect_exit 0 "$relais" streets import "$extract" --out "$tmp/streets.tsv"
grep -qx "43 voies importées / streets imported (Sceaux, 92330) -> $tmp/streets.tsv" "$tmp/out" ||
  fail "import summary: $(cat "$tmp/out")"
first_line=$(sed -n 1p "$tmp/streets.tsv")
[[ $first_line =~ ^#\ relais\ streets\ v1:\ .*source:\ ban-sceaux-extract\.csv,\ imported\  ]] ||
  fail "the list's first line: $(head -1 "$tmp/streets.tsv")"
grep -qx $'Rue Houdan\t92330\tSceaux\t92071\t92071_0350' "$tmp/streets.tsv" || fail "Rue Houdan not in the list"
[ "$(stat -c %a "$tmp/streets.tsv")" = 644 ] || fail "the list is not 0644"

step "import: RELAIS_STREETS, else ./streets.tsv; standard input; --insee"
RELAIS_STREETS=$tmp/env.tsv expect_exit 0 "$relais" streets import - --insee 92071 <"$extract"
[ -s "$tmp/env.tsv" ] || fail "RELAIS_STREETS was not written"
expect_exit 0 "$relais" streets import "$extract"
cmp -s <(tail -n +2 "$tmp/streets.tsv") <(tail -n +2 ./streets.tsv) || fail "./streets.tsv differs"

step "find: exact however typed (exit 0), else the closest (exit 1)"
export RELAIS_STREETS=$tmp/streets.tsv
expect_exit 0 "$relais" streets find "12 bis, r. HOUDAN"
grep -qx "Rue Houdan, 92330 Sceaux" "$tmp/out" || fail "find r. houdan: $(cat "$tmp/out")"
expect_exit 0 "$relais" streets find pl du gal de gaulle
grep -qx "Place du Général de Gaulle, 92330 Sceaux" "$tmp/out" || fail "find pl du gal de gaulle: $(cat "$tmp/out")"
expect_exit 1 "$relais" streets find rue houdin
grep -qx "no street of the town's list is called \"rue houdin\"; closest: Rue Houdan" "$tmp/out" ||
  fail "find rue houdin: $(cat "$tmp/out")"
expect_exit 1 "$relais" streets find "st jean"
grep -qx "no street of the town's list is called \"st jean\"; closest: Rue Saint-Jean" "$tmp/out" ||
  fail "find st jean: $(cat "$tmp/out")"

step "a control typed reaches no terminal; a text too long or empty is refused (exit 2)"
expect_exit 1 "$relais" streets find $'rue\e[2J houdin'
if grep -q $'\e' "$tmp/out"; then fail "an escape reached the output"; fi
grep -qF 'rue\x1b[2J houdin' "$tmp/out" || fail "the escape is not shown escaped: $(cat -v "$tmp/out")"
expect_exit 2 "$relais" streets find "$(printf 'a%.0s' $(seq 250))"
grep -q "relais: streets find: INVALID: a street typed is at most 200 bytes long; this one is 250" "$tmp/err" ||
  fail "a long text: $(cat "$tmp/err")"
expect_exit 2 "$relais" streets find " - "

step "a bad file is refused by line, and the list in place is kept"
cp "$tmp/streets.tsv" "$tmp/before.tsv"
{ head -5 "$extract"; printf '92071_x;92071_0350;1;;"Rue Houdan;92330;92071;Sceaux;;;1;2;3;4;e;;;S;X;c;c;1;p\n'; } >"$tmp/bad.csv"
expect_exit 2 "$relais" streets import "$tmp/bad.csv"
grep -q "relais: streets import: MALFORMED: $tmp/bad.csv: line 6, field 5: a quoted field is not closed" "$tmp/err" ||
  fail "bad CSV: $(cat "$tmp/err")"
cmp -s "$tmp/before.tsv" "$tmp/streets.tsv" || fail "a refused import changed the list"
[ "$(find "$tmp" -name '*.tmp-*' | wc -l)" -eq 0 ] || fail "a temporary file was left"
expect_exit 2 "$relais" streets import "$extract" --insee 92019
grep -q "NOT_FOUND: .*no street of commune 92019 in the file" "$tmp/err" || fail "--insee 92019: $(cat "$tmp/err")"
cmp -s "$tmp/before.tsv" "$tmp/streets.tsv" || fail "an import of no street changed the list"

step "a missing or damaged list says so (exit 2)"
expect_exit 2 "$relais" streets find --streets "$tmp/none.tsv" houdan
grep -q "IO: cannot open the street list $tmp/none.tsv" "$tmp/err" || fail "missing list: $(cat "$tmp/err")"
head -c 300 "$tmp/streets.tsv" >"$tmp/cut.tsv"
expect_exit 2 "$relais" streets find --streets "$tmp/cut.tsv" houdan
grep -q "MALFORMED: $tmp/cut.tsv: the list ends in the middle of line" "$tmp/err" || fail "cut list: $(cat "$tmp/err")"

step "usage"
expect_exit 0 "$relais" streets --help
grep -q '^usage: relais streets import FILE.csv' "$tmp/out" || fail "--help"
expect_exit 2 "$relais" streets
expect_exit 2 "$relais" streets frob
expect_exit 2 "$relais" streets import
expect_exit 2 "$relais" streets find houdan --insee 92071
echo "streets: ok"
