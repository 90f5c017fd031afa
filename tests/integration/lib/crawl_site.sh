# crawl_site.sh -- the fixture site that both headless Chromium and `ispshield crawl` load
# (integration.crawl_browser; bench/crawl/run.sh): sourced after testlib.sh.
# crawl_site_conf PORT ROOT: the nginx types and server block (127.0.0.1 and 127.0.0.2 on
# PORT) serving ROOT, a copy of tests/data/crawl/site (README there), with the HTTP hops
# of the ground-truth chain: /gt/a -302-> /gt/b -301-> (127.0.0.2) /gt/c -Refresh->
# /gt/meta.html -meta refresh-> /gt/js.html -location.href-> /gt/landing.html (a script
# and a hidden frame on the way); and the script-only chain /js2/a.html ... /js2/d.html.
# Every chain ends on a page titled "landing", the state the browser is waited for in.
# A query string on /gt/a is carried to /gt/c (/gt/a?i=N: distinct chains).
crawl_site_conf() {
  cat <<EOF
  types { text/html html; application/javascript js; }
  default_type text/html;
  server {
    listen 127.0.0.1:$1; listen 127.0.0.2:$1; root $2; server_tokens off;
    location = /gt/a { return 302 /gt/b\$is_args\$args; }
    location = /gt/b { return 301 http://127.0.0.2:$1/gt/c\$is_args\$args; }
    location = /gt/c { add_header Refresh "0; url=/gt/meta.html"; return 200 "relay\n"; }
  }
EOF
}

# crawl_pe_payload PATH: a 512-byte file with a PE header (MZ, PE\0\0, i386) and the text
# "ispshield test payload, not malware" -- what libmagic calls a PE executable and a test
# YARA rule can match; no real malware. (integration.crawl, integration.sites_crawl)
crawl_pe_payload() {
  python3 - "$1" <<'PY'
import struct, sys
b = bytearray(512); b[0:2] = b"MZ"; struct.pack_into("<I", b, 0x3c, 0x80)
b[0x80:0x84] = b"PE\0\0"; struct.pack_into("<HH", b, 0x84, 0x14c, 1)
struct.pack_into("<HHH", b, 0x94, 0xe0, 0x102, 0x10b)
b[0x1d8:] = b"ispshield test payload, not malware".ljust(40, b"\0")
open(sys.argv[1], "wb").write(b)
PY
}
