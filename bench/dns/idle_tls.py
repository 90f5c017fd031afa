#!/usr/bin/env python3
"""Open many idle DoT or DoH connections to a server and hold them (bench/dns/idle.sh).

usage: idle_tls.py HOST PORT COUNT dot|doh NAME

Each connection does the TLS handshake (ALPN "dot", or "h2" for DoH), then one query
for NAME (DoT: a length-prefixed DNS message; DoH: the HTTP/2 preface, SETTINGS and a
GET /dns-query?dns=...) and reads its answer, as a stub resolver does before it goes
quiet. Then every connection stays open, idle. Prints "open N" once they all are, then
waits for a line on stdin (or its end) and closes them. At most 200 handshakes at once.
"""
import asyncio
import base64
import os
import ssl
import struct
import sys


def dns_query(name, qid):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack(">HH", 1, 1)


def hpack_literal(name, value):
    # literal header field without indexing, new name (RFC 7541 section 6.2.2)
    out = b"\x00"
    for s in (name, value):
        b = s.encode()
        assert len(b) < 127
        out += bytes([len(b)]) + b
    return out


def h2_frame(ftype, flags, sid, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", sid) + payload


async def read_h2_answer(reader):
    # frames until a DATA frame with END_STREAM on stream 1 (or HEADERS with it)
    while True:
        hd = await reader.readexactly(9)
        n = int.from_bytes(hd[:3], "big")
        ftype, flags = hd[3], hd[4]
        sid = int.from_bytes(hd[5:9], "big") & 0x7FFFFFFF
        await reader.readexactly(n)
        if sid == 1 and ftype in (0, 1) and flags & 1:
            return
        if ftype == 7:
            raise ConnectionError("GOAWAY")


async def one(host, port, mode, name, ctx, sem, conns, i):
    async with sem:
        reader, writer = await asyncio.open_connection(host, port, ssl=ctx)
        if mode == "dot":
            q = dns_query(name, i & 0xFFFF)
            writer.write(struct.pack(">H", len(q)) + q)
            n = struct.unpack(">H", await reader.readexactly(2))[0]
            await reader.readexactly(n)
        else:
            dq = base64.urlsafe_b64encode(dns_query(name, 0)).rstrip(b"=").decode()
            hdrs = (hpack_literal(":method", "GET") + hpack_literal(":scheme", "https")
                    + hpack_literal(":authority", host)
                    + hpack_literal(":path", "/dns-query?dns=" + dq)
                    + hpack_literal("accept", "application/dns-message"))
            writer.write(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + h2_frame(4, 0, 0, b"")
                         + h2_frame(1, 0x5, 1, hdrs))
            await read_h2_answer(reader)
            writer.write(h2_frame(4, 1, 0, b""))  # ack the server's SETTINGS
        conns.append(writer)


async def main():
    host, port, count, mode, name = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["dot"] if mode == "dot" else ["h2"])
    sem = asyncio.Semaphore(200)
    conns = []
    results = await asyncio.gather(*(one(host, port, mode, name, ctx, sem, conns, i) for i in range(count)),
                                   return_exceptions=True)
    failed = [r for r in results if isinstance(r, BaseException)]
    print(f"open {len(conns)} failed {len(failed)}" + (f" ({failed[0]!r})" if failed else ""), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    os._exit(0)  # the kernel closes them all at once (asyncio's TLS shutdown is slow)


asyncio.run(main())
