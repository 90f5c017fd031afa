#!/usr/bin/env bash
# authwatch benchmark (bench/README.md): ispshield authwatch on a generated Postfix
# submission log with all five patterns embedded (bench/authwatch/gen.c), side by side
# with fail2ban-regex and its stock postfix[mode=auth] filter. fail2ban-regex is slow, so
# it runs on the first BENCH_PREFIX lines, and ispshield runs on that prefix too for a
# like-for-like ratio. Medians of BENCH_RUNS runs; peak RSS by /usr/bin/time.
# Usage: bench/authwatch/run.sh BUILD_DIR
# Env: BENCH_LINES (10000000), BENCH_PREFIX (200000), BENCH_RUNS (3).
# Output: bench/out/authwatch/ (results.md, run.log).
#
# BENCH_MODE=typo (issue 16): a day of 1 000 000 accounts logging in from the ISP's own
# CGNAT pool, 1 % of the logins beginning with a typo, the attacks mixed in
# (`bench_authwatch_gen FILE LOGINS typo`, BENCH_LOGINS 3000000: about 9 M lines), read
# with the default thresholds and --own 100.64.0.0/10. Reports the detections on the
# background (goal 0) and the attacks found (goal all, FILE.attacks), the same for the
# behaviour before the fix (authwatch.typo-window=0, own-networks-spray=on), and lines/s
# beside fail2ban-regex on the first BENCH_PREFIX lines. Output: results-typo.md.
set -euo pipefail
build=${1:-build}
bin=$build/ispshield
gen=$build/bench/bench_authwatch_gen
here=$(cd "$(dirname "$0")/../.." && pwd)
out=$here/bench/out/authwatch
mkdir -p "$out"
N=${BENCH_LINES:-10000000} PRE=${BENCH_PREFIX:-200000} RUNS=${BENCH_RUNS:-3}
log=$out/postfix-$N.log
pre=$out/prefix-$PRE.log
runlog=$out/run.log
: >"$runlog"
measure() { /usr/bin/time -f '%e %M' -o "$out/time.txt" "$@" >"$out/last.out" 2>>"$runlog"; cat "$out/time.txt"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
runs() { # cmd... : prints "median_s median_rss_kb"
	local i t r s=() m=()
	for i in $(seq "$RUNS"); do
		read -r t r < <(measure "$@")
		echo "$* run $i: $t s, $r KB" >>"$runlog"
		s+=("$t")
		m+=("$r")
	done
	echo "$(printf '%s\n' "${s[@]}" | median) $(printf '%s\n' "${m[@]}" | median)"
}
if [ "${BENCH_MODE:-}" = typo ]; then
	NL=${BENCH_LOGINS:-3000000}
	log=$out/typo-day-$NL.log
	pre=$out/typo-prefix-$PRE.log
	[ -s "$log" ] && [ -s "$log.attacks" ] || { echo "generating $log" >&2; "$gen" "$log" "$NL" typo; }
	[ -s "$pre" ] || head -n "$PRE" "$log" >"$pre"
	lines=$(wc -l <"$log")
	sync
	aw=("$bin" authwatch --dry-run --json --own 100.64.0.0/10)
	before=("$bin" -o authwatch.typo-window=0 -o authwatch.own-networks-spray=on authwatch --dry-run --json --own 100.64.0.0/10)
	export TZ=UTC
	read -r aw_t aw_m < <(runs "${aw[@]}" "$log")
	"${aw[@]}" "$log" >"$out/typo-after.json" 2>"$out/typo-after.err"
	"${before[@]}" "$log" >"$out/typo-before.json" 2>>"$runlog"
	read -r ap_t ap_m < <(runs "${aw[@]}" "$pre")
	read -r fb_t fb_m < <(runs fail2ban-regex "$pre" 'postfix[mode=auth]')
	judge() { # detections.json -> "background N, attacks found F of A (by type)"
		python3 - "$1" "$log.attacks" <<'PY'
import calendar, json, sys, time
want = [l.split() for l in open(sys.argv[2])]
found = [False] * len(want)
bg = {}
for line in open(sys.argv[1]):
    o = json.loads(line)
    key = o.get("account") or o.get("source") or o.get("network") or o.get("all")
    last = calendar.timegm(time.strptime(o["last"], "%Y-%m-%dT%H:%M:%SZ"))
    t = last - calendar.timegm(time.strptime(o["last"][:4] + "-11-25", "%Y-%m-%d"))
    hit = False
    for i, w in enumerate(want):
        if w[0] != o["type"]:
            continue
        if w[0] == "stuffing" and int(w[2]) <= t <= int(w[3]) + 2 * o["window"]:
            found[i] = hit = True
        elif w[0] != "stuffing" and w[1] == key:
            found[i] = hit = True
    # the stuffing waves' own /24s (198.18.0.0/23) are part of the attack
    if not hit and not (o["type"] == "spray" and key.startswith("198.18.")):
        bg[o["type"]] = bg.get(o["type"], 0) + 1
print("background %d (%s), attacks found %d of %d" % (sum(bg.values()),
      ", ".join("%s %d" % kv for kv in sorted(bg.items())) or "none", sum(found), len(want)))
PY
	}
	after=$(judge "$out/typo-after.json")
	beforej=$(judge "$out/typo-before.json")
	rate() { python3 -c "print(f'{$1 / $2 / 1e3:.0f}')"; }
	{
		echo "# authwatch benchmark, typo day ($(date -u +%Y-%m-%d), $(nproc) CPUs shared, medians of $RUNS runs)"
		echo
		echo "Log: $lines Postfix submission lines, one day (bench/authwatch/gen.c, typo mode): $NL logins"
		echo "of 1 000 000 accounts from the own CGNAT pool 100.64.0.0/17, 1 % of them after a typo;"
		echo "brute force, spraying (also from one own address) and stuffing waves mixed in;"
		echo "$(( $(stat -c %s "$log") / 1000000 )) MB. Default thresholds, --own 100.64.0.0/10."
		echo
		echo "| run | lines | seconds | k lines/s | peak RSS MB |"
		echo "|---|---|---|---|---|"
		echo "| ispshield authwatch | $lines | $aw_t | $(rate "$lines" "$aw_t") | $((aw_m / 1024)) |"
		echo "| ispshield authwatch on the prefix | $PRE | $ap_t | $(rate "$PRE" "$ap_t") | $((ap_m / 1024)) |"
		echo "| fail2ban-regex LOG 'postfix[mode=auth]' on the prefix | $PRE | $fb_t | $(rate "$PRE" "$fb_t") | $((fb_m / 1024)) |"
		echo
		echo "Ratio (lines/s, full log vs fail2ban on the prefix): $(python3 -c "print(f'{($lines / $aw_t) / ($PRE / $fb_t):.0f}')")x;"
		echo "on the same prefix: $(python3 -c "print(f'{$fb_t / $ap_t:.0f}')")x (start-up included)."
		echo
		echo "Detections, with the typo rule and own networks (defaults): $after."
		echo "Before (typo-window=0, own-networks-spray=on): $beforej."
		echo "Summary line: \`$(tail -1 "$out/typo-after.err")\`"
	} >"$out/results-typo.md"
	cat "$out/results-typo.md"
	exit 0
fi
[ -s "$log" ] || { echo "generating $log" >&2; "$gen" "$log" "$N"; }
[ -s "$pre" ] || head -n "$PRE" "$log" >"$pre"
lines=$(wc -l <"$log")
sync
# the background's typos (1 % of lines, ~100 accounts per 10 minutes at this rate) are not a
# wave: the waves embedded have 2 000 accounts from 500 sources
aw=("$bin" -o authwatch.wave-accounts=500 -o authwatch.wave-sources=100 authwatch --dry-run --json)
read -r aw_t aw_m < <(runs "${aw[@]}" "$log")
"${aw[@]}" "$log" 2>/dev/null |
	python3 -c 'import json,sys,collections; c=collections.Counter(json.loads(l)["type"] for l in sys.stdin); print(" ".join(f"{k} {v}" for k,v in sorted(c.items())))' >"$out/detections.txt"
read -r ap_t ap_m < <(runs "${aw[@]}" "$pre")
read -r fb_t fb_m < <(runs fail2ban-regex "$pre" 'postfix[mode=auth]')
fbm=$(fail2ban-regex "$pre" 'postfix[mode=auth]' | sed -n 's/^Lines: .* \([0-9]*\) matched.*/\1/p')
rate() { python3 -c "print(f'{$1 / $2 / 1e3:.0f}')"; }
{
	echo "# authwatch benchmark ($(date -u +%Y-%m-%d), $(nproc) CPUs shared, medians of $RUNS runs)"
	echo
	echo "Log: $lines Postfix submission lines over a week (bench/authwatch/gen.c): 200 000"
	echo "subscribers, brute force, spraying, stuffing waves, one account from many sources and"
	echo "SMTP AUTH spam embedded; $(( $(stat -c %s "$log") / 1000000 )) MB. fail2ban-regex runs on the first $PRE lines."
	echo
	echo "| run | lines | seconds | k lines/s | peak RSS MB |"
	echo "|---|---|---|---|---|"
	echo "| ispshield authwatch (all five patterns) | $lines | $aw_t | $(rate "$lines" "$aw_t") | $((aw_m / 1024)) |"
	echo "| ispshield authwatch on the prefix | $PRE | $ap_t | $(rate "$PRE" "$ap_t") | $((ap_m / 1024)) |"
	echo "| fail2ban-regex LOG 'postfix[mode=auth]' on the prefix | $PRE | $fb_t | $(rate "$PRE" "$fb_t") | $((fb_m / 1024)) |"
	echo
	echo "Ratio (lines/s, full log vs fail2ban on the prefix): $(python3 -c "print(f'{($lines / $aw_t) / ($PRE / $fb_t):.0f}')")x;"
	echo "on the same prefix: $(python3 -c "print(f'{$fb_t / $ap_t:.0f}')")x (start-up included)."
	echo "Detections on the full log: $(cat "$out/detections.txt")."
	echo "(wave thresholds raised to 500 accounts / 100 sources: see run.sh.)"
	echo "fail2ban-regex matched $fbm failure lines of the prefix (it only counts failures per address)."
} >"$out/results.md"
cat "$out/results.md"
