#!/usr/bin/env python3
"""Check X-ARF mails: each message of the mboxes (or single message files) given must be
multipart/report; report-type=xarf with a text/plain part and an application/json part,
and the JSON must validate against the X-ARF v4 master schema (tests/data/xarf/v4, with
its relative $refs resolved from those files). Prints one line per report:
  TO | category/type | source_identifier[:port] | tags | required type fields
and exits 1 at the first message that fails (with the reason).
Usage: xarf_check.py SCHEMA_DIR FILE..."""
import email, email.policy, json, mailbox, os, sys

import jsonschema

schema_dir = sys.argv[1]
BASE = "https://xarf.org/schemas/v4/"
docs = {}
for root, _, files in os.walk(schema_dir):
    for f in files:
        if f.endswith(".json"):
            p = os.path.join(root, f)
            d = json.load(open(p))
            rel = os.path.relpath(p, schema_dir).replace(os.sep, "/")
            docs[BASE + rel] = d
            if "$id" in d:
                docs[d["$id"]] = d
master = docs[BASE + "xarf-v4-master.json"]
cls = jsonschema.validators.validator_for(master)
fc = cls.FORMAT_CHECKER if hasattr(cls, "FORMAT_CHECKER") else jsonschema.FormatChecker()
try:  # jsonschema >= 4.18: the referencing library
    import referencing
    reg = referencing.Registry().with_resources(
        (u, referencing.Resource.from_contents(d)) for u, d in docs.items())
    validator = cls(master, registry=reg, format_checker=fc)
except ImportError:  # Debian bookworm's 4.10: RefResolver with a store
    resolver = jsonschema.RefResolver(BASE + "xarf-v4-master.json", master, store=docs)
    validator = cls(master, resolver=resolver, format_checker=fc)


def messages(path):
    with open(path, "rb") as f:
        head = f.read(5)
    if head == b"From ":
        for m in mailbox.mbox(path):
            yield email.message_from_bytes(m.as_bytes(), policy=email.policy.default)
    else:
        raw = open(path, "rb").read()
        i = raw.find(b"From: ")  # smtp-sink writes envelope lines first
        yield email.message_from_bytes(raw[max(i, 0):], policy=email.policy.default)


def fail(why):
    print("FAIL:", why)
    sys.exit(1)


n = 0
for path in sys.argv[2:]:
    for m in messages(path):
        n += 1
        where = "%s: message %s" % (path, m["Message-ID"])
        if m.get_content_type() != "multipart/report":
            fail("%s is %s, not multipart/report" % (where, m.get_content_type()))
        if m.get_param("report-type") != "xarf":
            fail("%s: report-type is %r" % (where, m.get_param("report-type")))
        parts = list(m.iter_parts())
        if len(parts) != 2 or parts[0].get_content_type() != "text/plain" \
                or parts[1].get_content_type() != "application/json":
            fail("%s: parts %s" % (where, [p.get_content_type() for p in parts]))
        human = parts[0].get_content()
        if not human.strip():
            fail("%s: empty human-readable part" % where)
        report = json.loads(parts[1].get_content())
        errors = sorted(validator.iter_errors(report), key=lambda e: list(e.path))
        if errors:
            fail("%s: %s at %s" % (where, errors[0].message, list(errors[0].path)))
        t = report["type"]
        extra = {"botnet": "compromise_evidence", "malware": "url", "open_service": "service",
                 "misconfiguration": "service", "login_attack": "protocol",
                 "threat_intelligence": "threat_type"}.get(t)
        port = ":%d" % report["source_port"] if "source_port" in report else ""
        print("%s | %s/%s | %s%s | %s | %s" % (
            m["To"], report["category"], t, report["source_identifier"], port,
            ",".join(report.get("tags", [])), report.get(extra, "") if extra else ""))
if n == 0:
    fail("no messages")
