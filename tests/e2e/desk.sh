#!/usr/bin/env bash
# desk.sh -- end-to-end test of `relais desk` against a real hub on 127.0.0.1, with curl: the one-time
# address and its cookie, the gate (no cookie, another Host, the proxy's secret and user over a unix
# socket), the work list built from the desk's own feed (a referral appears without a restart; a
# refresh reads nothing at the hub), the case page and its logged read, the moves (CSRF, a valid
# one stored, a refused one with the hub's sentence and the typed note kept, the hub down: not
# sent), the answers to a possible duplicate (the forms offered, CSRF, a malformed case id, a
# dismissal, a merge, a refusal, the hub down), escaping, the headers of every answer, the event
# stream, English, idle sessions (a form sent after one ended: its text given back), logout.
# usage: desk.sh RELAIS RELAISD SOURCE_DIR
set -euo pipefail

relais=$1
relaisd=$2
src=$3
examples=$src/examples
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init desk
pki_broker
command -v curl >/dev/null || { echo "curl is not installed (scripts/install-deps)" >&2; exit 2; }

mkdir -p "$tmp/store" "$tmp/spool" "$tmp/pages"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
start_broker_on_free_port
hub=(RELAIS_ENDPOINT="tcp://127.0.0.1:$port" RELAIS_KEY="$tmp/pki/coordination/coordination.cert_secret"
  RELAIS_SERVER_CERT="$tmp/pki/relais-hub/relais-hub.cert")

# shellcheck source-path=SCRIPTDIR source=desk_lib.sh
. "$(dirname "$0")/desk_lib.sh"
step "a desk on 127.0.0.1: it prints its address with a one-time token"
mkfifo "$tmp/local.in"
exec 7<>"$tmp/local.in" # the desk's stdin, kept open here: a line on it (Enter) asks for another address
desk_in=$tmp/local.in
start_desk local
desk_in=
local_pid=$desk_pid
login=$(grep -o 'http://127\.0\.0\.1:[0-9]*/login?token=[A-Za-z0-9_-]*' "$tmp/local.out" | head -1)
[ -n "$login" ] || fail "no address: $(cat "$tmp/local.out")"
desk_url=${login%%/login*}
token=${login##*token=}
[ ${#token} -eq 43 ] || fail "the token is not 32 bytes in base64url: $token"

step "no cookie: sent to /login, and no data"
env "${hub[@]}" RELAIS_KEY="$tmp/pki/college-curie/college-curie.cert_secret" RELAIS_SPOOL="$tmp/spool/college" \
  timeout 60 "$relais" submit "$examples/referral-college-marie-curie.json" >"$tmp/out" || fail "submit"
lina_r=$(field case_id "$(cat "$tmp/out")")
web GET /
[ "$code" = 303 ] && grep -qi '^Location: /login' "$tmp/h" || fail "no cookie: $code $(cat "$tmp/h")"
hasnt "Lina"
web GET /cases/C-1
[ "$code" = 303 ] && hasnt "Benali" || fail "no cookie, a case: $code"
web POST /cases/C-1/move -d "to=triage"
[ "$code" = 401 ] || fail "no cookie, a move: $code"
web GET /events
[ "$code" = 401 ] || fail "no cookie, the event stream: $code"
web GET /login
[ "$code" = 401 ] && has "relais desk" || fail "/login without a token: $code"
page login

step "the token gives a session cookie: HttpOnly, SameSite=Strict, not Secure on 127.0.0.1; once only"
web GET "/login?token=$token"
[ "$code" = 303 ] && grep -qi '^Location: /$' "$tmp/h" || fail "the token: $code $(cat "$tmp/h")"
cookie=$(grep -i '^Set-Cookie:' "$tmp/h")
[[ "$cookie" == *"; HttpOnly"* && "$cookie" == *"; SameSite=Strict"* && "$cookie" == *"; Path=/"* ]] ||
  fail "the cookie: $cookie"
[[ "$cookie" != *Secure* ]] || fail "a Secure cookie on http://127.0.0.1 would not come back: $cookie"
saved_jar=$(cat "$jar")
rm -f "$jar"
web GET "/login?token=$token"
[ "$code" = 403 ] && ! grep -qi '^Set-Cookie' "$tmp/h" || fail "the token a second time: $code"
printf '%s\n' "$saved_jar" >"$jar"
echo >&7 # Enter: another address, which works
for _ in $(seq 50); do [ "$(grep -c 'login?token=' "$tmp/local.out")" -ge 2 ] && break; sleep 0.1; done
second=$(grep -o 'login?token=[A-Za-z0-9_-]*' "$tmp/local.out" | sed -n 2p)
[ -n "$second" ] && [ "$second" != "login?token=$token" ] || fail "Enter printed no new address"
code=$(curl -s -o /dev/null -w '%{http_code}' "$desk_url/$second")
[ "$code" = 303 ] || fail "the second address: $code"

step "the gate: another Host (a name that resolves here) is refused"
code=$(curl -s -o "$tmp/b" -D "$tmp/h" -w '%{http_code}' -b "$jar" -H 'Host: desk.attacker.example' "$desk_url/")
headers_ok "another Host"
[ "$code" = 403 ] && hasnt "Lina" || fail "another Host: $code"

step "the work list, from the desk's feed: the referral is there, then a new one appears without a restart"
until_page / "Lina B. (2014)"
lina=$(sed -n 's/.*<a href="\/cases\/\(C-[0-9]*\)">.*/\1/p' "$tmp/b" | head -1)
[[ "$lina" == C-* ]] || fail "no case link in the list"
has '<html lang="fr">'
has '<th scope="col">Échéance</th>'
has '<h2>Fil en direct</h2>'
has "</a></th><td>signalement</td><td>college-curie</td><td>reçu</td></tr>"
page list
env "${hub[@]}" RELAIS_KEY="$tmp/pki/cmp-sceaux/cmp-sceaux.cert_secret" RELAIS_SPOOL="$tmp/spool/cmp" \
  timeout 60 "$relais" submit "$examples/referral-cmp-sceaux-parental-request.json" >"$tmp/out" || fail "submit"
until_page / "Tom "
page list-two

step "a refresh reads nothing at the hub: the list is the desk's own"
lists=$(reads case-list)
shows=$(reads case-show)
for _ in 1 2 3 4 5; do web GET /; [ "$code" = 200 ] || fail "the list: $code"; done
web GET "/?q=benali&state=all"
[ "$(reads case-list)" = "$lists" ] && [ "$(reads case-show)" = "$shows" ] ||
  fail "the list's refreshes were reads at the hub: $lists/$shows -> $(reads case-list)/$(reads case-show)"

step "the search ignores case and accents; the filters"
env "${hub[@]}" RELAIS_KEY="$tmp/pki/pmi-blagis/pmi-blagis.cert_secret" RELAIS_SPOOL="$tmp/spool/pmi" \
  timeout 60 "$relais" submit "$examples/referral-pmi-les-blagis.json" >/dev/null || fail "submit"
for q in benali BÉNALI "lina benali" "marie curie"; do
  web GET / -G --data-urlencode "q=$q"
  has "/cases/$lina\""
  hasnt "Tom "
done
web GET / -G --data-urlencode "q=zzzz"
has "Aucun dossier ne correspond."
web GET "/?state=triage"
has "Aucun dossier ne correspond."

step "a case's page: the child, through a read the hub logs"
shows=$(reads "case-show")
web GET "/cases/$lina"
[ "$code" = 200 ] || fail "the case page: $code"
has "<h1>Dossier $lina"
has "<dd>Benali</dd>"
has "<dd>Lina</dd>"
has 'name="csrf"'
page case
[ "$(reads "case-show")" -eq $((shows + 1)) ] || fail "the case page's read is not in the log once"
grep -q " access  *$lina  *case-show by coordination" "$tmp/feed" || fail "no access record of $lina's read"
# The form offers only the moves the state allows: from submitted, triage, paused, entered-in-error, a note.
offered=$(sed -n 's/.*name="to" id="to-\([a-z-]*\)".*/\1/p' "$tmp/b" | sort | tr '\n' ' ')
[ "$offered" = "entered-in-error note paused triage " ] || fail "the moves offered from submitted: $offered"
web GET /cases/C-999
[ "$code" = 404 ] && has "there is no case C-999" || fail "an unknown case: $code"

step "a move without the CSRF token, or with another: 403, nothing stored"
web GET "/cases/$lina"
token_csrf=$(csrf)
records() {
  env "${hub[@]}" timeout 60 "$relais" case show "$lina" --json >"$tmp/show" || fail "case show"
  { grep -o '"case_update"' "$tmp/show" || true; } | wc -l
}
before=$(records)
web POST "/cases/$lina/move" --data-urlencode "from=submitted" --data-urlencode "to=triage"
[ "$code" = 403 ] || fail "no CSRF token: $code"
web POST "/cases/$lina/move" --data-urlencode "csrf=AAAA${token_csrf:4}" --data-urlencode "from=submitted" \
  --data-urlencode "to=triage"
[ "$code" = 403 ] || fail "another CSRF token: $code"
# Another session's token is not this one's: a second session (Enter, another address) sends the first's.
echo >&7
for _ in $(seq 50); do [ "$(grep -c 'login?token=' "$tmp/local.out")" -ge 3 ] && break; sleep 0.1; done
third=$(grep -o 'login?token=[A-Za-z0-9_-]*' "$tmp/local.out" | sed -n 3p)
[ -n "$third" ] || fail "Enter printed no third address"
curl -s -o /dev/null -c "$tmp/jar2" "$desk_url/$third"
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$tmp/jar2" --data-urlencode "csrf=$token_csrf" \
  --data-urlencode "from=submitted" --data-urlencode "to=triage" "$desk_url/cases/$lina/move")
[ "$code" = 403 ] || fail "another session's CSRF token: $code"
[ "$(records)" = "$before" ] || fail "a move without a good CSRF token was stored"

step "a valid move: triage, with a note; stored (relais case show says so)"
web POST "/cases/$lina/move" --data-urlencode "csrf=$token_csrf" --data-urlencode "from=submitted" \
  --data-urlencode "to=triage" --data-urlencode "note=Premier examen par le bureau"
[ "$code" = 303 ] || fail "the move: $code $(cat "$tmp/b")"
where=$(sed -n 's/^Location: \(.*\)$/\1/Ip' "$tmp/h")
[[ "$where" == "/cases/$lina?moved="* ]] || fail "after the move: $where"
env "${hub[@]}" timeout 60 "$relais" case show "$lina" --json >"$tmp/show"
grep -q '"state": *"triage"' "$tmp/show" && grep -q 'Premier examen par le bureau' "$tmp/show" ||
  fail "the move is not in the hub: $(cat "$tmp/show")"
web GET "$where"
has "Enregistré par le hub"
until_page "/?state=triage" "/cases/$lina\""

step "a move the state does not allow: the hub's sentence beside the form, the typed note kept"
web GET "/cases/$lina"
offered=$(sed -n 's/.*name="to" id="to-\([a-z-]*\)".*/\1/p' "$tmp/b" | sort | tr '\n' ' ')
[ "$offered" = "accepted awaiting-agreement declined entered-in-error note paused redirected " ] ||
  fail "the moves offered from triage: $offered"
before=$(records)
web POST "/cases/$lina/move" --data-urlencode "csrf=$token_csrf" --data-urlencode "from=triage" \
  --data-urlencode "to=diagnosis" --data-urlencode "note=Ligne 1 <tapée> & gardée
Ligne 2"
[ "$code" = 409 ] || fail "a refused move: $code"
has 'role="alert"'
has "le dossier est « en cours d&#39;examen » et ne peut pas passer à « diagnostic » ; il peut passer à « en attente de l&#39;accord de la famille »"
has "(Le hub : case $lina is in triage and cannot move to diagnosis; from triage it can move to: awaiting-agreement"
has ">Ligne 1 &lt;tapée&gt; &amp; gardée"
has "Ligne 2</textarea>"
has "<a href=\"/cases/$lina?lang=en\"" # the language link shows the case, not the form's address
page refused
[ "$(records)" = "$before" ] || fail "a refused move was stored"
# A move that lacks what it needs is the hub's to refuse too, and says what.
web POST "/cases/$lina/move" --data-urlencode "csrf=$token_csrf" --data-urlencode "from=triage" \
  --data-urlencode "to=declined" --data-urlencode "note=sans motif"
[ "$code" = 409 ] && has "declined needs a reason_code" && has ">sans motif</textarea>" || fail "declined without a reason: $code"

step "a child named <script>alert(1)</script> is text, on the list and on its page"
python3 - "$examples/referral-college-marie-curie.json" "$tmp/script.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1], encoding='utf-8'))
ref = r['referral']
del ref['external_ref']
ref['child']['family_name'] = '<script>alert(1)</script>'
ref['child']['given_names'] = ['<img src=x onerror=alert(2)>']
ref['child']['birth_date'] = '2015-06-01'
json.dump(r, open(sys.argv[2], 'w', encoding='utf-8'), ensure_ascii=False)
PY
env "${hub[@]}" RELAIS_KEY="$tmp/pki/college-curie/college-curie.cert_secret" RELAIS_SPOOL="$tmp/spool/college" \
  timeout 60 "$relais" submit "$tmp/script.json" >"$tmp/out" || fail "submit: $(cat "$tmp/out")"
until_page / "&lt;img src=x onerror=alert(2)&gt;"
hasnt "<img src=x"
page list-script
web GET / -G --data-urlencode "q=<script>"
script_case=$(sed -n 's/.*<a href="\/cases\/\(C-[0-9]*\)">.*/\1/p' "$tmp/b" | head -1)
[[ "$script_case" == C-* ]] || fail "the search for <script> found nothing"
web GET "/cases/$script_case"
has "<dd>&lt;script&gt;alert(1)&lt;/script&gt;</dd>"
hasnt "<script>alert"
hasnt "<img src=x"
page case-script

step "possible duplicates: the flagged case's page offers a merge and a dismissal for each"
# A cousin born the same day as Lina, 'Lena Benaly': the hub flags her case as a possible duplicate of Lina's.
child "$tmp/cousin.json" Benaly '["Lena"]' "Collège Marie Curie" SCHOOL_HEAD
expect 0 college-curie submit "$tmp/cousin.json"
cousin=$(case_of "$(field case_id "$(cat "$tmp/out")")")
[[ "$cousin" == C-* && "$cousin" != "$lina" ]] || fail "the cousin's case: '$cousin'"
# Yanis Kaci, referred by the college, then by the PMI as 'KACI Yanis Karim', born the same day: two cases.
child "$tmp/yanis.json" Kaci '["Yanis"]' "Collège Marie Curie" SCHOOL_HEAD
sed -i 's/"2014-03-12"/"2013-05-20"/' "$tmp/yanis.json"
expect 0 college-curie submit "$tmp/yanis.json"
yanis=$(case_of "$(field case_id "$(cat "$tmp/out")")")
child "$tmp/yanis2.json" KACI '["Yanis", "Karim"]' "PMI Les Blagis" PMI
sed -i 's/"2014-03-12"/"2013-05-20"/' "$tmp/yanis2.json"
expect 0 pmi-blagis submit "$tmp/yanis2.json"
yanis2=$(case_of "$(field case_id "$(cat "$tmp/out")")")
[[ "$yanis" == C-* && "$yanis2" == C-* && "$yanis" != "$yanis2" ]] || fail "Yanis's cases: '$yanis' and '$yanis2'"
until_page "/?state=all" "/cases/$yanis2\""
web GET "/cases/$cousin"
[ "$code" = 200 ] || fail "the cousin's page: $code"
has '<h2 id="dup-title">Doublons possibles</h2>'
has "<h3>Avec le dossier <a href=\"/cases/$lina\">$lina</a> — Lina B. (2014)</h3>"
[ "$(grep -c "<form method=\"post\" action=\"/cases/$cousin/duplicate\">" "$tmp/b")" -eq 2 ] || fail "not two forms for $lina"
has '<input type="hidden" name="action" value="merge">'
has '<input type="hidden" name="action" value="dismiss">'
has "<input type=\"hidden\" name=\"other\" value=\"$lina\">"
has "<legend>Fusionner $cousin dans $lina : c&#39;est le même enfant</legend>"
has "En envoyant, vous fermez $cousin dans $lina : $cousin passe à « saisi par erreur » et renvoie à $lina"
has '<label for="dup-1-merge-note">Note (facultative)</label><textarea id="dup-1-merge-note" name="note"'
has "<button type=\"submit\" aria-describedby=\"dup-1-dismiss-what\">Pas un doublon de $lina</button>"
page case-duplicates
web GET "/cases/$cousin?lang=en"
has "<legend>Merge $cousin into $lina: the same child</legend>"
has "Sending this closes $cousin into $lina"
page case-duplicates-en
web GET "/cases/$cousin?lang=fr"
web GET "/cases/$lina"
hasnt 'action="/cases/'"$lina"'/duplicate"' # the flag is the newer case's: the older one decides nothing

step "a decision on a duplicate without the CSRF token, or naming no case, or itself: refused, nothing sent"
flags() { # flags CASE: the cases CASE is flagged as a possible duplicate of, as the hub says
  env "${hub[@]}" timeout 60 "$relais" case show "$1" --json >"$tmp/show" || fail "case show $1"
  sed -n 's/.*"possible_duplicates": *\[\([^]]*\)\].*/\1/p' "$tmp/show" | tr -d ' "'
}
[ "$(flags "$cousin")" = "$lina" ] || fail "the cousin's flags: $(flags "$cousin")"
web POST "/cases/$cousin/duplicate" --data-urlencode "action=dismiss" --data-urlencode "other=$lina" \
  --data-urlencode "note=Sans jeton"
[ "$code" = 403 ] || fail "a dismissal without the CSRF token: $code"
has ">Sans jeton</textarea>"
page duplicate-expired
web POST "/cases/$cousin/duplicate" --data-urlencode "csrf=$token_csrf" --data-urlencode "action=dismiss" \
  --data-urlencode "other=$lina<b>" --data-urlencode "note=Autre mal écrit"
[ "$code" = 422 ] && has "Non envoyé : « $lina&lt;b&gt; » n&#39;est pas un numéro de dossier" && has "Autre mal écrit" ||
  fail "another case's id badly written: $code"
hasnt "$lina<b>"
page duplicate-invalid
web POST "/cases/$cousin/duplicate" --data-urlencode "csrf=$token_csrf" --data-urlencode "action=merge" \
  --data-urlencode "other=$cousin"
[ "$code" = 422 ] && has "un dossier n&#39;est pas le doublon de lui-même" || fail "a merge into itself: $code"
web POST "/cases/$cousin/duplicate" --data-urlencode "csrf=$token_csrf" --data-urlencode "action=split" \
  --data-urlencode "other=$lina"
[ "$code" = 422 ] && has "choisissez : fusionner, ou pas un doublon" || fail "another action: $code"
[ "$(flags "$cousin")" = "$lina" ] || fail "a refused decision changed the flags: $(flags "$cousin")"

step "not a duplicate: the cousin's flag goes, the forms with it; a second dismissal is the hub's to refuse"
web POST "/cases/$cousin/duplicate" --data-urlencode "csrf=$token_csrf" --data-urlencode "from=submitted" \
  --data-urlencode "action=dismiss" --data-urlencode "other=$lina" --data-urlencode "note=Cousine, même date de naissance"
[ "$code" = 303 ] || fail "the dismissal: $code $(cat "$tmp/b")"
where=$(sed -n 's/^Location: \(.*\)$/\1/Ip' "$tmp/h")
[[ "$where" == "/cases/$cousin?moved="* ]] || fail "after the dismissal: $where"
[ -z "$(flags "$cousin")" ] || fail "the dismissed flag stays: $(flags "$cousin")"
grep -q '"state": *"submitted"' "$tmp/show" && grep -q 'Cousine, même date de naissance' "$tmp/show" ||
  fail "the dismissal's note is not in the hub: $(cat "$tmp/show")"
web GET "$where"
has "Enregistré par le hub"
hasnt "/cases/$cousin/duplicate"
hasnt "Doublons possibles"
web POST "/cases/$cousin/duplicate" --data-urlencode "csrf=$token_csrf" --data-urlencode "from=submitted" \
  --data-urlencode "action=dismiss" --data-urlencode "other=$lina" --data-urlencode "note=Une seconde fois"
[ "$code" = 409 ] || fail "a second dismissal: $code"
has 'role="alert" id="dup-error">Le hub a refusé : '
has 'Sa réponse : « case '"$cousin"' is not flagged as a possible duplicate'
has ">Une seconde fois</textarea>"
page duplicate-refused

step "a merge: the PMI's case of Yanis is closed into the college's, and says so"
web GET "/cases/$yanis2"
has "<h3>Avec le dossier <a href=\"/cases/$yanis\">$yanis</a> — Yanis K. (2013)</h3>"
has "<button type=\"submit\" aria-describedby=\"dup-1-merge-what\">Fusionner $yanis2 dans $yanis</button>"
web POST "/cases/$yanis2/duplicate" --data-urlencode "csrf=$(csrf)" --data-urlencode "from=submitted" \
  --data-urlencode "action=merge" --data-urlencode "other=$yanis" --data-urlencode "note=Même enfant, écrit autrement par la PMI"
[ "$code" = 303 ] || fail "the merge: $code $(cat "$tmp/b")"
where=$(sed -n 's/^Location: \(.*\)$/\1/Ip' "$tmp/h")
[[ "$where" == "/cases/$yanis2?moved="* ]] || fail "after the merge: $where"
env "${hub[@]}" timeout 60 "$relais" case show "$yanis2" --json >"$tmp/show" || fail "case show"
grep -q '"state": *"entered-in-error"' "$tmp/show" && grep -q "\"merged_into\": *\"$yanis\"" "$tmp/show" ||
  fail "the merge is not in the hub: $(cat "$tmp/show")"
web GET "$where"
has "Enregistré par le hub"
has "<dt>Fusionné dans</dt><dd>$yanis, qui en tient les signalements et l&#39;historique"
hasnt "/cases/$yanis2/duplicate"
hasnt "Doublons possibles"
page case-merged
web GET "/cases/$yanis"
has "<dt>Dossiers fusionnés</dt><dd>$yanis2</dd>"

step "the event stream: a line per new case record (case id, state)"
curl -s -N -m 6 -b "$jar" "$desk_url/events" >"$tmp/events" 2>/dev/null &
events_pid=$!
sleep 1
web GET "/cases/$lina"
web POST "/cases/$lina/move" --data-urlencode "csrf=$(csrf)" --data-urlencode "from=triage" \
  --data-urlencode "to=accepted"
[ "$code" = 303 ] || fail "accepted: $code"
wait "$events_pid" || true
grep -q "^event: case$" "$tmp/events" && grep -q "^data: {\"case\":\"$lina\",\"state\":\"accepted\"" "$tmp/events" ||
  fail "the event stream: $(cat "$tmp/events")"

step "the assets come from the desk; English on request"
web GET /assets/desk.css
[ "$code" = 200 ] && grep -qi '^Content-Type: text/css' "$tmp/h" || fail "the style sheet: $code"
web GET /assets/desk.js
[ "$code" = 200 ] && grep -qi '^Content-Type: text/javascript' "$tmp/h" && has "EventSource" || fail "the script: $code"
web GET /assets/other.js
[ "$code" = 404 ] || fail "an asset the desk does not have: $code"
web GET "/?lang=en"
has '<html lang="en">'
has '<h1>Cases</h1>'
has '<th scope="col">Due</th>'
page list-en
web GET "/cases/$lina"
has "<h2 id=\"move-title\">Move the case</h2>"
page case-en
web GET "/?lang=fr"
has '<html lang="fr">'

step "the hub away: a move, a note and a decision are kept in the desk's memory, said so, with what was typed"
before=$(records)
stop_broker
web GET "/cases/$lina"
[ "$code" = 503 ] && has "Le hub ne répond pas" || fail "a case's page with the hub away: $code"
web GET /
[ "$code" = 200 ] && has "/cases/$lina\"" || fail "the list with the hub away: $code"
until_page / 'data-feed="hub-down"'
has "Le hub ne répond pas en ce moment"
hasnt 'id="waiting"'
queued="Le hub ne répond pas : votre envoi est gardé en attente dans la mémoire de ce desk (rien n&#39;est écrit sur son disque) et partira dès que le hub répondra. Si le desk s&#39;arrête avant, il sera perdu : ce que vous avez saisi reste affiché ci-dessous."
# a form's one-time id, as the case's page writes it in the form
once=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
web POST "/cases/$lina/move" --data-urlencode "csrf=$token_csrf" --data-urlencode "once=$once" \
  --data-urlencode "from=accepted" --data-urlencode "to=diagnosis" --data-urlencode "diagnosis=Texte saisi pendant la panne"
[ "$code" = 202 ] || fail "a move with the hub away: $code"
has "<p class=\"notice\" role=\"status\" id=\"move-error\">$queued <a href=\"/queue\">Voir les envois en attente</a></p>"
has "Texte saisi pendant la panne</textarea>"
page queued
# the page it came back in sent again (a second click): its one-time id is the same, nothing queued twice
has "name=\"once\" value=\"$once\""
web POST "/cases/$lina/move" --data-urlencode "csrf=$token_csrf" --data-urlencode "once=$once" \
  --data-urlencode "from=accepted" --data-urlencode "to=diagnosis" --data-urlencode "diagnosis=Texte saisi pendant la panne"
[ "$code" = 202 ] && has "$queued" || fail "the same form sent again: $code"
# a note typed from the same state: by the time it goes, the case has left it
web POST "/cases/$lina/move" --data-urlencode "csrf=$token_csrf" --data-urlencode "from=accepted" \
  --data-urlencode "to=note" --data-urlencode "note=Note saisie depuis un état dépassé"
[ "$code" = 202 ] && has "$queued" && has "Note saisie depuis un état dépassé</textarea>" ||
  fail "a second move with the hub away: $code"
web POST "/cases/$cousin/duplicate" --data-urlencode "csrf=$token_csrf" --data-urlencode "from=submitted" \
  --data-urlencode "action=dismiss" --data-urlencode "other=$lina" --data-urlencode "note=Décision saisie pendant la panne"
[ "$code" = 202 ] || fail "a decision on a duplicate with the hub away: $code"
has "$queued"
has ">Décision saisie pendant la panne</textarea>"
page duplicate-queued
web GET /queue
[ "$code" = 200 ] || fail "the queue's page: $code"
has '<a href="/queue" aria-current="page">En attente (3)</a>'
has "Cette page ne se met pas à jour d'elle-même"
has "<caption>3 envoi(s), le plus récent d'abord ; 3 en attente</caption>"
has "<a href=\"/cases/$lina\">Mouvement $lina : accepté → diagnostic</a></td><td>en attente depuis le "
has "<a href=\"/cases/$lina\">Note au dossier $lina</a></td><td>en attente depuis le "
has "<a href=\"/cases/$cousin\">$cousin : pas un doublon de $lina</a></td><td>en attente depuis le "
hasnt "Benali"
hasnt "Texte saisi"
page queue-waiting
web GET /
has '<p class="notice" id="waiting">3 envois attendent le hub, gardés dans la mémoire de ce desk. <a href="/queue">'
has '<a href="/queue">En attente (3)</a>'
web GET "/queue?lang=en"
has "<a href=\"/cases/$lina\">Move $lina: accepted → "
has "waiting since "
page queue-waiting-en
web GET "/?lang=fr"

step "the hub back: the move recorded once, the note and the decision refused in the hub's words, on /queue"
start_broker || fail "relaisd did not start again"
until_queue_settled
hasnt "en attente depuis"
has "<caption>3 envoi(s), le plus récent d'abord ; 0 en attente</caption>"
seq_moved=$(sed -n "s|.*Mouvement $lina : accepté → diagnostic</a></td><td>enregistré n° \([0-9]*\) ($lina) le .*|\1|p" "$tmp/b")
[ -n "$seq_moved" ] || fail "the move is not said recorded: $(cat "$tmp/b")"
grep -q "Note au dossier $lina</a></td><td><strong>refusé :</strong> [^<]* (BAD_TRANSITION)</td>" "$tmp/b" ||
  fail "the stale note is not said refused: $(cat "$tmp/b")"
has "$cousin : pas un doublon de $lina</a></td><td><strong>refusé :</strong> case $cousin is not flagged as a possible duplicate"
hasnt 'id="waiting"'
has '<a href="/queue" aria-current="page">En attente</a>'
page queue-settled
env "${hub[@]}" timeout 60 "$relais" case show "$lina" --json >"$tmp/show" || fail "case show"
grep -q '"state": *"diagnosis"' "$tmp/show" || fail "the queued move is not in the hub: $(cat "$tmp/show")"
[ "$(grep -o 'Texte saisi pendant la panne' "$tmp/show" | wc -l)" = 1 ] || fail "the queued move recorded twice"
hasnt_show() { if grep -qF -- "$1" "$tmp/show"; then fail "not expected at the hub: $1"; fi; }
hasnt_show "Note saisie depuis un état dépassé"
[ "$(records)" = $((before + 1)) ] || fail "records of $lina: $before before, $(records) after"
until_page / "/cases/$lina\""

step "the work list in pages (a desk with --page-rows 1): the total, the way from page to page, the filters kept"
saved_url=$desk_url
start_desk paged --page-rows 1
paged_login=$login
jar=$tmp/jar-paged
web GET "/login?token=${paged_login##*token=}"
until_page "/?state=all" 'data-feed="caught-up"'
rows() { grep -c '^<tr><th scope="row"><a href="/cases/' "$tmp/b" || true; }
# The earlier steps made n cases (all states): one a page, n pages.
n=$(sed -n "s/.*<caption>\([0-9]*\) dossiers : en retard d'abord, puis par échéance (page 1 sur \([0-9]*\) : dossiers 1 à 1).*/\1 \2/p" "$tmp/b")
read -r n n_pages <<<"$n"
[ -n "$n" ] && [ "$n" -ge 3 ] && [ "$n" = "$n_pages" ] || fail "the first page's caption: $(grep -o '<caption>[^<]*' "$tmp/b")"
[ "$(rows)" = 1 ] || fail "page 1 of $n has $(rows) rows"
has '<nav class="pages" aria-label="Pages de la liste">'
has "<span aria-current=\"page\">page 1 sur $n</span>"
has '<a href="/?state=all&amp;page=2" rel="next">Page suivante</a>'
hasnt 'Page précédente'
seen=$(sed -n 's/^<tr><th scope="row"><a href="\/cases\/\(C-[0-9]*\)">.*/\1/p' "$tmp/b")
web GET "/?state=all&page=2"
has "(page 2 sur $n : dossiers 2 à 2)"
has '<a href="/?state=all&amp;page=1" rel="prev">Page précédente</a>'
has '<a href="/?state=all&amp;page=3" rel="next">Page suivante</a>'
page list-paged
for p in $(seq 2 "$n"); do
  web GET "/?state=all&page=$p"
  seen="$seen $(sed -n 's/^<tr><th scope="row"><a href="\/cases\/\(C-[0-9]*\)">.*/\1/p' "$tmp/b")"
done
[ "$(tr ' ' '\n' <<<"$seen" | sort -u | grep -c .)" = "$n" ] && [[ " $seen " == *" $lina "* ]] ||
  fail "the $n pages did not show the $n cases once each: $seen"
web GET "/?state=all&page=999" # past the end: the last page
has "(page $n sur $n : dossiers $n à $n)"
hasnt 'Page suivante'
web GET "/?state=all&page=x"
has "(page 1 sur $n : dossiers 1 à 1)"
# The search's words go into the links encoded, and the filters with them.
web GET "/?q=coll%C3%A8ge&state=all&overdue=&page=2"
q=$(sed -n "s/.*<caption>\([0-9]*\) dossiers : en retard d'abord, puis par échéance (page 2 sur .*/\1/p" "$tmp/b")
[ -n "$q" ] && [ "$q" -ge 2 ] && [ "$q" -lt "$n" ] || fail "the search for collège, page 2: $(grep -o '<caption>[^<]*' "$tmp/b")"
has "(page 2 sur $q : dossiers 2 à 2)"
has '<a href="/?q=coll%C3%A8ge&amp;state=all&amp;page=1" rel="prev">Page précédente</a>'
web GET "/?q=%3Cb%3E%20%26&state=all" # markup and an ampersand in the search: nothing, and text
has "Aucun dossier ne correspond."
web GET "/?lang=en&state=all&page=2"
has '<nav class="pages" aria-label="Pages of the list">'
has "<span aria-current=\"page\">page 2 of $n</span>"
has 'rel="prev">Previous page</a>'
has 'rel="next">Next page</a>'
has "$n cases: overdue first, then by due date (page 2 of $n: cases 2 to 2)"
page list-paged-en
web GET "/?lang=fr"
stop_desk "$desk_pid"
desk_url=$saved_url
jar=$tmp/jar

step "the pages keep the HTML rules (language, skip link, headings, labels, scopes, no inline code, nothing from elsewhere)"
python3 "$(dirname "$0")/desk_html.py" "$tmp/pages/"*.html || fail "desk_html.py"

step "logout ends the session"
web GET /
web POST /logout --data-urlencode "csrf=$(csrf)"
[ "$code" = 200 ] && grep -qi '^Set-Cookie: relais_desk_[0-9]*=;.*Max-Age=0' "$tmp/h" || fail "logout: $code"
web GET /
[ "$code" = 303 ] || fail "after logout: $code"
stop_desk "$local_pid"
exec 7>&-

step "an idle session ends (a desk with --idle-seconds 3)"
start_desk idle --idle-seconds 3
idle_login=$(grep -o 'http://127\.0\.0\.1:[0-9]*/login?token=[A-Za-z0-9_-]*' "$tmp/idle.out" | head -1)
desk_url=${idle_login%%/login*}
rm -f "$jar"
web GET "/login?token=${idle_login##*token=}"
web GET /
[ "$code" = 200 ] || fail "a fresh session: $code"
sleep 2
web GET / # activity: the session lives on past its first 3 s
sleep 2
web GET /
[ "$code" = 200 ] || fail "a session in use ended: $code"
# The script's refreshes of the list are no sign of the person: the session ends all the same.
for _ in 1 2 3 4; do sleep 1; web GET / -H "X-Relais-Refresh: 1"; done
# A form sent after the session ended: nothing sent, and the text typed given back to copy.
web POST "/cases/$lina/move" --data-urlencode "csrf=x" --data-urlencode "to=note" \
  --data-urlencode "note=Longue note écrite pendant la pause <b>déjeuner</b>"
[ "$code" = 401 ] || fail "a form after the session ended: $code"
has "<h1>Session terminée : rien n&#39;a été envoyé</h1>"
has 'readonly>Longue note écrite pendant la pause &lt;b&gt;déjeuner&lt;/b&gt;</textarea>'
hasnt "Benali"
page session-ended
web GET /
[ "$code" = 303 ] && grep -qi '^Location: /login' "$tmp/h" && hasnt "Lina" || fail "an idle session did not end: $code"
stop_desk "$desk_pid"

step "proxy mode over a unix socket (0600): the secret and the person, else 403; cookies Secure"
printf 'un-secret-partagé-avec-nginx-%s\n' "$RANDOM$RANDOM" >"$tmp/secret"
chmod 644 "$tmp/secret"
env "${hub[@]}" "$relais" desk --socket "$tmp/desk.sock" --proxy-secret "$tmp/secret" </dev/null >"$tmp/out" 2>"$tmp/err" &&
  fail "a secret others may read was taken"
grep -q "may be read by others" "$tmp/err" || fail "the secret's mode: $(cat "$tmp/err")"
chmod 600 "$tmp/secret"
secret=$(head -1 "$tmp/secret")
start_desk proxy --socket "$tmp/desk.sock" --proxy-secret "$tmp/secret"
[ "$(stat -c %a "$tmp/desk.sock")" = 600 ] || fail "the socket is $(stat -c %a "$tmp/desk.sock")"
grep -q "serving its proxy at $tmp/desk.sock, for coordination" "$tmp/proxy.out" || fail "$(cat "$tmp/proxy.out")"
proxy() { # proxy [CURL-ARG...] PATH
  local path=${*: -1}
  code=$(curl -s -o "$tmp/b" -D "$tmp/h" -w '%{http_code}' --unix-socket "$tmp/desk.sock" "${@:1:$#-1}" "http://desk$path")
  headers_ok "proxy $path"
}
proxy -H "X-Remote-User: coordination" /
[ "$code" = 403 ] && hasnt "Lina" || fail "without the secret: $code"
proxy -H "X-Relais-Proxy-Secret: ${secret}x" -H "X-Remote-User: coordination" /
[ "$code" = 403 ] || fail "with another secret: $code"
proxy -H "X-Relais-Proxy-Secret: $secret" -H "X-Remote-User: pmi-blagis" /
[ "$code" = 403 ] && hasnt "Lina" || fail "with another X-Remote-User: $code"
proxy -H "X-Relais-Proxy-Secret: $secret" /
[ "$code" = 403 ] || fail "without X-Remote-User: $code"
proxy -H "X-Relais-Proxy-Secret: $secret" -H "X-Remote-User: coordination" /login?token=x
[ "$code" = 404 ] || fail "a one-time address behind the proxy: $code"
proxy -H "X-Relais-Proxy-Secret: $secret" -H "X-Remote-User: coordination" /
[ "$code" = 200 ] || fail "with both right: $code"
cookie=$(grep -i '^Set-Cookie:' "$tmp/h")
[[ "$cookie" == *"; HttpOnly"* && "$cookie" == *"; SameSite=Strict"* && "$cookie" == *"; Secure"* ]] ||
  fail "behind the proxy, the cookie: $cookie"
until_page_proxy() {
  for _ in $(seq 100); do
    proxy -H "X-Relais-Proxy-Secret: $secret" -H "X-Remote-User: coordination" /
    grep -qF "$1" "$tmp/b" && return 0
    sleep 0.2
  done
  fail "the proxied list never showed $1"
}
until_page_proxy "/cases/$lina\""
has "Lina B. (2014)"
hasnt "Se déconnecter" # the proxy's login is the session
session=${cookie#*=}
session=${session%%;*}
proxy -H "X-Relais-Proxy-Secret: $secret" -H "X-Remote-User: coordination" -b "relais_desk=$session" "/cases/$lina"
[ "$code" = 200 ] && has "<dd>Benali</dd>" || fail "a case behind the proxy: $code"
proxy_csrf=$(csrf)
proxy -H "X-Relais-Proxy-Secret: $secret" -H "X-Remote-User: coordination" -b "relais_desk=$session" \
  --data-urlencode "csrf=$proxy_csrf" --data-urlencode "from=diagnosis" --data-urlencode "to=note" \
  --data-urlencode "note=Par le proxy" "/cases/$lina/move"
[ "$code" = 303 ] || fail "a move behind the proxy: $code"
stop_desk "$desk_pid"
[ ! -e "$tmp/desk.sock" ] || fail "the socket was left behind"

step "proxy mode on 127.0.0.1: the secret alone keeps the others out"
start_desk tcp-proxy --listen 127.0.0.1:0 --proxy-secret "$tmp/secret" --person coord-bureau
proxy_url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$tmp/tcp-proxy.out" | head -1)
[ -n "$proxy_url" ] && grep -q "for coord-bureau" "$tmp/tcp-proxy.out" || fail "$(cat "$tmp/tcp-proxy.out")"
code=$(curl -s -o "$tmp/b" -D "$tmp/h" -w '%{http_code}' -H "X-Remote-User: coord-bureau" "$proxy_url/")
headers_ok "tcp proxy"
[ "$code" = 403 ] || fail "on 127.0.0.1, without the secret: $code"
code=$(curl -s -o "$tmp/b" -D "$tmp/h" -w '%{http_code}' -H "X-Relais-Proxy-Secret: $secret" \
  -H "X-Remote-User: coordination" "$proxy_url/")
headers_ok "tcp proxy"
[ "$code" = 403 ] || fail "on 127.0.0.1, the identity's name when --person names another: $code"
code=$(curl -s -o "$tmp/b" -D "$tmp/h" -w '%{http_code}' -H "X-Relais-Proxy-Secret: $secret" \
  -H "X-Remote-User: coord-bureau" -H "Host: desk.sceaux.example" "$proxy_url/")
headers_ok "tcp proxy"
[ "$code" = 200 ] && grep -qi '^Set-Cookie: relais_desk=.*; Secure' "$tmp/h" || fail "on 127.0.0.1, both right: $code"
stop_desk "$desk_pid"

step "a desk for anyone but the coordinator, the reception or a partner is refused at start"
env "${hub[@]}" RELAIS_KEY="$tmp/pki/audit-ville/audit-ville.cert_secret" "$relais" desk </dev/null \
  >"$tmp/out" 2>"$tmp/err" && fail "an auditor's desk started"
grep -q "a desk serves the coordinator, the reception or a partner: audit-ville's role is auditor" "$tmp/err" ||
  fail "$(cat "$tmp/err")"
env "${hub[@]}" "$relais" desk --listen 0.0.0.0:0 </dev/null >"$tmp/out" 2>"$tmp/err" && fail "a desk on 0.0.0.0"
grep -q "listens on 127.0.0.1 only" "$tmp/err" || fail "$(cat "$tmp/err")"
env "${hub[@]}" "$relais" desk --triage-hours 4,24 </dev/null >"$tmp/out" 2>"$tmp/err" && fail "a bad --triage-hours"
grep -q "triage targets are U,P,R" "$tmp/err" || fail "$(cat "$tmp/err")"

stop_broker_clean
echo "desk: all checks passed"
