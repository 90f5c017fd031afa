#!/usr/bin/env bash
# Write the anchor Unbound configuration (shared/anchors/unbound-rpz.conf: one thread,
# `respip iterator`, the RPZ zone file, forwarding "." to an upstream) with this run's
# ports and paths, for bench/lists and bench/dns alike.
# Usage: bench/unbound_rpz_conf.sh PORT ZONEFILE UPSTREAM_PORT DIRECTORY >unbound-rpz.conf
set -euo pipefail
port=$1 zone=$2 upport=$3 dir=$4
cat <<EOC
# after shared/anchors/unbound-rpz.conf (ports and paths adjusted)
server:
  interface: 127.0.0.1
  port: $port
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "$dir"
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 0
  module-config: "respip iterator"
  access-control: 127.0.0.0/8 allow
  num-threads: 1
  local-zone: "test." nodefault
  do-not-query-localhost: no
  msg-cache-size: 64m
  rrset-cache-size: 128m
rpz:
  name: "rpz.local."
  zonefile: $zone
  rpz-log: no
forward-zone:
  name: "."
  forward-addr: 127.0.0.1@$upport
EOC
