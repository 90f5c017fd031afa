/*
 * config.h -- the INI configuration file (libinih) and its command-line overrides.
 *
 * Every key lives in one table (config.c): section, name, default and a one-line
 * description. The file parser, the `-o SECTION.KEY=VALUE` override and `ispshield
 * config` (which prints the effective configuration) all read that table, and a unit
 * test checks that etc/ispshield.conf documents exactly the keys of the table. An
 * unknown section or key, or a bad value, refuses to start with the file, line, key and
 * reason (fail closed: a typo must not silently fall back to a default).
 */
#ifndef ISP_CORE_CONFIG_H
#define ISP_CORE_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "core/base/err.h"

#define CONFIG_PATH_MAX 4096

/* Per-list policy ([list.NAME] sections) and profiles ([profile.NAME] sections). */
#define CONFIG_MAX_LISTS    64
#define CONFIG_MAX_PROFILES 16
#define CONFIG_NAME_MAX	    64

/* What the DNS service answers for a name of a list ([list.NAME] action). */
enum config_list_action {
	LIST_ACTION_DEFAULT = 0, /* dns.block-action: nxdomain, or walled-garden */
	LIST_ACTION_NXDOMAIN,
	LIST_ACTION_WALLED,
	LIST_ACTION_REFUSED,
	LIST_ACTION_LOG_ONLY, /* answered normally, the hit recorded and counted */
};

struct config_list {
	char name[CONFIG_NAME_MAX];
	int action;	      /* enum config_list_action */
	char ede_text[256];   /* EDE extra text of its blocks; "" = "blocked by ... LIST: ENTRY" */
	char page[1024];      /* the proxy's warning page template for it; "" = built in */
	char display[2][128]; /* what subscribers read for it: [0] English, [1] Japanese;
				 "" = the other one, else a generic description */
	int events;	      /* 0: nothing recorded about who hit it */
	int notify;	      /* 0: its events are recorded but never notified */
	char pull[512];	      /* "HOST[:PORT] ZONE": `lists pull` fetches it; "" = none */
	char pull_tsig[1024]; /* NAME:ALG:SECRETFILE of the pull; "" = unsigned */
	char pull_kind[8];    /* the kind the pull creates the list with; "" = domain */
};

struct config_profile {
	char name[CONFIG_NAME_MAX];
	char lists[1024]; /* list names, comma-separated; "" = every list */
	int all;	  /* no `lists` key: every list */
};

/* A crawler's visitor profile ([crawl.profile.NAME]; `crawl --profile NAME`). A key the
 * section does not set takes the [crawl] key of the same name (has_* = 0); an empty
 * value sends nothing. */
#define CONFIG_MAX_CRAWL_PROFILES 16
struct config_crawl_profile {
	char name[CONFIG_NAME_MAX];
	char user_agent[512];
	char accept_language[128];
	char referer[1024]; /* Referer of the start URL (a search page) */
	char proxy[512];    /* egress proxy: socks5h://, socks5://, http:// ...; "" = direct */
	int has_user_agent, has_accept_language, has_referer, has_proxy;
};

struct isp_config {
	/* [core] */
	char store[CONFIG_PATH_MAX];	 /* store spec (SQLite file path, postgresql://...) */
	char state_dir[CONFIG_PATH_MAX]; /* local files' folder; "" = beside a SQLite store */
	char snapshot[CONFIG_PATH_MAX];	 /* snapshot file; "" = ispshield.snap beside store */
	char sessions[CONFIG_PATH_MAX];	 /* sessions index; "" = sessions.idx beside store */
	char store_group[64];		 /* group of private files (0640); "" = none (0600) */
	char events[8];			 /* on | off: record block events at all */
	char spool[CONFIG_PATH_MAX];	 /* event spool folder; "" = see config_spool_dir */
	char core_own_networks[4096];	 /* PREFIX, ... of the ISP's own ranges */
	char core_timezone[64];		 /* zone of times written without one; "" = the system's */
	char core_log[16]; /* stderr | json | syslog | journald-json (core/base/log.h) */
	char core_syslog_socket[CONFIG_PATH_MAX], core_journal_socket[CONFIG_PATH_MAX];
	char core_log_blocks[8]; /* each | summary | off: log lines of blocks */
	int64_t spool_max;	 /* bytes per node's spool file */
	int64_t core_retention;	 /* seconds block/decided events are kept; 0 = forever */
	int64_t core_mask_after; /* seconds before addresses are cut to /24, /56; 0 = never */
	/* [lists] */
	char lists_format[16];		     /* default import format */
	int64_t lists_expiry;		     /* default entry lifetime in seconds, 0 = none */
	char lists_rpz_origin[254];	     /* default RPZ origin for export */
	int64_t lists_rpz_ttl;		     /* TTL of exported RPZ records */
	int64_t lists_max_shrink;	     /* percent of a source one import may remove */
	int64_t lists_recheck_offline_after; /* lists recheck: offline signals before offline */
	int64_t lists_offline_expiry;	     /* seconds offline before entries expire, 0 = never */
	/* [dns] */
	char dns_listen[1024];		   /* ADDR:PORT, ... */
	char dns_upstream[1024];	   /* ADDR:PORT, ... */
	char dns_subscribers[4096];	   /* CIDR, ... answered; everyone else REFUSED */
	char dns_opt_out[CONFIG_PATH_MAX]; /* file of opted-out prefixes, "" = none */
	char dns_exempt[1024];		   /* CIDR, ... exempt from rate limits */
	char dns_block_action[16];	   /* nxdomain | walled-garden */
	char dns_soa_mname[254];	   /* MNAME of the SOA of negative block answers */
	char dns_soa_rname[254];	   /* RNAME of that SOA */
	char dns_canary[8];		   /* on | off: use-application-dns.net NXDOMAIN */
	char dns_upstream_0x20[8];	   /* on | off */
	char dns_walled_garden_a[64];
	char dns_walled_garden_aaaa[64];
	int64_t dns_block_ttl;
	int64_t dns_threads;
	char dns_metrics[128];	/* ADDR:PORT of the Prometheus endpoint, "" = off */
	int64_t dns_timeout_ms; /* upstream timeout before a retry */
	int64_t dns_tries;	/* upstream attempts before SERVFAIL */
	int64_t dns_cache_mb;	/* packet cache per worker thread */
	int64_t dns_cache_max_ttl;
	int64_t dns_client_qps, dns_client_burst;
	int64_t dns_rrl_rps, dns_rrl_slip;
	int64_t dns_wt_min_names, dns_wt_nx_percent, dns_wt_qps, dns_wt_window, dns_wt_hold;
	int64_t dns_wt_client_nx;
	int64_t dns_ring;		  /* block events buffered per worker */
	int64_t dns_max_connections;	  /* TCP, DoT and DoH clients per worker */
	int64_t dns_idle_timeout;	  /* seconds before an idle connection is closed */
	char dns_proxy_from[1024];	  /* CIDR, ... of terminators sending PROXY v2, "" = none */
	char dns_ddr_name[254];		  /* DDR: the resolver's name (SVCB target), "" = no DDR */
	char dns_ddr_dot[1024];		  /* DDR: DoT endpoints ADDR:PORT, ... */
	char dns_ddr_doh[1024];		  /* DDR: DoH endpoints ADDR:PORT, ... */
	char dns_ddr_doh_path[256];	  /* DDR: the DoH path */
	char dns_dnstap[CONFIG_PATH_MAX]; /* unix:PATH | tcp:ADDR:PORT, "" = off */
	/* [dns] DoT and DoH */
	char dns_tls_listen[1024];	    /* ADDR:PORT, ... of DNS over TLS; "" = off */
	char dns_https_listen[1024];	    /* ADDR:PORT, ... of DNS over HTTPS; "" = off */
	char dns_tls_cert[CONFIG_PATH_MAX]; /* PEM certificate chain of both */
	char dns_tls_key[CONFIG_PATH_MAX];  /* its PEM private key */
	char dns_https_path[256];	    /* the DoH path, "/dns-query" */
	char dns_tls_records[8]; /* own | openssl: who seals TLS 1.3 records after the handshake */
	/* [proxy] */
	char proxy_listen[1024];	     /* ADDR:PORT, ... */
	char proxy_subscribers[4096];	     /* CIDR, ... served; everyone else 403 */
	char proxy_opt_out[CONFIG_PATH_MAX]; /* file of opted-out prefixes, "" = none */
	char proxy_secret_file[CONFIG_PATH_MAX];
	char proxy_metrics[128];
	char proxy_walled_garden[8]; /* on | off */
	int64_t proxy_threads;
	int64_t proxy_resolver_threads;
	int64_t proxy_continue_ttl;
	int64_t proxy_connect_timeout, proxy_header_timeout, proxy_idle_timeout;
	int64_t proxy_upstream_timeout;
	int64_t proxy_max_header_bytes, proxy_max_headers, proxy_max_connections;
	int64_t proxy_ring;
	char proxy_allow_destinations[4096]; /* CIDR, ... internal upstreams allowed */
	char proxy_deny_destinations[4096];  /* CIDR, ... upstreams always refused */
	char proxy_connect_ports[256];	     /* ports and ranges a CONNECT may reach */
	char proxy_resolver[128];	     /* ADDR:PORT of a DNS server; "" = system */
	/* [sessions] */
	char sessions_format[16];
	int64_t sessions_open_max;   /* seconds an open session outlives its last Interim */
	int64_t sessions_clock_skew; /* detail: trust Event-Timestamp within this */
	/* [notify] */
	int64_t notify_skew;	     /* match an event this close outside a session */
	int64_t notify_dedup_window; /* one notice per subscriber and cause in this */
	int64_t notify_rate_window;  /* window of max_per_window */
	int64_t notify_max_per_window;
	char notify_smtp[1024];	  /* smtp://host:port, smtps://...; "" = none */
	char notify_smtp_tls[16]; /* none | try | require */
	char notify_smtp_user[256];
	char notify_smtp_password_file[CONFIG_PATH_MAX];
	char notify_maildir[CONFIG_PATH_MAX];
	char notify_from[256];
	char notify_isp_name[256];
	char notify_contact[512];
	char notify_opt_out_info[512];
	char notify_opt_out_info_ja[512]; /* notify.opt-out-info-ja: the Japanese notices' */
	char notify_templates[CONFIG_PATH_MAX];
	int64_t notify_max_attempts;
	int64_t notify_retry;
	/* [darknet] */
	char darknet_sensor[4096];	     /* PREFIX, ... of the sensor */
	char darknet_own[4096];		     /* PREFIX, ... of the ISP's own ranges */
	char darknet_geoip[CONFIG_PATH_MAX]; /* mmdb file, "" = country unknown */
	int64_t darknet_exact_max;	     /* distinct tuples counted exactly */
	int64_t darknet_max_sources;	     /* sources tracked one by one */
	int64_t darknet_top;		     /* top N ports and countries */
	int64_t darknet_sources;	     /* sources listed in the output; 0 = all */
	int64_t darknet_campaign_factor, darknet_campaign_min_sources, darknet_campaign_days;
	int64_t darknet_attack_gap, darknet_attack_min_packets, darknet_attack_min_duration;
	/* [survey] */
	char survey_authorised[4096];	      /* PREFIX, ... the only addresses ever probed */
	char survey_exclude[CONFIG_PATH_MAX]; /* file of prefixes never probed, "" = none */
	char survey_probe[64];		      /* dns,http,proxy */
	char survey_probe_zone[254];	      /* zone the operator controls */
	char survey_expect_a[64];	      /* its answer for every probe name */
	char survey_contact[512];	      /* who scans: in the User-Agent */
	char survey_contact_label[64];	      /* ... and as a label of the probe names */
	char survey_source[64];		      /* source address, "" = the route's */
	char survey_serve_zone[128];	      /* ADDR:PORT to serve the probe zone on, "" = off */
	char survey_state[CONFIG_PATH_MAX];   /* resumable state file, "" = none */
	int64_t survey_rate;		      /* DNS probes per second */
	int64_t survey_retries, survey_cooldown_ms, survey_edns;
	char survey_http_ports[256], survey_http_paths[512];
	char survey_fingerprints[CONFIG_PATH_MAX];
	char events_shadowserver_schema[CONFIG_PATH_MAX]; /* Shadowserver report schema */
#define ISP_SS_SCHEMA_DEFAULT "data/shadowserver/schema.json"
	char survey_proxy_ports[256], survey_proxy_test[256], survey_proxy_expect[128];
	int64_t survey_timeout_ms, survey_threads, survey_tcp_rate;
	/* [crawl] */
	int64_t crawl_max_hops, crawl_depth, crawl_concurrency;
	int64_t crawl_timeout; /* seconds per chain, all hops */
	int64_t crawl_low_speed_bytes, crawl_low_speed_time;
	int64_t crawl_max_body;	    /* bytes of one body, decompressed */
	char crawl_user_agent[512]; /* the profile's User-Agent */
	char crawl_accept_language[128];
	char crawl_referer[1024];	     /* Referer of the start URLs, "" = none */
	char crawl_allow_destinations[4096]; /* CIDR, ... internal destinations allowed */
	char crawl_deny_destinations[4096];  /* CIDR, ... always refused */
	char crawl_rules[4096];		     /* YARA rule files, comma-separated */
	char crawl_proxy[512];		     /* egress proxy of the default profile */
	int64_t crawl_host_interval_ms;	     /* recheck: between fetches from one host */
	char crawl_scripts[8];		     /* on | off: the script-running tier */
	int64_t crawl_host_concurrency;	     /* crawl: fetches at once to one host */
	int64_t crawl_fetch_interval_ms;     /* crawl: between fetch starts, one host */
	int64_t crawl_revisit_after;	     /* seconds: the visit log's window, 0 = off */
	char crawl_visit_log[4096];	     /* "" = DIR/visits.log */
	/* [authwatch] */
	char authwatch_format[16];
	char authwatch_own[4096];		    /* PREFIX, ... of the access network */
	char authwatch_state_file[CONFIG_PATH_MAX]; /* -f positions; "" = beside the store */
	char authwatch_outside_services[128];	    /* services judged by `own` */
	char authwatch_suspend[256];		    /* detection types that suspend */
	int64_t authwatch_max_keys;
	int64_t authwatch_brute_window, authwatch_brute_failures;
	int64_t authwatch_spray_window, authwatch_spray_accounts, authwatch_spray_max_tries;
	int64_t authwatch_wave_window, authwatch_wave_accounts, authwatch_wave_sources;
	int64_t authwatch_sources_window, authwatch_sources_max;
	int64_t authwatch_session_max, authwatch_concurrent_max;
	int64_t authwatch_smtp_window, authwatch_smtp_min, authwatch_smtp_factor;
	int64_t authwatch_smtp_sources;
	int64_t authwatch_typo_window; /* typo: a success this soon withdraws failures */
	char authwatch_own_spray[4];   /* on | off: own addresses aggregate into networks */
	/* [run] */
	char run_services[256]; /* dns, proxy, notify, status, sync */
	int64_t run_notify_interval, run_sync_interval, run_stop_timeout;
	int64_t run_prune_interval, run_prune_delay; /* store prune: every, first after start */
	/* [sync] */
	char sync_url[2048];			    /* signed feed folder URL, "" = none */
	char sync_public_key[CONFIG_PATH_MAX];	    /* the feed's public key file */
	int64_t sync_max_bytes;			    /* largest list file accepted */
	int64_t sync_timeout;			    /* seconds one download may take */
	char sync_ca_file[CONFIG_PATH_MAX];	    /* CA bundle for https; "" = the system's */
	char sync_taxii_auth_file[CONFIG_PATH_MAX]; /* TAXII credentials; "" = none */
	char sync_taxii_list[48];		    /* TAXII: lists NAME-domain/-url/-ip */
	/* [sites] (issue 19) */
	char sites_country[8];			    /* ISO 3166 code of "domestic" */
	char sites_delegated[CONFIG_PATH_MAX];	    /* RIR delegated-extended file, "" = none */
	char sites_geoip[CONFIG_PATH_MAX];	    /* mmdb: the tie-breaker, "" = none */
	char sites_rdap_bootstrap[CONFIG_PATH_MAX]; /* folder of dns/ipv4/ipv6.json, "" = none */
	char sites_crawl_dir[CONFIG_PATH_MAX];	    /* `crawl --out` folder(s), "" = none */
	char sites_notice_format[8];		    /* text | xarf */
	char sites_whois_jp[256];		    /* HOST:PORT of JPRS WHOIS, "" = off */
	char sites_resolver[128];		    /* ADDR:PORT of a DNS server; "" = system */
	char sites_allow_destinations[4096];	    /* CIDR, ... internal addresses allowed */
	char sites_ca_file[CONFIG_PATH_MAX];	    /* CA bundle for https; "" = the system's */
	int64_t sites_timeout;			    /* seconds one lookup may take */
	int64_t sites_cache_ttl;		    /* a cached look-up answer is used this long */
	int64_t sites_rate;			    /* look-ups per second to one server */
	int64_t sites_renotify_after;		    /* a second notice after this long */
	int64_t sites_max_notices;		    /* notices per site at most */
	int64_t sync_max_age; /* seconds a manifest may be old; 0 = no limit */
	/* [rpz] */
	char rpz_listen[1024];	   /* ADDR:PORT, ... (UDP and TCP) */
	char rpz_zone[4096];	   /* ZONE:LIST[+LIST...], ... */
	char rpz_tsig[4096];	   /* NAME:ALG:SECRETFILE, ... */
	char rpz_allow[4096];	   /* CIDR | key:NAME, ... */
	char rpz_notify[1024];	   /* ADDR:PORT, ... */
	int64_t rpz_journal_max;   /* records of differences kept for IXFR */
	int64_t rpz_max_transfers; /* transfers at once */
	int64_t rpz_idle_timeout;  /* seconds a connection may make no progress */
	int64_t rpz_member_rate;   /* transfers a member may start a minute; 0 = no limit */
	char rpz_metrics[128];	   /* ADDR:PORT of /metrics; "" = off */
	char rpz_walled[254];	   /* walled-garden CNAME target; "" = A/AAAA */
	/* [pull] */
	int64_t pull_timeout;	      /* seconds each step of a pull may wait */
	char pull_notify_listen[128]; /* ADDR:PORT where `lists pull --watch` takes NOTIFY */
	/* [status] */
	char status_listen[128];		    /* ADDR:PORT of the status page */
	char status_user[128];			    /* basic auth user, "" = no auth */
	char status_password_file[CONFIG_PATH_MAX]; /* its password (first line) */
	char status_scrape[1024];		    /* ADDR:PORT, ...; "" = dns/proxy.metrics */
	int64_t status_interval;		    /* sampling period, seconds */
	int64_t status_window;			    /* top lists and charts over this */
	char status_darknet[CONFIG_PATH_MAX];	    /* darknet --json report, "" = none */
	/* [urlcheck] (issue 23) */
	char urlcheck_listen[128];		 /* ADDR:PORT; "" = not served */
	char urlcheck_origin[256];		 /* the extension's origin for CORS */
	char urlcheck_tls_cert[CONFIG_PATH_MAX]; /* PEM chain; "" = plain HTTP */
	char urlcheck_tls_key[CONFIG_PATH_MAX];	 /* its key (not world-readable) */
	char urlcheck_metrics[128];		 /* ADDR:PORT of /metrics; "" = none */
	int64_t urlcheck_versions;		 /* versions kept for differences */
	int64_t urlcheck_update_interval;	 /* clients update this often */
	int64_t urlcheck_cache;			 /* full-hash answers cached this long */
	/* [list.NAME] and [profile.NAME] */
	int nlists;
	struct config_list lists[CONFIG_MAX_LISTS];
	int nprofiles;
	struct config_profile profiles[CONFIG_MAX_PROFILES];
	/* [crawl.profile.NAME] */
	int ncrawl_profiles;
	struct config_crawl_profile crawl_profiles[CONFIG_MAX_CRAWL_PROFILES];
};

/* Reads the configuration again for a running service (SIGHUP): fills *cfg (file, -o
 * overrides, the command's flags), 0 or an ISR code with err set. The command line
 * supplies it (cli_reload); status, urlcheck and run call it. */
typedef int (*config_reload_fn)(void *ud, struct isp_config *cfg, struct isp_err *err);

/* The [list.NAME] policy of list `name`, or NULL (no section: the defaults). */
const struct config_list *config_list_policy(const struct isp_config *c, const char *name);
/* What a subscriber reads for list `name` in Japanese (ja) or English: its display-name-ja
 * or display-name, else the other one, else NULL (say "a list of ..." instead: a list's
 * own name is an internal name, never shown to subscribers). */
const char *config_list_display(const struct isp_config *c, const char *name, int ja);
/* The [profile.NAME] section of profile `name`, or NULL. */
const struct config_profile *config_profile(const struct isp_config *c, const char *name);
/* Whether profile p applies list `name` (every list when it has no `lists` key). */
int config_profile_has_list(const struct config_profile *p, const char *name);

/* The [crawl.profile.NAME] section of crawler profile `name`, or NULL. */
const struct config_crawl_profile *config_crawl_profile(const struct isp_config *c,
							const char *name);

/* Fill c with the built-in defaults. */
void config_defaults(struct isp_config *c);

/* Read the INI file at path over the values already in c. Returns 0 or ISR_EIO /
 * ISR_EINVAL with err naming file, line, key and reason. */
int config_load(struct isp_config *c, const char *path, struct isp_err *err);

/* Set one key from text: "section.key" (e.g. "core.store") = value. */
int config_set(struct isp_config *c, const char *section_key, const char *value,
	       struct isp_err *err);

/* The one-line description of key "section.key" in the key table, or NULL if there is
 * no such key (the help of the command-line flags that mirror a key). */
const char *config_key_help(const char *section_key);

/* The value of text key "section.key" in c (owned by c), or NULL if the key table has no
 * such key or it holds a number: for a component that uses a key another component may
 * or may not define (the DNS service's DDR reads dns.tls-listen where it exists). */
const char *config_value(const struct isp_config *c, const char *section_key);

/* Print the effective configuration as an INI file with each key's description. */
void config_print(const struct isp_config *c, FILE *out);

/* For the documentation test: call fn for every key as "section", "key". */
void config_each_key(void (*fn)(void *ud, const char *section, const char *key), void *ud);

/* The snapshot path in effect: c->snapshot, or "ispshield.snap" beside the store file. */
void config_snapshot_path(const struct isp_config *c, char out[CONFIG_PATH_MAX]);
/* What an import takes from [lists]: the expiry of entries that carry none (now +
 * lists.expiry, or 0 = none), and the shrink guard (lists.max-shrink, at most 100). */
int64_t config_list_expires(const struct isp_config *c, int64_t now);
int config_list_max_shrink(const struct isp_config *c);

/* The sessions index path in effect: c->sessions, or "sessions.idx" beside the store. */
void config_sessions_path(const struct isp_config *c, char out[CONFIG_PATH_MAX]);

/* A node-local file `name` (a lock, a position file): in core.state-dir if set, else
 * beside a SQLite store, else under var/ (PostgreSQL store). */
void config_state_path(const struct isp_config *c, const char *name, char out[CONFIG_PATH_MAX]);
/* The event spool folder in effect: c->spool, or "spool" where config_state_path puts
 * node-local files. */
void config_spool_dir(const struct isp_config *c, char out[CONFIG_PATH_MAX]);

/* Parse a duration: "0", "3600", "90s", "30m", "12h", "7d", "2w". Returns 0 or ISR_EINVAL. */
int config_parse_duration(const char *s, int64_t *out);

#endif
