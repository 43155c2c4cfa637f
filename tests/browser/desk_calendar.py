"""desk_calendar.py -- the review calendar in headless Chromium, behind nginx as desk/README.md sets
it up; called by desk_browser.py's main once the other steps held.

- with the keyboard alone, the coordinator goes from the work list to the calendar's page, makes
  a subscription address and sees it, once, in a labelled field; later she revokes it;
- the address is the proxy's (https, /calendar/PERSON/TOKEN.ics) and nginx lets it through
  without the password, to that file only: no child's name in it; another token, another person,
  another path or another method is refused, and the calendar's page and the session's file
  still ask for the password; revoked, the address gives nothing;
- the session's download (/calendar.ics) is a text/calendar attachment;
- axe-core on the calendar's pages, and screenshots.
"""
import datetime
import os
import ssl
import subprocess
import urllib.error
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import browser
from browser import by_id, check, tab_to, wait_for

# What no calendar may hold: names of the test's children, their schools, their referrers.
FORBIDDEN = ("Benali", "Benaly", "Lina", "Lena", "Nour", "Moreau", "Marie Curie", "Blagis", "college-curie", "<script", "<img")


def say(what):
    print("== " + what, flush=True)


def fetch(url, method="GET"):
    """(status, headers, body) of a request from outside the browser, as a calendar program makes
    it: no cookie, no password; the test's nginx certificate is trusted by nobody."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    req = urllib.request.Request(url, method=method, data=b"x=1" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=20) as r:
            return r.status, r.headers, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8", "replace")


def from_top(d):
    d.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);")
    d.find_element(By.TAG_NAME, "html").send_keys(Keys.TAB)


def review(args, case_id, day):
    """The coordinator gives the case a review date, with the `relais` command."""
    env = dict(os.environ, RELAIS_KEY=os.path.join(args.pki, "coordination", "coordination.cert_secret"))
    out = subprocess.run([args.relais, "case", "update", case_id, "note", "--review-date", day], env=env,
                         capture_output=True, text=True, timeout=60)
    check(out.returncode == 0, "relais case update %s note --review-date %s: %s" % (case_id, day,
                                                                                      out.stdout + out.stderr))


def run(args, case_id):
    user, password = args.user.split(":", 1)
    base = args.proxied
    day = (datetime.date.today() + datetime.timedelta(days=45)).isoformat()
    review(args, case_id, day)
    uid = "UID:review-%s-%s@relais" % (case_id, day.replace("-", ""))
    d = browser.start(insecure_certs=True)
    try:
        say("the calendar: from the list to its page with the keyboard alone")
        browser.basic_auth(d, user, password)
        d.get(base + "/")
        wait_for(lambda: "Lina B. (2014)" in browser.text_of(d, "#worklist"), "the list behind the proxy")
        from_top(d)
        tab_to(d, lambda el: (el.get_attribute("href") or "").endswith("/calendar"), "the calendar's link")\
            .send_keys(Keys.ENTER)
        wait_for(lambda: "Calendrier des bilans" in browser.text_of(d, "h1"), "the calendar's page")
        check("Aucune adresse d'abonnement" in browser.text_of(d, "#cal-state"),
              "a subscription before any was made: %r" % browser.text_of(d, "#cal-state"))
        wait_for(lambda: d.refresh() or "\u2014 1 bilan," in browser.text_of(d, "#main"),
                 "the review on the calendar's page", step=0.3)  # the page is not live: read again
        browser.axe(d, "the calendar's page")

        say("the session's download is a calendar file")
        got = d.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "fetch('/calendar.ics', {credentials: 'same-origin'}).then(function (r) {"
            "  return r.text().then(function (t) { done([r.status, r.headers.get('Content-Type'),"
            "    r.headers.get('Content-Disposition'), t]); }); }).catch(function (e) { done([String(e)]); });")
        check(got[0] == 200 and got[1].startswith("text/calendar") and "attachment" in (got[2] or ""),
              "the session's file: %s" % got[:3])
        check(got[3].startswith("BEGIN:VCALENDAR\r\n") and uid in got[3],
              "the session's file has not the review of %s on %s: %r" % (case_id, day, got[3][:400]))
        for word in FORBIDDEN:
            check(word.lower() not in got[3].lower(), "the session's file names %r" % word)

        say("a subscription address made with the keyboard alone, shown once")
        from_top(d)
        tab_to(d, by_id("cal-subscribe"), "the button that makes the address").send_keys(Keys.ENTER)
        field = wait_for(lambda: d.find_elements(By.ID, "cal-address"), "the address made")[0]
        address = field.get_attribute("value")
        prefix = "https://127.0.0.1/calendar/%s/" % user  # nginx passes $host: the name, without its port
        check(address.startswith(prefix) and address.endswith(".ics") and len(address) == len(prefix) + 47,
              "the address shown: %r" % address)
        label = d.find_element(By.CSS_SELECTOR, "label[for=cal-address]").text
        check("Adresse d'abonnement" in label, "the address's field has no label: %r" % label)
        check(field.get_attribute("readonly") is not None, "the address's field can be typed into")
        browser.axe(d, "the calendar's page with a new address")
        browser.shot(d, args.shots, "09-calendar-subscription")
        path = address[len("https://127.0.0.1"):]
        d.get(base + "/calendar")
        check(path not in d.page_source, "the address is shown again")

        say("nginx lets the address through without the password, to the file only")
        status, headers, body = fetch(base + path)
        check(status == 200 and headers.get("Content-Type", "").startswith("text/calendar"),
              "the subscription address through nginx: %s %s" % (status, headers.get("Content-Type")))
        check(body.startswith("BEGIN:VCALENDAR\r\n") and uid in body, "the subscription's file: %r" % body[:400])
        check(not headers.get("Set-Cookie"), "the subscription address set a cookie")
        for word in FORBIDDEN:
            check(word.lower() not in body.lower(), "the subscription's file names %r" % word)
        token = path.rsplit("/", 1)[1][:-4]
        other = ("B" if token[0] == "A" else "A") + token[1:]
        for what, url, method, want in (
                ("another token", base + path.replace(token, other), "GET", 404),
                ("another person", base + path.replace("/" + user + "/", "/nobody/"), "GET", 404),
                ("another path under /calendar/", base + "/calendar/" + user + "/", "GET", 404),
                ("the address in another form", base + path[:-4], "GET", 404),
                ("a POST to the address", base + path, "POST", 403),
                ("the calendar's page", base + "/calendar", "GET", 401),
                ("the session's file", base + "/calendar.ics", "GET", 401),
                ("the list", base + "/", "GET", 401)):
            status, _, body = fetch(url, method)
            check(status == want and "BEGIN:VCALENDAR" not in body,
                  "%s without the password: %s, expected %s" % (what, status, want))

        say("the address revoked with the keyboard alone: it gives nothing")
        from_top(d)
        tab_to(d, by_id("cal-revoke"), "the button that revokes the address").send_keys(Keys.ENTER)
        wait_for(lambda: "révoquée" in browser.text_of(d, "#cal-said"), "the revocation's words")
        check("Aucune adresse d'abonnement" in browser.text_of(d, "#cal-state"), "a subscription after revoking it")
        browser.axe(d, "the calendar's page after a revocation")
        browser.shot(d, args.shots, "10-calendar-revoked")
        status, _, body = fetch(base + path)
        check(status == 404 and "BEGIN:VCALENDAR" not in body, "the revoked address: %s" % status)
    finally:
        d.quit()
