#!/usr/bin/env python3
"""Drive headless Chromium (new headless mode) with the ispshield extension loaded
(clients/webext, --load-extension) against `ispshield urlcheck` behind nginx, for
urlcheck.sh, which starts nginx (TLS with a test CA), the service and chromedriver.

  1. the extension fetched the prefix list (its storage holds a version);
  2. an unlisted page loads;
  3. a listed URL (https) shows the warning page: English, then Japanese (screenshots
     warning-en.png, warning-ja.png), with the list's display name in each language;
  4. "continue anyway" opens the real page (continued-en.png);
  5. a subdomain of a listed "*.wild.test" is warned; the allowlisted ok.wild.test loads;
  6. a listed download (a link with `download`, no navigation) is cancelled and the
     warning opens in a new tab (warning-download-en.png); the file is not saved;
  7. the list changes (CHANGE_CMD imports a new URL, compiles, prints the new version);
     the extension updates (by a difference) to that version; the newly listed URL is
     warned (warning-new-en.png).
Prints one "ok"/"FAIL" line per check; exits 1 if any failed, 2 if the browser could not
be driven at all.

Usage: urlcheck_browser.py DRIVER_PORT EXT_ID EXT_DIR SITE WILD_SITE OUT_DIR PROFILE SPKI CHANGE_CMD
                           DOWNLOAD_DIR
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webdriver import ELEMENT, Checks, Driver, wait_for  # noqa: E402

DRIVER, EXT_ID, EXT_DIR, SITE, WILD, OUT, PROFILE, SPKI, CHANGE, DOWNLOADS = sys.argv[1:11]
EXT = "chrome-extension://%s/" % EXT_ID
REAL_TITLE = "ispshield urlcheck test: the real page"
TEXTS = {
    "ja": {"h1": "このページはマルウェアを配布しています", "list": "テスト用マルウェアサイトリスト"},
    "en": {"h1": "This page distributes malware", "list": "Test list of malware sites"},
}
drv = Driver(DRIVER)
call = drv.call
checks = Checks()
check = checks.check


def url(s):
    return call("GET", s + "/url")


def text(s):
    return drv.js(s, "return document.body ? document.body.innerText : ''") or ""


def go(s, u):
    try:
        call("POST", s + "/url", {"url": u})
    except RuntimeError:
        pass  # the page may be replaced by the warning while it loads


def warned(s, lang="en"):
    """Waits until the tab shows the extension's warning page in lang; its text or None."""
    def on_page():
        t = text(s) if url(s).startswith(EXT + "warning.html") else ""
        return t if TEXTS[lang]["h1"] in t else None
    return wait_for(on_page, 30)


def ext_call(s, script):
    """Runs script (a promise) in an extension page, where chrome.* is at hand."""
    if not url(s).startswith(EXT):
        go(s, EXT + "warning.html")
        wait_for(lambda: url(s).startswith(EXT), 20)
    return drv.js(s, script)


def main():
    s = drv.new_session(PROFILE, [
        "--load-extension=%s" % EXT_DIR, "--disable-extensions-except=%s" % EXT_DIR,
        "--ignore-certificate-errors-spki-list=%s" % SPKI,
        "--host-resolver-rules=MAP *.test 127.0.0.1", "--lang=en", "--accept-lang=en",
    ], {"intl.accept_languages": "en", "download.default_directory": DOWNLOADS,
        "download.prompt_for_download": False}, extensions=True)
    try:
        # 1. the first update (onInstalled)
        go(s, EXT + "warning.html")
        v = wait_for(lambda: ext_call(s, "return chrome.storage.local.get('version')"
                                      ".then(v => v.version || null)"), 60)
        check("the extension holds the prefix list (version %s)" % v, bool(v))
        # 2. unlisted
        go(s, SITE + "/allowed.html")
        check("an unlisted page loads", wait_for(lambda: "allowed page" in text(s), 30),
              url(s))
        # 3. listed, both languages
        go(s, SITE + "/download/payload.html")
        t = warned(s)
        check("the listed https URL shows the warning page (en)", t, url(s))
        if t:
            check("it names the URL", SITE + "/download/payload.html" in t)
            check("it names the list by its display name (en)", TEXTS["en"]["list"] in t, t)
            check("it names the ISP", "Test ISP" in t, t)
            drv.screenshot(s, os.path.join(OUT, "warning-en.png"))
            page = url(s)
            go(s, page + "&lang=ja")
            t = warned(s, "ja")
            check("the warning page in Japanese", t, url(s))
            check("it names the list by its display name (ja)",
                  t and TEXTS["ja"]["list"] in t, t)
            drv.screenshot(s, os.path.join(OUT, "warning-ja.png"))
            # 4. continue anyway
            go(s, page)
            warned(s)
            el = call("POST", s + "/element", {"using": "css selector", "value": "#continue"})
            call("POST", s + "/element/%s/click" % el[ELEMENT])
            ok = wait_for(lambda: drv.js(s, "return document.title") == REAL_TITLE, 30)
            check("continue anyway opens the real page", ok, url(s))
            if ok:
                drv.screenshot(s, os.path.join(OUT, "continued-en.png"))
        # 5. domain entries
        go(s, WILD.replace("://", "://a.") + "/allowed.html")
        check("a subdomain of a listed *.wild.test is warned", warned(s), url(s))
        go(s, WILD.replace("://", "://ok.") + "/allowed.html")
        check("the allowlisted ok.wild.test loads", wait_for(lambda: "allowed page" in text(s), 30),
              url(s))
        # 6. a listed download: cancelled (or its file removed), the warning in a new tab
        # (chromedriver does not list tabs an extension opens: they are found with
        # chrome.tabs.query from an extension page, and the page is opened here again)
        go(s, SITE + "/links.html")
        wait_for(lambda: "tool" in text(s), 30)
        el = call("POST", s + "/element", {"using": "css selector", "value": "#dl"})
        call("POST", s + "/element/%s/click" % el[ELEMENT])
        tab = wait_for(lambda: ext_call(s, """return chrome.tabs.query({}).then(async (ts) => {
            for (const t of ts) {
              const id = new URL(t.url || 'about:blank').searchParams.get('id');
              const h = id && (await chrome.storage.session.get('hit:' + id))['hit:' + id];
              if (h && h.kind === 'download') return t.url;
            }
            return null;
          })"""), 30)
        check("a listed download opens the warning in a new tab", tab)
        if tab:
            go(s, tab)
            t = warned(s)
            check("it is the warning page, naming the download", t and "tool.zip" in t, t)
            if t:
                drv.screenshot(s, os.path.join(OUT, "warning-download-en.png"))
        check("the download's file is not kept",
              not os.path.exists(os.path.join(DOWNLOADS, "tool.zip")))
        # 7. a list change
        go(s, SITE + "/later/new.html")
        check("the not yet listed URL loads", wait_for(lambda: "new page" in text(s), 30), url(s))
        nv = subprocess.run(CHANGE, shell=True, capture_output=True, text=True).stdout.strip()
        check("the service has a new version (%s)" % nv, nv and nv != v)
        r = ext_call(s, "return chrome.runtime.sendMessage({type: 'update'})")
        check("the extension updated to it", r and r.get("version") == nv, r)
        go(s, SITE + "/later/new.html")
        t = warned(s)
        check("the newly listed URL is warned", t, url(s))
        if t:
            drv.screenshot(s, os.path.join(OUT, "warning-new-en.png"))
    finally:
        drv.close(s)
    return 1 if checks.failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as e:
        print("FAIL browser: %s" % e, file=sys.stderr)
        sys.exit(2)
