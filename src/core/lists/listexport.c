/*
 * listexport.c -- see listexport.h. The RPZ writer follows draft-vixie-dns-rpz: names as
 * QNAME triggers (*.name for a wildcard), prefixes as rpz-ip triggers, each entry's action
 * as its policy record.
 */
#include "core/lists/listexport.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/csv.h"
#include "core/base/sha256.h"
#include "core/base/strbuf.h"
#include "core/base/timefmt.h"
#include "core/lists/allowlist.h"
#include "core/net/domain.h"
#include "core/net/ip.h"

static const char *const names[] = { "rpz", "domains", "hosts", "csv", "stix" };

int listexport_format(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

const char *listexport_format_name(enum listexport_fmt fmt)
{
	return (unsigned)fmt < sizeof(names) / sizeof(names[0]) ? names[fmt] : "?";
}

int listexport_fits(enum listexport_fmt fmt, enum list_kind kind)
{
	return !((fmt == LISTEXPORT_RPZ && kind == LIST_URL) ||
		 (fmt == LISTEXPORT_HOSTS && kind != LIST_DOMAIN));
}

/* The state of one export. */
struct xw {
	FILE *f;
	const struct listexport_opts *o;
	struct listexport_stats *s;
	size_t zonelen; /* RPZ: length of the origin; owner + "." + origin must fit 253 */
	const struct allowset *allow; /* active allows (not for csv), may be NULL */
	const char *list;	      /* stix: the list's name (the ids) */
};

/* rpz-ip owner for prefix p: "LEN.B4.B3.B2.B1" or "LEN.G8....G1" with "zz" for the
 * longest run of zero groups (RFC draft-vixie-dns-rpz section 4.1.1). */
void listexport_rpz_ip_owner(const struct ip_prefix *p, char *out, size_t size)
{
	size_t n = 0;
	int i;

	n += (size_t)snprintf(out + n, size - n, "%u", p->len);
	if (p->family == 4) {
		for (i = 3; i >= 0; i--)
			n += (size_t)snprintf(out + n, size - n, ".%u", p->addr[i]);
	} else {
		unsigned g[8];
		int best = -1, bestlen = 1, run = 0;

		for (i = 0; i < 8; i++) {
			g[i] = (unsigned)p->addr[2 * (size_t)i] << 8 | p->addr[2 * (size_t)i + 1];
			run = g[i] == 0 ? run + 1 : 0;
			if (run > bestlen) {
				bestlen = run;
				best = i - run + 1;
			}
		}
		for (i = 7; i >= 0; i--) {
			if (best >= 0 && i >= best && i < best + bestlen) {
				if (i == best + bestlen - 1)
					n += (size_t)snprintf(out + n, size - n, ".zz");
				continue;
			}
			n += (size_t)snprintf(out + n, size - n, ".%x", g[i]);
		}
	}
	snprintf(out + n, size - n, ".rpz-ip");
}

/* The RPZ records of a value under owner: the policy record of its action, or its local
 * data one record a line (the text form is zone syntax already). */
static void rpz_records(FILE *f, const char *owner, enum list_action action, const char *d)
{
	const char *nl;
	const char *cname;

	switch (action) {
	case LIST_ALLOW: cname = "rpz-passthru."; break;
	case LIST_NODATA: cname = "*."; break;
	case LIST_DROP: cname = "rpz-drop."; break;
	case LIST_TCP_ONLY: cname = "rpz-tcp-only."; break;
	case LIST_LOCAL:
		if (!d || !*d) {
			cname = "."; /* no data (a hand-edited store): the block it stands for */
			break;
		}
		for (; *d; d = nl + 1) {
			nl = strchr(d, '\n');
			fprintf(f, "%s %.*s\n", owner, (int)(nl ? (size_t)(nl - d) : strlen(d)), d);
			if (!nl)
				break;
		}
		return;
	case LIST_BLOCK:
	case LIST_NXDOMAIN:
	default: cname = "."; break;
	}
	fprintf(f, "%s CNAME %s\n", owner, cname);
}

/* One value (of kind) with its action (and local data) as RPZ records. */
static void rpz_line(struct xw *x, enum list_kind kind, const char *value, enum list_action action,
		     const char *data)
{
	char owner[96];

	if (kind == LIST_IP) {
		struct ip_prefix p;

		if (ip_parse_prefix(value, strlen(value), &p, NULL, NULL) != 0) {
			x->s->skipped++;
			return;
		}
		listexport_rpz_ip_owner(&p, owner, sizeof(owner));
		rpz_records(x->f, owner, action, data);
	} else if (strlen(value) + 1 + x->zonelen > DOMAIN_MAX) {
		/* One name too long under the origin would make BIND and Unbound refuse
		 * the whole zone: leave it out and say so. */
		x->s->toolong++;
		return;
	} else {
		rpz_records(x->f, value, action, data);
	}
	x->s->written++;
}

/* RPZ: the active allows of the list's kind, as rpz-passthru, before the entries. */
static void rpz_allows(struct xw *x, enum list_kind kind)
{
	size_t i;

	for (i = 0; i < allowset_count(x->allow); i++) {
		const struct allow_entry *a = allowset_at(x->allow, i);

		if (a->kind == kind) {
			rpz_line(x, kind, a->value, LIST_ALLOW, NULL);
			x->s->allowed++;
		}
	}
}

/* A name-based id: "indicator--" and a UUID from SHA-256 of list and value. */
static void stix_id(const char *list, const char *value, char out[64])
{
	struct sha256 c;
	uint8_t h[SHA256_LEN];
	char u[SHA256_UUID_MAX];

	sha256_init(&c);
	sha256_update(&c, "ispshield\n", 10);
	sha256_update(&c, list, strlen(list) + 1);
	sha256_update(&c, value, strlen(value));
	sha256_final(&c, h);
	snprintf(out, 64, "indicator--%s", sha256_uuid(h, u));
}

/* STIX 2.1 timestamp "YYYY-MM-DDTHH:MM:SS.000Z". */
static const char *stix_time(int64_t t, char out[32])
{
	char b[TIME_FMT_UTC_MAX];

	time_fmt_utc((long long)t, b); /* "YYYY-MM-DD HH:MM:SS" */
	b[10] = 'T';
	snprintf(out, 32, "%.19s.000Z", b);
	return out;
}

/* One indicator of the bundle; 0 written, 1 not expressible. */
static int stix_entry(struct xw *x, enum list_kind kind, const struct store_entry *e)
{
	const char *path = kind == LIST_DOMAIN	   ? "domain-name"
			   : kind == LIST_URL	   ? "url"
			   : strchr(e->value, ':') ? "ipv6-addr"
						   : "ipv4-addr";
	struct strbuf pat;
	char id[64], t0[32], t1[32], t2[32];
	const char *v;
	json_t *o;
	json_t *name;

	if (e->action == LIST_ALLOW || e->action == LIST_LOCAL || e->value[0] == '*')
		return 1;
	memset(&pat, 0, sizeof(pat));
	strbuf_fmt(&pat, "[%s:value = '", path);
	for (v = e->value; *v; v++) {
		if (*v == '\'' || *v == '\\')
			strbuf_add(&pat, "\\", 1);
		strbuf_add(&pat, v, 1);
	}
	strbuf_str(&pat, "']");
	stix_id(x->list, e->value, id);
	stix_time(e->first_seen ? e->first_seen : x->o->now, t0);
	stix_time(x->o->now, t1);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s], s:s, s:s, s:s}", "type", "indicator",
		      "spec_version", "2.1", "id", id, "created", t0, "modified", t1,
		      "indicator_types", "malicious-activity", "pattern", pat.p ? pat.p : "",
		      "pattern_type", "stix", "valid_from", t0);
	free(pat.p);
	if (!o) /* a value jansson does not take as UTF-8 */
		return 1;
	name = json_string(e->category && *e->category ? e->category : "");
	if (!name || !*json_string_value(name)) {
		json_decref(name);
		name = json_string("ispshield list entry");
	}
	json_object_set_new(o, "name", name);
	if (e->expires)
		json_object_set_new(o, "valid_until", json_string(stix_time(e->expires, t2)));
	if (e->reference && *e->reference)
		json_object_set_new(o, "external_references",
				    json_pack("[{s:s, s:s}]", "source_name", "ispshield",
					      "external_id", e->reference));
	fputs(x->s->written ? ",\n" : "\n", x->f);
	json_dumpf(o, x->f, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return 0;
}

static int on_entry(void *ud, const struct store_list *l, const struct store_entry *e)
{
	struct xw *x = ud;
	int allow = e->action == LIST_ALLOW;
	const struct allow_entry *a = allow ? NULL : allowset_value(x->allow, l->kind, e->value);
	char t[TIME_FMT_UTC_MAX];

	if (a && x->o->fmt == LISTEXPORT_RPZ) {
		/* covered: passthru; the allow's own value was written already */
		if (strcmp(a->value, e->value) != 0) {
			rpz_line(x, l->kind, e->value, LIST_ALLOW, NULL);
			x->s->allowed++;
		}
		return ferror(x->f) ? ISR_EIO : 0;
	}
	if (a && (x->o->fmt == LISTEXPORT_DOMAINS || x->o->fmt == LISTEXPORT_HOSTS ||
		  x->o->fmt == LISTEXPORT_STIX)) {
		x->s->allowed++;
		return 0;
	}

	switch (x->o->fmt) {
	case LISTEXPORT_RPZ:
		if (allow && allowset_value(x->allow, l->kind, e->value) &&
		    strcmp(allowset_value(x->allow, l->kind, e->value)->value, e->value) == 0)
			return 0; /* the same passthru was written with the allowlist */
		rpz_line(x, l->kind, e->value, e->action, e->data);
		return ferror(x->f) ? ISR_EIO : 0;
	case LISTEXPORT_DOMAINS:
		if (allow) {
			x->s->skipped++;
			return 0;
		}
		fprintf(x->f, "%s\n", e->value);
		break;
	case LISTEXPORT_HOSTS:
		if (allow || e->value[0] == '*') {
			x->s->skipped++;
			return 0;
		}
		fprintf(x->f, "0.0.0.0 %s\n", e->value);
		break;
	case LISTEXPORT_STIX:
		if (stix_entry(x, l->kind, e) != 0) {
			x->s->skipped++;
			return 0;
		}
		break;
	case LISTEXPORT_CSV:
		csv_write_field(x->f, e->value);
		fprintf(x->f, ",%s,", list_action_name(e->action));
		fprintf(x->f, "%s,", e->first_seen ? time_fmt_utc(e->first_seen, t) : "");
		fprintf(x->f, "%s,", e->last_seen ? time_fmt_utc(e->last_seen, t) : "");
		fprintf(x->f, "%s,", e->expires ? time_fmt_utc(e->expires, t) : "");
		csv_write_field(x->f, e->category);
		fputc(',', x->f);
		csv_write_field(x->f, e->reference);
		fputc(',', x->f);
		csv_write_field(x->f, e->source);
		fputc('\n', x->f);
		break;
	}
	x->s->written++;
	return ferror(x->f) ? ISR_EIO : 0;
}

int listexport_write(struct store *st, const struct store_list *l, const struct listexport_opts *o,
		     FILE *out, struct listexport_stats *stats, struct isp_err *err)
{
	struct allowset *allow = NULL;
	struct xw x;
	int rc;

	memset(stats, 0, sizeof(*stats));
	memset(&x, 0, sizeof(x));
	x.f = out;
	x.o = o;
	x.s = stats;
	x.zonelen = o->zone ? strlen(o->zone) : 0;
	if (o->fmt != LISTEXPORT_CSV && (rc = allowset_load(st, o->now, &allow, err)) != 0)
		return rc;
	x.allow = allow;
	if (o->fmt == LISTEXPORT_RPZ) {
		fprintf(out,
			"; RPZ zone written by ispshield %s from list %s\n"
			"$ORIGIN %s.\n$TTL %lld\n@ IN SOA localhost. hostmaster.localhost. %lld "
			"3600 600 86400 %lld\n"
			"@ IN NS localhost.\n",
			ISP_VERSION, l->name, o->zone, (long long)o->ttl, (long long)o->now,
			(long long)o->ttl);
		rpz_allows(&x, l->kind);
	} else if (o->fmt == LISTEXPORT_CSV) {
		fputs("value,action,first_seen,last_seen,expires,category,reference,source\n", out);
	} else if (o->fmt == LISTEXPORT_STIX) {
		char id[64];

		x.list = l->name;
		stix_id(l->name, "", id); /* the bundle's id: the list's */
		fprintf(out, "{\"type\": \"bundle\", \"id\": \"bundle--%s\", \"objects\": [",
			id + strlen("indicator--"));
	}
	rc = store_each_entry(st, l->name, o->now, 1, on_entry, &x, err);
	if (rc == 0 && o->fmt == LISTEXPORT_STIX) {
		fputs("\n]}\n", out);
		rc = ferror(out) ? isp_err_set(err, ISR_EIO, "write failed") : 0;
	}
	allowset_free(allow);
	return rc;
}

void listexport_summary(FILE *out, const struct store_list *l, const struct listexport_opts *o,
			const struct listexport_stats *s)
{
	const char *fmt = listexport_format_name(o->fmt);
	int rpz = o->fmt == LISTEXPORT_RPZ;

	fprintf(out, "list %s: %ld entries written as %s%s%s", l->name, s->written, fmt,
		rpz ? ", zone " : "", rpz ? o->zone : "");
	if (s->skipped)
		fprintf(out, ", %ld left out (not expressible in %s)", s->skipped, fmt);
	if (s->allowed)
		fprintf(out, ", %ld %s the allowlist", s->allowed,
			rpz ? "as rpz-passthru by" : "left out by");
	if (s->toolong)
		fprintf(out, ", %ld left out (longer than %d octets under zone %s)", s->toolong,
			DOMAIN_MAX, o->zone);
	fputc('\n', out);
}
