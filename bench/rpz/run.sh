#!/usr/bin/env bash
# rpz benchmark (bench/README.md): a BENCH_NAMES-name domain list (1 M) served as an RPZ
# zone by `ispshield rpz` and, side by side, by BIND 9 (named) as a primary loading the
# same zone (`lists export --format rpz`): AXFR time to kdig (medians of BENCH_RUNS), and
# the resident memory of each server after the transfers. Then a BIND 9 secondary of each
# (response-policy, min-update-interval 0) and BENCH_RUNS 1 % changes (0.5 % of the names
# removed, as many new ones added, imported): for ispshield, the time from starting
# `lists compile` to its secondary answering a new name NXDOMAIN (compile, the service
# seeing the new snapshot and making the difference, NOTIFY, IXFR, BIND applying it); for
# BIND, from starting `lists export` of the zone file to its secondary answering (export,
# the primary's reload with ixfr-from-differences, NOTIFY, IXFR, BIND applying it). Each
# step is timed from the secondaries' logs (print-time, ms). Then the service's RSS and
# peak (VmHWM) with the journal of those changes. Loopback only.
# Usage: bench/rpz/run.sh BUILD_DIR      Env: BENCH_NAMES (1000000), BENCH_RUNS (3).
# Output: bench/out/rpz/ (results.md, run.log, the servers' logs).
set -euo pipefail
build=${1:-build}
bin=$(cd "$build" && pwd)/ispshield
here=$(cd "$(dirname "$0")/../.." && pwd)
out=$here/bench/out/rpz
N=${BENCH_NAMES:-1000000} RUNS=${BENCH_RUNS:-3}
rm -rf "$out" && mkdir -p "$out/named" && cd "$out"
runlog=$out/run.log
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait' EXIT
isp() { "$bin" --store "$out/s.db" --snapshot "$out/s.snap" "$@"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
axfr() { # PORT: median seconds of RUNS kdig AXFRs of big.rpz
	local i t s=()
	for i in $(seq "$RUNS"); do
		t=$( { /usr/bin/time -f '%e' kdig @127.0.0.1 -p "$1" big.rpz AXFR >axfr.txt; } 2>&1)
		tail -n 4 axfr.txt >>"$runlog"
		echo "AXFR port $1 run $i: $t s" >>"$runlog"
		s+=("$t")
	done
	printf '%s\n' "${s[@]}" | median
}
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
now() { date +%s.%N; }
freeport() { python3 "$here/scripts/freeport.py"; }

python3 -c "
for i in range($N): print('n%08d.bench.example' % i)" >names.txt
isp lists import --list big --kind domain --format plain names.txt 2>>"$runlog"
isp lists compile 2>>"$runlog"
isp lists export --list big --format rpz --origin big.rpz --out named/big.rpz.db 2>>"$runlog"

RP=$(freeport)
"$bin" --store "$out/s.db" --snapshot "$out/s.snap" rpz --listen "127.0.0.1:$RP" \
	--zone big.rpz:big >rpz.log 2>&1 &
pids+=($!)
rpid=$!
until grep -q serving rpz.log; do sleep 0.2; done
isp_t=$(axfr "$RP")
isp_m=$(rss "$rpid")

NP=$(freeport) SP=$(freeport) SP2=$(freeport)
# as an operator would run a BIND primary of a list: differences kept for IXFR
# (ixfr-from-differences), its secondary notified at once (notify-delay 0)
cat >named.conf <<C
options { directory "$out/named"; pid-file "$out/named.pid"; listen-on port $NP { 127.0.0.1; };
	listen-on-v6 { none; }; recursion no; allow-transfer { 127.0.0.1; };
	ixfr-from-differences yes; notify explicit; notify-delay 0;
	also-notify { 127.0.0.1 port $SP2; }; };
controls { };
logging { channel l { file "$out/named.log"; print-time yes; severity info; };
	category default { l; }; };
zone "big.rpz" { type primary; file "big.rpz.db"; };
C
named -c "$out/named.conf" -f -n 1 >named.out 2>&1 &
pids+=($!)
npid=$!
until dig +short -p "$NP" @127.0.0.1 big.rpz SOA | grep -q localhost; do sleep 0.5; done
bind_t=$(axfr "$NP")
bind_m=$(rss "$npid")

# ---- a BIND secondary of each primary, and 1 % changes
# sec: of ispshield rpz; sec2: of the BIND primary. Both as an operator would set a
# resolver up for a large RPZ feed: response-policy with min-update-interval 0 (BIND
# 9.18 otherwise applies a changed policy zone at most every 60 s), IXFR asked for.
secconf() { # NAME PORT PRIMARY_PORT
	mkdir -p "$out/$1"
	printf '$TTL 60\n@ SOA ns.bench.example. h.bench.example. 1 3600 600 86400 60\n NS ns\nns A 127.0.0.1\n* A 198.51.100.1\n' \
		>"$out/$1/bench.example.db"
	cat >"$1.conf" <<C
options { directory "$out/$1"; pid-file "$out/$1.pid"; listen-on port $2 { 127.0.0.1; };
	listen-on-v6 { none; }; recursion yes; allow-recursion { 127.0.0.1; };
	dnssec-validation no; notify no;
	response-policy { zone "big.rpz" min-update-interval 0; } qname-wait-recurse no; };
controls { };
logging { channel l { file "$out/$1.log"; print-time yes; severity info; };
	category default { l; }; category rpz { l; }; category xfer-in { l; }; category notify { l; }; };
zone "big.rpz" { type secondary; primaries { 127.0.0.1 port $3; }; file "big.rpz.db";
	request-ixfr yes; };
zone "bench.example" { type primary; file "bench.example.db"; };
C
}
secconf sec "$SP" "$RP"
secconf sec2 "$SP2" "$NP"
# the service again, now with the secondary to NOTIFY
kill "$rpid"; wait "$rpid" 2>/dev/null || true
"$bin" --store "$out/s.db" --snapshot "$out/s.snap" rpz --listen "127.0.0.1:$RP" \
	--zone big.rpz:big --notify "127.0.0.1:$SP" >rpz2.log 2>&1 &
pids+=($!)
rpid=$!
until grep -q serving rpz2.log; do sleep 0.2; done
named -c "$out/sec.conf" -f -n 1 >sec.out 2>&1 &
pids+=($!)
named -c "$out/sec2.conf" -f -n 1 >sec2.out 2>&1 &
pids+=($!)
status() { # PORT NAME
	dig +tries=1 +time=1 -p "$1" @127.0.0.1 "$2" A 2>/dev/null | awk '/status:/ { sub(",", "", $6); print $6 }'
}
until [ "$(status "$SP" n00000000.bench.example)" = NXDOMAIN ]; do sleep 0.5; done
until [ "$(status "$SP2" n00000000.bench.example)" = NXDOMAIN ]; do sleep 0.5; done
until grep -q "rpz: big.rpz: reload done" "$out/sec.log" && grep -q "rpz: big.rpz: reload done" "$out/sec2.log"; do sleep 0.5; done
# the time of the last line of LOG matching PATTERN (BIND's print-time), in unix seconds
logtime() { date -d "$(grep "$2" "$1" | tail -n 1 | awk '{ gsub("-", " ", $1); print $1, $2 }')" +%s.%N; }
since() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
# wait until LOG has more than N lines matching PATTERN
waitlog() { until [ "$(grep -c "$3" "$1")" -gt "$2" ]; do sleep 0.01; done; }
half=$((N / 200))
declare -A T
for r in $(seq "$RUNS"); do
	# remove the first $half names still there, add $half new ones
	python3 - "$r" "$half" "$N" <<'PY' >next.txt
import sys
r, h, n = (int(a) for a in sys.argv[1:])
names = open("names.txt").read().split()
print("\n".join(names[h:] + ["new%d-%08d.bench.example" % (r, i) for i in range(h)]))
PY
	mv next.txt names.txt
	isp lists import --list big --format plain names.txt 2>>"$runlog"
	probe=new$r-00000000.bench.example
	for p in "$SP" "$SP2"; do
		[ "$(status "$p" "$probe")" = NOERROR ] || echo "run $r: $probe answered before the change" >>"$runlog"
	done
	# ispshield: compile -> rpz -> sec
	for side in isp bind; do
		if [ $side = isp ]; then sp=$SP log=$out/sec.log; else sp=$SP2 log=$out/sec2.log; fi
		nx=$(grep -c "Transfer completed" "$log") nd=$(grep -c "reload done" "$log")
		t0=$(now)
		if [ $side = isp ]; then
			isp lists compile 2>>"$runlog"
		else
			isp lists export --list big --format rpz --origin big.rpz \
				--out named/big.rpz.db 2>>"$runlog"
			kill -HUP "$npid"
		fi
		t1=$(now)
		until [ "$(status "$sp" "$probe")" = NXDOMAIN ]; do sleep 0.01; done
		t2=$(now)
		waitlog "$log" "$nx" "Transfer completed"
		waitlog "$log" "$nd" "reload done"
		tx=$(logtime "$log" "Transfer completed")
		rs=$(logtime "$log" "rpz: big.rpz: reload start")
		rd=$(logtime "$log" "rpz: big.rpz: reload done")
		T[$side,write]+="$(since "$t0" "$t1") "
		T[$side,xfr]+="$(since "$t1" "$tx") "
		T[$side,apply]+="$(since "$tx" "$t2") "
		T[$side,rpz]+="$(since "$rs" "$rd") "
		T[$side,after]+="$(since "$t1" "$t2") "
		T[$side,e2e]+="$(since "$t0" "$t2") "
		echo "change $r $side: write $(since "$t0" "$t1") s, IXFR done $(since "$t1" "$tx") s later, answered $(since "$tx" "$t2") s after that (BIND's RPZ reload $(since "$rs" "$rd") s); end to end $(since "$t0" "$t2") s; $(grep "Transfer completed" "$log" | tail -n 1 | grep -o '[0-9]* messages, [0-9]* records')" >>"$runlog"
	done
done
grep -q "(incremental)" rpz2.log || echo "WARNING: no incremental transfer in rpz2.log" >>"$runlog"
ixfr=$(grep -c "(incremental)" rpz2.log || true)
isp_m2=$(rss "$rpid")
isp_h2=$(hwm "$rpid")
med() { printf '%s\n' ${T[$1]} | median; }
built=$(grep -o 'built in [0-9]* ms' rpz2.log | tail -n +2 | awk '{ print $3 }' | median)
xfr_isp=$(grep "Transfer completed" "$out/sec.log" | tail -n 1 | grep -o '[0-9]* messages, [0-9]* records')
xfr_bind=$(grep "Transfer completed" "$out/sec2.log" | tail -n 1 | grep -o '[0-9]* messages, [0-9]* records')

{
	echo "# rpz: AXFR of a $N-name RPZ zone to kdig ($(nproc) cores, loaded machine: shared with other builds and tests; medians of $RUNS)"
	echo
	echo "| server | AXFR s | RSS MB |"
	echo "|---|---|---|"
	echo "| ispshield rpz | $isp_t | $((isp_m / 1024)) |"
	echo "| BIND 9 primary | $bind_t | $((bind_m / 1024)) |"
	echo
	echo "AXFR time ratio BIND / ispshield: $(awk -v a="$bind_t" -v b="$isp_t" 'BEGIN { printf "%.2f", a / b }')"
	echo
	echo "## a 1 % change ($((2 * half)) names: $half removed, $half added) to a BIND 9 secondary (medians of $RUNS)"
	echo
	echo "| step (s) | ispshield rpz primary | BIND 9 primary |"
	echo "|---|---|---|"
	echo "| write: lists compile / lists export + reload signal | $(med isp,write) | $(med bind,write) |"
	echo "| -> the secondary has the IXFR (ispshield: sees the snapshot, makes the difference, $built ms; BIND: reloads the file, ixfr-from-differences; NOTIFY, SOA, IXFR) | $(med isp,xfr) | $(med bind,xfr) |"
	echo "| -> the secondary answers the new name (BIND applying the RPZ update) | $(med isp,apply) | $(med bind,apply) |"
	echo "| of which BIND's RPZ reload (its log: reload start -> done) | $(med isp,rpz) | $(med bind,rpz) |"
	echo "| end of the write -> the secondary answers | $(med isp,after) | $(med bind,after) |"
	echo "| end to end | $(med isp,e2e) | $(med bind,e2e) |"
	echo
	echo "IXFR: ispshield $xfr_isp, BIND $xfr_bind (the last change). Incremental transfers served by ispshield: $ixfr."
	echo "ispshield rpz with the journal of $RUNS changes: RSS $((isp_m2 / 1024)) MB, peak (VmHWM) $((isp_h2 / 1024)) MB."
	echo "Load: $(uptime)"
} | tee results.md
