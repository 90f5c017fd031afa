# rpzlib.sh -- what the tests of `ispshield rpz` with real secondaries share (rpz.sh: BIND 9;
# rpz_resolvers.sh: PowerDNS Recursor and Unbound), sourced after testlib.sh:
#   the lists (a domain list with an exact, a wildcard and an allowlisted entry; an ip list),
#   compiled; the TSIG key k1 (tests/data/rpz's secret, so kdig's captured requests are ours);
#   the names every resolver's upstream holds (rpz_names, as zone lines or Unbound
#   local-data); the change after which a secondary must see new.example blocked and
#   gone.example answered; and a dig that prints the status of an answer.
# Services are started by the tests themselves (testlib.sh: not in a function with &).

# rpz_need TOOL...: skip (77) when a peer is not installed
rpz_need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || { echo "skip: $t not found (scripts/deps.sh installs it)"; exit 77; }
	done
}

isp() { "$bin" --store "$work/s.db" --snapshot "$work/s.snap" "$@"; }

# rpz_lists: lists dom (evil.example, *.bad.example, gone.example; good.bad.example
# allowlisted) and ips (192.0.2.0/24, 2001:db8::1), compiled; k1.key and $K1 (its secret)
rpz_lists() {
	printf 'evil.example\n*.bad.example\ngone.example\n' >dom.txt
	printf '192.0.2.0/24\n2001:db8::1\n' >ips.txt
	isp lists import --list dom --kind domain --format plain dom.txt 2>/dev/null || die "import dom"
	isp lists import --list ips --kind ip --format plain ips.txt 2>/dev/null || die "import ips"
	isp lists allow add good.bad.example --reason test 2>/dev/null || die "allow add"
	isp lists compile 2>/dev/null || die "compile"
	K1=$(cat "$src/tests/data/rpz/k1.secret")
	install -m 600 "$src/tests/data/rpz/k1.secret" k1.key
}

# rpz_change: gone.example out of dom, new.example in; compiled
rpz_change() {
	printf 'evil.example\n*.bad.example\nnew.example\n' >dom.txt
	isp lists import --list dom --format plain dom.txt 2>/dev/null || die "import dom (changed)"
	isp lists compile 2>/dev/null || die "compile (changed)"
}

# The upstream's names under example. (NAME ADDRESS): every test name answers, so that a
# blocked answer can only come from the RPZ
rpz_names() {
	cat <<N
ns 192.0.2.53
evil 198.51.100.1
gone 198.51.100.2
new 198.51.100.3
keep 198.51.100.4
x.bad 198.51.100.5
good.bad 198.51.100.6
inlisted 192.0.2.7
N
}
# rpz_names_zone: the zone file of example. (BIND)
rpz_names_zone() {
	printf '$TTL 60\n@ IN SOA ns.example. h.example. 1 3600 600 86400 60\n  IN NS ns.example.\n'
	rpz_names | awk '{ print $1 " IN A " $2 }'
}
# rpz_names_unbound: the same as Unbound server: lines
rpz_names_unbound() {
	printf '  local-zone: "example." static\n'
	printf '  local-data: "example. 60 IN SOA ns.example. h.example. 1 3600 600 86400 60"\n'
	rpz_names | awk '{ printf "  local-data: \"%s.example. 60 IN A %s\"\n", $1, $2 }'
}

# rpzq PORT NAME: the status (NOERROR, NXDOMAIN ...) of NAME A asked of 127.0.0.1:PORT
rpzq() { dig +tries=1 +time=2 -p "$1" @127.0.0.1 "$2" A | awk '/status:/ { sub(",", "", $6); print $6 }'; }

# rpz_check_blocks WHO PORT: the listed names blocked through the resolver, the others
# answered (before the change)
rpz_check_blocks() {
	until_eq NXDOMAIN rpzq "$2" evil.example || bad "$1 never blocked evil.example: $(rpzq "$2" evil.example)"
	eq "$(rpzq "$2" x.bad.example)" NXDOMAIN "x.bad.example through $1 (wildcard)"
	eq "$(rpzq "$2" good.bad.example)" NOERROR "good.bad.example through $1 (allowlist: passthru)"
	eq "$(rpzq "$2" keep.example)" NOERROR "keep.example through $1"
	eq "$(rpzq "$2" gone.example)" NXDOMAIN "gone.example through $1"
	eq "$(rpzq "$2" inlisted.example)" NXDOMAIN "inlisted.example through $1 (its address in 192.0.2.0/24: rpz-ip)"
}
# rpz_check_change WHO PORT: after rpz_change
rpz_check_change() {
	until_eq NXDOMAIN rpzq "$2" new.example || bad "$1 never blocked new.example"
	until_eq NOERROR rpzq "$2" gone.example || bad "$1 still blocks gone.example"
	eq "$(rpzq "$2" evil.example)" NXDOMAIN "evil.example still blocked through $1 after the change"
}
