/*
 * table.c -- the urlcheck table: every servable key of a snapshot as the SHA-256 of its
 * Safe Browsing expression, sorted, with the distinct 4-byte prefixes beside it.
 *
 * Built once per snapshot on the main thread (never on a request), then read-only: a
 * full-hash request is a binary search over the sorted prefixes' entries, no allocation.
 * Entries are 40 bytes; 1 M listed URLs take ~40 MB plus 4 MB of prefixes. Categories
 * and references live in one string pool, read from the store after the keys (one pass
 * over each list's live entries, each found by its hash); the snapshot names the lists
 * only, as the proxy's warning page found (its meta thread reads the same fields).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/sha256.h"
#include "core/lists/snapshot.h"
#include "core/net/url.h"
#include "core/service/served.h"
#include "core/store/store.h"
#include "core/store/store_lists.h"
#include "urlcheck/urlcheck.h"

struct build {
	const struct served *sh;
	struct uc_table *t;
	size_t cap;
	int oom;
};

/* The expression's first call only: the URL's own expression. */
struct first {
	char *out;
	size_t cap, len;
};

static int take_first(void *ud, const char *expr, size_t len, size_t hostlen)
{
	struct first *f = ud;

	(void)hostlen;
	if (len < f->cap) {
		memcpy(f->out, expr, len + 1);
		f->len = len;
	}
	return 1;
}

/*
 * The expression of snapshot key (type, key[0..keylen)) into out (URL_MAX + 2 bytes):
 * a URL's own expression, "name/" for a domain, "a.b.c.d/" or "[v6]/" for a full-length
 * address. Returns its length, or 0 when the key has none (a shorter IP prefix).
 */
static size_t key_expression(unsigned char type, const char *key, size_t keylen, char *out)
{
	struct first f = { out, URL_MAX + 2, 0 };
	const unsigned char *a = (const unsigned char *)key;
	char ip[64];
	int n;

	switch (type) {
	case 'U':
		if (url_expressions(key, keylen, take_first, &f) != 1)
			return 0;
		return f.len;
	case 'D':
		if (keylen > URL_MAX)
			return 0;
		memcpy(out, key, keylen);
		out[keylen] = '/';
		out[keylen + 1] = '\0';
		return keylen + 1;
	case '4':
		if (keylen != 5 || a[0] != 32)
			return 0;
		n = snprintf(out, URL_MAX, "%u.%u.%u.%u/", a[1], a[2], a[3], a[4]);
		return (size_t)n;
	case '6':
		if (keylen != 17 || a[0] != 128)
			return 0;
		if (!inet_ntop(AF_INET6, a + 1, ip, sizeof(ip)))
			return 0;
		n = snprintf(out, URL_MAX, "[%s]/", ip);
		return (size_t)n;
	default: return 0;
	}
}

static void hash_expr(const char *expr, size_t len, uint8_t out[32])
{
	struct sha256 c;

	sha256_init(&c);
	sha256_update(&c, expr, len);
	sha256_final(&c, out);
}

static void add_entry(struct build *b, const uint8_t hash[32], unsigned list, unsigned match)
{
	struct uc_table *t = b->t;
	struct uc_entry *e;

	if (t->n == b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 1024;
		struct uc_entry *ne = realloc(t->e, nc * sizeof(*ne));

		if (!ne) {
			b->oom = 1;
			return;
		}
		t->e = ne;
		b->cap = nc;
	}
	e = &t->e[t->n++];
	memcpy(e->hash, hash, 32);
	e->list = (uint16_t)list;
	e->match = (uint8_t)match;
	e->meta = 0;
}

/* The list that counts for result r, or -1 (log-only, nothing); an allowed result is
 * -2 - the allowing list. */
static int deciding_list(struct build *b, const struct snap_result *r)
{
	int hit, action, i;

	if (r->n == 0)
		return -1;
	action = served_hit(b->sh, r, -1, &hit);
	if (action < 0) {
		b->t->allowed++;
		for (i = 0; i < r->n; i++)
			if (r->hits[i].allow)
				return -2 - (int)r->hits[i].list;
		return -1;
	}
	if (action == LIST_ACTION_LOG_ONLY) {
		b->t->logonly++;
		return -1;
	}
	return r->hits[hit].list;
}

static int on_key(void *ud, const struct snap_key *k)
{
	struct build *b = ud;
	char expr[URL_MAX + 2];
	uint8_t h[32];
	size_t len;
	int ex, wi;

	ex = deciding_list(b, &k->exact);
	wi = k->type == 'D' ? deciding_list(b, &k->wild) : -1;
	if (k->type != 'D' && ex < -1) /* an allowed URL or address: left out */
		ex = -1;
	if (ex == -1 && wi == -1)
		return 0;
	len = key_expression(k->type, k->key, k->keylen, expr);
	if (len == 0) {
		b->t->others++;
		return 0;
	}
	hash_expr(expr, len, h);
	/* A domain allow is served too, as an allow entry: the client must know that
	 * ok.wild.example is allowed when *.wild.example is listed (a lookup finds the more
	 * specific allow first, as the DNS service's does). */
	if (k->type == 'U') {
		add_entry(b, h, (unsigned)ex, UC_MATCH_URL);
	} else {
		if (ex >= 0)
			add_entry(b, h, (unsigned)ex, UC_MATCH_HOST);
		else if (ex < -1)
			add_entry(b, h, (unsigned)(-2 - ex), UC_MATCH_HOST | UC_MATCH_ALLOW);
		if (wi >= 0)
			add_entry(b, h, (unsigned)wi, UC_MATCH_SUB);
		else if (wi < -1)
			add_entry(b, h, (unsigned)(-2 - wi), UC_MATCH_SUB | UC_MATCH_ALLOW);
	}
	return b->oom ? ISR_ENOMEM : 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct uc_entry *x = a, *y = b;
	int c = memcmp(x->hash, y->hash, 32);

	if (c)
		return c;
	return (int)x->list - (int)y->list;
}

static uint32_t prefix_of(const uint8_t *h)
{
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

/* Sort, merge (hash, list) twins, and derive the prefixes and their checksum. */
static int finish(struct uc_table *t)
{
	struct sha256 c;
	size_t i, w = 0;

	if (t->n)
		qsort(t->e, t->n, sizeof(t->e[0]), cmp_entry);
	for (i = 0; i < t->n; i++) {
		if (w > 0 && cmp_entry(&t->e[w - 1], &t->e[i]) == 0) {
			t->e[w - 1].match |= t->e[i].match;
			continue;
		}
		t->e[w++] = t->e[i];
	}
	t->n = w;
	t->prefixes = malloc((t->n ? t->n : 1) * sizeof(uint32_t));
	if (!t->prefixes)
		return ISR_ENOMEM;
	sha256_init(&c);
	for (i = 0; i < t->n; i++) {
		uint32_t p = prefix_of(t->e[i].hash);

		if (t->np > 0 && t->prefixes[t->np - 1] == p)
			continue;
		t->prefixes[t->np++] = p;
		sha256_update(&c, t->e[i].hash, 4);
	}
	sha256_final(&c, t->sha256);
	return 0;
}

/* ---- metadata from the store ---- */

struct metactx {
	struct uc_table *t;
	unsigned list;
	size_t cap;
	int oom;
};

static int find_entry(const struct uc_table *t, const uint8_t h[32], unsigned list)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(t->e[mid].hash, h, 32);

		if (c < 0 || (c == 0 && t->e[mid].list < list))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->n && memcmp(t->e[lo].hash, h, 32) == 0 && t->e[lo].list == list)
		return (int)lo;
	return -1;
}

static int pool_add(struct metactx *m, const char *a, const char *b, uint32_t *at)
{
	struct uc_table *t = m->t;
	size_t la = strlen(a), lb = strlen(b);

	if (la > 512)
		la = 512;
	if (lb > 1024)
		lb = 1024;
	while (t->metalen + la + lb + 2 > m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 65536;
		char *np = realloc(t->meta, nc);

		if (!np)
			return ISR_ENOMEM;
		t->meta = np;
		m->cap = nc;
	}
	if (t->metalen + 1 > UINT32_MAX - la - lb - 2)
		return ISR_ELIMIT;
	*at = (uint32_t)t->metalen + 1;
	memcpy(t->meta + t->metalen, a, la);
	t->meta[t->metalen + la] = '\0';
	memcpy(t->meta + t->metalen + la + 1, b, lb);
	t->meta[t->metalen + la + 1 + lb] = '\0';
	t->metalen += la + lb + 2;
	return 0;
}

static int on_entry(void *ud, const struct store_list *l, const struct store_entry *e)
{
	struct metactx *m = ud;
	const char *v = e->value;
	char expr[URL_MAX + 2];
	uint8_t h[32];
	size_t len = 0, vl = strlen(v);
	int i;

	(void)l;
	if (!e->category && !e->reference)
		return 0;
	if (l->kind == LIST_URL) {
		len = key_expression('U', v, vl, expr);
	} else if (l->kind == LIST_DOMAIN) {
		if (vl > 2 && v[0] == '*' && v[1] == '.')
			v += 2, vl -= 2;
		len = key_expression('D', v, vl, expr);
	}
	if (len == 0)
		return 0;
	hash_expr(expr, len, h);
	i = find_entry(m->t, h, m->list);
	if (i < 0 || m->t->e[i].meta)
		return 0;
	if (pool_add(m, e->category ? e->category : "", e->reference ? e->reference : "",
		     &m->t->e[i].meta) != 0) {
		m->oom = 1;
		return 1;
	}
	return 0;
}

static int load_meta(struct uc_table *t, struct store *st, int64_t now, struct isp_err *err)
{
	struct metactx m = { t, 0, 0, 0 };
	unsigned char *used = calloc(t->nlists ? t->nlists : 1, 1);
	size_t i;
	int rc = 0;

	if (!used)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	for (i = 0; i < t->n; i++)
		used[t->e[i].list] = 1;
	for (m.list = 0; m.list < t->nlists && rc == 0; m.list++) {
		if (!used[m.list])
			continue;
		rc = store_each_entry(st, t->lists[m.list].name, now, 1, on_entry, &m, err);
		if (m.oom)
			rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
		else if (rc == ISR_ENOTFOUND) /* the allowlist, or a list deleted since */
			rc = 0;
	}
	free(used);
	return rc;
}

void uc_table_free(struct uc_table *t)
{
	if (!t)
		return;
	free(t->e);
	free(t->prefixes);
	free(t->lists);
	free(t->meta);
	free(t);
}

int uc_table_build(const struct served *sh, const struct isp_config *cfg, struct store *st,
		   int64_t now, struct uc_table **out, struct isp_err *err)
{
	struct uc_table *t = calloc(1, sizeof(*t));
	struct build b = { sh, t, 0, 0 };
	unsigned i;
	int rc;

	*out = NULL;
	if (!t)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	t->version = snap_serial(sh->snap);
	t->nlists = snap_nlists(sh->snap);
	t->lists = calloc(t->nlists ? t->nlists : 1, sizeof(*t->lists));
	if (!t->lists) {
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < t->nlists; i++) {
		struct snap_list_info li;
		const char *d;
		int ja;

		snap_list(sh->snap, i, &li);
		snprintf(t->lists[i].name, sizeof(t->lists[i].name), "%s", li.name);
		for (ja = 0; ja < 2; ja++) {
			d = config_list_display(cfg, li.name, ja);
			snprintf(t->lists[i].display[ja], sizeof(t->lists[i].display[ja]), "%s",
				 d ? d : "");
		}
	}
	rc = snap_each_key(sh->snap, on_key, &b);
	if (rc == 0 && b.oom)
		rc = ISR_ENOMEM;
	if (rc == 0)
		rc = finish(t);
	if (rc) {
		rc = isp_err_set(err, rc, "urlcheck: out of memory building the table");
		goto fail;
	}
	if (st) {
		rc = load_meta(t, st, now, err);
		if (rc)
			goto fail;
	}
	*out = t;
	return 0;
fail:
	uc_table_free(t);
	return rc;
}

size_t uc_table_find(const struct uc_table *t, uint32_t prefix, size_t *first)
{
	size_t lo = 0, hi = t->n, end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (prefix_of(t->e[mid].hash) < prefix)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	for (end = lo; end < t->n && prefix_of(t->e[end].hash) == prefix; end++)
		;
	return end - lo;
}

void uc_entry_meta(const struct uc_table *t, const struct uc_entry *e, const char *out[2])
{
	if (!e->meta || e->meta > t->metalen) {
		out[0] = out[1] = "";
		return;
	}
	out[0] = t->meta + e->meta - 1;
	out[1] = out[0] + strlen(out[0]) + 1;
}
