"""desk_print.py -- the desk's printable pages in headless Chromium, printed as a person prints them.

Run by tests/e2e/desk_print_browser.sh once the hub holds a year of referrals, cases along the
pathway and a meeting. What the coordinator does, and what must hold while she does it:

- she opens a case's summary from its page, the meetings from the site's navigation and the next
  meeting's agenda, and the annual report; each passes axe-core on screen (French, and the report in
  English too) and is pictured;
- each is printed to an A4 PDF by Chromium (printed.check_printed): the summary names the child and
  fits on two pages, the agenda lists its cases by number, the report gives its figures and draws
  its charts, each chart whole on one page; nothing of the site's header, forms or hint to print
  reaches the paper, and the pages that name children say at their foot that they are confidential;
- the report's first page is rendered as the picture desk/README.md shows (print-report-page1.png).
"""
import argparse
import os
import subprocess
import sys
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import browser
import printed
from browser import Failure, check, tab_to, wait_for

CONFIDENTIAL = "Document confidentiel \u2014 données relatives à des mineurs"
SCREEN_ONLY = ("Se déconnecter", "Imprimer :", "Aller au contenu", "Graphiques")


def say(what):
    print("== " + what, flush=True)


def nothing_of_the_screen(text, name):
    """The site's header, its forms and the hint to print stay on the screen."""
    for word in SCREEN_ONLY:
        check(word not in text, "the printed %s shows %r, which is the screen's" % (name, word))


def page_texts(pdf_path):
    """The text of each page of a PDF, in order."""
    texts = []
    for n in range(1, printed.pages(pdf_path) + 1):
        out = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", "-enc", "UTF-8", pdf_path, "-"],
                             check=True, capture_output=True)
        texts.append(" ".join(out.stdout.decode("utf-8").split()))
    return texts


def on_one_page(texts, heading, parts, name):
    """The chart under `heading` is whole on the page its heading is on: each of its parts there."""
    for text in texts:
        if heading in text:
            for part in parts:
                check(part in text, "%s: %r is not on the page of %r" % (name, part, heading))
            return
    raise Failure("%s: no page holds %r" % (name, heading))


def picture(pdf_path, png_path):
    """The PDF's first page as a small colour PNG (80 dpi), as README.md shows it."""
    base = png_path[:-len(".png")]
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "80", "-png", "-singlefile", pdf_path, base],
                   check=True, capture_output=True)
    check(os.path.getsize(png_path) < 300 * 1024, "the report's picture is %d bytes" % os.path.getsize(png_path))


def summary(d, args, base):
    say("the case's page links to its summary; the summary is read from the hub and passes axe-core")
    d.get("%s/cases/%s" % (base, args.lina))
    link = tab_to(d, lambda el: (el.get_attribute("href") or "").endswith("/cases/%s/summary" % args.lina),
                  "the link to the summary")
    link.send_keys(Keys.ENTER)
    wait_for(lambda: d.current_url.endswith("/summary"), "the summary's page")
    h1 = d.find_element(By.TAG_NAME, "h1").text
    check(h1.startswith("Synthèse pour l'instance") and "Lina B." in h1, "the summary's title: %r" % h1)
    browser.axe(d, "the case's summary")
    browser.shot(d, args.shots, "print-summary-screen")

    say("the summary printed: the child, the question, the pathway; two pages at most")
    url = d.current_url
    text = printed.check_printed(d, url, "print-summary",
                                 ["Synthèse pour l'instance", "Décisions en attente", "Poursuivre, adapter ou clore",
                                  "Benali", "Lina", "Signalements (1)", "Diagnostic", "Parcours éducatif",
                                  "Tutorat deux fois par semaine", "Instances partenariales", CONFIDENTIAL],
                                 args.shots, max_pages=2)
    nothing_of_the_screen(text, "summary")


def meetings(d, args, base):
    say("the meetings from the navigation, with the keyboard alone")
    d.get(base + "/")
    link = tab_to(d, lambda el: el.get_attribute("href") == base + "/meetings", "Réunions in the navigation")
    link.send_keys(Keys.ENTER)
    wait_for(lambda: d.current_url == base + "/meetings", "the meetings' page")
    browser.axe(d, "the meetings")
    browser.shot(d, args.shots, "print-meetings-screen")
    text = printed.check_printed(d, base + "/meetings", "print-meetings",
                                 ["Réunions de l'instance partenariale", "Instances enregistrées",
                                  "Prochaine instance", "ordre du jour", CONFIDENTIAL], args.shots)
    nothing_of_the_screen(text, "meetings")

    say("the agenda of the next meeting: its cases by number, in the command's order, a question each")
    d.get("%s/agenda?date=%s" % (base, args.agenda_date))
    browser.axe(d, "the agenda")
    browser.shot(d, args.shots, "print-agenda-screen")
    cases = args.agenda_cases.split(",")
    text = printed.check_printed(d, d.current_url, "print-agenda",
                                 ["ordre du jour", "Dossiers en retard", "Dossiers à revoir (7)",
                                  "Nouveaux signalements", "Question pour l'instance", CONFIDENTIAL] + cases,
                                 args.shots, max_pages=3)
    folded = " ".join(text.split())
    at = [folded.find(c + " ") for c in cases]
    check(all(a >= 0 for a in at) and at == sorted(at), "the agenda's cases %s are printed out of order" % cases)
    nothing_of_the_screen(text, "agenda")


def report(d, args, base):
    say("the annual report: its figures and charts, axe-core in French and English")
    url = "%s/report?year=%s" % (base, args.year)
    d.get(url)
    browser.axe(d, "the annual report")
    browser.shot(d, args.shots, "print-report-screen")
    d.get(url + "&lang=en")
    check(d.find_element(By.TAG_NAME, "h1").text == "Activity report %s" % args.year, "the report in English")
    browser.axe(d, "the annual report in English")
    d.get(url + "&lang=fr")

    say("the report printed: the title, the year in brief, each chart whole on one page")
    text = printed.check_printed(d, url, "print-report",
                                 ["Rapport d'activité %s" % args.year, "L'année en bref", "Signalements reçus 17",
                                  "1. Signalements par mois et par source", "Total : 17 signalements reçus.",
                                  "Tous les signalements", "2. Dossiers par état", "Dossiers ouverts",
                                  "3. Délai d'examen, par rapport aux objectifs", "examinés dans le délai",
                                  "Imprimé le"], args.shots)
    nothing_of_the_screen(text, "report")
    check(CONFIDENTIAL not in " ".join(text.split()), "the report's counts are said to name children")
    pdf = os.path.join(args.shots, "print-report.pdf")
    texts = page_texts(pdf)
    on_one_page(texts, "1. Signalements par mois et par source", ["Tous les signalements", "CMP", "PMI"], "report")
    on_one_page(texts, "2. Dossiers par état", ["Dossiers ouverts", "Dossiers clos", "saisi par erreur"], "report")
    on_one_page(texts, "3. Délai d'examen", ["Urgent", "Prioritaire", "Ordinaire", "examinés en retard"], "report")
    picture(pdf, os.path.join(args.shots, "print-report-page1.png"))


def main():
    ap = argparse.ArgumentParser()
    for a in ("login", "shots", "lina", "agenda-date", "agenda-cases", "year"):
        ap.add_argument("--" + a, required=True)
    args = ap.parse_args()
    t0 = time.monotonic()
    d = browser.start()
    try:
        d.get(args.login)
        base = args.login.split("/login")[0]
        check(d.current_url == base + "/", "the one-time address led to %s" % d.current_url)
        summary(d, args, base)
        meetings(d, args, base)
        report(d, args, base)
    except Failure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    finally:
        d.quit()
    print("desk_print.py: every step held in %.0f s" % (time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
