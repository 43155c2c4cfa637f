#!/usr/bin/env bash
# desk_lib.sh -- what the desk's end-to-end tests share, sourced after lib.sh: a desk started and
# stopped, and curl against it, each answer's headers checked; the hub's records of the desk's
# reads; what the browser tests need.
#
# The caller sets $relais and hub=(VAR=VALUE ...), the environment of the desk's identity and its
# hub (RELAIS_ENDPOINT, RELAIS_KEY, RELAIS_SERVER_CERT); desk_key=PATH starts a desk as another
# identity; desk_in=PATH gives the desk a standard input (a FIFO: a line asks for another address).

# start_desk NAME ARG...: `relais desk ARG...` in the background, its output in $tmp/NAME.out and
# .err; waits for its first address (local mode) or its proxy line. Sets desk_pid, login (the
# one-time address, "" behind a proxy) and desk_url (http://127.0.0.1:PORT).
start_desk() {
  local name=$1
  shift
  env "${hub[@]+"${hub[@]}"}" ${desk_key:+RELAIS_KEY="$desk_key"} "$relais" desk "$@" \
    <"${desk_in:-/dev/null}" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  desk_pid=$!
  bg_pids+=("$desk_pid")
  for _ in $(seq 100); do
    if grep -q 'http://\|serving its proxy' "$tmp/$name.out" 2>/dev/null; then
      login=$(grep -o 'http://127\.0\.0\.1:[0-9]*/login?token=[A-Za-z0-9_-]*' "$tmp/$name.out" | head -1 || true)
      desk_url=${login%%/login*}
      return 0
    fi
    kill -0 "$desk_pid" 2>/dev/null || { cat "$tmp/$name.err" >&2; fail "relais desk $* exited at start"; }
    sleep 0.1
  done
  fail "relais desk $* printed nothing"
}

# stop_desk PID: SIGTERM, and it exits 0.
stop_desk() {
  local rc=0
  kill -TERM "$1"
  wait "$1" || rc=$?
  [ "$rc" -eq 0 ] || fail "relais desk exited $rc on SIGTERM"
}

# headers_ok WHAT: the headers every answer carries ($tmp/h, its line ends made Unix's); with
# desk_no_store=1, a Cache-Control: no-store too (every answer but the style sheet and the script).
headers_ok() {
  sed -i 's/\r$//' "$tmp/h"
  grep -qiF "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'" "$tmp/h" ||
    { cat "$tmp/h" >&2; fail "$1: no Content-Security-Policy, or another"; }
  grep -qi '^X-Content-Type-Options: nosniff' "$tmp/h" || fail "$1: no X-Content-Type-Options"
  grep -qi '^Referrer-Policy: no-referrer' "$tmp/h" || fail "$1: no Referrer-Policy"
  [ "${desk_no_store:-0}" = 0 ] || grep -qi '^Cache-Control: no-store' "$tmp/h" || fail "$1: no Cache-Control: no-store"
}

# web METHOD PATH [CURL-ARG...]: one request to the desk with the cookie jar $jar; the status in
# $code, the headers in $tmp/h, the body in $tmp/b; the headers checked.
jar=$tmp/jar
web() {
  local method=$1 path=$2
  shift 2
  code=$(curl -s -o "$tmp/b" -D "$tmp/h" -w '%{http_code}' -X "$method" -b "$jar" -c "$jar" "$@" "$desk_url$path")
  headers_ok "$method $path"
}
# bare PATH [CURL-ARG...]: what a calendar program asks: no cookie, none kept.
bare() {
  local path=$1
  shift
  code=$(curl -s -o "$tmp/b" -D "$tmp/h" -w '%{http_code}' "$@" "$desk_url$path")
  headers_ok "bare $path"
}
# session: a session of the desk just started, by its one-time address.
session() {
  rm -f "$jar"
  web GET "/login?token=${login##*token=}"
  [ "$code" = 303 ] || fail "the one-time address: $code"
}

# page NAME: the body just fetched kept as a page for the HTML rules (desk_html.py).
page() { cp "$tmp/b" "$tmp/pages/$1.html"; }
has() { grep -qF -- "$1" "$tmp/b" || { cat "$tmp/b" >&2; fail "expected in the answer: $1"; }; }
hasnt() { if grep -qF -- "$1" "$tmp/b"; then fail "not expected in the answer: $1"; fi; }
csrf() { sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$tmp/b" | head -1; }

# until_queue_settled: polls the queue's page (/queue) until no action on it waits for the hub (60 s:
# the desk retries every second at first, up to every 30 s); the page in $tmp/b.
until_queue_settled() {
  for _ in $(seq 120); do
    web GET /queue
    grep -q "en attente depuis" "$tmp/b" || return 0
    sleep 0.5
  done
  fail "actions still wait on /queue: $(cat "$tmp/b")"
}

# until_page PATH TEXT: polls the page until it holds TEXT (20 s).
until_page() {
  for _ in $(seq 100); do
    web GET "$1"
    grep -qF -- "$2" "$tmp/b" && return 0
    sleep 0.2
  done
  cat "$tmp/b" >&2
  fail "$1 never showed: $2"
}

# reads WHAT: the number of the hub's access records of the coordinator's reads of kind WHAT
# (case-show, case-list), from the feed with the access records.
reads() {
  env "${hub[@]}" timeout 60 "$relais" feed --from 1 --with-access --idle-exit 1 >"$tmp/feed" 2>"$tmp/err" ||
    fail "relais feed: $(cat "$tmp/err")"
  grep -c " access .*$1 by coordination" "$tmp/feed" || true
}

# browser_needs: what the browser tests need, which scripts/install-deps installs: missing, the test
# fails and says what. Sets python, the python3 that sees Debian's Selenium ($src: the sources).
browser_needs() {
  python=$("$src/scripts/python-with" selenium || true)
  [ -n "$python" ] || fail "Selenium for Python is missing (Debian: python3-selenium; scripts/install-deps)"
  [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] ||
    fail "Chromium is missing (Debian: chromium, chromium-driver; scripts/install-deps)"
  [ -f "$src/tests/browser/node_modules/axe-core/axe.min.js" ] ||
    fail "axe-core is missing (npm ci --prefix tests/browser; scripts/install-deps does it)"
}
