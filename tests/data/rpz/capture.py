#!/usr/bin/env python3
"""capture.py -- write the query kdig sends into FILE, to make the request vectors of
tests/unit/test_rpz.c and the seeds of fuzz_rpz:
    python3 capture.py [--tcp] FILE KDIG-ARGS...
binds a loopback port, runs kdig @127.0.0.1 -p PORT KDIG-ARGS against it, keeps the first
query (UDP, or TCP with --tcp) and answers nothing (kdig then gives up)."""
import socket
import subprocess
import sys

tcp = sys.argv[1] == "--tcp"
args = sys.argv[2:] if tcp else sys.argv[1:]
out, kargs = args[0], args[1:]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
if tcp:
    s.listen(1)
s.settimeout(10)
k = subprocess.Popen(["kdig", "@127.0.0.1", "-p", str(port)] + kargs +
                     ["+retry=0", "+timeout=1"], stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
if tcp:
    c, _ = s.accept()
    c.settimeout(10)
    data = b""
    while len(data) < 2 or len(data) < 2 + int.from_bytes(data[:2], "big"):
        chunk = c.recv(65536)
        if not chunk:
            break
        data += chunk
    msg = data[2:2 + int.from_bytes(data[:2], "big")]
    c.close()
else:
    msg, _ = s.recvfrom(65536)
k.kill()
k.wait()
with open(out, "wb") as f:
    f.write(msg)
