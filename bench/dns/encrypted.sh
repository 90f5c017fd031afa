#!/usr/bin/env bash
# DoT and DoH benchmark (issue 21): `ispshield dns` against dnsdist (what an operator would
# put in front of a resolver for encrypted DNS), both serving the same list (run.sh's 1 M
# names by default) with the same upstream (an Unbound with the 10 k allowed names) and
# the same query file, one after another, one worker thread each, the same self-signed
# certificate. DoT: dnsperf -m dot -c 4 -q 200. DoH: h2load (nghttp2-client) -c 4 -m 16
# with the same queries as GET URIs (doh_uris.py), since dnsperf 2.10 loses DoH queries
# once two are outstanding (DNS-OARC/dnsperf#240, #272). Four connections kept open for
# the whole run, as a stub resolver or a browser reuses its connection.
# Reports QPS medians over BENCH_RUNS runs and the ratio ispshield / dnsdist per transport,
# and each server's RSS after the load. Everything binds 127.0.0.1 only.
#
# usage: bench/dns/encrypted.sh [path-to-ispshield]      (default build/ispshield)
# Environment: BENCH_RUNS (3), BENCH_SECONDS (10) timed load per transport,
# BENCH_NAMES (1000000) names in the list (the workload lives in bench/out/wNAMES).
# Output: bench/out/dns-encrypted/ (git-ignored), the table on stdout and in results.md.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
isp=$(realpath "${1:-$root/build/ispshield}")
runs=${BENCH_RUNS:-3}
secs=${BENCH_SECONDS:-10}
names=${BENCH_NAMES:-1000000}
out=$root/bench/out/dns-encrypted
wdir=$root/bench/out/w$((names / 1000))k
[ "$names" = 1000000 ] && wdir=$root/bench/out/w1m # shared with run.sh
unset ISPSHIELD_CONFIG
for c in python3 unbound dnsdist dnsperf kdig openssl h2load; do
	command -v "$c" >/dev/null || { echo "encrypted.sh: $c missing (scripts/deps.sh bench)" >&2; exit 2; }
done
mkdir -p "$out"
log=$out/run.log
: >"$log"
say() { echo "== $*" >&2; echo "== $(date -u +%T) $*" >>"$log"; }
die() { echo "encrypted.sh: $*" >&2; exit 1; }
load0=$(cut -d' ' -f1-3 /proc/loadavg)

pids=()
cleanup() { local p; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

if [ ! -f "$wdir/queries.txt" ]; then
	say "workload: $names names in $wdir"
	python3 "$root/bench/lists/gen_names.py" "$names" "$wdir" --no-rpz >>"$log"
	python3 "$root/bench/dns/gen_queries.py" "$wdir" >>"$log"
fi
Q=$wdir/queries.txt
[ -f "$wdir/doh_uris.txt" ] || python3 "$root/bench/dns/doh_uris.py" "$Q" "$wdir/doh_uris.txt"
freeport() { python3 "$root/scripts/freeport.py"; }
up=$(freeport); p_isp=$(freeport); p_isp_dot=$(freeport); p_isp_doh=$(freeport)
p_dd=$(freeport); p_dd_dot=$(freeport); p_dd_doh=$(freeport)
listed=$(awk '$1 !~ /\.allowed\.test$/ {print $1; exit}' "$Q")

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$out/key.pem" -out "$out/cert.pem" 2>>"$log"
sed "s/5301/$up/g" "$wdir/upstream.conf" >"$out/upstream.conf"
{
	bash "$root/bench/dns/dnsdist_conf.sh" "$p_dd" "$up" "$wdir/c2.txt"
	echo "addTLSLocal(\"127.0.0.1:$p_dd_dot\", \"$out/cert.pem\", \"$out/key.pem\")"
	echo "addDOHLocal(\"127.0.0.1:$p_dd_doh\", \"$out/cert.pem\", \"$out/key.pem\", \"/dns-query\")"
} >"$out/dnsdist.conf"
dnsdist --check-config -C "$out/dnsdist.conf" >>"$log" 2>&1 || die "dnsdist --check-config failed, see $log"
say "ispshield: import and compile $(wc -l <"$wdir/c2.txt") names"
rm -f "$out/isp.db" "$out/isp.db"-* "$out/isp.snap"
"$isp" -q --store "$out/isp.db" --snapshot "$out/isp.snap" lists import --list c2 --kind domain \
	--format plain "$wdir/c2.txt" >>"$log" 2>&1 || die "import failed, see $log"
"$isp" -q --store "$out/isp.db" --snapshot "$out/isp.snap" lists compile >>"$log" 2>&1 || die "compile failed"

unbound -d -c "$out/upstream.conf" >>"$log" 2>&1 &
pids+=($!)

# kdig over DOT or DOH to PORT for NAME: its status line
status() { kdig "+$1" +tls-hostname=127.0.0.1 +tls-ca="$out/cert.pem" +retry=0 +timeout=2 -p "$2" @127.0.0.1 "$3" A 2>/dev/null |
	sed -n 's/.*opcode: QUERY; status: \([A-Z]*\);.*/\1/p'; }
wait_status() { local i; for i in $(seq 600); do [ "$(status "$@")" = "$want" ] && return 0; sleep 0.1; done; return 1; }

samples=$out/samples.tsv
: >"$samples"
for i in $(seq "$runs"); do
	for s in ispshield dnsdist; do
		if [ "$s" = ispshield ]; then
			cp "$out/isp.db" "$out/isp-run.db" # block events are recorded, as in run.sh
			"$isp" --store "$out/isp-run.db" --snapshot "$out/isp.snap" -o dns.subscribers=127.0.0.0/8 \
				dns --listen "127.0.0.1:$p_isp" --upstream "127.0.0.1:$up" \
				--tls-listen "127.0.0.1:$p_isp_dot" --https-listen "127.0.0.1:$p_isp_doh" \
				--tls-cert "$out/cert.pem" --tls-key "$out/key.pem" --threads 1 2>"$out/isp.err" &
			dot=$p_isp_dot doh=$p_isp_doh
		else
			dnsdist --supervised --disable-syslog -C "$out/dnsdist.conf" >>"$log" 2>&1 &
			dot=$p_dd_dot doh=$p_dd_doh
		fi
		pid=$!
		pids+=($pid)
		want=NXDOMAIN wait_status tls "$dot" "$listed" || die "$s: no NXDOMAIN for $listed over DoT"
		want=NXDOMAIN wait_status https "$doh" "$listed" || die "$s: no NXDOMAIN for $listed over DoH"
		want=NOERROR wait_status https "$doh" host1.allowed.test || die "$s: allowed name not answered over DoH"
		for m in dot doh; do
			say "$s run $i: $m, $secs s"
			r=$out/$s-$m-run$i.txt
			if [ $m = dot ]; then
				dnsperf -m dot -s 127.0.0.1 -p "$dot" -d "$Q" -c 4 -q 200 -l "$secs" >"$r" 2>&1 ||
					die "dnsperf -m dot against $s failed (see $r)"
				qps=$(awk '/Queries per second/ {print $4}' "$r")
				lost=$(awk '/Queries lost/ {print $3}' "$r")
			else # every 2xx is an answer (NXDOMAIN included); failed or errored: lost
				sed "s/PORT/$doh/" "$wdir/doh_uris.txt" >"$out/uris.txt"
				h2load -i "$out/uris.txt" -c 4 -m 16 -t 1 -D "$secs" >"$r" 2>&1 ||
					die "h2load against $s failed (see $r)"
				qps=$(awk '/^finished in/ {print $4}' "$r")
				lost=$(awk '/^requests:/ {print $10 + $12}' "$r")
				[ "$(awk '/^status codes:/ {print $3}' "$r")" != 0 ] || die "h2load: no 2xx from $s (see $r)"
			fi
			rss=$(awk '$1 == "VmRSS:" {print $2}' "/proc/$pid/status")
			printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$m" "$i" "$qps" "$lost" "$rss" >>"$samples"
		done
		kill "$pid"
		wait "$pid" 2>/dev/null || true
		rm -f "$out/isp-run.db" "$out/isp-run.db"-*
	done
done

python3 - "$samples" "$runs" "$secs" "$load0" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'P' | tee "$out/results.md"
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
med = lambda s, m, k: statistics.median(float(r[k]) for r in rows if r[0] == s and r[1] == m)
print(f"DoT/DoH, {sys.argv[2]} runs of {sys.argv[3]} s per transport, DoT dnsperf -c 4 -q 200, DoH h2load GET "
      f"-c 4 -m 16; "
      f"load average {sys.argv[4]} at the start, {sys.argv[5]} at the end (loaded machine)\n")
print("| transport | ispshield QPS | dnsdist QPS | ratio | ispshield RSS MB | dnsdist RSS MB |")
print("|---|---|---|---|---|---|")
for m in ("dot", "doh"):
    a, b = med("ispshield", m, 3), med("dnsdist", m, 3)
    print(f"| {m} | {a:.0f} | {b:.0f} | {a / b:.2f}x | {med('ispshield', m, 5) / 1024:.0f} | "
          f"{med('dnsdist', m, 5) / 1024:.0f} |")
P
