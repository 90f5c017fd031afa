#!/usr/bin/env python3
"""Load the status page of `ispshield status` in headless Chromium (chromedriver, W3C
WebDriver; see webdriver.py) and check it. Used by status_browser.sh.

  1. the page loads with basic auth (the Authorization header is set through the DevTools
     protocol, as a browser sends it after the login prompt) and has its title;
  2. every figure on the page (elements with data-fig="PATH") equals the figure at PATH in
     GET /api/status fetched at the same refresh (same "generated"), and there are many;
  3. the figures meet the expectations of EXPECT (JSON: {"figs": {PATH: [OP, VALUE]}, OP
     "==", ">", ">=", "<="; "absent": strings the page must not hold (e-mail addresses);
     "present": strings it must hold});
  4. the page loaded nothing from elsewhere (no external resource, no script), and has
     its SVG charts;
  5. a screenshot OUT/NAME.png of the whole page.
Prints one "ok"/"FAIL" line per check; exits 1 if any failed.

Usage: status_browser.py DRIVER_PORT BASE_URL USER PASSWORD EXPECT OUT_DIR NAME PROFILE
"""
import base64
import json
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webdriver import Checks, Driver  # noqa: E402

DRIVER, BASE, USER, PASSWORD, EXPECT, OUT, NAME, PROFILE = sys.argv[1:9]
AUTH = "Basic " + base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
drv = Driver(DRIVER)
checks = Checks()
check = checks.check


def api():
    req = urllib.request.Request(BASE + "/api/status", headers={"Authorization": AUTH})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def at(obj, path):
    """The figure at PATH ("a.b.0.c"; a leading "." is the top level)."""
    for part in path.lstrip(".").split("."):
        if isinstance(obj, list):
            i = int(part)
            obj = obj[i] if i < len(obj) else None
        elif isinstance(obj, dict):
            obj = obj.get(part)
        else:
            return None
    return obj


def shown(v):
    """How the page writes a figure (page.c fig_text)."""
    if v is None or isinstance(v, (dict, list)):
        return "-"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "%.1f" % v
    return str(v)


def page_figures(s):
    return dict(drv.js(s, "return Array.from(document.querySelectorAll('[data-fig]'))"
                          ".map(e => [e.dataset.fig, e.textContent]);"))


def main():
    exp = json.load(open(EXPECT))
    s = drv.new_session(PROFILE, ["--window-size=1200,900"])
    try:
        drv.call("POST", s + "/goog/cdp/execute", {"cmd": "Network.enable", "params": {}})
        drv.call("POST", s + "/goog/cdp/execute",
                 {"cmd": "Network.setExtraHTTPHeaders", "params": {"headers": {"Authorization": AUTH}}})
        # the page and the API agree when both come from one refresh: retry until they do
        # (bounded by time, not tries: on a busy machine a try can straddle a refresh often)
        deadline = time.monotonic() + 60
        while True:
            drv.call("POST", s + "/url", {"url": BASE + "/"})
            figs = page_figures(s)
            data = api()
            if figs.get(".generated") == str(data.get("generated")) or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        check("status page title", drv.call("GET", s + "/title") == "ispshield status",
              drv.call("GET", s + "/title"))
        check("page and API from the same refresh", figs.get(".generated") == str(data.get("generated")),
              "%s vs %s" % (figs.get(".generated"), data.get("generated")))
        diff = [(p, t, shown(at(data, p))) for p, t in sorted(figs.items()) if shown(at(data, p)) != t]
        check("%d figures on the page equal /api/status" % len(figs), not diff, repr(diff[:10]))
        check("the page shows many figures (%d)" % len(figs), len(figs) >= 40)
        for path, (op, want) in sorted(exp.get("figs", {}).items()):
            got = figs.get(path)
            if op == "==":
                ok = got == str(want)
            else:
                try:
                    g = float(got)
                except (TypeError, ValueError):
                    g = None
                ok = g is not None and {">": g > want, ">=": g >= want, "<=": g <= want}[op]
            check("page %s %s %s (is %s)" % (path, op, want, got), ok)
        text = drv.js(s, "return document.documentElement.outerHTML")
        for a in exp.get("absent", []):
            check("page does not show %r" % a, a not in text)
        body = drv.js(s, "return document.body.innerText")
        for p in exp.get("present", []):
            check("page shows %r" % p, p in body)
        res = drv.js(s, "return performance.getEntriesByType('resource').map(e => e.name)")
        ext = [r for r in res if not r.startswith(BASE + "/")]
        check("nothing loaded from elsewhere", ext == [], repr(res))
        check("no script on the page", drv.js(s, "return document.scripts.length") == 0)
        charts = drv.js(s, "return Array.from(document.querySelectorAll('svg.chart'))"
                           ".map(e => [e.id, e.querySelectorAll('polyline').length])")
        check("SVG charts drawn %r" % charts, len(charts) >= 4 and all(n > 0 for _, n in charts))
        h = drv.js(s, "return document.documentElement.scrollHeight")
        drv.call("POST", s + "/window/rect", {"width": 1200, "height": min(int(h) + 150, 6000)})
        drv.screenshot(s, os.path.join(OUT, NAME + ".png"))
    finally:
        drv.close(s)
    sys.exit(1 if checks.failed else 0)


try:
    main()
except (RuntimeError, OSError, KeyError, TypeError, ValueError) as e:
    check("browser driven", False, str(e))
    sys.exit(2)
