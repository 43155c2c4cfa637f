#!/usr/bin/env bash
# lifecycle.sh -- a case kept only as long as the law allows, erased for real, and the family's
# rights served: with a fake clock, Lina's closed case goes to the intermediate archive two
# years after its last event, then is erased at the end of the archive period; after each move
# the hub's data key is rotated, and once the backup period is over no key that still exists
# (the live one, the retired ones, the data protection officer's) opens any copy of the case's
# key found in the store's files (free pages included) or in snapshots taken before. Tom's case
# gets a rectification, a legal hold that refuses its erasure, then an erasure on request. The
# audits, with and without the data key, pass and name the erasing records; the export of an
# erased case holds nothing personal.
# usage: lifecycle.sh RELAIS RELAISD KEY_SEARCH SOURCE_DIR
set -euo pipefail

relais=$1
relaisd=$2
key_search=$3
src=$4
examples=$src/examples
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init lifecycle
pki_broker
retired=$tmp/pki/relais-hub/retired
clock=$tmp/clock
day=$((24 * 3600 * 1000))

# search KEY_ID FILE...: the copies of that case's key that open with any key that still exists.
search() {
  local id=$1
  shift
  # shellcheck disable=SC2046 # the retired generations, one word each
  "$key_search" ${bytes_from:+--bytes-from "$bytes_from"} "$id" "$tmp/pki/dpd-ville/dpd-ville.cert_secret" "$broker_data_key" \
    $(find "$retired" -type f 2>/dev/null) -- "$@" >"$tmp/search"
}

mkdir -p "$tmp/store" "$tmp/spool"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
t0=$(($(date +%s) * 1000))
set_clock "$t0"
broker_args=(--sweep-clock "$clock" --sweep-interval 1)
start_broker_on_free_port

step "Lina's case (the college and the PMI) and Tom's (the CMP); Lina's is closed"
expect 0 college-curie submit "$examples/referral-college-marie-curie.json"
expect 0 pmi-blagis submit "$examples/referral-pmi-les-blagis.json"
expect 0 cmp-sceaux submit "$examples/referral-cmp-sceaux-parental-request.json"
tom_referral=$(field seq "$(cat "$tmp/out")")
lina=C-1
tom=C-$tom_referral
# A case's data keys (docs/privacy.md): its own, number << 16, and one for each referral after it.
lina_key=$((1 << 16))
lina_keys="$lina_key $((lina_key | 1)) $((lina_key | 2))"
tom_keys="$((tom_referral << 16)) $(((tom_referral << 16) | 1))"
expect 0 coordination case update "$lina" triage --note "Vue en instance partenariale"
expect 0 coordination case update "$lina" declined --reason "family-declined" --note "La famille ne souhaite pas de suivi"
expect 0 coordination case show "$tom"
# Five more children the college refers, so that the statistics have enough cases to show.
for family in Martin Bernard Petit Durand Moreau; do
  sed "s/\"Benali\"/\"$family\"/; s/MC-2026-014/MC-2026-$family/" "$examples/referral-college-marie-curie.json" >"$tmp/$family.json"
  expect 0 college-curie submit "$tmp/$family.json"
done

step "the cases that leave the active base within 800 days, and none within 700"
expect 0 coordination case list --expiring 800
grep -q "^$lina leaves the active base on" "$tmp/out" || fail "--expiring 800: $(cat "$tmp/out")"
expect 0 coordination case list --expiring 700
grep -q '^0 cases' "$tmp/out" || fail "--expiring 700: $(cat "$tmp/out")"

step "rectification: Tom's birth date was mistyped; the correction is signed, the original stays"
expect 0 cmp-sceaux feed --from 1 --idle-exit 1 --json
cp "$tmp/out" "$tmp/cmp-feed-before"
expect 0 cmp-sceaux case show "R-$tom_referral" --json
cp "$tmp/out" "$tmp/cmp-show-before"
expect 0 coordination privacy rectify "$tom" --record "$tom_referral" --field child.birth_date --value 2017-04-09 \
  --reason "erreur de saisie signalée par la mère"
expect 1 coordination privacy rectify "$tom" --record "$tom_referral" --field child.shoe_size --value 38 --reason x
grep -q MALFORMED "$tmp/err" || fail "an unknown field: $(cat "$tmp/err")"
# The CMP, whose referral it is, learns nothing of the correction, not even that it happened.
expect 0 cmp-sceaux feed --from 1 --idle-exit 1 --json
cmp -s "$tmp/out" "$tmp/cmp-feed-before" || fail "the CMP's feed shows the rectification: $(diff "$tmp/cmp-feed-before" "$tmp/out")"
expect 0 cmp-sceaux case show "R-$tom_referral" --json
cmp -s "$tmp/out" "$tmp/cmp-show-before" || fail "the CMP's view shows the rectification"
expect 0 coordination case show "$tom"
grep -q "rectification du n° $tom_referral : child.birth_date" "$tmp/out" && grep -q "Né(e) le  *09/04/2017" "$tmp/out" ||
  fail "the coordinator's page: $(cat "$tmp/out")"
expect 0 coordination privacy export "$tom" --json
grep -q '"birth_date":"2017-04-09"' "$tmp/out" || fail "the export does not show the corrected date"
grep -q '"original":"2017-09-04"' "$tmp/out" || fail "the export does not keep the original: $(head -c 600 "$tmp/out")"
expect 0 coordination privacy export "$tom"
grep -q 'rectifié le' "$tmp/out" && grep -q 'Date de naissance : 2017-04-09' "$tmp/out" ||
  fail "the French export: $(cat "$tmp/out")"

step "a legal hold: the erasure asked for is refused until it is lifted"
expect 0 coordination privacy hold "$tom" --reason "IP transmise à la CRIP 92, réf. 2026-014"
expect 1 dpd-ville privacy erase "$tom" --reason "demande des parents du 2 décembre"
grep -q LEGAL_HOLD "$tmp/err" || fail "an erasure under a hold: $(cat "$tmp/err")"
expect 1 college-curie privacy hold "$tom" --reason x
grep -q FORBIDDEN "$tmp/err" || fail "a partner set a hold: $(cat "$tmp/err")"
expect 0 dpd-ville privacy release "$tom" --reason "classement sans suite, courrier du 3 décembre"

step "before anything leaves: a snapshot, then Tom's erasure on request (sealed for the archive at once)"
"$relais" audit snapshot --store "$tmp/store" --out "$tmp/snap-before" >/dev/null
expect 0 dpd-ville privacy erase "$tom" --reason "demande des parents du 2 décembre"
for _ in $(seq 100); do grep -q "event=archived case=$tom" "$tmp/broker.log" && break; sleep 0.1; done
grep -q "event=archived case=$tom" "$tmp/broker.log" || fail "the erasure asked for did not archive $tom"
expect 1 coordination case show "$tom"
grep -q 'left the active base' "$tmp/err" || fail "an archived case shown: $(cat "$tmp/err")"
expect 0 coordination case show "$lina"

step "the archive is the data protection officer's to open, with a signed reason"
expect 1 coordination privacy open-archive "$tom" --reason "curiosité"
grep -q FORBIDDEN "$tmp/err" || fail "the coordinator opened the archive: $(cat "$tmp/err")"
expect 0 dpd-ville privacy open-archive "$tom" --reason "demande d'accès des parents, courrier du 4 décembre" --json
grep -q '"Lefèvre"' "$tmp/out" && grep -q '"birth_date":"2017-04-09"' "$tmp/out" ||
  fail "the officer's opening: $(head -c 800 "$tmp/out")"
grep -q "event=access reader=dpd-ville" "$tmp/broker.log" || fail "the opening's read was not logged"

step "two years and a day after Lina's last event: archived; Tom's erased"
set_clock $((t0 + 731 * day))
wait_sweep
grep -q "event=archived case=$lina" "$tmp/broker.log" || fail "Lina's case was not archived"
grep -q "event=erased case=$tom" "$tmp/broker.log" || fail "Tom's case was not erased"
grep -q 'event=data-key-rotated generation=3' "$tmp/broker.log" || fail "no rotation after the moves"
"$relais" audit snapshot --store "$tmp/store" --out "$tmp/snap-archived" >/dev/null

step "the end of the archive period: Lina's case erased, the data key rotated"
set_clock $((t0 + (731 + 1827) * day))
wait_sweep
grep -q "event=erased case=$lina" "$tmp/broker.log" || fail "Lina's case was not erased"
grep -q 'event=data-key-rotated generation=4' "$tmp/broker.log" || fail "no rotation after the erasure"
stop_broker_clean
start_broker_on_free_port # the live hub, restarted on the rotated key

step "the live hub's key opens no copy of Lina's key: store files (free pages too), snapshots before"
"$key_search" --bytes-from "$tmp/snap-archived" "$lina_key" "$tmp/pki/dpd-ville/dpd-ville.cert_secret" "$broker_data_key" -- \
  "$tmp"/store/* "$tmp"/snap-before/* "$tmp"/snap-archived/* >"$tmp/search"
grep -q 'opened 0$' "$tmp/search" || fail "the live key opens: $(cat "$tmp/search")"
grep -q '^copies of the bytes .* kept [1-9]' "$tmp/search" || fail "the search found not even the snapshot's copy"
echo "   $(sed 's/of the bytes [^ ]* kept/of the archived key as the snapshot keeps it:/' "$tmp/search" | tr '\n' ' ')"
echo "   the retired generation, within the backup period, still opens the archive's copy (backups restore):"
search "$lina_key" "$tmp"/snap-archived/*
grep -q "the archived key of key $lina_key" "$tmp/search" || fail "the backup period keeps nothing: $(cat "$tmp/search")"
sed -n 's/^OPENS [^ ]*\/\([^/]* offset\)/   \1/p' "$tmp/search" | head -2

step "the backup-key store: its generations listed, one exported to an offline medium, which opens the backup"
expect_exit 0 "$relais" datakey retired --dir "$retired"
grep -q '^generation 3  retired ' "$tmp/out" || fail "datakey retired: $(cat "$tmp/out")"
sed 's/^/   /' "$tmp/out"
expect_exit 0 "$relais" datakey export-retired --dir "$retired" --generation 3 --out "$tmp/offline.key"
"$key_search" "$lina_key" "$tmp/pki/dpd-ville/dpd-ville.cert_secret" "$tmp/offline.key" -- "$tmp"/snap-archived/* >"$tmp/search"
grep -q '^OPENS' "$tmp/search" || fail "the exported generation opens nothing: $(cat "$tmp/search")"
expect_exit 2 "$relais" datakey destroy --dir "$retired" --generation 99

step "the backup period over: the retired generations destroyed; no key that still exists opens anything"
set_clock $((t0 + (731 + 1827 + 31) * day))
wait_sweep
grep -q 'event=retired-key-destroyed' "$tmp/broker.log" || fail "no retired generation destroyed"
[ -z "$(find "$retired" -type f)" ] || fail "retired generations left: $(ls "$retired")"
# shellcheck disable=SC2086 # the key ids, one word each
for id in $lina_keys $tom_keys; do
  bytes_from=$tmp/snap-before search "$id" "$tmp"/store/* "$tmp"/snap-before/* "$tmp"/snap-archived/*
  grep -q 'opened 0$' "$tmp/search" || fail "key $id still opens: $(cat "$tmp/search")"
  grep -q '^copies of the bytes .* kept [1-9]' "$tmp/search" || fail "the search found not even the snapshot's copy"
  echo "   key $id: $(sed 's/of the bytes [^ ]* kept/of its wrapped key as the first snapshot keeps it:/' "$tmp/search" |
    tr '\n' ' ')(tried: the live key, the retired ones, the officer's key)"
done

step "the audits pass, without and with the data key, and name the erasing records"
"$relais" audit snapshot --store "$tmp/store" --out "$tmp/snap-after" >/dev/null
expect_exit 0 "$relais" audit verify --store "$tmp/snap-after" --certs "$broker_certs"
grep -q "^  $lina erased by record" "$tmp/out" && grep -q "^  $tom erased by record" "$tmp/out" ||
  fail "unkeyed audit: $(cat "$tmp/out")"
expect_exit 0 "$relais" audit verify --store "$tmp/snap-after" --certs "$broker_certs" --data-key "$broker_data_key"
grep -q '^level: full, with the data key' "$tmp/out" && grep -q "^  $lina erased by record" "$tmp/out" &&
  grep -q '^archived or erased: ' "$tmp/out" || fail "keyed audit: $(cat "$tmp/out")"
sed 's/^/   /' "$tmp/out"
# Online, the hub sends the records it can no longer open as stored: the auditor checks that the
# log archived their cases.
expect 0 audit-ville audit verify --certs "$broker_certs"
grep -q '^archived or erased: ' "$tmp/out" && grep -q "^  $lina erased by record" "$tmp/out" ||
  fail "online audit: $(cat "$tmp/out" "$tmp/err")"

step "the statistics keep the erased cases' counts, and suppress the small cells"
expect 0 coordination privacy stats --json
tr -d ' \n' <"$tmp/out" >"$tmp/stats"
grep -q '"cases":7' "$tmp/stats" || fail "the counts were not kept: $(cat "$tmp/stats")"
# By source: six cases of the college, one of the CMP: the CMP's cell is under 5, and the college's
# would give it away (7 - 6): both are secret.
grep -q '"cmp":"secret"' "$tmp/stats" && grep -q '"school-head":"secret"' "$tmp/stats" ||
  fail "the CMP's one case shown, or the college's count gives it away: $(cat "$tmp/stats")"
expect 0 coordination privacy stats
grep -q 'Statistiques du partenariat' "$tmp/out" || fail "the French statistics: $(cat "$tmp/out")"
sed 's/^/   /' "$tmp/out" | head -20

step "the export of an erased case: nothing personal"
expect 0 coordination privacy export "$lina" --json
for needle in Benali Lina 2014 Curie; do
  grep -q -i "$needle" "$tmp/out" && fail "the export of an erased case shows '$needle': $(cat "$tmp/out")"
done
grep -q 'erased by record' "$tmp/out" || fail "the export does not say the case is gone: $(cat "$tmp/out")"
echo "   $(cat "$tmp/out")"
stop_broker_clean

step "a rotation interrupted: the hub finishes it or undoes it at start"
set_clock $(($(date +%s) * 1000)) # back to today: a new case is not due for the archive at once
# The store moved to the next generation, the file did not take the old one's place.
expect_exit 0 "$relais" datakey rotate --store "$tmp/store" --data-key "$broker_data_key" \
  --out "$broker_data_key.next" --keep-old
start_broker_on_free_port
grep -q 'event=data-key-rotation-finished' "$tmp/broker.log" || fail "the interrupted rotation was not finished"
[ ! -e "$broker_data_key.next" ] || fail ".next is still there"
expect 0 pmi-blagis submit "$examples/referral-pmi-les-blagis.json" # the child secret opens: the key is live
expect 0 coordination case list
grep -q '^1 case$' "$tmp/out" || fail "after the finished rotation: $(cat "$tmp/out")"
stop_broker_clean
# A generation the store never moved to.
expect_exit 0 "$relais" datakey new --out "$broker_data_key.next"
start_broker_on_free_port
grep -q 'event=data-key-rotation-undone' "$tmp/broker.log" || fail "the stray generation was not removed"
[ ! -e "$broker_data_key.next" ] || fail ".next is still there"
expect 0 coordination case list
grep -q '^1 case$' "$tmp/out" || fail "after the undone rotation: $(cat "$tmp/out")"
stop_broker_clean
echo "lifecycle: ok"
