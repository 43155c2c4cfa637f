#!/usr/bin/env bash
# reception_month.sh -- the town's figures on a generated month at the desk: 5,000 solicitations of
# the last 30 days (seeded: calls, visits, letters, e-mails and forms, every category, streets of
# the town), then a second day's work on them (written requests closed, some after their due
# date; transfers to the police municipale, the police nationale, another service and the
# coordinator). `relais reception stats` over the month must give, in JSON, CSV and French text,
# exactly the counts the generator kept, cell by cell, except the cells the suppression rule hides,
# and hide none that it need not.
# usage: reception_month.sh RELAIS RELAISD SOURCE_DIR [COUNT]
set -euo pipefail

relais=$1
relaisd=$2
src=$3
count=${4:-5000}
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init reception-month
pki_broker
export TZ=Europe/Paris

mkdir -p "$tmp/store" "$tmp/spool" "$tmp/month" "$tmp/work"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
start_broker_on_free_port

step "a month at the desk: $count solicitations generated (seeded)"
now_ms=$(($(date +%s) * 1000))
python3 - "$tmp/month" "$count" "$now_ms" "$src/tests/data/ban-sceaux-extract.csv" <<'PY'
import csv, json, os, random, sys, datetime
out, count, now_ms, ban = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rnd = random.Random(2026)
streets = sorted({r["nom_voie"] for r in csv.DictReader(open(ban, encoding="utf-8-sig"), delimiter=";")})
channels = ["CALL"] * 45 + ["VISIT"] * 25 + ["LETTER"] * 10 + ["EMAIL"] * 15 + ["FORM"] * 5
categories = (["NOISE"] * 20 + ["NEIGHBOURHOOD_DISPUTE"] * 12 + ["INCIVILITY"] * 12 + ["PUBLIC_SPACE"] * 18 +
              ["PARKING_TRAFFIC"] * 15 + ["VICTIM_SUPPORT"] * 5 + ["LOST_PROPERTY"] * 8 +
              ["DECREE_INFORMATION"] * 6 + ["OTHER_CATEGORY"] * 4)
day_ms = 86400 * 1000
start = now_ms - 30 * day_ms
for i in range(count):
    when = start + rnd.randrange(30 * day_ms - 3600 * 1000)
    ch = rnd.choice(channels)
    c = {"channel": ch, "subject": "Sollicitation %d" % i, "summary": "Résumé de la sollicitation %d." % i,
         "occurred_ms": when, "category": rnd.choice(categories)}
    if rnd.random() < 0.7:
        c["street"] = rnd.choice(streets)
    if rnd.random() < 0.5:
        c["requester"] = "Habitant %d" % i
    written = ch in ("LETTER", "EMAIL", "FORM")
    c["handling"] = "FOLLOW_UP" if written or rnd.random() < 0.5 else "ANSWERED_ON_SPOT"
    if written:
        # Due 10 to 40 days after it came: some are past today.
        due = datetime.datetime.fromtimestamp((when + rnd.randint(10, 40) * day_ms) / 1000)
        c["response_due_date"] = due.strftime("%Y-%m-%d")
        c["acknowledged_date"] = datetime.datetime.fromtimestamp(when / 1000).strftime("%Y-%m-%d")
    with open(os.path.join(out, "c%05d.json" % i), "w") as f:
        json.dump({"contact": c}, f, ensure_ascii=False)
PY
ls "$tmp/month" | sed "s|^|$tmp/month/|" >"$tmp/files"
as accueil-tu "$relais" submit --timeout 600 $(cat "$tmp/files") >"$tmp/acks.json" 2>"$tmp/err" ||
  fail "the month's submissions: $(tail -3 "$tmp/err")"
[ "$(grep -c '"seq"' "$tmp/acks.json")" = "$count" ] || fail "not every solicitation was acknowledged"

step "the next day's work: written requests closed, transfers"
python3 - "$tmp/month" "$tmp/acks.json" "$tmp/work" <<'PY'
import json, os, random, sys
month, acks, out = sys.argv[1:4]
rnd = random.Random(2027)
recipients = [("POLICE_MUNICIPALE", "Police municipale de Sceaux", "BY_PHONE"),
              ("POLICE_NATIONALE", "Commissariat de Châtenay-Malabry", "BY_EMAIL"),
              ("MUNICIPAL_SERVICE", "Service voirie", "BY_EMAIL"),
              ("HUB", "coordination", "BY_HUB")]
n = 0
for line in open(acks):
    a = json.loads(line)
    c = json.load(open(a["file"]))["contact"]
    if c["handling"] != "FOLLOW_UP":
        continue
    entry = a["case_id"]
    r = rnd.random()
    if r < 0.25:
        k, name, means = rnd.choice(recipients)
        msg = {"transfer": {"entry_id": entry, "recipient": k, "recipient_name": name, "means": means}}
    elif r < 0.75:
        msg = {"contact_update": {"entry_id": entry, "handling": "CLOSED", "note": "Réponse faite."}}
    else:
        continue
    with open(os.path.join(out, "w%05d.json" % n), "w") as f:
        json.dump(msg, f, ensure_ascii=False)
    n += 1
PY
ls "$tmp/work" | sed "s|^|$tmp/work/|" >"$tmp/files"
as accueil-tu "$relais" submit --timeout 600 $(cat "$tmp/files") >"$tmp/acks2.json" 2>"$tmp/err" ||
  fail "the day's work: $(tail -3 "$tmp/err")"

step "the desk's list, a page at a time: 50 entries, then the next 50 from where it stopped"
expect 0 accueil-tu reception list
[ "$(grep -c '^A-' "$tmp/out")" = 50 ] || fail "a first page of $(grep -c '^A-' "$tmp/out") lines"
more=$(sed -n 's/^suite : --before \(A-[0-9]*\)$/\1/p' "$tmp/out")
last=$(grep '^A-' "$tmp/out" | tail -1 | cut -d' ' -f1)
[ -n "$more" ] && [ "$more" = "$last" ] || fail "no word of the next page: $(tail -2 "$tmp/out")"
expect 0 accueil-tu reception list --before "$more"
first=$(sed -n '/^A-/{s/ .*//p;q}' "$tmp/out") # no early-closing pipe: pipefail would see its SIGPIPE
[ "${first#A-}" -lt "${more#A-}" ] && [ "$(grep -c '^A-' "$tmp/out")" = 50 ] || fail "the second page: $(head -2 "$tmp/out")"
expect 0 accueil-tu reception list --json
last_line=$(tail -n 1 "$tmp/out")
[ "$(grep -c '"entry"' "$tmp/out")" = 50 ] && [[ $last_line =~ \"next_before\":\ *\"$more\" ]] ||
  fail "the JSON page does not say where the next starts: $last_line"

step "the figures of the month, as JSON, CSV and text"
from=$(date -d "-31 days" +%Y-%m-%d)
to=$(date +%Y-%m-%d)
stats_now=$(($(date +%s%3N)))
expect 0 accueil-tu reception stats --from "$from" --to "$to" --json
cp "$tmp/out" "$tmp/stats.json"
expect 0 accueil-tu reception stats --from "$from" --to "$to" --csv
cp "$tmp/out" "$tmp/stats.csv"
expect 0 accueil-tu reception stats --from "$from" --to "$to"
cp "$tmp/out" "$tmp/stats.txt"
expect 0 accueil-tu reception list --all --json
python3 - "$tmp/out" "$tmp/stats.json" "$tmp/stats.csv" "$tmp/stats.txt" "$count" "$stats_now" <<'PY' || fail "the figures differ from the register"
import csv, datetime, json, sys
entries = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
stats, rows, text, count = json.load(open(sys.argv[2])), list(csv.reader(open(sys.argv[3]))), open(sys.argv[4]).read(), int(sys.argv[5])
assert len(entries) == count, len(entries)
assert stats["contacts"] == count, stats["contacts"]
def tally(key):
    t = {}
    for e in entries:
        t[key(e)] = t.get(key(e), 0) + 1
    return t
week = lambda e: "%d-W%02d" % datetime.datetime.fromtimestamp(e["occurred_ms"] / 1000).isocalendar()[:2]
want = {"week": tally(week), "channel": tally(lambda e: e["channel"]), "category": tally(lambda e: e["category"]),
        "outcome": tally(lambda e: e["handling"])}
transfers = {}
for e in entries:
    for t in e["transfers"]:
        label = "hub:" + t["recipient_name"] if t["recipient"] == "hub" else t["recipient"]
        transfers[label] = transfers.get(label, 0) + 1
checked = secret = 0
for table, cells in want.items():
    for label, n in cells.items():
        got = stats[table][label]
        if got == "secret":
            secret += 1
        else:
            assert got == n, (table, label, got, n)
            checked += 1
for label, n in transfers.items():
    assert stats["transfers"][label] in (n, "secret"), (label, stats["transfers"][label], n)
assert stats["transfers"]["total"] == sum(transfers.values()), stats["transfers"]
now = int(sys.argv[6])
def due_end(e):
    return (datetime.datetime.strptime(e["response_due_date"], "%Y-%m-%d") + datetime.timedelta(days=1)).timestamp() * 1000
# A written request counts once answered or past its due date.
due = [e for e in entries if e["channel"] in ("letter", "email", "form") and (e.get("closed_ms") or now >= due_end(e))]
in_time = [e for e in due if e.get("closed_ms") and e["closed_ms"] < due_end(e)]
assert stats["answered_in_time"]["due"] == len(due), (stats["answered_in_time"], len(due))
assert stats["answered_in_time"]["in_time"] == len(in_time), (stats["answered_in_time"], len(in_time))
assert 0 < len(in_time) < len(due)
# With 5,000 solicitations no table of a month needs hiding: a secret cell would be a defect.
assert secret == 0, secret
assert checked >= 20, checked
# The CSV says the same as the JSON, cell by cell.
assert rows[0] == ["table", "label", "count"], rows[0]
flat = {(r[0], r[1]): r[2] for r in rows[1:]}
for table, cells in want.items():
    for label in cells:
        assert flat[(table, label)] == str(stats[table][label]), (table, label)
# The French page names its tables and draws the weeks.
for words in ("Accueil Tranquillité urbaine", "téléphone", "bruit", "police municipale", "█"):
    assert words in text, words
print("figures: %d cells checked against the register, share in time %s%%" %
      (checked, stats["answered_in_time"]["share_percent"]))
PY
stop_broker_clean
echo "reception_month: ok"
