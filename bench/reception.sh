#!/usr/bin/env bash
# reception.sh -- what the Tranquillité urbaine desk waits for, with a register of COUNT entries
# (seeded solicitations of the last 30 days; half of those to follow up closed since): the submissions'
# rate through one `relais submit`, then each read the desk makes, timed as a whole `relais`
# process (connection, CURVE handshake, the read logged by the hub, the answer), the median and
# the slowest of RUNS: the list's first page, a search that must look at every entry, the
# overdue entries, one entry's page, the month's figures. Prints a table and one JSON line.
# Run by hand (never as a test): bench/reception.sh [COUNT] [RUNS]
# The binaries: RELAIS_BIN_DIR (default build/release).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
count=${1:-5000}
runs=${2:-7}
bin=${RELAIS_BIN_DIR:-$src/build/release}
relais=$bin/agents/relais
relaisd=$bin/broker/relaisd
[ -x "$relais" ] && [ -x "$relaisd" ] || { echo "build first: make release (or set RELAIS_BIN_DIR)" >&2; exit 2; }

# shellcheck source-path=SCRIPTDIR source=../tests/e2e/lib.sh
. "$src/tests/e2e/lib.sh"
e2e_init reception-bench
pki_broker
mkdir -p "$tmp/store" "$tmp/spool" "$tmp/month" "$tmp/work"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
start_broker_on_free_port

ms() { date +%s%3N; }
python3 - "$tmp/month" "$count" "$(($(date +%s) * 1000))" <<'PY'
import json, os, random, sys
out, count, now_ms = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(2026)
day = 86400 * 1000
words = ["bruit", "voisin", "trottoir", "stationnement", "arrêté", "objet", "chien", "poubelle", "éclairage"]
for i in range(count):
    ch = rnd.choice(["CALL"] * 6 + ["VISIT"] * 3 + ["LETTER", "EMAIL"])
    when = now_ms - 30 * day + rnd.randrange(30 * day - 3600 * 1000)
    c = {"channel": ch, "subject": "%s %d" % (rnd.choice(words), i), "summary": "Sollicitation %d : %s." % (i, " ".join(rnd.choice(words) for _ in range(20))),
         "occurred_ms": when, "category": rnd.choice(["NOISE", "INCIVILITY", "PUBLIC_SPACE", "PARKING_TRAFFIC", "OTHER_CATEGORY"]),
         "handling": "FOLLOW_UP" if ch in ("LETTER", "EMAIL") or rnd.random() < 0.5 else "ANSWERED_ON_SPOT"}
    if ch in ("LETTER", "EMAIL"):
        import datetime
        c["response_due_date"] = datetime.datetime.fromtimestamp((when + 20 * day) / 1000).strftime("%Y-%m-%d")
    json.dump({"contact": c}, open(os.path.join(out, "c%06d.json" % i), "w"), ensure_ascii=False)
PY
find "$tmp/month" -name '*.json' | sort >"$tmp/files"
t0=$(ms)
xargs -a "$tmp/files" -n 5000 env RELAIS_KEY="$tmp/pki/accueil-tu/accueil-tu.cert_secret" \
  RELAIS_SERVER_CERT="$tmp/pki/relais-hub/relais-hub.cert" RELAIS_SPOOL="$tmp/spool/desk" \
  "$relais" submit --timeout 900 >"$tmp/acks.json"
t1=$(ms)
submit_per_s=$(python3 -c "print(round($count * 1000 / max(1, $t1 - $t0)))")
python3 - "$tmp/acks.json" "$tmp/work" <<'PY'
import json, os, random, sys
rnd = random.Random(7)
for n, line in enumerate(open(sys.argv[1])):
    a = json.loads(line)
    if json.load(open(a["file"]))["contact"]["handling"] == "FOLLOW_UP" and rnd.random() < 0.5:
        msg = {"contact_update": {"entry_id": a["case_id"], "handling": "CLOSED", "note": "Réponse faite."}}
        json.dump(msg, open(os.path.join(sys.argv[2], "w%06d.json" % n), "w"), ensure_ascii=False)
PY
find "$tmp/work" -name '*.json' | sort | xargs -n 5000 env RELAIS_KEY="$tmp/pki/accueil-tu/accueil-tu.cert_secret" \
  RELAIS_SERVER_CERT="$tmp/pki/relais-hub/relais-hub.cert" RELAIS_SPOOL="$tmp/spool/desk" \
  "$relais" submit --timeout 900 >/dev/null
entry=$(sed -n '1s/.*"case_id":"\([^"]*\)".*/\1/p' "$tmp/acks.json")

# time KEY NAME ARGS...: RUNS whole `relais reception ARGS` processes; median and slowest, in ms.
results=()
time_it() {
  local key=$1 name=$2 t s
  shift 2
  local all=()
  for _ in $(seq "$runs"); do
    s=$(ms)
    as accueil-tu "$relais" reception "$@" >/dev/null
    t=$(($(ms) - s))
    all+=("$t")
    sleep 0.5 # the desk's read budget refills at 2 a second
  done
  read -r med max < <(printf '%s\n' "${all[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)], a[NR]}')
  printf '  %-40s %6s ms   (slowest %s)\n' "$name" "$med" "$max"
  results+=("\"${key}_ms\":$med")
}
echo "register of $count entries: submitted at $submit_per_s entries/s (one relais submit, synced commits)"
time_it list "list, first page" list
time_it search "search in every entry (no match)" list --search "introuvable"
time_it overdue "overdue, every page" list --overdue --all
time_it show "one entry's page" show "$entry"
time_it stats "the month's figures (text)" stats --from "$(date -d '-31 days' +%Y-%m-%d)" --to "$(date +%Y-%m-%d)"
stop_broker_clean
printf '{"entries":%s,"submit_per_s":%s,%s}\n' "$count" "$submit_per_s" "$(IFS=,; echo "${results[*]}")"
