#!/usr/bin/env python3
"""Copy the readers' table cases (tests/data/<reader>/NAME.in) into the fuzz seed corpora
(fuzz/corpus/<reader>/SHA1), with the leading byte each fuzz target reads as its options
(the format, and for lists an origin / for sessions a max_skew in the high bit), so that
every case a test checks is also where the fuzzer starts. Files already there are kept.
Run from the repository root: python3 tests/readers/seed-corpus.py"""
import hashlib, os, sys

FORMATS = {
    "listfmt": ["auto", "plain", "hosts", "rpz", "urlhaus", "feodo", "csv", "stix", "misp"],
    "sessfmt": ["auto", "detail", "radcsv", "dhcpd", "kea"],
    "evfmt": ["auto", "csv", "shadowserver", "scan_dns"],
}
VALUE_KINDS = {"value-domain": 1, "domain": 1, "value-url": 2, "value-ip": 3, "prefix": 3}


def opts(want):
    o = {}
    for line in open(want, encoding="utf-8", errors="replace"):
        if line.startswith("%"):
            for tok in line[1:].split():
                k, _, v = tok.partition("=")
                o[k] = v
    return o


def unescape(s):
    out = bytearray()
    b = s.encode("utf-8")
    i = 0
    while i < len(b):
        if b[i:i + 2] == b"\\t":
            out += b"\t"; i += 2
        elif b[i:i + 2] == b"\\0":
            out += b"\0"; i += 2
        elif b[i:i + 2] == b"\\\\":
            out += b"\\"; i += 2
        elif b[i:i + 2] == b"\\x" and i + 4 <= len(b):
            out.append(int(b[i + 2:i + 4], 16)); i += 4
        else:
            out.append(b[i]); i += 1
    return bytes(out)


def seeds(reader, path, want):
    data = open(path, "rb").read()
    if reader == "subfmt":
        return [data]
    if reader == "listvalue":
        res = []
        for line in data.decode("utf-8").split("\n"):
            op, _, val = line.partition(" ")
            if op in VALUE_KINDS:
                res.append(bytes([VALUE_KINDS[op] - 1]) + unescape(val))
        return res
    o = opts(want)
    names = FORMATS[reader]
    f = o.get("format", "auto")
    # evfmt: a Shadowserver report type by name reads as shadowserver
    b = names.index(f) if f in names else names.index("shadowserver") if "shadowserver" in names else 0
    if o.get("origin") or o.get("max_skew") == "300":
        b |= 0x80
    return [bytes([b]) + data]


added = 0
for reader in ["listfmt", "listvalue", "sessfmt", "evfmt", "subfmt"]:
    d = os.path.join("tests/data", reader)
    corpus = os.path.join("fuzz/corpus", reader)
    os.makedirs(corpus, exist_ok=True)
    for name in sorted(os.listdir(d)):
        if not name.endswith(".in"):
            continue
        want = os.path.join(d, name[:-3] + ".want")
        for s in seeds(reader, os.path.join(d, name), want):
            dst = os.path.join(corpus, hashlib.sha1(s).hexdigest())
            if not os.path.exists(dst):
                open(dst, "wb").write(s)
                added += 1
print("added %d seeds" % added, file=sys.stderr)
