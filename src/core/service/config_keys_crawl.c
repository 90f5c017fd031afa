/*
 * config_keys_crawl.c -- the configuration keys of [crawl], [sites]: following
 * infection chains (the crawler) and the sites found on them (site notices). One part
 * of the key table (config_keys.c lists the parts); the mechanism that reads it is
 * config.c.
 */
#include "core/service/config_int.h"

static const struct config_key keys[] = {
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
};

const struct config_part config_part_crawl = { keys, sizeof(keys) / sizeof(keys[0]) };
