#!/usr/bin/env python3
"""A TAXII 2.1 collection for tests (loopback only): GET API-ROOT/collections/ID/objects/
as the TAXII 2.1 specification (OASIS, section 5.4) describes it -- the envelope
{"more", "next", "objects"}, added_after (objects added later than that time), next (the
opaque paging token this server hands out), X-TAXII-Date-Added-First/-Last headers, the
Accept media type application/taxii+json;version=2.1 (else 406) and HTTP basic or bearer
authentication (else 401). The collection is the JSON file COLLECTION, re-read on every
request: a list of {"date_added": RFC3339, "object": STIX object}. Each request is logged
(path and query, one line) to LOG.
Usage: taxii_server.py PORT COLLECTION LOG AUTH   (AUTH: the Authorization values taken,
separated by '|')"""
import json, sys, urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

port, coll_path, log_path, auth = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
PAGE = 2
MEDIA = "application/taxii+json;version=2.1"


class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, code, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", MEDIA)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        with open(log_path, "a") as f:
            f.write(self.path + "\n")
        if self.headers.get("Authorization") not in auth.split("|"):
            return self.reply(401, {"title": "Unauthorized"})
        if MEDIA not in (self.headers.get("Accept") or "").replace(" ", ""):
            return self.reply(406, {"title": "Not Acceptable"})
        if not u.path.endswith("/collections/c1/objects/"):
            return self.reply(404, {"title": "Not Found"})
        items = sorted(json.load(open(coll_path)), key=lambda i: i["date_added"])
        after = q.get("added_after", [""])[0]
        items = [i for i in items if i["date_added"] > after]
        start = int(q.get("next", ["p0"])[0][1:])
        page = items[start:start + PAGE]
        env = {"more": start + PAGE < len(items)}
        if env["more"]:
            env["next"] = "p%d" % (start + PAGE)
        if page:
            env["objects"] = [i["object"] for i in page]
        hdr = [("X-TAXII-Date-Added-First", page[0]["date_added"]),
               ("X-TAXII-Date-Added-Last", page[-1]["date_added"])] if page else []
        self.reply(200, env, hdr)


HTTPServer(("127.0.0.1", port), H).serve_forever()
