#!/usr/bin/env python3
"""Print a port on 127.0.0.1 that is free for both UDP and TCP (for tests and benchmarks
that start DNS servers on loopback)."""
import socket

while True:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    p = u.getsockname()[1]
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        t.bind(("127.0.0.1", p))
        print(p)
        break
    except OSError:
        pass
    finally:
        t.close()
        u.close()
