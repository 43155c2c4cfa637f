#!/usr/bin/env bash
# desk_charts.sh -- the desk's charts (/charts) against a real hub on 127.0.0.1, with curl: the page with
# no case, then with referrals from three sources and cases triaged; the figures of each chart and
# its table, the secret ones written so (the statistics' rule, threshold 5); each SVG well-formed
# XML (python3's xml.etree) with its role, title and description and no style attribute; the
# period's form (a year, a year the desk cannot take); English; the headers; the page costing
# the hub no read; the HTML rules (desk_html.py).
# usage: desk_charts.sh RELAIS RELAISD SOURCE_DIR
set -euo pipefail

relais=$1
relaisd=$2
src=$3
examples=$src/examples
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init desk-charts
pki_broker
command -v curl >/dev/null || { echo "curl is not installed (scripts/install-deps)" >&2; exit 2; }

mkdir -p "$tmp/store" "$tmp/spool" "$tmp/pages"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
start_broker_on_free_port
hub=(RELAIS_ENDPOINT="tcp://127.0.0.1:$port" RELAIS_KEY="$tmp/pki/coordination/coordination.cert_secret"
  RELAIS_SERVER_CERT="$tmp/pki/relais-hub/relais-hub.cert")

# shellcheck source-path=SCRIPTDIR source=desk_lib.sh
. "$(dirname "$0")/desk_lib.sh"
start_desk desk
[ -n "$login" ] || fail "no address: $(cat "$tmp/desk.out")"

# cell TABLE ROW COLUMN: the text of a cell of one of the page's tables (ROW the row's header, COLUMN 1 the
# first cell after it), as a reader of the table finds it.
cell() {
  python3 - "$tmp/b" "$1" "$2" "$3" <<'PY'
import sys
from html.parser import HTMLParser

class Cells(HTMLParser):
    def __init__(self, table):
        super().__init__(convert_charrefs=True)
        self.table, self.inside, self.rows, self.cell = table, False, [], None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'table':
            self.inside = a.get('id') == self.table
        elif self.inside and tag == 'tr':
            self.rows.append([])
        elif self.inside and tag in ('th', 'td'):
            self.cell = ''
    def handle_endtag(self, tag):
        if self.inside and tag in ('th', 'td') and self.cell is not None:
            self.rows[-1].append(' '.join(self.cell.split()))
            self.cell = None
        elif tag == 'table':
            self.inside = False
    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data

p = Cells(sys.argv[2])
p.feed(open(sys.argv[1], encoding='utf-8').read())
for row in p.rows:
    if row and row[0].startswith(sys.argv[3]):
        print(row[int(sys.argv[4])])
        sys.exit(0)
sys.exit('no row %r in table %s' % (sys.argv[3], sys.argv[2]))
PY
}
# is TABLE ROW COLUMN VALUE: that cell holds VALUE.
is() {
  local got
  got=$(cell "$1" "$2" "$3") || fail "$1: $got"
  [ "$got" = "$4" ] || fail "$1, row '$2', column $3: '$got', expected '$4'"
}
# svgs_ok: every <svg> of the page is well-formed XML in the SVG namespace, role="img", named by its
# <title> and described by its <desc> (aria-labelledby), with no style attribute anywhere in it; prints
# the text of each, one line per chart, for the checks that follow.
svgs_ok() {
  python3 - "$tmp/b" >"$tmp/svg-text" <<'PY' || fail "the charts' SVG: $(cat "$tmp/svg-text")"
import re, sys
import xml.etree.ElementTree as ET

NS = '{http://www.w3.org/2000/svg}'
html = open(sys.argv[1], encoding='utf-8').read()
charts = re.findall(r'<svg\b.*?</svg>', html, re.S)
if len(charts) != 3:
    sys.exit('%d charts, expected 3' % len(charts))
for text in charts:
    try:
        svg = ET.fromstring(text)
    except ET.ParseError as e:
        sys.exit('an SVG that is not well-formed XML: %s\n%s' % (e, text[:400]))
    if svg.tag != NS + 'svg' or svg.get('role') != 'img':
        sys.exit('not an SVG with role="img": %s %s' % (svg.tag, svg.attrib))
    ids = (svg.get('aria-labelledby') or '').split()
    title, desc = svg.find(NS + 'title'), svg.find(NS + 'desc')
    if title is None or desc is None or ids != [title.get('id'), desc.get('id')]:
        sys.exit('%s: aria-labelledby %r is not its title and its description' % (svg.get('id'), ids))
    if not (title.text or '').strip() or len((desc.text or '').strip()) < 80:
        sys.exit('%s: an empty title or a description that explains nothing' % svg.get('id'))
    for el in svg.iter():
        if 'style' in el.attrib or el.tag.endswith('style') or el.tag.endswith('script'):
            sys.exit('%s: a style or a script in the SVG (%s)' % (svg.get('id'), el.tag))
        for k, v in el.attrib.items():
            if k.startswith('on') or 'javascript:' in v:
                sys.exit('%s: %s="%s"' % (svg.get('id'), k, v))
    drawn = ' '.join(t.strip() for el in svg.iter(NS + 'text') for t in el.itertext() if t.strip())
    print('%s: %s' % (svg.get('id'), drawn))
PY
}
# drawn CHART TEXT: the chart's SVG draws TEXT.
drawn() {
  grep "^$1: " "$tmp/svg-text" | grep -qF -- "$2" || { cat "$tmp/svg-text" >&2; fail "$1 does not draw: $2"; }
}
# reads: the hub's access records of the coordinator's reads of cases (case-show, case-list).
reads() {
  env "${hub[@]}" timeout 60 "$relais" feed --from 1 --with-access --idle-exit 1 >"$tmp/feed" 2>"$tmp/err" ||
    fail "relais feed: $(cat "$tmp/err")"
  grep -c " access .*case-\(show\|list\) by coordination" "$tmp/feed" || true
}

step "the one-time address; the charts in the navigation"
web GET "/login?token=${login##*token=}"
[ "$code" = 303 ] || fail "the one-time address: $code"
web GET /
has '<a href="/charts">Graphiques</a>'

step "no case yet: three charts, every total 0 (a zero names no one and is shown)"
web GET /charts
[ "$code" = 200 ] || fail "/charts: $code"
grep -qiF "Content-Security-Policy: default-src 'none'" "$tmp/h" && grep -qi '^Cache-Control: no-store' "$tmp/h" &&
  grep -qi '^Content-Type: text/html' "$tmp/h" || fail "the charts' headers: $(cat "$tmp/h")"
has '<h1>Graphiques</h1>'
has '<a href="/charts" aria-current="page">Graphiques</a>'
has '<option value="" selected>les 12 derniers mois</option>'
[ "$(grep -c 'Total : 0 ' "$tmp/b")" -eq 3 ] || fail "the three totals of an empty period"
svgs_ok
page charts-empty

step "referrals from three sources: 6 from the college (school head), 6 from the PMI, 2 from the CMP"
n=0
submit_child() { # submit_child WHO ORGANISATION ROLE FAMILY
  n=$((n + 1))
  child "$tmp/child-$n.json" "$4" '["Camille"]' "$2" "$3"
  sed -i "s/\"2014-03-12\"/\"2014-03-$((10 + n))\"/" "$tmp/child-$n.json"
  expect 0 "$1" submit "$tmp/child-$n.json"
  field case_id "$(cat "$tmp/out")"
}
handles=()
for family in Arnaud Bertin Chevalier Dupuis Etienne Fabre; do
  handles+=("$(submit_child college-curie "Collège Marie Curie" SCHOOL_HEAD "$family")")
done
for family in Garnier Hoarau Imbert Jacquet Klein Lemoine; do
  submit_child pmi-blagis "PMI Les Blagis" PMI "$family" >/dev/null
done
for family in Marchand Noel; do
  submit_child cmp-sceaux "CMP de Sceaux" CMP "$family" >/dev/null
done

step "five of the college's cases triaged and accepted, at once: within the priority target"
for h in "${handles[@]:0:5}"; do
  c=$(case_of "$h")
  [[ "$c" == C-* ]] || fail "no case for $h"
  expect 0 coordination case update "$c" triage
  expect 0 coordination case update "$c" accepted
done

step "the charts: the figures the rule publishes, and the secret ones written so"
before=$(reads)
for _ in $(seq 100); do
  web GET /charts
  grep -qF 'Total : 14 signalements reçus.' "$tmp/b" && grep -qF 'Total : 5 signalements examinés' "$tmp/b" && break
  sleep 0.2
done
has 'Total : 14 signalements reçus.'
has 'Total : 14 dossiers ouverts sur la période.'
has 'Total : 5 signalements examinés sur la période.'
col=12 # this month is the period's last
is table-referrals "Tous les signalements" $col 14
# The CMP's 2 are under the threshold; alone secret, they would be 14 - 6 - 6: the smaller of the
# others (a tie: the first, the college) goes secret with them.
is table-referrals "PMI" $col 6
is table-referrals "CMP" $col secret
is table-referrals "Chef d'établissement" $col secret
is table-referrals "Enseignant" $col 0
is table-referrals "Tous les signalements" 1 0
is table-states "reçu" 1 9
is table-states "accepté" 1 5
is table-states "en pause" 1 0
is table-states "Total" 1 14
is table-triage "Prioritaire" 2 5
is table-triage "Prioritaire" 3 5
is table-triage "Prioritaire" 4 0
is table-triage "Prioritaire" 5 "100 %"
is table-triage "Urgent" 2 0
is table-triage "Urgent" 5 "-"
svgs_ok
drawn chart-referrals "PMI"
drawn chart-referrals "secret"
drawn chart-referrals "CMP"
if grep "^chart-referrals: " "$tmp/svg-text" | grep -qF "Enseignant"; then
  fail "a source without referrals drawn"
fi
drawn chart-states "accepté"
drawn chart-triage "Prioritaire — objectif 24 heures — 5 examinés, 100 % dans le délai"
[ "$(reads)" = "$before" ] || fail "the charts read the hub: $before access records before, $(reads) after"
page charts-figures

step "a year: the form's choice; a year the desk cannot take: the last 12 months, said so"
web GET "/charts?year=$(date +%Y)"
[ "$code" = 200 ] || fail "a year: $code"
has "<option value=\"$(date +%Y)\" selected>$(date +%Y)</option>"
has "Période : de janvier $(date +%Y) à décembre $(date +%Y)."
has 'Total : 14 signalements reçus.'
svgs_ok
page charts-year
web GET "/charts?year=2019"
has 'Total : 0 signalement reçu.'
web GET "/charts?year=abcd"
[ "$code" = 200 ] && has "voici les 12 derniers mois" || fail "a year the desk cannot take: $code"
web GET "/charts?year=<script>"
hasnt "<script>" # the value is never written back
hasnt "&lt;script&gt;"
has "voici les 12 derniers mois"

step "in English"
web GET "/charts?lang=en"
has '<html lang="en">'
has '<h1>Charts</h1>'
has 'Total: 14 referrals received.'
is table-referrals "PMI" $col 6
is table-referrals "School head" $col secret
svgs_ok
drawn chart-triage "Priority — target 24 hours — 5 triaged, 100% in time"
page charts-en
web GET "/charts?lang=fr"

step "without a session: sent to /login, no figure"
code=$(curl -s -o "$tmp/b" -w '%{http_code}' "$desk_url/charts")
[ "$code" = 303 ] && hasnt "signalements" || fail "/charts without a cookie: $code"

step "the pages keep the HTML rules"
python3 "$(dirname "$0")/desk_html.py" "$tmp/pages/"*.html || fail "desk_html.py"

kill -TERM "$desk_pid"
rc=0
wait "$desk_pid" || rc=$?
[ "$rc" -eq 0 ] || fail "relais desk exited $rc on SIGTERM"
stop_broker_clean
echo "desk_charts: all checks passed"
