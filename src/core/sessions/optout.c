/*
 * optout.c -- the DNS opt-out file: the addresses that subscribers who opted out of
 * filtering hold now, from the subscriber directory and the sessions index (optout.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/base/binwrite.h"
#include "core/base/csv.h"
#include "core/base/fsutil.h"
#include "core/base/jsonout.h"
#include "core/base/timefmt.h"
#include "core/net/ip.h"
#include "core/sessions/optout.h"
#include "core/sessions/sessions.h"
#include "core/store/store_notify.h"

static int add_id(void *ud, const struct store_subscriber *s)
{
	struct optout_ids *x = ud;
	int out = s->opt_out_filtering != 0 || strcmp(s->profile, "none") == 0;

	if (!out && !s->profile[0])
		return 0;
	if (mem_grow_from((void **)&x->v, &x->cap, x->n + 1, sizeof(*x->v), 64)) {
		x->oom = 1;
		return 1;
	}
	x->v[x->n].id = strdup(s->id);
	x->v[x->n].profile = strdup(out ? "none" : s->profile);
	if (!x->v[x->n].id || !x->v[x->n].profile) {
		free(x->v[x->n].id);
		free(x->v[x->n].profile);
		x->oom = 1;
		return 1;
	}
	x->nopt += out;
	x->n++;
	return 0;
}

static int cmp_sub(const void *a, const void *b)
{
	return strcmp(((const struct optout_sub *)a)->id, ((const struct optout_sub *)b)->id);
}

int optout_collect(struct store *st, struct optout_ids *ids, struct isp_err *err)
{
	int rc = store_each_subscriber(st, STORE_SUB_FILTER_SET, add_id, ids, err);

	if (rc)
		return rc;
	if (ids->oom)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	qsort(ids->v, ids->n, sizeof(*ids->v), cmp_sub);
	return 0;
}

void optout_ids_free(struct optout_ids *ids)
{
	size_t i;

	for (i = 0; i < ids->n; i++) {
		free(ids->v[i].id);
		free(ids->v[i].profile);
	}
	free(ids->v);
	ids->v = NULL;
	ids->n = ids->cap = ids->nopt = 0;
}

struct optout_out {
	const struct optout_ids *ids;
	FILE *f;
	int64_t now;
	long written;
};

static int write_held(void *ud, const struct sess_hit *h)
{
	struct optout_out *o = ud;
	struct optout_sub key = { (char *)h->user, NULL };
	const struct optout_sub *sub;
	char pfx[IP_PREFIX_STRLEN];

	if ((h->end && h->end <= o->now) || h->start > o->now)
		return 0;
	sub = bsearch(&key, o->ids->v, o->ids->n, sizeof(*o->ids->v), cmp_sub);
	if (!sub)
		return 0;
	ip_format_prefix(&h->addr, pfx);
	if (strcmp(sub->profile, "none") == 0)
		fprintf(o->f, "%s\t# %s\n", pfx, h->user);
	else
		fprintf(o->f, "profile=%s\t%s\t# %s\n", sub->profile, pfx, h->user);
	o->written++;
	return 0;
}

int optout_write(const struct optout_ids *ids, const char *sessions_path, const char *out,
		 int64_t now, long *written, struct isp_err *err)
{
	struct optout_out o = { ids, NULL, now, 0 };
	struct fs_atomic at;
	struct sessdb *db = NULL;
	int rc;

	rc = sessdb_open(sessions_path, &db, err);
	if (rc && rc != ISR_ENOTFOUND)
		return rc;
	rc = fs_atomic_open(&at, out, 0666, err);
	if (rc == 0) {
		o.f = at.f;
		fprintf(o.f, "# ispshield opt-out v2: addresses held by subscribers who opted out "
			     "of filtering (PREFIX), or of a profile (profile=NAME PREFIX)\n");
		if (db)
			sessdb_each(db, write_held, &o);
		rc = fs_atomic_commit(&at, err);
	}
	sessdb_close(db);
	*written = o.written;
	return rc;
}

static int history_csv(void *ud, const struct store_subscriber_change *h)
{
	FILE *f = ud;
	char t[TIME_FMT_UTC_MAX];

	csv_write_field(f, h->subscriber);
	fputc(',', f);
	csv_write_field(f, time_fmt_utc(h->time, t));
	fputc(',', f);
	csv_write_field(f, h->change);
	fputc(',', f);
	csv_write_field(f, h->via);
	fputc('\n', f);
	return ferror(f) ? 1 : 0;
}

static int history_text(void *ud, const struct store_subscriber_change *h)
{
	FILE *f = ud;
	char t[TIME_FMT_LOCAL_MAX];

	fprintf(f, "%s  %s  %s%s%s\n", time_fmt_local(h->time, t), h->subscriber, h->change,
		h->via ? " via " : "", h->via ? h->via : "");
	return ferror(f) ? 1 : 0;
}

int optout_history_write(FILE *f, struct store *st, const char *id, int64_t since, int csv,
			 struct isp_err *err)
{
	int rc;

	if (csv)
		fputs("subscriber,time,change,via\n", f);
	rc = store_each_subscriber_change(st, id, since, csv ? history_csv : history_text, f, err);
	if (rc == 0 && (ferror(f) || fflush(f) != 0))
		rc = isp_err_set(err, ISR_EIO, "cannot write the history");
	return rc;
}

int optout_refresh(struct store *st, const char *sessions_path, const char *out, int64_t now,
		   struct optout_counts *n, struct isp_err *err)
{
	struct optout_ids ids = { 0 };
	int rc = optout_collect(st, &ids, err);

	n->written = 0;
	if (rc == 0)
		rc = optout_write(&ids, sessions_path, out, now, &n->written, err);
	n->opted_out = ids.nopt;
	n->profiled = ids.n - ids.nopt;
	optout_ids_free(&ids);
	return rc;
}

static json_t *subscriber_json(const struct store_subscriber *s)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s}", "id", s->id, "email", s->email,
			 "language", s->language, "consent", (json_int_t)s->consent,
			 "opt_out_filtering", (json_int_t)s->opt_out_filtering, "opt_out_notices",
			 (json_int_t)s->opt_out_notices, "profile", s->profile);
}

struct list_ctx {
	FILE *f;
	json_t *arr;
};

static int list_row(void *ud, const struct store_subscriber *s)
{
	struct list_ctx *x = ud;

	if (x->arr)
		return json_array_append_new(x->arr, subscriber_json(s)) ? ISR_ENOMEM : 0;
	return optout_subscriber_print(x->f, s, 0);
}

int optout_subscribers_write(FILE *f, struct store *st, int json, struct isp_err *err)
{
	struct list_ctx x = { f, json ? json_array() : NULL };
	int rc;

	if (json && !x.arr)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	rc = store_each_subscriber(st, 0, list_row, &x, err);
	if (rc && !err->msg[0])
		isp_err_set(err, rc, rc == ISR_ENOMEM ? "out of memory" : "write failed");
	if (rc == 0 && json)
		return jsonout_dumpf(x.arr, f, JSON_INDENT(2));
	json_decref(x.arr);
	return rc;
}

int optout_subscriber_print(FILE *f, const struct store_subscriber *s, int json)
{
	char a[TIME_FMT_LOCAL_MAX], b[TIME_FMT_LOCAL_MAX], d[TIME_FMT_LOCAL_MAX];

	if (json)
		return jsonout_dumpf(subscriber_json(s), f, JSON_INDENT(2));
	fprintf(f, "%s <%s> %s; consent %s; opted out of filtering %s, of notices %s; profile %s\n",
		s->id, s->email[0] ? s->email : "no e-mail", s->language,
		time_fmt_local(s->consent, a), time_fmt_local(s->opt_out_filtering, b),
		time_fmt_local(s->opt_out_notices, d),
		s->profile[0] ? s->profile : "(default: every list)");
	return ferror(f) ? ISR_EIO : 0;
}
