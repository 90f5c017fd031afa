/*
 * config_keys.c -- the configuration key table: each key's section, name, type, where it
 * goes in struct isp_config, its default and its help (the text `ispshield config
 * --help`, the sample configuration and each command's flags show). The table is in
 * parts, one file per idea, listed here in the order `ispshield config` prints them;
 * this file holds the first: [core], [lists], [sync], [pull], [run] and [status] (the
 * store, the lists and how they are fetched and kept, `ispshield run`, the status page).
 * The mechanism that reads it is config.c.
 */
#include "core/service/config_int.h"

static const struct config_key keys[] = {
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
	{ "pull", "timeout", K_DURATION, F(pull_timeout), "10",
	  "how long each step of `lists pull` (connect, each message) may wait for the server" },
	{ "pull", "notify-listen", K_STR, F(pull_notify_listen), "",
	  "ADDR:PORT (UDP) where `lists pull --watch` takes NOTIFY from the primaries of the "
	  "[list.NAME] pull keys and pulls at once; empty = none (the SOA refresh only)" },
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
};

const struct config_part config_part_base = { keys, sizeof(keys) / sizeof(keys[0]) };

const struct config_part *const config_parts[] = {
	&config_part_base, &config_part_dns,   &config_part_web,
	&config_part_find, &config_part_crawl,
};

const size_t config_nparts = sizeof(config_parts) / sizeof(config_parts[0]);
