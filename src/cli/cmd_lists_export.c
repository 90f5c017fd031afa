/*
 * cmd_lists_export.c -- `ispshield lists export`: write a list for other tools: an RPZ
 * zone for BIND 9 and Unbound, a plain list, a hosts file, or CSV (which `lists import
 * --format csv` reads back).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/cmd_lists.h"
#include "core/lists/allowlist.h"
#include "core/net/domain.h"
#include "core/net/ip.h"
#include "core/store/store.h"
#include "core/store/store_lists.h"
#include "core/base/csv.h"
#include "core/base/fsutil.h"

static const char export_usage[] =
	"usage: ispshield lists export --list NAME --format FORMAT [--origin ZONE] [--out FILE]\n"
	"\n"
	"Write the live entries of list NAME (one line per distinct value).\n";

static const char export_tail[] =
	"Formats:\n"
	"  rpz      RPZ zone (domain and ip lists): name CNAME ., *.name CNAME ., each\n"
	"           entry's RPZ action written back (CNAME *., rpz-passthru., rpz-drop.,\n"
	"           rpz-tcp-only., local data records), addresses as rpz-ip triggers;\n"
	"           loads in BIND 9 and Unbound\n"
	"  domains  one value a line (any kind; allow entries left out)\n"
	"  hosts    0.0.0.0 name (domain lists; *.name and allow entries cannot be\n"
	"           expressed and are left out)\n"
	"  csv      value,action,first_seen,last_seen,expires,category,reference,source\n"
	"           (read back by import --format csv)\n"
	"\n"
	"The allowlist (`lists allow`) applies as at compile: in rpz, every active allow of\n"
	"the list's kind is written as CNAME rpz-passthru. and so is each entry an allow\n"
	"covers (a resolver prefers the more specific trigger, so bad.example CNAME . would\n"
	"beat *.example CNAME rpz-passthru.); domains and hosts leave covered entries out;\n"
	"csv writes the list as stored.\n";

enum xfmt { X_RPZ, X_DOMAINS, X_HOSTS, X_CSV };

struct exp {
	FILE *f;
	enum xfmt fmt;
	size_t zonelen; /* RPZ: length of the origin; owner + "." + origin must fit 253 */
	long written, skipped, toolong, allowed;
	const struct allowset *allow; /* active allows (not for csv), may be NULL */
};

/* rpz-ip owner for prefix p: "LEN.B4.B3.B2.B1" or "LEN.G8....G1" with "zz" for the
 * longest run of zero groups (RFC draft-vixie-dns-rpz section 4.1.1). */
static void rpz_ip_owner(const struct ip_prefix *p, char *out, size_t size)
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
static void rpz_line(struct exp *x, enum list_kind kind, const char *value, enum list_action action,
		     const char *data)
{
	char owner[96];

	if (kind == LIST_IP) {
		struct ip_prefix p;

		if (ip_parse_prefix(value, strlen(value), &p, NULL, NULL) != 0) {
			x->skipped++;
			return;
		}
		rpz_ip_owner(&p, owner, sizeof(owner));
		rpz_records(x->f, owner, action, data);
	} else if (strlen(value) + 1 + x->zonelen > DOMAIN_MAX) {
		/* One name too long under the origin would make BIND and Unbound refuse
		 * the whole zone: leave it out and say so. */
		x->toolong++;
		return;
	} else {
		rpz_records(x->f, value, action, data);
	}
	x->written++;
}

/* RPZ: the active allows of the list's kind, as rpz-passthru, before the entries. */
static void rpz_allows(struct exp *x, enum list_kind kind)
{
	size_t i;

	for (i = 0; i < allowset_count(x->allow); i++) {
		const struct allow_entry *a = allowset_at(x->allow, i);

		if (a->kind == kind) {
			rpz_line(x, kind, a->value, LIST_ALLOW, NULL);
			x->allowed++;
		}
	}
}

static int on_entry(void *ud, const struct store_list *l, const struct store_entry *e)
{
	struct exp *x = ud;
	int allow = e->action == LIST_ALLOW;
	const struct allow_entry *a = allow ? NULL : allowset_value(x->allow, l->kind, e->value);
	char t[24];

	if (a && x->fmt == X_RPZ) {
		/* covered: passthru; the allow's own value was written already */
		if (strcmp(a->value, e->value) != 0) {
			rpz_line(x, l->kind, e->value, LIST_ALLOW, NULL);
			x->allowed++;
		}
		return ferror(x->f) ? ISR_EIO : 0;
	}
	if (a && (x->fmt == X_DOMAINS || x->fmt == X_HOSTS)) {
		x->allowed++;
		return 0;
	}

	switch (x->fmt) {
	case X_RPZ:
		if (allow && allowset_value(x->allow, l->kind, e->value) &&
		    strcmp(allowset_value(x->allow, l->kind, e->value)->value, e->value) == 0)
			return 0; /* the same passthru was written with the allowlist */
		rpz_line(x, l->kind, e->value, e->action, e->data);
		return ferror(x->f) ? ISR_EIO : 0;
	case X_DOMAINS:
		if (allow) {
			x->skipped++;
			return 0;
		}
		fprintf(x->f, "%s\n", e->value);
		break;
	case X_HOSTS:
		if (allow || e->value[0] == '*') {
			x->skipped++;
			return 0;
		}
		fprintf(x->f, "0.0.0.0 %s\n", e->value);
		break;
	case X_CSV:
		csv_write_field(x->f, e->value);
		fprintf(x->f, ",%s,", list_action_name(e->action));
		fprintf(x->f, "%s,", e->first_seen ? cli_time(e->first_seen, t) : "");
		fprintf(x->f, "%s,", e->last_seen ? cli_time(e->last_seen, t) : "");
		fprintf(x->f, "%s,", e->expires ? cli_time(e->expires, t) : "");
		csv_write_field(x->f, e->category);
		fputc(',', x->f);
		csv_write_field(x->f, e->reference);
		fputc(',', x->f);
		csv_write_field(x->f, e->source);
		fputc('\n', x->f);
		break;
	}
	x->written++;
	return ferror(x->f) ? ISR_EIO : 0;
}

int cmd_lists_export(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = export_usage,
					       .tail = export_tail,
					       .heading = "" };
	static const char *names[] = { "rpz", "domains", "hosts", "csv" };
	const char *list = NULL, *fmt_s = NULL, *origin = c->cfg.lists_rpz_origin, *out = NULL;
	char zone[DOMAIN_BUFSZ];
	struct fs_atomic at;
	struct exp x;
	struct store_list l;
	struct allowset *allow = NULL;
	struct store *st;
	struct isp_err err;
	int rc, argi;
	unsigned i;
	const struct opt opts[] = {
		OPT_S("list", 'l', &list, "NAME", "the list"),
		OPT_S("format", 'f', &fmt_s, "FORMAT", "rpz, domains, hosts or csv (below)"),
		OPT_K("origin", "lists.rpz-origin", "ZONE"),
		OPT_S("out", 'o', &out, "FILE",
		      "write to FILE (atomically) instead of standard output"),
		OPT_END,
	};

	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	rc = EXIT_OK;
	memset(&x, 0, sizeof(x));
	x.fmt = (enum xfmt) - 1;
	for (i = 0; fmt_s && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(fmt_s, names[i]) == 0)
			x.fmt = (enum xfmt)i;
	if (!list || !fmt_s || (int)x.fmt < 0) {
		if (fmt_s && (int)x.fmt < 0)
			cli_fail("--format %s: expected rpz, domains, hosts or csv", fmt_s);
		opts_help(&spec, opts, stderr);
		return EXIT_USAGE;
	}
	isp_err_clear(&err);
	if (domain_normalise(origin, strlen(origin), zone, &err) < 0) {
		cli_fail("--origin %s: %s", origin, err.msg);
		return EXIT_USAGE;
	}
	x.zonelen = strlen(zone);
	st = cli_open_store(c);
	if (!st)
		return EXIT_FAIL;
	if (store_list_get(st, list, LIST_KIND_NONE, 0, &l, &err) != 0) {
		cli_error(&err);
		store_close(st);
		return EXIT_USAGE;
	}
	if ((x.fmt == X_RPZ && l.kind == LIST_URL) || (x.fmt == X_HOSTS && l.kind != LIST_DOMAIN)) {
		cli_fail("list %s holds %s entries, which format %s cannot express", l.name,
			 list_kind_name(l.kind), fmt_s);
		store_close(st);
		return EXIT_USAGE;
	}
	if (x.fmt != X_CSV && allowset_load(st, (int64_t)time(NULL), &allow, &err) != 0) {
		cli_error(&err);
		store_close(st);
		return EXIT_FAIL;
	}
	x.allow = allow;
	if (out) {
		if (fs_atomic_open(&at, out, 0666, &err) != 0) {
			cli_error(&err);
			allowset_free(allow);
			store_close(st);
			return EXIT_FAIL;
		}
		x.f = at.f;
	} else {
		x.f = stdout;
	}
	if (x.fmt == X_RPZ)
		fprintf(x.f,
			"; RPZ zone written by ispshield %s from list %s\n"
			"$ORIGIN %s.\n$TTL %lld\n@ IN SOA localhost. hostmaster.localhost. %lld "
			"3600 600 86400 %lld\n"
			"@ IN NS localhost.\n",
			ISP_VERSION, l.name, zone, (long long)c->cfg.lists_rpz_ttl,
			(long long)time(NULL), (long long)c->cfg.lists_rpz_ttl);
	else if (x.fmt == X_CSV)
		fputs("value,action,first_seen,last_seen,expires,category,reference,source\n", x.f);
	if (x.fmt == X_RPZ)
		rpz_allows(&x, l.kind);
	if (store_each_entry(st, l.name, (int64_t)time(NULL), 1, on_entry, &x, &err) != 0) {
		cli_error(&err);
		rc = EXIT_FAIL;
	}
	if (out) {
		if (rc != EXIT_OK) {
			fs_atomic_abort(&at);
		} else if (fs_atomic_commit(&at, &err) != 0) {
			cli_error(&err);
			rc = EXIT_FAIL;
		}
	} else if (fflush(stdout) != 0) {
		rc = EXIT_FAIL;
	}
	if (!c->quiet)
		fprintf(stderr, "list %s: %ld entries written as %s%s%s", l.name, x.written, fmt_s,
			x.fmt == X_RPZ ? ", zone " : "", x.fmt == X_RPZ ? zone : "");
	if (!c->quiet && x.skipped)
		fprintf(stderr, ", %ld left out (not expressible in %s)", x.skipped, fmt_s);
	if (!c->quiet && x.allowed)
		fprintf(stderr, ", %ld %s the allowlist", x.allowed,
			x.fmt == X_RPZ ? "as rpz-passthru by" : "left out by");
	if (!c->quiet && x.toolong)
		fprintf(stderr, ", %ld left out (longer than %d octets under zone %s)", x.toolong,
			DOMAIN_MAX, zone);
	if (!c->quiet)
		fputc('\n', stderr);
	allowset_free(allow);
	store_close(st);
	return rc;
}
