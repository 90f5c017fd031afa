#!/usr/bin/env python3
"""Headless Chromium as the ground truth of `ispshield crawl` (crawl_browser.sh, and
bench/crawl/run.sh for its chains per second): load start URLs one after the other in one
session, wait for each chain to reach its last page (title "landing": every fixture chain
used here ends on one), then close the browser and read Chromium's own network log
(--log-net-log, written by the network service) for the requests it made.

Prints each URL Chromium requested (URL_REQUEST_START_JOB, redirects included: each hop
is a job of its own), one a line, without /favicon.ico; on stderr, "visits: N in S s" (the
loads alone, without the browser's start and exit). Exits 1 when a chain did not reach
its landing page, 2 when the browser could not be driven at all.

Usage: crawl_browser.py DRIVER_PORT NETLOG PROFILE_DIR URL...
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webdriver import Driver, wait_for  # noqa: E402

DRIVER, NETLOG, PROFILE = sys.argv[1:4]
URLS = sys.argv[4:]


def netlog_urls(path):
    """The URLs of the URL_REQUEST_START_JOB events of a net-log file (a file Chromium did
    not finish -- no closing brackets -- is read up to its last whole event)."""
    text = open(path, encoding="utf-8", errors="replace").read().rstrip()
    try:
        log = json.loads(text)
    except ValueError:
        cut = text.rfind("},")
        log = json.loads(text[:cut + 1] + "]}")
    types = log["constants"]["logEventTypes"]
    start = types["URL_REQUEST_START_JOB"]
    urls = []
    for e in log.get("events", []):
        if e.get("type") == start and e.get("phase") == 1:  # PHASE_BEGIN
            u = e.get("params", {}).get("url")
            if u and not u.endswith("/favicon.ico"):
                urls.append(u)
    return urls


def main():
    drv = Driver(DRIVER)
    try:
        s = drv.new_session(PROFILE, ["--log-net-log=%s" % NETLOG,
                                      "--net-log-capture-mode=Default",
                                      "--disable-popup-blocking"])
    except (RuntimeError, OSError) as e:
        print("crawl_browser.py: no browser session: %s" % e, file=sys.stderr)
        return 2
    failed = 0
    t0 = time.monotonic()
    try:
        for u in URLS:
            try:
                drv.call("POST", s + "/url", {"url": u})
            except RuntimeError as e:  # a download or a slow chain: wait for the title
                print("crawl_browser.py: %s: %s" % (u, e), file=sys.stderr)
            if not wait_for(lambda: drv.call("GET", s + "/title") == "landing"):
                print("crawl_browser.py: %s did not reach its landing page" % u,
                      file=sys.stderr)
                failed = 1
        print("visits: %d in %.3f s" % (len(URLS), time.monotonic() - t0), file=sys.stderr)
    finally:
        drv.close(s)
    try:
        for u in netlog_urls(NETLOG):
            print(u)
    except (OSError, ValueError, KeyError) as e:
        print("crawl_browser.py: %s: %s" % (NETLOG, e), file=sys.stderr)
        return 2
    return failed


sys.exit(main())
