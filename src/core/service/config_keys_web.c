/*
 * config_keys_web.c -- the configuration keys of [proxy], [urlcheck]: the web side:
 * the warning proxy and the browsers' URL check. One part of the key table
 * (config_keys.c lists the parts); the mechanism that reads it is config.c.
 */
#include "core/service/config_int.h"

static const struct config_key keys[] = {
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

const struct config_part config_part_web = { keys, sizeof(keys) / sizeof(keys[0]) };
