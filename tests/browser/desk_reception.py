#!/usr/bin/env python3
"""desk_reception.py -- a morning at the Tranquillité urbaine reception, in headless Chromium, with
the keyboard alone, against a real hub.

Run by tests/e2e/desk_reception_browser.sh, which starts the hub, publishes a decree as the mayor's
office, and starts two desks: the reception's (--reception, its one-time address) and the
coordinator's (--coordinator). What the agent does, and what must hold while she does it:

- a call answered on the spot, a visit to follow up, a letter acknowledged with a due date, each
  recorded from the form (Tab, the first letters of an option, Space on a box, Enter);
- the visit transferred to the coordinator, who answers it from her own desk's /transfers (the
  arrows pick the answer in its radio group); the reception's entry shows the answer;
- a found item and a declared loss recorded, the match shown on the item's page, the item returned
  to its owner, the loss closed with it;
- the decree in force at 12 rue Houdan on the day the runner gave;
- the chart by week and channel;
- the register extract printed on A4: its heading, an entry's subject and the count, and a first
  page that is not blank;
- every page passes axe-core (no violation accepted) and is kept as a screenshot.
Exit 0 when everything held; otherwise the first failure on stderr, exit 1.
"""
import argparse
import datetime
import os
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import browser
import printed
from browser import Failure, by_id, check, tab_to, wait_for


def say(what):
    print("== " + what, flush=True)


def seen(d, name, shots):
    """The page as it is: axe-core finds nothing, and a screenshot is kept."""
    browser.axe(d, name)
    browser.shot(d, shots, "reception-" + name)


def from_top(d):
    """The focus back at the page's start, as a person arriving on it."""
    d.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);")
    d.find_element(By.TAG_NAME, "html").send_keys(Keys.TAB)


def fill(d, fields):
    """Tabs to each field in turn and types its value: a text, the first letters of a select's
    option, a date as its digits, or Space for a box."""
    for ident, value in fields:
        el = tab_to(d, by_id(ident), "the field '%s'" % ident)
        el.send_keys(value)


def send(d, form_id, what):
    """Tabs to the submit button of the form whose action ends with form_id and presses Enter."""
    button = tab_to(d, lambda el: el.tag_name == "button" and el.get_attribute("type") == "submit"
                    and (el.find_element(By.XPATH, "./ancestor::form").get_attribute("action") or "").endswith(form_id),
                    "the button of %s" % what)
    before = d.current_url
    button.send_keys(Keys.ENTER)
    wait_for(lambda: d.current_url != before or d.find_elements(By.CSS_SELECTOR, "[role=alert]"),
             "the page after %s" % what)
    alerts = d.find_elements(By.CSS_SELECTOR, "p[role=alert]")
    check(not alerts, "%s was refused: %s" % (what, alerts[0].text if alerts else ""))


def date_keys(d, day):
    """A date as a person types it in Chromium's date field: its parts in the order the browser's
    locale shows them (day first in French; the headless browser may keep another locale)."""
    order = d.execute_script("return new Intl.DateTimeFormat().formatToParts(new Date(2026, 11, 3))"
                             ".map(function (p) { return p.type; })"
                             ".filter(function (t) { return t === 'day' || t === 'month' || t === 'year'; });")
    part = {"day": "%d", "month": "%m", "year": "%Y"}
    return day.strftime("".join(part[t] for t in order))


def record(d, base, fields, what):
    d.get(base + "/register/new")
    from_top(d)
    fill(d, fields)
    send(d, "/register/new", what)
    check("/register/A-" in d.current_url, "%s: no entry's page (%s)" % (what, d.current_url))
    return d.current_url.split("/register/")[1].split("?")[0]


def reception_morning(args, d):
    base = args.reception.split("/login")[0]
    today = datetime.date.today()
    d.get(args.reception)
    wait_for(lambda: "accueil Tranquillité urbaine" in d.page_source, "the reception's desk")
    seen(d, "register-empty", args.shots)

    say("a call answered on the spot")
    call = record(d, base, [("record-channel", "téléphone"), ("record-category", "bruit"),
                            ("record-subject", "Bruit de chantier rue Houdan"),
                            ("record-summary", "Horaires du chantier rappelés."),
                            ("record-street", "r. houdan"), ("record-house_number", "12"),
                            ("record-answered", Keys.SPACE)], "the call")
    check("répondu sur place" in d.page_source, "the call is not answered on the spot")
    seen(d, "entry-call", args.shots)

    say("a visit to follow up")
    visit = record(d, base, [("record-channel", "visite"), ("record-category", "incivilité"),
                             ("record-subject", "Tags sur le mur de l'école"),
                             ("record-summary", "Vus ce matin, côté cour."),
                             ("record-requester", "Mme Martin")], "the visit")
    check("suite à donner" in d.page_source, "the visit is not to follow up")

    say("a letter acknowledged, with its due date")
    due = today + datetime.timedelta(days=30)
    letter = record(d, base, [("record-channel", "courrier"), ("record-category", "espace"),
                              ("record-subject", "Racines"),
                              ("record-summary", "Une racine de platane."),
                              ("record-acknowledged_date", date_keys(d, today)),
                              ("record-response_due_date", date_keys(d, due))], "the letter")
    check(due.strftime("%d/%m/%Y") in d.page_source, "the letter's due date is not shown")
    seen(d, "entry-letter", args.shots)

    say("the visit transferred to the coordinator")
    d.get(base + "/register/" + visit)
    from_top(d)
    fill(d, [("transfer-recipient", "partenaire"), ("transfer-recipient_name", "coordination"),
             ("transfer-note", "Des enfants seuls le soir ?")])
    send(d, "/transfer", "the transfer")
    check("pas encore de réponse" in d.page_source, "the transfer is not waiting for its answer")
    transfer = d.find_element(By.CSS_SELECTOR, "table th[scope=row]").text
    seen(d, "entry-transferred", args.shots)
    return base, call, visit, letter, transfer


def coordinator_answers(args, d, transfer):
    say("the coordinator answers it from her desk")
    d.get(args.coordinator)
    coordinator = args.coordinator.split("/login")[0]
    d.get(coordinator + "/transfers")
    check(transfer in d.page_source, "the coordinator's /transfers does not show %s" % transfer)
    seen(d, "coordinator-transfers", args.shots)
    from_top(d)
    # Tab enters the radio group once; the arrows move within it and pick.
    radio = tab_to(d, lambda el: el.get_attribute("name") == "answer", "the answer's choices")
    radio.send_keys(Keys.ARROW_DOWN)
    radio = browser.focused(d)
    radio.send_keys(Keys.ARROW_UP)
    radio = browser.focused(d)
    check(radio.get_attribute("value") == "accepted" and radio.is_selected(), "the arrows did not pick 'accepted'")
    fill(d, [("answer-%s-note" % transfer, "Pris en charge par l'éducatrice de rue.")])
    send(d, "/transfers/%s/answer" % transfer, "the answer")
    check("Réponse enregistrée" in d.page_source, "the answer is not said recorded")
    seen(d, "coordinator-answered", args.shots)


def lost_and_found(args, d, base):
    say("a found item and a declared loss")
    d.get(base + "/lost")
    seen(d, "lost-empty", args.shots)
    d.get(base + "/lost/found")
    from_top(d)
    fill(d, [("found-category", "portefeuille"), ("found-description", "Portefeuille en cuir noir"),
             ("found-street", "r. houdan"), ("found-house_number", "12"), ("found-storage", "Armoire A"),
             ("found-person", "M. Dupont")])
    send(d, "/lost/found", "the found item")
    item = d.current_url.split("/lost/")[1].split("?")[0]
    check(item.startswith("O-"), "no found item's page: %s" % d.current_url)
    d.get(base + "/lost/declare")
    seen(d, "lost-declare-form", args.shots)
    from_top(d)
    fill(d, [("declare-category", "portefeuille"), ("declare-description", "Portefeuille noir en cuir"),
             ("declare-street", "rue houdan"), ("declare-person", "Mme Leroy"),
             ("declare-contact", "06 00 00 00 02")])
    send(d, "/lost/declare", "the declared loss")
    loss = d.current_url.split("/lost/")[1].split("?")[0]
    check(loss.startswith("P-"), "no declared loss's page: %s" % d.current_url)

    say("the match on the item's page, and the return")
    d.get(base + "/lost/" + item)
    matches = browser.text_of(d, "#matches-title + table")
    check(loss in matches, "the item's page does not show the match %s: %r" % (loss, matches))
    seen(d, "lost-item", args.shots)
    from_top(d)
    fill(d, [("return-owner", "Mme Leroy"), ("return-identity_checked", "carte d'identité …4521"),
             ("return-declaration_id", loss)])
    send(d, "/lost/%s/return" % item, "the return")
    check("Retour enregistré" in d.page_source, "the return is not said recorded")
    seen(d, "lost-returned", args.shots)
    d.get(base + "/lost/" + loss)
    check("retrouvé" in d.page_source, "the loss is not closed by the return")
    d.get(base + "/lost")
    seen(d, "lost", args.shots)


def decree_in_force(args, d, base):
    say("the decree in force at 12 rue Houdan on the day")
    day = datetime.date.fromisoformat(args.decree_day)
    d.get(base + "/decrees")
    seen(d, "decrees", args.shots)
    from_top(d)
    fill(d, [("inforce-street", "r. houdan"), ("inforce-number", "12"), ("inforce-on", date_keys(d, day))])
    send(d, "/decrees", "the question")
    status = browser.text_of(d, "#inforce-title ~ p[role=status]")
    check("1 arrêté en vigueur" in status, "not one decree in force: %r" % status)
    check(args.decree_number in d.page_source, "the decree %s is not shown" % args.decree_number)
    seen(d, "decrees-in-force", args.shots)
    d.get(base + "/decrees/" + args.decree_number)
    seen(d, "decree", args.shots)


def chart(args, d, base):
    say("the chart by week and channel")
    d.get(base + "/charts")
    check(d.find_elements(By.CSS_SELECTOR, "svg[role=img]#chart-solicitations"), "no chart")
    check(d.find_elements(By.ID, "table-solicitations"), "no table beside the chart")
    seen(d, "chart", args.shots)


def extract(args, d, base, subject):
    say("the register extract, printed")
    today = datetime.date.today().isoformat()
    printed.check_printed(d, "%s/register/print?from=%s&to=%s" % (base, today, today), "reception-extract",
                          ["Extrait du registre de l'accueil", subject, "Fiches : 3"], args.shots)
    seen(d, "extract", args.shots)


def main():
    ap = argparse.ArgumentParser()
    for a in ("reception", "coordinator", "shots", "decree-number", "decree-day"):
        ap.add_argument("--" + a, required=True)
    args = ap.parse_args()
    d = browser.start()
    try:
        base, call, visit, letter, transfer = reception_morning(args, d)
        coordinator_answers(args, d, transfer)
        d.get(base + "/register/" + visit)
        check("accepté" in d.page_source, "the reception's entry does not show the answer")
        seen(d, "entry-answered", args.shots)
        lost_and_found(args, d, base)
        decree_in_force(args, d, base)
        chart(args, d, base)
        d.get(base + "/?lang=en")
        seen(d, "register-en", args.shots)
        d.get(base + "/?lang=fr")
        extract(args, d, base, "Racines")
        check(call and letter, "entries not recorded")
    except Failure as e:
        print("FAIL: %s (page %s)" % (e, d.current_url), file=sys.stderr)
        browser.shot(d, args.shots, "reception-failure")
        return 1
    finally:
        d.quit()
    print("desk_reception.py: all checks passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
