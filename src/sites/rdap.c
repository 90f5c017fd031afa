/*
 * rdap.c -- RDAP answers (RFC 9083) and the IANA bootstrap files (RFC 9224), sites.h.
 *
 * An answer (a domain or an IP network object) names its contacts as "entities", each
 * with "roles" and a "vcardArray" (jCard, RFC 7095: ["vcard", [[name, params, type,
 * value], ...]]), and entities nest (the registrar's abuse contact is an entity of the
 * registrar entity). Every entity with role "abuse" gives its "email" properties, at
 * any depth up to RDAP_MAX_DEPTH.
 *
 * A bootstrap file is {"services": [[[keys...], [urls...]], ...]}: keys are TLDs
 * (dns.json) or prefixes (ipv4.json, ipv6.json). The first https URL of a service is
 * kept (else its first URL), with a '/' added when missing. Lookups: the longest TLD
 * suffix of a name (label-aligned), the longest prefix holding an address; both linear
 * over at most a few hundred entries, as IANA publishes them.
 */
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/base/binwrite.h"
#include "core/base/fsutil.h"
#include "core/net/ip.h"
#include "sites/sites.h"
#include "sites/sites_int.h"

#define RDAP_MAX_DEPTH	   8
#define RDAP_URL_MAX	   512
#define RDAP_KEY_MAX	   256
#define BOOTSTRAP_FILE_MAX ((size_t)16 * 1024 * 1024)

static int has_role(json_t *ent, const char *role)
{
	json_t *roles = json_object_get(ent, "roles"), *r;
	size_t i;

	json_array_foreach(roles, i, r)
	{
		if (json_is_string(r) && strcasecmp(json_string_value(r), role) == 0)
			return 1;
	}
	return 0;
}

static int vcard_emails(json_t *ent, const char *file, isp_reject_fn rej, void *ud,
			struct sites_emails *e)
{
	json_t *va = json_object_get(ent, "vcardArray"), *props, *p;
	size_t i;
	int added = 0;

	if (!va)
		return 0;
	props = json_array_get(va, 1);
	if (!json_is_array(va) || !json_is_string(json_array_get(va, 0)) ||
	    strcmp(json_string_value(json_array_get(va, 0)), "vcard") != 0 ||
	    !json_is_array(props)) {
		sites_reject(rej, ud, file, 0, -1, "vcardArray is not [\"vcard\", [...]]");
		return 0;
	}
	json_array_foreach(props, i, p)
	{
		json_t *name = json_array_get(p, 0), *val = json_array_get(p, 3);

		if (!json_is_string(name) || strcasecmp(json_string_value(name), "email") != 0)
			continue;
		if (!json_is_string(val)) {
			sites_reject(rej, ud, file, 0, -1, "vCard email without a text value");
			continue;
		}
		if (sites_emails_add(e, json_string_value(val), json_string_length(val)) == 1)
			added++;
	}
	return added;
}

static int walk(json_t *obj, int depth, const char *file, isp_reject_fn rej, void *ud,
		struct sites_emails *e)
{
	json_t *ents = json_object_get(obj, "entities"), *ent;
	size_t i;
	int added = 0;

	if (!ents)
		return 0;
	if (!json_is_array(ents)) {
		sites_reject(rej, ud, file, 0, -1, "entities is not an array");
		return 0;
	}
	if (depth >= RDAP_MAX_DEPTH) {
		sites_reject(rej, ud, file, 0, -1, "entities nested deeper than %d",
			     RDAP_MAX_DEPTH);
		return 0;
	}
	json_array_foreach(ents, i, ent)
	{
		if (!json_is_object(ent)) {
			sites_reject(rej, ud, file, 0, -1, "entities[%zu] is not an object", i);
			continue;
		}
		if (has_role(ent, "abuse"))
			added += vcard_emails(ent, file, rej, ud, e);
		added += walk(ent, depth + 1, file, rej, ud, e);
	}
	return added;
}

int sites_rdap_abuse(const char *json, size_t len, const char *file, isp_reject_fn rej, void *ud,
		     struct sites_emails *e)
{
	json_error_t je;
	json_t *root = json_loadb(json, len, 0, &je);
	int added;

	if (!root) {
		sites_reject(rej, ud, file, 0, je.position, "not JSON: %s", je.text);
		return 0;
	}
	if (!json_is_object(root)) {
		sites_reject(rej, ud, file, 0, 0, "not a JSON object");
		json_decref(root);
		return 0;
	}
	added = walk(root, 0, file, rej, ud, e);
	json_decref(root);
	return added;
}

/* ---- bootstrap ---- */

struct boot_entry {
	char key[RDAP_KEY_MAX]; /* "jp", "co.jp" (dns) */
	struct ip_prefix pf;	/* (ipv4, ipv6) */
	int is_dns;
	char url[RDAP_URL_MAX];
};

struct sites_bootstrap {
	struct boot_entry *e;
	size_t n, cap;
};

struct sites_bootstrap *sites_bootstrap_new(void)
{
	return calloc(1, sizeof(struct sites_bootstrap));
}

void sites_bootstrap_free(struct sites_bootstrap *b)
{
	if (!b)
		return;
	free(b->e);
	free(b);
}

static int pick_url(json_t *urls, char *out)
{
	json_t *u;
	size_t i;
	const char *best = NULL;

	json_array_foreach(urls, i, u)
	{
		const char *s = json_string_value(u);

		if (!s || (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0) ||
		    strlen(s) + 2 > RDAP_URL_MAX || strpbrk(s, " \t\r\n"))
			continue;
		if (!best || (strncmp(s, "https://", 8) == 0 && strncmp(best, "https://", 8) != 0))
			best = s;
	}
	if (!best)
		return -1;
	snprintf(out, RDAP_URL_MAX, "%s%s", best, best[strlen(best) - 1] == '/' ? "" : "/");
	return 0;
}

int sites_bootstrap_add(struct sites_bootstrap *b, const char *kind, const char *json, size_t len,
			const char *file, isp_reject_fn rej, void *ud, struct isp_err *err)
{
	int is_dns = strcmp(kind, "dns") == 0;
	json_error_t je;
	json_t *root = json_loadb(json, len, 0, &je), *svcs, *svc;
	size_t i;
	int kept = 0;

	if (!root) {
		sites_reject(rej, ud, file, 0, je.position, "not JSON: %s", je.text);
		return 0;
	}
	svcs = json_object_get(root, "services");
	if (!json_is_array(svcs)) {
		sites_reject(rej, ud, file, 0, 0, "no \"services\" array");
		json_decref(root);
		return 0;
	}
	json_array_foreach(svcs, i, svc)
	{
		json_t *keys = json_array_get(svc, 0), *k;
		char url[RDAP_URL_MAX];
		size_t j;

		if (!json_is_array(keys) || pick_url(json_array_get(svc, 1), url) != 0) {
			sites_reject(rej, ud, file, 0, -1,
				     "services[%zu]: not [[keys], [http(s) URLs]]", i);
			continue;
		}
		json_array_foreach(keys, j, k)
		{
			const char *s = json_string_value(k);
			struct boot_entry be;

			memset(&be, 0, sizeof(be));
			be.is_dns = is_dns;
			if (!s || strlen(s) >= RDAP_KEY_MAX ||
			    (!is_dns && ip_parse_prefix(s, strlen(s), &be.pf, NULL, NULL) != 0) ||
			    (!is_dns && be.pf.family != (strcmp(kind, "ipv4") == 0 ? 4 : 6))) {
				sites_reject(rej, ud, file, 0, -1,
					     "services[%zu][0][%zu]: not a %s key", i, j, kind);
				continue;
			}
			for (size_t c = 0; s[c]; c++)
				be.key[c] = (char)(s[c] >= 'A' && s[c] <= 'Z' ? s[c] + 32 : s[c]);
			memcpy(be.url, url, sizeof(url));
			if (mem_grow_from((void **)&b->e, &b->cap, b->n + 1, sizeof(*b->e), 64)) {
				json_decref(root);
				return isp_err_set(err, ISR_ENOMEM, "out of memory");
			}
			b->e[b->n++] = be;
			kept++;
		}
	}
	json_decref(root);
	return kept;
}

int sites_bootstrap_load(struct sites_bootstrap *b, const char *dir, isp_reject_fn rej, void *ud,
			 struct isp_err *err)
{
	static const char *const kinds[] = { "dns", "ipv4", "ipv6" };

	for (size_t i = 0; i < 3; i++) {
		char path[CONFIG_PATH_MAX + 16], *text = NULL;
		size_t len = 0;
		struct isp_err e2;
		int rc;

		snprintf(path, sizeof(path), "%s/%s.json", dir, kinds[i]);
		isp_err_clear(&e2);
		if (access(path, F_OK) != 0 && errno == ENOENT)
			continue;
		rc = fs_read_file(path, BOOTSTRAP_FILE_MAX, &text, &len, &e2);
		if (rc) {
			*err = e2;
			return rc;
		}
		rc = sites_bootstrap_add(b, kinds[i], text, len, path, rej, ud, err);
		free(text);
		if (rc < 0)
			return rc;
	}
	return 0;
}

const char *sites_bootstrap_domain(const struct sites_bootstrap *b, const char *domain)
{
	const char *best = NULL;
	size_t bestlen = 0, dn = strlen(domain);

	if (dn && domain[dn - 1] == '.')
		dn--;
	for (size_t i = 0; b && i < b->n; i++) {
		size_t kn = strlen(b->e[i].key);

		if (!b->e[i].is_dns || kn == 0 || kn > dn || kn <= bestlen)
			continue;
		if (strncasecmp(domain + dn - kn, b->e[i].key, kn) != 0)
			continue;
		if (kn < dn && domain[dn - kn - 1] != '.')
			continue;
		best = b->e[i].url;
		bestlen = kn;
	}
	return best;
}

const char *sites_bootstrap_addr(const struct sites_bootstrap *b, const struct sockaddr *sa)
{
	uint8_t a[16];
	int fam;
	const char *best = NULL;
	int bestlen = -1;

	if (sa->sa_family == AF_INET) {
		fam = 4;
		memcpy(a, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		fam = 6;
		memcpy(a, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
	} else {
		return NULL;
	}
	for (size_t i = 0; b && i < b->n; i++) {
		const struct ip_prefix *p = &b->e[i].pf;
		unsigned bits = p->len, k;

		if (b->e[i].is_dns || p->family != fam || (int)bits <= bestlen)
			continue;
		for (k = 0; k < bits / 8; k++)
			if (a[k] != p->addr[k])
				break;
		if (k < bits / 8)
			continue;
		if (bits % 8 && ((a[k] ^ p->addr[k]) & (uint8_t)(0xff << (8 - bits % 8))))
			continue;
		best = b->e[i].url;
		bestlen = (int)bits;
	}
	return best;
}
