#!/usr/bin/env bash
# desk_reception.sh -- the reception's pages on the desk against a real hub on 127.0.0.1, with curl: the
# register and its filters, a call answered on the spot, a visit to follow up, a letter acknowledged
# with its due date, each recorded from the form and found on its page; a street looked up in the
# town's list and one it does not know refused beside the form, the field named; the hub's refusal
# naming its field, what was typed kept; an update, a transfer to the coordinator, a close and a
# close refused; a form without the session's token refused and nothing stored; a subject in
# markup written as text; the extract to print; the hub stopped (not sent, the typed text kept);
# the coordinator's desk answering the transfer from /transfers; the lost and found (a found item, a
# declared loss, their match, the return, each form refused with its field named); the decrees (what
# is in force at an address on a day, the list, a decree's page); the chart by week and channel;
# English; the HTML rules.
# usage: desk_reception.sh RELAIS RELAISD SOURCE_DIR
set -euo pipefail

relais=$1
relaisd=$2
src=$3
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init desk-reception
pki_broker
command -v curl >/dev/null || { echo "curl is not installed (scripts/install-deps)" >&2; exit 2; }
export TZ=Europe/Paris

mkdir -p "$tmp/store" "$tmp/spool" "$tmp/pages"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
"$relais" streets import "$src/tests/data/ban-sceaux-extract.csv" --out "$tmp/streets.tsv" >/dev/null
start_broker_on_free_port
hub=(RELAIS_ENDPOINT="tcp://127.0.0.1:$port" RELAIS_KEY="$tmp/pki/coordination/coordination.cert_secret"
  RELAIS_SERVER_CERT="$tmp/pki/relais-hub/relais-hub.cert")

# shellcheck source-path=SCRIPTDIR source=desk_lib.sh
. "$(dirname "$0")/desk_lib.sh"
desk_key=$tmp/pki/accueil-tu/accueil-tu.cert_secret start_desk reception --streets "$tmp/streets.tsv"
[ -n "$login" ] || fail "no address: $(cat "$tmp/reception.out")"
reception_pid=$desk_pid
session

# post PATH FIELD=VALUE...: a form posted with the session's token (the last page's).
post() {
  local path=$1 token
  shift
  token=$(csrf)
  local args=(--data-urlencode "csrf=$token")
  for kv in "$@"; do args+=(--data-urlencode "$kv"); done
  web POST "$path" "${args[@]}"
}
# entry_of: the entry a redirect names.
entry_of() { sed -n 's/^Location: \/register\/\(A-[0-9]*\).*/\1/Ip' "$tmp/h" | head -1; }

step "the register, empty, with its filters and the record form"
web GET /
[ "$code" = 200 ] || fail "the register: $code"
has 'Registre de l'; has 'Aucune fiche.'; has 'name="overdue"'; has 'name="awaiting"'; has 'href="/register/new"'
page register-empty
web GET /register/new
[ "$code" = 200 ] || fail "the record form: $code"
has 'name="channel"'; has 'name="contact_agreed"'; has 'name="response_due_date"'
page record

step "a call answered on the spot"
post /register/new channel=call category=noise "subject=Bruit de chantier" "summary=Horaires du chantier rappelés." \
  "street=r. houdan" house_number=12 answered=1
[ "$code" = 303 ] || { cat "$tmp/b" >&2; fail "a call: $code"; }
call=$(entry_of)
[ -n "$call" ] || fail "no entry in $(cat "$tmp/h")"
web GET "/register/$call?done=recorded"
has 'Fiche enregistrée.'; has 'Bruit de chantier'; has '12 Rue Houdan'; has 'répondu sur place'
page entry-call

step "a visit to follow up, a letter acknowledged with its due date"
web GET /register/new
post /register/new channel=visit category=incivility "subject=Tags sur le mur de l'école" "summary=Vus ce matin." \
  "requester=Mme Martin" "contact_details=06 00 00 00 01" contact_agreed=1
[ "$code" = 303 ] || fail "a visit: $code"
visit=$(entry_of)
web GET /register/new
post /register/new channel=letter category=public-space "subject=Trottoir soulevé" "summary=Une racine de platane." \
  "street=av jean perrin" house_number=4 "acknowledged_date=$(date +%F)" "response_due_date=$(date -d '+30 days' +%F)"
[ "$code" = 303 ] || fail "a letter: $code"
letter=$(entry_of)
web GET "/register/$letter"
has 'Trottoir soulevé'; has '4 Avenue Jean Perrin'; has 'suite à donner'; has "$(date -d '+30 days' +%d/%m/%Y)"
web GET "/register/$visit"
has '06 00 00 00 01'; has 'Mme Martin'

step "the register lists them newest first, and its filters"
web GET /
has "$letter"; has "$visit"; has "$call"
[ "$(grep -o 'href="/register/A-[0-9]*"' "$tmp/b" | head -1)" = "href=\"/register/$letter\"" ] || fail "not newest first"
page register
web GET "/?open=1"
has "$letter"; hasnt "href=\"/register/$call\""
web GET "/?q=platane"
has "$letter"; hasnt "href=\"/register/$visit\""
web GET "/?category=incivility"
has "$visit"; hasnt "href=\"/register/$letter\""
web GET "/?street=r.+houdan"
has "$call"; hasnt "href=\"/register/$visit\""

step "a street the list does not know, and the hub's refusal, beside the form with the field named"
web GET /register/new
post /register/new channel=visit category=other "subject=Renseignement" "summary=Une question." "street=rue houdin"
[ "$code" = 422 ] || fail "an unknown street: $code"
has 'role="alert"'; has 'Rue Houdan'; has 'aria-invalid="true" aria-describedby="record-error"'; has 'value="rue houdin"'
has 'Une question.'
page record-refused
post /register/new channel=call category=noise "subject=$(printf 'x%.0s' $(seq 130))" "summary=Trop long."
[ "$code" = 409 ] || fail "a subject too long: $code"
has 'contact.subject'; grep -q 'id="record-subject"[^>]*aria-invalid="true"' "$tmp/b" || fail "the subject not marked"
# The hub's sentence is English and names the field; the person first reads in French what it means.
has "Le hub a refusé : une valeur saisie n&#39;est pas acceptée ; la réponse du hub nomme le champ. Sa réponse : « contact.subject"
has 'Trop long.'

step "a form without the session's token is refused and nothing is stored"
web POST /register/new --data-urlencode channel=call --data-urlencode category=noise \
  --data-urlencode "subject=Sans jeton" --data-urlencode "summary=x"
[ "$code" = 403 ] || fail "no token: $code"
web GET "/?q=jeton"
has 'Aucune fiche.'

step "a subject in markup is written as text"
web GET /register/new
post /register/new channel=call category=other "subject=<script>alert(1)</script>" "summary=<b>x</b>"
[ "$code" = 303 ] || fail "markup: $code"
markup=$(entry_of)
web GET "/register/$markup"
has '&lt;script&gt;alert(1)&lt;/script&gt;'; hasnt '<script>alert'
web GET /
hasnt '<script>alert'

step "an update, a transfer to the coordinator, a close, a close refused"
web GET "/register/$visit"
post "/register/$visit/update" "note=Rappelée, le service propreté passe jeudi." category=public-space
[ "$code" = 303 ] || fail "an update: $code"
web GET "/register/$visit"
has 'Rappelée, le service propreté passe jeudi.'; has 'espace public'
post "/register/$visit/transfer" recipient=hub recipient_name=coordination "note=Des enfants seuls le soir ?"
[ "$code" = 303 ] || { cat "$tmp/b" >&2; fail "a transfer: $code"; }
web GET "/register/$visit"
has 'transmis'; has 'pas encore de réponse'
transfer=$(grep -oE '\bT-[0-9]+\b' "$tmp/b" | head -1) # not the T- a random token may hold
post "/register/$visit/transfer" recipient=hub recipient_name=police-municipale
[ "$code" = 409 ] || fail "a transfer to no identity: $code"
has 'transfer.recipient_name'; grep -q 'id="transfer-recipient_name"[^>]*aria-invalid="true"' "$tmp/b" || fail "recipient_name not marked"
post "/register/$visit/transfer" recipient=police-municipale "recipient_name=Police municipale de Sceaux"
[ "$code" = 422 ] || fail "a transfer outside the hub without its means: $code"
has 'aria-invalid="true" aria-describedby="transfer-error"'
web GET "/register/$letter"
post "/register/$letter/close" "note=Réponse envoyée."
[ "$code" = 303 ] || fail "a close: $code"
web GET "/register/$letter"
has 'clos'; hasnt 'action="/register/'"$letter"'/close"'
page entry-closed
web GET "/register/$call"
csrf_call=$(csrf)
web POST "/register/$call/close" --data-urlencode "csrf=$csrf_call" --data-urlencode "note=Encore."
[ "$code" = 409 ] || fail "closing a closed entry: $code"
has 'closed already'; has 'Encore.'
web GET "/register/$transfer"
has "$visit"

step "the extract to print"
web GET "/register/print?from=$(date -d '-1 day' +%F)&to=$(date +%F)"
[ "$code" = 200 ] || fail "the extract: $code"
has "Extrait du registre de l'accueil"; has 'Trottoir soulevé'; has 'Fiches : 4'
page print
web GET "/register/print?from=2026-13-01&to=x"
[ "$code" = 422 ] || fail "an extract without a period: $code"

step "English"
web GET "/register/$visit?lang=en"
has 'lang="en"'; has 'Follow-up'
page entry-en
web GET "/?lang=fr"

step "the coordinator's desk answers the transfer"
reception_url=$desk_url
cp "$jar" "$tmp/jar.reception"
desk_key= start_desk coordinator
coordinator_pid=$desk_pid
session
web GET /transfers
[ "$code" = 200 ] || fail "the transfers: $code"
has "$visit"; has "Tags sur le mur de l&#39;école"; has "action=\"/transfers/$transfer/answer\""; has 'href="/transfers"'
page transfers
post "/transfers/$transfer/answer" answer=declined
[ "$code" = 409 ] || fail "declining without a note: $code"
has 'transfer_answer.note'; grep -q 'aria-invalid="true"' "$tmp/b" || fail "the note not marked"
post "/transfers/$transfer/answer" answer=declined "note=Aucune situation suivie à cette adresse."
[ "$code" = 303 ] || fail "an answer: $code"
web GET "/transfers?answered=$transfer"
has 'Réponse enregistrée'; hasnt "action=\"/transfers/$transfer/answer\""
stop_desk "$coordinator_pid"
desk_url=$reception_url
cp "$tmp/jar.reception" "$jar"
web GET "/register/$visit"
has 'refusé'; has 'Aucune situation suivie à cette adresse.'

step "the site says whose desk it is, and its menu"
web GET /
has 'relais — accueil Tranquillité urbaine'; has 'href="/lost"'; has 'href="/decrees"'; has 'href="/charts"'

step "lost and found: a found item and a declared loss, refused with their field named, then recorded"
web GET /lost
[ "$code" = 200 ] || fail "the lost and found: $code"
has 'Aucun objet ni déclaration.'; has 'href="/lost/found"'; has 'name="keeping_over"'
page lost-empty
web GET /lost/found
has 'name="storage"'; has 'name="finder_claims"'
page lost-found-form
post /lost/found category=wallet "description=Portefeuille en cuir noir" "street=r. houdan" house_number=12
[ "$code" = 422 ] || fail "a found item without its storage: $code"
has 'role="alert"'; grep -q 'id="found-storage"[^>]*aria-invalid="true"' "$tmp/b" || { grep -o "role=.alert.[^<]*" "$tmp/b" >&2; fail "storage not marked"; }
has 'Portefeuille en cuir noir'; has 'value="r. houdan"'
page lost-found-refused
post /lost/found category=wallet "description=Portefeuille en cuir noir" "street=rue houdin" "storage=Armoire A"
[ "$code" = 422 ] || fail "an unknown street: $code"
grep -q 'id="found-street"[^>]*aria-invalid="true"' "$tmp/b" || fail "street not marked"
post /lost/found category=wallet "description=Portefeuille en cuir noir <b>" "street=r. houdan" house_number=12 \
  "storage=Armoire A" "person=M. Dupont"
[ "$code" = 303 ] || { cat "$tmp/b" >&2; fail "a found item: $code"; }
item=$(sed -n 's/^Location: \/lost\/\(O-[0-9]*\).*/\1/Ip' "$tmp/h" | head -1)
[ -n "$item" ] || fail "no item in $(cat "$tmp/h")"
web GET /lost/declare
post /lost/declare category=wallet "description=Portefeuille noir" "street=rue houdan"
[ "$code" = 422 ] || fail "a loss without who: $code"
grep -q 'id="declare-person"[^>]*aria-invalid="true"' "$tmp/b" || fail "person not marked"
post /lost/declare category=wallet "description=Portefeuille noir en cuir" "street=rue houdan" "person=Mme Leroy" \
  "contact=06 00 00 00 02"
[ "$code" = 303 ] || fail "a declared loss: $code"
loss=$(sed -n 's/^Location: \/lost\/\(P-[0-9]*\).*/\1/Ip' "$tmp/h" | head -1)
[ -n "$loss" ] || fail "no loss in $(cat "$tmp/h")"
web GET /lost
has "href=\"/lost/$item\""; has "href=\"/lost/$loss\""
page lost
web GET "/lost?kind=declared"
has "$loss"; hasnt "href=\"/lost/$item\""

step "the item's page: its match, a return refused then recorded, escaping"
web GET "/lost/$item?done=recorded"
has 'Enregistré.'; has 'Armoire A'; has '12 Rue Houdan'; has 'Portefeuille en cuir noir &lt;b&gt;'; hasnt 'noir <b>'
has 'Rapprochements possibles'; has "href=\"/lost/$loss\""; has 'même catégorie'
page lost-item
post "/lost/$item/return" "owner=Mme Leroy"
[ "$code" = 422 ] || fail "a return without the identity: $code"
grep -q 'id="return-identity_checked"[^>]*aria-invalid="true"' "$tmp/b" || fail "identity not marked"
has 'value="Mme Leroy"'
page lost-return-refused
web GET "/lost/$item"
csrf_lost=$(csrf)
web POST "/lost/$item/return" --data-urlencode "owner=Mme Leroy" --data-urlencode "identity_checked=CNI …4521"
[ "$code" = 403 ] || fail "a return without the token: $code"
post "/lost/$item/return" "owner=Mme Leroy" "identity_checked=carte d'identité …4521" "declaration_id=$loss"
[ "$code" = 303 ] || { cat "$tmp/b" >&2; fail "a return: $code"; }
web GET "/lost/$item?done=return"
has 'Retour enregistré.'; has 'rendu'; has 'Mme Leroy'; hasnt "action=\"/lost/$item/return\""
page lost-returned
web GET "/lost/$loss"
has 'retrouvé'
post "/lost/$loss/note" "note="
[ "$code" = 422 ] || fail "an empty note: $code"
post "/lost/$loss/note" "note=Prévenue par téléphone."
[ "$code" = 303 ] || fail "a note: $code"
web POST "/lost/$item/end" --data-urlencode "csrf=$csrf_lost" --data-urlencode "outcome=destroyed"
[ "$code" = 409 ] || [ "$code" = 422 ] || fail "ending a returned item: $code"
has 'role="alert"'

step "decrees: what is in force at an address on a day, the list, a decree's page"
printf 'Article 1 : le stationnement est interdit rue Houdan, côté pair, du n° 2 au n° 40.\n' >"$tmp/ban.txt"
ban_day=$(date -d '+11 days' +%F)
RELAIS_STREETS=$tmp/streets.tsv expect 0 mairie-actes decree publish --signatory "Philippe Laurent, maire" \
  --number "2026-148" --title "Interdiction temporaire de stationnement, rue Houdan" --regulatory --temporary \
  --signed "$(date +%F)" --from "$ban_day" --to "$ban_day" --street "r. houdan" --numbers 2-40 --side even \
  --text "$tmp/ban.txt"
web GET /decrees
[ "$code" = 200 ] || fail "the decrees: $code"
has 'name="street"'; has '2026-148'; has 'Interdiction temporaire de stationnement'
page decrees
web GET "/decrees?street=r.+houdan&number=12&on=$ban_day"
[ "$code" = 200 ] || fail "in force: $code"
has '1 arrêté en vigueur'; has 'href="/decrees/2026-148"'; has 'côté pair'
page decrees-in-force
web GET "/decrees?street=r.+houdan&number=13&on=$ban_day"
has 'aucun arrêté en vigueur'
web GET "/decrees?street=rue+houdin&on=$ban_day"
[ "$code" = 422 ] || fail "an unknown street: $code"
grep -q 'id="inforce-street"[^>]*aria-invalid="true"' "$tmp/b" || fail "street not marked"; has 'value="rue houdin"'
web GET "/decrees?street=r.+houdan&on=demain"
[ "$code" = 422 ] || fail "a day that is no date: $code"
web GET "/decrees?q=stationnement"
has '2026-148'
web GET /decrees/2026-148
[ "$code" = 200 ] || fail "a decree's page: $code"
has 'Article 1 : le stationnement est interdit'; has 'mairie-actes'
page decree
web GET /decrees/2099-1
[ "$code" = 404 ] || [ "$code" = 502 ] || fail "no such decree: $code"

step "the chart: solicitations by week and channel, small cells secret"
web GET /charts
[ "$code" = 200 ] || fail "the chart: $code"
has '<svg'; has 'role="img"'; has 'Sollicitations, par semaine ISO et par canal'; has "$(date +%G-W%V)"; has 'secret'
page chart
web GET "/charts?from=$(date -d '-20 days' +%F)&to=$(date +%F)"
[ "$code" = 200 ] || fail "the chart of a period: $code"
# A past week of its own, enough solicitations to publish: the counts by channel, read back from the table.
monday=$(date -d "$(date +%F) -$(($(date +%u) - 1 + 21)) days" +%F)
for i in 1 2 3 4 5 6 7; do
  expect 0 accueil-tu reception record --channel call --category noise --when "$monday 0$i:00" --answered \
    --subject "Bruit $i" --summary "Appel $i."
done
for i in 1 2 3 4 5 6; do
  expect 0 accueil-tu reception record --channel visit --category other --when "$(date -d "$monday +2 days" +%F) 1$i:00" \
    --answered --subject "Visite $i" --summary "Passage $i."
done
web GET "/charts?from=$monday&to=$(date -d "$monday +6 days" +%F)"
[ "$code" = 200 ] || fail "the chart of a past week: $code"
page chart-week
python3 - "$tmp/b" <<'PY' || fail "the week's counts by channel"
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
table = html[html.index('id="table-solicitations"'):]
table = table[:table.index("</table>")]
rows = {}
for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
    if cells:
        rows[cells[0]] = cells[1:]
want = {"Toutes les sollicitations": ["13"], "Téléphone": ["7"], "Visite": ["6"], "Courrier": ["0"]}
for name, cells in want.items():
    assert rows.get(name) == cells, (name, rows.get(name), rows)
PY
grep -q "secret" "$tmp/b" && grep -q ">secret<" "$tmp/b" && fail "a week of 13 shown as secret"
web GET "/charts?from=2026-01-01&to=2025-01-01"
[ "$code" = 422 ] || fail "a period backwards: $code"
grep -q 'id="period-to"[^>]*aria-invalid="true"' "$tmp/b" || fail "the end not marked"
web GET "/charts?lang=en"
has 'Solicitations by week and channel'
page chart-en
web GET "/lost?lang=en"
has 'Lost and found'
page lost-en
web GET "/?lang=fr"

step "the hub stopped: kept in the desk's memory, said so, what was typed kept; sent when it is back"
stop_broker
web GET /register/new
post /register/new channel=call category=noise "subject=Pendant la panne" "summary=Gardé tel quel."
[ "$code" = 202 ] || fail "the hub down: $code"
has '<p class="notice" role="status" id="record-error">Le hub ne répond pas : votre envoi est gardé en attente dans la mémoire de ce desk'
has '<a href="/queue">Voir les envois en attente</a>'
has 'Pendant la panne'; has 'Gardé tel quel.'
page record-hub-down
web GET /lost/found
post /lost/found category=keys "description=Trousseau de clés pendant la panne" "place=Mairie" "storage=Armoire B"
[ "$code" = 202 ] || fail "a found item with the hub down: $code"
has 'gardé en attente dans la mémoire de ce desk'; has 'Trousseau de clés pendant la panne'
page lost-hub-down
web GET /queue
has '<a href="/queue" aria-current="page">En attente (2)</a>'
has "<td>Nouvelle fiche du registre (téléphone)</td><td>en attente depuis le "
has "<td>Objet trouvé (nouveau)</td><td>en attente depuis le "
hasnt "Pendant la panne"
page queue-waiting
start_broker || fail "relaisd did not start again"
until_queue_settled
entry=$(sed -n 's|.*<td><a href="/register/\(A-[0-9]*\)">Nouvelle fiche du registre (téléphone)</a></td><td>enregistré n° [0-9]* (A-[0-9]*) le .*|\1|p' "$tmp/b")
[ -n "$entry" ] || fail "the queued entry is not said recorded: $(cat "$tmp/b")"
grep -q '<td><a href="/lost/O-[0-9]*">Objet trouvé (nouveau)</a></td><td>enregistré n° ' "$tmp/b" ||
  fail "the queued item is not said recorded: $(cat "$tmp/b")"
page queue-recorded
web GET "/register/$entry"
[ "$code" = 200 ] && has 'Pendant la panne' || fail "the entry the queue sent: $code"
web GET "/?q=Pendant+la+panne"
[ "$(grep -c '^<tr><th scope="row"><a href="/register/A-' "$tmp/b")" = 1 ] ||
  fail "the queued entry is not in the register once: $(grep -c '^<tr><th scope="row"><a href="/register/A-' "$tmp/b")"
stop_desk "$reception_pid"

python3 "$(dirname "$0")/desk_html.py" "$tmp/pages/"*.html || fail "desk_html.py"
echo "desk_reception: ok"
