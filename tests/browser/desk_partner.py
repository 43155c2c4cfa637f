#!/usr/bin/env python3
"""desk_partner.py -- a partner's desk in headless Chromium, against a real hub.

Run by tests/e2e/desk_partner_browser.sh, which starts the hub and a desk with a partner's key
(its one-time address is --login). What a partner without an IT system does, with the keyboard
alone, and what must hold while it does it:

- the one-time address opens "Mes signalements", empty; the navigation leads to the form;
- the form is filled, the step of the family's agreement included (a radio button chosen with
  the keyboard), and sent: the page says it was received, with its handle;
- the list shows the referral, and its page its status;
- a referral the hub refuses (a birth date to come, which the form cannot know) comes back with
  the hub's words beside the birth date, a summary at the top whose link leads the focus to the
  field, and what was typed kept;
- every page passes axe-core (WCAG 2.1 A and AA and axe's best practices) and is kept as a
  screenshot.
Exit 0 when everything held; otherwise the first failure on stderr, exit 1.
"""
import argparse
import datetime
import sys
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import browser
from browser import Failure, by_id, check, tab_to, wait_for


def say(what):
    print("== " + what, flush=True)


def from_the_top(d):
    """The focus where a person arriving on the page has it: nowhere, then the first Tab."""
    d.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);")
    d.find_element(By.TAG_NAME, "html").send_keys(Keys.TAB)


def follow(d, href_end, what):
    """Tab from the top to the first link whose address ends so, and Enter."""
    from_the_top(d)
    tab_to(d, lambda el: el.tag_name == "a" and (el.get_attribute("href") or "").endswith(href_end),
           what).send_keys(Keys.ENTER)


def day_keys(d, iso):
    """What a person types in a date input for the day ISO: its parts in the order of the browser's
    locale (the date input's own; headless Chromium may keep en-US whatever --lang says)."""
    y, m, dd = iso.split("-")
    locale = d.execute_script("return new Intl.DateTimeFormat().resolvedOptions().locale") or ""
    return m + dd + y if locale in ("en-US", "en") else dd + m + y


def fill(d, birth_date):
    """The form, field after field, by Tab alone; a choice by the arrows or the space bar."""
    today = datetime.date.today().isoformat()
    texts = [
        ("f-referral-referrer-organisation", "PMI Les Blagis"),
        ("f-referral-referrer-role", "PMI"),
        ("f-referral-referrer-name", "Dr Claire Martin, médecin de PMI"),
        ("f-referral-child-family_name", "Durand"),
        ("f-referral-child-given_names-1", "Noé"),
        ("f-referral-child-birth_date", day_keys(d, birth_date)),
        ("f-referral-child-school", "École du Centre"),
    ]
    from_the_top(d)
    for ident, value in texts:
        tab_to(d, by_id(ident), "the field " + ident).send_keys(value)
    got = d.find_element(By.ID, "f-referral-child-birth_date").get_attribute("value")
    check(got == birth_date, "the birth date typed reads %r, not %r" % (got, birth_date))
    check(d.find_element(By.ID, "f-referral-referrer-role").get_attribute("value") == "PMI",
          "typing 'PMI' in the list did not choose it")
    tab_to(d, by_id("f-referral-domains-HEALTH"), "the domain 'santé'").send_keys(Keys.SPACE)
    tab_to(d, by_id("f-referral-description"), "the description").send_keys(
        "Retards de vaccination et fatigue ; la mère demande de l'aide.")
    # Tab enters a group of radio buttons once, on its first; the space bar chooses it.
    tab_to(d, by_id("f-referral-urgency-ROUTINE"), "the urgency's choices").send_keys(Keys.SPACE)
    check(d.find_element(By.ID, "f-referral-urgency-ROUTINE").is_selected(), "the urgency was not chosen")
    tab_to(d, by_id("f-referral-basis-consent"), "the step of the family's agreement").send_keys(Keys.SPACE)
    check(d.find_element(By.ID, "f-referral-basis-consent").is_selected(), "the family's agreement was not chosen")
    tab_to(d, by_id("f-referral-consent-recorded_by"), "who recorded the agreement").send_keys("Dr Claire Martin")
    tab_to(d, by_id("f-referral-consent-recorded_ms"), "the agreement's date").send_keys(day_keys(d, today))
    tab_to(d, lambda el: el.tag_name == "button" and el.get_attribute("type") == "submit",
           "the button that sends the referral").send_keys(Keys.ENTER)


def run(args):
    d = browser.start()
    try:
        say("the one-time address opens the partner's list, empty")
        d.get(args.login)
        check(d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr", "the page is not in French")
        check("Mes signalements" in d.find_element(By.TAG_NAME, "h1").text, "the first page is not the list")
        browser.axe(d, "the empty list")
        browser.shot(d, args.shots, "partner-01-empty-list")

        say("the form, reached from the navigation with the keyboard alone")
        follow(d, "/refer", "the link to the form")
        wait_for(lambda: "Nouveau signalement" in d.find_element(By.TAG_NAME, "h1").text, "the form")
        browser.axe(d, "the empty form")
        browser.shot(d, args.shots, "partner-02-form")

        say("filled and sent with the keyboard alone, the family's agreement included: received")
        fill(d, "2016-05-04")
        wait_for(lambda: "/refer/received" in d.current_url, "the page that says it was received")
        handle = d.find_element(By.CSS_SELECTOR, "[role=status] strong").text
        check(handle.startswith("R-"), "no handle on the page: %r" % handle)
        browser.axe(d, "the referral received")
        browser.shot(d, args.shots, "partner-03-received")

        say("the list shows it, and its page its status")
        follow(d, "/", "the link to the list")
        wait_for(lambda: handle in browser.text_of(d, "table"), "the referral on the list")
        check("Noé D." in browser.text_of(d, "table"), "the child is not on the list")
        browser.axe(d, "the list")
        browser.shot(d, args.shots, "partner-04-list")
        follow(d, "/referrals/" + handle, "the link to the referral's page")
        wait_for(lambda: handle in d.find_element(By.TAG_NAME, "h1").text, "the referral's page")
        check("submitted" in browser.text_of(d, "table"), "the referral's page does not say it is submitted")
        check("C-" not in d.find_element(By.TAG_NAME, "main").text, "the referral's page names a case")
        browser.axe(d, "the referral's page")
        browser.shot(d, args.shots, "partner-05-referral")

        say("a birth date to come: the hub refuses it, beside the field, the text kept")
        follow(d, "/refer", "the link to the form")
        wait_for(lambda: "Nouveau signalement" in d.find_element(By.TAG_NAME, "h1").text, "the form")
        fill(d, "2031-01-01")
        wait_for(lambda: d.find_elements(By.ID, "errors"), "the refusal's summary")
        check(d.find_element(By.ID, "errors").get_attribute("role") == "alert", "the summary is not an alert")
        field = d.find_element(By.ID, "f-referral-child-birth_date")
        described = [d.find_element(By.ID, i).text for i in (field.get_attribute("aria-describedby") or "").split()]
        check(any("is in the future" in t for t in described),
              "the hub's words are not beside the birth date: %r" % described)
        check(field.get_attribute("aria-invalid") == "true", "the birth date is not marked invalid")
        check(field.get_attribute("value") == "2031-01-01", "the birth date typed was not kept")
        check("Retards de vaccination" in d.find_element(By.ID, "f-referral-description").get_attribute("value"),
              "the description typed was not kept")
        check(d.find_element(By.ID, "f-referral-basis-consent").is_selected(), "the agreement's choice was not kept")
        browser.axe(d, "the form with the hub's refusal")
        browser.shot(d, args.shots, "partner-06-refused")
        follow(d, "#f-referral-child-birth_date", "the summary's link to the birth date")
        wait_for(lambda: browser.focused(d).get_attribute("id") == "f-referral-child-birth_date",
                 "the focus on the birth date after the summary's link")
        d.get(args.login.split("/login")[0] + "/refer?lang=en")
        browser.axe(d, "the form in English")
    finally:
        d.quit()


def main():
    ap = argparse.ArgumentParser()
    for a in ("login", "shots"):
        ap.add_argument("--" + a, required=True)
    args = ap.parse_args()
    t0 = time.monotonic()
    try:
        run(args)
    except Failure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    print("desk_partner.py: every step held in %.0f s" % (time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
