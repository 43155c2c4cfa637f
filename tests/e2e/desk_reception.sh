#!/usr/bin/env bash
# desk_reception.sh -- the reception's pages on the desk against a real hub on 127.0.0.1, with curl: the
# register and its filters, a call answered on the spot, a visit to follow up, a letter acknowledged
# with its due date, each recorded from the form and found on its page; a street looked up in the
# town's list and one it does not know refused beside the form, the field named; the hub's refusal
# naming its field, what was typed kept; an update, a transfer to the coordinator, a close and a
# close refused; a form without the session's token refused and nothing stored; a subject in
# markup written as text; the extract to print; the hub stopped (not sent, the typed text kept);
# the coordinator's desk answering the transfer from /transfers; English; the HTML rules.
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
transfer=$(grep -o 'T-[0-9]*' "$tmp/b" | head -1)
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

step "the hub stopped: not sent, what was typed kept"
stop_broker
web GET /register/new
post /register/new channel=call category=noise "subject=Pendant la panne" "summary=Gardé tel quel."
[ "$code" = 503 ] || fail "the hub down: $code"
has 'role="alert"'; has 'Pendant la panne'; has 'Gardé tel quel.'
grep -q 'Non envoyé\|a pu être enregistrée' "$tmp/b" || fail "no sentence for the hub down"
page record-hub-down
stop_desk "$reception_pid"

python3 "$(dirname "$0")/desk_html.py" "$tmp/pages/"*.html || fail "desk_html.py"
echo "desk_reception: ok"
