#!/usr/bin/env bash
# desk_print.sh -- the desk's printable pages against a real hub on 127.0.0.1, with curl: a case's
# summary for the partnership meeting (its sections, the child, the question pending, no family and
# no history, a read logged at the hub like the case's page), the meetings and an agenda (the
# command's sections and order, a question for each case), the annual report (its figures and
# charts, reading nothing at the hub); a child named in markup shown as text on each; an unknown
# case or meeting answered by a 404 page, a date or a year out of range refused in words; English;
# the print style sheet; the HTML rules (desk_html.py).
# usage: desk_print.sh RELAIS RELAISD SOURCE_DIR
set -euo pipefail

relais=$1
relaisd=$2
src=$3
examples=$src/examples
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init desk-print
pki_broker
export TZ=UTC
command -v curl >/dev/null || { echo "curl is not installed (scripts/install-deps)" >&2; exit 2; }

mkdir -p "$tmp/store" "$tmp/spool" "$tmp/pages"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
start_broker_on_free_port
hub=(RELAIS_ENDPOINT="tcp://127.0.0.1:$port" RELAIS_KEY="$tmp/pki/coordination/coordination.cert_secret"
  RELAIS_SERVER_CERT="$tmp/pki/relais-hub/relais-hub.cert")
today=$(date +%F)
in_two=$(date -d '+2 days' +%F)
in_three=$(date -d '+3 days' +%F)
in_week=$(date -d '+7 days' +%F)
year=$(date +%Y)
today_fr=$(date -d "$today" +%d/%m/%Y)
in_three_fr=$(date -d "$in_three" +%d/%m/%Y)
in_week_fr=$(date -d "$in_week" +%d/%m/%Y)

# shellcheck source-path=SCRIPTDIR source=desk_lib.sh
. "$(dirname "$0")/desk_lib.sh"
# in_order A B...: each text is in the answer, each after the one before.
in_order() {
  python3 - "$tmp/b" "$@" <<'PY' || fail "not in this order: $*"
import sys
page, at = open(sys.argv[1], encoding='utf-8').read(), 0
for want in sys.argv[2:]:
    found = page.find(want, at)
    if found < 0:
        sys.exit('%r missing after offset %d' % (want, at))
    at = found + len(want)
PY
}

step "cases along the pathway, reviews due, new referrals, a child named in markup; a meeting today"
child "$tmp/lina.json" Benali '["Lina"]' "Collège Marie Curie" SCHOOL_HEAD
expect 0 college-curie submit "$tmp/lina.json"
lina=$(case_of "$(field case_id "$(cat "$tmp/out")")")
child "$tmp/adam.json" Martin '["Adam"]' "PMI Les Blagis" PMI
expect 0 pmi-blagis submit "$tmp/adam.json"
adam=$(case_of "$(field case_id "$(cat "$tmp/out")")")
child "$tmp/script.json" '<script>alert(1)<\/script>' '["<img src=x onerror=alert(2)>"]' "Collège Marie Curie" SCHOOL_HEAD
sed -i 's/"2014-03-12"/"2015-06-01"/' "$tmp/script.json"
expect 0 college-curie submit "$tmp/script.json"
script_case=$(case_of "$(field case_id "$(cat "$tmp/out")")")
for family in Roux Petit Garnier; do
  child "$tmp/$family.json" "$family" '["Sarah"]' "CMP de Sceaux" CMP
  sed -i "s/\"2014-03-12\"/\"2013-0$((${#family} % 9 + 1))-20\"/" "$tmp/$family.json"
  expect 0 cmp-sceaux submit "$tmp/$family.json"
done
expect 0 coordination case update "$lina" triage
expect 0 coordination case update "$lina" accepted
expect 0 coordination case update "$lina" diagnosis --diagnosis "Décrochage en mathématiques & isolement <en classe>."
expect 0 coordination case update "$lina" pathway-proposed \
  --action "individual;Tutorat deux fois par semaine;Service Jeunesse;$today;hebdomadaire;M. Petit"
expect 0 coordination case update "$lina" follow-up --review-date "$in_three" --note "Premier bilan avec la famille."
expect 0 coordination case update "$adam" triage
expect 0 coordination case update "$adam" accepted --review-date "$in_two"
expect 0 coordination meeting record --date "$today" --present "Mme Roux;psychologue;CMP de Sceaux" \
  --case "$lina;Tutorat confirmé, point en janvier.;$in_three"
mid=$(sed -n "s/^$lina: recorded for meeting \(M-${today//-/}-[0-9a-f]*\) (#[0-9]*)$/\1/p" "$tmp/out")
[ -n "$mid" ] || fail "the meeting: $(cat "$tmp/out")"

start_desk desk
[ -n "$login" ] || fail "no address: $(cat "$tmp/desk.out")"
session

step "the navigation names the meetings and the report; the case's page links to its summary"
until_page / "$script_case"
has '<a href="/meetings">Réunions</a>'
has '<a href="/report">Rapport annuel</a>'
web GET "/cases/$lina"
has "<a href=\"/cases/$lina/summary\">Synthèse à imprimer pour l'instance partenariale</a>"

step "the summary: what the meeting needs, on paper, and its read logged at the hub like the case's page"
shows=$(reads case-show)
web GET "/cases/$lina/summary"
[ "$code" = 200 ] || fail "the summary: $code"
has "<h1>Synthèse pour l&#39;instance — Dossier $lina — Lina B. (2014)</h1>"
in_order '<h2 id="part-1">Décisions en attente</h2>' 'Poursuivre, adapter ou clore le parcours ?' \
  "Prochain bilan le</dt><dd>$in_three_fr" '>Enfant</h2>' '<dd>Benali</dd>' '<dd>Lina</dd>' \
  '>Signalements (1)</h2>' 'Collège Marie Curie' '>Description</dt>' \
  '>Diagnostic</h2>' 'Décrochage en mathématiques &amp; isolement &lt;en classe&gt;.' \
  '>Parcours éducatif</h2>' 'Tutorat deux fois par semaine' \
  '>Suivi : bilans et notes</h2>' 'Premier bilan avec la famille.' \
  '>Instances partenariales</h2>' 'Tutorat confirmé, point en janvier.' \
  'Document confidentiel — données relatives à des mineurs'
has '<strong>Imprimer :</strong>'
hasnt 'Famille : responsables légaux'
hasnt '>Historique</h2>'
hasnt 'relais case share' # a command line is no news for the meeting's paper
[ "$(reads case-show)" -eq $((shows + 1)) ] || fail "the summary's read is not in the hub's log once"
page summary
web GET "/cases/$script_case/summary"
[ "$code" = 200 ] || fail "the summary of a child named in markup: $code"
has '&lt;script&gt;alert(1)&lt;/script&gt;'
has '&lt;img src=x onerror=alert(2)&gt;'
hasnt '<script>alert'
hasnt '<img src=x'
has 'Retenir le signalement, le réorienter ou ne pas le retenir ?'
page summary-markup

step "an unknown case: a 404 page, in words"
web GET /cases/C-9999/summary
[ "$code" = 404 ] || fail "an unknown case's summary: $code"
has 'Dossier non lu'
web GET /cases/nothing/summary
[ "$code" = 404 ] && has 'Un dossier se nomme C-14' || fail "a case that is no case id: $code"

step "the meetings: the one recorded today, then the next one's agenda; the meetings' list read once"
meeting_lists=$(reads meeting-list)
case_lists=$(reads case-list)
web GET /meetings
[ "$code" = 200 ] || fail "/meetings: $code"
[ "$(reads meeting-list)" -eq $((meeting_lists + 1)) ] && [ "$(reads case-list)" -eq $((case_lists + 1)) ] ||
  fail "/meetings read the hub's meetings $(($(reads meeting-list) - meeting_lists)) and cases $(($(reads case-list) - case_lists)) times"
has '<a href="/meetings" aria-current="page">Réunions</a>'
in_order "<h1>Réunions de l'instance partenariale</h1>" '>Instances enregistrées</h2>' "$mid" \
  "<a href=\"/meetings/$mid/agenda\">" '>Prochaine instance</h2>' \
  "Instance partenariale du $today_fr — ordre du jour"
page meetings

step "the agenda of a date: the command's sections and order, a question for each case"
web GET "/agenda?date=$in_week"
[ "$code" = 200 ] || fail "/agenda: $code"
expect 0 coordination meeting agenda --date "$in_week"
cp "$tmp/out" "$tmp/agenda.txt"
in_order "<h1>Instance partenariale du $in_week_fr — ordre du jour</h1>" \
  "$mid, le $today_fr" '>Dossiers en retard (0)</h2>' 'Aucun.' \
  '>Dossiers à revoir (2)</h2>' ">$adam</a>" 'Adam M. (2014) — accepté' 'Quel diagnostic de la situation ?' \
  ">$lina</a>" 'Lina B. (2014) — suivi' 'Poursuivre, adapter ou clore le parcours ?' \
  "Nouveaux signalements depuis le $today_fr (4)</h2>" ">$script_case</a>" \
  'Retenir le signalement, le réorienter ou ne pas le retenir ?'
# the same cases in the same order as the command's agenda
command_order=$(grep -o '^  C-[0-9]*' "$tmp/agenda.txt" | tr -d ' ' | tr '\n' ' ')
page_order=$(grep -o '<th scope="row"><a href="/cases/C-[0-9]*/summary">' "$tmp/b" | grep -o 'C-[0-9]*' | tr '\n' ' ')
[ "$command_order" = "$page_order" ] || fail "the agenda's order: '$page_order', the command's '$command_order'"
hasnt '<script>alert'
has '&lt;img src=x onerror=alert(2)&gt;'
has 'Document confidentiel — données relatives à des mineurs'
page agenda
web GET "/meetings/$mid/agenda"
[ "$code" = 200 ] && has "Instance partenariale du $today_fr — ordre du jour" ||
  fail "a recorded meeting's agenda: $code"

step "an unknown meeting: a 404 page; a date that is no date: refused in words"
web GET /meetings/M-20000101-zzzz/agenda
[ "$code" = 404 ] && has 'Le hub ne connaît pas cette instance.' || fail "an unknown meeting: $code"
web GET /meetings/nothing/agenda
[ "$code" = 404 ] && has 'Une instance se nomme M-AAAAMMJJ-ÉTIQUETTE' || fail "a meeting that is no id: $code"
web GET "/agenda?date=2026-13-45"
[ "$code" = 400 ] && has 'La date de l&#39;instance s&#39;écrit AAAA-MM-JJ' || fail "a date that is no date: $code"
web GET "/agenda?date=%3Cscript%3E"
[ "$code" = 400 ] && hasnt '<script>' || fail "a date in markup: $code"

step "the annual report: the year's figures and charts, reading nothing at the hub"
lists=$(reads case-list)
shows=$(reads case-show)
for _ in $(seq 100); do
  web GET "/report?year=$year"
  grep -qF 'Total : 6 signalements reçus.' "$tmp/b" && break
  sleep 0.2
done
[ "$code" = 200 ] || fail "/report: $code"
in_order 'Instance partenariale de suivi des situations individuelles' "<h1>Rapport d'activité $year</h1>" \
  "Période : du 1er janvier au 31 décembre $year" ">L'année en bref</h2>" \
  '<th scope="row">Signalements reçus</th><td>6</td>' '<th scope="row">Dossiers ouverts</th><td>6</td>' \
  '>1. Signalements par mois et par source</h2>' 'Total : 6 signalements reçus.' 'id="chart-referrals"' \
  'id="table-referrals"' '>2. Dossiers par état</h2>' 'id="chart-states"' ">3. Délai d'examen" \
  'id="chart-triage"' 'Imprimé le'
has "<option value=\"$year\" selected>$year</option>"
# 6 referrals: the CMP's 3 and the college's 2 are under the threshold, so every source is secret
has '<td>secret</td>'
[ "$(grep -c '<svg ' "$tmp/b")" -eq 3 ] || fail "the report's three charts"
hasnt 'Document confidentiel' # counts, with small cells suppressed: no child in them
[ "$(reads case-list)" = "$lists" ] && [ "$(reads case-show)" = "$shows" ] || fail "the report read the hub"
page report
web GET /report
[ "$code" = 200 ] && has "<h1>Rapport d'activité $year</h1>" || fail "the report without a year: $code"

step "a year out of range: refused in words"
for bad in 1969 $((year + 1)) abcd 20266 '%3Cscript%3E'; do
  web GET "/report?year=$bad"
  [ "$code" = 400 ] || fail "the report of year '$bad': $code"
  has "Le rapport d&#39;activité se fait pour une année écrite en quatre chiffres, de 1970 à $year."
  hasnt '<script>'
done

step "in English"
web GET "/cases/$lina/summary?lang=en"
has '<html lang="en">'
has "<h1>Summary for the meeting — Case $lina — Lina B. (2014)</h1>"
has 'Decisions pending'
has 'Confidential document — data about minors'
page summary-en
web GET "/agenda?date=$in_week"
has "Partnership meeting of"
has 'Cases due for review (2)'
has 'What is the diagnosis of the situation?'
page agenda-en
web GET "/report?year=$year"
has "<h1>Activity report $year</h1>"
has 'Total: 6 referrals received.'
page report-en
web GET "/report?lang=fr"

step "the print style sheet: A4, nothing to click, rows and charts kept whole"
web GET /assets/desk.css
for rule in '@page{size:A4;margin:15mm}' '@media print{' 'h1,h2,h3,h4,caption,dt{break-after:avoid}' \
  'tr,dd,blockquote,li,figure{break-inside:avoid}' '.report-chart+.report-chart{break-before:page}' \
  'th,td{border:1px solid #000'; do
  has "$rule"
done

step "without a session: sent to /login, nothing read"
code=$(curl -s -o "$tmp/b" -w '%{http_code}' "$desk_url/cases/$lina/summary")
[ "$code" = 303 ] && hasnt "Benali" || fail "the summary without a cookie: $code"

step "the pages keep the HTML rules"
python3 "$(dirname "$0")/desk_html.py" "$tmp/pages/"*.html || fail "desk_html.py"

stop_desk "$desk_pid"
stop_broker_clean
echo "desk_print: all checks passed"
