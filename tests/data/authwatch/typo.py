#!/usr/bin/env python3
"""Writes typo_background.log and typo_attacks.log (JSON lines), the scenarios of issue 16's
third wrong answer: subscribers of the ISP's own ranges (100.64.0.0/10, the .args) who
mistype a password now and then.

typo_background: one hour of it, and nothing is an attack.
  - 600 subscribers in 100.64.1.0 - 100.64.3.255 fail once (a few twice, one with Dovecot's
    "2 attempts") and log in from the same address 3 to 90 s later: about 100 a ten minutes,
    some 200 per /24 -- a stuffing wave and a spraying /24 each, unless withdrawn as typos;
  - 300 subscribers log in without a failure;
  - 12 subscribers of 100.64.9.0/24 fail once and give up (each from its own address): 12
    accounts failing from one own /24 in an hour, no spraying network by default;
  - one subscriber from outside (a hotel, 198.51.100.23) mistypes once.
typo_attacks: the same background, and the attacks, which must all still be found:
  - brute force: victim@isp.example, 12 failures from 198.51.100.66 in a minute, then a hit;
  - spray: 203.0.113.50 tries 12 accounts once each;
  - spray from an own address: 100.64.5.77 tries 12 accounts once each;
  - stuffing: 150 accounts failing once from 40 sources (198.18.N.5) within 8 minutes.
Run from this folder: python3 typo.py (deterministic).
"""
import json
import random

T0 = 1795338000  # 2026-11-22T09:00:00Z


def rec(t, user, src, result, service="imap", count=None):
    o = {"time": t, "user": user, "source": src, "result": result, "service": service}
    return (t, json.dumps(o, separators=(",", ":")))


def background(rng):
    out = []
    for i in range(600):
        t = T0 + rng.randrange(3600 - 120)
        ip = "100.64.%d.%d" % (1 + i % 3, 1 + i // 3 % 254)
        user = "sub%04d@isp.example" % i
        fails = 2 if i % 50 == 7 else 1
        for k in range(fails):
            out.append(rec(t + k * 4, user, ip, "fail"))
        out.append(rec(t + fails * 4 + rng.randrange(3, 90), user, ip, "ok"))
    for i in range(300):
        ip = "100.64.%d.%d" % (4 + i % 2, 1 + i % 250)
        out.append(rec(T0 + rng.randrange(3600), "quiet%04d@isp.example" % i, ip, "ok"))
    for i in range(12):
        out.append(rec(T0 + 300 * i + 17, "forgot%02d@isp.example" % i, "100.64.9.%d" % (10 + i),
                       "fail"))
    out.append(rec(T0 + 1000, "roamer@isp.example", "198.51.100.23", "fail"))
    out.append(rec(T0 + 1020, "roamer@isp.example", "198.51.100.23", "ok"))
    return out


def attacks():
    out = []
    for k in range(12):
        out.append(rec(T0 + 600 + 5 * k, "victim@isp.example", "198.51.100.66", "fail", "web"))
    out.append(rec(T0 + 662, "victim@isp.example", "198.51.100.66", "ok", "web"))
    for k in range(12):
        out.append(rec(T0 + 900 + 120 * k, "target%02d@isp.example" % k, "203.0.113.50", "fail"))
        out.append(rec(T0 + 960 + 120 * k, "mate%02d@isp.example" % k, "100.64.5.77", "fail"))
    for k in range(150):
        out.append(rec(T0 + 2000 + 3 * k, "member%03d@isp.example" % k, "198.18.%d.5" % (k % 40),
                       "fail", "web"))
    return out


def write(name, lines):
    lines.sort(key=lambda x: x[0])  # stable: a failure keeps its place before its success
    with open(name, "w") as f:
        for _, line in lines:
            f.write(line + "\n")


bg = background(random.Random(16))
write("typo_background.log", list(bg))
write("typo_attacks.log", bg + attacks())
