"""browser.py -- headless Chromium driven by Selenium, as the desk's browser tests and its speed
script use it: a browser started with the options Debian's Chromium needs in a container, the
axe-core accessibility check, keyboard-only navigation, screenshots.

Imported by tests/browser/desk_browser.py and bench/desk_speed.py; not a test by itself.
"""
import base64
import json
import os
import time

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

HERE = os.path.dirname(os.path.abspath(__file__))
AXE = os.path.join(HERE, "node_modules", "axe-core", "axe.min.js")

# RGAA 4.1 takes its criteria from WCAG 2.1 level AA; axe's best practices are kept too.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


class Failure(Exception):
    """A check that did not hold: the message says which, in a sentence."""


def check(cond, what):
    if not cond:
        raise Failure(what)


def chromium_path():
    for p in (os.environ.get("RELAIS_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if p and os.access(p, os.X_OK):
            return p
    raise Failure("Chromium is not installed (Debian: chromium and chromium-driver; scripts/install-deps)")


def start(lang="fr-FR", width=1280, height=900, insecure_certs=False):
    """A headless Chromium the caller quits. The sandbox is off because the tests may run as root
    in a container, where Chromium's sandbox cannot start; the pages are the desk's own."""
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium_path()
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--window-size=%d,%d" % (width, height), "--lang=" + lang, "--no-first-run",
              "--disable-extensions", "--disable-background-networking", "--disable-sync"):
        opts.add_argument(a)
    opts.add_experimental_option("prefs", {"intl.accept_languages": lang})
    if insecure_certs:
        # The test's nginx has a certificate made for the test, trusted by nobody.
        opts.set_capability("acceptInsecureCerts", True)
    driver_path = os.environ.get("RELAIS_CHROMEDRIVER", "/usr/bin/chromedriver")
    try:
        driver = webdriver.Chrome(service=Service(driver_path), options=opts)
    except WebDriverException as e:
        raise Failure("Chromium did not start: %s" % e.msg)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    return driver


def basic_auth(driver, user, password):
    """Every request of the page (the event stream's too) carries this person's password, as a
    browser does once its person has answered the proxy's login box."""
    token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Authorization": "Basic " + token}})


def axe(driver, page_name):
    """Runs axe-core on the page as it is; raises with every violation, rule by rule."""
    if not os.path.exists(AXE):
        raise Failure("axe-core is not installed: npm ci --prefix tests/browser (scripts/install-deps does it)")
    # WebDriver's scripts are not the page's: the desk's Content-Security-Policy does not apply to them.
    driver.execute_script(open(AXE, encoding="utf-8").read())
    result = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        "  .then(function (r) { done(JSON.stringify(r.violations)); })"
        "  .catch(function (e) { done(JSON.stringify({error: String(e)})); });", AXE_TAGS)
    violations = json.loads(result)
    if isinstance(violations, dict):
        raise Failure("%s: axe-core failed: %s" % (page_name, violations["error"]))
    if violations:
        lines = []
        for v in violations:
            nodes = "; ".join(" ".join(n["target"]) if isinstance(n["target"][0], str) else str(n["target"])
                              for n in v["nodes"][:5])
            lines.append("  %s (%s): %s -- %s" % (v["id"], v["impact"], v["help"], nodes))
        raise Failure("%s: axe-core found %d violation(s):\n%s" % (page_name, len(violations), "\n".join(lines)))


def shot(driver, folder, name):
    """A screenshot of the whole page (its full height) kept as FOLDER/NAME.png."""
    os.makedirs(folder, exist_ok=True)
    height = driver.execute_script("return Math.max(document.body.scrollHeight, 900)")
    size = driver.get_window_size()
    driver.set_window_size(size["width"], min(height + 120, 6000))
    try:
        driver.save_screenshot(os.path.join(folder, name + ".png"))
    finally:
        driver.set_window_size(size["width"], size["height"])


def focused(driver):
    return driver.switch_to.active_element


def describe(el):
    return "<%s id=%r name=%r>%s" % (el.tag_name, el.get_attribute("id"), el.get_attribute("name"),
                                    (el.text or "")[:40])


def tab_to(driver, matches, what, limit=300):
    """Presses Tab from where the focus is until `matches(element)`; the keyboard alone reaches it
    or this raises. Returns the focused element."""
    for _ in range(limit):
        el = focused(driver)
        if matches(el):
            return el
        el.send_keys(Keys.TAB)
    raise Failure("the keyboard never reached %s (Tab pressed %d times; the focus is on %s)"
                  % (what, limit, describe(focused(driver))))


def by_id(ident):
    return lambda el: el.get_attribute("id") == ident


def wait_for(cond, what, timeout=20.0, step=0.05):
    """Polls cond() until it is true (returns its value) or raises after timeout seconds."""
    end = time.monotonic() + timeout
    while True:
        try:
            v = cond()
        except WebDriverException:
            v = None
        if v:
            return v
        if time.monotonic() > end:
            raise Failure("%s did not happen within %.0f s" % (what, timeout))
        time.sleep(step)


def text_of(driver, css):
    els = driver.find_elements(By.CSS_SELECTOR, css)
    return els[0].text if els else ""
