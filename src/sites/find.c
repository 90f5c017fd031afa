/*
 * find.c -- `sites find` (sites.h): the listed sites, their domestic verdict and their
 * contacts, recorded in the store (core/store/store_sites.h).
 *
 *   1. hosts   every url and domain entry of the chosen lists (store_each_entry, the
 *              blocking entries still in force); a URL gives its host, a domain entry
 *              its name ("*.x" as x). Hosts are cut to their registrable domain with
 *              the Public Suffix List (libpsl; an address literal stands for itself):
 *              the site, which may have many URLs.
 *   2. verdict domestic when the registrable domain is under the country's ccTLD
 *              (sites.country, ".jp"), else when a current address of the host is in a
 *              range of that country in sites.delegated; the evidence that decided is
 *              recorded ("tld .jp", "delegated 203.0.113.7 JP"); where the delegated
 *              file has no range for the address at all, the GeoIP country
 *              (sites.geoip) breaks the tie ("geoip 198.51.100.7 JP").
 *   3. contacts of a domestic site, in order, each with its scope and source:
 *              security.txt of the host (https, RFC 9116; an expired one is passed over),
 *              for names under .jp the JPRS WHOIS public contact (with the second query
 *              for contact handles), RDAP for other names (registrar abuse contact) and
 *              for the host's address (hosting abuse contact), then RFC 2142 webmaster@
 *              and abuse@ the domain. Placeholders and privacy proxies are skipped
 *              (contact.c). A look-up that fails is logged and the next source tried.
 * Sites are processed sorted by domain, CHUNK at a time: the chunk's hosts are resolved
 * side by side (RESOLVERS threads), its look-ups made one after the other (rate limits
 * per server), then its sites written in one store transaction -- so an interrupted run
 * keeps every chunk it finished, a second run updates the same rows, and no write
 * transaction stays open while a server is asked.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <libpsl.h>
#include <maxminddb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/base/binwrite.h"
#include "core/base/jsonout.h"
#include "core/net/url.h"
#include "core/store/store_lists.h"
#include "core/store/store_sites.h"
#include "sites/sites.h"

#define HOST_MAX 256

struct hit {
	char *domain, *host, *url; /* url: the entry (a URL, or the domain) */
	const char *list;	   /* walk.names[lix] */
	size_t lix;
	int first_of_list; /* the site's first hit of its list (next_chunk) */
	int64_t first, last;
};

struct walk {
	struct hit *h;
	size_t n, cap;
	const struct sites_find_opts *o;
	const psl_ctx_t *psl;
	long hosts;
	int oom;
	char **names; /* the lists' names, each once (hits point to them) */
	size_t nnames, names_cap;
	size_t *stamp; /* per name: the last site (+1) that had a hit of it (next_chunk) */
	size_t nsites;
};

/* The index of list name in w->names, added when new: 0, or -1 (out of memory). */
static int name_index(struct walk *w, const char *name, size_t *ix)
{
	if (w->nnames && strcmp(w->names[w->nnames - 1], name) == 0) { /* lists come whole */
		*ix = w->nnames - 1;
		return 0;
	}
	for (*ix = 0; *ix < w->nnames; (*ix)++)
		if (strcmp(w->names[*ix], name) == 0)
			return 0;
	if (mem_grow_from((void **)&w->names, &w->names_cap, w->nnames + 1, sizeof(*w->names),
			  16) ||
	    !(w->names[w->nnames] = strdup(name)))
		return -1;
	*ix = w->nnames++;
	return 0;
}

static int list_wanted(const struct sites_find_opts *o, const char *name)
{
	if (!o->nlists)
		return 1;
	for (size_t i = 0; i < o->nlists; i++)
		if (strcmp(o->lists[i], name) == 0)
			return 1;
	return 0;
}

static int on_entry(void *ud, const struct store_list *l, const struct store_entry *e)
{
	struct walk *w = ud;
	char host[HOST_MAX];
	const char *reg;
	const char *hp;
	size_t hn;

	if ((l->kind != LIST_URL && l->kind != LIST_DOMAIN) || e->action == LIST_ALLOW ||
	    !list_wanted(w->o, l->name))
		return 0;
	if (l->kind == LIST_URL) {
		if (url_host(e->value, strlen(e->value), &hp, &hn) != 0)
			return 0;
	} else {
		hp = e->value;
		hn = strlen(hp);
		if (hn > 2 && hp[0] == '*' && hp[1] == '.')
			hp += 2, hn -= 2;
	}
	if (hn == 0 || hn >= HOST_MAX)
		return 0;
	memcpy(host, hp, hn);
	host[hn] = '\0';
	w->hosts++;
	reg = strchr(host, ':') || strspn(host, "0123456789.") == hn
		      ? host
		      : psl_registrable_domain(w->psl, host);
	if (!reg)
		reg = host; /* a public suffix itself */
	if (mem_grow((void **)&w->h, &w->cap, w->n + 1, sizeof(*w->h))) {
		w->oom = 1;
		return 1;
	}
	w->h[w->n].domain = strdup(reg);
	w->h[w->n].host = strdup(host);
	if (name_index(w, l->name, &w->h[w->n].lix) != 0) {
		w->oom = 1;
		return 1;
	}
	w->h[w->n].list = w->names[w->h[w->n].lix];
	w->h[w->n].url = strdup(e->value);
	w->h[w->n].first = e->first_seen;
	w->h[w->n].last = e->last_seen;
	if (!w->h[w->n].domain || !w->h[w->n].host || !w->h[w->n].url) {
		w->oom = 1;
		return 1;
	}
	w->n++;
	return 0;
}

static int cmp_hit(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	int c = strcmp(x->domain, y->domain);

	return c ? c : strcmp(x->url, y->url);
}

/* ---- one site ---- */

#define SITE_ADDRS 8

struct site {
	const char *domain, *host, *list;
	const struct hit *h; /* its hits h[0..nh) */
	size_t nh;
	struct sockaddr_storage ra[SITE_ADDRS]; /* the host's current addresses (nra) */
	int nra;
	char addr[64];
	struct sockaddr_storage ss;
	int have_addr, domestic;
	char evidence[128];
	struct sites_contact c[SITES_MAX_CONTACTS];
	int nc;
};

#define RATE_SERVERS 64 /* servers whose last request time is kept */

struct ctx {
	struct store *st;
	const struct isp_config *cfg;
	const struct sites_env *env;
	struct sites_delegated *deleg;
	MMDB_s mmdb;
	int have_mmdb;
	struct sites_bootstrap *boot;
	struct sites_crawl *crawl; /* sites.crawl-dir's records, NULL none */
	int64_t now;
	long failed, cached;
	struct {
		char server[HOST_MAX];
		int64_t last_ms;
	} rate[RATE_SERVERS];
	int nrate;
};

static void log_reject(void *ud, const struct isp_err *e)
{
	const struct ctx *c = ud;
	char buf[ISP_ERR_MSG + 300];

	if (c->env->log)
		fprintf(c->env->log, "sites: %s\n", isp_err_str(e, buf, sizeof(buf)));
}

static void lookup_failed(struct ctx *c, const struct isp_err *e)
{
	c->failed++;
	log_reject(c, e);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until server may be asked again (sites.rate per second), then note the time.
 * The RATE_SERVERS most recent servers are remembered (a new one takes the oldest). */
static void rate_wait(struct ctx *c, const char *server)
{
	int64_t gap = c->cfg->sites_rate > 0 ? 1000 / c->cfg->sites_rate : 0, now = mono_ms();
	int i, oldest = 0;

	for (i = 0; i < c->nrate; i++) {
		if (strcmp(c->rate[i].server, server) == 0)
			break;
		if (c->rate[i].last_ms < c->rate[oldest].last_ms)
			oldest = i;
	}
	if (i == c->nrate) {
		i = c->nrate < RATE_SERVERS ? c->nrate++ : oldest;
		snprintf(c->rate[i].server, sizeof(c->rate[i].server), "%s", server);
		c->rate[i].last_ms = now - gap;
	}
	if (now - c->rate[i].last_ms < gap) {
		int64_t ms = gap - (now - c->rate[i].last_ms);
		struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

		nanosleep(&ts, NULL);
	}
	c->rate[i].last_ms = mono_ms();
}

/*
 * One look-up through the cache: key names it; the answer of a cached row fetched within
 * sites.cache-ttl is used, else server is asked (after rate_wait) by GET url, or by WHOIS
 * query when url is NULL, and a usable answer is cached. 0 and *body (malloc'd), or an
 * ISR code with err set (a failed connection is not cached: the next run asks again).
 */
static int lookup(struct ctx *c, const char *key, const char *server, const char *url,
		  const char *query, char **body, size_t *len, long *status, struct isp_err *err)
{
	struct isp_err e2;
	int rc;

	*status = 0;
	if (c->cfg->sites_cache_ttl > 0) {
		isp_err_clear(&e2);
		rc = store_site_lookup_get(c->st, key, c->now - c->cfg->sites_cache_ttl, status,
					   body, len, &e2);
		if (rc == 1) {
			c->cached++;
			return 0;
		}
	}
	rate_wait(c, server);
	rc = url ? sites_http_get(c->env, c->cfg, url, body, len, status, err)
		 : sites_whois(c->env, c->cfg, server, query, body, len, err);
	if (!url && rc == 0)
		*status = 200;
	if (rc == 0 && (*status == 200 || *status == 404 || *status == 410) &&
	    c->cfg->sites_cache_ttl > 0) {
		isp_err_clear(&e2);
		if (store_site_lookup_put(c->st, key, *status, *body, *len, c->now, &e2) != 0)
			log_reject(c, &e2);
	}
	return rc;
}

/* The host[:port] part of an http(s) URL, for rate_wait. */
static void url_server(const char *url, char out[HOST_MAX])
{
	const char *p = strstr(url, "://");
	size_t n;

	p = p ? p + 3 : url;
	n = strcspn(p, "/?#");
	if (n >= HOST_MAX)
		n = HOST_MAX - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

static void add_contacts(struct site *s, const struct sites_emails *e, enum sites_scope scope,
			 enum sites_source src)
{
	for (int i = 0; i < e->n && s->nc < SITES_MAX_CONTACTS; i++) {
		int dup = 0;

		for (int k = 0; k < s->nc; k++)
			dup |= strcasecmp(s->c[k].email, e->v[i]) == 0;
		if (dup)
			continue;
		snprintf(s->c[s->nc].email, sizeof(s->c[0].email), "%s", e->v[i]);
		s->c[s->nc].scope = scope;
		s->c[s->nc].source = src;
		s->nc++;
	}
}

/* 1 when the GeoIP database says sa is in country cc (country, else registered_country). */
static int geoip_is(struct ctx *c, const struct sockaddr *sa, const char *cc)
{
	MMDB_lookup_result_s res;
	MMDB_entry_data_s ed;
	int mr = 0;

	res = MMDB_lookup_sockaddr(&c->mmdb, sa, &mr);
	if (mr != MMDB_SUCCESS || !res.found_entry)
		return 0;
	if ((MMDB_get_value(&res.entry, &ed, "country", "iso_code", NULL) != MMDB_SUCCESS ||
	     !ed.has_data) &&
	    (MMDB_get_value(&res.entry, &ed, "registered_country", "iso_code", NULL) !=
		     MMDB_SUCCESS ||
	     !ed.has_data))
		return 0;
	return ed.type == MMDB_DATA_TYPE_UTF8_STRING && ed.data_size == strlen(cc) &&
	       strncasecmp(ed.utf8_string, cc, ed.data_size) == 0;
}

static void verdict(struct ctx *c, struct site *s)
{
	const char *cc = c->cfg->sites_country;
	size_t dn = strlen(s->domain), cn = strlen(cc);
	const struct sockaddr_storage *a = s->ra;

	for (int i = 0; i < s->nra; i++) {
		if (!s->have_addr ||
		    (sites_delegated_contains(c->deleg, (struct sockaddr *)&a[i]) &&
		     !sites_delegated_contains(c->deleg, (struct sockaddr *)&s->ss))) {
			s->ss = a[i];
			s->have_addr = 1;
		}
	}
	if (s->have_addr) {
		const struct sockaddr *sa = (const struct sockaddr *)&s->ss;

		inet_ntop(sa->sa_family,
			  sa->sa_family == AF_INET
				  ? (const void *)&((const struct sockaddr_in *)(const void *)sa)
					    ->sin_addr
				  : (const void *)&((const struct sockaddr_in6 *)(const void *)sa)
					    ->sin6_addr,
			  s->addr, sizeof(s->addr));
	}
	if (cn && dn > cn + 1 && s->domain[dn - cn - 1] == '.' &&
	    strcasecmp(s->domain + dn - cn, cc) == 0) {
		s->domestic = 1;
		snprintf(s->evidence, sizeof(s->evidence), "tld .%s", s->domain + dn - cn);
	} else if (s->have_addr && sites_delegated_contains(c->deleg, (struct sockaddr *)&s->ss)) {
		s->domestic = 1;
		snprintf(s->evidence, sizeof(s->evidence), "delegated %s %s", s->addr, cc);
	} else if (s->have_addr && c->have_mmdb &&
		   !sites_delegated_covers(c->deleg, (struct sockaddr *)&s->ss) &&
		   geoip_is(c, (struct sockaddr *)&s->ss, cc)) {
		/* the tie-breaker: only where the delegated file has no range at all */
		s->domestic = 1;
		snprintf(s->evidence, sizeof(s->evidence), "geoip %s %s", s->addr, cc);
	}
}

static void from_security_txt(struct ctx *c, struct site *s)
{
	char url[HOST_MAX + 64], *body = NULL;
	size_t len;
	long status;
	struct isp_err err;
	struct sites_emails e = { 0 };
	int64_t expires;

	isp_err_clear(&err);
	snprintf(url, sizeof(url), "https://%s/.well-known/security.txt", s->host);
	if (lookup(c, url, s->host, url, NULL, &body, &len, &status, &err) != 0) {
		lookup_failed(c, &err);
		return;
	}
	if (status == 200) {
		sites_sectxt_parse(body, len, url, log_reject, c, &e, &expires);
		if (expires && expires < c->now) {
			if (c->env->log)
				fprintf(c->env->log, "sites: %s: expired, not used\n", url);
		} else {
			add_contacts(s, &e, SITES_OPERATOR, SITES_SRC_SECURITY_TXT);
		}
	}
	free(body);
}

static void from_whois_jp(struct ctx *c, struct site *s)
{
	char *body = NULL, name[HOST_MAX + 32], key[2 * HOST_MAX + 16];
	const char *server = c->cfg->sites_whois_jp;
	size_t len;
	long status;
	struct isp_err err;
	struct sites_whoisjp w;

	isp_err_clear(&err);
	snprintf(key, sizeof(key), "whois %s %s", server, s->domain);
	if (lookup(c, key, server, NULL, s->domain, &body, &len, &status, &err)) {
		lookup_failed(c, &err);
		return;
	}
	snprintf(name, sizeof(name), "whois %s", s->domain);
	sites_whoisjp_parse(body, len, name, log_reject, c, &w);
	free(body);
	add_contacts(s, &w.emails, SITES_OPERATOR, SITES_SRC_WHOIS_JP);
	for (int i = 0; i < w.nhandles && w.emails.n == 0; i++) {
		struct sites_whoisjp h;

		snprintf(key, sizeof(key), "whois %s %s", server, w.handles[i]);
		if (lookup(c, key, server, NULL, w.handles[i], &body, &len, &status, &err)) {
			lookup_failed(c, &err);
			continue;
		}
		snprintf(name, sizeof(name), "whois %s", w.handles[i]);
		sites_whoisjp_parse(body, len, name, log_reject, c, &h);
		free(body);
		add_contacts(s, &h.emails, SITES_OPERATOR, SITES_SRC_WHOIS_JP);
	}
}

static void from_rdap(struct ctx *c, struct site *s, const char *base, const char *what,
		      const char *key, enum sites_scope scope, enum sites_source src)
{
	char url[1024], *body = NULL, server[HOST_MAX];
	size_t len;
	long status;
	struct isp_err err;
	struct sites_emails e = { 0 };

	if (!base)
		return;
	isp_err_clear(&err);
	snprintf(url, sizeof(url), "%s%s/%s", base, what, key);
	url_server(url, server);
	if (lookup(c, url, server, url, NULL, &body, &len, &status, &err) != 0) {
		lookup_failed(c, &err);
		return;
	}
	if (status == 200)
		sites_rdap_abuse(body, len, url, log_reject, c, &e);
	free(body);
	add_contacts(s, &e, scope, src);
}

static void contacts(struct ctx *c, struct site *s)
{
	struct sites_emails e = { 0 };
	char a[SITES_EMAIL_MAX + 1];
	size_t dn = strlen(s->domain);
	int is_addr = strchr(s->domain, ':') || strspn(s->domain, "0123456789.") == dn;

	if (!is_addr)
		from_security_txt(c, s);
	if (!is_addr && dn > 3 && strcasecmp(s->domain + dn - 3, ".jp") == 0) {
		if (c->cfg->sites_whois_jp[0])
			from_whois_jp(c, s);
	} else if (!is_addr) {
		from_rdap(c, s, sites_bootstrap_domain(c->boot, s->domain), "domain", s->domain,
			  SITES_REGISTRAR, SITES_SRC_RDAP_DOMAIN);
	}
	if (s->have_addr)
		from_rdap(c, s, sites_bootstrap_addr(c->boot, (struct sockaddr *)&s->ss), "ip",
			  s->addr, SITES_HOSTING, SITES_SRC_RDAP_IP);
	if (!is_addr) {
		snprintf(a, sizeof(a), "webmaster@%s", s->domain);
		sites_emails_add(&e, a, strlen(a));
		snprintf(a, sizeof(a), "abuse@%s", s->domain);
		sites_emails_add(&e, a, strlen(a));
		add_contacts(s, &e, SITES_OPERATOR, SITES_SRC_RFC2142);
	}
}

static json_t *site_json(const struct site *s, const struct hit *h, size_t nh,
			 const struct sites_crawl *cr)
{
	json_int_t crawled = 0;

	json_t *o = json_object(), *cs = json_array(), *us = json_array(), *ls = json_array();

	json_object_set_new(o, "domain", json_string(s->domain));
	json_object_set_new(o, "host", json_string(s->host));
	json_object_set_new(o, "list", json_string(s->list));
	json_object_set_new(o, "address", s->have_addr ? json_string(s->addr) : json_null());
	json_object_set_new(o, "domestic", json_boolean(s->domestic));
	json_object_set_new(o, "evidence", s->evidence[0] ? json_string(s->evidence) : json_null());
	for (int i = 0; i < s->nc; i++) {
		json_t *c = json_object();

		json_object_set_new(c, "email", json_string(s->c[i].email));
		json_object_set_new(c, "scope", json_string(sites_scope_name(s->c[i].scope)));
		json_object_set_new(c, "source", json_string(sites_source_name(s->c[i].source)));
		json_array_append_new(cs, c);
	}
	for (size_t i = 0; i < nh; i++) {
		crawled += sites_crawl_get(cr, h[i].url) != NULL;
		json_array_append_new(us, json_string(h[i].url));
		if (h[i].first_of_list)
			json_array_append_new(ls, json_string(h[i].list));
	}
	json_object_set_new(o, "lists", ls);
	json_object_set_new(o, "contacts", cs);
	json_object_set_new(o, "urls", us);
	json_object_set_new(o, "crawled", json_integer(crawled));
	return o;
}

/* ---- chunks: resolved side by side, looked up, then written in one transaction ---- */

#define CHUNK 256 /* sites per chunk */
#define RESOLVERS                                                                                  \
	8 /* threads resolving a chunk's hosts (the verdict needs every host's
		       * current addresses, and a DNS round trip per site would bound a warm
		       * run by the resolver's latency) */

struct chunk {
	struct site *s;
	size_t n, next; /* next: the next site to resolve (atomic) */
	const struct sites_env *env;
	pthread_t t[RESOLVERS];
	int nt; /* resolver threads running */
};

static void *resolver_main(void *ud)
{
	struct chunk *k = ud;
	size_t i;

	while ((i = __atomic_fetch_add(&k->next, 1, __ATOMIC_RELAXED)) < k->n) {
		struct site *s = &k->s[i];

		s->nra = k->env->resolve(k->env->ud, s->host, 443, s->ra, SITE_ADDRS);
		if (s->nra < 0)
			s->nra = 0;
	}
	return NULL;
}

/* Start resolving the hosts of the chunk, RESOLVERS at a time (env->resolve is
 * reentrant), while the caller goes on with the previous chunk; where no thread can be
 * made, they are resolved here and now. resolve_join waits for the end. */
static void resolve_start(struct chunk *k)
{
	k->next = 0;
	k->nt = 0;
	while (k->nt < RESOLVERS && (size_t)k->nt < k->n &&
	       pthread_create(&k->t[k->nt], NULL, resolver_main, k) == 0)
		k->nt++;
	if (k->nt == 0)
		resolver_main(k);
}

static void resolve_join(struct chunk *k)
{
	for (int i = 0; i < k->nt; i++)
		pthread_join(k->t[i], NULL);
	k->nt = 0;
}

/* The verdict and, for a domestic site, the contacts (look-ups through the cache). */
static void look_up(struct ctx *c, struct site *s, struct sites_find_stats *stats)
{
	verdict(c, s);
	if (s->domestic) {
		stats->domestic++;
		contacts(c, s);
		if (s->nc)
			stats->with_contact++;
	}
}

/* Record one site: its row, contacts, URLs and lists. */
static int write_site(struct store *st, const struct ctx *c, const struct site *s,
		      struct isp_err *err)
{
	struct store_site row = { .domain = s->domain,
				  .list = s->list,
				  .host = s->host,
				  .addr = s->addr,
				  .domestic = s->domestic,
				  .evidence = s->evidence };
	struct store_site_contact sc[SITES_MAX_CONTACTS];
	struct store_site_url_in *u = malloc(s->nh * sizeof(*u));
	size_t nu = 0;
	int64_t id = 0;
	int rc;

	if (!u)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	for (int i = 0; i < s->nc; i++) {
		sc[i].email = s->c[i].email;
		sc[i].scope = sites_scope_name(s->c[i].scope);
		sc[i].source = sites_source_name(s->c[i].source);
	}
	rc = store_site_put(st, &row, sc, (size_t)s->nc, c->now, &id, err);
	for (size_t i = 0; i < s->nh; i++) {
		/* sorted by URL: one URL on two lists is one row */
		if (nu && strcmp(u[nu - 1].url, s->h[i].url) == 0)
			continue;
		u[nu].url = s->h[i].url;
		u[nu].first = s->h[i].first;
		u[nu].last = s->h[i].last;
		u[nu].crawl = sites_crawl_get(c->crawl, s->h[i].url);
		nu++;
	}
	if (rc == 0)
		rc = store_site_urls(st, id, u, nu, err);
	for (size_t i = 0; rc == 0 && i < s->nh; i++)
		if (s->h[i].first_of_list)
			rc = store_site_list(st, id, s->h[i].list, err);
	free(u);
	return rc;
}

/* Look up and record the sites of a resolved chunk: the writes in one transaction
 * (store_begin nests), none held open while asking servers. */
static int one_chunk(struct store *st, struct ctx *c, struct chunk *k,
		     struct sites_find_stats *stats, json_t *out, struct isp_err *err)
{
	size_t i;
	int rc;

	for (i = 0; i < k->n; i++)
		look_up(c, &k->s[i], stats);
	rc = store_begin(st, err);
	for (i = 0; rc == 0 && i < k->n; i++)
		rc = write_site(st, c, &k->s[i], err);
	if (rc == 0)
		rc = store_commit(st, err);
	else
		store_rollback(st);
	for (i = 0; rc == 0 && out && i < k->n; i++)
		json_array_append_new(out, site_json(&k->s[i], k->s[i].h, k->s[i].nh, c->crawl));
	return rc;
}

/* Fill k with the next CHUNK sites of w from hit *i on (runs of hits of one registrable
 * domain); k->n = 0 at the end. */
static void next_chunk(struct walk *w, size_t *i, struct chunk *k, struct sites_find_stats *stats)
{
	size_t j;

	for (k->n = 0; *i < w->n && k->n < CHUNK; k->n++, *i = j) {
		struct site *s = &k->s[k->n];

		for (j = *i + 1; j < w->n && strcmp(w->h[j].domain, w->h[*i].domain) == 0; j++)
			;
		memset(s, 0, sizeof(*s));
		s->domain = w->h[*i].domain;
		s->host = w->h[*i].host;
		s->list = w->h[*i].list;
		s->h = &w->h[*i];
		s->nh = j - *i;
		stats->sites++;
		/* the site's lists, each once: its first hit of each list */
		w->nsites++;
		for (size_t m = *i; m < j; m++) {
			w->h[m].first_of_list = w->stamp[w->h[m].lix] != w->nsites;
			w->stamp[w->h[m].lix] = w->nsites;
		}
	}
}

int sites_find(struct store *st, const struct isp_config *cfg, const struct sites_env *env,
	       const struct sites_find_opts *o, struct sites_find_stats *stats, struct isp_err *err)
{
	struct walk w;
	struct ctx c;
	struct chunk k[2];
	json_t *out = o->json ? json_array() : NULL;
	size_t i;
	int rc = 0;

	memset(stats, 0, sizeof(*stats));
	memset(&w, 0, sizeof(w));
	memset(&c, 0, sizeof(c));
	memset(k, 0, sizeof(k));
	c.st = st;
	c.cfg = cfg;
	c.env = env;
	c.now = o->now;
	w.o = o;
	w.psl = psl_latest(NULL);
	if (!w.psl)
		w.psl = psl_builtin();
	if (!w.psl)
		return isp_err_set(err, ISR_EIO, "no Public Suffix List (libpsl)");
	if (cfg->sites_delegated[0]) {
		rc = sites_delegated_load(cfg->sites_delegated, cfg->sites_country, log_reject, &c,
					  &c.deleg, err);
		if (rc)
			goto out;
	}
	if (cfg->sites_geoip[0]) {
		int mr = MMDB_open(cfg->sites_geoip, MMDB_MODE_MMAP, &c.mmdb);

		if (mr != MMDB_SUCCESS) {
			rc = isp_err_set(err, ISR_EIO, "sites.geoip %s: %s", cfg->sites_geoip,
					 MMDB_strerror(mr));
			goto out;
		}
		c.have_mmdb = 1;
	}
	c.boot = sites_bootstrap_new();
	if (!c.boot) {
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
		goto out;
	}
	if (cfg->sites_rdap_bootstrap[0]) {
		rc = sites_bootstrap_load(c.boot, cfg->sites_rdap_bootstrap, log_reject, &c, err);
		if (rc)
			goto out;
	}
	if (cfg->sites_crawl_dir[0]) {
		c.crawl = sites_crawl_new();
		rc = c.crawl ? sites_crawl_load(c.crawl, cfg->sites_crawl_dir, log_reject, &c, err)
			     : isp_err_set(err, ISR_ENOMEM, "out of memory");
		if (rc)
			goto out;
	}
	rc = store_each_entry(st, NULL, o->now, 1, on_entry, &w, err);
	if (rc == 0 && w.oom)
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
	if (rc)
		goto out;
	stats->hosts = w.hosts;
	if (w.n)
		qsort(w.h, w.n, sizeof(*w.h), cmp_hit);
	w.stamp = calloc(w.nnames ? w.nnames : 1, sizeof(*w.stamp));
	if (!w.stamp) {
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
		goto out;
	}
	/* two chunks: the next one is resolved while this one is looked up and written */
	for (int b = 0; b < 2; b++) {
		k[b].env = env;
		k[b].s = w.n ? malloc(CHUNK * sizeof(*k[b].s)) : NULL;
		if (w.n && !k[b].s) {
			rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
			goto out;
		}
	}
	i = 0;
	next_chunk(&w, &i, &k[0], stats);
	resolve_start(&k[0]);
	for (int b = 0; rc == 0 && k[b].n; b ^= 1) {
		resolve_join(&k[b]);
		next_chunk(&w, &i, &k[b ^ 1], stats);
		resolve_start(&k[b ^ 1]);
		rc = one_chunk(st, &c, &k[b], stats, out, err);
		resolve_join(&k[b ^ 1]);
		if (rc)
			break;
	}
	stats->lookups_failed = c.failed;
	stats->lookups_cached = c.cached;
	if (rc == 0 && out) {
		rc = jsonout_dumpf(out, o->json, JSON_INDENT(2));
		out = NULL; /* taken */
		if (rc)
			isp_err_set(err, rc, "writing the JSON failed");
	}
out:
	for (i = 0; i < w.n; i++) {
		free(w.h[i].domain);
		free(w.h[i].host);
		free(w.h[i].url);
	}
	free(w.h);
	for (i = 0; i < w.nnames; i++)
		free(w.names[i]);
	free(w.names);
	free(w.stamp);
	free(k[0].s);
	free(k[1].s);
	json_decref(out);
	sites_delegated_free(c.deleg);
	sites_bootstrap_free(c.boot);
	sites_crawl_free(c.crawl);
	if (c.have_mmdb)
		MMDB_close(&c.mmdb);
	if (w.psl && w.psl != psl_builtin())
		psl_free((psl_ctx_t *)w.psl);
	return rc;
}
