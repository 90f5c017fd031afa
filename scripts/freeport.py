#!/usr/bin/env python3
"""Print a port on 127.0.0.1 that is free for both UDP and TCP (for tests and benchmarks
that start servers on loopback).

Two rules keep parallel tests from colliding:
- the port is drawn below the kernel's ephemeral range (net.ipv4.ip_local_port_range), so
  no client socket (dig, curl, an upstream query) is given it by the kernel between this
  script and the server's bind;
- the port is claimed with a file created exclusively in a shared folder, so that two
  tests running at once never get the same port. Claims older than an hour are taken back.
"""
import errno
import os
import random
import socket
import time

CLAIMS = os.environ.get("ISP_PORT_CLAIMS", "/tmp/ispshield-test-ports")
MAX_AGE = 3600


def ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def bindable(p):
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            return False
        finally:
            s.close()
    return True


def claim(p):
    path = os.path.join(CLAIMS, str(p))
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        return True
    except OSError as e:
        if e.errno != errno.EEXIST:
            raise
    try:
        if time.time() - os.stat(path).st_mtime > MAX_AGE:
            os.utime(path)  # an old claim: take it over
            return True
    except OSError:
        pass
    return False


def main():
    os.makedirs(CLAIMS, mode=0o1777, exist_ok=True)
    hi = min(ephemeral_low(), 65536)
    lo = 10000 if hi > 12000 else 1024
    rnd = random.SystemRandom()
    for _ in range(10000):
        p = rnd.randrange(lo, hi)
        if bindable(p) and claim(p):
            print(p)
            return
    raise SystemExit("freeport: no free port found")


main()
