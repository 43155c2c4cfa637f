#!/usr/bin/env python3
"""desk_browser.py -- the coordinator's desk in headless Chromium, against a real hub.

Run by tests/e2e/desk_browser.sh, which starts the hub, a desk on 127.0.0.1 (its one-time address
is --local), another whose work list has one case a page (--paged) and a desk behind nginx with TLS and a password (--proxied). What a coordinator does,
and what must hold while she does it:

- the one-time address opens the work list; a referral a partner submits appears on it live,
  without the page being loaded again;
- with the keyboard alone: the case is opened from the list, triaged, accepted, diagnosed and
  given a pathway, each move a form that offers only what the state allows;
- a move the hub refuses comes back with the hub's words beside the form, the typed note kept;
- a possible duplicate answered "not the same child", with the keyboard alone;
- the pages in English;
- a child named with markup is shown as text, and no script of it runs;
- a request without the session's cookie, or without the CSRF token, is refused;
- the work list in pages: the caption says the total and the page, and the next and previous
  pages are reached with the keyboard alone;
- behind nginx: the cookie is Secure, the list is live through the proxy, a move goes through,
  and another authenticated person is refused by the desk;
- every page passes axe-core (WCAG 2.1 A and AA, RGAA's reference, and axe's best practices) and
  is kept as a screenshot;
- then the charts behind nginx (desk_charts.py).
Exit 0 when everything held; otherwise the first failure on stderr, exit 1.
"""
import argparse
import json
import os
import subprocess
import sys
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import browser
import desk_charts
import desk_calendar
from browser import Failure, by_id, check, tab_to, wait_for


class Hub:
    """Partners submitting referrals with the `relais` command, as their own software would."""

    def __init__(self, args):
        self.relais, self.pki, self.work, self.examples = args.relais, args.pki, args.work, args.examples
        self.made = 0

    def submit(self, partner, example, change=None):
        """Submits examples/EXAMPLE as PARTNER, changed by change(referral) first; returns the ack."""
        doc = json.load(open(os.path.join(self.examples, example), encoding="utf-8"))
        if change:
            change(doc["referral"])
        self.made += 1
        path = os.path.join(self.work, "browser-referral-%d.json" % self.made)
        json.dump(doc, open(path, "w", encoding="utf-8"), ensure_ascii=False)
        env = dict(os.environ, RELAIS_KEY=os.path.join(self.pki, partner, partner + ".cert_secret"),
                   RELAIS_SPOOL=os.path.join(self.work, "spool", partner))
        out = subprocess.run([self.relais, "submit", path], env=env, capture_output=True, text=True, timeout=60)
        check(out.returncode == 0, "relais submit %s: %s" % (example, out.stdout + out.stderr))
        return json.loads(out.stdout.splitlines()[0])


def say(what):
    print("== " + what, flush=True)


def worklist_text(d):
    return browser.text_of(d, "#worklist")


def mark_page(d):
    """A mark the page keeps until it is loaded again: a live change keeps it."""
    d.execute_script("window.relaisSamePage = 'oui';")


def same_page(d):
    return d.execute_script("return window.relaisSamePage === 'oui';")


def case_link(d, child):
    """The list's link to the case of `child`, once the list shows it."""
    for a in d.find_elements(By.CSS_SELECTOR, "#cases a[href^='/cases/']"):
        row = a.find_element(By.XPATH, "./ancestor::tr")
        if child in row.text:
            return a
    return None


def keyboard_move(d, to, fields, page):
    """Does a move on the case's page with the keyboard alone: Tab to the move's choices, the
    arrows to pick one, Tab to each field and type, Tab to the button, Enter. Waits for the next
    page."""
    d.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);")
    # From the top of the page, as a person arriving on it.
    d.find_element(By.TAG_NAME, "html").send_keys(Keys.TAB)
    # Tab enters the group of choices once; the arrows move within it, and pick.
    radio = tab_to(d, lambda el: el.get_attribute("name") == "to", "the choices of the move form")
    for _ in range(len(d.find_elements(By.CSS_SELECTOR, "input[name=to]"))):
        if radio.get_attribute("id") == "to-" + to:
            break
        radio.send_keys(Keys.ARROW_DOWN)
        radio = browser.focused(d)
    check(radio.get_attribute("id") == "to-" + to and radio.is_selected(),
          "the arrows did not reach and pick the move '%s'" % to)
    for ident, value in fields:
        el = tab_to(d, by_id(ident), "the field '%s'" % ident)
        # A closed select takes the first letters of an option, as a person types them.
        el.send_keys(value)
    tab_to(d, lambda el: el.tag_name == "button" and el.get_attribute("type") == "submit"
           and el.find_elements(By.XPATH, "./ancestor::section[@id='move']"),
           "the move's button").send_keys(Keys.ENTER)
    wait_for(lambda: "moved=" in d.current_url or d.find_elements(By.ID, "move-error"),
             "the page after the move '%s'" % to)
    err = d.find_elements(By.ID, "move-error")
    check(not err, "the move '%s' was refused: %s" % (to, err[0].text if err else ""))
    browser.axe(d, page)


def state_shown(d):
    """The case's state as its page says it (the summary's line)."""
    for dt in d.find_elements(By.CSS_SELECTOR, "dt"):
        if dt.text.strip().rstrip(" :") in ("État", "State"):
            return dt.find_element(By.XPATH, "following-sibling::dd[1]").text
    return ""


def local_desk(args, hub):
    d = browser.start()
    try:
        say("the one-time address opens the work list")
        d.get(args.local)
        base = args.local.split("/login")[0]
        check(d.current_url == base + "/", "the one-time address led to %s" % d.current_url)
        check(d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr", "the page is not in French")
        browser.axe(d, "the empty work list")

        say("a referral appears on the open list, live")
        mark_page(d)
        hub.submit("college-curie", "referral-college-marie-curie.json")
        wait_for(lambda: "Lina B. (2014)" in worklist_text(d), "Lina's referral on the open list")
        check(same_page(d), "the list was loaded again instead of refreshed in place")
        wait_for(lambda: browser.text_of(d, "#live"), "the live region saying the list changed")
        hub.submit("cmp-sceaux", "referral-cmp-sceaux-parental-request.json")
        hub.submit("pmi-blagis", "referral-pmi-les-blagis.json")
        wait_for(lambda: "Tom " in worklist_text(d), "the CMP's referral on the list")
        check(same_page(d), "the list was loaded again")
        browser.axe(d, "the work list")
        browser.shot(d, args.shots, "01-work-list")

        say("the search ignores capitals and accents")
        d.get(base + "/?q=BÉNALI")
        rows = d.find_elements(By.CSS_SELECTOR, "#cases tbody tr")
        check(len(rows) == 1 and "Lina" in rows[0].text, "the search for BÉNALI: %d rows" % len(rows))
        browser.axe(d, "a search")
        d.get(base + "/")

        say("with the keyboard alone: the case opened from the list")
        wait_for(lambda: case_link(d, "Lina B."), "Lina's line")
        href = case_link(d, "Lina B.").get_attribute("href")
        d.find_element(By.TAG_NAME, "html").send_keys(Keys.TAB)
        first = browser.focused(d)
        check(first.get_attribute("class") == "skip", "the first Tab does not reach the skip link: %s"
              % browser.describe(first))
        tab_to(d, lambda el: el.get_attribute("href") == href, "Lina's case on the list").send_keys(Keys.ENTER)
        wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "h1") and "Dossier C-" in browser.text_of(d, "h1"),
                 "Lina's case page")
        case_url = d.current_url.split("?")[0]
        case_id = case_url.rsplit("/", 1)[1]
        check("Benali" in d.find_element(By.ID, "main").text, "the case page does not name the child")
        browser.axe(d, "the case page")

        say("triage, acceptance, diagnosis, a pathway and its follow-up, with the keyboard alone")
        keyboard_move(d, "triage", [("note", "Vu en cellule de veille : situation à évaluer.")], "after triage")
        keyboard_move(d, "accepted", [("note", "Suivi accepté par la coordination.")], "after acceptance")
        keyboard_move(d, "diagnosis", [("diagnosis", "Décrochage scolaire lié au logement ; "
                                                     "la famille souhaite un accompagnement.")],
                      "after the diagnosis")
        keyboard_move(d, "pathway-proposed", [
            ("kind", "indiv"), ("description", "Accompagnement à la scolarité, deux soirs par semaine"),
            ("partner", "Service municipal de la jeunesse"), ("frequency", "hebdomadaire"),
            ("responsible", "Coordinatrice socio-éducative")], "after the pathway")
        check("parcours" in state_shown(d).lower(), "the case's state after the pathway: %r" % state_shown(d))
        main = d.find_element(By.ID, "main").text
        check("Accompagnement à la scolarité" in main, "the pathway's action is not on the case page")
        keyboard_move(d, "follow-up", [("note", "La famille a donné son accord au parcours.")], "in follow-up")
        browser.shot(d, args.shots, "02-case-page")

        say("a move the hub refuses: its words beside the form, the note kept")
        d.get(case_url)
        closing = [r.get_attribute("value") for r in d.find_elements(By.CSS_SELECTOR, "input[name=to]")
                   if r.get_attribute("value").startswith("closed-")]
        check(closing, "no closing move offered from follow-up")
        d.find_element(By.ID, "to-" + closing[0]).click()
        d.find_element(By.ID, "note").send_keys("Clôture demandée sans motif : ce texte doit rester.")
        d.find_element(By.CSS_SELECTOR, "#move button[type=submit]").click()
        err = wait_for(lambda: d.find_elements(By.ID, "move-error"), "the refusal beside the form")[0]
        check(err.get_attribute("role") == "alert" and err.text.strip(), "the refusal is not an alert with words")
        check("ce texte doit rester" in d.find_element(By.ID, "note").get_attribute("value"),
              "the typed note was lost with the refusal")
        browser.axe(d, "a refused move")
        browser.shot(d, args.shots, "03-refused-move")

        say("a possible duplicate, answered with the keyboard alone: not the same child")

        def cousin(r):
            del r["external_ref"]
            r["child"]["family_name"] = "Benaly"
            r["child"]["given_names"] = ["Lena"]
        hub.submit("college-curie", "referral-college-marie-curie.json", cousin)
        d.get(base + "/")
        wait_for(lambda: case_link(d, "Lena B."), "Lena's case on the list")
        d.get(case_link(d, "Lena B.").get_attribute("href"))
        wait_for(lambda: d.find_elements(By.ID, "duplicates"), "the possible duplicates on Lena's page")
        check(d.find_elements(By.ID, "dup-1-merge-note") and d.find_elements(By.ID, "dup-1-dismiss-note"),
              "Lena's page does not offer both answers to the possible duplicate")
        browser.axe(d, "a case with a possible duplicate")
        browser.shot(d, args.shots, "04-possible-duplicate")
        d.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);")
        d.find_element(By.TAG_NAME, "html").send_keys(Keys.TAB)
        tab_to(d, by_id("dup-1-dismiss-note"), "the note of 'not a duplicate'")\
            .send_keys("Cousine de Lina, née le même jour : deux enfants.")
        tab_to(d, lambda el: el.tag_name == "button" and el.get_attribute("aria-describedby") == "dup-1-dismiss-what",
               "the button 'not a duplicate'").send_keys(Keys.ENTER)
        wait_for(lambda: "moved=" in d.current_url, "the page after 'not a duplicate'")
        check(not d.find_elements(By.ID, "dup-1-dismiss-note"), "the duplicate is still offered after its dismissal")
        check("deux enfants" in d.find_element(By.ID, "main").text, "the dismissal's note is not on the case")
        browser.axe(d, "after 'not a duplicate'")

        say("the pages in English")
        d.get(case_url)
        tab_to(d, lambda el: (el.get_attribute("href") or "").endswith("lang=en"), "the English link")\
            .send_keys(Keys.ENTER)
        wait_for(lambda: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en", "the English page")
        browser.axe(d, "the case page in English")
        d.get(base + "/")
        check("Work list" in d.page_source or "Case" in d.page_source, "the list is not in English")
        browser.axe(d, "the work list in English")
        browser.shot(d, args.shots, "05-work-list-en")
        d.get(base + "/?lang=fr")

        say("a child named with markup is text: no script of it runs")
        mark_page(d)

        def hostile(r):
            del r["external_ref"]
            r["child"]["family_name"] = "<script>window.relaisRan='script'</script>"
            r["child"]["given_names"] = ["<img src=x onerror=\"window.relaisRan='img'\">"]
            r["child"]["birth_date"] = "2015-06-01"
        hub.submit("college-curie", "referral-college-marie-curie.json", hostile)
        wait_for(lambda: "<img src=x" in worklist_text(d), "the referral with markup on the list")
        check(d.execute_script("return window.relaisRan === undefined;"), "a script of the child's name ran")
        check(not d.find_elements(By.CSS_SELECTOR, "#worklist img, #worklist script"),
              "the child's name became markup on the list")
        link = case_link(d, "<img src=x")
        d.get(link.get_attribute("href"))
        check("<script>window.relaisRan='script'</script>" in d.find_element(By.ID, "main").text,
              "the name is not shown as written")
        check(d.execute_script("return window.relaisRan === undefined;") and
              not d.find_elements(By.CSS_SELECTOR, "#main img, #main script"),
              "the case page ran the child's name")
        browser.axe(d, "the page of a child named with markup")

        say("axe-core finds a fault planted in the page (the check can fail)")
        d.execute_script("var i = document.createElement('img'); i.src = '/assets/desk.css';"
                         "document.getElementById('main').appendChild(i);")
        try:
            browser.axe(d, "the planted fault")
            raise Failure("axe-core did not see an image without a text alternative")
        except Failure as e:
            check("image-alt" in str(e), "axe-core's report of the planted fault: %s" % e)
        d.get(d.current_url)

        say("no CSRF token, or no session cookie: refused")
        status = d.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "fetch('/cases/' + arguments[0] + '/move', {method: 'POST', credentials: 'same-origin',"
            "  headers: {'Content-Type': 'application/x-www-form-urlencoded'},"
            "  body: 'from=follow-up&to=note&note=sans+jeton'})"
            ".then(function (r) { done(r.status); }).catch(function (e) { done(String(e)); });", case_id)
        check(status == 403, "a move without the CSRF token: %s" % status)
        d.delete_all_cookies()
        d.get(base + "/")
        check("/login" in d.current_url and "Benali" not in d.page_source and "Lina" not in d.page_source,
              "without the cookie, the list was served: %s" % d.current_url)
        browser.axe(d, "the page without a session")
        browser.shot(d, args.shots, "06-no-session")
        return case_id
    finally:
        d.quit()


def proxied_desk(args, hub, case_id):
    user, password = args.user.split(":", 1)
    other, other_password = args.other_user.split(":", 1)
    d = browser.start(insecure_certs=True)
    try:
        say("behind nginx: the person's password opens the desk; the cookie is Secure")
        browser.basic_auth(d, user, password)
        d.get(args.proxied + "/")
        wait_for(lambda: "Lina B. (2014)" in worklist_text(d), "the list behind the proxy")
        cookies = [c for c in d.get_cookies() if c["name"] == "relais_desk"]
        check(cookies and cookies[0]["secure"] and cookies[0]["httpOnly"] and cookies[0].get("sameSite") == "Strict",
              "the session cookie behind TLS: %s" % cookies)
        browser.axe(d, "the work list behind the proxy")

        say("behind nginx: a referral appears live, through the proxy")
        mark_page(d)
        hub.submit("pmi-blagis", "referral-pmi-les-blagis.json", lambda r: (
            r.pop("external_ref", None), r["child"].update(family_name="Moreau", given_names=["Nour"],
                                                           birth_date="2016-09-03")))
        wait_for(lambda: "Nour M. (2016)" in worklist_text(d), "the new referral on the list behind the proxy")
        check(same_page(d), "behind the proxy the list was loaded again instead of refreshed")
        browser.shot(d, args.shots, "07-work-list-proxied")

        say("behind nginx: a note on the case")
        d.get(args.proxied + "/cases/" + case_id)
        d.find_element(By.ID, "to-note").click()
        d.find_element(By.ID, "note").send_keys("Point fait avec le CMP, par le serveur de la ville.")
        d.find_element(By.CSS_SELECTOR, "#move button[type=submit]").click()
        wait_for(lambda: "moved=" in d.current_url, "the note's page behind the proxy")
        check("par le serveur de la ville" in d.find_element(By.ID, "main").text, "the note is not on the case")
        browser.axe(d, "the case page behind the proxy")
    finally:
        d.quit()

    d = browser.start(insecure_certs=True)
    try:
        say("behind nginx: another authenticated person is refused by the desk")
        browser.basic_auth(d, other, other_password)
        d.get(args.proxied + "/")
        text = d.find_element(By.TAG_NAME, "body").text
        check("Lina" not in text and "Benali" not in text, "another person saw the list")
        check("autre personne" in text, "the desk's refusal of another person: %r" % text[:300])
        browser.axe(d, "the refusal of another person")
        browser.shot(d, args.shots, "08-another-person")
    finally:
        d.quit()


def paged_desk(args):
    d = browser.start()
    try:
        say("the work list in pages: the total, the next page and back with the keyboard alone")
        d.get(args.paged)
        wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "nav.pages"), "the navigation between the list's pages")
        caption = browser.text_of(d, "#cases caption")
        total = int(caption.split()[0])
        check(total >= 2 and ("(page 1 sur %d : dossiers 1 à 1)" % total) in caption,
              "the caption of the list's first page: %r" % caption)
        rows = d.find_elements(By.CSS_SELECTOR, "#cases tbody tr")
        check(len(rows) == 1, "one case a page, and page 1 has %d rows" % len(rows))
        first = browser.text_of(d, "#cases tbody th a")
        browser.axe(d, "the first page of the work list")

        def from_the_top():
            d.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);")
            d.find_element(By.TAG_NAME, "html").send_keys(Keys.TAB)

        from_the_top()
        tab_to(d, lambda el: el.get_attribute("rel") == "next", "the link to the next page").send_keys(Keys.ENTER)
        wait_for(lambda: "page=2" in d.current_url and "page 2 sur" in browser.text_of(d, "#cases caption"),
                 "the list's second page")
        check(browser.text_of(d, "nav.pages [aria-current=page]") == "page 2 sur %d" % total,
              "the navigation on page 2 says %r" % browser.text_of(d, "nav.pages [aria-current=page]"))
        second = browser.text_of(d, "#cases tbody th a")
        check(second and second != first, "page 2 shows the case of page 1 again: %s" % second)
        browser.axe(d, "the second page of the work list")
        browser.shot(d, args.shots, "08-work-list-page-2")
        from_the_top()
        tab_to(d, lambda el: el.get_attribute("rel") == "prev", "the link to the previous page").send_keys(Keys.ENTER)
        wait_for(lambda: "page=1" in d.current_url, "the list's first page again")
        check(browser.text_of(d, "#cases tbody th a") == first, "page 1 shows another case the second time")
    finally:
        d.quit()


def main():
    ap = argparse.ArgumentParser()
    for a in ("relais", "pki", "examples", "work", "shots", "local", "paged", "proxied", "user", "other-user"):
        ap.add_argument("--" + a, required=True)
    args = ap.parse_args()
    hub = Hub(args)
    t0 = time.monotonic()
    try:
        case_id = local_desk(args, hub)
        proxied_desk(args, hub, case_id)
        paged_desk(args)
        desk_charts.run(args, hub)
        desk_calendar.run(args, case_id)
    except Failure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    print("desk_browser.py: every step held in %.0f s" % (time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
