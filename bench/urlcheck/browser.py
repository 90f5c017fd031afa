#!/usr/bin/env python3
"""The extension's check per navigation inside headless Chromium (bench/urlcheck/run.sh).

The extension (a copy of clients/webext with bench/urlcheck/hook.js appended to its
service worker) is loaded into headless Chromium (chromedriver, the integration tests'
webdriver.py); from its warning.html page it asks the worker to update (the whole
1 M-prefix list from the running service), then sends batches of URLs to the hook, which
times the worker's own check(url) for each, its local part alone (core) and its config()
read alone (config). Prints check_, core_ and config_median_ms / _p99_ms,
local_hit_ratio, prefixes, urls.

Usage: browser.py DRIVER_PORT EXT_ID EXT_DIR PROFILE N_URLS
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "../../tests/integration"))
from webdriver import Driver, wait_for  # noqa: E402

DRIVER, EXT_ID, EXT_DIR, PROFILE, N = sys.argv[1:6]
N = int(N)
BATCH = 500  # URLs per message: well inside the script timeout on a loaded machine
EXT = "chrome-extension://%s/" % EXT_ID
drv = Driver(DRIVER)


def main():
    s = drv.new_session(PROFILE, ["--load-extension=%s" % EXT_DIR,
                                  "--disable-extensions-except=%s" % EXT_DIR],
                        extensions=True)
    try:
        drv.call("POST", s + "/timeouts", {"script": 300000})
        try:
            drv.call("POST", s + "/url", {"url": EXT + "warning.html"})
        except RuntimeError:
            pass
        wait_for(lambda: drv.call("GET", s + "/url").startswith(EXT), 30)
        r = wait_for(lambda: (drv.js(s, "return chrome.runtime.sendMessage({type: 'update'})")
                              or {}).get("ok") and 1, 120)
        if not r:
            raise RuntimeError("the extension did not take the prefix list")
        urls = ["https://www%d.site%d.example/path/%d/page.html?q=%d" % (i % 97, i, i, i)
                for i in range(N)]
        send = "return chrome.runtime.sendMessage({type: 'bench-check', urls: arguments[0]})"
        drv.js(s, send, urls[:BATCH])  # warm-up, not counted
        times, core, conf, local, prefixes = [], [], [], 0, 0
        for i in range(0, N, BATCH):
            r = drv.js(s, send, urls[i:i + BATCH])
            times += r["times"]
            core += r["core"]
            conf += r["conf"]
            local += r["local"]
            prefixes = r["prefixes"]
        for name, t in (("check", times), ("core", core), ("config", conf)):
            t.sort()
            print("%s_median_ms %.3f" % (name, t[len(t) // 2]))
            print("%s_p99_ms %.3f" % (name, t[int(len(t) * 0.99)]))
        print("local_hit_ratio %.4f" % (local / len(times)))
        print("prefixes %d" % prefixes)
        print("urls %d" % len(times))
    finally:
        drv.close(s)


if __name__ == "__main__":
    main()
