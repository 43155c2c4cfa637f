#!/usr/bin/env bash
# owners.sh -- named professionals against a real hub: the coordinator hands a case to an identity
# of the registry (`case update --owner`, a note too), `case list --mine` lists the reader's own
# cases and no other, a name that is no coordinator or partner of the registry is refused MALFORMED
# with nothing stored, a pathway action names its responsible person on the page, a partner never
# sees an owner or a responsible person, and the audit's replay of the index agrees.
# usage: owners.sh RELAIS RELAISD SOURCE_DIR
set -euo pipefail

relais=$1
relaisd=$2
src=$3
examples=$src/examples
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init owners
pki_broker
said() { # said TEXT: the last command's stderr holds TEXT, word for word
  grep -qF -- "$1" "$tmp/err" || { cat "$tmp/err" >&2; fail "expected on stderr: $1"; }
}
# mine WHO EXPECTED...: `case list --mine --json` as WHO lists exactly those ids.
mine() {
  local who=$1 got want
  shift
  expect 0 "$who" case list --mine --json --sort case
  got=$(sed -n 's/.*"case_id": *"\([^"]*\)".*/\1/p' "$tmp/out" | tr '\n' ' ')
  want=$([ $# -eq 0 ] || printf '%s ' "$@")
  [ "$got" = "$want" ] || fail "$who: case list --mine: got '$got', expected '$want'"
}

mkdir -p "$tmp/store" "$tmp/spool"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
# A second coordinator of the team, to own a case of her own.
"$relais" keygen coord-roux --role coordinator --org "Ville de Sceaux" --out "$tmp/pki/coord-roux" >/dev/null
install -m 0644 "$tmp/pki/coord-roux/coord-roux.cert" "$tmp/pki/registry/coord-roux.cert"
start_broker_on_free_port

step "two children, two cases; no case has an owner yet"
expect 0 college-curie submit "$examples/referral-college-marie-curie.json"
lina_r=$(field case_id "$(cat "$tmp/out")")
expect 0 cmp-sceaux submit "$examples/referral-cmp-sceaux-parental-request.json"
tom_r=$(field case_id "$(cat "$tmp/out")")
lina=$(case_of "$lina_r")
tom=$(case_of "$tom_r")
[[ "$lina" == C-* && "$tom" == C-* && "$lina" != "$tom" ]] || fail "two cases expected: '$lina' '$tom'"
mine coordination
expect 0 coordination case list --json
grep -q '"owner"' "$tmp/out" && fail "a case has an owner before any was named: $(cat "$tmp/out")"

step "the coordinator names owners, with a move or a note; --mine lists each reader's own"
expect 0 coordination case update "$lina" triage --owner coordination
expect 0 coordination case update "$tom" note --owner coord-roux --note "Mme Roux suit le dossier"
mine coordination "$lina"
mine coord-roux "$tom"
mine audit-ville
mine dpd-ville
expect 0 coordination case list --json
grep "\"$lina\"" "$tmp/out" | grep -q '"owner": *"coordination"' || fail "$lina's owner: $(cat "$tmp/out")"
grep "\"$tom\"" "$tmp/out" | grep -q '"owner": *"coord-roux"' || fail "$tom's owner: $(cat "$tmp/out")"
# A move that names no owner keeps it.
expect 0 coordination case update "$lina" accepted
mine coordination "$lina"

step "a name that is no coordinator or partner of the registry is refused, nothing stored"
expect 0 coordination case list --json --sort case
cp "$tmp/out" "$tmp/before"
refused MALFORMED coordination case update "$lina" note --owner mme-roux
said "case_update.owner: 'mme-roux' is no coordinator or partner of the registry; expected an identity name (relais keygen NAME)"
refused MALFORMED coordination case update "$lina" diagnosis --owner audit-ville --diagnosis "refusé"
said "case_update.owner: 'audit-ville' is an identity of role auditor; a case's owner is the coordinator or a partner"
refused MALFORMED coordination case update "$lina" note --owner relais-hub
said "is an identity of role broker"
expect 0 coordination case list --json --sort case
cmp -s "$tmp/before" "$tmp/out" || fail "a refused owner changed the list: $(diff "$tmp/before" "$tmp/out")"
expect 2 coordination case share "$lina" "$tom_r" --owner coordination
expect 2 coordination case list --owner coordination

step "a partner's professional may own a case; the partner sees no owner, --mine changes nothing for it"
expect 0 coordination case update "$tom" note --owner cmp-sceaux
mine coord-roux
expect 0 coordination case list --json
grep "\"$tom\"" "$tmp/out" | grep -q '"owner": *"cmp-sceaux"' || fail "$tom's owner: $(cat "$tmp/out")"
expect 0 cmp-sceaux case list --json
cp "$tmp/out" "$tmp/cmp-list"
expect 0 cmp-sceaux case list --mine --json
cmp -s "$tmp/cmp-list" "$tmp/out" || fail "--mine changed a partner's list: $(diff "$tmp/cmp-list" "$tmp/out")"
grep -q "\"$tom_r\"" "$tmp/out" || fail "the CMP does not list its referral: $(cat "$tmp/out")"

step "a pathway action names its responsible person; the coordinator's page shows it and the owner"
expect 0 coordination case update "$lina" diagnosis --diagnosis "Difficultés de lecture"
expect 0 coordination case update "$lina" pathway-proposed \
  --action "individual;Tutorat;Service Jeunesse;$(date -u +%F);weekly;Mme Roux, CMP de Sceaux" \
  --action "collective;Atelier lecture;Médiathèque"
expect 0 coordination case show "$lina" --lang fr
grep -Eq '^  Référent +coordination$' "$tmp/out" || fail "the page names no owner: $(cat "$tmp/out")"
grep -Eq '^       Responsable +Mme Roux, CMP de Sceaux$' "$tmp/out" || fail "the page names no responsible: $(cat "$tmp/out")"
[ "$(grep -c 'Responsable' "$tmp/out")" -eq 1 ] || fail "an action without a responsible shows one: $(cat "$tmp/out")"
# The history's lines wrap: read them joined.
tr -s ' \n' '  ' <"$tmp/out" | grep -q "référent : coordination" ||
  fail "the history does not say who was named: $(cat "$tmp/out")"
expect 0 coordination case show "$lina" --lang en
grep -Eq '^  Owner +coordination$' "$tmp/out" && grep -Eq '^       Responsible +Mme Roux, CMP de Sceaux$' "$tmp/out" ||
  fail "the English page: $(cat "$tmp/out")"
expect 0 coordination case show "$lina" --json
grep -q '"responsible": *"Mme Roux, CMP de Sceaux"' "$tmp/out" || fail "the JSON timeline has no responsible"

step "a partner sees neither owner nor responsible person, in its list, page or feed"
# The college opened Lina's case and follows it; the CMP opened Tom's, which it owns.
for who_ref in "college-curie $lina_r" "cmp-sceaux $tom_r"; do
  read -r who ref <<<"$who_ref"
  expect 0 "$who" case list --json
  cat "$tmp/out" >"$tmp/partner-$who"
  expect 0 "$who" case show "$ref" --json
  cat "$tmp/out" >>"$tmp/partner-$who"
  for lang in fr en; do
    expect 0 "$who" case show "$ref" --lang "$lang"
    cat "$tmp/out" >>"$tmp/partner-$who"
  done
  expect 0 "$who" feed --from 1 --idle-exit 1 --json
  cat "$tmp/out" >>"$tmp/partner-$who"
  grep -Eq 'owner|Owner|Référent|référent|Roux|Responsable|Responsible|coord-roux|"coordination"' "$tmp/partner-$who" &&
    fail "$who sees an owner or a responsible person: $(cat "$tmp/partner-$who")"
done

step "the audit replays the owners: its index equals the hub's"
stop_broker
"$relais" audit verify --store "$tmp/store" --certs "$tmp/pki/registry" --data-key "$broker_data_key" \
  >"$tmp/verify.txt" || { cat "$tmp/verify.txt"; fail "audit verify failed"; }
grep -qx "cases: 2 rebuilt, equal to the index" "$tmp/verify.txt" || fail "no case replay: $(cat "$tmp/verify.txt")"
echo "ok"
