#!/usr/bin/env bash
# registers.sh -- the desk's lost and found and the town's decrees, against a real hub with a
# sealed store: for each size (ITEMS items in the lost and found, DECREES decrees), a fresh
# relaisd on 127.0.0.1 (CURVE, synced commits, the data key), loaded through `relais submit` from
# seeded JSON files; then each read timed as a whole `relais` process (start, connection, CURVE
# handshake, the walk of the register, the answer), RUNS times, median and 95th percentile
# (nearest rank: with 11 runs, the slowest). Prints a table per size and one JSON line a size.
#
# The lost and found: half found items (O-), half declared losses (P-), all open, over the twelve
# categories, in the streets of the town's list (tests/data/ban-sceaux-extract.csv, imported with
# `relais streets import`) or at a place, found or lost over the last year. `lost match` walks
# every item (each index entry opened and scored); `lost list` answers a page (200 items, at most
# 20,000 looked at), so a search that matches nothing asks page after page (--all); each read is
# logged by the hub (a synced commit).
# The decrees: a town's register over four decades, published by the mayor's office
# (mairie-actes, role publisher): mostly street decrees with ranges of house numbers, temporary
# and permanent, some town-wide, some individual, some permanent ones repealed by a later one.
# relaisd takes them with --review-days 15000 (its default, 730, refuses a decree signed more than
# two years ago). `decree in-force` walks every decree; it is not logged.
# The writer: items and decrees registered a second by one `relais submit` at a time (5,000 files
# a process), then items by 4 at once (each its own spool), with the CPU relaisd and the clients
# used meanwhile. A `relais submit` spools each message (a synced commit) before it sends it, and
# removes it (another) once acknowledged.
#
# Run by hand (never as a test): bench/registers.sh [RUNS] [ITEMS:DECREES ...]
# (default: 11 runs; 5000:1000 50000:10000). The binaries: RELAIS_BIN_DIR (default build/release).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
runs=${1:-11}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(5000:1000 50000:10000)
bin=${RELAIS_BIN_DIR:-$src/build/release}
relais=$bin/agents/relais
relaisd=$bin/broker/relaisd
[ -x "$relais" ] && [ -x "$relaisd" ] || { echo "build first: make release (or set RELAIS_BIN_DIR)" >&2; exit 2; }
export TZ=Europe/Paris

# shellcheck source-path=SCRIPTDIR source=../tests/e2e/lib.sh
. "$src/tests/e2e/lib.sh"
e2e_init registers-bench
pki_broker
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
"$relais" streets import "$src/tests/data/ban-sceaux-extract.csv" --out "$tmp/streets.tsv" >/dev/null
export RELAIS_STREETS=$tmp/streets.tsv
broker_args=(--review-days 15000)
tck=$(getconf CLK_TCK)

ms() { date +%s%3N; }
# CPU seconds (user + system) relaisd has used so far.
broker_cpu() { awk -v t="$tck" '{print ($14 + $15) / t}' "/proc/$broker_pid/stat"; }

# gen_lost DIR COUNT: COUNT items, one JSON file each, in the order they are sent.
gen_lost() {
  python3 - "$1" "$2" "$(($(date +%s) * 1000))" "$tmp/streets.tsv" <<'PY'
import datetime, json, os, random, sys
out, count, now_ms = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
streets = [l.split("\t")[0] for l in open(sys.argv[4], encoding="utf-8") if l.strip() and not l.startswith("#")]
rnd = random.Random(2027)
day, hour = 86400 * 1000, 3600 * 1000
cats = {
    "KEYS": ["trousseau", "clés", "porte-clés", "badge", "clé de voiture", "clé de boîte aux lettres"],
    "WALLET": ["portefeuille", "porte-monnaie", "porte-cartes", "carte Navigo", "carte bancaire", "billets"],
    "PHONE": ["téléphone", "smartphone", "coque", "écran fissuré", "étui à rabat"],
    "BAG": ["sac à dos", "sac à main", "cartable", "valise", "sac de sport", "tote bag"],
    "PAPERS": ["carte d'identité", "passeport", "permis de conduire", "carte vitale", "titre de séjour"],
    "JEWELLERY": ["bague", "montre", "collier", "bracelet", "boucle d'oreille", "alliance"],
    "CLOTHING": ["manteau", "écharpe", "bonnet", "gants", "veste", "gilet", "casquette"],
    "GLASSES": ["lunettes de vue", "lunettes de soleil", "étui à lunettes", "monture"],
    "ELECTRONICS": ["écouteurs", "ordinateur portable", "tablette", "chargeur", "montre connectée"],
    "BICYCLE": ["vélo", "trottinette", "antivol", "casque de vélo", "draisienne"],
    "TOY": ["doudou", "peluche", "ballon", "poupée", "petite voiture"],
    "OTHER_ITEM": ["parapluie", "livre", "cahier", "boîte", "gourde", "sac de courses"],
}
colours = ["noir", "noire", "marron", "bleu", "bleu marine", "rouge", "vert", "gris", "beige", "blanc", "rose", "jaune"]
matters = ["en cuir", "en tissu", "en plastique", "en métal", "en laine", "en toile", "doré", "argenté"]
extras = ["avec une étiquette", "un peu abîmé", "presque neuf", "avec un porte-clés en forme de chat",
          "une inscription au feutre", "avec une fermeture éclair", "un autocollant sur le dos", "marque illisible"]
places = ["parc de Sceaux, près du Grand Canal", "gare de Sceaux", "gare de Robinson", "marché de Sceaux",
          "médiathèque", "jardin de la Ménagerie", "bus 192, arrêt Mairie", "piscine des Blagis", "lycée Lakanal"]
details = ["devant la boulangerie", "sur un banc", "devant l'arrêt de bus", "sur le trottoir", "près de la pharmacie"]
given = ["Nadia", "Karim", "Sophie", "Paul", "Léa", "Hugo", "Inès", "Marc", "Chloé", "Yanis", "Anne", "Louis"]
family = ["Roussel", "Benhamou", "Martin", "Dubois", "Leroy", "Moreau", "Garnier", "Petit", "Lambert", "Fontaine"]
names = list(cats)
for i in range(count):
    cat = names[i % len(names)] if i < 2 * len(names) else rnd.choice(names)
    words = cats[cat]
    desc = "%s %s %s, %s" % (rnd.choice(words).capitalize(), rnd.choice(colours), rnd.choice(matters), rnd.choice(extras))
    if rnd.random() < 0.5:
        desc += " ; %s %s, %s." % (rnd.choice(words), rnd.choice(colours), rnd.choice(extras))
    found = i % 2 == 0
    when = now_ms - hour - rnd.randrange(364 * day)
    item = {"kind": "FOUND" if found else "LOST", "category": cat, "description": desc, "when_ms": when}
    if rnd.random() < 0.8:
        item["street"] = rnd.choice(streets)
        if rnd.random() < 0.5:
            item["house_number"] = str(rnd.randrange(1, 120))
        if rnd.random() < 0.3:
            item["place"] = rnd.choice(details)
    else:
        item["place"] = rnd.choice(places)
    person = "%s %s %s" % (rnd.choice(["M.", "Mme"]), rnd.choice(given), rnd.choice(family))
    contact = "06 %02d %02d %02d %02d" % tuple(rnd.randrange(100) for _ in range(4))
    if found:
        item["storage"] = "armoire %d, étagère %s" % (rnd.randrange(1, 6), rnd.choice("ABCD"))
        item["keep_until"] = (datetime.date.fromtimestamp(when / 1000) + datetime.timedelta(days=366)).isoformat()
        if rnd.random() < 0.6:
            item["person"], item["contact"] = person, contact
            item["finder_claims"] = rnd.random() < 0.3
    else:
        item["person"], item["contact"] = person, contact
        if rnd.random() < 0.5:
            item["until_ms"] = min(when + rnd.randrange(1, 9) * hour, now_ms - 60 * 1000)
    with open(os.path.join(out, "l%06d.json" % i), "w", encoding="utf-8") as f:
        json.dump({"lost_found": item}, f, ensure_ascii=False)
PY
}

# gen_decrees DIR COUNT: a register of COUNT decrees signed over 40 years, in the order signed; a
# repeal names a decree at least 100 earlier (more than the 32 a `relais submit` keeps in flight).
# Prints the street and the house number the in-force reads ask about, and how many were repealed.
gen_decrees() {
  python3 - "$1" "$2" "$tmp/streets.tsv" <<'PY'
import base64, datetime, hashlib, json, os, random, sys
out, count = sys.argv[1], int(sys.argv[2])
streets = [l.split("\t")[0] for l in open(sys.argv[3], encoding="utf-8") if l.strip() and not l.startswith("#")]
rnd = random.Random(1986)
today = datetime.date.today()
first = today - datetime.timedelta(days=40 * 365)
span = (today - first).days
days = sorted(rnd.randrange(span + 1) for _ in range(count))
temporary = ["Interdiction temporaire de stationnement", "Travaux de voirie : circulation alternée",
             "Déménagement : stationnement réservé", "Fête de quartier : circulation interdite",
             "Marché de Noël : occupation du domaine public", "Tournage : stationnement interdit"]
permanent = ["Sens unique", "Limitation de vitesse à 30 km/h", "Stationnement payant", "Zone de livraison",
             "Stationnement réservé aux personnes handicapées", "Interdiction de tourner à gauche"]
town = ["Lutte contre les bruits de voisinage", "Consommation d'alcool sur la voie publique",
        "Horaires des chantiers", "Plan canicule", "Interdiction des feux de jardin"]
signatories = ["Philippe Laurent, maire", "Paul Lemoine, adjoint au maire délégué à la voirie",
               "Jeanne Martin, adjointe au maire déléguée à la tranquillité urbaine"]
text = ("Le Maire de la Ville de Sceaux,\nVu le code général des collectivités territoriales, et notamment "
        "ses articles L2212-1, L2212-2 et L2213-1 ;\nVu le code de la route ;\n\nARRÊTE\n\nArticle 1er : %s.\n"
        "Article 2 : Le directeur général des services et la police municipale sont chargés, chacun en ce qui "
        "le concerne, de l'exécution du présent arrêté.")
per_year, open_permanent = {}, []  # open_permanent: (index, number, street)
repealed = 0
for i, off in enumerate(days):
    signed = first + datetime.timedelta(days=off)
    year = signed.year
    per_year[year] = per_year.get(year, 0) + 1
    number = "%d-%04d" % (year, per_year[year])
    effective = min(signed + datetime.timedelta(days=rnd.randrange(0, 15)), today + datetime.timedelta(days=30))
    d = {"number": number, "nature": "REGULATORY", "signed_date": signed.isoformat(),
         "effective_from": effective.isoformat(), "signatory": rnd.choice(signatories)}
    r = rnd.random()
    street = rnd.choice(streets)
    if r < 0.05:  # the whole town, for good; the newer regulation of a matter repeals the older one
        title = rnd.choice(town)
        d.update(title=title, duration="PERMANENT", town_wide=True)
        old = [k for k, (j, _, s) in enumerate(open_permanent) if s == title and i - j >= 100]
        if old:
            d["repeals"] = [open_permanent.pop(old[0])[1]]
            repealed += 1
        open_permanent.append((i, number, title))
    else:
        places, used = [], set()
        for _ in range(1 if rnd.random() < 0.7 else rnd.randrange(2, 4)):
            s = street if not places else rnd.choice(streets)
            if s in used:
                continue
            used.add(s)
            p = {"street": s}
            if rnd.random() < 0.75:
                lo = rnd.randrange(1, 80)
                p["from_number"], p["to_number"] = lo, lo + rnd.randrange(0, 60)
                if rnd.random() < 0.5:
                    p["side"] = rnd.choice(["EVEN", "ODD"])
            places.append(p)
        d["places"] = places
        if r < 0.20:  # an individual decree: an occupation of the public space, a permit
            d.update(nature="INDIVIDUAL", duration="TEMPORARY", title="Occupation temporaire du domaine public, %s" % street,
                     effective_to=(effective + datetime.timedelta(days=rnd.randrange(0, 10))).isoformat(),
                     pdf_sha256=base64.b64encode(hashlib.sha256(number.encode()).digest()).decode(),
                     request_entry="A-%d" % rnd.randrange(1, 100000))
        elif r < 0.75:  # a temporary street decree
            d.update(title="%s, %s" % (rnd.choice(temporary), street), duration="TEMPORARY",
                     effective_to=(effective + datetime.timedelta(days=rnd.randrange(0, 15))).isoformat())
        else:  # a permanent street decree, which may repeal an older one of its street
            d.update(title="%s, %s" % (rnd.choice(permanent), street), duration="PERMANENT")
            old = [k for k, (j, _, s) in enumerate(open_permanent) if s == street and i - j >= 100]
            if old and rnd.random() < 0.4:
                _, num, _ = open_permanent.pop(old[0])
                d["repeals"] = [num]
                repealed += 1
            open_permanent.append((i, number, street))
    if d["nature"] == "REGULATORY":
        d["text"] = text % d["title"]
    with open(os.path.join(out, "d%06d.json" % i), "w", encoding="utf-8") as f:
        json.dump({"decree": d}, f, ensure_ascii=False)
print("%s\t12\t%d" % ("Rue Houdan" if "Rue Houdan" in streets else streets[0], repealed))
PY
}

# submit WHO DIR LIST ACKS [SPOOL]: the files of DIR named in LIST (short names: 5,000 fit in one
# command line), 5,000 a `relais submit`. Fails on any refusal.
submit() {
  local who=$1 dir=$2 list=$3 acks=$4 spool=${5:-$1} refused
  (cd "$dir" && xargs -a "$list" -n 5000 env RELAIS_ENDPOINT="$RELAIS_ENDPOINT" \
    RELAIS_KEY="$tmp/pki/$who/$who.cert_secret" RELAIS_SERVER_CERT="$tmp/pki/relais-hub/relais-hub.cert" \
    RELAIS_SPOOL="$tmp/spool/$spool" "$relais" submit --timeout 900 >"$acks")
  refused=$(grep -c '"error"' "$acks" || true)
  [ "$refused" -eq 0 ] || { grep -m3 '"error"' "$acks" >&2; fail "$refused messages refused"; }
}
# timed_submit CMD...: runs CMD (submit or submit_4), and sets wall_s, client_cpu_s (the relais processes'
# user + system) and broker_cpu_s (relaisd's, meanwhile).
timed_submit() {
  local c0 t0 t1 TIMEFORMAT='%U %S'
  c0=$(broker_cpu)
  t0=$(ms)
  { time "$@" 2>&3; } 3>&2 2>"$tmp/time.out"
  t1=$(ms)
  wall_s=$(awk -v w="$((t1 - t0))" 'BEGIN {printf "%.2f", w / 1000}')
  client_cpu_s=$(awk '{printf "%.2f", $1 + $2}' "$tmp/time.out")
  broker_cpu_s=$(awk -v a="$c0" -v b="$(broker_cpu)" 'BEGIN {printf "%.2f", b - a}')
}
# submit_4: 4 submitters at once, each with a spool of its own, the first 2,000 items signed again.
submit_4() {
  local k pids=()
  head -2000 "$tmp/lost.files" >"$tmp/more.files"
  for k in 1 2 3 4; do
    submit accueil-tu "$tmp/lost" "$tmp/more.files" "$tmp/more$k.acks" "desk$k" &
    pids+=("$!")
  done
  for k in "${pids[@]}"; do wait "$k" || fail "one of the 4 submitters failed"; done
}
# writer_line NAME COUNT: one line of the writer's figures, from timed_submit's.
writer_line() {
  printf '  %-52s %7d /s    (%s s; CPU: relaisd %s s, relais %s s)\n' "$1" \
    "$(awk -v n="$2" -v s="$wall_s" 'BEGIN {printf "%d", n / s}')" "$wall_s" "$broker_cpu_s" "$client_cpu_s"
}

# time_it KEY NAME WHO ARGS...: RUNS whole `relais ARGS` processes as WHO; median and p95, in ms.
results=()
time_it() {
  local key=$1 name=$2 who=$3 t s
  shift 3
  local all=()
  for _ in $(seq "$runs"); do
    s=$(date +%s%N)
    as "$who" "$relais" "$@" >/dev/null || fail "relais $* failed"
    t=$((($(date +%s%N) - s) / 100000))
    all+=("$t")
    sleep 0.5 # the desk's read budget refills at 2 a second
  done
  read -r med p95 < <(printf '%s\n' "${all[@]}" | sort -n |
    awk '{a[NR] = $1} END {i = int(0.95 * NR); if (i < 0.95 * NR) i++; printf "%.1f %.1f\n", a[int((NR + 1) / 2)] / 10, a[i] / 10}')
  printf '  %-52s %7s ms   (p95 %s)\n' "$name" "$med" "$p95"
  results+=("\"${key}_ms\":$med,\"${key}_p95_ms\":$p95")
}

json_lines=()
for size in "${sizes[@]}"; do
  items=${size%%:*}
  decrees=${size##*:}
  results=()
  stop_broker
  rm -rf "$tmp/store" "$tmp/spool" "$tmp/lost" "$tmp/decrees"
  mkdir -p "$tmp/store" "$tmp/spool" "$tmp/lost" "$tmp/decrees"
  start_broker_on_free_port

  gen_lost "$tmp/lost" "$items"
  gen_decrees "$tmp/decrees" "$decrees" >"$tmp/gen.out"
  IFS=$'\t' read -r street house repeals <"$tmp/gen.out"
  (cd "$tmp/lost" && ls | sort) >"$tmp/lost.files"
  (cd "$tmp/decrees" && ls | sort) >"$tmp/decrees.files"

  timed_submit submit accueil-tu "$tmp/lost" "$tmp/lost.files" "$tmp/lost.acks"
  lost_line=$(writer_line "items registered (one relais submit at a time)" "$items")
  lost_per_s=$(awk -v n="$items" -v s="$wall_s" 'BEGIN {printf "%d", n / s}')
  lost_broker=$broker_cpu_s lost_client=$client_cpu_s
  timed_submit submit mairie-actes "$tmp/decrees" "$tmp/decrees.files" "$tmp/decrees.acks"
  dec_line=$(writer_line "decrees published (one relais submit at a time)" "$decrees")
  dec_per_s=$(awk -v n="$decrees" -v s="$wall_s" 'BEGIN {printf "%d", n / s}')
  found=$(sed -n 's/.*"case_id":"\(O-[0-9]*\)".*/\1/p' "$tmp/lost.acks" | tail -1)
  loss=$(sed -n 's/.*"case_id":"\(P-[0-9]*\)".*/\1/p' "$tmp/lost.acks" | tail -1)
  [ -n "$found" ] && [ -n "$loss" ] || fail "no item handles in the acknowledgements"
  store_mib=$(du -sm "$tmp/store" | cut -f1)

  echo "lost and found of $items items (half found, half declared, all open), $decrees decrees ($repeals repealed); sealed store, $store_mib MiB"
  echo "$lost_line"
  echo "$dec_line"
  # What the reads answer (one read each, not timed).
  n_match=$(as accueil-tu "$relais" lost match "$found" --json | grep -c '"score"' || true)
  n_force=$(as accueil-tu "$relais" decree in-force --street "$street" --number "$house" --on "$(date +%F)" --json |
    grep -c '"number"' || true)
  echo "  (lost match $found proposes $n_match items; $n_force decrees in force at $house $street today)"
  time_it ping "ping (process, connection, handshake: the floor)" accueil-tu ping
  time_it lost_match_found "lost match $found (walks every item)" accueil-tu lost match "$found"
  time_it lost_match_loss "lost match $loss (walks every item)" accueil-tu lost match "$loss"
  time_it lost_list "lost list, first page (200 items)" accueil-tu lost list
  time_it lost_list_search "lost list --search, no match, every page (--all)" accueil-tu \
    lost list --search "introuvable" --all
  time_it decree_in_force "decree in-force, $house $street, today" accueil-tu \
    decree in-force --street "$street" --number "$house" --on "$(date +%F)"
  time_it decree_in_force_past "decree in-force, the street, 20 years ago" accueil-tu \
    decree in-force --street "$street" --on "$(date -d '-20 years' +%F)"
  # The writer with 4 submitters at once (up to 2,000 more items each, signed again), after the reads.
  timed_submit submit_4
  more=$((4 * $(wc -l <"$tmp/more.files")))
  [ "$(cat "$tmp"/more?.acks | grep -c '"seq"')" -eq "$more" ] || fail "the 4 submitters: not every item acknowledged"
  writer_line "items registered (4 relais submit at once, +$more)" "$more"
  par_per_s=$(awk -v n="$more" -v s="$wall_s" 'BEGIN {printf "%d", n / s}')
  stop_broker_clean
  json_lines+=("$(printf '{"items":%s,"decrees":%s,"store_mib":%s,"items_per_s":%s,"items_4_submitters_per_s":%s,"decrees_per_s":%s,"items_broker_cpu_s":%s,"items_client_cpu_s":%s,%s}' \
    "$items" "$decrees" "$store_mib" "$lost_per_s" "$par_per_s" "$dec_per_s" "$lost_broker" "$lost_client" "$(IFS=,; echo "${results[*]}")")")
done
printf '%s\n' "${json_lines[@]}"
