"""desk_charts.py -- the desk's charts in headless Chromium, behind nginx, after desk_browser.py's steps.

Called by desk_browser.py's main (run(args, hub)) once the desks have their first cases. What a
coordinator does, and what must hold while she does it:

- partners of three kinds send referrals and she triages some (with the `relais` command, as her
  own terminal would), then opens the charts from the site's navigation with the keyboard alone;
- each chart is an image named by its title and described by its description, beside a table of
  the same figures; every figure the chart draws is the table's, the secret ones written "secret"
  in both, and some are secret (a source under the threshold, and its complement);
- the period's form chooses a year, with the keyboard alone;
- the page passes axe-core in French and English, is pictured, and prints on A4 without the
  site's header (printed to PDF by Chromium, kept beside the screenshots).
"""
import base64
import json
import os
import re
import subprocess

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import browser
from browser import check, tab_to, wait_for


def say(what):
    print("== " + what, flush=True)


def coordinate(args, *words):
    """`relais WORDS...` as the coordinator, as she would type it in her terminal."""
    env = dict(os.environ, RELAIS_KEY=os.path.join(args.pki, "coordination", "coordination.cert_secret"),
               RELAIS_SPOOL=os.path.join(args.work, "spool", "coordination"))
    out = subprocess.run([args.relais] + list(words), env=env, capture_output=True, text=True, timeout=60)
    check(out.returncode == 0, "relais %s: %s" % (" ".join(words), out.stdout + out.stderr))
    return out.stdout


def child(family, birth):
    def change(r):
        r.pop("external_ref", None)
        r["child"].update(family_name=family, given_names=["Camille"], birth_date=birth)
    return change


def total(d, section):
    """The sentence of a chart's total ("Total : 15 signalements reçus.")."""
    return browser.text_of(d, "#%s-h + p" % section)


def chart_texts(d, chart):
    """The texts the chart draws, in order."""
    return d.execute_script("return Array.from(document.querySelectorAll('#' + arguments[0] + ' text'))"
                            ".map(function (t) { return t.textContent.trim(); });", chart)


def table_rows(d, table):
    """{row header: [cells]} of one of the page's tables."""
    rows = {}
    for tr in d.find_elements(By.CSS_SELECTOR, "#%s tbody tr" % table):
        th = tr.find_element(By.TAG_NAME, "th").text.strip()
        rows[th] = [td.text.strip().replace("\u00a0", " ") for td in tr.find_elements(By.TAG_NAME, "td")]
    return rows


def check_states_agree(d):
    """Each state the chart draws carries the table's figure for it, secret or not."""
    texts, rows = chart_texts(d, "chart-states"), table_rows(d, "table-states")
    seen = 0
    for label, cells in rows.items():
        state = label.rsplit(" (", 1)[0]
        if state not in texts:
            continue
        drawn = texts[texts.index(state) + 1]
        check(drawn == cells[0], "the state '%s' is drawn %r and written %r" % (state, drawn, cells[0]))
        seen += 1
    check(seen >= 13, "the chart of states draws %d of the table's states" % seen)


def check_referrals_agree(d):
    """The month's line of each source the chart draws carries the table's figure; the sources of
    the table with nothing published are not drawn."""
    texts, rows = chart_texts(d, "chart-referrals"), table_rows(d, "table-referrals")
    for label, cells in rows.items():
        name = "Tous les signalements" if label.startswith("Tous") else label
        drawn_line = name in texts
        something = any(c not in ("0",) for c in cells)
        check(drawn_line == something or label.startswith("Tous"),
              "the source '%s' is %sdrawn with the figures %s" % (label, "" if drawn_line else "not ", cells))
        if drawn_line:
            # a line is its label, then one figure per month, the last month last
            after = texts[texts.index(name) + 1:texts.index(name) + 1 + 12]
            check(after[-1] == cells[-1], "the source '%s' this month: drawn %r, written %r"
                  % (label, after[-1], cells[-1]))


def run(args, hub):
    user, password = args.user.split(":", 1)
    base = args.proxied
    d = browser.start(insecure_certs=True)
    try:
        browser.basic_auth(d, user, password)
        d.get(base + "/charts")
        before = (total(d, "referrals"), total(d, "triage"))

        say("the charts: referrals from three kinds of partner, some triaged")
        made = []
        for i, family in enumerate(["Arnaud", "Bertin", "Chevalier", "Dupuis", "Etienne"]):
            made.append(hub.submit("college-curie", "referral-college-marie-curie.json",
                                   child(family, "2013-04-%02d" % (10 + i)))["case_id"])
        for i, family in enumerate(["Garnier", "Hoarau", "Imbert", "Jacquet"]):
            hub.submit("pmi-blagis", "referral-pmi-les-blagis.json", child(family, "2015-06-%02d" % (10 + i)))
        for handle in made:
            case = json.loads(coordinate(args, "case", "show", handle, "--json"))["summary"]["case_id"]
            coordinate(args, "case", "update", case, "triage")
            coordinate(args, "case", "update", case, "accepted")

        say("the charts from the site's navigation, with the keyboard alone")
        d.get(base + "/")
        d.find_element(By.TAG_NAME, "html").send_keys(Keys.TAB)
        tab_to(d, lambda el: (el.get_attribute("href") or "").endswith("/charts"), "the charts in the navigation")\
            .send_keys(Keys.ENTER)
        wait_for(lambda: d.current_url.endswith("/charts"), "the charts' page")
        check(d.find_element(By.CSS_SELECTOR, ".site nav a[aria-current=page]").text == "Graphiques",
              "the navigation does not say the charts are the current page")

        def caught_up():
            d.get(base + "/charts")
            return total(d, "referrals") != before[0] and total(d, "triage") != before[1]
        wait_for(caught_up, "the new referrals and triages in the charts", step=0.3)

        say("each chart is an image with its name and description, beside the table of its figures")
        for chart, table in (("chart-referrals", "table-referrals"), ("chart-states", "table-states"),
                             ("chart-triage", "table-triage")):
            svg = d.find_element(By.ID, chart)
            check(svg.get_attribute("role") == "img", "%s is not an image to assistive technologies" % chart)
            named = svg.get_attribute("aria-labelledby").split()
            check([d.find_element(By.ID, i).tag_name for i in named] == ["title", "desc"],
                  "%s is not named by its title and description: %s" % (chart, named))
            check(d.execute_script("return arguments[0].querySelectorAll('[style]').length", svg) == 0,
                  "%s has a style attribute" % chart)
            table_el = d.find_element(By.ID, table)
            check(table_el.find_element(By.TAG_NAME, "caption").text, "%s has no caption" % table)
            check(all(th.get_attribute("scope") in ("col", "row") for th in table_el.find_elements(By.TAG_NAME, "th")),
                  "a header of %s without its scope" % table)

        say("every figure drawn is the table's; the secret ones written so in both")
        check_states_agree(d)
        check_referrals_agree(d)
        rows = table_rows(d, "table-referrals")
        this_month = {k: v[-1] for k, v in rows.items()}
        check(this_month["CMP"] == "secret", "the CMP's single referral is not secret: %s" % this_month)
        check(this_month["Chef d'établissement"].isdigit() and int(this_month["Chef d'établissement"]) >= 5,
              "the college's referrals are not published: %s" % this_month)
        check("secret" in chart_texts(d, "chart-referrals"), "the chart does not draw the secret cells as such")
        hatched = d.execute_script("return document.querySelectorAll('#chart-referrals rect[fill$=\"-secret)\"]').length")
        check(hatched >= 2, "the secret cells are not hatched in the chart (%d)" % hatched)
        # [target, triaged, in time, late, share]: triaged at once, all in time
        priority = table_rows(d, "table-triage")["Prioritaire"]
        check(priority[1].isdigit() and int(priority[1]) >= 5 and priority[2] == priority[1] and priority[3] == "0"
              and priority[4] == "100 %", "the priority triages: %s" % priority)
        browser.axe(d, "the charts")
        browser.shot(d, args.shots, "09-charts")

        say("a year, chosen with the keyboard alone")
        d.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);")
        d.find_element(By.TAG_NAME, "html").send_keys(Keys.TAB)
        select = tab_to(d, browser.by_id("year"), "the period's choice")
        year = d.find_elements(By.CSS_SELECTOR, "#year option")[1].get_attribute("value")
        select.send_keys(year)
        tab_to(d, lambda el: el.tag_name == "button" and el.text == "Afficher", "the period's button")\
            .send_keys(Keys.ENTER)
        wait_for(lambda: ("year=%s" % year) in d.current_url, "the charts of %s" % year)
        check(("de janvier %s à décembre %s" % (year, year)) in d.find_element(By.ID, "main").text,
              "the page does not say its period is %s" % year)
        browser.axe(d, "the charts of a year")

        say("in English")
        d.get(base + "/charts?lang=en")
        check(d.find_element(By.TAG_NAME, "h1").text == "Charts", "the charts are not in English")
        check_states_agree(d)
        browser.axe(d, "the charts in English")
        browser.shot(d, args.shots, "11-charts-en")
        d.get(base + "/charts?lang=fr")

        say("printed on A4: the site's header left out, the charts kept")
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        check(d.execute_script("return getComputedStyle(document.querySelector('.site')).display") == "none",
              "the site's header is printed")
        check(d.execute_script("return getComputedStyle(document.querySelector('form.filters')).display") == "none",
              "the period's form is printed")
        check(d.find_element(By.ID, "chart-states").is_displayed(), "a chart is not printed")
        browser.shot(d, args.shots, "10-charts-print")
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        pdf = base64.b64decode(d.execute_cdp_cmd("Page.printToPDF", {
            "paperWidth": 8.27, "paperHeight": 11.69, "preferCSSPageSize": True, "printBackground": True})["data"])
        pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
        check(pdf.startswith(b"%PDF") and 1 <= pages <= 4, "the charts print on %d A4 pages" % pages)
        with open(os.path.join(args.shots, "charts.pdf"), "wb") as f:
            f.write(pdf)
    finally:
        d.quit()
