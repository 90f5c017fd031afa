#!/usr/bin/env bash
# Install the Debian packages ispshield needs to build, test and benchmark, when missing.
# Usage: scripts/deps.sh [build|test|bench]   (each level includes the ones before it)
# Runs apt-get only when something is missing; needs root (or sudo) then.
set -euo pipefail
level=${1:-test}
# libcurl: SMTP delivery of notices (and feed downloads later); libpcap-dev: darknet live
# capture; libmaxminddb-dev: darknet source countries; zlib1g-dev: darknet reads .gz
# captures.
pkgs=(build-essential cmake pkg-config libsqlite3-dev libidn2-dev libinih-dev libjansson-dev
      libcurl4-openssl-dev libpcap-dev libmaxminddb-dev zlib1g-dev)
# libpq-dev: the store's PostgreSQL back end (several DNS/proxy nodes, one notifier)
pkgs+=(libpq-dev)
# libsodium: Ed25519 signatures of list feeds (lists keygen/sign/publish/sync)
pkgs+=(libsodium-dev)
# libpsl-dev: sites find cuts a listed host to its registrable domain (the Public Suffix
# List that Debian keeps current in publicsuffix), the unit a site notice is about
pkgs+=(libpsl-dev)
# libmicrohttpd-dev: the HTTP server of the status page (ispshield status)
pkgs+=(libmicrohttpd-dev)
# libfstrm-dev, libprotobuf-c-dev, protobuf-c-compiler: the DNS service's dnstap output
# (Frame Streams of protobuf messages; protoc-c compiles third_party/dnstap/dnstap.proto)
pkgs+=(libfstrm-dev libprotobuf-c-dev protobuf-c-compiler)
# libgumbo-dev: the crawler's HTML5 parser; libmagic-dev: the type of what it downloads;
# libyara-dev: its rules over pages and files; libpsl-dev: registrable domains (relays)
pkgs+=(libgumbo-dev libmagic-dev libyara-dev libpsl-dev)
# duktape-dev: the crawler's second tier runs a page's inline scripts in duktape (an
# embeddable ES5.1 engine, in Debian since 2016; docs/architecture.md says why not mujs)
pkgs+=(duktape-dev)
# libssl-dev (OpenSSL, already pulled in by libcurl4-openssl-dev) and libnghttp2-dev: DNS
# over TLS and DNS over HTTPS (HTTP/2) in `ispshield dns`
pkgs+=(libssl-dev libnghttp2-dev)
# go-md2man: the build makes the man pages from docs/*.md (cmake/manpages.sh); one small
# static program with no dependencies (pandoc is 170 MB, ronn needs Ruby)
pkgs+=(go-md2man)
if [ "$level" = test ] || [ "$level" = bench ]; then
  # cmocka: unit tests; clang + libclang-rt: libFuzzer and sanitizers; clang-format and
  # clang-tidy: the style checks; unbound, bind9-utils:
  # the RPZ export must load in both, dig queries Unbound; sqlite3: inspecting the store;
  # time: /usr/bin/time measures peak memory in the integration tests; dnsperf, kdig
  # (knot-dnsutils), curl: the DNS service's integration test; postfix: its smtp-sink
  # receives the notices in the notify test (the postfix daemon itself is not started);
  # tcpdump, tshark (editcap comes with it): the darknet test cross-checks record counts
  # and makes pcapng copies; mmdb-bin + libmaxmind-db-writer-perl: it builds and checks a
  # tiny country mmdb; nginx-light, privoxy (and unbound, tcpdump): the survey test's
  # fake router page, open proxy, resolvers and packet count (daemons run in the test's
  # namespaces only; the packages' own services are not needed).
  pkgs+=(libcmocka-dev clang libclang-rt-14-dev clang-format clang-tidy unbound bind9-utils bind9-dnsutils
        sqlite3 python3 time dnsperf knot-dnsutils curl postfix
        tcpdump tshark mmdb-bin libmaxmind-db-writer-perl nginx-light privoxy)
  # freeradius + freeradius-utils: authwatch_freeradius.sh starts its own FreeRADIUS from a
  # private config copy and drives it with radclient (the package starts no daemon in a
  # container without systemd; where it does, `systemctl disable --now freeradius`)
  pkgs+=(freeradius freeradius-utils)
  # chromium + chromium-driver (chromedriver): the proxy's browser test
  # (integration.proxy_browser) loads a listed URL in headless Chromium, so they are needed
  # to test, not only to benchmark; fonts-noto-cjk: its Japanese screenshot is legible.
  pkgs+=(chromium chromium-driver fonts-noto-cjk)
  # nodejs: the browser extension's tests (unit.webext: node --test over the shared URL
  # vectors) and its per-URL check benchmark; Debian's nodejs, no npm package is used
  pkgs+=(nodejs)
  # systemd: integration.install checks the installed units with systemd-analyze verify
  # (nothing is started under systemd)
  pkgs+=(systemd)
  # postgresql: the store's PostgreSQL tests (integration.store_pg, notify_pg, store_pg_unit)
  # start a private server of their own on 127.0.0.1 (the package's cluster is not used)
  pkgs+=(postgresql)
  # bind9: integration.rpz runs BIND 9 (named) as a TSIG secondary of `ispshield rpz` with
  # response-policy (started by the test on loopback; the package's own service is not used)
  pkgs+=(bind9)
  # pdns-recursor: integration.rpz_resolvers runs PowerDNS Recursor (and Unbound) as
  # secondaries of `ispshield rpz` (rpzPrimary with TSIG), started by the test on loopback
  pkgs+=(pdns-recursor)
  # openssl: lists_sync.sh makes a private CA and a certificate for its https feed server
  pkgs+=(openssl)
  # tzdata: integration.timezone reads times in Asia/Tokyo and Europe/Berlin (core.timezone)
  pkgs+=(tzdata)
  # stress-ng: scripts/flake.sh keeps every core busy while the integration tests run
  pkgs+=(stress-ng)
  # dnsdist: integration.dns_proxyv2 puts it in front of the DNS service (PROXY protocol
  # v2); fstrm-bin (fstrm_capture) and protobuf-compiler (protoc --decode): the dnstap
  # test collects the service's dnstap and decodes it, policy field included
  pkgs+=(dnsdist fstrm-bin protobuf-compiler)
  # man-db: integration.manpages and integration.install read the built pages with man
  # --warnings and lexgrog (man-db pulls in groff-base, which renders them)
  pkgs+=(man-db)
  # debhelper (dpkg-dev comes with build-essential) and lintian: make deb builds the
  # Debian package and integration.deb builds, checks, installs, upgrades and purges it
  pkgs+=(debhelper lintian)
  # python3-jsonschema: integration.xarf validates the X-ARF v4 reports ispshield writes
  # against the specification's published JSON schemas (tests/data/xarf/)
  pkgs+=(python3-jsonschema)
fi
if [ "$level" = bench ]; then
  pkgs+=(dnsdist)  # the DNS benchmark runs it side by side
  pkgs+=(nghttp2-client)  # h2load: the DoH benchmark (bench/dns/encrypted.sh; dnsperf loses DoH queries) and bench/urlcheck (/v1/fullhashes over HTTP/1.1)
  pkgs+=(zmap)     # the survey benchmark compares its DNS send rate with zmap's
  # (the notify benchmark's postgresql is in the test level now)
  # the proxy benchmark (bench/proxy) compares with squid, squidguard and privoxy in front
  # of nginx, driven by wrk (chromium moved to the test level: the browser test needs it)
  pkgs+=(wrk squid squidguard privoxy nginx-light)
  # (the darknet benchmark's tcpdump and tshark are already in the test level)
  # the authwatch benchmark runs fail2ban-regex with its stock postfix[mode=auth] filter
  pkgs+=(fail2ban)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt
echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections 2>/dev/null || true
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
