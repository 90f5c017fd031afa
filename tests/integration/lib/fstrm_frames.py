#!/usr/bin/env python3
# fstrm_frames.py FILE PROTO_DIR -- print each data frame of a Frame Streams file
# (fstrm_capture -w) decoded by protoc against dnstap.proto in PROTO_DIR, one line each.
# BIND 9.18's dnstap-read predates dnstap's `policy` field; protoc (protobuf-compiler)
# decodes every field the schema names. Control frames (a zero length, then the frame's
# own length) are skipped.
import struct
import subprocess
import sys

data = open(sys.argv[1], "rb").read()
i = 0
while i + 4 <= len(data):
    (n,) = struct.unpack(">I", data[i:i + 4])
    i += 4
    if n == 0:
        (c,) = struct.unpack(">I", data[i:i + 4])
        i += 4 + c
        continue
    out = subprocess.run(["protoc", "--decode=dnstap.Dnstap", "--proto_path=" + sys.argv[2],
                          "dnstap.proto"], input=data[i:i + n], capture_output=True,
                         check=True).stdout.decode()
    print(" ".join(out.split()))
    i += n
