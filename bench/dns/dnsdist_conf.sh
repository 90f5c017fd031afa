#!/usr/bin/env bash
# dnsdist_conf.sh PORT UPSTREAM_PORT LIST: the benchmarks' dnsdist configuration (after
# shared/anchors/dnsdist.conf, ports and path adjusted) on stdout: 127.0.0.1:PORT, one
# upstream, a packet cache, the names of LIST (one a line) NXDOMAIN through a
# SuffixMatchNode. bench/dns/run.sh uses it as it is; encrypted.sh adds its DoT and DoH
# listeners.
set -euo pipefail
cat <<EOC
-- written by bench/dns/dnsdist_conf.sh, after shared/anchors/dnsdist.conf (ports and path adjusted)
setLocal("127.0.0.1:$1")
setACL({"127.0.0.0/8"})
newServer({address="127.0.0.1:$2"})
pc = newPacketCache(200000)
getPool(""):setCache(pc)
smn = newSuffixMatchNode()
for line in io.lines("$3") do smn:add(line) end
addAction(SuffixMatchNodeRule(smn), RCodeAction(DNSRCode.NXDOMAIN))
EOC
