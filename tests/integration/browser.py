#!/usr/bin/env python3
"""Drive headless Chromium through `ispshield proxy` with chromedriver's W3C WebDriver HTTP
API (python3's urllib only: no Selenium, no pip). Used by proxy_browser.sh, which starts the
proxy, the upstream site and chromedriver, all on loopback.

For each language (ja, then en) a fresh browser session, proxied, with that language:
  1. an allowed page loads through the proxy (its title);
  2. the listed URL shows the warning page in that language (html lang, title, texts, the
     URL and the list named), screenshot warning-LANG.png;
  3. clicking "continue anyway" loads the real page (its title and text), whose address
     carries the signed permission, screenshot continued-LANG.png;
  4. the listed URL without the permission warns again.
Prints one "ok"/"FAIL" line per check; exits 1 if any failed, 2 if the browser could not be
driven at all.

Usage: browser.py DRIVER_PORT PROXY_PORT SITE_BASE LISTED_PATH OUT_DIR PROFILE_DIR
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webdriver import ELEMENT, Checks, Driver, wait_for  # noqa: E402

DRIVER, PROXY, SITE, LISTED, OUT, PROFILE = sys.argv[1:7]
REAL_TITLE = "ispshield browser test: the real page"
TEXTS = {
    "ja": {"title": "警告: マルウェア配布サイト", "h1": "このページはマルウェアを配布しています",
           "go": "それでも開く", "list": "テスト用マルウェアサイトリスト"},
    "en": {"title": "Warning: malware distribution site", "h1": "This page distributes malware",
           "go": "continue anyway", "list": "Test list of malware sites"},
}
drv = Driver(DRIVER)
call = drv.call
checks = Checks()
check = checks.check


def new_session(lang):
    return drv.new_session("%s/%s" % (PROFILE, lang), [
        "--proxy-server=http://127.0.0.1:%s" % PROXY,
        # Chromium sends localhost and 127.0.0.1 direct by default; this rule
        # removes that exception, so the loopback site goes through the proxy
        "--proxy-bypass-list=<-loopback>",
        "--lang=%s" % lang, "--accept-lang=%s" % lang,
    ], {"intl.accept_languages": lang})


def run(lang):
    t = TEXTS[lang]
    s = new_session(lang)
    js = lambda script: drv.js(s, script)
    shot = lambda name: drv.screenshot(s, os.path.join(OUT, name))
    try:
        call("POST", s + "/url", {"url": SITE + "/allowed.html"})
        check("[%s] allowed page loads through the proxy" % lang,
              call("GET", s + "/title") == "ispshield browser test: allowed")
        check("[%s] browser asks for %s" % (lang, lang),
              js("return navigator.language").startswith(lang), js("return navigator.languages"))

        listed = SITE + LISTED
        call("POST", s + "/url", {"url": listed})
        title = call("GET", s + "/title")
        body = js("return document.body ? document.body.innerText : ''")
        check("[%s] listed URL: warning page title" % lang, title == t["title"], repr(title))
        check("[%s] warning page in %s (html lang)" % (lang, lang),
              js("return document.documentElement.lang") == lang)
        check("[%s] warning page text" % lang, t["h1"] in body, body[:300])
        check("[%s] warning page names the URL and the list (its display name)" % lang,
              listed in body and t["list"] in body, body[:600])
        check("[%s] ... never the list's internal name" % lang,
              "browser-test-urls" not in body, body[:600])
        check("[%s] real page not shown" % lang, "REAL-PAGE-BODY" not in body)
        shot("warning-%s.png" % lang)

        go = call("POST", s + "/element", {"using": "css selector", "value": "#continue"})
        check("[%s] continue link text" % lang,
              t["go"] in call("GET", s + "/element/%s/text" % go[ELEMENT]))
        call("POST", s + "/element/%s/click" % go[ELEMENT])
        loaded = wait_for(lambda: call("GET", s + "/title") == REAL_TITLE)
        check("[%s] continue: the real page loads" % lang, loaded, repr(call("GET", s + "/title")))
        body = js("return document.body ? document.body.innerText : ''")
        check("[%s] continue: real page content" % lang, "REAL-PAGE-BODY" in body, body[:200])
        here = call("GET", s + "/url")
        check("[%s] continue: address carries the permission" % lang,
              here.startswith(listed + "?ispshield-continue="), here)
        shot("continued-%s.png" % lang)

        call("POST", s + "/url", {"url": listed})
        check("[%s] listed URL without the permission warns again" % lang,
              call("GET", s + "/title") == t["title"])
    finally:
        drv.close(s)


def main():
    for lang in ("ja", "en"):
        try:
            run(lang)
        except (RuntimeError, OSError, KeyError, TypeError) as e:
            check("[%s] browser driven" % lang, False, str(e))
    sys.exit(1 if checks.failed else 0)


main()
