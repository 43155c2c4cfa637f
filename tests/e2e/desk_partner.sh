#!/usr/bin/env bash
# desk_partner.sh -- a partner's desk (`relais desk` with a partner's key) against a real hub, with curl:
# the referral form made from schema/referral.schema.json (every property a control, required ones
# marked, enums as choices, lengths as maxlength, the legal basis a required step), a referral
# accepted and its handle, a refusal by the desk naming the field, a refusal only the hub makes (a
# birth date to come) beside its field with everything typed kept, CSRF, the hub away (not sent,
# the text kept), markup in a name escaped, and the status of what it referred under the
# partner-view rule: nothing of the coordinator's note or diagnosis, no case id, no other
# referrer; the state once the coordinator shares the case.
# usage: desk_partner.sh RELAIS RELAISD SOURCE_DIR
set -euo pipefail

relais=$1
relaisd=$2
src=$3
examples=$src/examples
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init desk-partner
pki_broker
command -v curl >/dev/null || { echo "curl is not installed (scripts/install-deps)" >&2; exit 2; }

mkdir -p "$tmp/store" "$tmp/spool" "$tmp/pages"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
start_broker_on_free_port
hub=(RELAIS_ENDPOINT="tcp://127.0.0.1:$port" RELAIS_KEY="$tmp/pki/pmi-blagis/pmi-blagis.cert_secret"
  RELAIS_SERVER_CERT="$tmp/pki/relais-hub/relais-hub.cert")
# shellcheck source-path=SCRIPTDIR source=desk_lib.sh
. "$(dirname "$0")/desk_lib.sh"

# The college refers Lina first: her case is the college's, and the PMI's referral joins it.
expect 0 college-curie submit "$examples/referral-college-marie-curie.json"
lina_case=C-$(field seq "$(cat "$tmp/out")")

step "a partner's desk starts, and its pages are a partner's"
start_desk partner
session
web GET /
[ "$code" = 200 ] || fail "the list: $code"
has '<html lang="fr">'
has "Mes signalements"
has 'href="/refer"'
hasnt "Dossiers"
page list-empty

step "the form is the schema's: every property a control, required ones marked, enums, lengths, dates"
web GET /refer
[ "$code" = 200 ] || fail "the form: $code"
page form
python3 - "$src/schema/referral.schema.json" "$tmp/b" <<'PY' || fail "the form does not follow the schema"
import json, re, sys
schema = json.load(open(sys.argv[1], encoding="utf-8"))
html = open(sys.argv[2], encoding="utf-8").read()
defs = schema["$defs"]
def resolve(node):
    if "$ref" in node:
        return defs[node["$ref"].split("/")[-1]]
    for alt in node.get("anyOf", []):
        if "$ref" in alt:
            return defs[alt["$ref"].split("/")[-1]]
    return node
def kind(node):
    t = node.get("type", "string")
    if isinstance(t, list):
        t = [x for x in t if x != "null"][0]
    return t
def control(name):
    m = re.search(r'<(input|select|textarea)[^>]*\bname="%s"[^>]*>' % re.escape(name), html)
    assert m, "no control named " + name
    return m.group(0)
def walk(obj, path, required):
    need = set(obj.get("required", []))
    for prop, node in obj["properties"].items():
        n, p = resolve(node), path + "." + prop
        req = required and prop in need
        t = kind(n)
        if t == "object":
            walk(n, p, req and not any(prop in alt.get("required", []) for alt in obj.get("oneOf", [])))
        elif t == "array":
            items = resolve(n["items"])
            if "enum" in items:
                for v in (x for x in items["enum"] if isinstance(x, str)):
                    control(p + "." + v)
            elif kind(items) == "object":
                walk(items, p + ".1", False)
            else:
                c = control(p + ".1")
                assert not req or " required" in c, p + ".1 not marked required"
        else:
            if "enum" in n:
                for v in (x for x in n["enum"] if isinstance(x, str)):
                    assert 'value="%s"' % v in html, "%s: no choice %s" % (p, v)
                continue
            c = control(p)
            if req:
                assert " required" in c, p + " not marked required"
            if n.get("format") == "date" or p.endswith("_ms"):
                assert 'type="date"' in c, p + " is not a date input"
            elif "maxLength" in n:
                assert 'maxlength="%d"' % n["maxLength"] in c, p + " without its maxlength"
walk(defs["Referral"], "referral", True)
for member in ("consent", "parental_request"):
    assert re.search(r'<input type="radio"[^>]*name="referral.basis" value="%s" required' % member, html), member
print("form: every property of the schema has its control")
PY
has '<fieldset class="basis"'
has "(obligatoire)"
has "Chef d'établissement ou directeur d'école"

csrf=$(csrf)
declare -A base=(
  [referral.external_ref]="PMI-2026-031"
  [referral.referrer.organisation]="PMI Les Blagis"
  [referral.referrer.role]=PMI
  [referral.referrer.name]="Dr Claire Martin, médecin de PMI"
  [referral.child.family_name]=Benali
  [referral.child.given_names.1]=Lina
  [referral.child.birth_date]=2014-03-12
  [referral.child.school]="École du Centre"
  [referral.domains.HEALTH]=1
  [referral.domains.SOCIAL]=1
  [referral.description]="Retards de vaccination, fatigue. Deuxième ligne du texte."
  [referral.urgency]=ROUTINE
  [referral.basis]=consent
  [referral.consent.recorded_by]="Dr Claire Martin"
  [referral.consent.recorded_ms]=$(date +%F)
)
# refer [NAME=VALUE]...: the form posted with the base's fields, NAME=VALUE replacing or adding
# ("NAME=" leaves it out), with the session's token unless csrf= is given.
refer() {
  local -A f=()
  local k kv args=()
  for k in "${!base[@]}"; do f[$k]=${base[$k]}; done
  f[csrf]=$csrf
  for kv in "$@"; do f[${kv%%=*}]=${kv#*=}; done
  for k in "${!f[@]}"; do [ -z "${f[$k]}" ] || args+=(--data-urlencode "$k=${f[$k]}"); done
  web POST /refer "${args[@]}"
}

step "a referral refused by the desk: the fields named, beside them and in the summary, the text kept"
refer referral.child.birth_date=12/03/2014 referral.basis= referral.description="Texte gardé <b>tel quel</b>"
[ "$code" = 422 ] || fail "a local refusal: $code"
has 'role="alert" id="errors"'
has 'href="#f-referral-child-birth_date">Date de naissance</a>'
has 'name="referral.child.birth_date" required aria-describedby="e0" aria-invalid="true" value="12/03/2014"'
has 'id="e0">Une date est attendue'
has 'href="#f-referral-basis-consent">Accord de la famille ou demande des parents'
has 'Texte gardé &lt;b&gt;tel quel&lt;/b&gt;</textarea>'
has 'name="referral.referrer.organisation" required maxlength="200" aria-describedby="f-referral-referrer-organisation-hint" value="PMI Les Blagis"'
page form-local-errors

step "a refusal only the hub makes (a birth date to come) beside its field, everything typed kept"
refer referral.child.birth_date=2031-01-01
[ "$code" = 422 ] || fail "the hub's refusal: $code"
has "Le hub a refusé ce signalement"
has 'href="#f-referral-child-birth_date">Date de naissance</a>'
has 'name="referral.child.birth_date" required aria-describedby="e0" aria-invalid="true" value="2031-01-01"'
has '<q lang="en">2031-01-01 is in the future</q>'
has 'Retards de vaccination, fatigue. Deuxième ligne du texte.</textarea>'
has 'value="Dr Claire Martin"'
has 'value="consent" checked required'
page form-hub-refused

step "a form without the session's token is refused, nothing sent, the text kept"
refer csrf=not-the-token
[ "$code" = 403 ] || fail "no CSRF: $code"
has "Ce formulaire ne vient pas de cette session"
has 'value="Dr Claire Martin"'
refer csrf=
[ "$code" = 403 ] || fail "no token at all: $code"

step "a referral accepted: its handle and what happens next"
refer
[ "$code" = 303 ] || fail "an accepted referral: $code $(cat "$tmp/b")"
where=$(sed -n 's/^Location: \(.*\)\r*$/\1/Ip' "$tmp/h")
[[ "$where" == /refer/received\?r=R-* ]] || fail "sent to: $where"
handle=${where#*r=}
web GET "$where"
[ "$code" = 200 ] && has "Signalement reçu" && has "<strong>$handle</strong>" && has "Et ensuite" || fail "received: $code"
page received
web GET /refer/received
[ "$code" = 404 ] || fail "received without a handle: $code"
refer
[ "$code" = 303 ] || fail "the same reference again: $code"
where=$(sed -n 's/^Location: \(.*\)\r*$/\1/Ip' "$tmp/h")
[ "$where" = "/refer/received?r=$handle&again=1" ] || fail "the same reference again, sent to: $where"
web GET "$where"
has "Le hub avait déjà reçu ce signalement (même référence)"
has "<strong>$handle</strong>"

step "the status list and the referral's page: its own referral, submitted, nothing of the case"
expect 0 coordination case update "$lina_case" triage --note "NOTE-SECRETE de la coordination"
expect 0 coordination case update "$lina_case" accepted
expect 0 coordination case update "$lina_case" diagnosis --diagnosis "DIAGNOSTIC-SECRET"
web GET /
[ "$code" = 200 ] || fail "the list: $code"
has "href=\"/referrals/$handle\""
has "reçu, en attente d'examen <code>submitted</code>"
has "<code>requested</code>"
for secret in NOTE-SECRETE DIAGNOSTIC-SECRET "$lina_case" "Collège Marie Curie" "MC-2026-014"; do hasnt "$secret"; done
page list
web GET "/referrals/$handle"
[ "$code" = 200 ] || fail "the referral's page: $code"
has "Signalement $handle"
has "<code>submitted</code>"
for secret in NOTE-SECRETE DIAGNOSTIC-SECRET "$lina_case" "Collège Marie Curie" "<code>triage</code>" "<code>accepted</code>"; do
  hasnt "$secret"
done
page referral
web GET "/referrals/$lina_case"
[ "$code" = 404 ] || fail "a case id: $code"
cp "$tmp/b" "$tmp/case-id.html"
web GET /referrals/R-999999
[ "$code" = 404 ] || fail "a handle it does not have: $code"
cmp -s "$tmp/b" "$tmp/case-id.html" || fail "a case id and an unknown handle are answered differently"
expect 0 college-curie case list --json
college_r=$(grep -o '"case_id": *"R-[0-9]*"' "$tmp/out" | head -1 | grep -o 'R-[0-9]*')
web GET "/referrals/$college_r"
[ "$code" = 404 ] || fail "another partner's referral: $code"
cmp -s "$tmp/b" "$tmp/case-id.html" || fail "another partner's referral is answered otherwise than an unknown handle"

step "shared by the coordinator: the case's state appears, still nothing of its notes"
expect 0 coordination case share "$lina_case" "$handle"
web GET /
has "<code>diagnosis</code>"
for secret in NOTE-SECRETE DIAGNOSTIC-SECRET "$lina_case"; do hasnt "$secret"; done
web GET "/referrals/$handle"
has "<code>diagnosis</code>"
has "<code>submitted</code>"
for secret in NOTE-SECRETE DIAGNOSTIC-SECRET "$lina_case" "Collège Marie Curie"; do hasnt "$secret"; done
page referral-shared

step "markup in a name is text"
refer 'referral.child.given_names.1=<script>alert(1)</script>' referral.child.family_name=Essai \
  referral.external_ref=PMI-2026-032
[ "$code" = 303 ] || fail "a referral of a child named in markup: $code"
web GET /
has "&lt;script&gt;alert(1)&lt;/script&gt;"
hasnt "<script>alert(1)"
refer 'referral.child.family_name=<script>alert(2)</script>' referral.child.birth_date=2031-01-01
has 'value="&lt;script&gt;alert(2)&lt;/script&gt;"'
hasnt "<script>alert(2)"

step "English"
web GET "/refer?lang=en"
has '<html lang="en">'
has "New referral"
has "School head"
page form-en
web GET "/?lang=fr"

step "the hub away: the referral kept in the desk's memory, said so, the text typed kept; sent when it is back"
stop_broker
refer referral.description="Texte saisi pendant la panne" referral.external_ref=PMI-2026-033
[ "$code" = 202 ] || fail "the hub away: $code"
has '<div class="notice" role="status" id="trouble"><p>Le hub ne répond pas : votre envoi est gardé en attente dans la mémoire de ce desk (rien n&#39;est écrit sur son disque) et partira dès que le hub répondra.'
has '<a href="/queue">Voir les envois en attente</a>'
has "Texte saisi pendant la panne</textarea>"
page queued
web GET /queue
[ "$code" = 200 ] || fail "the queue's page: $code"
has '<a href="/queue" aria-current="page">En attente (1)</a>'
has "<td>Signalement</td><td>en attente depuis le "
hasnt "Texte saisi"
page queue-waiting
web GET /
[ "$code" = 503 ] && has "Le hub ne répond pas" || fail "the list with the hub away: $code"
has '<p class="notice" id="waiting">1 envoi attend le hub, gardé dans la mémoire de ce desk.'
start_broker || fail "relaisd did not start again"
until_queue_settled
queued_handle=$(sed -n 's|.*<td><a href="/referrals/\(R-[0-9]*\)">Signalement</a></td><td>enregistré n° [0-9]* (R-[0-9]*) le .*|\1|p' "$tmp/b")
[ -n "$queued_handle" ] || fail "the queued referral is not said recorded: $(cat "$tmp/b")"
page queue-recorded
web GET "/referrals/$queued_handle"
[ "$code" = 200 ] || fail "the referral the queue sent: $code"
# sent again by hand, the same reference: the hub holds it once, under the queue's handle
refer referral.description="Texte saisi pendant la panne" referral.external_ref=PMI-2026-033
[ "$code" = 303 ] && grep -qi "^Location: /refer/received?r=$queued_handle&again=1" "$tmp/h" ||
  fail "sent again once the hub is back: $code $(grep -i '^Location' "$tmp/h")"

step "the pages keep the HTML rules"
python3 "$(dirname "$0")/desk_html.py" "$tmp/pages/"*.html || fail "desk_html.py"

stop_desk "$desk_pid"
stop_broker_clean
echo "desk_partner: all checks passed"
