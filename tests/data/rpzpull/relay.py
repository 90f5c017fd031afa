#!/usr/bin/env python3
"""relay.py LISTEN-PORT SERVER-PORT DIR -- a loopback TCP relay that records DNS
conversations: each connection to 127.0.0.1:LISTEN-PORT is forwarded to
127.0.0.1:SERVER-PORT, and every byte either way is appended, in the order it passes, to
DIR/conv-N.bin (the 2-byte-length-framed queries and answers, as the seeds of
fuzz/fuzz_rpzpull.c want them). Run by tests/integration/rpz_pull.sh with RPZPULL_SEEDS."""
import os
import selectors
import socket
import sys

listen_port, server_port, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", listen_port))
ls.listen(8)
n = 0
while True:
    c, _ = ls.accept()
    s = socket.create_connection(("127.0.0.1", server_port))
    n += 1
    with open(os.path.join(out, "conv-%d.bin" % n), "wb") as f:
        sel = selectors.DefaultSelector()
        sel.register(c, selectors.EVENT_READ, s)
        sel.register(s, selectors.EVENT_READ, c)
        done = False
        while not done:
            for key, _ in sel.select():
                data = key.fileobj.recv(65536)
                if not data:
                    done = True
                    break
                f.write(data)
                key.data.sendall(data)
    c.close()
    s.close()
