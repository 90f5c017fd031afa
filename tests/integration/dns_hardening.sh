#!/usr/bin/env bash
# Integration test of the DNS service's defences against hostile clients and a hostile
# network (issue 15), with real programs on loopback: a real Unbound as the upstream
# (log-queries on, so the test can see what reached it), dig/kdig as clients, and Python
# where a peer must misbehave (a spoofing upstream, a client trickling bytes). Covers:
# query classes other than IN refused locally and never forwarded.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
bin=${ISPSHIELD:?set ISPSHIELD to the ispshield binary}
src=$(cd "${SRCDIR:?set SRCDIR to the source tree}" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
. "$src/tests/integration/lib/testlib.sh"
for tool in unbound dig kdig python3 curl; do
	command -v "$tool" >/dev/null || { echo "missing $tool (scripts/deps.sh installs it)" >&2; exit 1; }
done
UP=$(freeport); DNS=$(freeport); MET=$(freeport)

printf 'cc1.botnet.example\n' >c2.txt
isp() { "$bin" --store "$work/var/t.db" "$@"; }
isp -q lists import --list c2 --kind domain c2.txt || bad "import c2"
isp -q lists compile || bad "compile"

{ unbound_conf "$UP"; cat <<U
  log-queries: yes
  local-zone: "test." static
  local-data: "www.good.test. 300 IN A 192.0.2.10"
  local-zone: "example." static
  local-data: "cc1.botnet.example. 300 IN A 192.0.2.66"
  local-zone: "." refuse
U
} >up.conf
unbound-checkconf up.conf >/dev/null || { echo "bad unbound config" >&2; exit 1; }
unbound -c up.conf >up.out 2>&1 &
pids+=($!)

# start_dns NAME ARGS...: run `ispshield dns` in the background (output in NAME.out)
start_dns() {
	local name=$1; shift
	"$bin" --store "$work/var/t.db" "$@" >"$name.out" 2>&1 &
	pids+=($!)
	eval "${name}_pid=$!"
}
start_dns dns dns --listen "127.0.0.1:$DNS" --upstream "127.0.0.1:$UP" \
	--subscribers "127.0.0.1/32" --metrics "127.0.0.1:$MET"
q() { dig +tries=1 +time=3 -p "$DNS" @127.0.0.1 "$@"; }
resolves() { q "$@" | grep -q 'status: NOERROR'; }
until_ok resolves www.good.test A || bad "the DNS service does not answer"
# seen NAME: Unbound has logged a query for NAME (log-queries)
seen() { grep -qF " $1. " up.log; }

# ---- item 2: classes other than IN are refused here and never reach the upstream
for cl in ANY CH HS NONE; do
	out=$(q -c "$cl" cc1.botnet.example A)
	check "class $cl for a listed name: REFUSED" grep -q 'status: REFUSED' <<<"$out"
	check "class $cl: no address in the answer" bash -c "! grep -q 192.0.2.66 <<<'$out'"
	check "class $cl: EDE 21 says why" grep -q 'EDE: 21' <<<"$out"
	kc=$cl; [ "$cl" = HS ] && kc=CLASS4 # kdig knows HS by number only
	out=$(kdig +tcp +retry=0 +timeout=3 -p "$DNS" @127.0.0.1 -c "$kc" cc1.botnet.example A 2>&1)
	check "class $cl over TCP (kdig): REFUSED" grep -q 'status: REFUSED' <<<"$out"
done
out=$(q -c ANY www.good.test A)
check "class ANY for an unlisted name: REFUSED too" grep -q 'status: REFUSED' <<<"$out"
# A fresh IN name as a marker: once Unbound has logged it, it has logged everything
# sent before it.
mark=mark-$RANDOM.good.test
q "$mark" A >/dev/null
check "marker query reached Unbound" until_ok seen "$mark"
check "Unbound saw the IN queries" grep -qE ' www\.good\.test\. A IN' up.log
check "no query of another class reached Unbound" \
	bash -c "! grep -E ' (cc1\.botnet\.example|www\.good\.test)\. A (ANY|CH|HS|NONE|CLASS[0-9]+)' up.log"
out=$(q cc1.botnet.example A)
check "class IN for the listed name: still blocked" grep -q 'status: NXDOMAIN' <<<"$out"
out=$(q -c ANY cc1.botnet.example A)
check "class ANY after an IN query: still REFUSED (nothing cached)" grep -q 'status: REFUSED' <<<"$out"
m=$(curl -s "127.0.0.1:$MET/metrics")
check "metrics: refused_class_total counted" grep -qE '^ispshield_dns_refused_class_total ([7-9]|[1-9][0-9])' <<<"$m"

finish dns_hardening
