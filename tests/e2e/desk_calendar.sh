#!/usr/bin/env bash
# desk_calendar.sh -- the review calendar of `relais desk` against a real hub, with curl and a real
# iCalendar parser (tests/e2e/desk_ics.py, python3-icalendar): the file from a session (its
# headers, its events, UIDs and days, French and English, no child's name even one written in
# markup), the calendar's page (CSRF, a subscription made and shown once, only its hash on disk),
# the subscription address (no cookie, the file only, a wrong or malformed token and any other
# method refused alike, another Host refused), the subscription surviving a restart with
# --state-dir, replaced, revoked (then 404, and still after a restart), a state folder or file
# others may read refused at start, a desk without --state-dir saying so, and proxy mode (the
# address let through without X-Remote-User but not without the proxy's secret, the proxy's
# address shown).
# usage: desk_calendar.sh RELAIS RELAISD SOURCE_DIR
set -euo pipefail

relais=$1
relaisd=$2
src=$3
examples=$src/examples
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init desk-calendar
pki_broker
# The hub counts review days in UTC; the dates below too.
export TZ=UTC
command -v curl >/dev/null || { echo "curl is not installed (scripts/install-deps)" >&2; exit 2; }
python=$("$src/scripts/python-with" icalendar || true)
[ -n "$python" ] || fail "icalendar for Python is missing (Debian: python3-icalendar; scripts/install-deps)"

mkdir -p "$tmp/store" "$tmp/spool" "$tmp/pages"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
start_broker_on_free_port
hub=(RELAIS_ENDPOINT="tcp://127.0.0.1:$port" RELAIS_KEY="$tmp/pki/coordination/coordination.cert_secret"
  RELAIS_SERVER_CERT="$tmp/pki/relais-hub/relais-hub.cert")

day() { date -d "$1" +%Y-%m-%d; }
today=$(day today)
in_month=$(day "+30 days")
in_two=$(day "+60 days")
in_three=$(day "+90 days")

# shellcheck source-path=SCRIPTDIR source=desk_lib.sh
. "$(dirname "$0")/desk_lib.sh"
desk_no_store=1
# What no calendar may hold: the children's names, their schools, the referrers.
forbid=(--forbid Benali --forbid Lina --forbid Martin --forbid Adam --forbid "Marie Curie" --forbid Blagis
  --forbid "<script" --forbid "onerror" --forbid "alert(" --forbid "college-curie" --forbid "pmi-blagis"
  --forbid "Collège")
ics() { "$python" "$src/tests/e2e/desk_ics.py" "$tmp/b" "${forbid[@]}" "$@" || fail "desk_ics.py: the calendar above"; }
sha256_of() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

step "cases with review dates, one paused, one child named in markup; a partnership meeting"
child "$tmp/lina.json" Benali '["Lina"]' "Collège Marie Curie" SCHOOL_HEAD
expect 0 college-curie submit "$tmp/lina.json"
lina=$(case_of "$(field case_id "$(cat "$tmp/out")")")
child "$tmp/adam.json" Martin '["Adam"]' "PMI Les Blagis" PMI
expect 0 pmi-blagis submit "$tmp/adam.json"
adam=$(case_of "$(field case_id "$(cat "$tmp/out")")")
child "$tmp/script.json" '<script>alert(1)<\/script>' '["<img src=x onerror=alert(2)>"]' "Collège Marie Curie" SCHOOL_HEAD
sed -i 's/"2014-03-12"/"2015-06-01"/; s/"school": "Collège Marie Curie"/"school": "<b>École<\/b>, Sceaux; \\\\ Ouest"/' "$tmp/script.json"
expect 0 college-curie submit "$tmp/script.json"
script_case=$(case_of "$(field case_id "$(cat "$tmp/out")")")
child "$tmp/sarah.json" Roux '["Sarah"]' "CMP de Sceaux" CMP
expect 0 cmp-sceaux submit "$tmp/sarah.json"
sarah=$(case_of "$(field case_id "$(cat "$tmp/out")")") # submitted: no review
for c in "$lina" "$adam" "$script_case"; do expect 0 coordination case update "$c" triage; done
expect 0 coordination case update "$lina" accepted --review-date "$in_month"
expect 0 coordination case update "$adam" accepted --review-date "$in_month"
expect 0 coordination case update "$script_case" accepted --review-date "$in_three"
expect 0 coordination case update "$adam" paused
# The meeting moves Lina's review; Adam, paused, is reviewed and stays paused.
expect 0 coordination meeting record --date "$today" --present "Mme Roux;psychologue;CMP de Sceaux" \
  --case "$lina;Point d'étape avec Lina Benali et sa mère;$in_two" --case "$adam;à revoir à son retour"
mid=$(sed -n "s/^$lina: recorded for meeting \(M-${today//-/}-[0-9a-f]*\) (#[0-9]*)$/\1/p" "$tmp/out")
[ -n "$mid" ] || fail "the meeting: $(cat "$tmp/out")"
reviews=(--review "$lina=$in_two" --review "$script_case=$in_three" --no-review "$adam" --no-review "$sarah"
  --meeting "$mid=$today=$lina,$adam" --events 3)

step "a desk with --state-dir (a folder it makes, 0700); the calendar's page and file from a session"
start_desk local --state-dir "$tmp/state"
[ "$(stat -c %a "$tmp/state")" = 700 ] || fail "the state folder is $(stat -c %a "$tmp/state")"
session
for _ in $(seq 100); do
  web GET /calendar
  grep -qF "2 bilans, 1 instance." "$tmp/b" && break
  sleep 0.2
done
[ "$code" = 200 ] || fail "the calendar's page: $code"
has "<h1>Calendrier des bilans</h1>"
has "2 bilans, 1 instance."
has '<a href="/calendar.ics">'
has "Aucune adresse d'abonnement n'existe."
has '<a href="/calendar" aria-current="page">Calendrier</a>'
hasnt "Benali"
page calendar-none
web GET /calendar.ics
[ "$code" = 200 ] || fail "the file from a session: $code"
grep -qi '^Content-Type: text/calendar; charset=utf-8' "$tmp/h" || fail "the file's type: $(cat "$tmp/h")"
grep -qi '^Content-Disposition: attachment; filename="relais-calendrier.ics"' "$tmp/h" || fail "not an attachment"
ics "${reviews[@]}" --uids-out "$tmp/uids1"
cp "$tmp/b" "$tmp/calendar.ics" # kept with RELAIS_KEEP_TMP=1
grep -q "^SUMMARY:Bilan $lina"$'\r'"$" "$tmp/b" && grep -q "^X-WR-CALNAME:relais — bilans et instances (coordination)" "$tmp/b" ||
  fail "the French words: $(cat "$tmp/b")"
grep -q "^DESCRIPTION:Prochain bilan du dossier $lina (état : accepté)." "$tmp/b" || fail "a review's description"
sleep 1.1 # another DTSTAMP: the UIDs stay
web GET /calendar.ics
ics "${reviews[@]}" --uids-out "$tmp/uids2"
cmp -s "$tmp/uids1" "$tmp/uids2" || fail "the UIDs changed from one fetch to the next"
web GET "/calendar.ics?lang=en"
ics "${reviews[@]}" --lang en
grep -q "^SUMMARY:Review $lina" "$tmp/b" || fail "the English file"
web GET "/calendar?lang=en"
has "<h1>Review calendar</h1>"
page calendar-en
web GET "/calendar?lang=fr"
head -c 200 "$tmp/b" | grep -q '<html lang="fr">' || fail "back to French"

step "the subscription: CSRF first; made, shown once, only its SHA-256 on disk (0600)"
web POST /calendar --data-urlencode "action=subscribe"
[ "$code" = 403 ] || fail "a subscription without the CSRF token: $code"
web POST /calendar --data-urlencode "csrf=AAAA" --data-urlencode "action=subscribe"
[ "$code" = 403 ] || fail "a subscription with another CSRF token: $code"
[ ! -e "$tmp/state/calendar-subscription" ] || fail "a refused form made a subscription"
web GET /calendar
form_csrf=$(csrf)
web POST /calendar --data-urlencode "csrf=$form_csrf" --data-urlencode "action=nothing"
[ "$code" = 422 ] || fail "another action: $code"
web POST /calendar --data-urlencode "csrf=$form_csrf" --data-urlencode "action=subscribe"
[ "$code" = 200 ] || fail "the subscription: $code"
address=$(sed -n 's/.*id="cal-address"[^>]*>\([^<]*\)<\/textarea>.*/\1/p' "$tmp/b")
[[ "$address" =~ ^$desk_url/calendar/[A-Za-z0-9_-]{43}\.ics$ ]] || fail "the address shown: '$address'"
token=${address##*/calendar/}
token=${token%.ics}
has 'role="status"'
has "Une adresse d'abonnement existe, créée le"
has "Révoquer l'adresse"
page calendar-made
web GET /calendar
hasnt "$token"
[ "$(stat -c %a "$tmp/state/calendar-subscription")" = 600 ] || fail "the file is $(stat -c %a "$tmp/state/calendar-subscription")"
grep -q "$token" "$tmp/state/calendar-subscription" && fail "the token itself is on disk"
grep -qx "sha256 $(sha256_of "$token")" "$tmp/state/calendar-subscription" ||
  fail "the file does not hold the token's SHA-256: $(cat "$tmp/state/calendar-subscription")"

step "the subscription address: the file, without a cookie; nothing else, and the same 404 for every wrong one"
bare "/calendar/$token.ics"
[ "$code" = 200 ] || fail "the subscription address: $code"
grep -qi '^Content-Type: text/calendar; charset=utf-8' "$tmp/h" || fail "its type"
grep -qi '^Set-Cookie' "$tmp/h" && fail "the subscription address set a cookie"
grep -qi '^Content-Disposition' "$tmp/h" && fail "the subscription's file is not a download"
ics "${reviews[@]}"
code=$(curl -s -o /dev/null -w '%{http_code}' -I "$desk_url/calendar/$token.ics")
[ "$code" = 200 ] || fail "HEAD of the subscription address: $code"
bare "/calendar/$token.ics" -X POST -d x=1
[ "$code" = 404 ] && hasnt BEGIN:VCALENDAR || fail "a POST to the subscription address: $code"
if [ "${token:0:1}" = A ]; then wrong=B${token:1}; else wrong=A${token:1}; fi
bare "/calendar/$wrong.ics"
[ "$code" = 404 ] && hasnt BEGIN:VCALENDAR && cp "$tmp/b" "$tmp/wrong" || fail "a wrong token: $code"
for path in "/calendar/$token" "/calendar/$token.ics/x" "/calendar/${token}x.ics" "/calendar/x.ics" "/calendar/" \
  "/calendar/..%2F$token.ics" "/calendar/$token.ICS"; do
  bare "$path"
  [ "$code" = 404 ] && cmp -s "$tmp/b" "$tmp/wrong" || fail "$path: $code, or another answer than a wrong token's"
done
bare "/calendar/$token.ics" -H 'Host: desk.attacker.example'
[ "$code" = 403 ] && hasnt BEGIN:VCALENDAR || fail "the subscription address by another Host: $code"
bare "/calendar/$token.ics" -b "relais_desk_0=x"
[ "$code" = 200 ] || fail "a cookie the subscription address does not read: $code"
# The token is no session: the pages stay closed to it.
bare "/?token=$token"
[ "$code" = 303 ] || fail "the list with the token: $code"
bare "/login?token=$token"
[ "$code" = 403 ] || fail "the token as a one-time address: $code"

step "the subscription survives a restart with --state-dir"
stop_desk "$desk_pid"
start_desk again --state-dir "$tmp/state"
for _ in $(seq 100); do
  bare "/calendar/$token.ics"
  [ "$code" = 200 ] && grep -q "^UID:meeting-$mid@relais" "$tmp/b" && break
  sleep 0.2
done
[ "$code" = 200 ] || fail "the subscription after a restart: $code"
ics "${reviews[@]}"
session
web GET /calendar
has "Une adresse d'abonnement existe, créée le"
hasnt "dossier d'état"

step "a new address replaces the old one; revoked, refused, and still after a restart"
web POST /calendar --data-urlencode "csrf=$(csrf)" --data-urlencode "action=subscribe"
[ "$code" = 200 ] || fail "a second subscription: $code"
second=$(sed -n 's/.*id="cal-address"[^>]*>[^<]*\/calendar\/\([A-Za-z0-9_-]*\)\.ics<\/textarea>.*/\1/p' "$tmp/b")
[ ${#second} -eq 43 ] && [ "$second" != "$token" ] || fail "the second token: '$second'"
bare "/calendar/$token.ics"
[ "$code" = 404 ] || fail "the replaced address: $code"
bare "/calendar/$second.ics"
[ "$code" = 200 ] || fail "the new address: $code"
web GET /calendar
web POST /calendar --data-urlencode "csrf=$(csrf)" --data-urlencode "action=revoke"
[ "$code" = 200 ] || fail "the revocation: $code"
has "Adresse révoquée"
has "Aucune adresse d'abonnement n'existe."
hasnt 'id="cal-revoke"'
page calendar-revoked
bare "/calendar/$second.ics"
[ "$code" = 404 ] && cmp -s "$tmp/b" "$tmp/wrong" || fail "a revoked address: $code"
[ ! -e "$tmp/state/calendar-subscription" ] || fail "the revoked subscription's file is still there"
stop_desk "$desk_pid"
start_desk after-revoke --state-dir "$tmp/state"
sleep 0.5
bare "/calendar/$second.ics"
[ "$code" = 404 ] || fail "a revoked address after a restart: $code"
stop_desk "$desk_pid"

step "a state folder or file others may read or write, or another person's, is refused at start"
chmod 755 "$tmp/state"
env "${hub[@]}" "$relais" desk --state-dir "$tmp/state" </dev/null >"$tmp/out" 2>"$tmp/err" &&
  fail "a state folder others may enter was taken"
grep -q "others may not enter (chmod 700 it)" "$tmp/err" || fail "$(cat "$tmp/err")"
chmod 700 "$tmp/state"
printf 'relais-desk-calendar 1\nperson coordination\nsha256 %064d\nmade 0\n' 0 >"$tmp/state/calendar-subscription"
chmod 644 "$tmp/state/calendar-subscription"
env "${hub[@]}" "$relais" desk --state-dir "$tmp/state" </dev/null >"$tmp/out" 2>"$tmp/err" &&
  fail "a subscription file others may read was taken"
grep -q "chmod 600 it" "$tmp/err" || fail "$(cat "$tmp/err")"
chmod 600 "$tmp/state/calendar-subscription"
sed -i 's/^person coordination$/person coord-bureau/' "$tmp/state/calendar-subscription"
env "${hub[@]}" "$relais" desk --state-dir "$tmp/state" </dev/null >"$tmp/out" 2>"$tmp/err" &&
  fail "another person's subscription was taken"
grep -q "the subscription of coord-bureau's desk, not coordination's" "$tmp/err" || fail "$(cat "$tmp/err")"
echo "garbage" >"$tmp/state/calendar-subscription"
env "${hub[@]}" "$relais" desk --state-dir "$tmp/state" </dev/null >"$tmp/out" 2>"$tmp/err" &&
  fail "a file the desk did not write was taken"
grep -q "is not a subscription this desk wrote" "$tmp/err" || fail "$(cat "$tmp/err")"
rm "$tmp/state/calendar-subscription"

step "without --state-dir the subscription lives in memory only, and the page says so"
start_desk memory
session
web GET /calendar
has "Ce desk n'a pas de dossier d'état (--state-dir)"
web POST /calendar --data-urlencode "csrf=$(csrf)" --data-urlencode "action=subscribe"
token=$(sed -n 's/.*id="cal-address"[^>]*>[^<]*\/calendar\/\([A-Za-z0-9_-]*\)\.ics<\/textarea>.*/\1/p' "$tmp/b")
bare "/calendar/$token.ics"
[ "$code" = 200 ] || fail "a subscription in memory: $code"
stop_desk "$desk_pid"
start_desk memory-again
bare "/calendar/$token.ics"
[ "$code" = 404 ] || fail "a subscription in memory after a restart: $code"
stop_desk "$desk_pid"

step "proxy mode: the address passes without X-Remote-User, never without the secret; the proxy's address shown"
printf 'un-secret-partagé-avec-nginx-%s\n' "$RANDOM$RANDOM" >"$tmp/secret"
chmod 600 "$tmp/secret"
secret=$(head -1 "$tmp/secret")
start_desk proxy --socket "$tmp/desk.sock" --proxy-secret "$tmp/secret" --state-dir "$tmp/state-proxy"
proxy() { # proxy [CURL-ARG...] PATH
  local path=${*: -1}
  code=$(curl -s -o "$tmp/b" -D "$tmp/h" -w '%{http_code}' --unix-socket "$tmp/desk.sock" "${@:1:$#-1}" "http://desk$path")
  headers_ok "proxy $path"
}
as_person=(-H "X-Relais-Proxy-Secret: $secret" -H "X-Remote-User: coordination" -H "Host: desk.sceaux.example")
proxy "${as_person[@]}" /calendar
[ "$code" = 200 ] || fail "the calendar's page behind the proxy: $code"
cookie=$(sed -n 's/^Set-Cookie: \(relais_desk=[^;]*\);.*/\1/Ip' "$tmp/h") # Secure: curl's jar keeps it from http
proxy "${as_person[@]}" -b "$cookie" --data-urlencode "csrf=$(csrf)" --data-urlencode "action=subscribe" /calendar
[ "$code" = 200 ] || fail "a subscription behind the proxy: $code"
address=$(sed -n 's/.*id="cal-address"[^>]*>\([^<]*\)<\/textarea>.*/\1/p' "$tmp/b")
[[ "$address" =~ ^https://desk\.sceaux\.example/calendar/coordination/[A-Za-z0-9_-]{43}\.ics$ ]] ||
  fail "the address behind the proxy: '$address'"
token=${address##*/}
token=${token%.ics}
page calendar-proxied
proxy -H "X-Relais-Proxy-Secret: $secret" "/calendar/$token.ics"
[ "$code" = 200 ] && has BEGIN:VCALENDAR || fail "the address through the proxy, without X-Remote-User: $code"
grep -qi '^Set-Cookie' "$tmp/h" && fail "the subscription address set a cookie behind the proxy"
proxy "/calendar/$token.ics"
[ "$code" = 403 ] && hasnt BEGIN:VCALENDAR || fail "the address without the proxy's secret: $code"
proxy -H "X-Relais-Proxy-Secret: ${secret}x" "/calendar/$token.ics"
[ "$code" = 403 ] || fail "the address with another secret: $code"
proxy -H "X-Relais-Proxy-Secret: $secret" /calendar.ics
[ "$code" = 403 ] && hasnt BEGIN:VCALENDAR || fail "the session's file without X-Remote-User: $code"
proxy -H "X-Relais-Proxy-Secret: $secret" /calendar
[ "$code" = 403 ] || fail "the calendar's page without X-Remote-User: $code"
proxy -H "X-Relais-Proxy-Secret: $secret" -X POST -d action=revoke "/calendar/$token.ics"
[ "$code" = 404 ] || fail "a POST to the address behind the proxy: $code"
proxy -H "X-Relais-Proxy-Secret: $secret" "/calendar/$token.ics"
[ "$code" = 200 ] || fail "the address after a refused POST: $code"
stop_desk "$desk_pid"

step "the calendar's pages keep the HTML rules"
"$python" "$(dirname "$0")/desk_html.py" "$tmp/pages/"*.html || fail "desk_html.py"

stop_broker_clean
echo "desk_calendar: all checks passed"
