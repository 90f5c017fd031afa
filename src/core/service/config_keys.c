/*
 * config_keys.c -- every configuration key: section, name, type, where it goes in struct
 * isp_config, its default and its help (the text `ispshield config --help`, the sample
 * configuration and each command's flags show). The mechanism that reads it is config.c.
 */
#include "core/service/config_int.h"

#include <stddef.h>

#define F(field) offsetof(struct isp_config, field), sizeof(((struct isp_config *)0)->field)

const struct config_key config_keys[] = {
	{ "core", "store", K_STR, F(store), "var/ispshield.db",
	  "the store: a SQLite file path (created with its folder by store migrate, imports "
	  "and services; other commands need it), or PostgreSQL: "
	  "postgresql://USER@HOST/DB or pg:CONNINFO" },
	{ "core", "state-dir", K_STR, F(state_dir), "",
	  "folder of the node's local files (snapshot, sessions index, notify lock) when their "
	  "own keys are empty; empty = the SQLite store's folder, or var for PostgreSQL" },
	{ "core", "snapshot", K_STR, F(snapshot), "",
	  "the compiled snapshot file; empty = ispshield.snap beside the store" },
	{ "core", "sessions", K_STR, F(sessions), "",
	  "the sessions index (who held which address when); empty = sessions.idx beside the "
	  "store" },
	{ "core", "store-group", K_STR, F(store_group), "",
	  "group given read access (mode 0640) to the SQLite store, its -wal/-shm and the "
	  "sessions index; empty = owner only (0600)" },
	{ "core", "events", K_CHOICE, F(events), "on",
	  "record block events (store, else spool): on, or off (logged on stderr only)" },
	{ "core", "spool", K_STR, F(spool), "",
	  "folder of the block-event spool used while the store is unreachable; empty = spool/ "
	  "in state-dir, else beside the store (var/spool for a store that is not a file)" },
	{ "core", "spool-max", K_INT, F(spool_max), "268435456",
	  "bytes one node's spool file may hold; events beyond are dropped and counted" },
	{ "core", "retention", K_DURATION, F(core_retention), "90d",
	  "how long block events and decided notify events are kept (store prune deletes older "
	  "ones; undecided events, notices and the subscriber history are kept); 0 = forever" },
	{ "core", "mask-after", K_DURATION, F(core_mask_after), "30d",
	  "age after which store prune cuts client addresses in block events and decided "
	  "events to their /24 (IPv4) or /56 (IPv6); 0 = never" },
	{ "core", "own-networks", K_STR, F(core_own_networks), "",
	  "the ISP's own address ranges (access and infrastructure), comma-separated prefixes: "
	  "the default of darknet.own and authwatch.own; empty = none" },
	{ "core", "log", K_CHOICE, F(core_log), "stderr",
	  "format of the services' log lines: stderr (time severity component: message), json "
	  "(a JSON object a line), syslog (RFC 5424 to core.syslog-socket), journald-json (the "
	  "journal's native fields to core.journal-socket)" },
	{ "core", "syslog-socket", K_STR, F(core_syslog_socket), "/dev/log",
	  "where core.log = syslog sends its datagrams" },
	{ "core", "journal-socket", K_STR, F(core_journal_socket), "/run/systemd/journal/socket",
	  "where core.log = journald-json sends its datagrams" },
	{ "core", "log-blocks", K_CHOICE, F(core_log_blocks), "summary",
	  "log lines of blocks (the store keeps every block event either way): each (a line "
	  "per block), summary (per list, a line a minute with the count), off" },
	{ "core", "timezone", K_STR, F(core_timezone), "",
	  "zone of times written without one (command line, syslog lines), and of times shown "
	  "to people (with their offset): an IANA name or UTC; empty = the system's zone" },
	{ "lists", "format", K_FORMAT, F(lists_format), "auto",
	  "default import format: auto, plain, hosts, rpz, urlhaus, feodo, csv, stix, misp" },
	{ "lists", "expiry", K_DURATION, F(lists_expiry), "0",
	  "lifetime of imported entries that carry no expiry (30d, 12h, ...); 0 = never" },
	{ "lists", "rpz-origin", K_DOMAIN, F(lists_rpz_origin), "rpz.ispshield.invalid",
	  "zone name of exported RPZ zones (export --origin overrides)" },
	{ "lists", "rpz-ttl", K_DURATION, F(lists_rpz_ttl), "300",
	  "TTL of the records in exported RPZ zones" },
	{ "lists", "max-shrink", K_INT, F(lists_max_shrink), "50",
	  "percent of a source's entries one import or sync may remove; more, no accepted "
	  "value, or more rejected than accepted changes nothing; 100 = no limit" },
	{ "lists", "recheck-offline-after", K_INT, F(lists_recheck_offline_after), "3",
	  "lists recheck: consecutive offline signals (NXDOMAIN, refused, 404, 410, payload "
	  "changed) before a URL is marked offline" },
	{ "lists", "offline-expiry", K_DURATION, F(lists_offline_expiry), "0",
	  "lists recheck: a URL offline for this long has its entries expire (left out of the "
	  "next compile); 0 = never" },
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
	{ "proxy", "listen", K_STR, F(proxy_listen), "127.0.0.1:3128",
	  "addresses the proxy listens on, comma-separated (ADDR:PORT, [IPv6]:PORT)" },
	{ "proxy", "subscribers", K_STR, F(proxy_subscribers), "127.0.0.0/8, ::1",
	  "client prefixes served; every other client gets 403 (never an open proxy)" },
	{ "proxy", "opt-out", K_STR, F(proxy_opt_out), "",
	  "file of opted-out client prefixes (never warned); re-read on change; empty = none" },
	{ "proxy", "secret-file", K_STR, F(proxy_secret_file), "",
	  "file whose bytes (at least 16) key the continue tokens; empty = random per start" },
	{ "proxy", "metrics", K_STR, F(proxy_metrics), "",
	  "ADDR:PORT of the Prometheus /metrics endpoint; empty = off" },
	{ "proxy", "walled-garden", K_CHOICE, F(proxy_walled_garden), "on",
	  "on: a plain request for a listed C&C name gets the cleaning page; off: 400" },
	{ "proxy", "threads", K_INT, F(proxy_threads), "1", "worker threads (SO_REUSEPORT)" },
	{ "proxy", "resolver-threads", K_INT, F(proxy_resolver_threads), "4",
	  "threads resolving upstream names (getaddrinfo), so that no lookup blocks a worker" },
	{ "proxy", "continue-ttl", K_DURATION, F(proxy_continue_ttl), "1h",
	  "how long a \"continue anyway\" permission lasts" },
	{ "proxy", "connect-timeout", K_DURATION, F(proxy_connect_timeout), "10",
	  "name lookup plus TCP connect to an upstream, then 504; also the longest a warning page "
	  "waits for its list metadata from the store" },
	{ "proxy", "header-timeout", K_DURATION, F(proxy_header_timeout), "10",
	  "a client must send a whole request head within this (slowloris), else 408" },
	{ "proxy", "idle-timeout", K_DURATION, F(proxy_idle_timeout), "60",
	  "an idle keep-alive connection, body transfer or tunnel is closed after this" },
	{ "proxy", "upstream-timeout", K_DURATION, F(proxy_upstream_timeout), "30",
	  "an upstream must start its response within this, else 504" },
	{ "proxy", "max-header-bytes", K_INT, F(proxy_max_header_bytes), "16384",
	  "largest request head (and response head) accepted; larger gets 431" },
	{ "proxy", "max-headers", K_INT, F(proxy_max_headers), "100",
	  "most header fields in a request or response; more gets 431" },
	{ "proxy", "max-connections", K_INT, F(proxy_max_connections), "4096",
	  "client connections per worker; beyond it new ones are closed at once" },
	{ "proxy", "ring", K_INT, F(proxy_ring), "1024",
	  "block events buffered per worker before the store writer takes them" },
	{ "proxy", "allow-destinations", K_STR, F(proxy_allow_destinations), "",
	  "upstream prefixes the proxy may reach although internal (loopback, private, ...); "
	  "the only way to reach one; empty = none" },
	{ "proxy", "deny-destinations", K_STR, F(proxy_deny_destinations), "",
	  "upstream prefixes always refused (the ISP's infrastructure), even inside "
	  "allow-destinations" },
	{ "proxy", "connect-ports", K_STR, F(proxy_connect_ports), "443",
	  "ports (and ranges, 8000-8100) a CONNECT may reach; others get 403; empty = none" },
	{ "proxy", "resolver", K_STR, F(proxy_resolver), "",
	  "ADDR[:PORT] of the DNS server that resolves upstream names (e.g. ispshield dns); "
	  "empty = the system resolver (getaddrinfo)" },
	{ "sessions", "format", K_CHOICE, F(sessions_format), "auto",
	  "default format of `sessions import`: auto, detail, radcsv, dhcpd, kea" },
	{ "sessions", "open-max", K_DURATION, F(sessions_open_max), "1d",
	  "a session without a Stop ends this long after its last Start/Interim-Update (or "
	  "when the address goes to someone else)" },
	{ "sessions", "clock-skew", K_DURATION, F(sessions_clock_skew), "1d",
	  "FreeRADIUS detail: Event-Timestamp is trusted within this of the receive time; "
	  "beyond it the NAS clock is taken to be wrong; 0 = always trust it" },
	{ "notify", "skew", K_DURATION, F(notify_skew), "5m",
	  "an event this close outside a session still matches it (unless another subscriber's "
	  "session is as close)" },
	{ "notify", "dedup-window", K_DURATION, F(notify_dedup_window), "7d",
	  "a subscriber told about a cause is not told again about it within this window" },
	{ "notify", "rate-window", K_DURATION, F(notify_rate_window), "1d",
	  "window of the per-subscriber notice limit" },
	{ "notify", "max-per-window", K_INT, F(notify_max_per_window), "1",
	  "notices one subscriber gets per rate-window at most; further events wait" },
	{ "notify", "smtp", K_STR, F(notify_smtp), "",
	  "SMTP server URL: smtp://host:port (STARTTLS per smtp-tls) or smtps://host:port" },
	{ "notify", "smtp-tls", K_CHOICE, F(notify_smtp_tls), "try",
	  "STARTTLS on smtp:// URLs: none, try (when offered), require" },
	{ "notify", "smtp-user", K_STR, F(notify_smtp_user), "",
	  "SMTP AUTH user name; empty = no authentication" },
	{ "notify", "smtp-password-file", K_STR, F(notify_smtp_password_file), "",
	  "file holding the SMTP AUTH password (first line)" },
	{ "notify", "maildir", K_STR, F(notify_maildir), "",
	  "deliver into this Maildir instead of SMTP (for review before sending, and tests)" },
	{ "notify", "from", K_STR, F(notify_from), "abuse@isp.example",
	  "sender address of the notices (From and envelope)" },
	{ "notify", "isp-name", K_STR, F(notify_isp_name), "Example ISP",
	  "the ISP's name as the notices write it" },
	{ "notify", "contact", K_STR, F(notify_contact), "abuse@isp.example",
	  "whom subscribers can ask (shown in every notice)" },
	{ "notify", "opt-out-info", K_STR, F(notify_opt_out_info), "reply with the word STOP",
	  "how a subscriber stops these notices (shown in every English notice)" },
	{ "notify", "opt-out-info-ja", K_STR, F(notify_opt_out_info_ja),
	  "このメールに「配信停止」とご返信ください",
	  "the same in Japanese (shown in every Japanese notice)" },
	{ "notify", "templates", K_STR, F(notify_templates), "",
	  "folder of notice templates overriding the built-in ones (frame.LANG.txt, "
	  "CAUSE.LANG.txt); empty = built-in" },
	{ "notify", "max-attempts", K_INT, F(notify_max_attempts), "8",
	  "delivery attempts before a notice is given up (state failed)" },
	{ "notify", "retry", K_DURATION, F(notify_retry), "1m",
	  "wait before the first retry; doubles with each attempt, up to 6h" },
	{ "darknet", "sensor", K_STR, F(darknet_sensor), "",
	  "the sensor's destination prefixes, comma-separated (darknet --sensor overrides)" },
	{ "darknet", "own", K_STR, F(darknet_own), "",
	  "the ISP's own prefixes: sources inside become infected-host events (--own overrides); "
	  "empty = core.own-networks" },
	{ "darknet", "geoip", K_STR, F(darknet_geoip), "",
	  "GeoLite2/DB-IP country mmdb for source countries; empty = every country unknown" },
	{ "darknet", "exact-max", K_INT, F(darknet_exact_max), "8000000",
	  "distinct (source, day, sensor, port) tuples counted exactly (8 bytes each at most "
	  "twice over); beyond, HyperLogLog estimates (1.6 % standard error)" },
	{ "darknet", "max-sources", K_INT, F(darknet_max_sources), "4000000",
	  "sources tracked one by one (about 140 bytes each); beyond, only counted (HLL)" },
	{ "darknet", "top", K_INT, F(darknet_top), "10",
	  "ports and countries listed in the top tables (at most 64)" },
	{ "darknet", "sources", K_INT, F(darknet_sources), "1000",
	  "sources listed in JSON/CSV output, most packets first; 0 = all" },
	{ "darknet", "campaign-factor", K_INT, F(darknet_campaign_factor), "5",
	  "a port whose distinct sources in a day reach this many times its baseline is a new "
	  "campaign" },
	{ "darknet", "campaign-min-sources", K_INT, F(darknet_campaign_min_sources), "20",
	  "... and at least this many distinct sources" },
	{ "darknet", "campaign-days", K_INT, F(darknet_campaign_days), "7",
	  "the baseline: mean distinct sources of the port over up to this many earlier days" },
	{ "darknet", "attack-gap", K_DURATION, F(darknet_attack_gap), "5m",
	  "backscatter: a victim silent this long ends its attack period (Moore et al.)" },
	{ "darknet", "attack-min-packets", K_INT, F(darknet_attack_min_packets), "25",
	  "backscatter: packets an attack period needs to count as an attack" },
	{ "darknet", "attack-min-duration", K_DURATION, F(darknet_attack_min_duration), "60",
	  "backscatter: how long an attack period must last to count" },
	{ "survey", "authorised", K_STR, F(survey_authorised), "",
	  "the only prefixes the survey may probe, comma-separated (--authorised overrides); "
	  "empty = the survey refuses to run" },
	{ "survey", "exclude", K_STR, F(survey_exclude), "",
	  "file of prefixes never probed (one a line, '#' comments); empty = none" },
	{ "survey", "probe", K_STR, F(survey_probe), "dns,http,proxy",
	  "probes to run: dns, http, proxy, comma-separated" },
	{ "survey", "probe-zone", K_STR, F(survey_probe_zone), "",
	  "a zone the operator controls; probes ask for <token>.<contact-label>.<zone> A" },
	{ "survey", "expect-a", K_STR, F(survey_expect_a), "",
	  "the IPv4 address the probe zone answers for every probe name" },
	{ "survey", "contact", K_STR, F(survey_contact), "",
	  "who is scanning and how to reach them (URL, mail), sent in the HTTP User-Agent" },
	{ "survey", "contact-label", K_STR, F(survey_contact_label), "ispshield-survey",
	  "one DNS label naming the scanner in every probe name" },
	{ "survey", "source", K_STR, F(survey_source), "",
	  "source IPv4 address of the DNS probes; empty = the route's source address" },
	{ "survey", "serve-zone", K_STR, F(survey_serve_zone), "",
	  "ADDR:PORT on which the survey serves the probe zone itself and detects forwarders; "
	  "empty = off" },
	{ "survey", "state", K_STR, F(survey_state), "",
	  "file holding the resumable state (key, group, position); empty = none" },
	{ "survey", "rate", K_INT, F(survey_rate), "10000",
	  "DNS probes per second (0 = as fast as possible)" },
	{ "survey", "retries", K_INT, F(survey_retries), "1",
	  "extra DNS passes over targets that have not answered" },
	{ "survey", "cooldown-ms", K_INT, F(survey_cooldown_ms), "3000",
	  "wait for replies after each DNS pass, in milliseconds" },
	{ "survey", "edns", K_INT, F(survey_edns), "4096",
	  "EDNS UDP size advertised by the probes (0 = no EDNS)" },
	{ "survey", "http-ports", K_STR, F(survey_http_ports), "80,8080",
	  "ports of the router admin-page probe" },
	{ "survey", "http-paths", K_STR, F(survey_http_paths), "/",
	  "paths requested by the admin-page probe, comma-separated (at most 8)" },
	{ "events", "shadowserver-schema", K_STR, F(events_shadowserver_schema),
	  ISP_SS_SCHEMA_DEFAULT,
	  "Shadowserver's report schema (the JSON it publishes for IntelMQ): which column of "
	  "which report type is the address, time, port, family, and what each type is "
	  "about; events import reads every report type it lists (the default: the copy "
	  "installed beside the binary); empty = none, Shadowserver reports then need it" },
	{ "survey", "fingerprints", K_STR, F(survey_fingerprints), "data/survey/fingerprints.txt",
	  "the router fingerprint file" },
	{ "survey", "proxy-ports", K_STR, F(survey_proxy_ports), "8909,3128,8080",
	  "ports of the open-proxy probe" },
	{ "survey", "proxy-test", K_STR, F(survey_proxy_test), "",
	  "HOST:PORT of the operator's test web server the proxy probe asks for" },
	{ "survey", "proxy-expect", K_STR, F(survey_proxy_expect), "",
	  "a string the test server's page holds; a target that returns it relays" },
	{ "survey", "timeout-ms", K_INT, F(survey_timeout_ms), "3000",
	  "deadline of one TCP exchange (connect, request, bounded read)" },
	{ "survey", "threads", K_INT, F(survey_threads), "32", "TCP probe workers" },
	{ "survey", "tcp-rate", K_INT, F(survey_tcp_rate), "200",
	  "TCP connections started per second (0 = unlimited)" },
	{ "crawl", "max-hops", K_INT, F(crawl_max_hops), "10",
	  "navigation hops followed from one start URL (3xx, Refresh, meta refresh, script "
	  "location), at most 64" },
	{ "crawl", "depth", K_INT, F(crawl_depth), "1",
	  "levels of frames, scripts and embeds fetched as chains of their own (0 = none)" },
	{ "crawl", "concurrency", K_INT, F(crawl_concurrency), "16",
	  "fetches at once (crawl: chains; lists recheck: URLs)" },
	{ "crawl", "timeout", K_DURATION, F(crawl_timeout), "30",
	  "wall-clock limit of one chain, all its hops together" },
	{ "crawl", "low-speed-bytes", K_INT, F(crawl_low_speed_bytes), "100",
	  "a hop slower than this many bytes per second for low-speed-time seconds is "
	  "abandoned (slow-trickle servers)" },
	{ "crawl", "low-speed-time", K_INT, F(crawl_low_speed_time), "10",
	  "seconds below low-speed-bytes before a hop is abandoned" },
	{ "crawl", "max-body", K_INT, F(crawl_max_body), "10485760",
	  "bytes kept of one body after decompression; a longer body is cut there, marked "
	  "truncated" },
	{ "crawl", "user-agent", K_STR, F(crawl_user_agent),
	  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
	  "Chrome/120.0 Safari/537.36",
	  "User-Agent of the crawler (a browser's, so that kits serve it what they serve "
	  "victims)" },
	{ "crawl", "accept-language", K_STR, F(crawl_accept_language), "ja,en-US;q=0.8",
	  "Accept-Language of the crawler's requests" },
	{ "crawl", "referer", K_STR, F(crawl_referer), "",
	  "Referer of each start URL (a search page); later hops send the previous hop" },
	{ "crawl", "allow-destinations", K_STR, F(crawl_allow_destinations), "",
	  "prefixes the crawler may fetch from although internal (loopback, private, ...); "
	  "the only way to reach one; empty = none" },
	{ "crawl", "deny-destinations", K_STR, F(crawl_deny_destinations), "",
	  "prefixes never fetched from (the ISP's infrastructure), even inside "
	  "allow-destinations" },
	{ "crawl", "rules", K_STR, F(crawl_rules), "",
	  "YARA rule files, comma-separated (the starter set: data/yara/crawl.yar); a page or "
	  "file a rule matches is an attack hop; empty = none" },
	{ "crawl", "host-interval-ms", K_INT, F(crawl_host_interval_ms), "1000",
	  "lists recheck: least milliseconds between two fetches from one host, one at a time "
	  "each (1000: one request per second per host); 0 = no pause (crawl: "
	  "fetch-interval-ms)" },
	{ "crawl", "host-concurrency", K_INT, F(crawl_host_concurrency), "6",
	  "crawl: fetches under way to one host at once (6, as browsers); a hop that would "
	  "exceed it waits, keeping its chain's place among concurrency; 0 = no limit" },
	{ "crawl", "fetch-interval-ms", K_INT, F(crawl_fetch_interval_ms), "0",
	  "crawl: least milliseconds between the starts of two fetches from one host; 0 = no "
	  "pause" },
	{ "crawl", "revisit-after", K_DURATION, F(crawl_revisit_after), "24h",
	  "crawl: a URL fetched from the same exit (direct, or the profile's proxy) by an "
	  "earlier run less than this long ago is not fetched again (kits that serve an "
	  "address once); 0 = no visit log" },
	{ "crawl", "visit-log", K_STR, F(crawl_visit_log), "",
	  "crawl: the visit log, one visit a line (several runs share it: not two at once); "
	  "empty = visits.log in the --out folder" },
	{ "crawl", "proxy", K_STR, F(crawl_proxy), "",
	  "egress proxy of the crawler's fetches (socks5h://HOST:PORT, http://HOST:PORT); "
	  "empty = direct ([crawl.profile.NAME] proxy = per profile)" },
	{ "crawl", "scripts", K_CHOICE, F(crawl_scripts), "on",
	  "run a page's inline scripts in the embedded JavaScript engine (duktape, a "
	  "limited child process) when the pattern reader finds no navigation: on, off" },
	{ "authwatch", "format", K_STR, F(authwatch_format), "auto",
	  "log format: auto, radius, postfix, dovecot, json (--format overrides)" },
	{ "authwatch", "own", K_STR, F(authwatch_own), "",
	  "the ISP's access network, comma-separated prefixes: logins from outside it are "
	  "detections (--own overrides); empty = core.own-networks, and if that is empty too, not "
	  "checked" },
	{ "authwatch", "outside-services", K_STR, F(authwatch_outside_services), "ppp",
	  "services whose logins must come from inside `own`: ppp, smtp, imap, pop3, web, other" },
	{ "authwatch", "suspend", K_STR, F(authwatch_suspend),
	  "many-sources,concurrent,outside,smtp-abuse",
	  "detection types that put the account on the suspend list (empty = none)" },
	{ "authwatch", "state-file", K_STR, F(authwatch_state_file), "",
	  "where -f keeps each file's position; empty = authwatch.state beside the store" },
	{ "authwatch", "max-keys", K_INT, F(authwatch_max_keys), "16384",
	  "entries in each of the account, source and network tables (about 600 bytes each)" },
	{ "authwatch", "brute-window", K_DURATION, F(authwatch_brute_window), "10m",
	  "brute force: the window" },
	{ "authwatch", "brute-failures", K_INT, F(authwatch_brute_failures), "10",
	  "brute force: failures of one account in the window" },
	{ "authwatch", "spray-window", K_DURATION, F(authwatch_spray_window), "1h",
	  "password spraying: the window" },
	{ "authwatch", "spray-accounts", K_INT, F(authwatch_spray_accounts), "10",
	  "password spraying: distinct accounts failing from one source or network (at most 16)" },
	{ "authwatch", "spray-max-tries", K_INT, F(authwatch_spray_max_tries), "3",
	  "password spraying: at most this many failures per account on average" },
	{ "authwatch", "wave-window", K_DURATION, F(authwatch_wave_window), "10m",
	  "credential stuffing: the window (judged over one to two of them)" },
	{ "authwatch", "wave-accounts", K_INT, F(authwatch_wave_accounts), "100",
	  "credential stuffing: distinct failing accounts, all sources together" },
	{ "authwatch", "wave-sources", K_INT, F(authwatch_wave_sources), "20",
	  "credential stuffing: distinct failing sources" },
	{ "authwatch", "sources-window", K_DURATION, F(authwatch_sources_window), "1h",
	  "one account from many sources: the window" },
	{ "authwatch", "sources-max", K_INT, F(authwatch_sources_max), "5",
	  "one account from many sources: distinct sources of successful logins (at most 16)" },
	{ "authwatch", "session-max", K_DURATION, F(authwatch_session_max), "1d",
	  "accounting: a session without Stop or Interim for this long counts as closed" },
	{ "authwatch", "concurrent-max", K_INT, F(authwatch_concurrent_max), "1",
	  "accounting: open sessions one account may have (more is a detection; at most 3)" },
	{ "authwatch", "smtp-window", K_DURATION, F(authwatch_smtp_window), "1h",
	  "SMTP AUTH abuse: the window" },
	{ "authwatch", "smtp-min", K_INT, F(authwatch_smtp_min), "100",
	  "SMTP AUTH abuse: messages of one account in the window before volume is judged" },
	{ "authwatch", "smtp-factor", K_INT, F(authwatch_smtp_factor), "10",
	  "SMTP AUTH abuse: ... and this many times its baseline (messages per window before)" },
	{ "authwatch", "smtp-sources", K_INT, F(authwatch_smtp_sources), "5",
	  "SMTP AUTH abuse: distinct sources submitting for one account (at most 16)" },
	{ "authwatch", "typo-window", K_DURATION, F(authwatch_typo_window), "5m",
	  "a success of an account from a source this soon after at most 3 failures of it "
	  "from there withdraws them (a typo, not an attack); 0 = never" },
	{ "authwatch", "own-networks-spray", K_CHOICE, F(authwatch_own_spray), "off",
	  "on: failures from `own` addresses also add up per /24 (/48) as a spraying network" },
	{ "run", "services", K_STR, F(run_services),
	  "dns, proxy, notify, status, sync, prune, rpz, urlcheck, pull",
	  "what `ispshield run` starts: dns, proxy, status, rpz, urlcheck, pull (kept running; "
	  "rpz only when rpz.zone is set, urlcheck only when urlcheck.listen is, pull when a "
	  "[list.NAME] has a pull key), notify, sync, prune "
	  "(run every interval)" },
	{ "run", "notify-interval", K_DURATION, F(run_notify_interval), "60",
	  "how often `ispshield run` runs notify (new events are matched and notified)" },
	{ "run", "sync-interval", K_DURATION, F(run_sync_interval), "1h",
	  "how often `ispshield run` runs lists sync (when sync.url is set)" },
	{ "run", "prune-interval", K_DURATION, F(run_prune_interval), "1d",
	  "how often `ispshield run` runs store prune (core.retention, core.mask-after)" },
	{ "run", "prune-delay", K_DURATION, F(run_prune_delay), "5m",
	  "how long after its start `ispshield run` runs store prune the first time" },
	{ "run", "stop-timeout", K_DURATION, F(run_stop_timeout), "10",
	  "on SIGTERM, how long `ispshield run` waits for a service before SIGKILL" },
	{ "sync", "url", K_STR, F(sync_url), "",
	  "URL of the signed list feed `lists sync` fetches (http, https, file), or a TAXII 2.1 "
	  "collection (taxii2+https://HOST/API-ROOT/collections/ID/); empty = none" },
	{ "sync", "taxii-auth-file", K_STR, F(sync_taxii_auth_file), "",
	  "TAXII: file (mode 0600) whose first line is `basic USER:PASSWORD` or `bearer TOKEN`; "
	  "empty = no authentication" },
	{ "sync", "taxii-list", K_STR, F(sync_taxii_list), "taxii",
	  "TAXII: the collection's indicators go to the lists NAME-domain, NAME-url, NAME-ip" },
	{ "sync", "public-key", K_STR, F(sync_public_key), "",
	  "the feed's Ed25519 public key file (`lists keygen` on the publishing side)" },
	{ "sync", "max-bytes", K_INT, F(sync_max_bytes), "268435456",
	  "largest list file a sync downloads (bytes); a larger one fails the sync" },
	{ "sync", "timeout", K_DURATION, F(sync_timeout), "5m",
	  "longest one download of a sync may take" },
	{ "sync", "ca-file", K_STR, F(sync_ca_file), "",
	  "PEM file of the CAs trusted for https feeds; empty = the system's CA store" },
	{ "sync", "max-age", K_DURATION, F(sync_max_age), "7d",
	  "a feed whose manifest was published longer ago is an error (stale), also on a 304; "
	  "0 = no limit" },
	{ "sites", "country", K_STR, F(sites_country), "JP",
	  "country whose sites are notified (ISO 3166 code): the ccTLD and the delegated cc" },
	{ "sites", "delegated", K_STR, F(sites_delegated), "",
	  "RIR delegated-extended statistics file (registry|cc|type|start|value|date|status): "
	  "a host whose address is in a range of sites.country is domestic; empty = none" },
	{ "sites", "geoip", K_STR, F(sites_geoip), "",
	  "GeoIP country mmdb (GeoLite2 / DB-IP); decides only for an address that no range of "
	  "sites.delegated covers; empty = none" },
	{ "sites", "rdap-bootstrap", K_STR, F(sites_rdap_bootstrap), "",
	  "folder of the IANA RDAP bootstrap files (dns.json, ipv4.json, ipv6.json) that name "
	  "the RDAP servers; empty = no RDAP look-ups" },
	{ "sites", "crawl-dir", K_STR, F(sites_crawl_dir), "",
	  "output folder of `ispshield crawl` (or a folder of them, read in name order): the "
	  "chain, User-Agent, Referer, SHA-256 and YARA rules of each listed URL it reached go "
	  "with the URL into the notice; empty = none" },
	{ "sites", "notice-format", K_CHOICE, F(sites_notice_format), "text",
	  "site notices: text, or xarf (the text and an X-ARF v4 report, multipart/report)" },
	{ "sites", "whois-jp", K_STR, F(sites_whois_jp), "whois.jprs.jp:43",
	  "HOST:PORT of the JPRS WHOIS server asked about .jp names; empty = not asked" },
	{ "sites", "resolver", K_STR, F(sites_resolver), "",
	  "ADDR:PORT of the DNS server that resolves listed hosts and contact servers; empty = "
	  "the system's resolver" },
	{ "sites", "allow-destinations", K_STR, F(sites_allow_destinations), "",
	  "prefixes look-ups may reach although private or loopback (tests, internal RDAP); "
	  "every other such address is refused" },
	{ "sites", "ca-file", K_STR, F(sites_ca_file), "",
	  "PEM file of the CAs trusted for https look-ups; empty = the system's CA store" },
	{ "sites", "timeout", K_DURATION, F(sites_timeout), "10",
	  "longest one look-up (security.txt, RDAP, WHOIS) may take" },
	{ "sites", "cache-ttl", K_DURATION, F(sites_cache_ttl), "1d",
	  "how long a look-up's answer (security.txt, RDAP, WHOIS, also 'not found') is kept "
	  "in the store and used again instead of asking; 0 = always ask" },
	{ "sites", "rate", K_INT, F(sites_rate), "2",
	  "look-ups per second to one server at most (JPRS and RDAP servers limit clients); "
	  "0 = no limit" },
	{ "sites", "renotify-after", K_DURATION, F(sites_renotify_after), "7d",
	  "a site that `lists recheck` still finds online this long after its last notice "
	  "gets a follow-up (to its hosting contact first)" },
	{ "sites", "max-notices", K_INT, F(sites_max_notices), "3",
	  "notices one site gets at most, follow-ups included" },
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
	{ "pull", "timeout", K_DURATION, F(pull_timeout), "10",
	  "how long each step of `lists pull` (connect, each message) may wait for the server" },
	{ "pull", "notify-listen", K_STR, F(pull_notify_listen), "",
	  "ADDR:PORT (UDP) where `lists pull --watch` takes NOTIFY from the primaries of the "
	  "[list.NAME] pull keys and pulls at once; empty = none (the SOA refresh only)" },
	{ "status", "listen", K_STR, F(status_listen), "127.0.0.1:8053",
	  "ADDR:PORT the status page and its JSON API are served on (keep it on loopback or "
	  "an operator network)" },
	{ "status", "user", K_STR, F(status_user), "",
	  "HTTP basic auth user of the status page; empty = no authentication" },
	{ "status", "password-file", K_STR, F(status_password_file), "",
	  "file holding the basic auth password (first line); required when user is set" },
	{ "status", "scrape", K_STR, F(status_scrape), "",
	  "Prometheus endpoints (ADDR:PORT, comma-separated) sampled for QPS and block rate; "
	  "empty = dns.metrics and proxy.metrics" },
	{ "status", "interval", K_DURATION, F(status_interval), "10",
	  "sampling period of the endpoints and refresh of the figures (at least 1 s)" },
	{ "status", "window", K_DURATION, F(status_window), "1d",
	  "top blocked names and lists, and the blocks chart, cover this much time" },
	{ "status", "darknet", K_STR, F(status_darknet), "",
	  "a `darknet --json` report whose figures the page shows; empty = none" },
	{ "urlcheck", "listen", K_STR, F(urlcheck_listen), "",
	  "ADDR:PORT the browser extension's prefix lists and full hashes are served on; "
	  "empty = not served (`run` starts urlcheck only when set)" },
	{ "urlcheck", "origin", K_STR, F(urlcheck_origin), "",
	  "the extension's origin (chrome-extension://ID): the only origin CORS allows; "
	  "empty = none" },
	{ "urlcheck", "tls-cert", K_STR, F(urlcheck_tls_cert), "",
	  "certificate chain (PEM) to serve HTTPS with; empty = plain HTTP (behind a TLS "
	  "front end)" },
	{ "urlcheck", "tls-key", K_STR, F(urlcheck_tls_key), "",
	  "private key (PEM) of tls-cert; must not be readable by others" },
	{ "urlcheck", "metrics", K_STR, F(urlcheck_metrics), "",
	  "ADDR:PORT of the Prometheus endpoint (GET /metrics); empty = none" },
	{ "urlcheck", "versions", K_INT, F(urlcheck_versions), "8",
	  "previous list versions kept, so that their clients update by a difference (at "
	  "most 64)" },
	{ "urlcheck", "update-interval", K_DURATION, F(urlcheck_update_interval), "30m",
	  "how often clients are told to update their prefix list" },
	{ "urlcheck", "cache", K_DURATION, F(urlcheck_cache), "5m",
	  "how long a client may keep a full-hash answer" },
};

const size_t config_nkeys = sizeof(config_keys) / sizeof(config_keys[0]);
