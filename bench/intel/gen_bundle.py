#!/usr/bin/env python3
"""gen_bundle.py N DIR -- the STIX benchmark's workload: N indicators as one STIX 2.1
bundle (DIR/bundle.json, one object a line as the STIX producers we know write it, each
shaped like the specification's indicator example) and the same N domain names as plain
text (DIR/plain.txt). Names are generated deterministically (seeded), so runs compare."""
import json, random, sys, uuid

n, d = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(22)
alpha = "abcdefghijklmnopqrstuvwxyz0123456789"
tlds = ["com", "net", "org", "info", "example", "biz", "top", "xyz"]
with open(d + "/bundle.json", "w") as b, open(d + "/plain.txt", "w") as p:
    b.write('{"type": "bundle", "id": "bundle--%s", "objects": [\n' % uuid.UUID(int=rnd.getrandbits(128), version=4))
    for i in range(n):
        name = "".join(rnd.choice(alpha) for _ in range(rnd.randint(8, 16))) + "." + rnd.choice(tlds)
        o = {"type": "indicator", "spec_version": "2.1",
             "id": "indicator--%s" % uuid.UUID(int=rnd.getrandbits(128), version=4),
             "created": "2024-03-01T12:00:00.000Z", "modified": "2024-03-01T12:00:00.000Z",
             "name": "C2 domain", "indicator_types": ["malicious-activity"],
             "pattern": "[domain-name:value = '%s']" % name, "pattern_type": "stix",
             "valid_from": "2024-03-01T12:00:00Z"}
        b.write(("," if i else "") + json.dumps(o, separators=(",", ":")) + "\n")
        p.write(name + "\n")
    b.write("]}\n")
