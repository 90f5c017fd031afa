/*
 * config_keys_dns.c -- the configuration keys of [dns], [rpz]: the resolver side: the
 * DNS service (UDP, TCP, DoT, DoH) and the RPZ zones served by transfer. One part of
 * the key table (config_keys.c lists the parts); the mechanism that reads it is
 * config.c.
 */
#include "core/service/config_int.h"

static const struct config_key keys[] = {
	{ "dns", "listen", K_STR, F(dns_listen), "127.0.0.1:5353, [::1]:5353",
	  "addresses the DNS service answers on (UDP and TCP), comma-separated" },
	{ "dns", "upstream", K_STR, F(dns_upstream), "127.0.0.1:53",
	  "the recursive resolvers queries are forwarded to, comma-separated" },
	{ "dns", "subscribers", K_STR, F(dns_subscribers), "127.0.0.0/8, ::1",
	  "client prefixes answered; every other client gets REFUSED (never an open resolver)" },
	{ "dns", "opt-out", K_STR, F(dns_opt_out), "",
	  "file of client prefixes that opted out (never filtered); re-read within 5 s of a "
	  "change" },
	{ "dns", "exempt", K_STR, F(dns_exempt), "",
	  "client prefixes exempt from the rate limits, comma-separated" },
	{ "dns", "block-action", K_CHOICE, F(dns_block_action), "nxdomain",
	  "answer to a blocked name: nxdomain, or walled-garden (the A/AAAA below)" },
	{ "dns", "soa-mname", K_DOMAIN, F(dns_soa_mname), "ispshield.invalid.",
	  "MNAME of the SOA record in the authority section of NXDOMAIN/NODATA block answers "
	  "(owner: the queried name; TTL and MINIMUM: block-ttl)" },
	{ "dns", "soa-rname", K_DOMAIN, F(dns_soa_rname), "hostmaster.ispshield.invalid.",
	  "RNAME (responsible mailbox) of that SOA record" },
	{ "dns", "canary", K_CHOICE, F(dns_canary), "on",
	  "answer use-application-dns.net (and names under it) NXDOMAIN to filtered clients, so "
	  "that browsers keep this resolver rather than switch to their default DoH" },
	{ "dns", "walled-garden-a", K_STR, F(dns_walled_garden_a), "",
	  "IPv4 address of the warning page for block-action = walled-garden" },
	{ "dns", "walled-garden-aaaa", K_STR, F(dns_walled_garden_aaaa), "",
	  "IPv6 address of the warning page for block-action = walled-garden" },
	{ "dns", "block-ttl", K_DURATION, F(dns_block_ttl), "60",
	  "TTL of every block answer: walled-garden A/AAAA, and the SOA TTL and MINIMUM of "
	  "NXDOMAIN/NODATA (how long resolvers behind may cache the negative answer)" },
	{ "dns", "threads", K_INT, F(dns_threads), "1",
	  "worker threads (each with its own sockets through SO_REUSEPORT)" },
	{ "dns", "metrics", K_STR, F(dns_metrics), "",
	  "ADDR:PORT of the Prometheus metrics endpoint (/metrics); empty = off" },
	{ "dns", "timeout-ms", K_INT, F(dns_timeout_ms), "1500",
	  "milliseconds to wait for an upstream before trying the next" },
	{ "dns", "tries", K_INT, F(dns_tries), "3",
	  "upstream attempts for one query before answering SERVFAIL" },
	{ "dns", "cache-mb", K_INT, F(dns_cache_mb), "64",
	  "packet cache size per worker thread in MiB; 0 = no cache" },
	{ "dns", "cache-max-ttl", K_DURATION, F(dns_cache_max_ttl), "1d",
	  "longest time an answer is cached, whatever its TTL" },
	{ "dns", "client-qps", K_INT, F(dns_client_qps), "0",
	  "queries a second one client (IPv4 /32, IPv6 /64) may send; 0 = no limit" },
	{ "dns", "client-burst", K_INT, F(dns_client_burst), "200",
	  "burst allowed above client-qps" },
	{ "dns", "rrl-rps", K_INT, F(dns_rrl_rps), "0",
	  "response-rate limit: same answers a second to one /24 or /56; 0 = off" },
	{ "dns", "rrl-slip", K_INT, F(dns_rrl_slip), "2",
	  "every Nth rate-limited response is sent truncated instead of dropped; 0 = never" },
	{ "dns", "wt-min-names", K_INT, F(dns_wt_min_names), "50",
	  "random-subdomain defence: distinct names under one zone before it can be flagged; 0 = "
	  "off" },
	{ "dns", "wt-nx-percent", K_INT, F(dns_wt_nx_percent), "80",
	  "random-subdomain defence: share of NXDOMAIN answers that flags a zone" },
	{ "dns", "wt-qps", K_INT, F(dns_wt_qps), "100",
	  "random-subdomain defence: NXDOMAIN answers a second under one zone that flag it" },
	{ "dns", "wt-window", K_DURATION, F(dns_wt_window), "10",
	  "random-subdomain defence: the window the counts are taken over" },
	{ "dns", "wt-hold", K_DURATION, F(dns_wt_hold), "60",
	  "random-subdomain defence: how long a flagged zone's unseen names are refused" },
	{ "dns", "wt-client-nx", K_INT, F(dns_wt_client_nx), "100",
	  "random-subdomain defence: NXDOMAIN answers per client and zone in wt-window beyond "
	  "which that client alone is refused there; 0 = no cap" },
	{ "dns", "upstream-0x20", K_CHOICE, F(dns_upstream_0x20), "on",
	  "randomise the case of names sent upstream and drop answers that do not echo it (DNS "
	  "0x20, against spoofed answers); off only for an upstream that does not keep case" },
	{ "dns", "ring", K_INT, F(dns_ring), "8192",
	  "block events buffered per worker before the store writer takes them; a full ring counts "
	  "drops" },
	{ "dns", "max-connections", K_INT, F(dns_max_connections), "4096",
	  "client connections over TCP, DoT and DoH per worker; beyond it new ones are closed at "
	  "once (an idle DoT connection costs about 0.5 KB, DoH 7 KB)" },
	{ "dns", "idle-timeout", K_DURATION, F(dns_idle_timeout), "10",
	  "a TCP, DoT or DoH connection with nothing going on, or whose answers wait unread, is "
	  "closed after this (RFC 7766; phones keep DoT open: a few minutes saves them "
	  "handshakes)" },
	{ "dns", "tls-listen", K_STR, F(dns_tls_listen), "",
	  "addresses of DNS over TLS (RFC 7858, ALPN dot), comma-separated (port 853 when not "
	  "given); empty = off. Needs tls-cert and tls-key" },
	{ "dns", "https-listen", K_STR, F(dns_https_listen), "",
	  "addresses of DNS over HTTPS (RFC 8484; HTTP/2 and HTTP/1.1), comma-separated (port "
	  "443 when not given); empty = off. Needs tls-cert and tls-key" },
	{ "dns", "tls-cert", K_STR, F(dns_tls_cert), "",
	  "PEM certificate (chain) of DoT and DoH; read again on SIGHUP (connections stay)" },
	{ "dns", "tls-key", K_STR, F(dns_tls_key), "",
	  "PEM private key of tls-cert (keep it readable by the service only)" },
	{ "dns", "https-path", K_STR, F(dns_https_path), "/dns-query",
	  "the path DoH answers GET (?dns=) and POST on; other paths get 404" },
	{ "dns", "tls-records", K_CHOICE, F(dns_tls_records), "own",
	  "after a TLS 1.3 handshake the service seals and opens the records itself and frees "
	  "OpenSSL's state (own: ~0.5 KB an idle DoT connection), or leaves them to OpenSSL "
	  "(openssl: ~14 KB)" },
	{ "dns", "proxy-protocol-from", K_STR, F(dns_proxy_from), "",
	  "prefixes of trusted terminators (dnsdist, HAProxy) that put a PROXY v2 header before "
	  "each datagram and stream: its source address is the subscriber; they must send one, "
	  "anyone else's is refused; empty = none" },
	{ "dns", "dnstap", K_STR, F(dns_dnstap), "",
	  "send block events (never allowed queries) as dnstap CLIENT_RESPONSE messages with "
	  "their policy to unix:PATH or tcp:ADDR:PORT (Frame Streams); empty = off" },
	{ "dns", "ddr-name", K_STR, F(dns_ddr_name), "",
	  "DDR (RFC 9462): the resolver's name in its TLS certificate, the target of the "
	  "_dns.resolver.arpa SVCB answers; empty = no DDR (those names are still answered "
	  "here, empty, never forwarded)" },
	{ "dns", "ddr-dot", K_STR, F(dns_ddr_dot), "",
	  "DDR: DNS-over-TLS endpoints to advertise, ADDR:PORT, comma-separated; empty = "
	  "dns.tls-listen where the service has it" },
	{ "dns", "ddr-doh", K_STR, F(dns_ddr_doh), "",
	  "DDR: DNS-over-HTTPS endpoints to advertise, ADDR:PORT, comma-separated; empty = "
	  "dns.https-listen where the service has it" },
	{ "dns", "ddr-doh-path", K_STR, F(dns_ddr_doh_path), "",
	  "DDR: the DoH path advertised (dohpath PATH{?dns}); empty = dns.https-path where the "
	  "service has it, else /dns-query" },
	{ "rpz", "listen", K_STR, F(rpz_listen), "127.0.0.1:5300",
	  "addresses `ispshield rpz` serves its zones on (UDP for SOA, TCP for AXFR/IXFR), "
	  "comma-separated" },
	{ "rpz", "zone", K_STR, F(rpz_zone), "",
	  "the RPZ zones served, comma-separated, each ZONE:LIST[+LIST...] (the lists of the "
	  "compiled snapshot it holds)" },
	{ "rpz", "tsig", K_STR, F(rpz_tsig), "",
	  "TSIG keys, comma-separated, each NAME:ALG:SECRETFILE (ALG hmac-sha256 or "
	  "hmac-sha512; the file, mode 0600, holds the base64 secret or a BIND key file)" },
	{ "rpz", "allow", K_STR, F(rpz_allow), "",
	  "who may query and transfer, comma-separated: CIDR (unsigned requests from there) or "
	  "key:NAME (requests signed with that key); empty = every key of rpz.tsig, or loopback "
	  "when there is none" },
	{ "rpz", "notify", K_STR, F(rpz_notify), "",
	  "secondaries (ADDR:PORT, comma-separated) sent a NOTIFY when a zone changes, resent "
	  "until they answer; empty = none" },
	{ "rpz", "journal-max", K_INT, F(rpz_journal_max), "1000000",
	  "record changes kept for IXFR (oldest dropped first); a secondary older than the "
	  "journal gets the whole zone" },
	{ "rpz", "max-transfers", K_INT, F(rpz_max_transfers), "16",
	  "zone transfers served at once, one member (an rpz.allow entry) at most half of them; "
	  "more are REFUSED (the secondary retries)" },
	{ "rpz", "idle-timeout", K_DURATION, F(rpz_idle_timeout), "30",
	  "a TCP connection that makes no progress this long is closed" },
	{ "rpz", "member-rate", K_INT, F(rpz_member_rate), "60",
	  "zone transfers one member (an rpz.allow entry) may start a minute; more are "
	  "REFUSED; 0 = no limit" },
	{ "rpz", "metrics", K_STR, F(rpz_metrics), "",
	  "ADDR:PORT of the Prometheus /metrics endpoint (per-member transfers, failures, "
	  "last serial); empty = off" },
	{ "rpz", "walled-garden", K_STR, F(rpz_walled), "",
	  "the name blocks of a walled-garden list are CNAMEd to in the RPZ zones; empty = "
	  "A/AAAA records of dns.walled-garden-a and -aaaa" },
};

const struct config_part config_part_dns = { keys, sizeof(keys) / sizeof(keys[0]) };
