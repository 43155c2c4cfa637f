#!/usr/bin/env bash
# man.sh -- the manual pages of man/: groff formats each without a single warning, each has the sections a reader
# looks for, and each names every long option its program's --help prints (relais.1: `relais --help` and
# `relais COMMAND --help` of every command but agent and desk, which have pages of their own; relaisd.8:
# `relaisd --help`), and every RELAIS_* variable that help names. The checker is then shown to fail on a copy of a
# page with one option taken out.
# usage: man.sh RELAIS RELAISD SOURCE_DIR
# Needs bash, groff (groff-base), grep and sed.
set -euo pipefail

relais=$1
relaisd=$2
source_dir=$(cd "$3" && pwd) # the checks run from $tmp
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init man
man_dir=$source_dir/man
cd "$tmp"

# render PAGE: the page as a reader sees it, as plain text: no bold or underline by overstriking, lines long enough
# that no option is broken across two, no hyphenation, and groff's hyphen and minus glyphs read as ASCII '-'.
render() {
  groff -man -Tutf8 -rLL=2000n -rHY=0 -P-cbou "$1" | sed 's/\xe2\x80\x90/-/g; s/\xe2\x88\x92/-/g'
}

# check_page PAGE HELP...: every long option and RELAIS_* variable printed in the HELP files appears in PAGE as a
# word of its own (--key is not found inside --key-file); prints each one missing, and fails when one is.
check_page() {
  local page=$1 text=$tmp/page.txt missing=0 word
  shift
  render "$page" >"$text"
  for word in $(cat "$@" | grep -oE -- '--[a-z][a-z0-9]*(-[a-z0-9]+)*|RELAIS_[A-Z_]*[A-Z]' | sort -u); do
    grep -qE -- "(^|[^A-Za-z0-9_-])$word([^A-Za-z0-9_-]|$)" "$text" || {
      echo "${page##*/}: $word is missing (printed by $(grep -l -- "$word" "$@" | sed 's|.*/||' | tr '\n' ' '))"
      missing=1
    }
  done
  return $missing
}

step "each page formats without a warning and has its sections"
for page in relais.1 relaisd.8 relais-agent.8 relais-desk.1; do
  [ -f "$man_dir/$page" ] || fail "man/$page is missing"
  groff -ww -man -Tutf8 "$man_dir/$page" >"$tmp/formatted" 2>"$tmp/warnings" || fail "groff failed on $page"
  [ ! -s "$tmp/warnings" ] || { cat "$tmp/warnings" >&2; fail "groff warns on $page"; }
  render "$man_dir/$page" >"$tmp/text"
  for section in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" ENVIRONMENT FILES "SEE ALSO"; do
    grep -qx "$section" "$tmp/text" || fail "$page has no $section section"
  done
done

step "relais.1 gives the README's exit statuses, 0 to 4"
render "$man_dir/relais.1" | sed -n '/^EXIT STATUS$/,/^ENVIRONMENT$/p' >"$tmp/exit"
for status in 0 1 2 3 4; do
  grep -qE "^ +$status( |$)" "$tmp/exit" || fail "relais.1's EXIT STATUS does not give $status"
done

step "the help of every program, and of every relais command"
mkdir help
expect_exit 0 "$relais" --help
cp "$tmp/out" help/relais
commands=$(sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' help/relais)
[ -n "$commands" ] || fail "no command read from relais --help"
for c in $commands; do
  expect_exit 0 "$relais" "$c" --help
  cp "$tmp/out" "help/relais-$c"
done
expect_exit 0 "$relaisd" --help
cp "$tmp/out" help/relaisd

step "every option of the help is in its page, every command in relais.1"
pages_fail=0
general=()
for c in $commands; do
  case $c in agent | desk) ;; *) general+=("help/relais-$c") ;; esac
done
check_page "$man_dir/relais.1" help/relais "${general[@]}" || pages_fail=1
check_page "$man_dir/relais-agent.8" help/relais-agent || pages_fail=1
check_page "$man_dir/relais-desk.1" help/relais-desk || pages_fail=1
check_page "$man_dir/relaisd.8" help/relaisd || pages_fail=1
render "$man_dir/relais.1" >"$tmp/text"
for c in $commands; do
  grep -qE "^   relais $c( |$)" "$tmp/text" || { echo "relais.1: no section for relais $c"; pages_fail=1; }
done
[ "$pages_fail" -eq 0 ] || fail "the pages do not say all the help does (above)"

step "the checker fails on a page that lost an option"
sed 's/\\-\\-page\\-rows/\\-\\-rows/g' "$man_dir/relais-desk.1" >planted.1
cmp -s planted.1 "$man_dir/relais-desk.1" && fail "the planted page is the page: nothing was taken out"
if check_page planted.1 help/relais-desk >"$tmp/verdict"; then
  fail "the checker passed a page without --page-rows"
fi
grep -qx 'planted.1: --page-rows is missing (printed by relais-desk )' "$tmp/verdict" ||
  fail "the checker's verdict on the planted page: $(cat "$tmp/verdict")"

echo "man: ok"
