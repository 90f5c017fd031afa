#!/usr/bin/env bash
# Integration test of the survey's privileges (issue 15 item 8): run by root (all
# capabilities), a real DNS scan of loopback addresses keeps CAP_NET_RAW and nothing else
# in its effective, permitted and bounding sets, with no_new_privs, read from
# /proc/PID/status while it scans; its probes still go out (the raw socket works). Skips
# (77) when the test itself has no CAP_NET_RAW to start with.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
capeff() { sed -n "s/^$2:\t//p" "/proc/$1/status"; }
NET_RAW=0000000000002000 # 1 << 13
if (( (0x$(capeff $$ CapEff) & 0x2000) == 0 )); then
	echo "privileges.sh: no CAP_NET_RAW here: skipped"; exit 77
fi
# 16 loopback targets at 4 probes a second and a 3 s cool-down: a scan of about 7 s
"$bin" -o survey.state="$work/sv.state" survey --authorised 127.0.0.0/8 --probe dns --probe-zone probe.test \
	--expect-a 127.0.0.53 --rate 4 --retries 0 --cooldown-ms 3000 --out dns.csv 127.0.0.0/28 \
	>out.txt 2>err.txt & sv=$!; pids+=($sv)
# read each time round (until_ok re-runs the function, not a value taken once)
capis() { [ "$(capeff "$1" "$2")" = "$3" ]; }
until_ok capis $sv CapEff $NET_RAW && ok "effective set: CAP_NET_RAW only" || bad "effective set: got '$(capeff $sv CapEff)', want $NET_RAW"
eq "$(capeff $sv CapPrm)" $NET_RAW "permitted set"
eq "$(capeff $sv CapBnd)" $NET_RAW "bounding set"
eq "$(capeff $sv CapAmb)" 0000000000000000 "ambient set"
eq "$(capeff $sv NoNewPrivs)" 1 "no_new_privs"
wait $sv; rc=$?
eq "$rc" 0 "the scan completes with only CAP_NET_RAW"
has err.txt "dns: 16 targets"
# the resume state holds the scan's secret key: never readable by others
check "survey state written" test -s sv.state
eq "$(stat -c %a sv.state 2>/dev/null)" 600 "survey state file mode (it holds the probe key)"
finish privileges
