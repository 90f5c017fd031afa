#!/usr/bin/env python3
"""Sequential TLS 1.3 client: opens N+WARM connections to 127.0.0.1:PORT,
handshake + 'ping' + read 'pong', keeps every socket open until killed."""
import socket, ssl, sys, time
port, total = int(sys.argv[1]), int(sys.argv[2])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
keep = []
for i in range(total):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    t = ctx.wrap_socket(s, server_hostname="localhost")
    t.sendall(b"ping\n")
    d = t.recv(64)
    assert d == b"pong\n", d
    keep.append(t)
print("CLIENT_DONE", len(keep), flush=True)
time.sleep(3600)
