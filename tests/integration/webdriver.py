"""The small W3C WebDriver client the browser tests share (python3's urllib only: no
Selenium, no pip): chromedriver's HTTP API, a headless Chromium session with the flags that
keep it quiet and local, and ok/FAIL check lines. Used by browser.py (the proxy's warning
page) and status_browser.py (the status page)."""
import json
import os
import sys
import time
import urllib.error
import urllib.request

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C element reference key


class Checks:
    """Prints one "ok"/"FAIL" line per check and counts the failures."""

    def __init__(self):
        self.failed = 0

    def check(self, what, cond, detail=""):
        if cond:
            print("ok   %s" % what, flush=True)
        else:
            self.failed += 1
            print("FAIL %s %s" % (what, detail), file=sys.stderr, flush=True)
        return cond


class Driver:
    """chromedriver listening on 127.0.0.1:port."""

    def __init__(self, port):
        self.base = "http://127.0.0.1:%s" % port

    def call(self, method, path, body=None, timeout=30):
        """One WebDriver command; returns its "value" or raises RuntimeError."""
        data = json.dumps(body if body is not None else {}).encode() if method == "POST" else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.load(r)["value"]
        except urllib.error.HTTPError as e:
            raise RuntimeError("%s %s: %s" % (method, path, e.read()[:500].decode(errors="replace")))

    def new_session(self, profile, args=(), prefs=None, extensions=False):
        """A fresh headless Chromium with its own profile folder; extra command-line args.
        extensions: leave extensions on (for --load-extension; chromedriver's own
        --disable-extensions is excluded too). Returns the session path ("/session/ID")."""
        caps = {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": {"pageLoad": 20000, "script": 10000, "implicit": 0},
            "goog:chromeOptions": {
                "binary": os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--user-data-dir=%s" % profile,
                    "--window-size=1000,1100", "--no-first-run", "--no-default-browser-check",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-extensions", "--disable-default-apps",
                    "--disable-domain-reliability", "--disable-client-side-phishing-detection",
                    "--disable-features=Translate,OptimizationHints,MediaRouter,"
                    "HttpsUpgrades,HttpsFirstBalancedModeAutoEnable",
                ] + list(args),
                "prefs": prefs or {},
            },
        }
        if extensions:
            opts = caps["goog:chromeOptions"]
            opts["args"] = [a for a in opts["args"] if a != "--disable-extensions"]
            opts["excludeSwitches"] = ["disable-extensions"]
        last = None
        for attempt in range(3):  # a cold Chromium start can miss chromedriver's deadline
            try:
                sid = self.call("POST", "/session", {"capabilities": {"alwaysMatch": caps}},
                                timeout=60)["sessionId"]
                return "/session/" + sid
            except (RuntimeError, OSError) as e:
                last = e
                time.sleep(1 + attempt)
        raise RuntimeError("no browser session: %s" % last)

    def js(self, s, script, *args):
        return self.call("POST", s + "/execute/sync", {"script": script, "args": list(args)})

    def screenshot(self, s, path):
        import base64
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.call("GET", s + "/screenshot")))

    def close(self, s):
        try:
            self.call("DELETE", s, timeout=20)
        except (RuntimeError, OSError):
            pass


def wait_for(fn, seconds=60):
    """Polls fn() until it returns something true or the time is up (a bound for a busy
    machine, not a figure); returns the last value."""
    end = time.time() + seconds
    v = None
    while time.time() < end:
        try:
            v = fn()
        except RuntimeError:
            v = None
        if v:
            return v
        time.sleep(0.2)
    return v
