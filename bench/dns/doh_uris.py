#!/usr/bin/env python3
# doh_uris.py QUERIES OUT: the dnsperf query file QUERIES ("name type" a line) as DoH GET
# URIs for h2load -i (RFC 8484: https://127.0.0.1:PORT/dns-query?dns=BASE64URL, the query
# with ID 0 and RD set, no padding), PORT left as the word PORT for the caller to fill in.
import base64
import struct
import sys

TYPES = {'A': 1, 'NS': 2, 'CNAME': 5, 'SOA': 6, 'PTR': 12, 'MX': 15, 'TXT': 16, 'AAAA': 28,
         'SRV': 33, 'DS': 43, 'DNSKEY': 48, 'HTTPS': 65, 'ANY': 255}
with open(sys.argv[1]) as f, open(sys.argv[2], 'w') as out:
    for line in f:
        parts = line.split()
        if len(parts) < 2:
            continue
        q = struct.pack('>HHHHHH', 0, 0x0100, 1, 0, 0, 0)
        for label in parts[0].rstrip('.').split('.'):
            q += bytes([len(label)]) + label.encode()
        q += b'\0' + struct.pack('>HH', TYPES[parts[1].upper()], 1)
        out.write('https://127.0.0.1:PORT/dns-query?dns=' +
                  base64.urlsafe_b64encode(q).rstrip(b'=').decode() + '\n')
