#!/usr/bin/env python3
"""desk_speed.py -- the desk's speed with a large store, in headless Chromium (run by bench/desk.sh,
never as a test).

  desk_speed.py generate --examples DIR --out DIR --count N --live N
      referrals of distinct children made from examples/referral-*.json (names, births, schools,
      classes, urgencies varied), OUT/load/PARTNER/*.json for the store and OUT/live/PARTNER/*.json
      for the live phase, one partner's files in each folder.
  desk_speed.py measure --relais BIN --feeder BIN --pki DIR --work DIR [--runs N] [--rate R] [--live-seconds S]
      against the hub of RELAIS_ENDPOINT, with the store already loaded:
      a. ready: `relais desk` started, its one-time address taken, the list page polled until it
         says data-feed="caught-up"; the time from the start of the process;
      b. first rows: on a ready desk, navigations to the work list in Chromium: navigation start to
         the first contentful paint, and to the first row of #cases painted (Element Timing, set on
         that row's cells as the parser inserts it; the first frame after it, when Element Timing
         says nothing);
      c. live: the list open in Chromium while the feeder submits referrals at a steady rate: when
         each new record's number appears in the page's live feed (#feed), against its
         acknowledgement.
      Prints a table, then one JSON line.
"""
import argparse
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))

PARTNERS = [("college-curie", "referral-college-marie-curie.json"),
            ("pmi-blagis", "referral-pmi-les-blagis.json"),
            ("cmp-sceaux", "referral-cmp-sceaux-parental-request.json")]

FAMILIES = """Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel Lefebvre
Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller Lefevre
Faure Andre Mercier Blanc Guerin Boyer Garnier Chevalier Francois Legrand Gauthier Garcia Perrin Robin Clement
Morin Nicolas Henry Roussel Mathieu Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noel Meyer Dufour
Meunier Brun Blanchard Giraud Joly Riviere Lucas Brunet Gaillard Barbier Arnaud Martinez Gerard Roche Renard
Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas Lacroix Olivier Philippe
Bourgeois Pierre Benoit Rey Leclerc Payet Rolland Leclercq Guillaume Lecomte Lopez Jean Dupuy Guillot Hubert
Berger Carpentier Sanchez Dupuis Moulin Louis Deschamps Huet Vasseur Perez Boucher Fleury Royer Klein Jacquet
Adam Paris Poirier Marty Aubry Guyot Carre Charles Renault Charpentier Menard Maillard Baron Bertin Bailly
Herve Schneider Fernandez Collet Leger Bouvier Julien Prevost Millet Perrot Daniel Cousin Germain Breton Besson
Langlois Remy Pelletier Leveque Perrier Leblanc Barre Lebrun Marchal Weber Mallet Hamon Boulanger Jacob Monnier
Michaud Rodriguez Guichard Gillet Etienne Grondin Poulain Tessier Chevallier Collin Chauvin Bouvet Gay Lemaitre
Benard Marechal Humbert Reynaud Antoine Hoarau Perret Barthelemy Cordier Pichon Lejeune Gilbert Lamy Delaunay
Pasquier Carlier Laporte Benali Diallo Traore Nguyen Haddad Mansouri Kaci Ndiaye Camara Cisse Sylla Toure
Belkacem Bensaid Cherif Amrani Ouali Ferreira Pereira Oliveira Rodrigues Santos Costa Silva Almeida Tran Pham
Le Hoang Vu Kone Diop Sow Fall Ba Keita Coulibaly Sissoko Rahmani Saidi Brahimi Hamidi Yilmaz Kaya Demir Celik
Sahin Ozturk Aydin Arslan Dogan Kilic""".split()
GIVEN = """Lina Tom Adam Emma Louise Jade Alice Chloé Léa Manon Rose Anna Inès Camille Lola Ambre Léna Zoé Juliette
Julia Lou Sarah Lucie Mila Jeanne Romane Agathe Eva Nina Charlotte Margaux Gabriel Léo Raphaël Arthur Louis Jules
Maël Lucas Hugo Noah Liam Sacha Gabin Nathan Aaron Mohamed Ethan Paul Eden Nolan Mathis Victor Timéo Axel
Marius Théo Yanis Rayan Naël Ibrahim Amir Ayoub Ilyes Wassim Samy Aya Yasmine Nour Maryam Sofia Lya Assia
Kenza Imane Fatoumata Aminata Moussa Mamadou Oumar Awa Khadija Thi Minh Bao Linh Tuan Elif Zeynep Emir Kerem
Baptiste Clément Antoine Maxime Alexandre Simon Martin Benjamin Valentin Quentin Mathilde Clémence Élise
Capucine Apolline Héloïse Valentine Joséphine Margot Salomé Noémie""".split()
SCHOOLS = ["Collège Marie Curie", "Collège des Blagis", "Lycée Lakanal", "Lycée Marie Curie",
           "École élémentaire des Blagis", "École élémentaire du Centre", "École élémentaire des Clos-Saint-Marcel",
           "École maternelle du Petit-Chambord", "École maternelle des Blagis", "École élémentaire du Petit-Chambord",
           "Collège Lakanal", "École élémentaire Le Centre", "École maternelle des Imbergères",
           "Institut médico-éducatif de Sceaux", "École élémentaire des Quatre-Chemins"]
CLASSES = ["PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2", "6e A", "6e B", "5e A", "5e C", "4e B", "3e A",
           "2nde 3", "1re G2", "ULIS"]
URGENCIES = ["ROUTINE"] * 6 + ["PRIORITY"] * 3 + ["URGENT"]


def generate(args):
    """Referrals of distinct children: no two share a family name and a birth date, so that the hub
    files each in a case of its own (and flags as few as it can as likely duplicates)."""
    rnd = random.Random(2026)
    now_ms = int(time.time() * 1000)
    day = 86400 * 1000
    taken = set()
    examples = {p: json.load(open(os.path.join(args.examples, f), encoding="utf-8")) for p, f in PARTNERS}
    counts = {}
    for phase, n in (("load", args.count), ("live", args.live)):
        for p, _ in PARTNERS:
            os.makedirs(os.path.join(args.out, phase, p), exist_ok=True)
        for i in range(n):
            partner = PARTNERS[i % len(PARTNERS)][0]
            doc = json.loads(json.dumps(examples[partner]))
            r = doc["referral"]
            while True:
                family = rnd.choice(FAMILIES)
                birth = "%04d-%02d-%02d" % (rnd.randrange(2008, 2023), rnd.randrange(1, 13), rnd.randrange(1, 29))
                if (family, birth) not in taken:
                    taken.add((family, birth))
                    break
            given = [rnd.choice(GIVEN)] + ([rnd.choice(GIVEN)] if rnd.random() < 0.3 else [])
            r["external_ref"] = "BENCH-%s-%s-%06d" % (partner, phase, i)
            r["child"].update(family_name=family.upper() if rnd.random() < 0.1 else family, given_names=given,
                              birth_date=birth, school=rnd.choice(SCHOOLS), class_name=rnd.choice(CLASSES))
            r["urgency"] = rnd.choice(URGENCIES)
            for g in r.get("guardians", []):
                g["name"] = "%s %s" % (rnd.choice(GIVEN), family)
            if "consent" in r:
                r["consent"]["recorded_ms"] = now_ms - rnd.randrange(1, 200) * day
                r["consent"]["given_by"] = r["guardians"][0]["name"] if r.get("guardians") else "la famille"
                r["consent"]["document_ref"] = "accord-%s-%06d" % (phase, i)
            if "parental_request" in r:
                r["parental_request"]["received_ms"] = now_ms - rnd.randrange(1, 200) * day
                r["parental_request"]["requester_name"] = r["guardians"][0]["name"]
            path = os.path.join(args.out, phase, partner, "r%06d.json" % i)
            with open(path, "w", encoding="utf-8") as f:
                json.dump(doc, f, ensure_ascii=False)
        counts[phase] = n
    print(json.dumps(counts))
    return 0


# ---- A desk and its pages, without a browser ------------------------------------------------------

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


class Desk:
    """A `relais desk` process as the coordinator, on 127.0.0.1; its one-time addresses on stdout."""

    def __init__(self, args):
        self.args = args

    def start(self):
        env = dict(os.environ, RELAIS_KEY=os.path.join(self.args.pki, "coordination", "coordination.cert_secret"),
                   RELAIS_SERVER_CERT=os.path.join(self.args.pki, "relais-hub", "relais-hub.cert"))
        self.err = open(os.path.join(self.args.work, "desk.err"), "ab")
        self.started = time.monotonic()
        self.proc = subprocess.Popen([self.args.relais, "desk"], env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.err, text=True, bufsize=1)
        self.login = self.read_login()
        self.base = self.login.split("/login")[0]
        return self

    def read_login(self):
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("relais desk exited: see %s" % self.err.name)
            if "/login?token=" in line:
                return line.strip()

    def next_login(self):
        """Another one-time address: the first the desk printed once, then Enter on its stdin."""
        if self.login:
            url, self.login = self.login, None
            return url
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        return self.read_login()

    def session(self):
        """A session cookie, from a fresh one-time address."""
        try:
            OPENER.open(self.next_login(), timeout=10)
            raise RuntimeError("the one-time address did not answer 303")
        except urllib.error.HTTPError as e:
            if e.code != 303:
                raise RuntimeError("the one-time address answered %d" % e.code)
            cookie = e.headers.get("Set-Cookie", "").split(";")[0]
        if not cookie:
            raise RuntimeError("the one-time address gave no cookie")
        return cookie

    def get(self, cookie, path="/"):
        req = urllib.request.Request(self.base + path, headers={"Cookie": cookie})
        with OPENER.open(req, timeout=30) as r:
            return r.read().decode("utf-8")

    def cpu_seconds(self):
        """The desk's user + system time so far (/proc)."""
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=30)
        self.err.close()
        if rc != 0:
            raise RuntimeError("relais desk exited %d on SIGTERM" % rc)


def caught_up(body):
    if "data-feed=" in body:
        return 'data-feed="caught-up"' in body
    # A desk built before the marker (to measure it against): its sentence while the feed reads.
    return "Lecture du fil du hub en cours" not in body and "Reading the hub's feed" not in body


def wait_ready(desk, cookie, timeout=120.0):
    """Polls the list page until the desk says its feed caught up; returns the page."""
    end = time.monotonic() + timeout
    while True:
        body = desk.get(cookie)
        if caught_up(body):
            return body
        if time.monotonic() > end:
            raise RuntimeError("the desk's feed did not catch up within %.0f s" % timeout)
        time.sleep(0.02)


def stats(values):
    v = sorted(values)
    if not v:
        return {"median": None, "p95": None, "max": None, "n": 0}
    return {"median": statistics.median(v), "p95": v[min(len(v) - 1, int(round(0.95 * (len(v) - 1))))],
            "max": v[-1], "n": len(v)}


def measure_ready(args):
    """a. From the start of the process to a list page that says the feed caught up."""
    times, listening = [], []
    for _ in range(args.runs):
        desk = Desk(args).start()
        listening.append((time.monotonic() - desk.started) * 1000)
        try:
            body = wait_ready(desk, desk.session())
            times.append((time.monotonic() - desk.started) * 1000)
        finally:
            desk.stop()
        say("  ready in %.0f ms" % times[-1])
    total = cases_in(body)
    return {"ready": stats(times), "listening": stats(listening), "cases": total}


def cases_in(body):
    """The list's total, as its caption says it."""
    m = re.search(r"<caption>(\d+) dossiers?", body) or re.search(r"<caption>(\d+) cases?", body)
    return int(m.group(1)) if m else 0


# ---- In Chromium ---------------------------------------------------------------------------------

# Run before the page's own script in every document (DevTools' addScriptToEvaluateOnNewDocument; the
# page's Content-Security-Policy is for the page's scripts, not the browser's). When the parser
# inserts the list's first row, its cells get an elementtiming attribute, so that Element Timing
# says when they were painted; the first frame after the insertion is kept too.
FIRST_ROW = r"""
(function () {
  var m = window.__relaisSpeed = {row: null, rowFrame: null, painted: null};
  var obs = new MutationObserver(function () {
    var tr = document.querySelector('#cases tbody tr');
    if (!tr) return;
    obs.disconnect();
    m.row = performance.now();
    for (var i = 0; i < tr.children.length; i++) tr.children[i].setAttribute('elementtiming', 'relais-first-row');
    requestAnimationFrame(function () { setTimeout(function () { m.rowFrame = performance.now(); }, 0); });
  });
  obs.observe(document, {childList: true, subtree: true});
  try {
    new PerformanceObserver(function (list) {
      list.getEntries().forEach(function (e) {
        var t = e.renderTime || e.loadTime;
        if (e.identifier === 'relais-first-row' && t && (m.painted === null || t < m.painted)) m.painted = t;
      });
    }).observe({type: 'element', buffered: true});
  } catch (e) { m.noElementTiming = String(e); }
})();
"""

NAV_FIGURES = """
var n = performance.getEntriesByType('navigation')[0];
var fcp = performance.getEntriesByName('first-contentful-paint')[0];
return {m: window.__relaisSpeed, ttfb: n.responseStart, response: n.responseEnd, load: n.loadEventEnd,
        fcp: fcp ? fcp.startTime : null, bytes: n.transferSize, rows: document.querySelectorAll('#cases tbody tr').length};
"""


def measure_first_rows(args, desk, d):
    """b. Navigations to the work list of a ready desk: when its first row is painted."""
    import browser
    painted, fcp, ttfb, load, sizes, rows = [], [], [], [], [], 0
    for i in range(args.navigations + 1):
        d.get(desk.base + "/")
        browser.wait_for(lambda: d.execute_script(
            "return document.readyState === 'complete' && window.__relaisSpeed && "
            "window.__relaisSpeed.rowFrame !== null"), "the list's first row")
        # Element Timing's entry comes with the frame's presentation, a little after the load.
        browser.wait_for(lambda: d.execute_script("return window.__relaisSpeed.painted !== null || "
                                                  "!!window.__relaisSpeed.noElementTiming"),
                         "the first row's paint", timeout=5)
        r = d.execute_script(NAV_FIGURES)
        if i == 0:
            continue  # the first navigation after the login warms the browser's cache of the assets
        m = r["m"]
        painted.append(m["painted"] if m["painted"] is not None else m["rowFrame"])
        fcp.append(r["fcp"])
        ttfb.append(r["ttfb"])
        load.append(r["load"])
        sizes.append(r["bytes"])
        rows = r["rows"]
        say("  first row painted at %.0f ms (first contentful paint %.0f, first byte %.0f, %d bytes)"
            % (painted[-1], fcp[-1], ttfb[-1], sizes[-1]))
    return {"first_rows": stats(painted), "fcp": stats(fcp), "ttfb": stats(ttfb), "load": stats(load),
            "page_bytes": max(sizes) if sizes else 0, "rows": rows}


FEED_ROWS = 12  # the live feed's length (desk/pages.c): a record more than this many behind at a refresh is never shown

# Watches the live feed's table (#feed, in #worklist, which the page's script replaces at each
# refresh): the first time each record's number is on the page, on the wall clock.
LIVE_WATCH = r"""
var seen = window.__relaisSeen = {}, refreshes = [];
window.__relaisRefreshes = function () { return refreshes; };
function scan() {
  var t = performance.timeOrigin + performance.now();
  document.querySelectorAll('#feed tbody tr').forEach(function (tr) {
    var cell = tr.children[1], n = cell && parseInt(cell.textContent.replace(/[^0-9]/g, ''), 10);
    if (n && !(n in seen)) seen[n] = t;
  });
}
scan();
new MutationObserver(function (list) {
  list.forEach(function (r) {
    r.addedNodes.forEach(function (e) { if (e.id === 'worklist') refreshes.push(performance.now()); });
  });
  scan();
}).observe(document.body, {childList: true, subtree: true});
"""


def measure_live(args, desk, d, run):
    """c. The list open while the feeder submits at args.rate: each new record's appearance in the
    live feed against its acknowledgement."""
    partner = PARTNERS[run % len(PARTNERS)][0]
    folder = os.path.join(args.work, "refs", "live", partner)
    need = int(args.rate * args.live_seconds)
    skip = run // len(PARTNERS) * need  # a partner's files an earlier run sent
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder))[skip:skip + need]
    if len(files) < need:
        raise RuntimeError("%d referrals left for %s, %d needed: generate more (--live)" % (len(files), partner, need))
    d.get(desk.base + "/")
    d.execute_script(LIVE_WATCH)
    time.sleep(1)
    env = dict(os.environ, RELAIS_KEY=os.path.join(args.pki, partner, partner + ".cert_secret"),
               RELAIS_SERVER_CERT=os.path.join(args.pki, "relais-hub", "relais-hub.cert"))
    cpu0, t0 = desk.cpu_seconds(), time.monotonic()
    out = subprocess.run([args.feeder, "--rate", str(args.rate)] + files, env=env, capture_output=True, text=True,
                         timeout=args.live_seconds * 10 + 60)
    wall = time.monotonic() - t0
    if out.returncode != 0:
        raise RuntimeError("relais-desk-feeder: %s" % out.stderr.strip())
    time.sleep(3)  # the last ones' way to the page
    cpu = (desk.cpu_seconds() - cpu0) / wall
    acks = [json.loads(line) for line in out.stdout.splitlines()]
    if any(a["duplicate"] for a in acks):
        raise RuntimeError("the hub held some of %s's referrals already: a store of this bench's own, please" % partner)
    seen = d.execute_script("return window.__relaisSeen;")
    times = d.execute_script("return window.__relaisRefreshes();")
    refreshes = len(times)
    gap = max((b - a for a, b in zip(times, times[1:])), default=0)
    delays, missed = [], []
    for a in acks:
        t = seen.get(str(a["seq"]))
        if t is None:
            missed.append(a["seq"])
        else:
            delays.append(t - a["ack_ms"])
    rate = len(acks) / ((acks[-1]["ack_ms"] - acks[0]["sent_ms"]) / 1000.0) if len(acks) > 1 else 0
    ack = stats([a["ack_ms"] - a["sent_ms"] for a in acks])
    say("  live run %d: %d referrals at %.1f/s: appeared %s ms after the ack (median), %s at worst, %d never "
        "shown, %d refreshes of the list (%.0f ms apart at most), desk %.2f cores"
        % (run + 1, len(acks), rate, fmt(stats(delays)["median"]), fmt(stats(delays)["max"]), len(missed), refreshes,
           gap, cpu))
    if missed:
        say("    never shown: records %s" % spans(missed))
    return {"delays": delays, "missed": len(missed), "sent": len(acks), "rate": rate, "refreshes": refreshes, "gap": gap,
            "desk_cores": cpu, "ack_median": ack["median"], "ack_max": ack["max"],
            "feeder": out.stderr.strip()}


def spans(numbers):
    """12, 13, 14, 20 -> "12-14, 20"."""
    out, start, prev = [], None, None
    for n in sorted(numbers) + [None]:
        if start is not None and (n is None or n != prev + 1):
            out.append(str(start) if start == prev else "%d-%d" % (start, prev))
            start = None
        if start is None:
            start = n
        prev = n
    return ", ".join(out)


def fmt(v):
    return "-" if v is None else "%.0f" % v


def say(what):
    print(what, file=sys.stderr, flush=True)


def measure(args):
    import browser
    load_before = os.getloadavg()[0]  # others' work on the machine shows in every figure: said with them
    say("a. ready: %d desks started" % args.runs)
    ready = measure_ready(args)
    desk = Desk(args).start()
    d = None
    try:
        wait_ready(desk, desk.session())
        d = browser.start()
        version = d.capabilities.get("browserVersion", "?")
        d.execute_cdp_cmd("Page.enable", {})
        d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": FIRST_ROW})
        d.get(desk.next_login())
        say("b. first rows: %d navigations to the work list" % args.navigations)
        first = measure_first_rows(args, desk, d)
        say("c. live: %d runs of %.0f s at %.0f referrals/s" % (args.live_runs, args.live_seconds, args.rate))
        lives = [measure_live(args, desk, d, run) for run in range(args.live_runs)]
    finally:
        if d:
            d.quit()
        desk.stop()
    delays = [x for run in lives for x in run["delays"]]
    live = stats(delays)
    missed = sum(r["missed"] for r in lives)
    sent = sum(r["sent"] for r in lives)
    r, f = ready["ready"], first["first_rows"]
    load_after = os.getloadavg()[0]
    print("desk speed: %d cases in the store at the start (loaded at %s referrals/s); %s; %d cores, load average"
          " %.1f at the start, %.1f at the end; Chromium %s; %s"
          % (ready["cases"], args.loaded_per_s or "?", time.strftime("%Y-%m-%d"), os.cpu_count(), load_before,
             load_after, version, args.relais))
    print("  a. ready: start of relais desk to its feed caught up   %6s ms   (slowest %s of %d)   target 5000 ms"
          % (fmt(r["median"]), fmt(r["max"]), r["n"]))
    print("  b. first row of the work list painted, from navigation %6s ms   (slowest %s of %d)   target 500 ms"
          % (fmt(f["median"]), fmt(f["max"]), f["n"]))
    print("     first contentful paint %s ms, first byte %s ms, load %s ms (medians); the page %d bytes, %d rows"
          % (fmt(first["fcp"]["median"]), fmt(first["ttfb"]["median"]), fmt(first["load"]["median"]),
             first["page_bytes"], first["rows"]))
    print("  c. live: a referral in the open list's feed, after its ack  median %s ms, p95 %s, max %s"
          "   target 1000 ms" % (fmt(live["median"]), fmt(live["p95"]), fmt(live["max"])))
    print("     %d referrals at %s/s in %d runs; %d never shown in the live feed's %d rows; the list refreshed %s times,"
          " %s ms apart at most" % (sent, "/".join("%.0f" % x["rate"] for x in lives), len(lives), missed, FEED_ROWS,
                                    "/".join(str(x["refreshes"]) for x in lives),
                                    "/".join(fmt(x["gap"]) for x in lives)))
    print("     desk %s cores; the feeder's ack median %s ms, max %s"
          % ("/".join("%.2f" % x["desk_cores"] for x in lives), "/".join(fmt(x["ack_median"]) for x in lives),
             "/".join(fmt(x["ack_max"]) for x in lives)))
    report = {"cases": ready["cases"], "loaded_per_s": args.loaded_per_s, "cores": os.cpu_count(),
              "load_start": load_before, "load_end": load_after, "chromium": version,
              "ready_ms": r["median"], "ready_max_ms": r["max"], "ready_runs": r["n"],
              "first_rows_ms": f["median"], "first_rows_max_ms": f["max"], "first_rows_runs": f["n"],
              "fcp_ms": first["fcp"]["median"], "ttfb_ms": first["ttfb"]["median"], "page_bytes": first["page_bytes"],
              "live_median_ms": live["median"], "live_p95_ms": live["p95"], "live_max_ms": live["max"],
              "live_sent": sent, "live_missed": missed, "live_rate": args.rate,
              "live_refresh_gap_max_ms": max(x["gap"] for x in lives),
              "live_desk_cores": max(x["desk_cores"] for x in lives)}
    print(json.dumps({k: round(v, 2 if k.endswith("cores") else 1) if isinstance(v, float) else v
                      for k, v in report.items()}, separators=(",", ":")))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--examples", required=True)
    g.add_argument("--out", required=True)
    g.add_argument("--count", type=int, default=10000)
    g.add_argument("--live", type=int, default=1000)
    m = sub.add_parser("measure")
    for a in ("relais", "feeder", "pki", "work"):
        m.add_argument("--" + a, required=True)
    m.add_argument("--runs", type=int, default=5, help="desks started for (a)")
    m.add_argument("--navigations", type=int, default=10, help="navigations to the list for (b)")
    m.add_argument("--rate", type=float, default=100.0, help="referrals a second for (c)")
    m.add_argument("--live-seconds", type=float, default=10.0)
    m.add_argument("--live-runs", type=int, default=3)
    m.add_argument("--loaded-per-s", type=int, default=0, help="the load's rate, for the report")
    args = ap.parse_args()
    if args.cmd == "generate":
        return generate(args)
    sys.path.insert(0, os.path.join(HERE, "..", "tests", "browser"))
    import browser  # Selenium: the measurements only
    from selenium.common.exceptions import WebDriverException
    try:
        return measure(args)
    except (RuntimeError, OSError, subprocess.SubprocessError, browser.Failure, WebDriverException) as e:
        print("desk_speed.py: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
